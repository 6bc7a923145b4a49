"""What the learning log hands back: an entry as one viewer may see it (``EntryView``), a
saved entry, a member's own log and a page of search results; and the two rules every part
applies to an entry it found — whose it is, and which organisation's name it may show."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot import sharing
from bot.errors import EntryNotFound, NotYourEntry
from bot.organisations import organisation_names


@dataclass(frozen=True)
class EntryView:
    """An entry as one viewer may see it (``author_id`` is None when hidden from them)."""

    id: int
    kind: str
    goal_key: str | None
    text: str
    visibility: str
    source: str
    author_id: str | None
    is_mine: bool
    channel_id: str | None
    message_ts: str | None
    permalink: str | None
    action_status: str | None
    follow_up_at: datetime | None
    completed_at: datetime | None
    reflection_of_id: int | None
    prompt_id: int | None
    created_at: datetime
    updated_at: datetime
    logged_by: str | None = None  # the coordinator who logged it for its author
    # Beyond the network (``bot.sharing``): none, named or anonymous; whether a coordinator
    # asked its author already; and whether the change that made this view withdrew consent.
    share_consent: str = sharing.NONE
    share_asked: bool = False
    share_withdrawn: bool = False
    why_it_matters: str | None = None
    who_changed: str | None = None
    how_we_know: str | None = None
    # The author's organisation when it was written: None for an anonymous entry (in a small
    # organisation it would name the person). ``organisation`` is its name, where looked up.
    organisation_id: int | None = None
    organisation: str | None = None

    @classmethod
    def of(cls, entry: Any, viewer: str | None) -> EntryView:
        """From an ``Entry``, or anything with its attributes (a Core row)."""
        mine = viewer is not None and entry.user_id == viewer
        hidden = entry.visibility == "anonymous" and not mine
        return cls(
            id=entry.id,
            kind=entry.kind,
            goal_key=entry.goal_key,
            text=entry.text,
            visibility=entry.visibility,
            source=entry.source,
            author_id=None if hidden else entry.user_id,
            is_mine=mine,
            channel_id=entry.channel_id,
            message_ts=entry.message_ts,
            permalink=entry.permalink,
            action_status=entry.action_status,
            follow_up_at=entry.follow_up_at,
            completed_at=entry.completed_at,
            reflection_of_id=entry.reflection_of_id,
            prompt_id=entry.prompt_id,
            created_at=entry.created_at,
            updated_at=entry.updated_at,
            logged_by=entry.logged_by,
            share_consent=getattr(entry, "share_consent", None) or sharing.NONE,
            share_asked=getattr(entry, "share_asked_at", None) is not None,
            why_it_matters=getattr(entry, "why_it_matters", None),
            who_changed=getattr(entry, "who_changed", None),
            how_we_know=getattr(entry, "how_we_know", None),
            organisation_id=(
                None if entry.visibility == "anonymous" else getattr(entry, "organisation_id", None)
            ),
        )


@dataclass(frozen=True)
class Saved:
    entry: EntryView
    created: bool  # False when a repeated delivery matched the entry already stored
    noted: bool = False  # the member was told already that it was saved (``mark_noted``)


@dataclass(frozen=True)
class MyLog:
    entries: list[EntryView]
    open_actions: list[EntryView]


@dataclass(frozen=True)
class SearchPage:
    words: list[str]
    goal_key: str | None
    entries: list[EntryView]
    has_more: bool
    offset: int


def named(session: Session, team_id: str, views: list[EntryView]) -> list[EntryView]:
    """The views with their organisation's name, where they may show one."""
    if not any(view.organisation_id for view in views):
        return views
    names = organisation_names(session, team_id)
    return [
        replace(view, organisation=names.get(view.organisation_id))
        if view.organisation_id
        else view
        for view in views
    ]


def owned_by(
    user_id: str,
    entry: Any,
    entry_id: int,
    *,
    text: str | None = None,
    or_logged_by: bool = False,
) -> Any:
    """``entry`` when it is the member's (or, with ``or_logged_by``, one the member logged for
    somebody else); another's private entry is "not found"."""
    if entry is None or (entry.visibility == "private" and entry.user_id != user_id):
        raise EntryNotFound(entry_id, text=text)
    if entry.user_id != user_id and not (or_logged_by and entry.logged_by == user_id):
        raise NotYourEntry(entry_id, text=text)
    return entry
