"""Slack deliveries already handled, so that a retried event does its work once.

Slack retries an event it did not see acknowledged in 3 seconds (``X-Slack-Retry-Num``), and
Bolt does not de-duplicate. An event is marked handled only once its work succeeded: a retry
of an event whose first delivery failed is handled again, and entries carry their own dedupe
key (channel + ts), so even two deliveries racing store one entry.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select

from bot.db import Database, insert_ignoring_duplicates
from bot.models import ProcessedEvent

KEEP_FOR = timedelta(days=2)


def already_handled(db: Database, team_id: str, event_key: str) -> bool:
    with db.reading() as session:
        found = session.scalar(
            select(ProcessedEvent.event_key).where(
                ProcessedEvent.team_id == team_id, ProcessedEvent.event_key == event_key
            )
        )
    return found is not None


def mark_handled(db: Database, team_id: str, event_key: str, *, now: datetime) -> None:
    with db.session() as session:
        insert_ignoring_duplicates(
            session,
            ProcessedEvent,
            {"team_id": team_id, "event_key": event_key, "received_at": now},
        )


def forget_old(db: Database, *, now: datetime) -> int:
    """Drop records older than Slack's retry horizon (hours) with a wide margin."""
    with db.session() as session:
        result = session.execute(
            delete(ProcessedEvent).where(ProcessedEvent.received_at < now - KEEP_FOR)
        )
        return result.rowcount or 0
