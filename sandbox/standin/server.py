"""The stand-in's HTTP side: serving on 127.0.0.1, routing, authenticating and recording.

Three routes: `/api/<method>` (the Web API, dispatched by name to the family that implements
`_api_<method with dots as underscores>`), `/response/<id>` (response URLs) and `/upload/<id>`
(the external upload flow's upload URLs). Each call goes through the injected faults first
(`faults`), then the token check (`oauth`), then the method; its answer is recorded
(`recording`) before it is sent, or not sent when a dropped connection was asked for.

Judgement calls:
- An unknown method answers HTTP 200 `{"ok": false, "error": "unknown_method"}`.
- A bug in the stand-in answers HTTP 500 `standin_bug` with the exception, so that a test fails
  loudly instead of hanging.
- A bot token's answers carry Slack's `x-oauth-scopes` header (`bot_scopes`).
"""

from __future__ import annotations

import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self

from sandbox.standin.faults import Faults
from sandbox.standin.oauth import OAuth, client_credentials
from sandbox.standin.protocol import Answer, ApiError, decode_args
from sandbox.standin.recording import Call
from sandbox.standin.response_urls import ResponseUrls


class Server(OAuth, ResponseUrls, Faults):
    """Serving in a daemon thread; the families answer what arrives."""

    def _init_server(self, host: str, port: int) -> None:
        self._host = host
        self._requested_port = port
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> Self:
        """Serve in a daemon thread; returns self."""
        if self._server is not None:
            return self
        handler = type("_BoundHandler", (_Handler,), {"standin": self})
        self._server = _Server((self._host, self._requested_port), handler)
        self._server.daemon_threads = True
        # A short poll interval keeps stop() quick; tests start and stop a stand-in each.
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="slack-standin", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the stand-in is not started")
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://{self._host}:{self.port}"

    @property
    def api_url(self) -> str:
        """The `base_url` for slack_sdk's WebClient (it appends the method name)."""
        return f"{self.base_url}/api/"

    def _handle(self, request: _Handler) -> None:
        path = urllib.parse.urlsplit(request.path)
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else b""
        route, _, rest = path.path.lstrip("/").partition("/")
        answerers = {
            "api": self._answer_api,
            "response": self._answer_response_url,
            "upload": self._answer_upload,
        }
        if route not in answerers:
            request.send_error(404)
            return
        try:
            method, args, answer = answerers[route](rest, request.headers, path.query, body)
        except Exception as bug:  # a stand-in bug must fail the call loudly, not hang it
            method, args = rest, {}
            answer = Answer.json({"ok": False, "error": "standin_bug", "detail": repr(bug)}, 500)
        with self._lock:
            call = Call(method, args, time.time(), answer.status, answer.error, answer.token)
            self._calls.append(call)
            self._version += 1
        if answer.drop:
            request.close_connection = True
            return
        try:
            request.send_response(answer.status)
            request.send_header("Content-Type", answer.content_type)
            request.send_header("Content-Length", str(len(answer.body)))
            for name, value in answer.headers.items():
                request.send_header(name, value)
            request.end_headers()
            request.wfile.write(answer.body)
        except (BrokenPipeError, ConnectionResetError):
            request.close_connection = True  # the caller is gone (a test killed it): no answer

    def _answer_api(
        self, method: str, headers: Any, query: str, body: bytes
    ) -> tuple[str, dict, Answer]:
        try:
            args = decode_args(headers.get("Content-Type", ""), query, body)
        except ValueError:
            return method, {}, Answer.json({"ok": False, "error": "invalid_json"})
        token = args.pop("token", None)
        authorization = headers.get("Authorization", "")
        if authorization.startswith("Bearer "):
            token = authorization[len("Bearer ") :]
        client = client_credentials(authorization, args)
        self._wait_if_held(method)
        self._delay(method)
        fault = self._take_fault(method)
        if fault is not None and not fault.after_effect:
            return method, args, fault.answer()
        limited = self._rate_limited(method)
        if limited is not None:
            return method, args, limited
        implementation = getattr(self, "_api_" + method.replace(".", "_"), None)
        if implementation is None:
            answer = {"ok": False, "error": "unknown_method", "req_method": method}
            return method, args, Answer.json(answer)
        refused, caller = self._authenticate(method, token, client)
        if refused is not None:
            answer = Answer.json({"ok": False, "error": refused})
        else:
            try:
                with self._lock:
                    self._caller, self._caller_token = caller, token
                    payload = implementation(args)
                answer = Answer.json({"ok": True, **payload})
            except ApiError as refusal:
                answer = Answer.json({"ok": False, "error": refusal.error, **refusal.extra})
            if caller is not None and caller.kind == "bot":
                answer.headers["x-oauth-scopes"] = ",".join(self.bot_scopes)
            if answer.error is None:
                self._wait_if_held(method, after_effect=True)
                if fault is not None:  # it took effect; now the answer is lost
                    return method, args, fault.answer()
        answer.token = token
        return method, args, answer


class _Server(ThreadingHTTPServer):
    # socketserver's default backlog of 5 drops connection attempts when a client sends many
    # calls at once (the kernel drops the SYN and the client retries a second later); Slack
    # takes them all.
    request_queue_size = 128


class _Handler(BaseHTTPRequestHandler):
    standin: Server  # set on the subclass Server.start makes

    def do_POST(self) -> None:
        self.standin._handle(self)

    do_GET = do_POST

    def log_message(self, format: str, *args: Any) -> None:
        pass  # tests and the sandbox read `calls`, not an access log
