"""One logging set-up for every entry point: ``kindness-bot …`` and gunicorn's ``bot.app:wsgi``.

- ``LOG_LEVEL`` sets the level; ``LOG_FORMAT=json`` writes one JSON object per line (``time``,
  ``level``, ``logger``, ``message``, and ``exc_info`` for a traceback) for log shippers;
  ``text`` (the default) is for people.
- Secrets never reach a log: every formatted line — traceback included — has Slack tokens
  (``xoxb-…``, ``xapp-…``) redacted by their shape, and the configured signing secret, client
  secret and database password by their value.
- A member's words never reach a log, at any level. slack_sdk logs every Web API request and
  response body at DEBUG (a message's text, a modal's blocks) and Bolt logs the body of every
  answer it sends (which quotes the member's words back), so nothing below INFO from those
  libraries is written, however low ``LOG_LEVEL`` goes (``LibraryPolicy``). SQLAlchemy
  engines hide statement parameters (``bot.db``), so a failed insert's traceback carries no
  entry text either. The bot's own log lines name workspaces, members and entries by id,
  never by what was written.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable, Mapping
from typing import TextIO

from pythonjsonlogger.json import JsonFormatter
from sqlalchemy.engine import make_url

from bot.config import LOG_FORMATS, LOG_LEVELS, Config

# Libraries that log request or response bodies (or websocket frames) below INFO.
BODY_LOGGING_LIBRARIES = ("slack_sdk", "slack_bolt", "websocket")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
TOKEN = re.compile(r"\b(xox[abeprs]|xapp)-[A-Za-z0-9-]+")


class _Redacting:
    """Mixed into a formatter: redacts tokens and known secrets from the finished line."""

    secrets: tuple[str, ...] = ()

    def format(self, record: logging.LogRecord) -> str:
        line = TOKEN.sub(r"\1-(redacted)", super().format(record))  # type: ignore[misc]
        for secret in self.secrets:
            line = line.replace(secret, "(redacted)")
        return line


class RedactingFormatter(_Redacting, logging.Formatter):
    """Plain text lines for people."""


class RedactingJsonFormatter(_Redacting, JsonFormatter):
    """One JSON object per line for log shippers."""


class LibraryPolicy(logging.Filter):
    """On the bot's handler, whatever level each library's logger was given (Bolt copies the
    root logger's level into its own loggers when an app is built):

    - records below INFO from libraries that log request and response bodies are dropped;
    - the Socket Mode client logs each end of a connection at ERROR, including the ones Slack
      asks for every few hours (``refresh_requested``) and after which it reconnects at once:
      a close Slack asked for is INFO, a connection lost (and replaced) a WARNING.
    """

    RELEVELLED = (
        ("Connection closed normally", logging.INFO),
        ("Connection to remote host was lost", logging.WARNING),
    )

    def __init__(self, threshold: int) -> None:
        super().__init__()
        self.threshold = threshold

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith(BODY_LOGGING_LIBRARIES):
            return True
        if record.levelno < logging.INFO:
            return False
        if record.levelno >= logging.ERROR:
            message = record.getMessage()
            for sign, level in self.RELEVELLED:
                if sign in message:
                    record.levelno, record.levelname = level, logging.getLevelName(level)
                    return level >= self.threshold
        return True


def make_formatter(log_format: str, secrets: Iterable[str | None] = ()) -> logging.Formatter:
    formatter: logging.Formatter
    if log_format == "json":
        formatter = RedactingJsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            json_ensure_ascii=False,
        )
    else:
        formatter = RedactingFormatter(TEXT_FORMAT)
    # Longest first, so that a secret containing another is redacted whole.
    formatter.secrets = tuple(sorted({s for s in secrets if s and len(s) >= 6}, key=len)[::-1])  # type: ignore[attr-defined]
    return formatter


class BotHandler(logging.StreamHandler):
    """The bot's one handler on the root logger (stderr); a later set-up replaces it."""


def configure_logging(
    level: str = "INFO",
    log_format: str = "text",
    *,
    secrets: Iterable[str | None] = (),
    stream: TextIO | None = None,
) -> logging.Handler:
    """Install the bot's one handler on the root logger (replacing an earlier one of ours)."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, BotHandler)]:
        root.removeHandler(old)
    handler = BotHandler(stream or sys.stderr)
    handler.setFormatter(make_formatter(log_format, secrets))
    handler.addFilter(LibraryPolicy(logging.getLevelName(level)))
    root.addHandler(handler)
    root.setLevel(level)
    numeric = logging.getLevelName(level)
    for name in BODY_LOGGING_LIBRARIES:
        logging.getLogger(name).setLevel(max(numeric, logging.INFO))
    # Alembic says what it sets up and which migrations it runs: worth reading only when
    # debugging (a failed migration is an error either way).
    logging.getLogger("alembic").setLevel(logging.DEBUG if level == "DEBUG" else logging.WARNING)
    return handler


def configure_logging_for(config: Config, *, stream: TextIO | None = None) -> logging.Handler:
    """The set-up for a loaded configuration: its level, format and secrets."""
    password = make_url(config.database_url).password
    return configure_logging(
        config.log_level,
        config.log_format,
        secrets=(
            config.slack_signing_secret,
            config.slack_client_secret,
            config.slack_bot_token,
            config.slack_app_token,
            str(password) if password else None,
        ),
        stream=stream,
    )


def gunicorn_logconfig(environ: Mapping[str, str]) -> dict:
    """gunicorn's ``logconfig_dict`` (deploy/gunicorn.conf.py): gunicorn's own lines go through
    the bot's handler, in the same format, so a JSON log stays JSON. Each worker then installs
    the full set-up (with the secrets to redact) when it builds the app."""
    level = (environ.get("LOG_LEVEL") or "INFO").upper()
    log_format = (environ.get("LOG_FORMAT") or "text").lower()
    # A bad value is reported by the worker's configuration check, with every other problem.
    level = level if level in LOG_LEVELS else "INFO"
    log_format = log_format if log_format in LOG_FORMATS else "text"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"bot": {"()": "runtime.logs.make_formatter", "log_format": log_format}},
        "handlers": {"bot": {"class": "runtime.logs.BotHandler", "formatter": "bot"}},
        "root": {"level": level, "handlers": ["bot"]},
        "loggers": {
            "gunicorn.error": {"level": level, "handlers": [], "propagate": True},
            # No access log (gunicorn.conf.py): requests are counted at /metrics instead.
            "gunicorn.access": {"level": "WARNING", "handlers": [], "propagate": True},
        },
    }
