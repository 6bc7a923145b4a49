"""The impact report's cost: a year's report in at most 2 s on SQLite, growing with the
period's entries, not with the size of the history.

Two tables per backend (``build_report`` — every figure, chart series, highlight and lesson
of the report, and the same for the period before it; rendering is left out, it does not
touch the database):

1. on the log ``bench/search.py`` builds (1,000,000 entries over four years, 90% in one big
   workspace; built once and reused from ``--db-dir``): the report of the big workspace for
   the last 12 weeks and for the last year of the log;
2. a year of ``--per-week`` entries a week (and the year before it, the comparison) in a
   database of its own, while the history before them grows: 10k, 100k, 1M entries. The
   figure to watch is the last column: the report at 1M history against 10k.

Run (SQLite)::

    .venv/bin/python bench/report.py

``--backend postgresql`` (or ``both``) uses a throwaway PostgreSQL server (tests/pgserver.py);
``--entries 20000 --max-history 20000`` is a quick smoke run.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import _common as common
import search

from bot.db import Database
from bot.goals import Framework, load_framework
from bot.report.figures import ImpactReport, build_report, report_period

TEAM = "T0REPORT1"
MEMBERS = 150
PERIOD_END = datetime(2026, 1, 5, tzinfo=UTC)  # a Monday: the year reported ends here
SEARCH_SEED = 42  # the search benchmark's default: its cached log is reused


def time_report(
    db: Database, framework: Framework, team: str, since: datetime, until: datetime, repeat: int
) -> tuple[common.Timing, ImpactReport]:
    period = report_period("UTC", until, since=since, until=until)

    def run() -> ImpactReport:
        return build_report(db, framework, team, period, now=until)

    report = run()  # the untimed warm-up
    return common.measure(run, repeat, warmup=0), report


def on_the_search_log(backend: str, db: Database, framework: Framework, repeat: int) -> None:
    rows = []
    for label, weeks in (("12 weeks", 12), ("a year", 52)):
        since = search.END - timedelta(weeks=weeks)
        print(f"  timing {backend}: {label}", file=sys.stderr)
        timing, report = time_report(db, framework, search.BIG_TEAM, since, search.END, repeat)
        rows.append(
            [
                label,
                f"{report.headline.entries.value:,.0f}",
                f"{report.headline.entries.previous:,.0f}",
                common.ms(timing.median_ms),
                common.ms(timing.p95_ms),
            ]
        )
    common.print_table(
        ["report of", "entries (shared)", "period before", "median ms", "p95 ms"],
        rows,
        title=f"report, {backend}: the big workspace of the search log "
        f"({common.count_entries(db):,} rows in table)",
    )


def period_rows(per_week: int, first_id: int, seed: int) -> list[dict]:
    """Two years of ``per_week`` entries a week up to PERIOD_END: the year and the one before."""
    maker = common.EntryMaker(seed * 1000 + per_week)
    start = PERIOD_END - timedelta(weeks=104)
    rows = []
    for week in range(104):
        base = start + timedelta(weeks=week)
        for offset in sorted(maker.rng.random() * 7 * 86400 for _ in range(per_week)):
            created = base + timedelta(seconds=offset)
            rows.append(maker.row(first_id + len(rows), TEAM, maker.member(MEMBERS), created))
    return rows


def history(count: int, first_id: int, end: datetime, seed: int) -> list[dict]:
    """``count`` older entries spread over the five years before ``end``."""
    maker = common.EntryMaker(seed * 7919 + count)
    start = end - timedelta(days=365 * 5)
    step = (end - start) / max(count, 1)
    return [
        maker.row(first_id + n, TEAM, maker.member(MEMBERS), start + step * n) for n in range(count)
    ]


def growing_history(
    backend: str, db: Database, framework: Framework, args: argparse.Namespace
) -> None:
    db.upgrade()
    common.add_workspaces(db, [TEAM], datetime(2015, 1, 1, tzinfo=UTC))
    # The history must have smaller ids than the period (ids follow time), so ids are
    # reserved: history from 1, the period after the largest history.
    period = period_rows(args.per_week, args.max_history + 1, args.seed)
    common.bulk_insert(db, period, total=len(period), label="two years")
    common.after_load(db)
    oldest = PERIOD_END - timedelta(weeks=104)
    sizes = sorted({args.max_history // 100, args.max_history // 10, args.max_history})
    loaded = 0
    rows = []
    base = None
    for size in sizes:
        # Each stage adds the newest part of the history still missing (ids stay in time order
        # within a stage; the report reads by time, not by id).
        added = history(size - loaded, loaded + 1, oldest - timedelta(days=1), args.seed + size)
        common.bulk_insert(db, added, total=len(added), label=f"history to {size:,}")
        common.after_load(db)
        loaded = size
        print(f"  timing {backend}: history {size:,}", file=sys.stderr)
        timing, report = time_report(
            db, framework, TEAM, PERIOD_END - timedelta(weeks=52), PERIOD_END, args.repeat
        )
        base = base or timing.median_ms
        rows.append(
            [
                f"{size:,}",
                f"{common.count_entries(db):,}",
                f"{report.headline.entries.value:,.0f}",
                common.ms(timing.median_ms),
                common.ms(timing.p95_ms),
                common.ratio(timing.median_ms / base),
            ]
        )
    common.print_table(
        ["history", "rows in table", "year (shared)", "median ms", "p95 ms", "vs first"],
        rows,
        title=f"report of a year, {backend}: {args.per_week} entries a week, growing history",
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
    args = parser.parse_args(argv)
    started = time.perf_counter()
    framework = load_framework()
    if args.backend in ("sqlite", "both"):
        path, how = search.sqlite_database(args.db_dir, args.entries, SEARCH_SEED, args.rebuild)
        print(f"\n=== sqlite: search log {how} ===")
        db = Database(f"sqlite:///{path}")
        try:
            on_the_search_log("sqlite", db, framework, args.repeat)
        finally:
            db.dispose()
        own = args.db_dir / f"report-{args.max_history}-s{args.seed}.db"
        for leftover in (own, Path(f"{own}-wal"), Path(f"{own}-shm")):
            leftover.unlink(missing_ok=True)
        db = Database(f"sqlite:///{own}")
        try:
            growing_history("sqlite", db, framework, args)
        finally:
            db.dispose()
            own.unlink(missing_ok=True)
    if args.backend in ("postgresql", "both"):
        server = common.start_postgres(args.db_dir / f"postgres-v{common.DATA_VERSION}")
        try:
            url, how = search.postgres_database(server, args.entries, SEARCH_SEED, args.rebuild)
            print(f"\n=== postgresql: search log {how} ===")
            db = Database(url)
            try:
                on_the_search_log("postgresql", db, framework, args.repeat)
            finally:
                db.dispose()
            server.execute("DROP DATABASE IF EXISTS report_history")
            db = Database(server.create_database("report_history"))
            try:
                growing_history("postgresql", db, framework, args)
            finally:
                db.dispose()
        finally:
            server.stop()
    print(f"\nwall time {time.perf_counter() - started:,.0f} s")


if __name__ == "__main__":
    main()
