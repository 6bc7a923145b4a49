"""Search on a big learning log: ``LearningLog.search`` against a naive LIKE scan.

Measures the product's promise "search stays fast on a million entries". Builds (once, then
reuses from ``--db-dir``) a log of ``--entries`` entries over four years: 90% in one big
workspace, the rest spread over 20 small ones; texts are sentences drawn from a 4,000-word
vocabulary with a Zipf distribution (so there are common and rare words); 10% of the entries
are private and 10% anonymous. Rows go in as ``kindness-bot restore`` loads them
(``_common.bulk_insert``: one transaction, SQLite executemany / PostgreSQL COPY, into the schema
the migrations create, the entries' indexes and SQLite's full-text index built once after the
rows): a million entries in a few minutes.

Then times ``LearningLog.search(team, viewer, words, limit=10)`` — full text — for a common
word, a rare word, two words, a word with no match, a goal-filtered query, page 3 (offset 20),
a common word in a small workspace, a common word with a rare one, and three common words
that seldom meet, against the naive alternative over the same data:
``... WHERE team_id = ? AND <same visibility filter> AND lower(text) LIKE '%word%' ORDER BY
id DESC LIMIT 11``. Each is run once untimed, then ``--repeat`` times: median and p95 in ms.
"LIKE / FTS" is the LIKE median divided by the full-text median (above 1: full text wins).

Run (both backends, 1,000,000 entries)::

    .venv/bin/python bench/search.py

Quick smoke run: ``.venv/bin/python bench/search.py --entries 20000 --backend sqlite``.
A log cached by an older version is migrated to the newest schema before it is timed.
``--explain`` also prints the query plans (EXPLAIN QUERY PLAN / EXPLAIN ANALYZE).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import _common as common
from sqlalchemy import func, select

from bot.db import Database
from bot.goals import Framework, load_framework
from bot.learning_log import EntryView as View
from bot.learning_log import LearningLog, SearchPage
from bot.models import Entry
from bot.visibility import visible_to

BIG_TEAM = "T0BIG0001"
SMALL_TEAMS = tuple(f"T0SMALL{n:02d}" for n in range(1, 21))
BIG_SHARE = 0.9
BIG_MEMBERS, SMALL_MEMBERS = 3000, 60
VIEWER = "U0000000"  # the most active member of the big workspace (has private entries)
START = datetime(2022, 11, 21, tzinfo=UTC)
END = datetime(2026, 11, 20, tzinfo=UTC)


@dataclass(frozen=True)
class Query:
    name: str
    words: str
    goal: str | None = None
    offset: int = 0
    team: str = BIG_TEAM


QUERIES = (
    Query("common word", "team"),
    Query("rare word", "apprenticeship"),
    Query("two words", "listen patients"),
    Query("no match", "quokka"),
    Query("goal-filtered (g3)", "team", goal="g3"),
    Query("page 3 (offset 20)", "team", offset=20),
    Query("common word, small workspace", "team", team=SMALL_TEAMS[0]),
    Query("common and rare word", "team apprenticeship"),
    Query("three words", "team listen patients"),
)


def generate(entries: int, seed: int) -> Iterator[dict]:
    """The log in insertion order: ids and creation times grow together."""
    maker = common.EntryMaker(seed)
    rng = maker.rng
    step = (END - START) / max(entries, 1)
    for index in range(entries):
        if rng.random() < BIG_SHARE:
            team, members = BIG_TEAM, BIG_MEMBERS
        else:
            team, members = rng.choice(SMALL_TEAMS), SMALL_MEMBERS
        created = START + step * index + timedelta(seconds=rng.random() * step.total_seconds())
        yield maker.row(index + 1, team, maker.member(members), created)


def load(db: Database, entries: int, seed: int) -> float:
    db.upgrade()
    common.add_workspaces(db, (BIG_TEAM, *SMALL_TEAMS), START)
    seconds = common.bulk_insert(db, generate(entries, seed), total=entries)
    common.after_load(db)
    return seconds


def sqlite_database(db_dir: Path, entries: int, seed: int, rebuild: bool) -> tuple[Path, str]:
    """The cached SQLite log (built first when missing); (path, how it was obtained)."""
    path = db_dir / f"search-sqlite-n{entries}-s{seed}-v{common.DATA_VERSION}.db"
    if path.exists() and not rebuild:
        return path, "reused from cache" + _upgrade(Database(f"sqlite:///{path}"))
    db_dir.mkdir(parents=True, exist_ok=True)
    building = path.with_suffix(".building")
    for leftover in (building, Path(f"{building}-wal"), Path(f"{building}-shm"), path):
        leftover.unlink(missing_ok=True)
    db = Database(f"sqlite:///{building}")
    seconds = load(db, entries, seed)
    db.dispose()
    building.rename(path)
    return path, f"built in {seconds:,.0f} s ({entries / seconds:,.0f} rows/s)"


def postgres_database(
    server: common.PostgresServer, entries: int, seed: int, rebuild: bool
) -> tuple[str, str]:
    """The cached PostgreSQL log, a database of its own in the kept cluster."""
    name = f"search_n{entries}_s{seed}_v{common.DATA_VERSION}"
    if common.database_exists(server, name) and not rebuild:
        return server.url(name), "reused from cache" + _upgrade(Database(server.url(name)))
    server.execute(f"DROP DATABASE IF EXISTS {name}")
    server.execute(f"DROP DATABASE IF EXISTS {name}_building")
    db = Database(server.create_database(f"{name}_building"))
    seconds = load(db, entries, seed)
    db.dispose()
    server.execute(f"ALTER DATABASE {name}_building RENAME TO {name}")
    return server.url(name), f"built in {seconds:,.0f} s ({entries / seconds:,.0f} rows/s)"


def _upgrade(db: Database) -> str:
    """A cached log brought to the newest schema, as the bot would on start."""
    before = db.current_revision()
    started = time.perf_counter()
    db.upgrade()
    after = db.current_revision()
    db.dispose()
    if before == after:
        return ""
    return f", migrated {before} -> {after} in {time.perf_counter() - started:,.0f} s"


def like_search(
    db: Database,
    framework: Framework,
    team_id: str,
    viewer: str | None,
    words: str,
    *,
    goal: str | None = None,
    limit: int = 10,
    offset: int = 0,
) -> SearchPage:
    """The naive alternative: ``lower(text) LIKE '%word%'`` for every word, newest first.

    Everything else as ``LearningLog.search`` does it (same filter, order, page and views).
    """
    tokens = [t.lower() for t in words.split()]
    goal_key = framework.resolve(goal).key if goal else None  # type: ignore[union-attr]
    with db.reading() as session:
        query = select(Entry).where(
            Entry.team_id == team_id,
            visible_to(viewer),
            *(func.lower(Entry.text).contains(t, autoescape=True) for t in tokens),
        )
        if goal_key is not None:
            query = query.where(Entry.goal_key == goal_key)
        rows = session.scalars(query.order_by(Entry.id.desc()).offset(offset).limit(limit + 1))
        rows = rows.all()
        return SearchPage(
            words=tokens,
            goal_key=goal_key,
            entries=[View.of(e, viewer) for e in rows[:limit]],
            has_more=len(rows) > limit,
            offset=offset,
        )


def hits(db: Database, framework: Framework, query: Query) -> int:
    """How many entries the viewer may see match the query (the size of the result set).

    Counted with LIKE: the vocabulary makes substring and word-prefix matching find the same
    entries, and the "same page" column checks that the full-text search agrees.
    """
    tokens = [t.lower() for t in query.words.split()]
    goal = framework.resolve(query.goal) if query.goal else None
    with db.reading() as session:
        matches = [func.lower(Entry.text).contains(t, autoescape=True) for t in tokens]
        count = select(func.count()).where(
            Entry.team_id == query.team, visible_to(VIEWER), *matches
        )
        if goal is not None:
            count = count.where(Entry.goal_key == goal.key)
        return session.scalar(count) or 0


def run_backend(
    backend: str, db: Database, framework: Framework, repeat: int, explain: bool
) -> list[list[str]]:
    log = LearningLog(db, framework)
    rows = []
    for query in QUERIES:

        def fts(query: Query = query) -> SearchPage:
            return log.search(
                query.team, VIEWER, query.words, goal=query.goal, limit=10, offset=query.offset
            )

        def like(query: Query = query) -> SearchPage:
            return like_search(
                db,
                framework,
                query.team,
                VIEWER,
                query.words,
                goal=query.goal,
                limit=10,
                offset=query.offset,
            )

        print(f"  timing {backend}: {query.name}", file=sys.stderr)
        fts_time = common.measure(fts, repeat)
        like_time = common.measure(like, repeat)
        matching = hits(db, framework, query)
        same = [e.id for e in fts().entries] == [e.id for e in like().entries]
        rows.append(
            [
                query.name,
                query.words,
                f"{matching:,}",
                common.ms(fts_time.median_ms),
                common.ms(fts_time.p95_ms),
                common.ms(like_time.median_ms),
                common.ms(like_time.p95_ms),
                common.ratio(like_time.median_ms / fts_time.median_ms),
                "yes" if same else "NO",
            ]
        )
        if explain:
            common.print_plans(db, f"{backend} full text: {query.name}", fts)
            common.print_plans(db, f"{backend} LIKE: {query.name}", like)
    return rows


def report(
    backend: str,
    db: Database,
    framework: Framework,
    how: str,
    args: argparse.Namespace,
    sqlite_path: Path | None = None,
) -> None:
    total = common.count_entries(db)
    big = common.count_entries(db, team_id=BIG_TEAM)
    small = common.count_entries(db, team_id=SMALL_TEAMS[0])
    print(f"\n=== {backend}: {total:,} entries ({how}) ===")
    print(f"  big workspace {BIG_TEAM}: {big:,} entries; small {SMALL_TEAMS[0]}: {small:,}")
    print(f"  viewer {VIEWER}; each query 1 untimed run, then {args.repeat} timed runs")
    started = time.perf_counter()
    rows = run_backend(backend, db, framework, args.repeat, args.explain)
    common.print_table(
        [
            "query",
            "words",
            "hits",
            "FTS med ms",
            "FTS p95",
            "LIKE med ms",
            "LIKE p95",
            "LIKE/FTS",
            "same page",
        ],
        rows,
        title=f"search, {backend}, {total:,} entries, limit 10",
    )
    print(f"\n  database size ({backend}):")
    common.print_sizes(common.size_report(db, sqlite_path))
    print(f"  timings took {time.perf_counter() - started:,.0f} s")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=1_000_000, help="size of the log")
    parser.add_argument(
        "--backend", choices=("sqlite", "postgresql", "both"), default="both", help="store"
    )
    parser.add_argument("--repeat", type=int, default=20, help="timed runs per query")
    parser.add_argument("--seed", type=int, default=42, help="seed of the generated data")
    parser.add_argument(
        "--db-dir", type=Path, default=common.DEFAULT_DB_DIR, help="where built logs are kept"
    )
    parser.add_argument("--rebuild", action="store_true", help="build again even if cached")
    parser.add_argument("--explain", action="store_true", help="print the query plans too")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    framework = load_framework()
    texts = common.TextMaker()
    print(
        "query words by Zipf rank (of {:,}): {}".format(
            len(texts.words),
            ", ".join(f"{w} #{texts.rank_of(w)}" for w in common.QUERY_WORDS[:4]),
        )
        + "; quokka never occurs"
    )
    if args.backend in ("sqlite", "both"):
        path, how = sqlite_database(args.db_dir, args.entries, args.seed, args.rebuild)
        db = Database(f"sqlite:///{path}")
        try:
            report("sqlite", db, framework, how, args, path)
        finally:
            db.dispose()
    if args.backend in ("postgresql", "both"):
        server = common.start_postgres(args.db_dir / f"postgres-v{common.DATA_VERSION}")
        try:
            url, how = postgres_database(server, args.entries, args.seed, args.rebuild)
            db = Database(url)
            try:
                report("postgresql", db, framework, how, args)
            finally:
                db.dispose()
        finally:
            server.stop()
    print(f"\nwall time {time.perf_counter() - started:,.0f} s")


if __name__ == "__main__":
    main()
