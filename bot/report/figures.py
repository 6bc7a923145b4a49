"""The impact report's figures: a period of the shared log, counted by the database.

What is counted, and the privacy rules every figure obeys:

- only *shared* entries (network and anonymous); a private entry is never counted or shown;
- *members taking part*: members who shared an entry or completed a shared action in the
  period; *new voices*: members whose first shared entry falls in the period;
- *actions committed*: shared actions created in the period; *completed*: shared actions
  marked done in the period, and the median days from committing to completing them;
- the headline figures and each goal's entries are compared with the period of the same
  length just before (a goal's other figures are not: the report does not show them);
- with ``min_group`` (a workspace setting, 0 = off) a per-goal figure drawn from fewer members
  than that is hidden (``Figure.hidden``), and so is each goal's cell of the week-by-week
  series; the network-wide figures stay (they describe the whole network, not a few people).

Cost: one statement per period (``_read_period``) reads the period's rows once, through the
``(team_id, created_at)`` and ``(team_id, completed_at)`` indexes, and computes every figure
from them, and what the evidence sections count (``EvidenceCounts``, worded by
``evidence.py``) and *Peer pairs*' entries logged from pairs; "new voices" adds one index
probe per member taking part. Then the few chosen highlights, lessons and outcomes are read
by id. So the cost grows with the entries of the period and the one before it, not with the
size of the whole log (``bench/report.py``).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import (
    CTE,
    BigInteger,
    ColumnElement,
    Float,
    Integer,
    Select,
    String,
    and_,
    case,
    cast,
    distinct,
    exists,
    func,
    literal,
    literal_column,
    null,
    or_,
    select,
    text,
    union_all,
)
from sqlalchemy.orm import Session, aliased
from sqlalchemy.types import TypeEngine

from bot.db import Database
from bot.goals import Framework
from bot.models import KINDS, Entry
from bot.pairs import PairFigures, PeerPairs
from bot.periods import check_order, end_at, start_at
from bot.visibility import SHARED, shared_completed, shared_created
from bot.weeks import local_date, local_date_before, week_of, weeks_ending

DEFAULT_WEEKS = 12
# Longer periods are drawn month by month: 150 weekly bars are no longer readable.
MONTHLY_AFTER = timedelta(weeks=53)
HIGHLIGHTS_PER_GOAL = 3
OUTCOMES_PER_GOAL = 5
PAIRS_PER_GOAL = 3


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
        return local_date(self.start, self.tz)

    @property
    def last_day(self) -> date:
        return local_date_before(self.end, self.tz)


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
    end = end_at(until, tz) if until is not None else now
    if since is not None:
        start = start_at(since, tz)
    else:
        start = weeks_ending(week_of(end - timedelta(microseconds=1), tz), DEFAULT_WEEKS)[0].start
    check_order(start, end, tz)
    unit = "month" if end - start > MONTHLY_AFTER else "week"
    return ReportPeriod(start, end, tz, unit, tuple(_buckets(start, end, tz, unit)))


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


NO_PAIRS = PairFigures(0, 0, 0, 0)


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
    # Peer pairs' rounds begun in the period: counts only, never who met whom.
    pairs: PairFigures = NO_PAIRS
    # What the evidence sections count, read by the same statements as the figures (so that
    # the period's entries are read once); ``evidence.build_evidence`` words it.
    counted: EvidenceCounts | None = field(default=None, repr=False, compare=False)

    @property
    def quiet_goals(self) -> list[GoalFigures]:
        return [g for g in self.goals if g.key is not None and g.quiet]


# -- building it ------------------------------------------------------------------------------


@dataclass
class EvidenceCounts:
    """What the evidence sections count in the report's period (and, for organisations gone
    silent, the period before it): a few thousand rows at most, whatever the period holds."""

    # (source, visibility, logged on someone's behalf, kind, how we know) → entries; every
    # entry of the period, private ones included (counted, never read)
    gathered: Counter = field(default_factory=Counter)
    outcomes: Counter = field(default_factory=Counter)  # (goal, who changed, how we know)
    outcome_ids: list[int] = field(default_factory=list)  # the best few per goal, best first
    committed: int = 0  # shared actions committed in the period
    dropped: int = 0
    done: int = 0  # of those, done by the period's end
    median_days_to_done: float | None = None
    reflected: int = 0
    voices: list[tuple[int | None, str, int]] = field(default_factory=list)  # org, member, n
    bucket_voices: dict[int, tuple[int, int]] = field(default_factory=dict)  # members, orgs
    spoke_before: set[int] = field(default_factory=set)  # organisations, the period before


@dataclass
class _Period:
    """What one period's statement found."""

    per_goal: dict[str | None, dict[str, int]] = field(default_factory=dict)
    members_per_goal: dict[str | None, int] = field(default_factory=dict)
    action_members_per_goal: dict[str | None, int] = field(default_factory=dict)
    completed_per_goal: dict[str | None, int] = field(default_factory=dict)
    completers_per_goal: dict[str | None, int] = field(default_factory=dict)
    median_days: float | None = None  # from committing an action to completing it
    members: int = 0
    new_voices: int = 0
    # The report's own period only:
    cells: dict[tuple[int, str | None], list[int]] = field(default_factory=dict)  # [n, members]
    members_per_bucket: dict[int, int] = field(default_factory=dict)
    highlight_ids: dict[str | None, list[tuple[int, int]]] = field(default_factory=dict)
    lesson_ids: dict[str | None, list[tuple[int, int, int]]] = field(default_factory=dict)
    lesson_counts: dict[str | None, int] = field(default_factory=dict)
    evidence: EvidenceCounts = field(default_factory=EvidenceCounts)

    @property
    def entries(self) -> int:
        return sum(sum(kinds.values()) for kinds in self.per_goal.values())

    @property
    def committed(self) -> int:
        return sum(kinds.get("action", 0) for kinds in self.per_goal.values())

    @property
    def completed(self) -> int:
        return sum(self.completed_per_goal.values())


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
        prepare_large_read(session)
        detail = _Detail(period.buckets, [g.key for g in framework.goals], min_group > 0)
        current = _read_period(session, team_id, period.start, period.end, detail)
        before = _read_period(session, team_id, previous_start, previous_end)
        highlights, lessons = _chosen_entries(session, team_id, current)

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
        completers = current.completers_per_goal.get(key, 0)
        weekly: list[int | None] = []
        for index, _bucket in enumerate(period.buckets):
            count, cell_members = current.cells.get((index, key), (0, 0))
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
                members=Figure(members, None, hide(members)),  # not counted before
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
                more_lessons=current.lesson_counts.get(key, 0) - len(lessons.get(key, [])),
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
    for (index, _key), (count, _members) in current.cells.items():
        totals[index] += count
    return ImpactReport(
        team_id=team_id,
        framework_name=framework.name,
        period=period,
        generated_at=now,
        min_group=min_group,
        headline=headline,
        goals=goals,
        members_per_bucket=[
            current.members_per_bucket.get(index, 0) for index in range(len(period.buckets))
        ],
        hidden_per_bucket=hidden_per_bucket,
        totals_per_bucket=totals,
        pairs=PeerPairs(db, clock=lambda: now).figures(
            team_id, period.start, period.end, actions=_logged_from_pairs(current.evidence)
        ),
        counted=replace(current.evidence, spoke_before=before.evidence.spoke_before),
    )


