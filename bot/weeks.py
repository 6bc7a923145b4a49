"""Weeks in a workspace's own time zone — the period of the network's rhythm.

A week runs from Monday 00:00 to the next Monday 00:00 *local time*, so a week that crosses a
daylight-saving change lasts 167 or 169 hours. Instants are aware datetimes in UTC everywhere
else in the code; this module is where local calendars meet them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Week:
    monday: date
    tz: str

    @property
    def start(self) -> datetime:
        """Monday 00:00 local, as an aware UTC datetime."""
        return local_midnight(self.monday, self.tz)

    @property
    def end(self) -> datetime:
        return local_midnight(self.monday + timedelta(days=7), self.tz)

    @property
    def key(self) -> str:
        """ISO week, e.g. ``2026-W48`` — the period of weekly claims and posts."""
        year, number, _ = self.monday.isocalendar()
        return f"{year}-W{number:02d}"

    def shifted(self, weeks: int) -> Week:
        return Week(self.monday + timedelta(weeks=weeks), self.tz)


def week_of(moment: datetime, tz: str) -> Week:
    """The local week that contains ``moment`` (an aware datetime)."""
    local = local_date(moment, tz)
    return Week(local - timedelta(days=local.weekday()), tz)


def weeks_ending(last: Week, count: int) -> list[Week]:
    """The ``count`` weeks up to and including ``last``, oldest first (trends and charts)."""
    return [last.shifted(-n) for n in range(count - 1, -1, -1)]


def local_date(moment: datetime, tz: str) -> date:
    """The calendar date in ``tz`` at ``moment`` (an aware datetime): with the clock's ``now``
    and the workspace's zone, "today" for the workspace (a pause, a date shown in settings);
    with a member's zone, the member's today ("away until")."""
    return moment.astimezone(ZoneInfo(tz)).date()


def local_date_before(end: datetime, tz: str) -> date:
    """The date in ``tz`` just before ``end``: the last day of a period that ends (excluded)
    at ``end`` — a week ending at Monday 00:00 ends on Sunday."""
    return local_date(end - timedelta(microseconds=1), tz)


def local_midnight(day: date, tz: str) -> datetime:
    """The first instant of ``day`` in ``tz``, as an aware UTC datetime."""
    return datetime.combine(day, time(0, 0), tzinfo=ZoneInfo(tz)).astimezone(UTC)


def as_utc(moment: datetime) -> datetime:
    """Aware UTC; a naive value is taken to be UTC already (as the database returns it)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def usable_zone(member_tz: str | None, fallback: str) -> str:
    """A member's Slack time zone when it is one zoneinfo knows, else ``fallback`` (the
    workspace's): a member's own calendar, for quiet hours and "away until"."""
    if member_tz:
        try:
            ZoneInfo(member_tz)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            return fallback
        return member_tz
    return fallback
