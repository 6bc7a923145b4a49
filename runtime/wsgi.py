"""The web application: ``KindnessWsgi`` serves ``POST /slack/events`` (commands, events and
interactivity), the OAuth install pages in multi-workspace mode, and ``GET /healthz``;
``runtime.metrics.MetricsWsgi`` in front of it serves ``GET /metrics``.

Every ``POST /slack/events`` is read and verified by ``bot.slack.inbound`` before Bolt sees it.

For gunicorn, ``build_wsgi_from_environment`` builds everything from the environment — the
settings, the logging set-up, the database, the token check — as ``kindness-bot web`` does;
``bot.app:wsgi``, the name operators give gunicorn, is that application, built when gunicorn
first looks it up::

    gunicorn -c deploy/gunicorn.conf.py 'bot.app:wsgi'
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any

from slack_bolt import App, BoltResponse
from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy.exc import SQLAlchemyError

from bot.config import ConfigError, load_config
from bot.services import Services
from bot.slack.inbound import Refused, SlackRequestReader, SslCheck, bolt_request
from runtime.app import create_app
from runtime.environment import load_environment
from runtime.logs import configure_logging_for
from runtime.metrics import MetricsWsgi
from runtime.start import check_token, note_token_workspace, open_database

log = logging.getLogger(__name__)
EVENTS_PATH = "/slack/events"

StartResponse = Callable[..., Any]


class KindnessWsgi:
    """``/healthz``, and Slack's requests read and verified (``bot.slack.inbound``) before Bolt.

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
            return self._health(start_response)
        if self.app is None or self.slack is None:
            return _reply(start_response, 404, {"ok": False, "error": "not_found"})
        if path == EVENTS_PATH and method == "POST":
            return self._from_slack(environ, start_response)
        return self.slack(environ, start_response)

    def _health(self, start_response: StartResponse) -> list[bytes]:
        """200 ``{"ok": true}`` while the database answers, else 503. With a nightly backup
        configured, ``"backup"`` says how the latest went: a failed backup is reported there
        but leaves the status 200 — this web process serves Slack fine, and a load balancer
        or orchestrator restarting it would not mend a backup (monitor ``backup.ok``)."""
        ok = self.services.db.ping()
        payload: dict[str, Any] = {"ok": ok}
        if ok and self.services.config.backup_dir:
            from schedules.backups import backup_health

            try:
                payload["backup"] = backup_health(self.services.db, self.services.clock())
            except SQLAlchemyError:
                log.warning("could not read how the nightly backup went", exc_info=True)
        return _reply(start_response, 200 if ok else 503, payload)

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


def build_wsgi_from_environment() -> MetricsWsgi:
    """The whole web application from the environment, as ``kindness-bot web`` builds it:
    the same settings, logging set-up and token check."""
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
    return MetricsWsgi(KindnessWsgi(app, services))
