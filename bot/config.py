"""Configuration from the environment (and ``.env``), checked once at start.

Every problem is collected, then reported together in one message that names each bad
variable and how to fix it; the program exits without a traceback (see ``runtime.cli``).

Slack modes, decided by which variables are set:
- ``socket``: ``SLACK_APP_TOKEN`` (xapp-…) with ``SLACK_BOT_TOKEN`` — no public URL needed;
- ``oauth``: ``SLACK_CLIENT_ID`` + ``SLACK_CLIENT_SECRET`` + ``SLACK_SIGNING_SECRET`` —
  installable in many workspaces, tokens kept by Bolt's installation store in the database;
- ``single``: ``SLACK_BOT_TOKEN`` + ``SLACK_SIGNING_SECRET`` — one workspace over HTTP.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from bot.goals import Framework, GoalsFileError, load_framework

DEFAULT_DATABASE_URL = "sqlite:///kindness.db"
DEFAULT_SLACK_API_URL = "https://slack.com/api/"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
LOG_FORMATS = ("text", "json")
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
_SLACK_VARIABLES = (
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_CLIENT_ID",
    "SLACK_CLIENT_SECRET",
    "SLACK_APP_TOKEN",
)

SLACK_APP_HOWTO = """\
kindness-bot has no Slack app to talk to yet.

To try the bot first, without Slack: kindness-bot sandbox
  (the real bot behind a Slack-like page on this machine; nothing to set up)

To connect it to your workspace:

  1. Print the app manifest:   kindness-bot manifest --url https://YOUR-HOST/slack/events
  2. At https://api.slack.com/apps choose "Create New App" → "From an app manifest",
     paste the manifest, and install the app to your workspace.
  3. Put these in the environment or in a .env file (see .env.example):
       SLACK_BOT_TOKEN=xoxb-…        (OAuth & Permissions → Bot User OAuth Token)
       SLACK_SIGNING_SECRET=…        (Basic Information → Signing Secret)
     or, to run without a public URL (Socket Mode), instead of the signing secret:
       SLACK_APP_TOKEN=xapp-…        (Basic Information → App-Level Tokens, scope connections:write)
     or, to let many workspaces install it: SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and
     SLACK_SIGNING_SECRET.
  4. Start again:  make run"""


NO_SLACK_APP = (
    "SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET: not set, so no Slack app is configured "
    "(see README: Set up with your workspace)"
)


class ConfigError(Exception):
    """One or more settings are unusable; ``problems`` holds one line per variable."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(self.message())

    def message(self) -> str:
        lines = ["kindness-bot cannot start. Fix these settings (in the environment or .env):"]
        lines += [f"  - {problem}" for problem in self.problems]
        return "\n".join(lines)


class StartError(Exception):
    """Something outside the settings' own syntax stops the start (a port in use): one line,
    exit status 2."""


class NoSlackApp(ConfigError):
    """No Slack variable is set at all: explain how to create and connect the app."""

    def __init__(self) -> None:
        super().__init__([NO_SLACK_APP])

    def message(self) -> str:
        return SLACK_APP_HOWTO


@dataclass(frozen=True)
class Config:
    database_url: str = DEFAULT_DATABASE_URL
    slack_api_url: str = DEFAULT_SLACK_API_URL
    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_client_id: str | None = None
    slack_client_secret: str | None = None
    slack_app_token: str | None = None
    framework: Framework = field(default_factory=load_framework)
    admins: frozenset[str] = frozenset()
    log_level: str = "INFO"
    log_format: str = "text"
    host: str = "0.0.0.0"
    port: int = 3000
    default_timezone: str = "UTC"
    catchup_hours: float = 6.0
    # The nightly backup (schedules.backups): where it writes, and how many files it keeps.
    backup_dir: str | None = None
    backup_keep: int = 7

    def __repr__(self) -> str:
        # A Config may end up in a log line or a traceback: secrets show only whether they are
        # set, and the database URL without its password.
        secrets = (
            "slack_bot_token",
            "slack_signing_secret",
            "slack_client_secret",
            "slack_app_token",
        )
        shown = []
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if name in secrets:
                value = "(set)" if value else None
            elif name == "database_url":
                value = _without_password(value)
            elif name == "framework":
                value = value.source
            shown.append(f"{name}={value!r}")
        return f"Config({', '.join(shown)})"

    @property
    def slack_mode(self) -> str | None:
        if self.slack_app_token and self.slack_bot_token:
            return "socket"
        if self.slack_client_id and self.slack_client_secret and self.slack_signing_secret:
            return "oauth"
        if self.slack_bot_token and self.slack_signing_secret:
            return "single"
        return None


