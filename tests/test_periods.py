"""Dates and periods as members and coordinators type them: one reader for every command."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from bot.blocks.refusals import explain
from bot.errors import (
    BadDate,
    BadRange,
    DateMissing,
    EmptyPeriod,
    GivenTwice,
    InstantWithoutOffset,
)
from bot.periods import PeriodWords, check_order, end_at, parse_day, parse_when, start_at

LONDON = "Europe/London"


@pytest.mark.parametrize(
    ("typed", "day"),
    [("2027-01-04", date(2027, 1, 4)), (" 2027-01-04 ", date(2027, 1, 4))],
)
def test_a_date_is_written_year_month_day(typed: str, day: date) -> None:
    assert parse_day(typed) == day
    assert parse_when(typed) == day


@pytest.mark.parametrize(
    "typed", ["4/1/2027", "2027-02-30", "tomorrow", "", "2027-01-04T09:00", "20270104"]
)
def test_anything_else_is_not_a_date(typed: str) -> None:
    with pytest.raises(BadDate) as refused:
        parse_day(typed)
    assert refused.value.given == typed.strip() and not refused.value.instants


def test_the_coordinators_files_read_every_iso_date_as_they_always_have() -> None:
    assert parse_when("20260901") == parse_when("2026-W36-2") == date(2026, 9, 1)


def test_where_instants_are_taken_one_needs_its_offset() -> None:
    assert parse_when("2026-11-02T09:00+01:00") == datetime(
        2026, 11, 2, 9, 0, tzinfo=timezone(timedelta(hours=1))
    )
    with pytest.raises(InstantWithoutOffset, match="2026-11-02T09:00:00 has no UTC offset"):
        parse_when("2026-11-02T09:00")
    with pytest.raises(BadDate) as refused:
        parse_when("2026-11-02T25:00+00:00")
    assert refused.value.instants  # the answer offers the instant form too


def _read(typed: str, **grammar: bool) -> tuple[PeriodWords, list[str]]:
    """The period read out of ``typed``, and the other words in their order."""
    period, words, others = PeriodWords(**grammar), typed.split(), []
    while words:
        if not period.take(words):
            others.append(words.pop(0))
    period.check()
    return period, others


def test_since_and_until_are_read_anywhere_among_the_other_words() -> None:
    period, others = _read("g3 SINCE 2026-09-01 md to 2026-10-31")
    assert (period.since, period.until, others) == (
        date(2026, 9, 1),
        date(2026, 10, 31),
        ["g3", "md"],
    )
    period, others = _read("from 2026-09-01")
    assert (period.since, period.until, others) == (date(2026, 9, 1), None, [])
    period, others = _read("2026-09-01")  # without bare dates, a date alone is another word
    assert (period.since, others) == (None, ["2026-09-01"])


def test_bare_dates_are_the_start_then_the_end() -> None:
    period, _ = _read("2026-09-01 2026-10-31", bare_dates=True)
    assert (period.since, period.until) == (date(2026, 9, 1), date(2026, 10, 31))
    period, _ = _read("since 2026-09-01 2026-10-31", bare_dates=True)
    assert (period.since, period.until) == (date(2026, 9, 1), date(2026, 10, 31))
    with pytest.raises(GivenTwice, match="give one until date, not two"):
        _read("2026-09-01 2026-10-01 2026-10-31", bare_dates=True)


def test_a_second_start_is_refused_unless_the_command_lets_it_replace_the_first() -> None:
    with pytest.raises(GivenTwice, match="give one since date, not two"):
        _read("since 2026-09-01 from 2026-10-01")
    period, _ = _read("since 2026-09-01 from 2026-10-01", later_replaces=True)
    assert period.since == date(2026, 10, 1)


def test_a_since_with_nothing_after_it_says_so() -> None:
    with pytest.raises(DateMissing) as refused:
        _read("g3 until")
    assert refused.value.after == "until"
    assert explain(refused.value) == "`until` needs a date after it, e.g. `until 2027-01-04`."


def test_dates_the_wrong_way_round_are_refused_as_such_and_one_day_is_a_period() -> None:
    with pytest.raises(BadRange) as refused:
        _read("since 2026-11-20 until 2026-11-01")
    assert (refused.value.since, refused.value.until) == ("2026-11-20", "2026-11-01")
    period, _ = _read("since 2026-11-20 until 2026-11-20")
    assert period.since == period.until == date(2026, 11, 20)
    # Instants are compared once read in their zone (check_order), not here.
    period, _ = _read("since 2026-11-20T10:00+00:00 until 2026-11-20T09:00+00:00", instants=True)
    assert isinstance(period.since, datetime)


def test_a_day_runs_from_local_midnight_to_the_next_and_an_instant_is_as_given() -> None:
    # London is on summer time (UTC+1) on 1 September.
    assert start_at(date(2026, 9, 1), LONDON) == datetime(2026, 8, 31, 23, 0, tzinfo=UTC)
    assert end_at(date(2026, 9, 1), LONDON) == datetime(2026, 9, 1, 23, 0, tzinfo=UTC)
    instant = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)
    assert start_at(instant, LONDON) == end_at(instant, LONDON) == instant


def test_an_empty_period_is_refused_in_the_zones_wall_time() -> None:
    start = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    check_order(start, start + timedelta(microseconds=1), LONDON)
    with pytest.raises(EmptyPeriod) as refused:
        check_order(start, start, LONDON)
    assert (refused.value.start, refused.value.end) == ("20 Nov 2026 10:00", "20 Nov 2026 10:00")
    assert "give a start before the end" in str(refused.value)
