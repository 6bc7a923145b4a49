"""Serving: ``kindness-bot run`` (web + scheduler) and ``kindness-bot web`` (web only).

HTTP is served by waitress, a production WSGI server with a thread pool, in this process —
never Bolt's development server, which is single-threaded with a listen backlog of 5 and,
measured on a 2-core machine, times requests out from 8 concurrent clients. With
``SLACK_APP_TOKEN`` set the app talks to Slack over Socket Mode instead, and HTTP serves
``/healthz`` and ``/metrics`` only.

Socket Mode is for trying the bot with a real workspace from a machine Slack cannot reach
(a laptop): Slack holds a websocket open to the bot. The Socket Mode client reconnects by itself
when Slack asks it to (``disconnect`` messages, every few hours) and when the connection drops.
"""

from __future__ import annotations

import errno
import logging
import threading
import time

from slack_bolt import App
from slack_bolt.adapter.socket_mode.websocket_client import SocketModeHandler
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode.websocket_client import SocketModeClient
from waitress.server import BaseWSGIServer, MultiSocketServer, create_server

from bot.config import Config, ConfigError, StartError
from bot.db import Database
from bot.services import Services
from runtime.app import create_app
from runtime.metrics import MetricsWsgi
from runtime.scheduler import start_scheduler
from runtime.start import check_token, note_token_workspace, stop_on_sigterm
from runtime.wsgi import KindnessWsgi

log = logging.getLogger(__name__)
THREADS = 8
# How often the Socket Mode client checks its connection (and so how soon a dropped socket is
# noticed and replaced).
PING_SECONDS = 5
# How soon a stop (SIGTERM, Ctrl-C) is acted on in Socket Mode, and how long it waits for the
# Socket Mode client to close.
NAP_SECONDS = 0.5
CLOSE_SECONDS = 3
CONNECT_SECONDS = 10  # the first connection's time to open before the monitor takes over


def run_web(config: Config, db: Database, *, with_scheduler: bool = False) -> int:
    """Serve Slack (HTTP, or Socket Mode with /healthz and /metrics on HTTP) until stopped.

    The port is taken first: a port in use stops the start with one line before the token is
    checked or any job runs.
    """
    services = Services(config, db)
    app = create_app(services)
    socket_mode = config.slack_mode == "socket"
    wsgi = MetricsWsgi(KindnessWsgi(None if socket_mode else app, services))
    server = listen(wsgi, config, threads=2 if socket_mode else THREADS)
    scheduler = None
    try:
        note_token_workspace(services, check_token(app.client, config))
        if with_scheduler:
            scheduler = start_scheduler(services, app.client)
        stop_on_sigterm()
        if socket_mode:
            _serve_socket_mode(app, services, server)
        else:
            log.info(
                "serving Slack requests on http://%s:%s/slack/events "
                "(health: /healthz, metrics: /metrics)",
                config.host,
                config.port,
            )
            server.run()
    finally:
        if scheduler is not None:
            scheduler.shutdown()
        server.close()
        # Slack calls already promised after an ack (a form to open, a reaction) finish.
        app.listener_runner.listener_executor.shutdown(wait=True)
    return 0


def run_all(config: Config, db: Database) -> int:
    return run_web(config, db, with_scheduler=True)


def listen(
    wsgi: MetricsWsgi | KindnessWsgi, config: Config, *, threads: int = THREADS
) -> BaseWSGIServer | MultiSocketServer:
    """Bind ``HOST``:``PORT`` with waitress (serving starts with ``run()``)."""
    # waitress warns for every request that waits for a free thread: in a burst, a line per
    # request, costing CPU when it is scarcest. A burst is normal for Slack traffic.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    try:
        return create_server(
            wsgi, host=config.host, port=config.port, threads=threads, ident="kindness-bot"
        )
    except OSError as exc:
        reason = {
            errno.EADDRINUSE: "the port is in use (is another kindness-bot running?)",
            errno.EACCES: "permission denied (ports below 1024 need privileges)",
            errno.EADDRNOTAVAIL: "this machine has no such address",
        }.get(exc.errno or 0, exc.strerror or str(exc))
        raise StartError(
            f"cannot listen on {config.host}:{config.port}: {reason}; "
            "stop what holds it or set PORT (and HOST)"
        ) from None


def _serve_socket_mode(
    app: App, services: Services, health: BaseWSGIServer | MultiSocketServer
) -> None:
    threading.Thread(target=health.run, name="healthz", daemon=True).start()
    log.info(
        "connecting to Slack over Socket Mode (health: /healthz, metrics: /metrics on port %s)",
        services.config.port,
    )
    handler = SocketModeHandler(app, services.config.slack_app_token, ping_interval=PING_SECONDS)
    # The client starts its connection monitor inside connect(), and the monitor's first look
    # may come before the reader thread has opened the connection: it then takes the new
    # connection for a dead one, opens a second and closes the first under its reader — an
    # ERROR in the log ("'NoneType' object has no attribute 'sock' - goodbye") and a connection
    # the client loses track of (slack_sdk's websocket-client SocketModeClient). Marked as
    # started here, the monitor is left to _monitor_once_connected, after the first connection.
    handler.client.current_app_monitor_started = True
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
    _monitor_once_connected(handler.client)
    try:
        # The Socket Mode client works in its own threads; this one naps until a signal stops
        # it. Never one endless wait: a signal sent to the process is taken by whichever of its
        # threads gets there first (the client's are busy just after connecting), and Python
        # runs the handler (SIGTERM: stop) only when the main thread next wakes up.
        while True:
            time.sleep(NAP_SECONDS)
    finally:
        # Closing races with the client's reader thread, which then reports the socket it was
        # reading as gone, through Bolt's logger ("on_error invoked (error: AttributeError
        # …'sock')") and websocket-client's ("'NoneType' object has no attribute 'sock' -
        # goodbye"): on a stop we asked for, that is no error, and an operator reading the log
        # must not see one.
        for logger in (handler.client.logger, logging.getLogger("websocket")):
            logger.addFilter(lambda record: record.levelno < logging.ERROR)
        _close_socket_mode(handler)


def _monitor_once_connected(client: SocketModeClient) -> None:
    """Start the client's connection monitor once its first connection is open (or after
    ``CONNECT_SECONDS``, when the monitor's reconnecting is what is needed)."""
    deadline = time.monotonic() + CONNECT_SECONDS
    while not client.is_connected() and time.monotonic() < deadline:
        time.sleep(0.02)
    client.current_app_monitor.start()


def _close_socket_mode(handler: SocketModeHandler) -> None:
    """Close the Socket Mode client, waiting at most ``CLOSE_SECONDS``.

    Its ``close()`` waits for the thread reading the connection, and that thread may be reading
    one the client has lost track of: on start, the client's monitor can find the first
    connection not up yet and open another, and the first is then never closed (slack_sdk's
    websocket-client ``SocketModeClient``). A stop must not hang on it: the client's threads
    are daemons and end with the process."""
    closing = threading.Thread(target=handler.close, name="socket-mode-close", daemon=True)
    closing.start()
    closing.join(CLOSE_SECONDS)
    if closing.is_alive():
        log.info(
            "the Socket Mode client did not close within %s seconds; stopping without it",
            CLOSE_SECONDS,
        )
