"""Dates and periods as people type them, and the instants they mean: the one reader of dates.

Every way in reads its dates here — ``/kindness mine``, ``away``, ``export`` and ``report`` in
Slack, ``kindness-bot export``/``report --since/--until`` and ``paused_until`` in the settings —
so that the same words mean the same thing everywhere:

- a **date** is written ``2026-09-01`` (never a guess between day and month orders:
  ``4/1/2027`` is refused);
- where a command takes **instants** too (a coordinator's file), an ISO-8601 instant with its
  UTC offset (``2026-09-01T09:00+01:00``) is taken as given; one without an offset is refused:
  whose 09:00 would it be?
- a **period** is ``since DATE`` and/or ``until DATE`` (``from`` and ``to`` mean the same),
  anywhere among the command's other words; where a command takes bare dates (a coordinator's
  file), the first is the start and the second the end. A second start or end is refused —
  except in a member's ``/kindness mine``, where a later one has always replaced the earlier;
- a date is a day in a time zone (the workspace's; a member's own for their journal): a start
  is its first moment, an end includes that whole day (up to the next local midnight,
  excluded); an instant given as an end is excluded;
- a start comes before its end: dates typed the wrong way round are refused as such
  (``BadRange``), and a period that is empty once read in its zone is refused (``EmptyPeriod``:
  instants the wrong way round, a start still to come).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.errors import (
    BadDate,
    BadRange,
    DateMissing,
    EmptyPeriod,
    GivenTwice,
    InstantWithoutOffset,
)
from bot.weeks import local_midnight

When = date | datetime
_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
SINCE_WORDS = ("since", "from")
UNTIL_WORDS = ("until", "to")


def parse_day(word: str) -> date:
    """``2026-09-01`` → a date; anything else ``BadDate``."""
    text = word.strip()
    if not _ISO_DATE.match(text):
        raise BadDate(text)  # 4/1/2027, 20270104, tomorrow
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadDate(text) from None  # 2027-02-30


def parse_when(word: str) -> When:
    """``2026-09-01`` → a date, ``2026-09-01T09:00+01:00`` → an aware instant.

    Python's ISO reader also takes the compact and week forms of a date (``20260901``,
    ``2026-W36-2``); the coordinators' files and the command line have always read them, so
    they still do here (a member's date is the plain form alone, ``parse_day``).
    """
    text = word.strip()
    try:
        if "T" in text or " " in text:
            moment = datetime.fromisoformat(text)
        else:
            return date.fromisoformat(text)
    except ValueError:
        raise BadDate(text, instants=True) from None
    if moment.tzinfo is None:
        raise InstantWithoutOffset(moment.isoformat())
    return moment


@dataclass
class PeriodWords:
    """The ``since``/``until`` words of a command, read one by one among its other words.

    ``instants``: instants are taken as well as dates; ``bare_dates``: a date without a word
    before it is the start, then the end; ``later_replaces``: a second ``since`` (``until``)
    replaces the first instead of being refused.
    """

    instants: bool = False
    bare_dates: bool = False
    later_replaces: bool = False
    since: When | None = None
    until: When | None = None

    def take(self, words: list[str]) -> bool:
        """Read the period words at the front of ``words`` (a ``since``/``until`` and its date,
        or a bare date) and remove them; False, removing nothing, when the first word is
        neither."""
        if not words:
            return False
        word = words[0]
        lowered = word.lower()
        if lowered in SINCE_WORDS + UNTIL_WORDS:
            if len(words) < 2:
                raise DateMissing(word)
            which = "since" if lowered in SINCE_WORDS else "until"
            typed = words[1]
            del words[:2]
        elif self.bare_dates and word[:1].isdigit():
            which = "until" if self.since is not None else "since"
            typed = words.pop(0)
        else:
            return False
        if getattr(self, which) is not None and not self.later_replaces:
            raise GivenTwice(f"{which} date")
        setattr(self, which, parse_when(typed) if self.instants else parse_day(typed))
        return True

    def check(self) -> None:
        """Dates typed the wrong way round are refused as such (``since`` after ``until``)."""
        since, until = self.since, self.until
        if since is None or until is None:
            return
        if isinstance(since, datetime) or isinstance(until, datetime):
            return  # instants: check_order, once read in the workspace's zone
        if since > until:
            raise BadRange(since.isoformat(), until.isoformat())


def start_at(value: When, tz: str) -> datetime:
    """The first instant of a period starting at ``value``."""
    return _instant(value, tz, next_day=False)


def end_at(value: When, tz: str) -> datetime:
    """The first instant left out of a period ending at ``value`` (a date: that day included)."""
    return _instant(value, tz, next_day=True)


def check_order(start: datetime, end: datetime, tz: str) -> None:
    """``EmptyPeriod`` unless ``start`` comes before ``end`` (said in ``tz``'s wall time)."""
    if start >= end:
        zone = ZoneInfo(tz)
        raise EmptyPeriod(
            f"{start.astimezone(zone):%d %b %Y %H:%M}", f"{end.astimezone(zone):%d %b %Y %H:%M}"
        )


def _instant(value: When, tz: str, *, next_day: bool) -> datetime:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise InstantWithoutOffset(value.isoformat())
        return value
    return local_midnight(value + timedelta(days=1) if next_day else value, tz)
