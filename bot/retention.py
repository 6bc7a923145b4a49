"""Retention: entries older than the workspace's ``keep_years`` are deleted — never without a
month's notice to its coordinators.

The rule, applied once a day per workspace (``schedules.retention``):

- **a notice** is recorded (``retention_notices``) at most once every 30 days: the entries
  that will be older than ``keep_years`` 30 days from now — how many, written before which
  day. Coordinators are told by DM, with an export of exactly those entries offered;
- **a deletion** removes only entries that are both older than ``keep_years`` today *and*
  announced by a notice at least 30 days old. So an entry is never deleted less than a month
  after coordinators were told of it, however ``keep_years`` changes: setting it to 2 on a
  five-year-old log deletes three years of entries a month later, not at once; raising it
  deletes nothing the new setting keeps. Deletions therefore come about once a month, each
  taking what the notice before it announced.

Figures already reported stay as they were reported: a posted digest is a Slack message and
is never recomputed, and a report is a file the coordinator holds. Figures computed after a
deletion (``/kindness stats``, a new report over those weeks) count only the entries kept.
Every deletion is in the audit trail with how many entries and up to which day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select

from bot import audit
from bot.db import Database
from bot.models import Entry, RetentionNotice
from bot.weeks import local_date

NOTICE_AHEAD = timedelta(days=30)


@dataclass(frozen=True)
class Notice:
    """Entries written before ``written_before`` (a local day) go from ``deleted_from``."""

    entries: int
    keep_years: int
    written_before: date
    deleted_from: date


@dataclass(frozen=True)
class RetentionRun:
    deleted: int = 0
    deleted_before: date | None = None  # the local day before which entries were deleted
    notice: Notice | None = None  # coordinators are to be told (entries ahead, > 0)


def years_before(day: date, years: int) -> date:
    """The same day ``years`` earlier (29 February becomes the 28th)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def _start_of(day: date, tz: str) -> datetime:
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(tz))


def apply_retention(
    db: Database, team_id: str, *, keep_years: int, tz: str, now: datetime
) -> RetentionRun:
    """Delete what is due and record the next notice when one is due (see the module's rule),
    in one transaction; the deletion and the notice are in the audit trail."""
    if keep_years <= 0:
        return RetentionRun()
    today = local_date(now, tz)
    too_old = _start_of(years_before(today, keep_years), tz)
    with db.session() as session:
        announced = session.scalar(
            select(func.max(RetentionNotice.deletes_before)).where(
                RetentionNotice.team_id == team_id,
                RetentionNotice.sent_at <= now - NOTICE_AHEAD,
            )
        )
        deleted, deleted_before = 0, None
        if announced is not None:
            boundary = min(too_old, announced)
            deleted = session.execute(
                delete(Entry).where(Entry.team_id == team_id, Entry.created_at < boundary)
            ).rowcount
            deleted_before = local_date(boundary, tz)
            if deleted:
                audit.record(
                    session,
                    team_id=team_id,
                    actor=audit.SCHEDULER,
                    action=audit.RETENTION_DELETED,
                    at=now,
                    details={
                        "entries": deleted,
                        "written before": deleted_before.isoformat(),
                        "keep_years": keep_years,
                    },
                )
        last_notice = session.scalar(
            select(func.max(RetentionNotice.sent_at)).where(RetentionNotice.team_id == team_id)
        )
        notice = None
        if last_notice is None or last_notice <= now - NOTICE_AHEAD:
            ahead = years_before(local_date(now + NOTICE_AHEAD, tz), keep_years)
            horizon = _start_of(ahead, tz)
            entries = session.scalar(
                select(func.count())
                .select_from(Entry)
                .where(Entry.team_id == team_id, Entry.created_at < horizon)
            )
            session.add(
                RetentionNotice(
                    team_id=team_id,
                    sent_at=now,
                    deletes_before=horizon,
                    entries=entries,
                    keep_years=keep_years,
                )
            )
            if entries:
                notice = Notice(entries, keep_years, ahead, local_date(now + NOTICE_AHEAD, tz))
                audit.record(
                    session,
                    team_id=team_id,
                    actor=audit.SCHEDULER,
                    action=audit.RETENTION_NOTICE,
                    at=now,
                    details={
                        "entries": entries,
                        "written before": ahead.isoformat(),
                        "deleted from": notice.deleted_from.isoformat(),
                    },
                )
    return RetentionRun(deleted, deleted_before, notice)
