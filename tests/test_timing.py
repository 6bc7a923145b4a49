"""When the weekly posts are due in each workspace's own time zone, and when a DM may go out."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from bot.timing import (
    QUIET_END,
    QUIET_START,
    Due,
    Missed,
    due,
    in_quiet_hours,
    latest_occurrence,
    occurrence_in_week,
    retry_at,
)
from bot.weeks import Week, as_utc, usable_zone, week_of

LONDON = "Europe/London"
AUCKLAND = "Pacific/Auckland"
NEW_YORK = "America/New_York"
KOLKATA = "Asia/Kolkata"
MONDAY, FRIDAY, SUNDAY = 0, 4, 6
GRACE = timedelta(hours=6)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# The scenarios below step from one weekly occurrence to the next, and from a quiet moment to
# the morning, with these two helpers over the rules in bot.timing (the jobs themselves ask
# only for the latest occurrence and whether it is quiet now: they wake every few minutes).


def next_occurrence(day: int, hhmm: str, tz: str, now: datetime) -> tuple[Week, datetime]:
    """The first scheduled instant strictly after ``now`` (this week's or next week's)."""
    week = week_of(now, tz)
    moment = occurrence_in_week(week, day, hhmm)
    if moment <= now:
        week = week.shifted(1)
        moment = occurrence_in_week(week, day, hhmm)
    return week, moment


def next_allowed(now: datetime, tz: str) -> datetime:
    """``now`` (as UTC) outside quiet hours, else the next 08:00 local time in ``tz``."""
    if not in_quiet_hours(now, tz):
        return as_utc(now)
    zone = ZoneInfo(tz)
    local = now.astimezone(zone)
    morning = local.date() + timedelta(days=1 if local.time() >= QUIET_START else 0)
    return datetime.combine(morning, QUIET_END, tzinfo=zone).astimezone(UTC)


# -- a weekly time is local wall time, right across daylight-saving changes -------------------


def test_the_london_prompt_moves_an_hour_earlier_in_utc_when_the_clocks_go_forward() -> None:
    # Clocks go forward on Sunday 29 March 2026: the week of Monday 23 March lasts 167 hours.
    winter = Week(date(2026, 3, 23), LONDON)
    summer = Week(date(2026, 3, 30), LONDON)
    assert winter.end - winter.start == timedelta(hours=167)
    assert occurrence_in_week(winter, MONDAY, "10:00") == utc(2026, 3, 23, 10, 0)
    assert occurrence_in_week(summer, MONDAY, "10:00") == utc(2026, 3, 30, 9, 0)
    # The Friday digest of the week before the change is still on GMT.
    assert occurrence_in_week(winter, FRIDAY, "15:00") == utc(2026, 3, 27, 15, 0)


def test_the_london_prompt_moves_an_hour_later_in_utc_when_the_clocks_go_back() -> None:
    # Clocks go back on Sunday 25 October 2026: the week of Monday 19 October lasts 169 hours.
    summer = Week(date(2026, 10, 19), LONDON)
    winter = Week(date(2026, 10, 26), LONDON)
    assert summer.end - summer.start == timedelta(hours=169)
    assert occurrence_in_week(summer, MONDAY, "10:00") == utc(2026, 10, 19, 9, 0)
    assert occurrence_in_week(winter, MONDAY, "10:00") == utc(2026, 10, 26, 10, 0)


def test_a_time_skipped_by_the_clocks_going_forward_is_posted_just_after_the_gap() -> None:
    # 01:30 does not exist in London on 29 March 2026; it becomes 02:30 BST (01:30 UTC).
    week = Week(date(2026, 3, 23), LONDON)
    moment = occurrence_in_week(week, SUNDAY, "01:30")
    assert moment == utc(2026, 3, 29, 1, 30)
    assert moment.astimezone(ZoneInfo(LONDON)).strftime("%H:%M %Z") == "02:30 BST"


def test_a_time_that_happens_twice_when_the_clocks_go_back_is_the_first() -> None:
    # 01:30 happens twice in London on 25 October 2026: 00:30 UTC (BST) and 01:30 UTC (GMT).
    week = Week(date(2026, 10, 19), LONDON)
    assert occurrence_in_week(week, SUNDAY, "01:30") == utc(2026, 10, 25, 0, 30)


def test_a_prompt_runs_every_week_across_the_spring_change_exactly_once_per_week() -> None:
    now = utc(2026, 3, 20, 12, 0)
    seen = []
    for _ in range(3):
        week, moment = next_occurrence(MONDAY, "10:00", LONDON, now)
        seen.append((week.key, moment))
        now = moment
    assert seen == [
        ("2026-W13", utc(2026, 3, 23, 10, 0)),
        ("2026-W14", utc(2026, 3, 30, 9, 0)),
        ("2026-W15", utc(2026, 4, 6, 9, 0)),
    ]


# -- east of UTC, the local Monday starts on Sunday in UTC ------------------------------------


def test_in_auckland_the_monday_prompt_goes_out_on_sunday_evening_utc() -> None:
    # Auckland is on daylight time (UTC+13) in November: Monday 30 Nov 10:00 = Sunday 21:00 UTC.
    sunday_evening_utc = utc(2026, 11, 29, 21, 30)
    week, moment = latest_occurrence(MONDAY, "10:00", AUCKLAND, sunday_evening_utc)
    assert moment == utc(2026, 11, 29, 21, 0)
    assert week == Week(date(2026, 11, 30), AUCKLAND)
    assert week.key == "2026-W49"
    assert week.start == utc(2026, 11, 29, 11, 0)


def test_in_auckland_an_hour_before_the_prompt_the_latest_is_last_weeks() -> None:
    week, moment = latest_occurrence(MONDAY, "10:00", AUCKLAND, utc(2026, 11, 29, 20, 0))
    assert (week.key, moment) == ("2026-W48", utc(2026, 11, 22, 21, 0))
    following, upcoming = next_occurrence(MONDAY, "10:00", AUCKLAND, utc(2026, 11, 29, 20, 0))
    assert (following.key, upcoming) == ("2026-W49", utc(2026, 11, 29, 21, 0))


def test_the_scheduled_instant_itself_is_the_latest_not_the_next() -> None:
    at = utc(2026, 11, 23, 10, 0)
    assert latest_occurrence(MONDAY, "10:00", LONDON, at)[1] == at
    assert next_occurrence(MONDAY, "10:00", LONDON, at)[1] == at + timedelta(weeks=1)


# -- due, missed, paused ------------------------------------------------------------------------


def test_a_prompt_is_due_at_its_time_and_for_its_week() -> None:
    result = due(MONDAY, "10:00", LONDON, utc(2026, 11, 23, 10, 0), grace=GRACE, paused_until=None)
    assert result == Due("2026-W48", utc(2026, 11, 23, 10, 0), timedelta(0))


def test_a_prompt_missed_while_the_bot_was_down_is_caught_up_inside_the_grace_window() -> None:
    result = due(MONDAY, "10:00", LONDON, utc(2026, 11, 23, 16, 0), grace=GRACE, paused_until=None)
    assert result == Due("2026-W48", utc(2026, 11, 23, 10, 0), timedelta(hours=6))


def test_a_prompt_older_than_the_grace_window_is_skipped_and_says_so() -> None:
    result = due(MONDAY, "10:00", LONDON, utc(2026, 11, 23, 19, 0), grace=GRACE, paused_until=None)
    assert isinstance(result, Missed)
    assert (result.period, result.late_by) == ("2026-W48", timedelta(hours=9))
    assert result.describe("prompt") == "missed the 2026-W48 prompt by 9h; skipped"


def test_a_digest_two_days_late_is_skipped() -> None:
    result = due(FRIDAY, "15:00", LONDON, utc(2026, 11, 29, 17, 30), grace=GRACE, paused_until=None)
    assert isinstance(result, Missed)
    assert result.describe("digest") == "missed the 2026-W48 digest by 2d 2h; skipped"


def test_nothing_is_due_while_the_workspace_is_paused() -> None:
    now = utc(2026, 11, 23, 10, 5)
    assert due(MONDAY, "10:00", LONDON, now, grace=GRACE, paused_until=date(2026, 11, 24)) is None


def test_the_rhythm_resumes_on_the_date_the_pause_ends() -> None:
    now = utc(2026, 11, 23, 10, 5)
    result = due(MONDAY, "10:00", LONDON, now, grace=GRACE, paused_until=date(2026, 11, 23))
    assert isinstance(result, Due) and result.period == "2026-W48"


def test_the_pause_is_judged_on_the_local_date_of_the_scheduled_post() -> None:
    # Auckland's Monday 30 Nov prompt is on Sunday 29 Nov in UTC; a pause until 30 Nov lets it go.
    now = utc(2026, 11, 29, 21, 1)
    result = due(MONDAY, "10:00", AUCKLAND, now, grace=GRACE, paused_until=date(2026, 11, 30))
    assert isinstance(result, Due)
    paused = due(MONDAY, "10:00", AUCKLAND, now, grace=GRACE, paused_until=date(2026, 12, 1))
    assert paused is None


# -- quiet hours, in each member's own time zone ------------------------------------------------


def test_the_same_instant_is_evening_in_kolkata_and_morning_in_new_york() -> None:
    now = utc(2026, 11, 25, 15, 0)  # 10:00 in New York, 20:30 in Kolkata
    assert not in_quiet_hours(now, NEW_YORK)
    assert next_allowed(now, NEW_YORK) == now
    assert in_quiet_hours(now, KOLKATA)
    assert next_allowed(now, KOLKATA) == utc(2026, 11, 26, 2, 30)  # 08:00 in Kolkata


def test_the_same_instant_is_night_in_new_york_and_morning_in_kolkata() -> None:
    now = utc(2026, 11, 25, 3, 0)  # 22:00 on the 24th in New York, 08:30 in Kolkata
    assert in_quiet_hours(now, NEW_YORK)
    assert next_allowed(now, NEW_YORK) == utc(2026, 11, 25, 13, 0)  # 08:00 in New York
    assert not in_quiet_hours(now, KOLKATA)


@pytest.mark.parametrize(
    ("local_hour", "local_minute", "quiet"),
    [(7, 59, True), (8, 0, False), (19, 59, False), (20, 0, True), (0, 0, True)],
)
def test_quiet_hours_run_from_20_00_to_08_00(
    local_hour: int, local_minute: int, quiet: bool
) -> None:
    # London is on GMT in November, so local time equals UTC.
    assert in_quiet_hours(utc(2026, 11, 25, local_hour, local_minute), LONDON) is quiet


def test_an_early_morning_nudge_waits_for_8_the_same_day() -> None:
    assert next_allowed(utc(2026, 11, 25, 5, 0), LONDON) == utc(2026, 11, 25, 8, 0)


def test_a_member_without_a_usable_time_zone_gets_the_workspaces() -> None:
    assert usable_zone(KOLKATA, LONDON) == KOLKATA
    assert usable_zone(None, LONDON) == LONDON
    assert usable_zone("", LONDON) == LONDON
    assert usable_zone("Mars/Olympus_Mons", LONDON) == LONDON


# -- a failed post is tried again inside the catch-up window ----------------------------------


def test_retries_of_a_failed_post_thin_out_as_it_gets_later() -> None:
    scheduled = utc(2026, 11, 23, 10, 0)
    tries, now = [], scheduled
    while (now := retry_at(scheduled, now, GRACE)) is not None:
        tries.append(now - scheduled)
    minutes = [int(t.total_seconds() // 60) for t in tries]
    assert minutes[:6] == [5, 10, 20, 40, 70, 100]
    assert all(b - a <= 30 for a, b in pairwise(minutes))
    assert minutes[-1] == 6 * 60 - 1  # the last try is a minute inside the window


def test_a_retry_waits_at_least_as_long_as_asked() -> None:
    scheduled = utc(2026, 11, 23, 10, 0)
    assert retry_at(scheduled, scheduled, GRACE, wait=timedelta(minutes=11)) == utc(
        2026, 11, 23, 10, 11
    )


def test_no_retry_once_the_window_has_closed() -> None:
    scheduled = utc(2026, 11, 23, 10, 0)
    assert retry_at(scheduled, scheduled + GRACE - timedelta(minutes=1), GRACE) is None
    assert retry_at(scheduled, scheduled + GRACE + timedelta(hours=1), GRACE) is None
