"""Local calendars: a workspace's (or a member's) today, midnight and the last weeks."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.weeks import (
    Week,
    local_date,
    local_date_before,
    local_midnight,
    week_of,
    weeks_ending,
)

# Wednesday 25 November 2026, 23:30 UTC: already Thursday in Auckland, still Wednesday in
# London and in Los Angeles.
LATE = datetime(2026, 11, 25, 23, 30, tzinfo=UTC)


def test_today_is_the_date_in_the_zone_asked_for() -> None:
    assert local_date(LATE, "Europe/London") == date(2026, 11, 25)
    assert local_date(LATE, "Pacific/Auckland") == date(2026, 11, 26)
    assert local_date(LATE, "America/Los_Angeles") == date(2026, 11, 25)


def test_midnight_is_local_and_follows_the_clocks() -> None:
    # London keeps GMT in winter and BST in summer: its midnight moves in UTC.
    assert local_midnight(date(2026, 11, 25), "Europe/London") == datetime(
        2026, 11, 25, 0, 0, tzinfo=UTC
    )
    assert local_midnight(date(2026, 7, 1), "Europe/London") == datetime(
        2026, 6, 30, 23, 0, tzinfo=UTC
    )
    assert local_midnight(date(2026, 11, 26), "Pacific/Auckland") == datetime(
        2026, 11, 25, 11, 0, tzinfo=UTC
    )


def test_the_last_weeks_end_with_the_week_given_oldest_first() -> None:
    this_week = week_of(LATE, "Europe/London")
    weeks = weeks_ending(this_week, 3)
    assert [w.key for w in weeks] == ["2026-W46", "2026-W47", "2026-W48"]
    assert weeks[-1] == this_week
    assert all(w.tz == "Europe/London" for w in weeks)
    assert weeks_ending(this_week, 1) == [this_week]
    assert weeks_ending(this_week, 0) == []


def test_the_last_weeks_run_across_the_new_year() -> None:
    first = Week(date(2027, 1, 4), "UTC")
    assert [w.key for w in weeks_ending(first, 2)] == ["2026-W53", "2027-W01"]


def test_the_last_day_of_a_period_is_the_local_day_before_its_end() -> None:
    week = week_of(LATE, "Pacific/Auckland")  # Monday 23 to Sunday 29 November there
    assert local_date_before(week.end, "Pacific/Auckland") == date(2026, 11, 29)
    assert local_date_before(week.start, "Pacific/Auckland") == date(2026, 11, 22)
    assert local_date(week.start, "Pacific/Auckland") == date(2026, 11, 23)
