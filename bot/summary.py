"""The weekly summary the digest renders, the window a digest covers (``digest_summary``: since
the previous digest), and the figures per goal over time (the measurement).

Only *shared* entries (network and anonymous) are counted or shown: a private entry is a
member's own journal, so it does not appear even as a number. Anonymous entries appear
without their author. The cost grows with the entries of the weeks asked for, never with the
size of the whole log: every query is a range over the ``(team_id, created_at)`` or
``(team_id, completed_at)`` index.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, case, distinct, func, select
from sqlalchemy.orm import InstrumentedAttribute

from bot.db import Database
from bot.goals import Framework
from bot.learning_log import EntryView
from bot.models import KINDS, Entry, PostedDigest
from bot.visibility import shared_completed, shared_created
from bot.weeks import Week, weeks_ending

TREND_WEEKS = 8
# A digest covers the time since the previous one; with no earlier digest, or one longer ago
# than LONGEST_WINDOW (the rhythm was paused, the bot was down), it covers DEFAULT_WINDOW.
DEFAULT_WINDOW = timedelta(days=7)
LONGEST_WINDOW = timedelta(days=14)
# Which entries make the best highlights: a story or reflection says more than a bare action.
_KIND_WEIGHT = {"story": 3, "outcome": 3, "reflection": 2, "action": 1}


@dataclass(frozen=True)
class GoalWeek:
    """One goal's week: counts by kind, and its best entries first."""

    goal_key: str | None
    counts: dict[str, int]
    highlights: list[EntryView]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class WeekFigures:
    """One week's figures, for the trend and ``/kindness stats``."""

    week: Week
    total: int
    participants: int
    actions_completed: int
    by_goal: dict[str | None, int] = field(default_factory=dict)


@dataclass(frozen=True)
class WeeklySummary:
    team_id: str
    week: Week  # the calendar week the summary belongs to (its key names the period)
    start: datetime  # the entries counted were created in [start, end)
    end: datetime
    goals: list[GoalWeek]  # every goal of the framework in order, then "no goal yet" if any
    counts_by_kind: dict[str, int]
    participants: int
    actions_committed: int
    actions_completed: list[EntryView]  # actions marked done this week (shared ones)
    quiet_goals: list[str]
    trend: list[WeekFigures]  # the last TREND_WEEKS weeks, oldest first, this week last

    @property
    def total(self) -> int:
        return sum(self.counts_by_kind.values())

    @property
    def previous_weeks_average(self) -> float:
        earlier = self.trend[:-1]
        return sum(w.total for w in earlier) / len(earlier) if earlier else 0.0


def weekly_summary(
    db: Database,
    framework: Framework,
    team_id: str,
    week: Week,
    *,
    highlights_per_goal: int = 5,
    trend_weeks: int = TREND_WEEKS,
    start: datetime | None = None,
    end: datetime | None = None,
) -> WeeklySummary:
    """The summary of ``week``, or of the window [start, end) within it when given.

    The digest passes a window (since the previous digest) so that every entry appears in
    exactly one digest whatever day and time it is posted; the trend is always by calendar week.
    """
    start = start or week.start
    end = end or week.end
    with db.reading() as session:
        entries = session.scalars(
            select(Entry)
            .where(*shared_created(team_id, start, end))
            .order_by(Entry.created_at, Entry.id)
        ).all()
        completed = session.scalars(
            select(Entry)
            .where(*shared_completed(team_id, start, end))
            .order_by(Entry.completed_at, Entry.id)
        ).all()
        views = [EntryView.of(e, None) for e in entries]
        completed_views = [EntryView.of(e, None) for e in completed]
        participants = len({e.user_id for e in entries} | {e.user_id for e in completed})

    by_goal: dict[str | None, list[EntryView]] = defaultdict(list)
    for view in views:
        by_goal[view.goal_key].append(view)
    goal_keys: list[str | None] = [g.key for g in framework.goals]
    goal_keys += sorted(k for k in by_goal if k is not None and k not in goal_keys)
    if None in by_goal:
        goal_keys.append(None)
    goals = [
        GoalWeek(
            goal_key=key,
            counts=_count_kinds(by_goal.get(key, [])),
            highlights=_best(by_goal.get(key, []))[:highlights_per_goal],
        )
        for key in goal_keys
    ]
    trend = weekly_figures(db, team_id, weeks_ending(week, trend_weeks))
    return WeeklySummary(
        team_id=team_id,
        week=week,
        start=start,
        end=end,
        goals=goals,
        counts_by_kind=_count_kinds(views),
        participants=participants,
        actions_committed=sum(1 for v in views if v.kind == "action"),
        actions_completed=completed_views,
        quiet_goals=[g.key for g in framework.goals if not by_goal.get(g.key)],
        trend=trend,
    )


