"""The impact report's figures: a period of the shared log, counted by the database.

What is counted, and the privacy rules every figure obeys:

- only *shared* entries (network and anonymous); a private entry is never counted or shown;
- *members taking part*: members who shared an entry or completed a shared action in the
  period; *new voices*: members whose first shared entry falls in the period;
- *actions committed*: shared actions created in the period; *completed*: shared actions
  marked done in the period, and the median days from committing to completing them;
- each figure is compared with the previous period of the same length;
- with ``min_group`` (a workspace setting, 0 = off) a per-goal figure drawn from fewer members
  than that is hidden (``Figure.hidden``), and so is each goal's cell of the week-by-week
  series; the network-wide figures stay (they describe the whole network, not a few people).

Cost: every query is a range over the ``(team_id, created_at)`` or ``(team_id, completed_at)``
index, plus one index probe per member for "new voices", so the cost grows with the entries
of the period and the one before it, not with the size of the whole log (``bench/report.py``).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, case, distinct, exists, func, literal, select, union_all
from sqlalchemy.orm import Session, aliased

from bot.db import Database
from bot.goals import Framework
from bot.learning_log import SHARED
from bot.models import KINDS, Entry
from bot.weeks import week_of

DEFAULT_WEEKS = 12
# Longer periods are drawn month by month: 150 weekly bars are no longer readable.
MONTHLY_AFTER = timedelta(weeks=53)
HIGHLIGHTS_PER_GOAL = 3
PAIRS_PER_GOAL = 3


class PeriodError(ValueError):
    """A period that cannot be reported on; ``str()`` says what to change."""


@dataclass(frozen=True)
class Bucket:
    """One bar of a chart: [start, end), labelled by its local first day."""

    start: datetime
    end: datetime
    first_day: date


@dataclass(frozen=True)
class ReportPeriod:
    start: datetime
    end: datetime
    tz: str
    unit: str  # "week" or "month"
    buckets: tuple[Bucket, ...]

    @property
    def previous(self) -> tuple[datetime, datetime]:
        """The period of the same length just before."""
        return self.start - (self.end - self.start), self.start

    @property
    def first_day(self) -> date:
        return self.start.astimezone(ZoneInfo(self.tz)).date()

    @property
    def last_day(self) -> date:
        return (self.end - timedelta(microseconds=1)).astimezone(ZoneInfo(self.tz)).date()


def report_period(
    tz: str,
    now: datetime,
    *,
    since: date | datetime | None = None,
    until: date | datetime | None = None,
) -> ReportPeriod:
    """The period a report covers. Dates are the workspace's local days, ``until`` included;
    instants are taken as given (``until`` excluded). The default is the last ``DEFAULT_WEEKS``
    weeks, this one included, up to ``now``; ``since`` alone runs to ``now``, ``until`` alone
    starts ``DEFAULT_WEEKS`` weeks before it."""
    zone = ZoneInfo(tz)
    end = _instant(until, zone, next_day=True) if until is not None else now
    if since is not None:
        start = _instant(since, zone)
    else:
        start = week_of(end - timedelta(microseconds=1), tz).shifted(-(DEFAULT_WEEKS - 1)).start
    if start >= end:
        raise PeriodError(
            f"the period is empty: it starts {start.astimezone(zone):%d %b %Y %H:%M} and "
            f"ends {end.astimezone(zone):%d %b %Y %H:%M}; give a start before the end"
        )
    unit = "month" if end - start > MONTHLY_AFTER else "week"
    return ReportPeriod(start, end, tz, unit, tuple(_buckets(start, end, tz, unit)))


def _instant(value: date | datetime, zone: ZoneInfo, *, next_day: bool = False) -> datetime:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise PeriodError(f"{value.isoformat()} has no UTC offset; add one, e.g. +00:00")
        return value
    day = value + timedelta(days=1) if next_day else value
    return datetime.combine(day, time(0, 0), tzinfo=zone)


def _buckets(start: datetime, end: datetime, tz: str, unit: str) -> list[Bucket]:
    zone = ZoneInfo(tz)
    buckets = []
    cursor = start
    while cursor < end:
        local = cursor.astimezone(zone).date()
        if unit == "week":
            boundary = week_of(cursor, tz).shifted(1).start
        else:
            following = date(local.year + local.month // 12, local.month % 12 + 1, 1)
            boundary = datetime.combine(following, time(0, 0), tzinfo=zone)
        stop = min(boundary, end)
        buckets.append(Bucket(cursor, stop, local))
        cursor = stop
    return buckets


# -- the figures ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """A number for the period and the one before, and whether it must not be shown."""

    value: float | None
    previous: float | None
    hidden: bool = False

    @property
    def change(self) -> float | None:
        """Relative change against the previous period (None when there is nothing to compare)."""
        if self.value is None or not self.previous:
            return None
        return (self.value - self.previous) / self.previous


@dataclass(frozen=True)
class Headline:
    entries: Figure
    members: Figure
    new_voices: Figure
    actions_committed: Figure
    actions_completed: Figure
    median_days_to_complete: Figure


@dataclass(frozen=True)
class Highlight:
    """An entry worth reading, as stored (Slack's format); no author when anonymous."""

    id: int
    kind: str
    text: str
    author_id: str | None
    created_at: datetime
    permalink: str | None


@dataclass(frozen=True)
class Lesson:
    """What we did → what we learnt: a completed action and the reflection that closed it."""

    action: Highlight
    reflection: Highlight
    completed_at: datetime


@dataclass
class GoalFigures:
    key: str | None  # None: entries with no goal yet
    entries: Figure
    by_kind: dict[str, int]
    members: Figure
    actions_committed: Figure
    actions_completed: Figure
    weekly: list[int | None]  # entries per bucket; None where hidden by min_group
    highlights: list[Highlight] = field(default_factory=list)
    lessons: list[Lesson] = field(default_factory=list)
    more_lessons: int = 0

    @property
    def quiet(self) -> bool:
        return not self.entries.value


@dataclass(frozen=True)
class ImpactReport:
    team_id: str
    framework_name: str
    period: ReportPeriod
    generated_at: datetime
    min_group: int
    headline: Headline
    goals: list[GoalFigures]  # every goal of the framework, then others with entries
    members_per_bucket: list[int]
    hidden_per_bucket: list[int]  # entries whose goal cell is hidden by min_group
    totals_per_bucket: list[int]

    @property
    def quiet_goals(self) -> list[GoalFigures]:
        return [g for g in self.goals if g.key is not None and g.quiet]


# -- building it ------------------------------------------------------------------------------


@dataclass
class _Period:
    """What one period's queries found."""

    per_goal: dict[str | None, dict[str, int]] = field(default_factory=dict)
    members_per_goal: dict[str | None, int] = field(default_factory=dict)
    action_members_per_goal: dict[str | None, int] = field(default_factory=dict)
    completed_per_goal: dict[str | None, int] = field(default_factory=dict)
    completers_per_goal: dict[str | None, set[str]] = field(default_factory=dict)
    days_to_complete: list[float] = field(default_factory=list)
    members: int = 0
    new_voices: int = 0

    @property
    def entries(self) -> int:
        return sum(sum(kinds.values()) for kinds in self.per_goal.values())

    @property
    def committed(self) -> int:
        return sum(kinds.get("action", 0) for kinds in self.per_goal.values())

    @property
    def completed(self) -> int:
        return sum(self.completed_per_goal.values())

    @property
    def median_days(self) -> float | None:
        return statistics.median(self.days_to_complete) if self.days_to_complete else None


def build_report(
    db: Database,
    framework: Framework,
    team_id: str,
    period: ReportPeriod,
    *,
    now: datetime,
    min_group: int = 0,
) -> ImpactReport:
    previous_start, previous_end = period.previous
    with db.reading() as session:
        current = _period_figures(session, team_id, period.start, period.end)
        before = _period_figures(session, team_id, previous_start, previous_end)
        cells = _cells(session, team_id, period)
        members_per_bucket = _members_per_bucket(session, team_id, period)
        highlights = _highlights(session, team_id, period.start, period.end)
        lessons, lesson_counts = _lessons(session, team_id, period.start, period.end)

    def hide(members: int) -> bool:
        return min_group > 0 and members < min_group

    keys: list[str | None] = [g.key for g in framework.goals]
    keys += sorted(k for k in current.per_goal if k is not None and k not in keys)
    if None in current.per_goal:
        keys.append(None)
    goals = []
    hidden_per_bucket = [0] * len(period.buckets)
    for key in keys:
        kinds = current.per_goal.get(key, {})
        old = before.per_goal.get(key, {})
        members = current.members_per_goal.get(key, 0)
        action_members = current.action_members_per_goal.get(key, 0)
        completers = len(current.completers_per_goal.get(key, set()))
        weekly: list[int | None] = []
        for index, _bucket in enumerate(period.buckets):
            count, cell_members = cells.get((index, key), (0, 0))
            if count and hide(cell_members):
                weekly.append(None)
                hidden_per_bucket[index] += count
            else:
                weekly.append(count)
        goals.append(
            GoalFigures(
                key=key,
                entries=Figure(sum(kinds.values()), sum(old.values()), hide(members)),
                by_kind={kind: kinds.get(kind, 0) for kind in KINDS},
                members=Figure(members, before.members_per_goal.get(key, 0), hide(members)),
                actions_committed=Figure(
                    kinds.get("action", 0), old.get("action", 0), hide(action_members)
                ),
                actions_completed=Figure(
                    current.completed_per_goal.get(key, 0),
                    before.completed_per_goal.get(key, 0),
                    hide(completers),
                ),
                weekly=weekly,
                highlights=highlights.get(key, []),
                lessons=lessons.get(key, []),
                more_lessons=lesson_counts.get(key, 0) - len(lessons.get(key, [])),
            )
        )
    headline = Headline(
        entries=Figure(current.entries, before.entries),
        members=Figure(current.members, before.members),
        new_voices=Figure(current.new_voices, before.new_voices),
        actions_committed=Figure(current.committed, before.committed),
        actions_completed=Figure(current.completed, before.completed),
        median_days_to_complete=Figure(current.median_days, before.median_days),
    )
    totals = [0] * len(period.buckets)
    for (index, _key), (count, _members) in cells.items():
        totals[index] += count
    return ImpactReport(
        team_id=team_id,
        framework_name=framework.name,
        period=period,
        generated_at=now,
        min_group=min_group,
        headline=headline,
        goals=goals,
        members_per_bucket=members_per_bucket,
        hidden_per_bucket=hidden_per_bucket,
        totals_per_bucket=totals,
    )


def _shared_created(team_id: str, start: datetime, end: datetime) -> tuple[ColumnElement, ...]:
    return (
        Entry.team_id == team_id,
        Entry.visibility.in_(SHARED),
        Entry.created_at >= start,
        Entry.created_at < end,
    )


def _shared_completed(team_id: str, start: datetime, end: datetime) -> tuple[ColumnElement, ...]:
    return (
        Entry.team_id == team_id,
        Entry.visibility.in_(SHARED),
        Entry.kind == "action",
        Entry.action_status == "done",
        Entry.completed_at >= start,
        Entry.completed_at < end,
    )


def _period_figures(session: Session, team_id: str, start: datetime, end: datetime) -> _Period:
    found = _Period()
    in_period = _shared_created(team_id, start, end)
    action_author = case((Entry.kind == "action", Entry.user_id))
    rows = session.execute(
        select(
            Entry.goal_key,
            Entry.kind,
            func.count(),
        )
        .where(*in_period)
        .group_by(Entry.goal_key, Entry.kind)
    ).all()
    for goal_key, kind, count in rows:
        found.per_goal.setdefault(goal_key, {})[kind] = count
    for goal_key, members, action_members in session.execute(
        select(
            Entry.goal_key, func.count(distinct(Entry.user_id)), func.count(distinct(action_author))
        )
        .where(*in_period)
        .group_by(Entry.goal_key)
    ):
        found.members_per_goal[goal_key] = members
        found.action_members_per_goal[goal_key] = action_members
    completers: dict[str | None, set[str]] = defaultdict(set)
    for goal_key, user_id, created_at, completed_at in session.execute(
        select(Entry.goal_key, Entry.user_id, Entry.created_at, Entry.completed_at).where(
            *_shared_completed(team_id, start, end)
        )
    ):
        found.completed_per_goal[goal_key] = found.completed_per_goal.get(goal_key, 0) + 1
        completers[goal_key].add(user_id)
        found.days_to_complete.append((completed_at - created_at).total_seconds() / 86400)
    found.completers_per_goal = dict(completers)
    taking_part = union_all(
        select(Entry.user_id).where(*in_period),
        select(Entry.user_id).where(*_shared_completed(team_id, start, end)),
    ).subquery()
    found.members = session.scalar(select(func.count(distinct(taking_part.c.user_id)))) or 0
    found.new_voices = _new_voices(session, team_id, start, end)
    return found


def _new_voices(session: Session, team_id: str, start: datetime, end: datetime) -> int:
    """Members whose first shared entry falls in [start, end): one index probe per member."""
    authors = (
        select(Entry.user_id).where(*_shared_created(team_id, start, end)).distinct().subquery()
    )
    earlier = aliased(Entry)
    spoke_before = exists(
        select(literal(1)).where(
            earlier.team_id == team_id,
            earlier.user_id == authors.c.user_id,
            earlier.created_at < start,
            earlier.visibility.in_(SHARED),
        )
    )
    return session.scalar(select(func.count()).select_from(authors).where(~spoke_before)) or 0


def bucket_number(column: ColumnElement[datetime], buckets: Sequence[Bucket]) -> ColumnElement:
    """The index of the bucket a moment falls in, as a balanced tree of comparisons: a year of
    weeks costs six comparisons a row rather than fifty-two."""

    def tree(low: int, high: int) -> ColumnElement:
        if low == high:
            return literal(low)
        middle = (low + high) // 2
        return case((column < buckets[middle].end, tree(low, middle)), else_=tree(middle + 1, high))

    return tree(0, len(buckets) - 1)


def _cells(
    session: Session, team_id: str, period: ReportPeriod
) -> dict[tuple[int, str | None], tuple[int, int]]:
    """(bucket, goal) → (entries, members)."""
    number = bucket_number(Entry.created_at, period.buckets).label("bucket")
    rows = session.execute(
        select(number, Entry.goal_key, func.count(), func.count(distinct(Entry.user_id)))
        .where(*_shared_created(team_id, period.start, period.end))
        .group_by(number, Entry.goal_key)
    )
    return {(int(index), goal_key): (count, members) for index, goal_key, count, members in rows}


def _members_per_bucket(session: Session, team_id: str, period: ReportPeriod) -> list[int]:
    created = select(
        bucket_number(Entry.created_at, period.buckets).label("bucket"), Entry.user_id
    ).where(*_shared_created(team_id, period.start, period.end))
    completed = select(
        bucket_number(Entry.completed_at, period.buckets).label("bucket"), Entry.user_id
    ).where(*_shared_completed(team_id, period.start, period.end))
    both = union_all(created, completed).subquery()
    counts = dict(
        session.execute(
            select(both.c.bucket, func.count(distinct(both.c.user_id))).group_by(both.c.bucket)
        ).all()
    )
    return [counts.get(index, 0) for index in range(len(period.buckets))]


def _highlight(entry: Entry) -> Highlight:
    return Highlight(
        id=entry.id,
        kind=entry.kind,
        text=entry.text,
        author_id=None if entry.visibility == "anonymous" else entry.user_id,
        created_at=entry.created_at,
        permalink=entry.permalink,
    )


def _highlights(
    session: Session, team_id: str, start: datetime, end: datetime
) -> dict[str | None, list[Highlight]]:
    """Per goal, the best few stories and reflections (not those closing an action: they
    appear with their action): stories first, fuller texts first, then newest."""
    rank = (
        func.row_number()
        .over(
            partition_by=Entry.goal_key,
            order_by=(
                case((Entry.kind == "story", 3), else_=2).desc(),
                # Fuller texts first, by hundreds of characters up to 400 (as the digest does).
                case(
                    (func.length(Entry.text) >= 400, 4), else_=func.length(Entry.text) // 100
                ).desc(),
                Entry.id.desc(),
            ),
        )
        .label("rank")
    )
    ranked = (
        select(Entry.id, rank)
        .where(
            *_shared_created(team_id, start, end),
            Entry.kind.in_(("story", "reflection")),
            Entry.reflection_of_id.is_(None),
        )
        .subquery()
    )
    chosen = session.scalars(
        select(Entry)
        .join(ranked, ranked.c.id == Entry.id)
        .where(ranked.c.rank <= HIGHLIGHTS_PER_GOAL)
        .order_by(ranked.c.rank)
    ).all()
    found: dict[str | None, list[Highlight]] = defaultdict(list)
    for entry in chosen:
        found[entry.goal_key].append(_highlight(entry))
    return found


def _lessons(
    session: Session, team_id: str, start: datetime, end: datetime
) -> tuple[dict[str | None, list[Lesson]], dict[str | None, int]]:
    """Per goal, actions completed with a reflection in the period: the fullest reflections
    first, then newest; and how many there were in all. A reflection is written when its
    action is closed, so the period's reflections find them through the created_at index."""
    action = aliased(Entry)
    reflection = aliased(Entry)
    pairs = (
        select(reflection, action)
        .join(action, action.id == reflection.reflection_of_id)
        .where(
            reflection.team_id == team_id,
            reflection.visibility.in_(SHARED),
            reflection.created_at >= start,
            reflection.created_at < end,
            action.team_id == team_id,
            action.visibility.in_(SHARED),
            action.action_status == "done",
        )
    )
    counts: dict[str | None, int] = defaultdict(int)
    found: dict[str | None, list[tuple[tuple, Lesson]]] = defaultdict(list)
    for note, done in session.execute(pairs):
        counts[done.goal_key] += 1
        order = (-min(len(note.text), 400) // 100, -note.id)
        lesson = Lesson(_highlight(done), _highlight(note), done.completed_at or note.created_at)
        found[done.goal_key].append((order, lesson))
    best = {
        key: [lesson for _, lesson in sorted(items, key=lambda item: item[0])[:PAIRS_PER_GOAL]]
        for key, items in found.items()
    }
    return best, dict(counts)
