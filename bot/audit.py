"""The audit trail: what coordinators (and the operator, and the jobs their settings run) did.

One function writes it, ``record``; call it **in the transaction that does the thing** (pass
its session or connection), so that the change and its record are committed together or not
at all. For something that writes nothing else (a file handed over), pass the ``Database``
and ``record`` commits on its own.

What goes in (a data protection officer reads it; a member's words never do):

- ``actor``: a Slack user id; ``OPERATOR`` for the command line; ``SCHEDULER`` for a job
  acting on a coordinator's setting (retention);
- ``action``: one of the names below (add yours beside them: a short verb phrase);
- ``subject``: whom or what it was about — a member's id, an entry's id, a file's name;
- ``details``: facts as a small JSON-able mapping — keys and values of settings, counts,
  formats, periods. Never an entry's text, never a token.

Read back with ``audit_trail`` (``kindness-bot audit``, ``/kindness audit``).

To record a new kind of action (publishing, an organisation renamed)::

    from bot import audit
    audit.record(session, team_id=team, actor=user_id, action=audit.PUBLISHED,
                 details={"stories": 12}, at=now)
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from bot.db import Database
from bot.models import AuditEvent

OPERATOR = "operator"
SCHEDULER = "scheduler"

SETTINGS_CHANGED = "settings changed"
COORDINATORS_CHANGED = "coordinators changed"
LOGGED_FOR = "logged for a member"
ENTRY_DELETED = "deleted a member's entry"
EXPORTED = "exported the log"
REPORTED = "made the impact report"
RETENTION_NOTICE = "told of deletions ahead"
RETENTION_DELETED = "deleted old entries"
BACKED_UP = "backed up"
RESTORED = "restored a backup"
# Recorded by the code that publishes the site (named here so the trail's words stay in one place).
PUBLISHED = "published"


@dataclass(frozen=True)
class AuditLine:
    """One recorded action, as read back."""

    at: datetime
    team_id: str | None
    actor: str
    action: str
    subject: str | None
    details: dict[str, Any]

    def facts(self) -> str:
        """The details as ``key: value; …`` for a line of text."""
        return "; ".join(f"{key}: {_word(value)}" for key, value in self.details.items())


def record(
    where: Database | Session | Connection,
    *,
    team_id: str | None,
    actor: str | None,
    action: str,
    at: datetime,
    subject: str | None = None,
    details: Mapping[str, Any] | None = None,
) -> None:
    """Write one line of the trail (in ``where``'s transaction; a ``Database``: its own).

    ``actor`` None is the command line (``OPERATOR``)."""
    values = {
        "team_id": team_id,
        "at": at,
        "actor": actor or OPERATOR,
        "action": action,
        "subject": subject,
        "details": json.dumps(dict(details), sort_keys=True, default=str) if details else None,
    }
    statement = insert(AuditEvent).values(**values)
    if isinstance(where, Database):
        with where.transaction() as connection:
            connection.execute(statement)
    else:
        where.execute(statement)


def audit_trail(
    db: Database,
    *,
    team_id: str | None = None,
    since: datetime | None = None,
    limit: int | None = None,
) -> list[AuditLine]:
    """The trail oldest first; with ``team_id``, that workspace's lines and the database-wide
    ones (restores); with ``limit``, the newest ``limit`` of them."""
    query = select(AuditEvent)
    if team_id is not None:
        query = query.where(or_(AuditEvent.team_id == team_id, AuditEvent.team_id.is_(None)))
    if since is not None:
        query = query.where(AuditEvent.at >= since)
    if limit is not None:
        query = query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit)
    else:
        query = query.order_by(AuditEvent.at, AuditEvent.id)
    with db.reading() as session:
        rows = session.scalars(query).all()
        lines = [
            AuditLine(
                at=row.at,
                team_id=row.team_id,
                actor=row.actor,
                action=row.action,
                subject=row.subject,
                details=json.loads(row.details) if row.details else {},
            )
            for row in rows
        ]
    return lines[::-1] if limit is not None else lines


def _word(value: object) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value) or "none"
    if value is None:
        return "none"
    return str(value)
