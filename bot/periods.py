"""The periods a coordinator asks for: the words typed, and the instants they mean.

One set of rules for every way in — ``kindness-bot export``/``report --since/--until`` and
``/kindness export``/``report`` in Slack — so that the same words give the same file:

- a date (``2026-09-01``) is a day in the workspace's time zone: a start is its first moment,
  an end includes the whole day (up to the next local midnight, excluded);
- an ISO-8601 instant with its UTC offset (``2026-09-01T09:00+01:00``) is taken as given; an
  end is then excluded. An instant without an offset is refused: whose 09:00 would it be?
- a start must come before its end.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo


class PeriodError(ValueError):
    """A period that cannot be used; ``str()`` says what to change."""


def parse_when(text: str) -> date | datetime:
    """``2026-09-01`` → a date, ``2026-09-01T09:00+01:00`` → an instant."""
    value = text.strip()
    try:
        if "T" in value or " " in value:
            return datetime.fromisoformat(value)
        return date.fromisoformat(value)
    except ValueError:
        raise PeriodError(
            f"'{value}' is not a date; write it as YYYY-MM-DD or an ISO-8601 instant"
        ) from None


def start_at(value: date | datetime, tz: str) -> datetime:
    """The first instant of a period starting at ``value``."""
    return _instant(value, tz, next_day=False)


def end_at(value: date | datetime, tz: str) -> datetime:
    """The first instant left out of a period ending at ``value`` (a date: that day included)."""
    return _instant(value, tz, next_day=True)


def check_order(start: datetime, end: datetime, tz: str) -> None:
    if start >= end:
        zone = ZoneInfo(tz)
        raise PeriodError(
            f"the period is empty: it starts {start.astimezone(zone):%d %b %Y %H:%M} and "
            f"ends {end.astimezone(zone):%d %b %Y %H:%M}; give a start before the end"
        )


def _instant(value: date | datetime, tz: str, *, next_day: bool) -> datetime:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise PeriodError(
                f"{value.isoformat()} has no UTC offset; add one, e.g. 2026-11-02T09:00+00:00"
            )
        return value
    day = value + timedelta(days=1) if next_day else value
    return datetime.combine(day, time(0, 0), tzinfo=ZoneInfo(tz))
