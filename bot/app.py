"""The Bolt app and the WSGI application that serves it.

``create_app`` wires Bolt to the services; ``KindnessWsgi`` serves ``POST /slack/events``
(commands, events and interactivity), the OAuth install pages in multi-workspace mode, and
``GET /healthz``; ``bot.metrics.MetricsWsgi`` in front of it serves ``GET /metrics``. For
gunicorn, ``bot.app:wsgi`` builds everything from the environment (logging included) when
gunicorn loads it::

    gunicorn -c deploy/gunicorn.conf.py 'bot.app:wsgi'

Bolt runs with ``process_before_response=True``: each listener runs in the request thread,
commits the member's words, then acks with the answer; only calls to Slack run after the ack,
on the listener executor (``handlers.answering``). Storing first is the safe order (an ack is a
promise: a crash after it loses nothing) and, with SQLite or PostgreSQL close by, the fast one.

Every ``POST /slack/events`` is read and verified by ``bot.inbound`` before Bolt sees it.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, ThreadPoolExecutor
from contextlib import contextmanager
from http import HTTPStatus
from typing import Any

from slack_bolt import App, BoltResponse
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_bolt.request import BoltRequest
from slack_sdk import WebClient
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore

from bot import metrics
from bot.environment import PREFIXES
from bot.inbound import Refused, SlackRequestReader, SslCheck, bolt_request
from bot.installations import WorkspaceInstallations
from bot.manifest import bot_scopes
from bot.services import Services
from bot.slack_client import make_client
from handlers import register as register_listeners

log = logging.getLogger(__name__)
EVENTS_PATH = "/slack/events"

StartResponse = Callable[..., Any]
# Threads for the Slack calls made after acks (views.open, reactions, answers through
# response_url); each waits on Slack, not on the CPU.
AFTER_ACK_THREADS = 8


def create_app(
    services: Services,
    *,
    client: WebClient | None = None,
    listener_executor: Executor | None = None,
) -> App:
    """The Bolt app; ``listener_executor`` runs the Slack work after acks (shut it down with
    ``app.listener_runner.listener_executor.shutdown()`` when the app stops)."""
    config = services.config
    options: dict[str, Any] = {
        "client": client or make_client(config),
        "process_before_response": True,
        # The token is checked once, clearly, at start (bot.serve), not on every request.
        "token_verification_enabled": False,
        "listener_executor": listener_executor
        or ThreadPoolExecutor(max_workers=AFTER_ACK_THREADS, thread_name_prefix="after-ack"),
    }
    with _bolt_reads_no_environment():
        if config.slack_mode == "oauth":
            options["signing_secret"] = config.slack_signing_secret
            options["oauth_settings"] = OAuthSettings(
                client_id=config.slack_client_id,
                client_secret=config.slack_client_secret,
                scopes=bot_scopes(),
                installation_store=installation_store(services),
                state_store=SQLAlchemyOAuthStateStore(
                    expiration_seconds=600, engine=services.db.engine
                ),
            )
        else:
            # The bot token travels on the client (make_client); Bolt takes it from there. In
            # OAuth mode the client has none: tokens come per workspace from the installations.
            options["signing_secret"] = config.slack_signing_secret or ""
            if config.slack_mode == "socket":
                options["request_verification_enabled"] = False
        app = MeteredApp(**options)
    register_listeners(app, services)
    return app


class MeteredApp(App):
    """Bolt's App, counting and timing every request it dispatches, over HTTP and Socket Mode
    alike (``bot.metrics``). Bolt's own global middleware cannot: in synchronous Bolt it runs
    before the listener, so it never sees the answer."""

    def dispatch(self, req: BoltRequest) -> BoltResponse:
        started = time.perf_counter()
        response = super().dispatch(req)
        kind = metrics.slack_request_kind(req.body if isinstance(req.body, dict) else {})
        metrics.slack_request(kind, response.status, time.perf_counter() - started)
        return response


@contextmanager
def _bolt_reads_no_environment() -> Iterator[None]:
    """Bolt falls back on ``SLACK_*`` variables for whatever it is not given: with
    ``SLACK_CLIENT_ID`` and ``SLACK_CLIENT_SECRET`` present it starts an OAuth flow of its own,
    and with ``SLACK_BOT_TOKEN`` beside the client we pass it warns on every start that the
    token is unused. It is given everything explicitly, from the checked configuration, so it
    is built while those variables are out of sight (only at start, before serving)."""
    hidden = {name: os.environ.pop(name) for name in list(os.environ) if name.startswith(PREFIXES)}
    try:
        yield
    finally:
        os.environ.update(hidden)


def installation_store(services: Services) -> WorkspaceInstallations:
    """Bolt's store of per-workspace tokens, in our own database (tables from migration 0002)."""
    return WorkspaceInstallations(
        services.config.slack_client_id or "",
        services.db,
        clock=services.clock,
        default_timezone=services.config.default_timezone,
    )