def load_config(env: Mapping[str, str], *, require_slack: bool = False) -> Config:
    """Read and check every setting; raise ``ConfigError`` listing all problems at once."""
    problems: list[str] = []

    def get(name: str) -> str | None:
        value = env.get(name)
        return value.strip() if value and value.strip() else None

    database_url = _check_database_url(get("DATABASE_URL") or DEFAULT_DATABASE_URL, problems)
    slack_api_url = _check_api_url(get("SLACK_API_URL") or DEFAULT_SLACK_API_URL, problems)

    framework = None
    goals_file = get("KINDNESS_GOALS_FILE")
    try:
        framework = load_framework(goals_file)
    except GoalsFileError as exc:
        problems.append(f"KINDNESS_GOALS_FILE: {exc}")

    admins = frozenset(re.split(r"[\s,]+", get("KINDNESS_ADMINS") or "")) - {""}
    bad_admins = sorted(a for a in admins if not _USER_ID.match(a))
    if bad_admins:
        problems.append(
            f"KINDNESS_ADMINS: {', '.join(bad_admins)} is not a Slack user id; "
            "list member ids like U012ABCDEF, separated by commas"
        )

    log_level = (get("LOG_LEVEL") or "INFO").upper()
    if log_level not in LOG_LEVELS:
        problems.append(f"LOG_LEVEL: '{get('LOG_LEVEL')}' is not one of {', '.join(LOG_LEVELS)}")

    log_format = (get("LOG_FORMAT") or "text").lower()
    if log_format not in LOG_FORMATS:
        problems.append(f"LOG_FORMAT: '{get('LOG_FORMAT')}' is not one of {', '.join(LOG_FORMATS)}")

    port = 3000
    if get("PORT"):
        try:
            port = int(get("PORT") or "")
            if not 1 <= port <= 65535:
                raise ValueError
        except ValueError:
            problems.append(f"PORT: '{get('PORT')}' is not a port number (1–65535)")

    default_timezone = get("KINDNESS_TIMEZONE") or "UTC"
    if not is_time_zone(default_timezone):
        problems.append(
            f"KINDNESS_TIMEZONE: '{default_timezone}' is not a known time zone; "
            "use an IANA name such as Europe/London"
        )

    catchup_hours = 6.0
    if get("KINDNESS_CATCHUP_HOURS"):
        try:
            catchup_hours = float(get("KINDNESS_CATCHUP_HOURS") or "")
            if not 0 <= catchup_hours <= 168:
                raise ValueError
        except ValueError:
            problems.append(
                f"KINDNESS_CATCHUP_HOURS: '{get('KINDNESS_CATCHUP_HOURS')}' must be a number "
                "of hours from 0 to 168"
            )

    backup_dir = get("KINDNESS_BACKUP_DIR")
    if backup_dir and not os.path.isdir(backup_dir):
        problems.append(
            f"KINDNESS_BACKUP_DIR: '{backup_dir}' is not a directory; create it (writable by "
            "the bot) or leave the variable unset for no nightly backup"
        )
    backup_keep = 7
    if get("KINDNESS_BACKUP_KEEP"):
        try:
            backup_keep = int(get("KINDNESS_BACKUP_KEEP") or "")
            if not 1 <= backup_keep <= 1000:
                raise ValueError
        except ValueError:
            problems.append(
                f"KINDNESS_BACKUP_KEEP: '{get('KINDNESS_BACKUP_KEEP')}' must be a whole number "
                "of backups to keep, from 1 to 1000"
            )

    metrics_dir = get("PROMETHEUS_MULTIPROC_DIR")
    if metrics_dir and not os.path.isdir(metrics_dir):
        problems.append(
            f"PROMETHEUS_MULTIPROC_DIR: '{metrics_dir}' is not a directory; create it "
            "(writable by the bot) or leave the variable unset"
        )

    slack = {name: get(name) for name in _SLACK_VARIABLES}
    _check_slack(slack, require_slack, problems)

    if problems == [NO_SLACK_APP]:
        raise NoSlackApp()
    if problems:
        raise ConfigError(problems)
    assert framework is not None
    return Config(
        database_url=database_url,
        slack_api_url=slack_api_url,
        slack_bot_token=slack["SLACK_BOT_TOKEN"],
        slack_signing_secret=slack["SLACK_SIGNING_SECRET"],
        slack_client_id=slack["SLACK_CLIENT_ID"],
        slack_client_secret=slack["SLACK_CLIENT_SECRET"],
        slack_app_token=slack["SLACK_APP_TOKEN"],
        framework=framework,
        admins=admins,
        log_level=log_level,
        log_format=log_format,
        host=get("HOST") or "0.0.0.0",
        port=port,
        default_timezone=default_timezone,
        catchup_hours=catchup_hours,
        backup_dir=backup_dir,
        backup_keep=backup_keep,
    )


