"""The sandbox page over HTTP: its files, and a small JSON API the page's script calls.

    GET  /                          the page (sandbox/static/index.html)
    GET  /sandbox/static/NAME       its stylesheet and script (package data, no build step)
    GET  /sandbox/files/ID          a file the bot uploaded (?download=1 to save it)
    GET  /sandbox/reports/N         an impact report made from the clock panel (?download=1)
    GET  /sandbox/site/PAGE         a preview of the published site, built from the sandbox's
                                    log when its index is asked for
    GET  /sandbox/api/people         the members one can be
    GET  /sandbox/api/state?user=U&since=V
                                    what U sees; {"version": V, "unchanged": true} when nothing
                                    changed since V (the page asks twice a second)
    POST /sandbox/api/OPERATION     JSON in, JSON out: send, click, submit, close, shortcut,
                                    open_app, join, leave, edit, delete, job, clock, examples,
                                    report

Every operation names the member acting (`user`); it must be one of the sandbox's people. POSTs
must be JSON and the Host must be the loopback address, so another web page open in the same
browser cannot drive the sandbox (a cross-site form cannot send JSON without asking first, and
a rebound DNS name is refused).
"""

from __future__ import annotations

import json
import logging
import urllib.parse
from collections.abc import Callable, Iterable
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

from sandbox.ui import Outcome, SlackUi
from sandbox.web_api import SlackStandIn
from schedules.manual import JobRun

log = logging.getLogger(__name__)

STATIC = {
    "index.html": "text/html; charset=utf-8",
    "sandbox.css": "text/css; charset=utf-8",
    "sandbox.js": "text/javascript; charset=utf-8",
    "favicon.svg": "image/svg+xml",
}
_LOCAL_HOSTS = ("127.0.0.1", "localhost")
_REASONS = {200: "OK", 400: "Bad Request", 403: "Forbidden", 404: "Not Found", 405: "Not Allowed"}

StartResponse = Callable[..., Any]


class BadRequest(Exception):
    pass


class RunningSandbox(Protocol):
    """What the page needs of the running sandbox (``runtime.sandbox.Sandbox``, which serves
    the page: the page knows it only by this, so neither module imports the other both ways)."""

    standin: SlackStandIn
    ui: SlackUi

    def view_for(self, user: str) -> dict[str, Any]: ...

    def version(self) -> str: ...

    def run_job(self, job: str) -> JobRun: ...

    def advance(self, step: str) -> datetime: ...

    def add_examples(self) -> int: ...

    def make_report(self) -> dict[str, str]: ...

    def report(self, number: int) -> tuple[str, bytes] | None: ...

    def preview_site(self) -> Path: ...


