"""The scheduler process: ``Rhythm`` (``schedules.runner``) given its Slack (each workspace's
``bot.slack.port.SlackPort`` over its Web API client) and its APScheduler, started, and stopped
on a signal.

- ``kindness-bot run``: ``start_scheduler`` runs the jobs in a background thread beside the web
  server, sharing its Web API client;
- ``kindness-bot scheduler``: ``run_scheduler`` runs them alone, no HTTP, in the main thread
  until SIGTERM or Ctrl-C (for deployments that run the web half under gunicorn).
"""

from __future__ import annotations

from apscheduler.schedulers.blocking import BlockingScheduler
from slack_sdk import WebClient

from bot.config import Config
from bot.db import Database
from bot.services import Services
from bot.slack.client import TeamClients, make_client
from runtime.start import check_token, note_token_workspace, stop_on_sigterm
from schedules.runner import Rhythm


def start_scheduler(services: Services, client: WebClient) -> Rhythm:
    """The scheduler inside ``kindness-bot run``: a background thread beside the web server."""
    rhythm = Rhythm(
        services,
        TeamClients(
            services.config, default=client, engine=services.db.engine, clock=services.clock
        ).port,
    )
    rhythm.start()
    return rhythm


def run_scheduler(config: Config, db: Database) -> int:
    """``kindness-bot scheduler``: the jobs alone, no HTTP (for deployments that split them)."""
    services = Services(config, db)
    client = make_client(config)
    note_token_workspace(services, check_token(client, config))
    rhythm = Rhythm(
        services,
        TeamClients(config, default=client, engine=db.engine, clock=services.clock).port,
        BlockingScheduler(timezone="UTC"),
    )
    stop_on_sigterm()
    try:
        rhythm.start()  # blocks until stopped
    except (KeyboardInterrupt, SystemExit):
        rhythm.shutdown()
    return 0
