"""Who may see an entry — the rule every read of the learning log applies.

- *network* entries are shown to everybody in the workspace, with their author;
- *anonymous* ones to everybody, without their author (``EntryView`` hides it);
- *private* ones to their author alone: not in the digest, search, figures or exports, not
  even as a number.
"""

from __future__ import annotations

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