def _logged_from_pairs(counted: EvidenceCounts) -> int:
    """The period's entries logged from peer pairs (*Peer pairs*' "actions logged"), private
    ones included, as ``PeerPairs.figures`` counts them: already counted by how they were
    gathered, so the period is not read again."""
    return sum(n for (source, *_rest), n in counted.gathered.items() if source == "pair")


def prepare_large_read(session: Session) -> None:
    """Ready a reading transaction for statements that aggregate a whole period (on
    PostgreSQL; SQLite needs nothing). Its JIT compiler spends about half a second compiling
    each of them (the report's statements are large and run once), and 4 MB of ``work_mem``
    sends a year's sorts to disk; both settings last until the transaction ends."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL jit = off"))
        session.execute(text("SET LOCAL work_mem = '64MB'"))


def bucket_number(column: ColumnElement[datetime], buckets: Sequence[Bucket]) -> ColumnElement:
    """The index of the bucket a moment falls in, as a balanced tree of comparisons: a year of
    weeks costs six comparisons a row rather than fifty-two."""

    def tree(low: int, high: int) -> ColumnElement:
        if low == high:
            return literal(low)
        middle = (low + high) // 2
        return case((column < buckets[middle].end, tree(low, middle)), else_=tree(middle + 1, high))

    return tree(0, len(buckets) - 1)


def _length_band(text: ColumnElement[str]) -> ColumnElement[int]:
    """Fuller texts first, by hundreds of characters up to 400 (as the digest ranks them)."""
    return case((func.length(text) >= 400, 4), else_=func.length(text) // 100)


def _days_between(
    later: ColumnElement[datetime], earlier: ColumnElement[datetime], dialect: str
) -> ColumnElement[float]:
    """Days from ``earlier`` to ``later``, with their fraction (SQLite keeps instants as text)."""
    if dialect == "sqlite":
        return func.julianday(later) - func.julianday(earlier)
    return func.extract("epoch", later - earlier) / 86400.0


# The columns of every row the period statement answers: what the row is, then its values.
_TAG, _B, _G, _K, _N, _M, _X, _S1, _S2, _S3 = range(10)


def _row(
    tag: str,
    *,
    b: ColumnElement | None = None,
    g: ColumnElement | None = None,
    k: ColumnElement | None = None,
    n: ColumnElement | None = None,
    m: ColumnElement | None = None,
    x: ColumnElement | None = None,
    s1: ColumnElement | None = None,
    s2: ColumnElement | None = None,
    s3: ColumnElement | None = None,
) -> list[ColumnElement]:
    def given(value: ColumnElement | None, kind: type[TypeEngine]) -> ColumnElement:
        return cast(null(), kind) if value is None else value

    return [
        literal_column(f"'{tag}'").label("tag"),
        given(b, BigInteger).label("b"),
        given(g, String).label("g"),
        given(k, String).label("k"),
        given(n, BigInteger).label("n"),
        given(m, BigInteger).label("m"),
        given(x, Float).label("x"),
        given(s1, String).label("s1"),
        given(s2, String).label("s2"),
        given(s3, String).label("s3"),
    ]


@dataclass(frozen=True)
class _Detail:
    """What is counted for the report's own period, beyond what the period before gives."""

    buckets: Sequence[Bucket]
    goal_keys: Sequence[str]  # the framework's, for the highlights
    cell_members: bool  # members per goal and bucket (only min_group needs them)


