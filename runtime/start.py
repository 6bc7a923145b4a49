"""What every process does as it starts, before it serves or schedules anything.

- ``open_database``: the database at ``DATABASE_URL``, migrated to the newest schema;
- ``check_token``: a wrong bot token stops the start with one clear line, and the token's
  workspace is noted (``note_token_workspace``) so that a coordinator can set it up at once;
- ``stop_on_sigterm``: SIGTERM ends the process the way Ctrl-C does, through its clean-up.
"""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.config import Config, ConfigError
from bot.db import Database
from bot.services import Services
from bot.workspaces import mark_installed

log = logging.getLogger(__name__)


def open_database(config: Config) -> Database:
    """The database at ``DATABASE_URL``, migrated to the newest schema."""
    db = Database(config.database_url)
    db.upgrade()
    return db


def check_token(client: WebClient, config: Config) -> dict | None:
    """A wrong bot token makes Bolt answer every request with "please reinstall" — say so now.

    The token's identity (``auth.test``: team id, team name, enterprise id) when Slack answered.
    """
    if config.slack_mode == "oauth":
        return None
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
        return None
    log.info("connected to Slack workspace %s as %s", identity.get("team"), identity.get("user"))
    return dict(identity.data) if isinstance(identity.data, dict) else None


def note_token_workspace(services: Services, identity: dict | None) -> None:
    """The bot token's workspace exists (and is installed) from the first start, so that a
    coordinator can set it up before anyone has used the bot."""
    if not identity or not identity.get("team_id"):
        return
    with services.db.session() as session:
        mark_installed(
            session,
            identity["team_id"],
            now=services.clock(),
            enterprise_id=identity.get("enterprise_id"),
            name=identity.get("team"),
            timezone=services.config.default_timezone,
        )


def stop_on_sigterm() -> None:
    """SIGTERM (systemd, a container, ``kill``) ends the process with status 0 through its
    clean-up (``finally`` blocks: servers closed, the scheduler shut down, Slack calls promised
    after an ack finished). Only the main thread may set a signal handler; in another thread
    (a test's) nothing changes."""

    def stop(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(0)

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, stop)
