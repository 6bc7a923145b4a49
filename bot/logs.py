"""One logging set-up for every entry point: ``kindness-bot …`` and gunicorn's ``bot.app:wsgi``.

- ``LOG_LEVEL`` sets the level; ``LOG_FORMAT=json`` writes one JSON object per line (``time``,
  ``level``, ``logger``, ``message``, and ``exc_info`` for a traceback) for log shippers;
  ``text`` (the default) is for people.
- Secrets never reach a log: every formatted line — traceback included — has Slack tokens
  (``xoxb-…``, ``xapp-…``) redacted by their shape, and the configured signing secret, client
  secret and database password by their value.
- A member's words never reach a log, at any level. slack_sdk logs every Web API request and
  response body at DEBUG (a message's text, a modal's blocks) and Bolt logs the body of every
  answer it sends (which quotes the member's words back), so those two libraries stay at INFO
  however low ``LOG_LEVEL`` goes; SQLAlchemy engines hide statement parameters (``bot.db``),
  so a failed insert's traceback carries no entry text either. The bot's own log lines name
  workspaces, members and entries by id, never by what was written.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable
from typing import TextIO

from pythonjsonlogger.json import JsonFormatter
from sqlalchemy.engine import make_url

from bot.config import Config

# Libraries that log request or response bodies below INFO.
BODY_LOGGING_LIBRARIES = ("slack_sdk", "slack_bolt")
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


class SocketModeReconnects(logging.Filter):
    """The Socket Mode client logs each end of a connection at ERROR, including the ones Slack
    asks for every few hours (``refresh_requested``) and after which it reconnects at once. A
    close Slack asked for is INFO; a connection lost (and replaced) is a WARNING."""

    RELEVELLED = (
        ("Connection closed normally", logging.INFO),
        ("Connection to remote host was lost", logging.WARNING),
    )

    def __init__(self, threshold: int) -> None:
        super().__init__()
        self.threshold = threshold

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.ERROR and record.name.startswith(("websocket", "slack_")):
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


def configure_logging(
    level: str = "INFO",
    log_format: str = "text",
    *,
    secrets: Iterable[str | None] = (),
    stream: TextIO | None = None,
) -> logging.Handler:
    """Install the bot's one handler on the root logger (replacing an earlier one of ours)."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "kindness_bot", False)]:
        root.removeHandler(old)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(make_formatter(log_format, secrets))
    handler.addFilter(SocketModeReconnects(logging.getLevelName(level)))
    handler.kindness_bot = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    numeric = logging.getLevelName(level)
    for name in BODY_LOGGING_LIBRARIES:
        logging.getLogger(name).setLevel(max(numeric, logging.INFO))
    # Migrations say what they do only when there is something to apply.
    logging.getLogger("alembic.runtime.migration").setLevel(
        logging.INFO if level == "DEBUG" else logging.WARNING
    )
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
