"""Who may see an entry — the rule every read of the learning log applies.

- *network* entries are shown to everybody in the workspace, with their author;
- *anonymous* ones to everybody, without their author (``EntryView`` hides it);
- *private* ones to their author alone: not in the digest, search, figures or exports, not
  even as a number.

The network's figures (digest, trend, stats, report) count shared entries over a window of
time: ``shared_created`` and ``shared_completed`` are those windows, each a range over the
``(team_id, created_at)`` or ``(team_id, completed_at)`` index.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_

from bot.models import Entry

SHARED = ("network", "anonymous")


def visible_to(viewer: str | None) -> ColumnElement[bool]:
    """Private entries only for their author; nobody (viewer None) sees any private entry."""
    if viewer is None:
        return Entry.visibility.in_(SHARED)
    return or_(
        Entry.visibility.in_(SHARED), and_(Entry.visibility == "private", Entry.user_id == viewer)
    )


def shared_created(team_id: str, start: datetime, end: datetime) -> tuple[ColumnElement, ...]:
    """The workspace's shared entries created in [start, end)."""
    return (
        Entry.team_id == team_id,
        Entry.visibility.in_(SHARED),
        Entry.created_at >= start,
        Entry.created_at < end,
    )


def shared_completed(team_id: str, start: datetime, end: datetime) -> tuple[ColumnElement, ...]:
    """The workspace's shared actions completed in [start, end)."""
    return (
        Entry.team_id == team_id,
        Entry.visibility.in_(SHARED),
        Entry.kind == "action",
        Entry.action_status == "done",
        Entry.completed_at >= start,
        Entry.completed_at < end,
    )
