"""The weekly digest's cost: it should grow with the week's entries, not with the history.

Measures the product's promise "the cost of a digest grows with the week's entries, not the
size of the history". For one workspace, times ``weekly_summary(db, framework, team, week)``
(the whole digest: the week's entries, the actions completed in it, and the 8-week trend), once
untimed and then ``--repeat`` times (median and p95 in ms):

1. with a fixed week of 200 entries, while the history before it grows: 0, 1%, 10% and 100%
   of ``--max-history`` (default 0, 10k, 100k, 1M entries);
2. with the full history, for weeks of 50, 200, 1,000 and 5,000 entries.

The network in each case writes the measured week's number of entries in each of the seven
weeks before it too (the trend window the digest reads). The history is everything older:
spread over the five years before that window, and loaded in stages into one database (ids
still follow time, as in a real log). Entries are generated from a seed, as in
``bench/search.py``: stories, actions (some completed) and reflections over the six goals,
10% private and 10% anonymous. The database is built afresh each run through the migrations
(so the search index is maintained too) and removed afterwards.

Run (SQLite, history up to 1,000,000 entries)::

    .venv/bin/python bench/digest.py

``--backend postgresql`` (or ``both``) uses a throwaway PostgreSQL server (tests/pgserver.py);
``--max-history 20000`` is a quick smoke run; ``--explain`` prints the digest's query plans.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import _common as common

from bot.db import Database
from bot.goals import Framework, load_framework
from bot.summary import TREND_WEEKS, WeeklySummary, weekly_summary
from bot.weeks import Week

TEAM = "T0DIGEST1"
MEMBERS = 150
FIXED_WEEK = 200
WEEK_SIZES = (50, 200, 1000, 5000)
FIRST_WEEK = Week(date(2026, 1, 5), "UTC")  # a Monday; the fixed week of table 1
BLOCK_SPACING = 12  # weeks between measured weeks: trend windows and completions never overlap
HISTORY_YEARS = 5


def history_sizes(maximum: int) -> list[int]:
    return sorted({0, maximum // 100, maximum // 10, maximum})


def history_stage(index: int, steps: list[int]) -> int:
    """The first stage whose evenly spaced subset of the history holds entry ``index``."""
    return next(stage for stage, step in enumerate(steps) if index % step == 0)


def history(maximum: int, sizes: list[int], stage: int, seed: int) -> Iterator[dict]:
    """The history entries that stage ``stage`` adds, oldest first (ids 1..maximum)."""
    steps = [max(1, maximum // size) for size in sizes if size]
    end = FIRST_WEEK.shifted(-(TREND_WEEKS - 1)).start - timedelta(weeks=4)
    start = end - timedelta(days=365 * HISTORY_YEARS)
    step = (end - start) / max(maximum, 1)
    maker = common.EntryMaker(seed * 1000 + stage)
    for index in range(maximum):
        if history_stage(index, steps) != stage:
            continue
        created = start + step * index + timedelta(seconds=maker.rng.random() * 60)
        yield maker.row(index + 1, TEAM, maker.member(MEMBERS), created)


def block(
    week: Week, per_week: int, first_id: int, seed: int, weeks: int = TREND_WEEKS
) -> list[dict]:
    """``per_week`` entries in each of ``week`` and the ``weeks - 1`` weeks before it."""
    maker = common.EntryMaker(seed * 1000 + per_week + 17)
    rows = []
    for back in range(weeks - 1, -1, -1):
        start = week.shifted(-back).start
        seconds = sorted(maker.rng.random() * 7 * 86400 for _ in range(per_week))
        for offset in seconds:
            created = start + timedelta(seconds=offset)
            rows.append(maker.row(first_id + len(rows), TEAM, maker.member(MEMBERS), created))
    return rows


def insert(db: Database, rows: Iterator[dict] | list[dict], total: int, label: str) -> float:
    seconds = common.bulk_insert(db, rows, total=total, label=label)
    common.after_load(db)
    return seconds


def time_digest(
    db: Database, framework: Framework, week: Week, repeat: int
) -> tuple[common.Timing, WeeklySummary]:
    summary = weekly_summary(db, framework, TEAM, week)  # also the untimed warm-up run
    timing = common.measure(lambda: weekly_summary(db, framework, TEAM, week), repeat, warmup=0)
    return timing, summary


def window_rows(summary: WeeklySummary) -> int:
    return sum(figures.total for figures in summary.trend)


def run(backend: str, db: Database, framework: Framework, args: argparse.Namespace) -> None:
    started = time.perf_counter()
    sizes = history_sizes(args.max_history)
    db.upgrade()
    common.add_workspaces(db, [TEAM], datetime(2015, 1, 1, tzinfo=UTC))
    next_id = args.max_history + 1
    # The measured weeks in time order: the fixed week first, then one per week size.
    weeks = {FIXED_WEEK: FIRST_WEEK}
    others = [size for size in args.week_sizes if size != FIXED_WEEK]
    for number, size in enumerate(others, start=1):
        weeks[size] = FIRST_WEEK.shifted(BLOCK_SPACING * number)
    fixed = block(FIRST_WEEK, FIXED_WEEK, next_id, args.seed)
    next_id += len(fixed)
    load_seconds = insert(db, fixed, len(fixed), f"{FIXED_WEEK}-a-week block")

    print(f"\n=== {backend}: workspace {TEAM}, {MEMBERS} members ===")
    print(f"  each digest: 1 untimed run, then {args.repeat} timed runs")
    growing_history = []
    base = None
    for stage, size in enumerate(sizes):
        if size:
            steps = [max(1, args.max_history // s) for s in sizes if s]
            added = sum(1 for i in range(args.max_history) if history_stage(i, steps) == stage - 1)
            load_seconds += insert(
                db,
                history(args.max_history, sizes, stage - 1, args.seed),
                added,
                f"history stage {stage}",
            )
        print(f"  timing {backend}: history {size:,}", file=sys.stderr)
        timing, summary = time_digest(db, framework, FIRST_WEEK, args.repeat)
        base = base or timing.median_ms
        growing_history.append(
            [
                f"{common.count_entries(db) - len(fixed):,}",
                f"{common.count_entries(db):,}",
                f"{summary.total:,}",
                f"{window_rows(summary):,}",
                common.ms(timing.median_ms),
                common.ms(timing.p95_ms),
                common.ratio(timing.median_ms / base),
            ]
        )
        if args.explain and stage == len(sizes) - 1:
            common.print_plans(
                db,
                f"{backend} digest, history {size:,}",
                lambda: weekly_summary(db, framework, TEAM, FIRST_WEEK),
            )
    common.print_table(
        [
            "history entries",
            "rows in table",
            "week (shared)",
            "8-week window",
            "median ms",
            "p95 ms",
            "vs first",
        ],
        growing_history,
        title=f"digest, {backend}: a week of {FIXED_WEEK} entries, growing history",
    )

    for size in others:
        rows = block(weeks[size], size, next_id, args.seed)
        next_id += len(rows)
        load_seconds += insert(db, rows, len(rows), f"{size}-a-week block")
    growing_week = []
    base = None
    for size in sorted(args.week_sizes):
        print(f"  timing {backend}: week of {size:,}", file=sys.stderr)
        timing, summary = time_digest(db, framework, weeks[size], args.repeat)
        base = base or timing.median_ms
        growing_week.append(
            [
                f"{size:,}",
                f"{summary.total:,}",
                f"{window_rows(summary):,}",
                f"{sum(len(g.highlights) for g in summary.goals)}",
                common.ms(timing.median_ms),
                common.ms(timing.p95_ms),
                common.ratio(timing.median_ms / base),
            ]
        )
    common.print_table(
        [
            "entries in week",
            "shared",
            "8-week window",
            "highlights",
            "median ms",
            "p95 ms",
            "vs first",
        ],
        growing_week,
        title=(
            f"digest, {backend}: history of {args.max_history:,} entries, growing week "
            f"({common.count_entries(db):,} rows in table)"
        ),
    )
    print(
        f"\n  loading took {load_seconds:,.0f} s; {backend} total "
        f"{time.perf_counter() - started:,.0f} s"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--max-history", type=int, default=1_000_000, help="largest history (entries)"
    )
    parser.add_argument(
        "--week-sizes",
        type=lambda value: tuple(int(v) for v in value.split(",")),
        default=WEEK_SIZES,
        help="entries per week for the second table, comma-separated",
    )
    parser.add_argument(
        "--backend", choices=("sqlite", "postgresql", "both"), default="sqlite", help="store"
    )
    parser.add_argument("--repeat", type=int, default=20, help="timed runs per digest")
    parser.add_argument("--seed", type=int, default=7, help="seed of the generated data")
    parser.add_argument(
        "--db-dir", type=Path, default=common.DEFAULT_DB_DIR, help="where the SQLite file goes"
    )
    parser.add_argument("--keep", action="store_true", help="keep the SQLite file afterwards")
    parser.add_argument("--explain", action="store_true", help="print the query plans too")
    args = parser.parse_args(argv)
    if FIXED_WEEK not in args.week_sizes:
        args.week_sizes = (*args.week_sizes, FIXED_WEEK)

    started = time.perf_counter()
    framework = load_framework()
    if args.backend in ("sqlite", "both"):
        args.db_dir.mkdir(parents=True, exist_ok=True)
        path = args.db_dir / f"digest-{args.max_history}-s{args.seed}.db"
        for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            leftover.unlink(missing_ok=True)
        db = Database(f"sqlite:///{path}")
        try:
            run("sqlite", db, framework, args)
            print("  database size:")
            common.print_sizes(common.size_report(db, path)[:1])
        finally:
            db.dispose()
            if not args.keep:
                path.unlink(missing_ok=True)
    if args.backend in ("postgresql", "both"):
        server = common.start_postgres(None)
        try:
            db = Database(server.create_database("digest"))
            try:
                run("postgresql", db, framework, args)
                print("  database size:")
                common.print_sizes(common.size_report(db)[:1])
            finally:
                db.dispose()
        finally:
            server.stop()
    print(f"\nwall time {time.perf_counter() - started:,.0f} s")


if __name__ == "__main__":
    main()