class KindnessWsgi:
    """``/healthz``, and Slack's requests read and verified (``bot.inbound``) before Bolt.

    A request that is not what Slack sends gets 400, 401 or 413 here, never reaching Bolt.
    Other paths (the OAuth install pages in multi-workspace mode) go to Bolt's adapter.
    """

    def __init__(self, app: App | None, services: Services) -> None:
        self.services = services
        self.app = app
        self.slack = SlackRequestHandler(app, path=EVENTS_PATH) if app is not None else None
        secret = services.config.slack_signing_secret or ""
        self.reader = SlackRequestReader(secret) if secret else None

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == "/healthz" and method in ("GET", "HEAD"):
            ok = self.services.db.ping()
            return _reply(start_response, 200 if ok else 503, {"ok": ok})
        if self.app is None or self.slack is None:
            return _reply(start_response, 404, {"ok": False, "error": "not_found"})
        if path == EVENTS_PATH and method == "POST":
            return self._from_slack(environ, start_response)
        return self.slack(environ, start_response)

    def _from_slack(self, environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        assert self.app is not None
        if self.reader is None:
            return _reply(start_response, 401, {"ok": False, "error": "invalid_request"})
        try:
            request = bolt_request(self.reader.read(environ))
        except SslCheck:
            return _reply(start_response, 200, None)
        except Refused as refused:
            return _reply(start_response, refused.status, {"ok": False, "error": refused.error})
        except Exception:
            log.exception("could not read a request to %s", EVENTS_PATH)
            return _reply(start_response, 400, {"ok": False, "error": "invalid_request"})
        try:
            response = self.app.dispatch(request)
        except Exception:
            log.exception("Bolt could not dispatch a verified request")
            return _reply(start_response, 500, {"ok": False, "error": "internal_error"})
        return _bolt_reply(start_response, response)


def _reply(
    start_response: StartResponse, status: int, payload: dict[str, Any] | None
) -> list[bytes]:
    body = json.dumps(payload).encode() if payload is not None else b""
    start_response(
        f"{status} {HTTPStatus(status).phrase}",
        [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
    )
    return [body]


def _bolt_reply(start_response: StartResponse, response: BoltResponse) -> list[bytes]:
    body = (response.body or "").encode("utf-8")
    headers = [
        (name, value)
        for name, values in response.headers.items()
        if name.lower() != "content-length"
        for value in values
    ]
    headers.append(("Content-Length", str(len(body))))
    start_response(f"{response.status} {HTTPStatus(response.status).phrase}", headers)
    return [body]


def build_wsgi_from_environment() -> metrics.MetricsWsgi:
    """The whole web application from the environment, as ``kindness-bot web`` builds it:
    the same settings, logging set-up and token check."""
    from bot.cli import open_database
    from bot.config import ConfigError, load_config
    from bot.environment import load_environment
    from bot.logs import configure_logging_for
    from bot.serve import check_token, note_token_workspace

    load_environment()
    try:
        config = load_config(os.environ, require_slack=True)
        configure_logging_for(config)
        services = Services(config, open_database(config))
        app = create_app(services)
        note_token_workspace(services, check_token(app.client, config))
    except ConfigError as exc:
        # gunicorn reports the worker that failed to boot and stops.
        print(exc.message(), file=sys.stderr)
        raise SystemExit(2) from None
    return metrics.MetricsWsgi(KindnessWsgi(app, services))


_built: dict[str, metrics.MetricsWsgi] = {}


def __getattr__(name: str) -> metrics.MetricsWsgi:
    # ``bot.app:wsgi`` (gunicorn) is built when first looked up, so importing this module for
    # tests or the CLI costs nothing and reads no environment.
    if name != "wsgi":
        raise AttributeError(name)
    if "wsgi" not in _built:
        _built["wsgi"] = build_wsgi_from_environment()
    return _built["wsgi"]
