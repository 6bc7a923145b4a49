"""Slack deliveries already handled, so that a retried event does its work once.

Slack retries an event it did not see acknowledged in 3 seconds (``X-Slack-Retry-Num``), and
Bolt does not de-duplicate. Entries carry their own dedupe key (channel + ts), so a retry, or
the same message delivered under another event id, stores one entry; what follows the store
(the reaction, the note to the member) is marked handled here under the same key once it is
done, so a retry of a reply that was stored but never noted (the bot died in between) is
noted then, and one that was noted is not noted again.
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
