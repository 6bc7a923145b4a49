"""Coordinators kept in the database, beside Slack's admins and owners and ``KINDNESS_ADMINS``.

A network's coordinators are often not Slack admins (a programme lead, a facilitator), so Slack
admins can name them in the settings modal or with ``kindness-bot settings set
coordinators=U0123,U0456``. Decisions:

- The list is **replaced** as a whole by each change (what the modal's multi-select holds is the
  list), and every change is logged with who made it and who was added or removed.
- Changing the list is for **admins only** — Slack workspace admins and owners and
  ``KINDNESS_ADMINS`` (and an operator at a shell) — never for the coordinators it names, so a
  coordinator cannot appoint others or remove an admin's choice.
- Members are named by Slack id (``U…``/``W…``), or a mention as Slack sends it
  (``<@U0123|ann>``); a bare ``@ann`` cannot be told apart from a name and is refused.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.db import Database
from bot.errors import InvalidSetting
from bot.models import Coordinator

log = logging.getLogger(__name__)

MAX_COORDINATORS = 50
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
_MENTION = re.compile(r"^<@([UW][A-Z0-9]{2,})(\|[^>]*)?>$")
_CLEAR = ("", "none", "off")


@dataclass(frozen=True)
class CoordinatorChange:
    added: tuple[str, ...]
    removed: tuple[str, ...]

    def __bool__(self) -> bool:
        return bool(self.added or self.removed)


@dataclass(frozen=True)
class SettingsRights:
    """What a member may do with the settings form they submit."""

    may_save: bool  # a coordinator: listed, in KINDNESS_ADMINS or one of Slack's admins
    may_name_coordinators: bool  # an admin: Slack's, or in KINDNESS_ADMINS


def settings_rights(
    *, names_coordinators: bool, admin: Callable[[], bool], listed: Callable[[], bool]
) -> SettingsRights:
    """Who may save the settings, and change the list of coordinators with them.

    ``admin()`` says whether the member is an admin (``KINDNESS_ADMINS``, else Slack is asked:
    it may raise when Slack cannot say), ``listed()`` whether they are known as a coordinator
    without Slack (``KINDNESS_ADMINS`` or this list). A form that holds the list of
    coordinators always asks ``admin()``, since only an admin may change the list; any other
    form asks Slack only for a member the bot does not know as a coordinator. Each is asked
    at most once, and only when the answer depends on it.
    """
    if names_coordinators:
        is_admin = admin()
        return SettingsRights(may_save=is_admin or listed(), may_name_coordinators=is_admin)
    return SettingsRights(may_save=listed() or admin(), may_name_coordinators=False)


def parse_user_list(value: str) -> tuple[str, ...]:
    """``"U1, <@U2|ann> U3"`` → ``("U1", "U2", "U3")``; ``""``/``none`` → ``()``.

    ``InvalidSetting`` names the first word that is not a member id.
    """
    text = value.strip()
    if text.lower() in _CLEAR:
        return ()
    found: list[str] = []
    for word in re.split(r"[\s,]+", text):
        if not word:
            continue
        mention = _MENTION.match(word)
        user_id = mention.group(1) if mention else word.upper()
        if not _USER_ID.match(user_id):
            raise InvalidSetting("not_member_id", word=word)
        if user_id not in found:
            found.append(user_id)
    if len(found) > MAX_COORDINATORS:
        raise InvalidSetting("too_many_members", count=len(found), most=MAX_COORDINATORS)
    return tuple(found)


def coordinators_of(session: Session, team_id: str) -> tuple[str, ...]:
    return tuple(
        session.scalars(
            select(Coordinator.user_id)
            .where(Coordinator.team_id == team_id)
            .order_by(Coordinator.added_at, Coordinator.user_id)
        )
    )


def replace_coordinators(
    session: Session,
    team_id: str,
    users: tuple[str, ...],
    *,
    by_user: str | None,
    now: datetime,
) -> CoordinatorChange:
    """Make ``users`` the workspace's list (in ``session``'s transaction) and log the change."""
    current = coordinators_of(session, team_id)
    change = CoordinatorChange(
        added=tuple(u for u in users if u not in current),
        removed=tuple(u for u in current if u not in users),
    )
    if change.removed:
        session.execute(
            delete(Coordinator).where(
                Coordinator.team_id == team_id, Coordinator.user_id.in_(change.removed)
            )
        )
    for user_id in change.added:
        session.add(Coordinator(team_id=team_id, user_id=user_id, added_by=by_user, added_at=now))
    if change:
        log.info(
            "coordinators of %s changed by %s: added %s; removed %s",
            team_id,
            by_user or "the command line",
            ", ".join(change.added) or "nobody",
            ", ".join(change.removed) or "nobody",
        )
    return change


def is_listed_coordinator(db: Database, team_id: str, user_id: str) -> bool:
    with db.reading() as session:
        found = session.scalar(
            select(Coordinator.user_id).where(
                Coordinator.team_id == team_id, Coordinator.user_id == user_id
            )
        )
    return found is not None
