"""The impact report's cost: a year's report with every section in at most 2 s on SQLite and
PostgreSQL, growing with the period's entries, not with the size of the history.

Tables per backend (``build_report`` — every figure, chart series, highlight and lesson of the
report, and the same for the period before it — and ``build_evidence``: the stories the network
chose, outcomes, voices, actions followed through, method; rendering is timed apart):

1. on the log ``bench/search.py`` builds (1,000,000 entries over four years, 90% in one big
   workspace; built once and reused from ``--db-dir``): the report of the big workspace for
   the last 12 weeks and for the last year of the log;
2. a year of ``--per-week`` entries a week (and the year before it, the comparison) in a
   database per history size before them: 10k, 100k, 1M entries (kept in ``--db-dir`` and
   reused; each left as a running bot finds it: SQLite's WAL checkpointed, PostgreSQL
   vacuumed and analysed). Each size's report is built once untimed, then ``--repeat`` times
   with the sizes taking turns; the median and the range of wall, processor and (PostgreSQL)
   server time are printed, and the figure to watch: the medians at 1M history against 10k
   (issue 18: at most 1.5×). The log has what
   the evidence sections read: members in ``ORGANISATIONS`` organisations (sectors, places),
   one story in ten an outcome (who changed, how we know, some with a why it matters), and a
   closed selection round with its choice, shortlist and votes for every month;
3. at the largest history: that year's report as HTML and as PDF (WeasyPrint, when
   installed) — the PDF's time against the HTML's, three ways: *written* (the report already
   built: the renderers alone), *built and written* in this process (what ``/kindness report``
   does in the running bot), and *kindness-bot report* run as a process of its own, as a
   coordinator runs it (Python starting, imports, the database, building, writing the file).
   The three ratios are printed, named: writing alone, built and written, and as the
   coordinator runs it. Which one
   issue 18's "the PDF ≤ 3× the HTML's time" names: its sentence is about "a year's report"
   (``bench/report.py``'s report "with every section", the thing a coordinator asks for with
   ``--format html`` or ``--format pdf``) and its "Done when" is a coordinator handing a board
   the PDF; so "the HTML's time" is the time to get the report as HTML, and the ratio it names
   is the coordinator's. Writing alone is the stricter figure (the report's building, the same
   for both formats, is left out) and is printed beside it: docs/measurements.md gives both.
   The history does not change the rendering (the year's entries do), so a smaller
   ``--max-history`` (100000) and ``--no-search-log`` are enough for this part;
4. the selection round's shortlist (what the job reads before posting) for periods of one
   week to a year of that log: its cost grows with the period's entries.

Run (SQLite)::

    .venv/bin/python bench/report.py

``--backend postgresql`` (or ``both``) uses a throwaway PostgreSQL server (tests/pgserver.py);
``--entries 20000 --max-history 20000`` is a quick smoke run; ``--no-search-log`` leaves
table 1 out (it builds, once, the million-entry log of ``bench/search.py``).
"""

from __future__ import annotations

import argparse
import gc
import io
import math
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import _common as common
import search
from sqlalchemy import event, func, insert, select

import bot.report.evidence as evidence_module
import bot.report.figures as figures_module
from bot.db import Database
from bot.goals import Framework, load_framework
from bot.models import (
    Entry,
    Organisation,
    SelectionCandidate,
    SelectionRound,
    SelectionVote,
)
from bot.names import Directory
from bot.pairs import PeerPairs
from bot.report import charts, report_pdf, write_report
from bot.report.as_pdf import available as pdf_available
from bot.report.evidence import Evidence, build_evidence
from bot.report.figures import ImpactReport, build_report, report_period
from bot.selection import RoundTime, shortlist_for

TEAM = "T0REPORT1"
MEMBERS = 150
PERIOD_END = datetime(2026, 1, 5, tzinfo=UTC)  # a Monday: the year reported ends here
SEARCH_SEED = 42  # the search benchmark's default: its cached log is reused
ORGANISATIONS = 30
SECTORS = ("public", "voluntary", "private", "community", "other")
PLACES = ("Scotland", "Wales", "England", "Northern Ireland")
WHO = ("staff", "people", "partners", "organisation", "system", None)
HOW = ("seen", "told", "figures", None)


@dataclass(frozen=True)
class ReportTiming:
    wall: common.Timing
    cpu_ms: float  # median processor time of this process (and its database, for SQLite)
    server_cpu_ms: float | None = None  # PostgreSQL's processes, when the bench knows them


