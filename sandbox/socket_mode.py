"""Socket Mode's Slack side: a websocket server on 127.0.0.1, and a driver that sends through it.

In Socket Mode the bot has no public URL: it calls ``apps.connections.open`` with its
app-level token (``xapp-…``), gets a ``wss://`` URL and holds a websocket open; Slack sends
every slash command, event and interaction down that socket in an *envelope*, and the bot
acknowledges each envelope — the acknowledgement's ``payload`` is its answer (a slash
command's message, a view submission's ``response_action``).

`SocketModeStandIn` is that server. Given the Web API stand-in, it registers its app-level
token there, so that ``apps.connections.open`` answers with a URL of this server (one ticket
per connection, as Slack's URLs are single-use). It greets each connection with Slack's
``hello``, sends envelopes and waits for their acknowledgements, and plays the two ways a
connection ends: ``disconnect()`` is Slack's polite ``{"type": "disconnect"}`` (sent every few
hours: the client opens a new connection; Slack then closes the old one), ``drop()`` a
connection that dies without a word (the client must notice by itself).

`SocketModeDriver` is a `SlackDriver` whose requests travel through the socket instead of HTTP:
``command``, ``event``, ``view_submission``… build the same payloads, and the `Reply` holds the
acknowledgement's payload as its JSON body (status 200), or status 0 when none came in time.

Uses the ``websockets`` library (a development dependency), so ``sandbox/__init__`` does not
import this module.
"""

from __future__ import annotations

import json
import secrets
import socket
import threading
import urllib.parse
import uuid
from types import TracebackType

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import Server, ServerConnection, serve

from sandbox.driver import Reply, SlackDriver
from sandbox.standin import SlackStandIn

ACK_TIMEOUT = 10.0


