"""When the rhythm's posts are due, in the workspace's own time zone, and when a DM may be sent.

APScheduler only wakes the jobs; this module decides what a wake-up (or a start after
downtime) should do, from the settings and an injected ``now``:

- A scheduled post belongs to the local week it falls in; its period is that week's ISO key
  (``2026-W48``), which is what claims and posted rows are keyed by.
- A weekly time is local wall time, so Monday 10:00 in Europe/London is 10:00 UTC in winter
  and 09:00 UTC in summer. Daylight-saving edges:
  - a local time that does not exist (the hour skipped when clocks go forward) is read with
    the offset in force before the change, i.e. shifted forward by the gap: 01:30 on the
    spring-forward Sunday in London becomes 02:30 BST (01:30 UTC). The post is late by the
    gap, never early, and never skipped;
  - a local time that happens twice (clocks go back) is the first of the two (fold=0), so
    the post goes out at the earliest matching moment.
- ``due`` turns "the latest scheduled instant" into a decision: due if no older than the
  grace window (default six hours, ``KINDNESS_CATCHUP_HOURS``), missed if older — the caller
  logs it and posts nothing — and nothing at all if the workspace is paused on the local date
  the post was scheduled for. ``retry_at`` spaces the tries of a failed post inside that window.
- Quiet hours are 20:00–08:00 in the *member's* zone; a member whose zone is unknown or
  unusable is treated as living in the workspace's zone (``bot.weeks.usable_zone``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.settings import paused_at
from bot.weeks import Week, week_of

QUIET_START = time(20, 0)
QUIET_END = time(8, 0)
RETRY_FIRST = timedelta(minutes=5)
RETRY_LONGEST = timedelta(minutes=30)
RETRY_MARGIN = timedelta(minutes=1)


@dataclass(frozen=True)
class Due:
    """A scheduled post to make now: its period, when it was meant to go, how late it is."""

    period: str
    scheduled_at: datetime
    late_by: timedelta


@dataclass(frozen=True)
class Missed:
    """A scheduled post older than the grace window: not to be made, only logged."""

    period: str
    scheduled_at: datetime
    late_by: timedelta

    def describe(self, job: str) -> str:
        """E.g. ``missed the 2026-W48 prompt by 9h; skipped``."""
        return f"missed the {self.period} {job} by {_duration(self.late_by)}; skipped"


def occurrence_in_week(week: Week, day: int, hhmm: str) -> datetime:
    """The aware UTC instant of local ``day`` (0 = Monday) at ``hhmm`` in ``week``.

    Non-existent local times are shifted forward by the gap, ambiguous ones take the first
    occurrence (see the module docstring): Python's fold=0 does exactly that.
    """
    local_day = week.monday + timedelta(days=day)
    local = datetime.combine(local_day, time.fromisoformat(hhmm), tzinfo=ZoneInfo(week.tz))
    return local.astimezone(UTC)


def latest_occurrence(day: int, hhmm: str, tz: str, now: datetime) -> tuple[Week, datetime]:
    """The most recent scheduled instant at or before ``now`` (this week's or last week's)."""
    week = week_of(now, tz)
    moment = occurrence_in_week(week, day, hhmm)
    if moment > now:
        week = week.shifted(-1)
        moment = occurrence_in_week(week, day, hhmm)
    return week, moment


def due(
    job_day: int,
    job_time: str,
    tz: str,
    now: datetime,
    *,
    grace: timedelta,
    paused_until: date | None,
) -> Due | Missed | None:
    """What a wake-up at ``now`` should do about a weekly job.

    ``Due``: post for its period now (the claim decides whether this process does).
    ``Missed``: the latest occurrence is older than ``grace``; log ``describe(job)``, post
    nothing. ``None``: the workspace is paused on the occurrence's local date.
    """
    week, scheduled_at = latest_occurrence(job_day, job_time, tz, now)
    if paused_at(paused_until, tz, scheduled_at):
        return None
    late_by = now - scheduled_at
    if late_by > grace:
        return Missed(week.key, scheduled_at, late_by)
    return Due(week.key, scheduled_at, late_by)


def retry_at(
    scheduled_at: datetime, now: datetime, grace: timedelta, *, wait: timedelta = RETRY_FIRST
) -> datetime | None:
    """When to try a failed scheduled post again; None once the catch-up window has closed.

    The pause is as long as the post is late already, at least ``wait`` and at most
    ``RETRY_LONGEST`` (5, 5, 10, 20, 30, 30… minutes): a blip costs minutes, an outage is not
    hammered. The last try is a minute inside the window, so that it is still due when it runs.
    """
    pause = min(max(now - scheduled_at, wait), max(RETRY_LONGEST, wait))
    at = min(now + pause, scheduled_at + grace - RETRY_MARGIN)
    return at if at > now else None


def in_quiet_hours(now: datetime, tz: str) -> bool:
    """True from 20:00 to 08:00 local time in ``tz``."""
    local = now.astimezone(ZoneInfo(tz)).time()
    return local >= QUIET_START or local < QUIET_END


def _duration(span: timedelta) -> str:
    """``9h``, ``2d 3h``, ``45m`` — how late, at a glance in a log line."""
    minutes = int(span.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days}d {hours}h" if hours else f"{days}d"
    if hours:
        return f"{hours}h {minutes}m" if minutes else f"{hours}h"
    return f"{minutes}m"