class ServerClock:
    """The processor time of a PostgreSQL server's processes (the postmaster and its
    children: the backends answering the report; ``_common.server_cpu_seconds``); None
    elsewhere."""

    def __init__(self, data_dir: Path | None) -> None:
        self.data_dir = data_dir

    def ms(self) -> float | None:
        seconds = common.server_cpu_seconds(self.data_dir)
        return None if seconds is None else seconds * 1000


NO_SERVER = ServerClock(None)


def time_report(
    db: Database,
    framework: Framework,
    team: str,
    since: datetime,
    until: datetime,
    repeat: int,
    server: ServerClock = NO_SERVER,
) -> tuple[ReportTiming, tuple[ImpactReport, Evidence]]:
    """The report's wall time, and its processor time: on a machine shared with other work the
    wall time waits for a free core, the processor time much less so. For PostgreSQL the
    server's own processor time is read apart (``server``)."""
    period = report_period("UTC", until, since=since, until=until)
    cpu: list[float] = []
    server_cpu: list[float] = []

    def run() -> tuple[ImpactReport, Evidence]:
        started, server_started = time.process_time(), server.ms()
        report = build_report(db, framework, team, period, now=until, min_group=3)
        evidence = build_evidence(db, report)
        cpu.append((time.process_time() - started) * 1000)
        server_ended = server.ms()
        if server_started is not None and server_ended is not None:
            server_cpu.append(server_ended - server_started)
        return report, evidence

    made = run()  # the untimed warm-up
    cpu.clear()
    server_cpu.clear()
    wall = common.measure(run, repeat, warmup=0)
    server_median = statistics.median(server_cpu) if server_cpu else None
    return ReportTiming(wall, statistics.median(cpu), server_median), made


# The parts of the year's report, each timed on its own by ``--sections``: (label, owner, name).
SECTIONS = (
    ("figures and evidence: the period", figures_module, "_read_period"),
    ("figures: highlights, lessons", figures_module, "_chosen_entries"),
    ("figures: peer pairs", PeerPairs, "figures"),
    ("evidence: organisations", evidence_module, "_organisations"),
    ("evidence: outcomes quoted", evidence_module, "_outcomes"),
    ("evidence: chosen stories", evidence_module, "chosen_rounds"),
)