# What a row of the period is: a shared entry written in it, a shared action completed in it,
# or (the report's own period only, to be counted by *Method*) a private entry.
_COMPLETED, _SHARED, _PRIVATE = 0, 1, 2


def _read_period(
    session: Session,
    team_id: str,
    start: datetime,
    end: datetime,
    detail: _Detail | None = None,
) -> _Period:
    """Every figure of one period, in one statement that reads the period's rows once.

    The period's entries (by ``created_at``) and the shared actions completed in it (by
    ``completed_at``) are read once, through the two range indexes, into a common table
    expression of only the columns needed, that the database materialises because every
    figure is an aggregate over it (SQLite 3.35+ and PostgreSQL 12+ do so for a CTE used more
    than once). Each aggregate is one branch of a ``UNION ALL``, tagged with what it counts;
    aggregates that share a grouping are summed from one small CTE (``members``: per member,
    goal and organisation; ``tally``: per bucket, goal, kind and how an entry was gathered), so
    the period's rows are sorted once for them all. New voices are one index probe per author
    (``ix_entries_team_user_created``).

    With ``detail`` (the report's own period) it also counts per bucket, per goal's members,
    ranks the highlights and the lessons (so that only the few chosen entries are read in full
    afterwards), and counts what the evidence sections need (``EvidenceCounts``: the period's
    private entries are read for *Method*'s count alone). The period before is compared on
    what the report shows of it: the headline figures, each goal's entries and the
    organisations heard in it (its members per goal are not counted)."""
    dialect = session.get_bind().dialect.name
    buckets = detail.buckets if detail else None
    if detail is None:
        written = shared_created(team_id, start, end)
        what = literal(_SHARED)
    else:  # private entries too, each marked as such
        written = (Entry.team_id == team_id, Entry.created_at >= start, Entry.created_at < end)
        what = case((Entry.visibility.in_(SHARED), _SHARED), else_=_PRIVATE)
    done_by_end = and_(
        Entry.visibility.in_(SHARED),
        Entry.kind == "action",
        Entry.action_status == "done",
        Entry.completed_at < end,
    )
    took = _microseconds_between(Entry.completed_at, Entry.created_at, dialect)
    evidence = (
        [
            Entry.source,
            case((Entry.logged_by.is_not(None), 1), else_=0),
            Entry.how_we_know,
            Entry.who_changed,
            Entry.action_status,
            case((Entry.kind == "outcome", _outcome_merit())),
            case((Entry.kind == "outcome", func.length(Entry.text))),
            case((done_by_end, took)),
        ]
        if detail
        else [
            cast(null(), String),
            literal(0),
            *[cast(null(), String)] * 3,
            *[cast(null(), Integer)] * 2,
            cast(null(), BigInteger),
        ]
    )
    created = select(
        (bucket_number(Entry.created_at, buckets) if buckets else literal(0)).label("b"),
        Entry.goal_key.label("g"),
        Entry.kind.label("k"),
        Entry.user_id.label("u"),
        what.label("made"),
        Entry.id.label("id"),
        (_length_band(Entry.text) if detail else literal(0)).label("band"),  # highlights
        Entry.reflection_of_id.label("refl"),
        cast(null(), Float).label("days"),
        Entry.visibility.label("vis"),
        Entry.organisation_id.label("org"),
        *(
            column.label(name)
            for column, name in zip(
                evidence,
                ("src", "logged", "how", "who", "status", "merit", "length", "took"),
                strict=True,
            )
        ),
    ).where(*written)
    completed = select(
        bucket_number(Entry.completed_at, buckets) if buckets else literal(0),
        Entry.goal_key,
        Entry.kind,
        Entry.user_id,
        literal(_COMPLETED),
        Entry.id,
        literal(0),
        cast(null(), BigInteger),
        _days_between(Entry.completed_at, Entry.created_at, dialect),
        Entry.visibility,
        cast(null(), Integer),
        cast(null(), String),
        literal(0),
        *[cast(null(), String)] * 3,
        *[cast(null(), Integer)] * 2,
        cast(null(), BigInteger),
    ).where(*shared_completed(team_id, start, end))
    rows = union_all(created, completed).cte("period_rows")
    made = rows.c.made == _SHARED
    # Per member, goal and organisation: whether they wrote, and committed an action, how many
    # actions they completed and how many entries they wrote by name. One sort of the period's
    # rows serves who took part, new voices, members per goal, completions per goal and the
    # voices heard per organisation (a few members' goals and organisations: tens of
    # thousands of rows at most, however many entries). A member may appear under several
    # organisations (a completed action has none; a member may name theirs mid-period), so
    # members are counted distinct.
    members = (
        select(
            rows.c.u,
            rows.c.g,
            rows.c.org,
            func.max(case((made, 1), else_=0)).label("wrote"),
            func.max(case((and_(made, rows.c.k == "action"), 1), else_=0)).label("acted"),
            func.count(case((rows.c.made == _COMPLETED, 1))).label("completed"),
            func.count(case((and_(made, rows.c.vis == "network"), 1))).label("named"),
        )
        .where(rows.c.made != _PRIVATE)
        .group_by(rows.c.u, rows.c.g, rows.c.org)
        .cte("members")
    )
    # Per bucket, goal, kind and every other key a plain count is grouped by (how entries were
    # gathered, an outcome's who and how, an action's status): one sort of the period's rows
    # into far fewer groups (19,055 for the big workspace's 226,000 rows of a year), whose
    # counts each of those figures sums.
    tally_keys = (
        rows.c.b,
        rows.c.g,
        rows.c.k,
        rows.c.made,
        rows.c.vis,
        rows.c.src,
        rows.c.logged,
        rows.c.how,
        rows.c.who,
        rows.c.status,
    )
    tally = (
        select(*tally_keys, func.count().label("n"))
        .where(rows.c.made != _COMPLETED)
        .group_by(*tally_keys)
        .cte("tally")
    )
    # Who took part (wrote, or completed an action), and whether they wrote something.
    people = (
        select(members.c.u, func.max(members.c.wrote).label("wrote"))
        .group_by(members.c.u)
        .cte("people")
    )
    earlier = aliased(Entry)
    spoke_before = exists(
        select(literal(1)).where(
            earlier.team_id == team_id,
            earlier.user_id == people.c.u,
            earlier.created_at < start,
            earlier.visibility.in_(SHARED),
        )
    )
    branches = [
        _kinds(rows, tally if detail else None),
        select(
            *_row(
                "done",
                g=members.c.g,
                n=_total(members.c.completed),
                m=func.count(distinct(members.c.u)),
            )
        )
        .where(members.c.completed > 0)
        .group_by(members.c.g),
        _median_days(rows),
        select(*_row("all", n=func.count())).select_from(people),
        select(*_row("new", n=func.count()))
        .select_from(people)
        .where(people.c.wrote == 1, ~spoke_before),
    ]
    if detail is not None:
        branches += _detail_branches(rows, members, team_id, detail)
        branches += _evidence_branches(rows, tally, members, team_id, start, end)
    else:  # organisations heard (by name) in the period before: gone silent if not in this
        branches.append(
            select(*_row("heard", b=members.c.org))
            .where(members.c.named > 0, members.c.org.is_not(None))
            .group_by(members.c.org)
        )
    found = _Period()
    per_goal: dict[str | None, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    counted = found.evidence
    gathered: list[tuple[tuple, int]] = []
    outcomes: list[tuple[tuple, int]] = []
    outcome_ids: list[tuple[str | None, int, int]] = []
    for row in session.execute(union_all(*branches)):
        tag, b, g = row[_TAG], row[_B], row[_G]
        if tag == "kinds":
            per_goal[g][row[_K]] += row[_N]
            found.cells.setdefault((b, g), [0, 0])[0] += row[_N]
        elif tag == "cell":
            found.cells.setdefault((b, g), [0, 0])[1] = row[_N]
        elif tag == "goal":
            found.members_per_goal[g] = row[_N]
            found.action_members_per_goal[g] = row[_M]
        elif tag == "done":
            found.completed_per_goal[g] = row[_N]
            found.completers_per_goal[g] = row[_M]
        elif tag == "median":
            found.median_days = float(row[_X]) if row[_X] is not None else None
        elif tag == "all":
            found.members = row[_N]
        elif tag == "new":
            found.new_voices = row[_N]
        elif tag == "bucket":
            found.members_per_bucket[b] = row[_N]
            counted.bucket_voices[b] = (row[_M], int(row[_X]))
        elif tag == "highlight":
            found.highlight_ids.setdefault(g, []).append((row[_M], row[_N]))
        elif tag == "lesson":
            found.lesson_ids.setdefault(g, []).append((b, row[_N], row[_M]))
            found.lesson_counts[g] = int(row[_X])
        elif tag == "gathered":
            gathered.append(((row[_S1], row[_S2], bool(b), row[_K], row[_S3]), row[_N]))
        elif tag == "outcomes":
            outcomes.append(((g, row[_S1], row[_S2]), row[_N]))
        elif tag == "quoted":
            outcome_ids.append((g, b, row[_N]))
        elif tag == "actions":
            counted.committed, counted.dropped = row[_N], row[_M]
        elif tag == "took":
            counted.done = row[_N] or 0
            if counted.done:  # the middle one, or the mean of the middle two, as in Python
                low, high = _days(row[_M]), _days(b)
                counted.median_days_to_done = low if counted.done % 2 else (low + high) / 2
        elif tag == "reflected":
            counted.reflected = row[_N]
        elif tag == "voice":
            counted.voices.append((b, row[_S1], row[_N]))
        elif tag == "heard":
            counted.spoke_before.add(b)
    for chosen in found.highlight_ids.values():
        chosen.sort(reverse=True)  # by merit, then newest
        del chosen[HIGHLIGHTS_PER_GOAL:]
    found.per_goal = {key: dict(kinds) for key, kinds in per_goal.items()}
    # In the order of their keys (a tie in the report's tables keeps it), nothing first.
    counted.gathered.update(dict(sorted(gathered, key=lambda item: _in_order(item[0]))))
    counted.outcomes.update(dict(sorted(outcomes, key=lambda item: _in_order(item[0]))))
    ranked_ids = sorted(outcome_ids, key=lambda quoted: (quoted[0] or "", quoted[1]))
    counted.outcome_ids = [entry_id for _goal, _rank, entry_id in ranked_ids]  # best first
    return found


def _kinds(rows: CTE, tally: CTE | None) -> Select:
    """Shared entries per bucket, goal and kind: summed from the ``tally`` when the report's
    own period has one (its evidence counts sum it too); in the period before, nothing else
    would, and sorting its rows by three keys costs less than by the tally's ten."""
    if tally is None:
        return (
            select(*_row("kinds", b=rows.c.b, g=rows.c.g, k=rows.c.k, n=func.count()))
            .where(rows.c.made == _SHARED)
            .group_by(rows.c.b, rows.c.g, rows.c.k)
        )
    return (
        select(*_row("kinds", b=tally.c.b, g=tally.c.g, k=tally.c.k, n=_total(tally.c.n)))
        .where(tally.c.made == _SHARED)
        .group_by(tally.c.b, tally.c.g, tally.c.k)
    )


def _total(counts: ColumnElement[int]) -> ColumnElement[int]:
    """A sum of counts (a numeric on PostgreSQL: back to an integer, as every count)."""
    return cast(func.sum(counts), BigInteger)


def _in_order(key: tuple) -> tuple:
    """A group's key made sortable, ``None`` first (as SQLite orders its groups)."""
    return tuple((0, "") if value is None else (1, value) for value in key)


def _median_days(rows: CTE) -> Select:
    """The median of the completed actions' days from committing to completing: the middle
    one, or the mean of the middle two."""
    ranked = (
        select(
            rows.c.days,
            func.row_number().over(order_by=rows.c.days).label("place"),
            func.count().over().label("count"),
        )
        .where(rows.c.made == 0)
        .subquery("completions")
    )
    middle = ranked.c.place.in_([(ranked.c.count + 1) // 2, (ranked.c.count + 2) // 2])
    return select(*_row("median", x=func.avg(ranked.c.days))).where(middle)


def _detail_branches(rows: CTE, members: CTE, team_id: str, detail: _Detail) -> list[Select]:
    """The report's own period: members per goal and per bucket, and the highlights and
    lessons ranked by the database (only their ids, and each goal's number of lessons, come
    back).

    Highlights: per goal, the best few stories and reflections (not those closing an action:
    they appear with their action), stories first, fuller texts first, then newest; one
    ``ORDER BY … LIMIT`` per goal of the framework (a bounded sort), and a ranking for the
    rest (no goal yet, goals no longer in the framework). Lessons ("what we did → what we
    learnt"): per goal of the action, the shared reflections written in the period that closed
    a shared action, the fullest first, then newest. A reflection is written when its action
    is closed, so the period's rows find them."""
    made = rows.c.made == _SHARED
    named = and_(made, rows.c.vis == "network")
    branches: list[Select] = [
        select(
            *_row(
                "goal",
                g=members.c.g,
                n=func.count(distinct(members.c.u)),
                m=func.count(distinct(case((members.c.acted == 1, members.c.u)))),
            )
        )
        .where(members.c.wrote == 1)
        .group_by(members.c.g),
        # Per bucket, one sort: the members taking part, and those heard by name with their
        # organisations (*Voices*: an anonymous entry never counts for an organisation).
        select(
            *_row(
                "bucket",
                b=rows.c.b,
                n=func.count(distinct(case((rows.c.made != _PRIVATE, rows.c.u)))),
                m=func.count(distinct(case((named, rows.c.u)))),
                x=func.count(distinct(case((named, rows.c.org)))),
            )
        ).group_by(rows.c.b),
    ]
    if detail.cell_members:
        branches.append(
            select(*_row("cell", b=rows.c.b, g=rows.c.g, n=func.count(distinct(rows.c.u))))
            .where(made)
            .group_by(rows.c.b, rows.c.g)
        )
    # A highlight's merit, one number: a story or outcome over a reflection, then the fuller text.
    merit = (case((rows.c.k.in_(("story", "outcome")), 10), else_=0) + rows.c.band).label("merit")
    candidate = (made, rows.c.k.in_(("story", "reflection", "outcome")), rows.c.refl.is_(None))
    for key in detail.goal_keys:
        best = (
            select(rows.c.g, rows.c.id, merit)
            .where(*candidate, rows.c.g == key)
            .order_by(merit.desc(), rows.c.id.desc())
            .limit(HIGHLIGHTS_PER_GOAL)
            .subquery()
        )
        branches.append(select(*_row("highlight", g=best.c.g, n=best.c.id, m=best.c.merit)))
    rank = func.row_number().over(partition_by=rows.c.g, order_by=(merit.desc(), rows.c.id.desc()))
    others = (
        select(rows.c.g, rows.c.id, merit, rank.label("rank"))
        .where(*candidate, or_(rows.c.g.is_(None), rows.c.g.not_in(detail.goal_keys)))
        .subquery("other_goals")
    )
    branches.append(
        select(*_row("highlight", g=others.c.g, n=others.c.id, m=others.c.merit)).where(
            others.c.rank <= HIGHLIGHTS_PER_GOAL
        )
    )
    action = aliased(Entry)
    pairs = (
        select(
            action.goal_key.label("g"),
            rows.c.id.label("note"),
            action.id.label("action"),
            func.row_number()
            .over(partition_by=action.goal_key, order_by=(rows.c.band.desc(), rows.c.id.desc()))
            .label("rank"),
            func.count().over(partition_by=action.goal_key).label("total"),
        )
        .join_from(rows, action, action.id == rows.c.refl)
        .where(
            made,
            rows.c.refl.is_not(None),  # else PostgreSQL probes the index once per row
            action.team_id == team_id,
            action.visibility.in_(SHARED),
            action.action_status == "done",
        )
        .subquery("pairs")
    )
    branches.append(
        select(
            *_row(
                "lesson",
                b=pairs.c.rank,
                g=pairs.c.g,
                n=pairs.c.note,
                m=pairs.c.action,
                x=pairs.c.total,
            )
        ).where(pairs.c.rank <= PAIRS_PER_GOAL)
    )
    return branches


def _evidence_branches(
    rows: CTE, tally: CTE, members: CTE, team_id: str, start: datetime, end: datetime
) -> list[Select]:
    """What the evidence sections count in the report's own period (``EvidenceCounts``):
    how its entries were gathered, its outcomes (and the best few per goal, ranked), its
    shared actions followed through, and the voices heard by name (an anonymous entry never
    counts for an organisation)."""
    written = rows.c.made != _COMPLETED
    shared = rows.c.made == _SHARED
    outcome = and_(shared, rows.c.k == "outcome")
    ranked = (
        select(
            rows.c.g,
            rows.c.id,
            func.row_number()
            .over(
                partition_by=rows.c.g,
                order_by=(rows.c.merit.desc(), rows.c.length.desc(), rows.c.id.desc()),
            )
            .label("rank"),
        )
        .where(outcome)
        .subquery("ranked_outcomes")
    )
    took = (
        select(
            rows.c.took,
            func.row_number().over(order_by=rows.c.took).label("place"),
            func.count().over().label("count"),
        )
        .where(written, rows.c.took.is_not(None))
        .subquery("took")
    )
    middle = took.c.place.in_([(took.c.count + 1) // 2, (took.c.count + 2) // 2])
    action = aliased(Entry)  # the action a reflection closed, by its id (an index probe)
    action_tally = and_(tally.c.made == _SHARED, tally.c.k == "action")
    dropped = case((tally.c.status == "dropped", tally.c.n), else_=0)
    return [
        select(
            *_row(
                "gathered",
                b=tally.c.logged,
                k=tally.c.k,
                s1=tally.c.src,
                s2=tally.c.vis,
                s3=tally.c.how,
                n=_total(tally.c.n),
            )
        ).group_by(tally.c.src, tally.c.vis, tally.c.logged, tally.c.k, tally.c.how),
        select(*_row("outcomes", g=tally.c.g, s1=tally.c.who, s2=tally.c.how, n=_total(tally.c.n)))
        .where(tally.c.made == _SHARED, tally.c.k == "outcome")
        .group_by(tally.c.g, tally.c.who, tally.c.how),
        select(*_row("quoted", b=ranked.c.rank, g=ranked.c.g, n=ranked.c.id)).where(
            ranked.c.rank <= OUTCOMES_PER_GOAL
        ),
        select(
            *_row(
                "actions",
                n=func.coalesce(_total(tally.c.n), 0),
                m=func.coalesce(_total(dropped), 0),
            )
        ).where(action_tally),
        # How many were done by the period's end, and the middle one or two of their times.
        select(
            *_row(
                "took", n=func.max(took.c.count), m=func.min(took.c.took), b=func.max(took.c.took)
            )
        ).where(middle),
        select(*_row("reflected", n=func.count(distinct(rows.c.refl))))
        .join_from(rows, action, action.id == rows.c.refl)
        .where(
            shared,
            rows.c.k == "reflection",
            rows.c.refl.is_not(None),
            action.team_id == team_id,
            action.kind == "action",
            action.visibility.in_(SHARED),
            action.created_at >= start,
            action.created_at < end,
        ),
        select(*_row("voice", b=members.c.org, s1=members.c.u, n=_total(members.c.named)))
        .where(members.c.named > 0)
        .group_by(members.c.org, members.c.u),
    ]


def _outcome_merit() -> ColumnElement[int]:
    """An outcome's merit: backed by figures, then by others, then with a why it matters
    (ties go to the fuller text, then the newest)."""
    backed = case((Entry.how_we_know == "figures", 4), (Entry.how_we_know == "told", 2), else_=0)
    why = case((func.length(func.coalesce(Entry.why_it_matters, "")) > 0, 1), else_=0)
    return backed + why


def _microseconds_between(
    later: ColumnElement[datetime], earlier: ColumnElement[datetime], dialect: str
) -> ColumnElement[int]:
    """Whole microseconds from ``earlier`` to ``later``: exact, so that the days shown are
    those Python counts (``timedelta.total_seconds``) to the last digit. SQLite keeps an
    instant as text, ``YYYY-MM-DD HH:MM:SS.ffffff`` (SQLAlchemy's format): its seconds, then
    its microseconds."""
    if dialect == "sqlite":

        def micro(moment: ColumnElement[datetime]) -> ColumnElement[int]:
            return cast(func.substr(moment, 21, 6), Integer)

        seconds = cast(func.strftime("%s", later), Integer) - cast(
            func.strftime("%s", earlier), Integer
        )
        return seconds * 1_000_000 + micro(later) - micro(earlier)
    return cast(func.extract("epoch", later - earlier) * 1_000_000, BigInteger)


def _days(microseconds: int) -> float:
    return timedelta(microseconds=microseconds).total_seconds() / 86400


def _highlight(entry: Entry) -> Highlight:
    return Highlight(
        id=entry.id,
        kind=entry.kind,
        text=entry.text,
        author_id=None if entry.visibility == "anonymous" else entry.user_id,
        created_at=entry.created_at,
        permalink=entry.permalink,
    )


def _chosen_entries(
    session: Session, team_id: str, found: _Period
) -> tuple[dict[str | None, list[Highlight]], dict[str | None, list[Lesson]]]:
    """The chosen highlights and lessons, read in full (a few dozen entries at most)."""
    ids = {entry_id for chosen in found.highlight_ids.values() for _, entry_id in chosen}
    for chosen in found.lesson_ids.values():
        ids.update(i for _, note, action in chosen for i in (note, action))
    entries = {}
    if ids:
        # By primary key alone: with ``team_id = ?`` beside ``id IN (…)`` SQLite (no
        # statistics) walks the workspace's whole history through a team_id index instead.
        # The ids come from this workspace's rows; the check below keeps it so.
        found_rows = session.scalars(select(Entry).where(Entry.id.in_(sorted(ids))))
        entries = {e.id: e for e in found_rows if e.team_id == team_id}
    highlights = {
        # Best first already; an entry deleted meanwhile is left out.
        key: [_highlight(entries[i]) for _, i in chosen if i in entries]
        for key, chosen in found.highlight_ids.items()
    }
    lessons = {}
    for key, chosen in found.lesson_ids.items():
        lessons[key] = []
        for _, note_id, action_id in sorted(chosen):  # by rank
            if note_id not in entries or action_id not in entries:
                continue
            done, note = entries[action_id], entries[note_id]
            completed = done.completed_at or note.created_at
            lessons[key].append(Lesson(_highlight(done), _highlight(note), completed))
    return highlights, lessons
