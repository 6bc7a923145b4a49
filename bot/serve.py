"""Serving: ``kindness-bot run`` (web + scheduler) and ``kindness-bot web`` (web only).

HTTP is served by waitress, a production WSGI server with a thread pool, in this process —
never Bolt's development server, which is single-threaded with a listen backlog of 5 and,
measured on a 2-core machine, times requests out from 8 concurrent clients. With
``SLACK_APP_TOKEN`` set the app talks to Slack over Socket Mode instead, and HTTP serves
``/healthz`` only.
"""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType
from urllib.error import URLError

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from waitress.server import create_server

from bot.app import KindnessWsgi, create_app
from bot.config import Config, ConfigError
from bot.db import Database
from bot.services import Services

log = logging.getLogger(__name__)
THREADS = 8


def check_token(client: WebClient, config: Config) -> None:
    """A wrong bot token makes Bolt answer every request with "please reinstall" — say so now."""
    if config.slack_mode == "oauth":
        return
    try:
        identity = client.auth_test()
    except SlackApiError as exc:
        raise ConfigError(
            [
                f"SLACK_BOT_TOKEN: Slack refused the token ({exc.response.get('error')}); copy "
                "the Bot User OAuth Token again (OAuth & Permissions), or reinstall the app"
            ]
        ) from None
    except (URLError, OSError) as exc:
        log.warning("could not reach Slack at %s to check the token: %s", config.slack_api_url, exc)
        return
    log.info("connected to Slack workspace %s as %s", identity.get("team"), identity.get("user"))


def run_web(config: Config, db: Database, *, with_scheduler: bool = False) -> int:
    services = Services(config, db)
    app = create_app(services)
    check_token(app.client, config)
    scheduler = None
    if with_scheduler:
        from schedules.runner import start_scheduler

        scheduler = start_scheduler(services, app.client)
    try:
        if config.slack_mode == "socket":
            _serve_socket_mode(app, services)
        else:
            serve_http(KindnessWsgi(app, services), config)
    finally:
        if scheduler is not None:
            scheduler.shutdown()
        # Slack calls already promised after an ack (a form to open, a reaction) finish.
        app.listener_runner.listener_executor.shutdown(wait=True)
    return 0


def run_all(config: Config, db: Database) -> int:
    return run_web(config, db, with_scheduler=True)


def serve_http(wsgi: KindnessWsgi, config: Config) -> None:
    # waitress warns for every request that waits for a free thread: in a burst, a line per
    # request, costing CPU when it is scarcest. A burst is normal for Slack traffic.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    server = create_server(
        wsgi, host=config.host, port=config.port, threads=THREADS, ident="kindness-bot"
    )
    log.info(
        "serving Slack requests on http://%s:%s/slack/events (health: /healthz)",
        config.host,
        config.port,
    )
    stop_on_sigterm()
    server.run()


def _serve_socket_mode(app: App, services: Services) -> None:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    health = create_server(
        KindnessWsgi(None, services),
        host=services.config.host,
        port=services.config.port,
        threads=2,
        ident="kindness-bot",
    )
    threading.Thread(target=health.run, name="healthz", daemon=True).start()
    log.info(
        "connecting to Slack over Socket Mode (health: /healthz on port %s)", services.config.port
    )
    stop_on_sigterm()
    handler = SocketModeHandler(app, services.config.slack_app_token)
    try:
        handler.connect()
    except SlackApiError as exc:
        raise ConfigError(
            [
                f"SLACK_APP_TOKEN: Slack refused the app-level token "
                f"({exc.response.get('error')}); create one with the connections:write scope "
                "(Basic Information → App-Level Tokens) and turn Socket Mode on"
            ]
        ) from None
    try:
        threading.Event().wait()  # the Socket Mode client works in its own threads
    finally:
        handler.close()
        health.close()


def stop_on_sigterm() -> None:
    def stop(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(0)

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, stop)