class SectionTimer:
    """Milliseconds and statements per part of the report (wrappers around the functions in
    ``SECTIONS``, installed only while timing; a part called twice, as ``_read_period`` is for
    the period and the one before, adds up)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.ms: dict[str, float] = {}
        self.statements: dict[str, int] = {}
        self._current: str | None = None

    def _wrap(self, label: str, function: Callable) -> Callable:
        def timed(*args: object, **kwargs: object) -> object:
            outer, self._current = self._current, label
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.ms[label] = self.ms.get(label, 0.0) + (time.perf_counter() - started) * 1000
                self._current = outer

        return timed

    def _count(self, *_: object) -> None:
        if self._current is not None:
            self.statements[self._current] = self.statements.get(self._current, 0) + 1

    def run(self, action: Callable[[], object]) -> None:
        saved = [(owner, name, getattr(owner, name)) for _label, owner, name in SECTIONS]
        for (label, owner, name), (_o, _n, function) in zip(SECTIONS, saved, strict=True):
            setattr(owner, name, self._wrap(label, function))
        event.listen(self.db.engine, "before_cursor_execute", self._count)
        try:
            action()
        finally:
            event.remove(self.db.engine, "before_cursor_execute", self._count)
            for owner, name, function in saved:
                setattr(owner, name, function)


def time_sections(
    db: Database, framework: Framework, team: str, since: datetime, until: datetime, repeat: int
) -> SectionTimer:
    """The median milliseconds of each part of the report over ``repeat`` runs."""
    period = report_period("UTC", until, since=since, until=until)
    runs = []
    for _ in range(repeat):
        timer = SectionTimer(db)
        timer.run(
            lambda: build_evidence(
                db, build_report(db, framework, team, period, now=until, min_group=3)
            )
        )
        runs.append(timer)
    median = SectionTimer(db)
    median.ms = {
        label: statistics.median(r.ms.get(label, 0.0) for r in runs) for label in runs[0].ms
    }
    median.statements = runs[0].statements
    return median


def print_sections(backend: str, stages: list[tuple[str, SectionTimer]], of: str) -> None:
    """Milliseconds per part, one column per stage (``of``: what the stages are)."""
    first = stages[0][1]
    rows = []
    for label, _owner, _name in SECTIONS:
        rows.append(
            [label, str(first.statements.get(label, 0))]
            + [common.ms(timer.ms.get(label, 0.0)) for _stage, timer in stages]
            + [common.ratio(stages[-1][1].ms.get(label, 0.0) / max(first.ms.get(label, 0.0), 1e-3))]
        )
    common.print_table(
        ["part of the report", "statements"]
        + [f"ms, {stage}" for stage, _timer in stages]
        + ["last vs first"],
        rows,
        title=f"the year's report part by part, {backend} (median ms {of}; the rest of the "
        "time is Python putting the figures together)",
    )


def print_plans(db: Database, framework: Framework) -> None:
    """The plan of each distinct statement of the year's report (``--explain``): SQLite's
    EXPLAIN QUERY PLAN, PostgreSQL's EXPLAIN (ANALYZE, BUFFERS). Statements are shortened, and
    one sent again with other values (a round's votes, round after round) is shown once."""
    since, until = PERIOD_END - timedelta(weeks=52), PERIOD_END
    period = report_period("UTC", until, since=since, until=until)
    seen: set[str] = set()
    statements = common.capture_statements(
        db.engine,
        lambda: build_evidence(
            db, build_report(db, framework, TEAM, period, now=until, min_group=3)
        ),
    )
    print(f"\n{len(statements)} statements in the year's report")
    for statement, parameters in statements:
        if statement in seen:
            continue
        seen.add(statement)
        shown = re.sub(r"CASE WHEN .*? END AS (\w+)", r"<case> AS \1", " ".join(statement.split()))
        shown = re.sub(r"SELECT (\w+)\.id, .*? FROM", r"SELECT \1.* FROM", shown)
        print(f"\n-- {shown[:240]}{' …' if len(shown) > 240 else ''}")
        print(common.explain(db, statement, parameters))


def server_ms(timing: ReportTiming) -> str:
    return "-" if timing.server_cpu_ms is None else common.ms(timing.server_cpu_ms)


def on_the_search_log(
    backend: str,
    db: Database,
    framework: Framework,
    args: argparse.Namespace,
    server: ServerClock = NO_SERVER,
) -> None:
    rows = []
    parts: list[tuple[str, SectionTimer]] = []
    for label, weeks in (("12 weeks", 12), ("a year", 52)):
        since = search.END - timedelta(weeks=weeks)
        print(f"  timing {backend}: {label}", file=sys.stderr)
        timing, (report, _) = time_report(
            db, framework, search.BIG_TEAM, since, search.END, args.repeat, server
        )
        rows.append(
            [
                label,
                f"{report.headline.entries.value:,.0f}",
                f"{report.headline.entries.previous:,.0f}",
                common.ms(timing.wall.median_ms),
                common.ms(timing.wall.p95_ms),
                common.ms(timing.cpu_ms),
                server_ms(timing),
            ]
        )
        if args.sections:
            timer = time_sections(db, framework, search.BIG_TEAM, since, search.END, 3)
            parts.append((label, timer))
    common.print_table(
        [
            "report of",
            "entries (shared)",
            "period before",
            "median ms",
            "p95 ms",
            "cpu ms",
            "server cpu ms",
        ],
        rows,
        title=f"report with every section, {backend}: the big workspace of the search log "
        f"({common.count_entries(db):,} rows in table; load average "
        f"{os.getloadavg()[0]:.1f})",
    )
    if parts:
        print_sections(backend, parts, "by period reported")


def with_evidence(row: dict, maker: common.EntryMaker) -> dict:
    """A row as the evidence sections find it: its author's organisation (members 0–119 are
    from one, a member's always the same), one story in ten an outcome, some with a why."""
    rng = maker.rng
    member = int(row["user_id"][1:])
    row["organisation_id"] = member % ORGANISATIONS + 1 if member < 120 else None
    row["why_it_matters"] = row["who_changed"] = row["how_we_know"] = None
    if row["kind"] == "story" and rng.random() < 0.2:
        row["kind"] = "outcome"
        row["who_changed"] = rng.choice(WHO)
        row["how_we_know"] = rng.choice(HOW)
    if row["kind"] in ("story", "outcome") and rng.random() < 0.3:
        row["why_it_matters"] = "It changed how the team treats people who are waiting."
    return row


def period_rows(per_week: int, first_id: int, seed: int) -> list[dict]:
    """Two years of ``per_week`` entries a week up to PERIOD_END: the year and the one before."""
    maker = common.EntryMaker(seed * 1000 + per_week)
    start = PERIOD_END - timedelta(weeks=104)
    rows = []
    for week in range(104):
        base = start + timedelta(weeks=week)
        for offset in sorted(maker.rng.random() * 7 * 86400 for _ in range(per_week)):
            created = base + timedelta(seconds=offset)
            row = maker.row(first_id + len(rows), TEAM, maker.member(MEMBERS), created)
            rows.append(with_evidence(row, maker))
    return rows


def add_organisations(db: Database) -> None:
    """The organisations members are from (before the entries, which refer to them)."""
    now = datetime(2015, 1, 1, tzinfo=UTC)
    organisations = [
        {
            "id": n,
            "team_id": TEAM,
            "name": f"Organisation {n}",
            "name_key": f"organisation {n}",
            "sector": SECTORS[n % len(SECTORS)],
            "place": PLACES[n % len(PLACES)],
            "created_at": now,
        }
        for n in range(1, ORGANISATIONS + 1)
    ]
    with db.engine.begin() as connection:
        connection.execute(insert(Organisation.__table__), organisations)


def add_rounds(db: Database, period: list[dict]) -> None:
    """A closed round per month of the two years with its shortlist (five shared stories or
    outcomes of the month), votes and the network's choice."""
    by_month: dict[tuple[int, int], list[int]] = {}
    for row in period:
        if row["visibility"] != "private" and row["kind"] in ("story", "outcome"):
            by_month.setdefault((row["created_at"].year, row["created_at"].month), []).append(
                row["id"]
            )
    rounds, candidates, votes = [], [], []
    for number, ((year, month), ids) in enumerate(sorted(by_month.items()), start=1):
        start = datetime(year, month, 1, tzinfo=UTC)
        end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC)
        shortlist = ids[:5]
        rounds.append(
            {
                "id": number,
                "team_id": TEAM,
                "period": f"{year}-{month:02d}",
                "starts_at": start,
                "ends_at": end,
                "channel_id": "C0REPORT",
                "message_ts": f"{number}.0",
                "opened_at": end,
                "closes_at": end + timedelta(days=7),
                "closed_at": end + timedelta(days=7),
                "results_ts": f"{number}.1",
                "chosen_entry_id": shortlist[0],
                "reasons": "Members said it showed the change the network exists for.",
                "chosen_by": "U0000000",
                "chosen_at": end + timedelta(days=8),
                "created_at": end,
            }
        )
        candidates += [
            {"round_id": number, "entry_id": e, "position": p, "picked_by": None}
            for p, e in enumerate(shortlist, start=1)
        ]
        votes += [
            {
                "round_id": number,
                "user_id": f"U{voter:07d}",
                "entry_id": shortlist[voter % len(shortlist)],
                "voted_at": end + timedelta(days=1),
            }
            for voter in range(40)
        ]
    with db.engine.begin() as connection:
        connection.execute(insert(SelectionRound.__table__), rounds)
        connection.execute(insert(SelectionCandidate.__table__), candidates)
        connection.execute(insert(SelectionVote.__table__), votes)


