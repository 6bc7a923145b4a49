"""A member's own preferences, all of them here: nudges, away until a date, prompts by DM and
peer pairs (``MemberPreferences``, read back as one ``MemberStatus``).

Rules, decided here so that every way in (slash command, App Home, the DM jobs) agrees:

- **Nudges** (follow-ups about one's actions, and the nudge after a quiet spell) are on until
  the member turns them off (``/kindness nudges off``).

- **Away** pauses every DM to the member — nudges, follow-ups and DM prompts — while the
  member's *own* local date (their Slack time zone, else the workspace's) is before
  ``away_until``: ``away until 2027-01-04`` means "back on the 4th". It ends by itself; nothing
  sent while away is queued up for the return, except what is still due then (an open
  action's follow-up, this week's prompt). The date must be after today and at most a year
  ahead (a later one is most likely a typo in the year).
- **Prompts by DM** is a member's own choice and is not a nudge: ``nudges off`` does not stop
  it, ``away`` does. The channel prompt is posted as before; the DM carries the same goal,
  question and buttons.
- **Peer pairs** are a member's own yes (``/kindness pairs on``); off until they say it.
- The member row is created on first need; a member with no row has the defaults (not away,
  prompts in the channel only, nudges on).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.db import Database, insert_ignoring_duplicates
from bot.errors import DateMissing, DateOutOfRange
from bot.models import Member, Workspace
from bot.periods import parse_day
from bot.weeks import Clock, local_date, usable_zone
from bot.workspaces import ensure_workspace

MAX_AWAY = timedelta(days=366)
_FOR_SPAN = re.compile(r"^for\s+(\d{1,3})\s+(day|days|week|weeks)$", re.IGNORECASE)
_OFF_WORDS = ("off", "back", "none", "no")


@dataclass(frozen=True)
class MemberStatus:
    """A member's own settings as they stand at ``today`` (their local date)."""

    nudges: bool
    away_until: date | None  # None when not away (never set, cleared, or over)
    prompts_by_dm: bool
    today: date
    pairs: bool = False  # said yes to peer pairs (bot.pairs)


def parse_away(args: str, today: date) -> date | None:
    """What follows ``/kindness away``: ``until DATE``, ``DATE``, ``for N days|weeks`` → the
    first date back; ``off`` → None. ``ValueError`` for an empty argument (show the status)."""
    words = args.strip()
    if not words:
        raise ValueError("no argument")
    if words.lower() in _OFF_WORDS:
        return None
    span = _FOR_SPAN.match(words)
    if span:
        count = int(span.group(1))
        days = count * 7 if span.group(2).lower().startswith("week") else count
        return check_away(today + timedelta(days=days), today)
    if words.lower() == "until":
        raise DateMissing(words)
    if words.lower().startswith("until "):
        words = words[len("until ") :].strip()
    return check_away(parse_day(words), today)


def check_away(until: date, today: date) -> date:
    """The return date must come after today and at most a year ahead."""
    latest = today + MAX_AWAY
    if until <= today or until > latest:
        raise DateOutOfRange(
            until.isoformat(), (today + timedelta(days=1)).isoformat(), latest.isoformat()
        )
    return until


def is_away(away_until: date | None, tz: str, now: datetime) -> bool:
    """Away while the local date in ``tz`` is before ``away_until``."""
    return away_until is not None and local_date(now, tz) < away_until


class MemberPreferences:
    def __init__(self, db: Database, *, clock: Clock, default_timezone: str = "UTC") -> None:
        self.db = db
        self.clock = clock
        self.default_timezone = default_timezone

    def today(self, team_id: str, user_id: str) -> date:
        """The member's local date: their Slack time zone if known, else the workspace's."""
        with self.db.reading() as session:
            zone = member_zone(session, team_id, user_id)
        return local_date(self.clock(), zone)

    def status(self, team_id: str, user_id: str) -> MemberStatus:
        today = self.today(team_id, user_id)
        with self.db.reading() as session:
            member = session.scalar(
                select(Member).where(Member.team_id == team_id, Member.user_id == user_id)
            )
        if member is None:
            return MemberStatus(nudges=True, away_until=None, prompts_by_dm=False, today=today)
        away = member.away_until if member.away_until and member.away_until > today else None
        return MemberStatus(
            nudges=member.nudges_enabled,
            away_until=away,
            prompts_by_dm=member.prompts_by_dm,
            today=today,
            pairs=member.pairs_enabled,
        )

    def set_away(self, team_id: str, user_id: str, until: date | None) -> MemberStatus:
        """Away until ``until`` (checked against the member's today), or back (None)."""
        if until is not None:
            check_away(until, self.today(team_id, user_id))
        self._update(team_id, user_id, away_until=until)
        return self.status(team_id, user_id)

    def set_prompts_by_dm(self, team_id: str, user_id: str, by_dm: bool) -> MemberStatus:
        self._update(team_id, user_id, prompts_by_dm=by_dm)
        return self.status(team_id, user_id)

    def set_nudges(self, team_id: str, user_id: str, on: bool) -> MemberStatus:
        """Nudges on or off."""
        self._update(team_id, user_id, nudges_enabled=on)
        return self.status(team_id, user_id)

    def nudges_enabled(self, team_id: str, user_id: str) -> bool:
        """Whether the member takes nudges (on for a member the bot has no row for)."""
        with self.db.reading() as session:
            enabled = session.scalar(
                select(Member.nudges_enabled).where(
                    Member.team_id == team_id, Member.user_id == user_id
                )
            )
        return True if enabled is None else bool(enabled)

    def set_pairs(self, team_id: str, user_id: str, on: bool) -> MemberStatus:
        """Take part in peer pairs, or not: a round already made keeps its pairs, but nobody
        who said no is reminded or paired again."""
        self._update(team_id, user_id, pairs_enabled=on)
        return self.status(team_id, user_id)

    def _update(self, team_id: str, user_id: str, **values: object) -> None:
        now = self.clock()
        with self.db.session() as session:
            ensure_workspace(session, team_id, now=now, timezone=self.default_timezone)
            insert_ignoring_duplicates(
                session, Member, {"team_id": team_id, "user_id": user_id, "created_at": now}
            )
            session.execute(
                update(Member)
                .where(Member.team_id == team_id, Member.user_id == user_id)
                .values(**values)
            )


def member_zone(session: Session, team_id: str, user_id: str) -> str:
    """The member's calendar: their cached Slack time zone, else the workspace's, else UTC."""
    member_tz = session.scalar(
        select(Member.tz).where(Member.team_id == team_id, Member.user_id == user_id)
    )
    workspace_tz = session.scalar(select(Workspace.timezone).where(Workspace.team_id == team_id))
    return usable_zone(member_tz, workspace_tz or "UTC")
