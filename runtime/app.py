"""The Bolt app: ``create_app`` wires Bolt to the services and registers every listener.

Bolt runs with ``process_before_response=True``: each listener runs in the request thread,
commits the member's words, then acks with the answer; only calls to Slack run after the ack,
on the listener executor (``handlers.answering``). Storing first is the safe order (an ack is a
promise: a crash after it loses nothing) and, with SQLite or PostgreSQL close by, the fast one.

The app is served over HTTP by ``runtime.wsgi`` (waitress in ``runtime.serve``, or
gunicorn) and over Socket Mode by ``runtime.serve``; the sandbox serves the same app.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from concurrent.futures import Executor, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

from slack_bolt import App, BoltResponse
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_bolt.request import BoltRequest
from slack_sdk import WebClient
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore

import handlers
from bot import metrics
from bot.manifest import bot_scopes
from bot.services import Services
from bot.slack.client import make_client, token_rotator
from bot.slack.installations import WorkspaceInstallations
from runtime.environment import PREFIXES

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
        # The token is checked once, clearly, at start (runtime.start), not on every request.
        "token_verification_enabled": False,
        "listener_executor": listener_executor
        or ThreadPoolExecutor(max_workers=AFTER_ACK_THREADS, thread_name_prefix="after-ack"),
    }
    with _bolt_reads_no_environment():
        if config.slack_mode == "oauth":
            options["signing_secret"] = config.slack_signing_secret
            store = installation_store(services)
            settings = OAuthSettings(
                client_id=config.slack_client_id,
                client_secret=config.slack_client_secret,
                scopes=bot_scopes(),
                installation_store=store,
                state_store=SQLAlchemyOAuthStateStore(
                    expiration_seconds=600, engine=services.db.engine
                ),
            )
            # Bolt refreshes a rotating token on a request; it does it the jobs' way, one
            # process at a time (bot.slack.token_rotation).
            settings.authorize.token_rotator = token_rotator(config, store, clock=services.clock)
            options["oauth_settings"] = settings
        else:
            # The bot token travels on the client (make_client); Bolt takes it from there. In
            # OAuth mode the client has none: tokens come per workspace from the installations.
            options["signing_secret"] = config.slack_signing_secret or ""
            if config.slack_mode == "socket":
                options["request_verification_enabled"] = False
        app = MeteredApp(**options)
    handlers.register(app, services)  # every listener, wrapped once
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