def history(count: int, first_id: int, end: datetime, seed: int) -> list[dict]:
    """``count`` older entries spread over the five years before ``end``."""
    maker = common.EntryMaker(seed * 7919 + count)
    start = end - timedelta(days=365 * 5)
    step = (end - start) / max(count, 1)
    return [
        with_evidence(maker.row(first_id + n, TEAM, maker.member(MEMBERS), start + step * n), maker)
        for n in range(count)
    ]


def history_sizes(args: argparse.Namespace) -> list[int]:
    return sorted({args.max_history // 100, args.max_history // 10, args.max_history})


def load_growing_history(
    db: Database, args: argparse.Namespace, keep: Callable[[int], None]
) -> None:
    """Table 2's log into ``db``: two years of ``--per-week`` entries (with organisations and a
    round a month), then the history before them grown size by size; ``keep(size)`` is called
    at each size, with the database as a long-running bot would find it (``after_load``: WAL
    checkpointed, statistics gathered on PostgreSQL) and no connection open."""
    db.upgrade()
    common.add_workspaces(db, [TEAM], datetime(2015, 1, 1, tzinfo=UTC))
    # The history must have smaller ids than the period (ids follow time), so ids are
    # reserved: history from 1, the period after the largest history.
    period = period_rows(args.per_week, args.max_history + 1, args.seed)
    add_organisations(db)
    common.bulk_insert(db, period, total=len(period), label="two years")
    add_rounds(db, period)
    del period
    oldest = PERIOD_END - timedelta(weeks=104)
    loaded = 0
    for size in history_sizes(args):
        # Each stage adds the newest part of the history still missing (ids stay in time order
        # within a stage; the report reads by time, not by id).
        added = history(size - loaded, loaded + 1, oldest - timedelta(days=1), args.seed + size)
        common.bulk_insert(db, added, total=len(added), label=f"history to {size:,}")
        del added
        common.after_load(db)
        # The loader's connection has a 256 MiB page cache full of the history it just wrote:
        # the report runs on fresh connections, as the bot's do.
        db.engine.dispose()
        loaded = size
        keep(size)


def history_name(args: argparse.Namespace, size: int) -> str:
    return f"report_h{size}_w{args.per_week}_s{args.seed}_v{common.DATA_VERSION}"


def sqlite_histories(args: argparse.Namespace) -> tuple[dict[int, Database], str]:
    """A SQLite database per history size, kept in ``--db-dir`` and reused (built when one is
    missing, or with ``--rebuild-history``); (databases by size, how they were obtained)."""
    paths = {size: args.db_dir / f"{history_name(args, size)}.db" for size in history_sizes(args)}
    how = "reused from cache"
    if args.rebuild_history or not all(path.exists() for path in paths.values()):
        building = args.db_dir / f"{history_name(args, args.max_history)}.building"
        for leftover in (building, Path(f"{building}-wal"), Path(f"{building}-shm")):
            leftover.unlink(missing_ok=True)
        db = Database(f"sqlite:///{building}")
        started = time.perf_counter()
        # The WAL is checkpointed and empty at each size: the main file is the whole database.
        load_growing_history(db, args, lambda size: shutil.copyfile(building, paths[size]))
        db.dispose()
        for leftover in (building, Path(f"{building}-wal"), Path(f"{building}-shm")):
            leftover.unlink(missing_ok=True)
        how = f"built in {time.perf_counter() - started:,.0f} s"
    databases = {size: Database(f"sqlite:///{path}") for size, path in paths.items()}
    for db in databases.values():
        db.upgrade()  # a cached database brought to the newest schema, as the bot would on start
    return databases, how


def postgres_histories(
    server: common.PostgresServer, args: argparse.Namespace
) -> tuple[dict[int, Database], str]:
    """A PostgreSQL database per history size, kept in the cluster of ``--db-dir`` and reused
    (each size a copy of the database being built, ``CREATE DATABASE … TEMPLATE``)."""
    names = {size: history_name(args, size) for size in history_sizes(args)}
    how = "reused from cache"
    if args.rebuild_history or not all(common.database_exists(server, n) for n in names.values()):
        building = "report_history_building"
        for name in (building, *names.values()):
            server.execute(f"DROP DATABASE IF EXISTS {name}")
        db = Database(server.create_database(building))
        started = time.perf_counter()
        load_growing_history(
            db,
            args,
            lambda size: server.execute(f"CREATE DATABASE {names[size]} TEMPLATE {building}"),
        )
        db.dispose()
        server.execute(f"DROP DATABASE {building}")
        how = f"built in {time.perf_counter() - started:,.0f} s"
    databases = {size: Database(server.url(name)) for size, name in names.items()}
    for db in databases.values():
        db.upgrade()  # a cached database brought to the newest schema, as the bot would on start
    return databases, how


@dataclass
class Samples:
    """One history size's timed runs: wall, processor and (PostgreSQL) server milliseconds."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    server: list[float] = field(default_factory=list)


def spread(values: list[float]) -> str:
    """The median, and the range of the runs: ``median (min–max)``."""
    if not values:
        return "-"
    median, low, high = statistics.median(values), min(values), max(values)
    return f"{common.ms(median)} ({common.ms(low)}–{common.ms(high)})"


def median_ratio(values: list[float], base: list[float]) -> str:
    if not values or not base:
        return "-"
    return common.ratio(statistics.median(values) / statistics.median(base))


def growing_history(
    backend: str,
    databases: dict[int, Database],
    framework: Framework,
    args: argparse.Namespace,
    server: ServerClock = NO_SERVER,
) -> None:
    """A year's report at each history size, the sizes taking turns: each once untimed (the
    warm-up a running bot's cache has had), then ``--repeat`` rounds in which each size's
    report is built once, so that a machine busy with other work slows every size alike."""
    since, until = PERIOD_END - timedelta(weeks=52), PERIOD_END
    period = report_period("UTC", until, since=since, until=until)
    sizes = sorted(databases)

    def build(db: Database) -> tuple[ImpactReport, Evidence]:
        report = build_report(db, framework, TEAM, period, now=until, min_group=3)
        return report, build_evidence(db, report)

    built = {size: build(databases[size]) for size in sizes}  # the warm-up
    samples = {size: Samples() for size in sizes}
    loads = [os.getloadavg()[0]]
    for turn in range(args.repeat):
        print(f"  timing {backend}: round {turn + 1} of {args.repeat}", file=sys.stderr)
        for size in sizes:
            gc.collect()
            server_started = server.ms()
            started, cpu_started = time.perf_counter(), time.process_time()
            build(databases[size])
            samples[size].cpu.append((time.process_time() - cpu_started) * 1000)
            samples[size].wall.append((time.perf_counter() - started) * 1000)
            server_ended = server.ms()
            if server_started is not None and server_ended is not None:
                samples[size].server.append(server_ended - server_started)
        loads.append(os.getloadavg()[0])
    base = samples[sizes[0]]
    common.print_table(
        [
            "history",
            "rows in table",
            "year (shared)",
            "wall ms, median (min–max)",
            "cpu ms",
            "server cpu ms",
            "wall vs first",
            "cpu vs first",
            "server vs first",
        ],
        [
            [
                f"{size:,}",
                f"{common.count_entries(databases[size]):,}",
                f"{built[size][0].headline.entries.value:,.0f}",
                spread(samples[size].wall),
                spread(samples[size].cpu),
                spread(samples[size].server),
                median_ratio(samples[size].wall, base.wall),
                median_ratio(samples[size].cpu, base.cpu),
                median_ratio(samples[size].server, base.server),
            ]
            for size in sizes
        ],
        title=f"report of a year with every section, {backend}: {args.per_week} entries a "
        f"week, growing history; {args.repeat} runs per size, the sizes taking turns (load "
        f"average {min(loads):.1f}–{max(loads):.1f})",
    )
    largest = samples[sizes[-1]]
    print(
        f"  {sizes[-1]:,} ÷ {sizes[0]:,} history, medians: wall "
        f"{median_ratio(largest.wall, base.wall)}, cpu {median_ratio(largest.cpu, base.cpu)}"
        + (f", server cpu {median_ratio(largest.server, base.server)}" if base.server else "")
        + " (target 1.5x)"
    )
    report, evidence = built[sizes[-1]]
    db = databases[sizes[-1]]
    print(
        f"  (the year's report: {len(evidence.chosen)} chosen stories, "
        f"{evidence.outcomes.total:,} outcomes, {len(evidence.voices.organisations)} "
        f"organisations, {evidence.follow_through.committed:,} actions committed)"
    )
    if args.sections:
        parts = [
            (f"history {size:,}", time_sections(databases[size], framework, TEAM, since, until, 3))
            for size in sizes
        ]
        print_sections(backend, parts, "by history")
    if args.explain:
        print_plans(db, framework)
    if args.history_only:
        return
    rendering(backend, db, framework, report, evidence, args.repeat)
    selection_cost(backend, db, framework)


def rendering(
    backend: str,
    db: Database,
    framework: Framework,
    report: ImpactReport,
    evidence: Evidence,
    repeat: int,
) -> None:
    """The year's report as HTML (charts as drawn when matplotlib is there) and as PDF (the
    HTML laid out by WeasyPrint), three ways: written alone (the report already built), built
    and written in this process, and ``kindness-bot report`` run as the coordinator runs it (a
    process of its own: starting Python, reading the database, building, writing the file).
    The formats take turns, run after run, so that a machine busy with other work slows both
    alike."""
    names = Directory(db, TEAM)
    since, until = PERIOD_END - timedelta(weeks=52), PERIOD_END
    period = report_period("UTC", until, since=since, until=until)

    def write(fmt: str, built: tuple[ImpactReport, Evidence]) -> None:
        if fmt == "pdf":
            report_pdf(built[0], framework, names=names, evidence=built[1])
        else:
            write_report(built[0], framework, fmt, io.StringIO(), names=names, evidence=built[1])

    def built_and_written(fmt: str) -> None:
        built = build_report(db, framework, TEAM, period, now=until, min_group=3)
        write(fmt, (built, build_evidence(db, built)))

    formats = ["html"] + (["pdf"] if pdf_available() else [])
    url = db.engine.url.render_as_string(hide_password=False)
    ways: list[tuple[str, Callable[[str], float]]] = [
        ("written", lambda fmt: in_process(lambda: write(fmt, (report, evidence)))),
        ("built and written", lambda fmt: in_process(lambda: built_and_written(fmt))),
        ("kindness-bot report", lambda fmt: cli_report(url, fmt, since, until)),
    ]
    rows: list[tuple[str, str, ReportTiming]] = []
    for what, run in ways:
        print(f"  timing {backend}: the report {what}", file=sys.stderr)
        rows += [(what, fmt, t) for fmt, t in taking_turns(formats, run, repeat).items()]
    html = {what: t for what, fmt, t in rows if fmt == "html"}
    common.print_table(
        ["the year's report", "format", "median ms", "p95 ms", "cpu ms", "vs html", "cpu vs html"],
        [
            [
                what,
                fmt,
                common.ms(t.wall.median_ms),
                common.ms(t.wall.p95_ms),
                common.ms(t.cpu_ms),
                common.ratio(t.wall.median_ms / html[what].wall.median_ms),
                common.ratio(t.cpu_ms / html[what].cpu_ms),
            ]
            for what, fmt, t in rows
        ],
        title=f"writing the year's report, {backend} (charts: "
        f"{'drawn' if charts.available() else 'tables only'}"
        f"{'' if pdf_available() else '; no PDF: WeasyPrint or Pango missing'}; the PDF is the "
        "HTML laid out, so it includes the HTML's time; kindness-bot report is a process of its "
        "own: its cpu is that process's"
        f"{', not the database server' if backend == 'postgresql' else ''})",
    )
    if "pdf" in formats:
        pdf = {what: t for what, fmt, t in rows if fmt == "pdf"}
        for label, what in (
            ("writing alone", "written"),
            ("built and written (as /kindness report does)", "built and written"),
            ("as the coordinator runs it (kindness-bot report)", "kindness-bot report"),
        ):
            print(
                f"  the PDF against the HTML, {label}: "
                f"{pdf[what].cpu_ms / html[what].cpu_ms:.2f}x cpu, "
                f"{pdf[what].wall.median_ms / html[what].wall.median_ms:.2f}x wall (target 3x)"
            )


def taking_turns(
    formats: list[str], run: Callable[[str], float], repeat: int
) -> dict[str, ReportTiming]:
    """Each format once untimed, then ``repeat`` rounds in which each format runs once: the
    median wall and processor time of each (``run`` returns its processor milliseconds)."""
    for fmt in formats:
        run(fmt)
    walls: dict[str, list[float]] = {fmt: [] for fmt in formats}
    cpus: dict[str, list[float]] = {fmt: [] for fmt in formats}
    for _ in range(repeat):
        for fmt in formats:
            started = time.perf_counter()
            cpus[fmt].append(run(fmt))
            walls[fmt].append((time.perf_counter() - started) * 1000)
    timings = {}
    for fmt in formats:
        samples = sorted(walls[fmt])
        p95 = samples[max(0, math.ceil(0.95 * len(samples)) - 1)]
        wall = common.Timing(statistics.median(samples), p95, len(samples))
        timings[fmt] = ReportTiming(wall, statistics.median(cpus[fmt]))
    return timings


def in_process(action: Callable[[], object]) -> float:
    """The processor milliseconds ``action`` takes in this process."""
    started = time.process_time()
    action()
    return (time.process_time() - started) * 1000


def cli_report(url: str, fmt: str, since: datetime, until: datetime) -> float:
    """``kindness-bot report --format FMT -o FILE`` in a process of its own, as a coordinator
    runs it; its processor milliseconds (the child's user and system time)."""
    with tempfile.TemporaryDirectory() as folder:
        command = [sys.executable, "-m", "bot", "report", "--team", TEAM, "--offline"]
        command += ["--since", since.isoformat(), "--until", until.isoformat()]
        command += ["--format", fmt, "-o", str(Path(folder) / f"report.{fmt}")]
        environment = {
            **{k: v for k, v in os.environ.items() if not k.startswith("SLACK_")},
            "DATABASE_URL": url,
            "LOG_LEVEL": "WARNING",
        }
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(command, env=environment, check=True, capture_output=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)) * 1000


def selection_cost(backend: str, db: Database, framework: Framework) -> None:
    """The shortlist a round would post, for periods from a week to a year of the log."""
    rows = []
    base = None
    for weeks in (1, 4, 13, 52):
        start = PERIOD_END - timedelta(weeks=weeks)
        due = RoundTime("2099-01", start, PERIOD_END, PERIOD_END, PERIOD_END, "bench")
        timing = common.measure(lambda due=due: shortlist_for(db, TEAM, due), 5)
        entries = common.count_entries(db)  # the whole table, for scale
        with db.reading() as session:
            eligible = session.scalar(
                select(func.count()).where(
                    Entry.team_id == TEAM,
                    Entry.visibility.in_(("network", "anonymous")),
                    Entry.kind.in_(("story", "outcome")),
                    Entry.created_at >= start,
                    Entry.created_at < PERIOD_END,
                )
            )
        base = base or timing.median_ms
        rows.append(
            [
                f"{weeks} weeks",
                f"{eligible:,}",
                common.ms(timing.median_ms),
                common.ms(timing.p95_ms),
                common.ratio(timing.median_ms / base),
            ]
        )
    common.print_table(
        ["period", "stories and outcomes", "median ms", "p95 ms", "vs a week"],
        rows,
        title=f"the selection round's shortlist, {backend} ({entries:,} rows in table)",
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=1_000_000, help="size of the search log")
    parser.add_argument("--max-history", type=int, default=1_000_000, help="largest history")
    parser.add_argument("--per-week", type=int, default=200, help="entries a week in table 2")
    parser.add_argument(
        "--backend", choices=("sqlite", "postgresql", "both"), default="sqlite", help="store"
    )
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per report")
    parser.add_argument("--seed", type=int, default=7, help="seed of the generated data")
    parser.add_argument("--db-dir", type=Path, default=common.DEFAULT_DB_DIR)
    parser.add_argument("--rebuild", action="store_true", help="rebuild the cached search log")
    parser.add_argument(
        "--rebuild-history",
        action="store_true",
        help="rebuild table 2's cached databases (one per history size, kept in --db-dir)",
    )
    parser.add_argument(
        "--history-only",
        action="store_true",
        help="table 2 only: no search log, rendering nor selection",
    )
    parser.add_argument(
        "--no-search-log", action="store_true", help="leave out table 1 (the search log)"
    )
    parser.add_argument(
        "--search-log-only",
        action="store_true",
        help="only table 1 (the search log): no growing history, rendering nor selection",
    )
    parser.add_argument(
        "--sections",
        action="store_true",
        help="time each part of the report (its statements): the search log's periods, and "
        "the year at every history size",
    )
    parser.add_argument(
        "--explain",
        action="store_true",
        help="print the plan of each statement of the year's report at the largest history",
    )
    args = parser.parse_args(argv)
    args.no_search_log = args.no_search_log or args.history_only
    started = time.perf_counter()
    args.db_dir.mkdir(parents=True, exist_ok=True)  # also with --no-search-log
    framework = load_framework()
    if args.backend in ("sqlite", "both"):
        if not args.no_search_log:
            path, how = search.sqlite_database(args.db_dir, args.entries, SEARCH_SEED, args.rebuild)
            print(f"\n=== sqlite: search log {how} ===")
        if not args.no_search_log:
            db = Database(f"sqlite:///{path}")
            try:
                on_the_search_log("sqlite", db, framework, args)
            finally:
                db.dispose()
    if args.backend in ("sqlite", "both") and not args.search_log_only:
        databases, how = sqlite_histories(args)
        print(f"\n=== sqlite: the growing history {how} ===")
        try:
            growing_history("sqlite", databases, framework, args)
        finally:
            for db in databases.values():
                db.dispose()
    if args.backend in ("postgresql", "both"):
        server = common.start_postgres(args.db_dir / f"postgres-v{common.DATA_VERSION}")
        clock = ServerClock(server.data)
        try:
            if not args.no_search_log:
                url, how = search.postgres_database(server, args.entries, SEARCH_SEED, args.rebuild)
                print(f"\n=== postgresql: search log {how} ===")
                db = Database(url)
                try:
                    on_the_search_log("postgresql", db, framework, args, clock)
                finally:
                    db.dispose()
            if not args.search_log_only:
                databases, how = postgres_histories(server, args)
                print(f"\n=== postgresql: the growing history {how} ===")
                try:
                    growing_history("postgresql", databases, framework, args, clock)
                finally:
                    for db in databases.values():
                        db.dispose()
        finally:
            server.stop()
    print(f"\nwall time {time.perf_counter() - started:,.0f} s")


if __name__ == "__main__":
    main()