class SocketModeStandIn:
    def __init__(self, standin: SlackStandIn, app_token: str = "xapp-1-A0KIND-standin") -> None:
        self.standin = standin
        self.app_token = app_token
        self._server: Server | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Condition()
        self._tickets: set[str] = set()
        self._connection: ServerConnection | None = None
        self._opened = 0  # connections greeted so far
        self._acks: dict[str, dict | None] = {}
        self._waiting: set[str] = set()
        self.envelopes: list[dict] = []  # everything sent to the bot, in order
        self._closing: list[threading.Thread] = []

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> SocketModeStandIn:
        self._server = serve(self._serve, "127.0.0.1", 0, compression=None, close_timeout=2)
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="socket-mode-standin", daemon=True
        )
        self._thread.start()
        self.standin.add_app_token(self.app_token, self.new_url)
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        for closing in self._closing:
            closing.join(timeout=10)
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server = None

    def __enter__(self) -> SocketModeStandIn:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def new_url(self) -> str:
        """A single-use websocket URL, as apps.connections.open gives."""
        assert self._server is not None, "the Socket Mode stand-in is not started"
        ticket = secrets.token_hex(8)
        with self._lock:
            self._tickets.add(ticket)
        port = self._server.socket.getsockname()[1]
        return f"ws://127.0.0.1:{port}/link/?ticket={ticket}"

    # -- connections ----------------------------------------------------------------------

    @property
    def connections_opened(self) -> int:
        with self._lock:
            return self._opened

    def wait_for_connection(self, number: int = 1, timeout: float = 30) -> None:
        """Until the bot has opened its ``number``-th connection (and it is open)."""
        with self._lock:
            done = self._lock.wait_for(
                lambda: self._opened >= number and self._connection is not None, timeout
            )
        if not done:
            raise AssertionError(
                f"the bot opened {self._opened} Socket Mode connection(s), not {number}"
            )

    def disconnect(self, reason: str = "refresh_requested") -> None:
        """Slack's notice that this connection is about to close, then the close. (Slack
        waits about ten seconds between the two; the stand-in does not.)"""
        self._send({"type": "disconnect", "reason": reason, "debug_info": {"host": "standin"}})
        with self._lock:
            connection, self._connection = self._connection, None
        if connection is not None:
            # The closing handshake waits for the client's answer: not in the caller's thread.
            closing = threading.Thread(target=connection.close, args=(1000, reason), daemon=True)
            closing.start()
            self._closing.append(closing)

    def drop(self) -> None:
        """The connection dies without a closing handshake (a network failure)."""
        with self._lock:
            connection, self._connection = self._connection, None
        if connection is not None:
            connection.socket.shutdown(socket.SHUT_RDWR)

    def send(self, kind: str, payload: dict, *, retry_attempt: int = 0) -> dict | None:
        """Send one envelope (``slash_commands``, ``events_api``, ``interactive``) and wait
        for its acknowledgement: the ack's message (``{"envelope_id": …, "payload": …}``), or
        None when none came within ``ACK_TIMEOUT``."""
        envelope_id = str(uuid.uuid4())
        envelope = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": kind != "events_api",
            "retry_attempt": retry_attempt,
            "retry_reason": "timeout" if retry_attempt else "",
        }
        with self._lock:
            self._waiting.add(envelope_id)
            self.envelopes.append(envelope)
        self._send(envelope)
        with self._lock:
            self._lock.wait_for(lambda: envelope_id in self._acks, ACK_TIMEOUT)
            self._waiting.discard(envelope_id)
            return self._acks.pop(envelope_id, None)

    def _send(self, message: dict) -> None:
        with self._lock:
            connection = self._connection
        if connection is None:
            raise AssertionError("the bot holds no Socket Mode connection")
        connection.send(json.dumps(message))

    def _serve(self, connection: ServerConnection) -> None:
        query = urllib.parse.urlsplit(connection.request.path if connection.request else "").query
        ticket = urllib.parse.parse_qs(query).get("ticket", [""])[0]
        with self._lock:
            if ticket not in self._tickets:
                connection.close(code=1008, reason="invalid ticket")
                return
            self._tickets.discard(ticket)
        connection.send(
            json.dumps(
                {
                    "type": "hello",
                    "num_connections": 1,
                    "debug_info": {"host": "standin", "approximate_connection_time": 18060},
                    "connection_info": {"app_id": self.standin.app_id},
                }
            )
        )
        with self._lock:
            self._connection = connection
            self._opened += 1
            self._lock.notify_all()
        try:
            for raw in connection:
                message = json.loads(raw)
                with self._lock:
                    if message.get("envelope_id") in self._waiting:
                        self._acks[message["envelope_id"]] = message
                        self._lock.notify_all()
        except (ConnectionClosed, OSError, ValueError):
            pass
        finally:
            with self._lock:
                if self._connection is connection:
                    self._connection = None
                self._lock.notify_all()


class SocketModeDriver(SlackDriver):
    """The SlackDriver's requests, delivered through the Socket Mode stand-in."""

    def __init__(self, socket_mode: SocketModeStandIn, team_id: str | None = None) -> None:
        super().__init__("socket-mode", "", socket_mode.standin, team_id)
        self.socket_mode = socket_mode

    def _post(
        self,
        body: bytes,
        content_type: str,
        *,
        headers: dict[str, str] | None = None,
        timestamp: float | None = None,
        signature: str | None = None,
        unsigned: bool = False,
    ) -> Reply:
        # Socket Mode is not signed: the socket itself is the app's, opened with its token.
        if content_type.startswith("application/json"):
            retry = int((headers or {}).get("X-Slack-Retry-Num", 0))
            ack = self.socket_mode.send("events_api", json.loads(body), retry_attempt=retry)
        else:
            form = urllib.parse.parse_qs(body.decode("utf-8"), keep_blank_values=True)
            if "payload" in form:
                ack = self.socket_mode.send("interactive", json.loads(form["payload"][0]))
            else:
                fields = {key: values[-1] for key, values in form.items()}
                ack = self.socket_mode.send("slash_commands", fields)
        if ack is None:
            return Reply(0, "")
        payload = ack.get("payload")
        return Reply(200, json.dumps(payload) if payload else "")
