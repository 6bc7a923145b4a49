"""Who took part, for coordinators only: so that a coordinator can welcome first-time sharers
and reach out personally to members who have gone quiet. Never posted in the channel.

Privacy, decided here:
- Only **shared** entries count. A member who writes only private entries reads as quiet:
  counting their journal would tell the coordinator that they keep one.
- **First-time sharers** are members whose first entry shared *with their name* (visibility
  network) falls in the week. Anonymous entries never make a name appear — naming someone the
  week their first anonymous entry came in would unmask it.
- **Quiet members** shared something once, but nothing in the last ``weeks`` weeks (the
  workspace's quiet-nudge setting, or ``DEFAULT_QUIET_WEEKS`` when that nudge is off). Members
  who are away say so, so nobody is chased on holiday.

The week's figures are ranges over the ``(team_id, created_at)`` index; a first-timer check
looks each of the week's sharers up in ``(team_id, user_id, created_at)``; only the quiet list
reads every member's latest shared entry, once per request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, distinct, exists, func, select
from sqlalchemy.orm import aliased

from bot.db import Database
from bot.models import Entry, Member
from bot.visibility import SHARED
from bot.weeks import Week

DEFAULT_QUIET_WEEKS = 4


@dataclass(frozen=True)
class QuietMember:
    user_id: str
    last_shared_at: datetime
    away_until: date | None


@dataclass(frozen=True)
class Participation:
    week: Week
    participants: int  # members who shared anything this week (anonymous entries included)
    first_timers: list[str]  # shared with their name for the first time this week
    quiet: list[QuietMember]  # longest quiet first
    quiet_weeks: int


def participation(
    db: Database, team_id: str, week: Week, *, now: datetime, quiet_weeks: int = 0
) -> Participation:
    """The week's participation and the members quiet for ``quiet_weeks`` weeks (0: default)."""
    weeks = quiet_weeks if quiet_weeks > 0 else DEFAULT_QUIET_WEEKS
    in_week = (Entry.created_at >= week.start, Entry.created_at < week.end)
    with db.reading() as session:
        participants = session.scalar(
            select(func.count(distinct(Entry.user_id))).where(
                Entry.team_id == team_id, Entry.visibility.in_(SHARED), *in_week
            )
        )
        earlier = aliased(Entry)
        first_timers = list(
            session.scalars(
                select(Entry.user_id)
                .where(Entry.team_id == team_id, Entry.visibility == "network", *in_week)
                .where(
                    ~exists().where(
                        earlier.team_id == team_id,
                        earlier.user_id == Entry.user_id,
                        earlier.visibility == "network",
                        earlier.created_at < week.start,
                    )
                )
                .group_by(Entry.user_id)
                .order_by(func.min(Entry.created_at))
            )
        )
        latest = (
            select(Entry.user_id, func.max(Entry.created_at).label("last_at"))
            .where(Entry.team_id == team_id, Entry.visibility.in_(SHARED))
            .group_by(Entry.user_id)
            .subquery()
        )
        quiet_rows = session.execute(
            select(latest.c.user_id, latest.c.last_at, Member.away_until)
            .outerjoin(Member, and_(Member.team_id == team_id, Member.user_id == latest.c.user_id))
            .where(latest.c.last_at < now - timedelta(weeks=weeks))
            .order_by(latest.c.last_at, latest.c.user_id)
        ).all()
    today = now.date()
    quiet = [
        QuietMember(
            row.user_id,
            row.last_at,
            row.away_until if row.away_until and row.away_until > today else None,
        )
        for row in quiet_rows
    ]
    return Participation(week, participants or 0, first_timers, quiet, weeks)