class SandboxPage:
    def __init__(self, sandbox: RunningSandbox) -> None:
        self.sandbox = sandbox
        self._site: Path | None = None
        self.operations: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "send": self._send,
            "click": self._click,
            "submit": self._submit,
            "close": self._close,
            "shortcut": self._shortcut,
            "open_app": self._open_app,
            "join": self._join,
            "leave": self._leave,
            "edit": self._edit,
            "delete": self._delete,
            "job": self._job,
            "clock": self._clock,
            "examples": self._examples,
            "report": self._report,
        }

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        host = environ.get("HTTP_HOST", "").rsplit(":", 1)[0]
        if host not in _LOCAL_HOSTS:
            return _text(start_response, 403, "The sandbox answers on 127.0.0.1 only.")
        if path in ("/", "/sandbox/", "/index.html"):
            return _static(start_response, "index.html")
        if path == "/favicon.ico":
            return _static(start_response, "favicon.svg")
        if path.startswith("/sandbox/static/"):
            return _static(start_response, path.rsplit("/", 1)[-1])
        if path.startswith("/sandbox/site/"):
            return self._site_page(start_response, path.removeprefix("/sandbox/site/"))
        if path.startswith("/sandbox/files/"):
            found = self.sandbox.standin.file(path.rsplit("/", 1)[-1])
            if found is None:
                return _text(start_response, 404, "No such file")
            return _file(environ, start_response, found.name, found.mimetype, found.content)
        if path.startswith("/sandbox/reports/"):
            number = path.rsplit("/", 1)[-1]
            made = self.sandbox.report(int(number)) if number.isdigit() else None
            if made is None:
                return _text(start_response, 404, "No such report")
            name, content = made
            return _file(environ, start_response, name, "text/html; charset=utf-8", content)
        if path == "/sandbox/api/people":
            people = [p for p in self.sandbox.standin.users() if not p.get("is_bot")]
            return _json(start_response, 200, {"people": people})
        if path == "/sandbox/api/state":
            query = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""))
            user = (query.get("user") or [""])[0]
            since = (query.get("since") or [""])[0]
            if user not in self._people():
                return _json(start_response, 400, {"error": f"no member {user!r}"})
            if since and since == self.sandbox.version():
                return _json(start_response, 200, {"version": since, "unchanged": True})
            return _json(start_response, 200, self.sandbox.view_for(user))
        if path.startswith("/sandbox/api/"):
            if method != "POST":
                return _json(start_response, 405, {"error": "POST only"})
            if not environ.get("CONTENT_TYPE", "").startswith("application/json"):
                return _json(start_response, 400, {"error": "send JSON"})
            operation = self.operations.get(path.rsplit("/", 1)[-1])
            if operation is None:
                return _json(start_response, 404, {"error": "no such operation"})
            try:
                body = _read_json(environ)
                return _json(start_response, 200, operation(body))
            except BadRequest as exc:
                return _json(start_response, 400, {"error": str(exc)})
        return _text(start_response, 404, "Not found")

    def _site_page(self, start_response: StartResponse, page: str) -> Iterable[bytes]:
        """A page of the site preview; asking for its index builds it again."""
        page = page or "index.html"
        if page == "index.html" or not self._site:
            self._site = self.sandbox.preview_site()
        root = self._site.resolve()
        target = (root / page).resolve()
        kind = _SITE_TYPES.get(target.suffix)
        if kind is None or not target.is_relative_to(root) or not target.is_file():
            return _text(start_response, 404, "Not found")
        body = target.read_bytes()
        start_response("200 OK", [("Content-Type", kind), ("Content-Length", str(len(body)))])
        return [body]

    # -- operations -------------------------------------------------------------------------

    def _user(self, body: dict[str, Any]) -> str:
        user = body.get("user")
        if user not in self._people():
            raise BadRequest(f"no member {user!r}")
        return str(user)

    def _people(self) -> set[str]:
        return {p["id"] for p in self.sandbox.standin.users() if not p.get("is_bot")}

    def _send(self, body: dict[str, Any]) -> dict[str, Any]:
        return self.sandbox.ui.send(
            self._user(body),
            _required(body, "channel"),
            str(body.get("text") or ""),
            body.get("thread_ts") or None,
        ).as_json()

    def _click(self, body: dict[str, Any]) -> dict[str, Any]:
        action = body.get("action")
        if not isinstance(action, dict) or not action.get("action_id"):
            raise BadRequest("`action` needs an action_id")
        return self.sandbox.ui.click(
            self._user(body),
            action,
            channel=body.get("channel"),
            message_ts=body.get("message_ts"),
            ephemeral_ts=body.get("ephemeral_ts"),
            view_id=body.get("view_id"),
            state=body.get("state") if isinstance(body.get("state"), dict) else None,
        ).as_json()

    def _submit(self, body: dict[str, Any]) -> dict[str, Any]:
        values = body.get("values")
        if not isinstance(values, dict):
            raise BadRequest("`values` must be an object")
        return self.sandbox.ui.submit(
            self._user(body), _required(body, "view_id"), values
        ).as_json()

    def _close(self, body: dict[str, Any]) -> dict[str, Any]:
        return self.sandbox.ui.close(self._user(body), _required(body, "view_id")).as_json()

    def _shortcut(self, body: dict[str, Any]) -> dict[str, Any]:
        return self.sandbox.ui.shortcut(
            self._user(body),
            _required(body, "channel"),
            _required(body, "ts"),
            _required(body, "callback_id"),
        ).as_json()

    def _open_app(self, body: dict[str, Any]) -> dict[str, Any]:
        tab = body.get("tab")
        if tab not in ("home", "messages"):
            raise BadRequest("`tab` is home or messages")
        return self.sandbox.ui.open_app(self._user(body), tab).as_json()

    def _join(self, body: dict[str, Any]) -> dict[str, Any]:
        return self.sandbox.ui.join(self._user(body), _required(body, "channel")).as_json()

    def _leave(self, body: dict[str, Any]) -> dict[str, Any]:
        return self.sandbox.ui.leave(self._user(body), _required(body, "channel")).as_json()

    def _edit(self, body: dict[str, Any]) -> dict[str, Any]:
        return self.sandbox.ui.edit_message(
            self._user(body),
            _required(body, "channel"),
            _required(body, "ts"),
            str(body.get("text") or ""),
        ).as_json()

    def _delete(self, body: dict[str, Any]) -> dict[str, Any]:
        return self.sandbox.ui.delete_message(
            self._user(body), _required(body, "channel"), _required(body, "ts")
        ).as_json()

    def _job(self, body: dict[str, Any]) -> dict[str, Any]:
        job = body.get("job")
        if job not in ("prompt", "digest", "nudges", "selection", "pairs"):
            raise BadRequest("`job` is prompt, digest, nudges, selection or pairs")
        run = self.sandbox.run_job(str(job))
        return Outcome(None if run.ok else run.message, {"message": run.message}).as_json()

    def _clock(self, body: dict[str, Any]) -> dict[str, Any]:
        step = body.get("step")
        if step not in ("day", "week"):
            raise BadRequest("`step` is day or week")
        return {"now": self.sandbox.advance(str(step)).isoformat()}

    def _examples(self, body: dict[str, Any]) -> dict[str, Any]:
        return {"added": self.sandbox.add_examples()}

    def _report(self, body: dict[str, Any]) -> dict[str, Any]:
        return self.sandbox.make_report()