def digest_summary(
    db: Database, framework: Framework, team_id: str, week: Week, now: datetime
) -> WeeklySummary:
    """What the digest posted at ``now`` shows: everything shared since the previous digest.

    The window runs from the previous digest's post up to ``now``, so every shared entry
    appears in exactly one digest whatever day and time the coordinator chose, and a change of
    day neither loses nor repeats entries. ``week`` is the digest's own calendar week (its
    trend and period key): a digest caught up late, after midnight on Sunday, still shows its
    own week's trend, not the next one's.
    """
    return weekly_summary(
        db, framework, team_id, week, start=digest_window_start(db, team_id, now), end=now
    )


def digest_window_start(db: Database, team_id: str, now: datetime) -> datetime:
    """When the digest posted at ``now`` starts: the previous digest's post, if there was one
    within ``LONGEST_WINDOW``, else ``DEFAULT_WINDOW`` before ``now``."""
    with db.reading() as session:
        previous = session.scalar(
            select(PostedDigest.posted_at)
            .where(PostedDigest.team_id == team_id, PostedDigest.posted_at < now)
            .order_by(PostedDigest.posted_at.desc())
            .limit(1)
        )
    if previous is not None and now - previous <= LONGEST_WINDOW:
        return previous
    return now - DEFAULT_WINDOW


def weekly_figures(
    db: Database, team_id: str, weeks: list[Week], *, until: datetime | None = None
) -> list[WeekFigures]:
    """Figures for each of ``weeks`` (consecutive, oldest first), counted by the database;
    with ``until``, only what happened before that moment.

    Three grouped range queries over the ``(team_id, created_at)`` and ``(team_id,
    completed_at)`` indexes; only the counts travel, however many entries the weeks hold.
    """
    if not weeks:
        return []
    start, end = weeks[0].start, weeks[-1].end
    if until is not None:
        end = min(end, until)

    def week_number(column: InstrumentedAttribute) -> ColumnElement[int]:
        return case(*[(column < week.end, n) for n, week in enumerate(weeks)], else_=len(weeks))

    created = week_number(Entry.created_at).label("week")
    shared_in_range = shared_created(team_id, start, end)
    with db.reading() as session:
        per_goal = session.execute(
            select(created, Entry.goal_key, func.count())
            .where(*shared_in_range)
            .group_by(created, Entry.goal_key)
        ).all()
        members = dict(
            session.execute(
                select(created, func.count(distinct(Entry.user_id)))
                .where(*shared_in_range)
                .group_by(created)
            ).all()
        )
        done = week_number(Entry.completed_at).label("week")
        completed = dict(
            session.execute(
                select(done, func.count())
                .where(*shared_completed(team_id, start, end))
                .group_by(done)
            ).all()
        )
    by_goal: list[dict[str | None, int]] = [{} for _ in weeks]
    for number, goal_key, count in per_goal:
        by_goal[number][goal_key] = count
    return [
        WeekFigures(
            week=week,
            total=sum(by_goal[n].values()),
            participants=members.get(n, 0),
            actions_completed=completed.get(n, 0),
            by_goal=by_goal[n],
        )
        for n, week in enumerate(weeks)
    ]


def _count_kinds(views: list[EntryView]) -> dict[str, int]:
    counts = Counter(v.kind for v in views)
    return {kind: counts.get(kind, 0) for kind in KINDS}


def _best(views: list[EntryView]) -> list[EntryView]:
    """Highlights first: stories and reflections before actions, fuller texts first, then newest."""
    return sorted(
        views,
        # A story or outcome that says why it matters first: the network's evidence.
        key=lambda v: (
            -_KIND_WEIGHT[v.kind],
            -bool(v.why_it_matters),
            -min(len(v.text), 400) // 100,
            -v.id,
        ),
    )