def _without_password(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(unreadable)"


def is_time_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def normalise_database_url(url: URL) -> URL:
    """``postgresql://`` and ``postgres://`` mean psycopg 3 here, the driver we ship."""
    if url.drivername in ("postgresql", "postgres"):
        return url.set(drivername="postgresql+psycopg")
    return url


def _check_database_url(raw: str, problems: list[str]) -> str:
    hint = "use sqlite:///kindness.db or postgresql+psycopg://user:password@host:5432/dbname"
    try:
        url = normalise_database_url(make_url(raw))
    except ArgumentError:
        problems.append(f"DATABASE_URL: cannot be read as a database URL; {hint}")
        return raw
    if url.drivername not in ("sqlite", "sqlite+pysqlite", "postgresql+psycopg"):
        problems.append(f"DATABASE_URL: the database '{url.drivername}' is not supported; {hint}")
    elif url.drivername.startswith("postgresql") and not url.database:
        problems.append(f"DATABASE_URL: names no database; {hint}")
    return url.render_as_string(hide_password=False)


def _check_api_url(raw: str, problems: list[str]) -> str:
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        problems.append(
            f"SLACK_API_URL: '{raw}' is not an http(s) URL; leave it unset for "
            f"{DEFAULT_SLACK_API_URL}"
        )
        return raw
    return raw if raw.endswith("/") else raw + "/"


def _check_slack(slack: dict[str, str | None], required: bool, problems: list[str]) -> None:
    bot, secret = slack["SLACK_BOT_TOKEN"], slack["SLACK_SIGNING_SECRET"]
    client_id, client_secret = slack["SLACK_CLIENT_ID"], slack["SLACK_CLIENT_SECRET"]
    app_token = slack["SLACK_APP_TOKEN"]
    if bot and not bot.startswith("xoxb-"):
        problems.append(
            "SLACK_BOT_TOKEN: must be the Bot User OAuth Token, starting with xoxb- "
            "(OAuth & Permissions page of your Slack app)"
        )
    if app_token and not app_token.startswith("xapp-"):
        problems.append(
            "SLACK_APP_TOKEN: must be an app-level token starting with xapp- "
            "(Basic Information → App-Level Tokens, scope connections:write)"
        )
    if secret and (len(secret) < 16 or re.search(r"\s", secret)):
        problems.append(
            "SLACK_SIGNING_SECRET: does not look like a signing secret "
            "(copy it from Basic Information → App Credentials)"
        )
    if bool(client_id) != bool(client_secret):
        missing = "SLACK_CLIENT_SECRET" if client_id else "SLACK_CLIENT_ID"
        problems.append(f"{missing}: must be set together with the other for OAuth installs")
    if not required:
        return
    if not any(slack.values()):
        problems.append(NO_SLACK_APP)
        return
    if app_token:
        if not bot:
            problems.append(
                "SLACK_BOT_TOKEN: Socket Mode (SLACK_APP_TOKEN) needs the bot token too"
            )
        return
    if not secret:
        problems.append(
            "SLACK_SIGNING_SECRET: required to verify requests from Slack "
            "(Basic Information → App Credentials), or set SLACK_APP_TOKEN for Socket Mode"
        )
    if not bot and not (client_id and client_secret):
        problems.append(
            "SLACK_BOT_TOKEN: required for a single workspace (or set SLACK_CLIENT_ID and "
            "SLACK_CLIENT_SECRET to let workspaces install the app)"
        )