def _file(
    environ: dict[str, Any],
    start_response: StartResponse,
    name: str,
    mimetype: str,
    content: bytes,
) -> Iterable[bytes]:
    download = "download=1" in environ.get("QUERY_STRING", "")
    disposition = "attachment" if download else "inline"
    quoted = urllib.parse.quote(name)
    start_response(
        "200 OK",
        [
            ("Content-Type", mimetype),
            ("Content-Length", str(len(content))),
            ("Content-Disposition", f"{disposition}; filename*=UTF-8''{quoted}"),
            # An HTML report must not run script in the page's origin.
            ("Content-Security-Policy", "sandbox"),
            ("X-Content-Type-Options", "nosniff"),
        ],
    )
    return [content]


_SITE_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".xml": "application/atom+xml; charset=utf-8",
    ".png": "image/png",
}


def _required(body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value:
        raise BadRequest(f"`{key}` is required")
    return value


def _read_json(environ: dict[str, Any]) -> dict[str, Any]:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    raw = environ["wsgi.input"].read(length) if length > 0 else b"{}"
    try:
        body = json.loads(raw)
    except ValueError:
        raise BadRequest("the body is not JSON") from None
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object")
    return body


def _static(start_response: StartResponse, name: str) -> Iterable[bytes]:
    if name not in STATIC:
        return _text(start_response, 404, "Not found")
    content = (resources.files("sandbox") / "static" / name).read_bytes()
    start_response(
        "200 OK",
        [
            ("Content-Type", STATIC[name]),
            ("Content-Length", str(len(content))),
            ("Cache-Control", "no-cache"),
        ],
    )
    return [content]


def _json(start_response: StartResponse, status: int, payload: dict[str, Any]) -> list[bytes]:
    body = json.dumps(payload).encode()
    start_response(
        f"{status} {_REASONS.get(status, 'Error')}",
        [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(body))),
            ("Cache-Control", "no-store"),
        ],
    )
    return [body]


def _text(start_response: StartResponse, status: int, text: str) -> list[bytes]:
    body = text.encode()
    start_response(
        f"{status} {_REASONS.get(status, 'Error')}",
        [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))],
    )
    return [body]
