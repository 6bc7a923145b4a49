"""Who gets a nudge by DM: follow-ups due on members' actions, and members gone quiet.

Rules, all decided here so that the Slack side only sends:
- Nothing is nudged in a workspace whose nudges are off or whose rhythm is paused, nor to a
  member who opted out (``members.nudges_enabled`` false; no member row means not opted out).
- A follow-up is due when an open action's ``follow_up_at`` has passed; its ``step`` is the
  number of this follow-up (1 for the first). The caller claims (workspace, "followup",
  entry and step) before sending, so a step is never sent twice.
- **At most ``MAX_FOLLOW_UPS`` (3) unanswered follow-ups per action**, spaced by the workspace's
  ``followup_days`` (the caller passes ``next_at``): after the third, ``follow_up_at`` is
  cleared and the action is left alone. A member who answers "Still on it" asks to be asked
  again (``LearningLog.snooze_action`` sets a new ``follow_up_at``), and gets exactly that one
  more follow-up.
- A quiet member is one who logged at least once but not in the last ``weeks`` weeks. They get
  **one gentle nudge per silence**: not again until they have logged something since (which
  also means never twice within ``weeks`` weeks). Private entries count as taking part.
- Whether a member is asleep or away when the DM would go is decided by the DM job with each
  member's time zone (``schedules.profiles``).

The workspace row must exist (member rows reference it); entries create it on first contact.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Integer, and_, bindparam, case, func, or_, select, update
from sqlalchemy.orm import Session

from bot.db import Database, insert_ignoring_duplicates
from bot.models import Entry, Member, UTCDateTime, Workspace
from bot.settings import paused_at

MAX_FOLLOW_UPS = 3


@dataclass(frozen=True)
class FollowUp:
    """An open action whose follow-up is due, as the DM needs it."""

    entry_id: int
    user_id: str
    text: str
    goal_key: str | None
    step: int  # 1 for the first follow-up of this action
    committed_at: datetime
    follow_up_at: datetime


def due_followups(db: Database, team_id: str, now: datetime) -> list[FollowUp]:
    """Follow-ups due at ``now``, oldest first (a range over the follow-up index)."""
    with db.reading() as session:
        if not _nudging(session, team_id, now):
            return []
        rows = session.execute(
            select(
                Entry.id,
                Entry.user_id,
                Entry.text,
                Entry.goal_key,
                Entry.follow_ups_sent,
                Entry.created_at,
                Entry.follow_up_at,
            )
            .outerjoin(Member, _member_of(Entry.user_id, team_id))
            .where(
                Entry.team_id == team_id,
                Entry.action_status == "open",
                Entry.follow_up_at <= now,
                _not_opted_out(),
            )
            .order_by(Entry.follow_up_at, Entry.id)
        ).all()
    return [
        FollowUp(
            entry_id=row.id,
            user_id=row.user_id,
            text=row.text,
            goal_key=row.goal_key,
            step=row.follow_ups_sent + 1,
            committed_at=row.created_at,
            follow_up_at=row.follow_up_at,
        )
        for row in rows
    ]


def record_followups_sent(
    session: Session,
    team_id: str,
    sent: list[tuple[int, int, datetime | None]],
    *,
    now: datetime,
) -> None:
    """Count follow-ups as sent, for many (entry id, step, next_at) in one statement, and set
    when each next one is due (None: no more).

    After ``MAX_FOLLOW_UPS`` the next one is never scheduled, whatever ``next_at`` says.
    With a step, only that step is recorded (a repeat is a no-op); nothing is recorded for an
    action that is gone or closed.
    """
    for _, _, next_at in sent:
        _check_next(next_at, now)
    if sent:
        session.execute(
            _FOLLOWUP_SENT,
            [
                {"b_team": team_id, "b_entry": entry_id, "b_step": step, "b_next": next_at}
                for entry_id, step, next_at in sent
            ],
        )


def _check_next(next_at: datetime | None, now: datetime) -> None:
    if next_at is not None and next_at <= now:
        raise ValueError("next_at must be later than now, or the member is nudged at once again")


_entries = Entry.__table__
_step = bindparam("b_step", type_=Integer())
# One UPDATE and no read first: the fan-out records hundreds of these in one transaction.
_FOLLOWUP_SENT = (
    update(_entries)
    .where(
        _entries.c.team_id == bindparam("b_team"),
        _entries.c.id == bindparam("b_entry"),
        _entries.c.action_status == "open",
        or_(_step.is_(None), _entries.c.follow_ups_sent == _step - 1),
    )
    .values(
        follow_ups_sent=_entries.c.follow_ups_sent + 1,
        follow_up_at=case(
            (
                _entries.c.follow_ups_sent + 1 < MAX_FOLLOW_UPS,
                bindparam("b_next", type_=UTCDateTime()),
            ),
            else_=None,
        ),
    )
)


def quiet_members(db: Database, team_id: str, now: datetime, weeks: int) -> list[str]:
    """Members quiet for ``weeks`` weeks who may get a gentle nudge now (0 weeks: nobody)."""
    if weeks <= 0:
        return []
    cutoff = now - timedelta(weeks=weeks)
    with db.reading() as session:
        if not _nudging(session, team_id, now):
            return []
        last_entries = (
            select(Entry.user_id, func.max(Entry.created_at).label("last_at"))
            .where(Entry.team_id == team_id)
            .group_by(Entry.user_id)
            .subquery()
        )
        return list(
            session.scalars(
                select(last_entries.c.user_id)
                .outerjoin(Member, _member_of(last_entries.c.user_id, team_id))
                .where(
                    last_entries.c.last_at < cutoff,
                    _not_opted_out(),
                    or_(
                        Member.last_quiet_nudge_at.is_(None),
                        Member.last_quiet_nudge_at < last_entries.c.last_at,
                    ),
                )
                .order_by(last_entries.c.user_id)
            )
        )


def record_quiet_nudge(session: Session, team_id: str, user_id: str, now: datetime) -> None:
    _update_member(session, team_id, user_id, now, last_quiet_nudge_at=now)


def _nudging(session: Session, team_id: str, now: datetime) -> bool:
    """The workspace nudges at all at ``now``: nudges on and not paused."""
    workspace = session.get(Workspace, team_id)
    if workspace is None or not workspace.nudges_enabled:
        return False
    return not paused_at(workspace.paused_until, workspace.timezone, now)


def _member_of(user_id_column: ColumnElement[str], team_id: str) -> ColumnElement[bool]:
    return and_(Member.team_id == team_id, Member.user_id == user_id_column)


def _not_opted_out() -> ColumnElement[bool]:
    # An outer join: no member row means the member never opted out.
    return or_(Member.id.is_(None), Member.nudges_enabled.is_(True))


def _update_member(
    session: Session, team_id: str, user_id: str, now: datetime, **values: object
) -> None:
    """Set member fields, creating the member row first if need be (race-free)."""
    insert_ignoring_duplicates(
        session, Member, {"team_id": team_id, "user_id": user_id, "created_at": now}
    )
    session.execute(
        update(Member).where(Member.team_id == team_id, Member.user_id == user_id).values(**values)
    )
