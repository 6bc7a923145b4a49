"""The weekly summary behind the digest, and the figures per goal over time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.learning_log import LearningLog
from bot.models import PostedDigest
from bot.summary import (
    DEFAULT_WINDOW,
    LONGEST_WINDOW,
    digest_summary,
    digest_window_start,
    weekly_figures,
    weekly_summary,
)
from bot.weeks import week_of
from bot.workspaces import ensure_workspace

T1, T2 = "T0001", "T0002"


def _fixture_week(learning_log: LearningLog, clock) -> None:
    """A week of a small network: Monday 23 to Sunday 29 November 2026 (UTC)."""
    # Two weeks before: two entries; the week before: one.
    clock.set(datetime(2026, 11, 10, 9, 0, tzinfo=UTC))
    learning_log.add_entry(T1, "UANN", "old story one", goal="g1")
    learning_log.add_entry(T1, "UBEN", "old story two", goal="g1")
    clock.set(datetime(2026, 11, 18, 9, 0, tzinfo=UTC))
    old_action = learning_log.add_entry(
        T1, "UANN", "Start a kindness huddle", kind="action", goal="g2"
    ).entry
    # This week.
    clock.set(datetime(2026, 11, 23, 0, 0, tzinfo=UTC))  # the first instant of the week
    learning_log.add_entry(
        T1, "UANN", "A long story about how the team rebuilt trust " * 5, goal="g2"
    )
    clock.set(datetime(2026, 11, 24, 10, 0, tzinfo=UTC))
    learning_log.add_entry(T1, "UBEN", "Short story", goal="g2")
    learning_log.add_entry(T1, "UCAT", "Reflecting on a hard week", kind="reflection", goal="g2")
    learning_log.add_entry(T1, "UCAT", "Phone three families", kind="action", goal="g3")
    learning_log.add_entry(T1, "UDEV", "Said anonymously", goal="g3", visibility="anonymous")
    learning_log.add_entry(T1, "UEVE", "My private journal", goal="g4", visibility="private")
    learning_log.add_entry(T1, "UFAY", "Goal still to choose")
    learning_log.add_entry(T2, "UZED", "Another workspace entirely", goal="g5")
    clock.set(datetime(2026, 11, 26, 16, 0, tzinfo=UTC))
    learning_log.complete_action(T1, "UANN", old_action.id, "The huddle stuck")
    # Next week: must not count.
    clock.set(datetime(2026, 11, 30, 0, 0, tzinfo=UTC))
    learning_log.add_entry(T1, "UANN", "Next week already", goal="g6")
    clock.set(datetime(2026, 11, 27, 15, 0, tzinfo=UTC))


def test_the_weekly_summary_of_a_fixture_week(learning_log: LearningLog, framework, clock) -> None:
    _fixture_week(learning_log, clock)
    week = week_of(clock.now, "UTC")  # the workspace was created with the UTC default
    summary = weekly_summary(learning_log.db, framework, T1, week)

    assert week.key == "2026-W48"
    # Shared entries only: 7 this week (5 stories/reflections/actions + the reflection on
    # completion + the one without a goal), never the private one.
    assert summary.counts_by_kind == {"story": 4, "action": 1, "reflection": 2, "outcome": 0}
    assert summary.total == 7
    assert summary.participants == 5  # Ann, Ben, Cat, Dev, Fay — not Eve (private only)
    assert summary.actions_committed == 1
    assert [a.text for a in summary.actions_completed] == ["Start a kindness huddle"]

    by_goal = {g.goal_key: g for g in summary.goals}
    assert [g.goal_key for g in summary.goals] == [
        "purpose",
        "leadership",
        "relationships",
        "systems",
        "sustain",
        "evidence",
        None,
    ]
    assert by_goal["leadership"].counts == {"story": 2, "action": 0, "reflection": 2, "outcome": 0}
    assert by_goal["relationships"].total == 2
    assert by_goal[None].total == 1
    # The private entry is nowhere, not even as a number.
    assert by_goal["systems"].total == 0
    assert all("private" not in h.text for g in summary.goals for h in g.highlights)
    assert summary.quiet_goals == ["purpose", "systems", "sustain", "evidence"]


def test_highlights_put_fuller_stories_first_and_hide_anonymous_authors(
    learning_log: LearningLog, framework, clock
) -> None:
    _fixture_week(learning_log, clock)
    summary = weekly_summary(learning_log.db, framework, T1, week_of(clock.now, "UTC"))
    by_goal = {g.goal_key: g for g in summary.goals}
    leadership = [h.text[:12] for h in by_goal["leadership"].highlights]
    assert leadership == ["A long story", "Short story", "The huddle s", "Reflecting o"]
    anonymous = next(h for h in by_goal["relationships"].highlights if h.visibility == "anonymous")
    assert anonymous.author_id is None
    assert all(not h.is_mine for g in summary.goals for h in g.highlights)


def test_highlights_are_capped_per_goal(learning_log: LearningLog, framework, clock) -> None:
    for n in range(9):
        learning_log.add_entry(T1, f"U{n:03d}", f"story {n}", goal="g1")
    summary = weekly_summary(
        learning_log.db, framework, T1, week_of(clock.now, "UTC"), highlights_per_goal=3
    )
    purpose = summary.goals[0]
    assert purpose.total == 9 and len(purpose.highlights) == 3


def test_the_trend_covers_eight_weeks_oldest_first(
    learning_log: LearningLog, framework, clock
) -> None:
    _fixture_week(learning_log, clock)
    summary = weekly_summary(learning_log.db, framework, T1, week_of(clock.now, "UTC"))
    assert len(summary.trend) == 8
    assert [w.week.key for w in summary.trend[-3:]] == ["2026-W46", "2026-W47", "2026-W48"]
    assert [w.total for w in summary.trend] == [0, 0, 0, 0, 0, 2, 1, 7]
    assert summary.trend[-1].actions_completed == 1
    assert summary.previous_weeks_average == 3 / 7


def test_figures_per_goal_over_weeks(learning_log: LearningLog, clock) -> None:
    _fixture_week(learning_log, clock)
    week = week_of(clock.now, "UTC")
    figures = weekly_figures(learning_log.db, T1, [week.shifted(-1), week])
    assert figures[0].by_goal == {"leadership": 1}
    assert figures[1].by_goal == {"leadership": 4, "relationships": 2, None: 1}
    assert [f.participants for f in figures] == [1, 5]


def test_a_week_is_local_and_spans_a_daylight_saving_change(
    learning_log: LearningLog, framework, clock
) -> None:
    # London leaves summer time on Sunday 25 October 2026: that week lasts 169 hours.
    tz = "Europe/London"
    clock.set(datetime(2026, 10, 18, 23, 30, tzinfo=UTC))  # Monday 00:30 BST: this week
    learning_log.add_entry(T1, "UANN", "just after midnight on Monday")
    clock.set(datetime(2026, 10, 18, 22, 30, tzinfo=UTC))  # Sunday 23:30 BST: last week
    learning_log.add_entry(T1, "UANN", "late on Sunday")
    clock.set(datetime(2026, 10, 25, 23, 30, tzinfo=UTC))  # Sunday 23:30 GMT: still this week
    learning_log.add_entry(T1, "UANN", "the extra hour")
    week = week_of(datetime(2026, 10, 21, 12, 0, tzinfo=UTC), tz)
    assert (week.end - week.start).total_seconds() == 169 * 3600
    summary = weekly_summary(learning_log.db, framework, T1, week)
    assert summary.total == 2
    assert {h.text for g in summary.goals for h in g.highlights} == {
        "just after midnight on Monday",
        "the extra hour",
    }


# -- the digest's window -------------------------------------------------------------------------


def _posted_digest(learning_log: LearningLog, at: datetime) -> None:
    with learning_log.db.session() as session:
        ensure_workspace(session, T1, now=at)
        session.add(
            PostedDigest(
                team_id=T1,
                period=at.isoformat()[:16],  # one a test asks for, whatever its week
                channel_id="C1",
                message_ts=f"{at.timestamp():.6f}",
                posted_at=at,
            )
        )


def test_a_digest_covers_the_time_since_the_previous_digest(
    learning_log: LearningLog, framework, clock
) -> None:
    clock.set(datetime(2026, 11, 19, 9, 0, tzinfo=UTC))
    learning_log.add_entry(T1, "UANN", "before last week's digest")
    _posted_digest(learning_log, datetime(2026, 11, 20, 15, 0, tzinfo=UTC))
    clock.set(datetime(2026, 11, 21, 9, 0, tzinfo=UTC))
    learning_log.add_entry(T1, "UANN", "after last week's digest, on Saturday")
    now = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
    week = week_of(now, "UTC")

    summary = digest_summary(learning_log.db, framework, T1, week, now)

    assert (summary.start, summary.end) == (datetime(2026, 11, 20, 15, 0, tzinfo=UTC), now)
    assert [h.text for g in summary.goals for h in g.highlights] == [
        "after last week's digest, on Saturday"
    ]
    assert summary.week == week  # the trend stays by calendar week


def test_without_a_recent_digest_the_window_is_the_last_seven_days(
    learning_log: LearningLog, clock
) -> None:
    now = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
    assert digest_window_start(learning_log.db, T1, now) == now - DEFAULT_WINDOW
    _posted_digest(learning_log, now - LONGEST_WINDOW - timedelta(minutes=1))
    assert digest_window_start(learning_log.db, T1, now) == now - DEFAULT_WINDOW
    _posted_digest(learning_log, now - LONGEST_WINDOW)
    assert digest_window_start(learning_log.db, T1, now) == now - LONGEST_WINDOW
    _posted_digest(learning_log, now)  # a digest at the very moment is not "the previous" one
    assert digest_window_start(learning_log.db, T1, now) == now - LONGEST_WINDOW
    assert digest_window_start(learning_log.db, T2, now) == now - DEFAULT_WINDOW
