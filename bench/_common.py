"""What the benchmarks share: deterministic data, bulk loading, timing, servers and reports.

Not a benchmark itself; ``search.py`` and ``digest.py`` import it (they run as scripts, so this
directory is on ``sys.path``). Importing it also puts the repository and ``tests/`` (for
``pgserver``) on ``sys.path``.
"""

from __future__ import annotations

import gc
import math
import os
import random
import re
import shutil
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

REPO = Path(__file__).resolve().parent.parent
for _path in (REPO / "tests", REPO):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from sqlalchemy import event, insert, text  # noqa: E402
from sqlalchemy.engine import Connection, Engine  # noqa: E402

from bot.db import Database  # noqa: E402
from bot.models import Entry, Workspace  # noqa: E402

if TYPE_CHECKING:
    from pgserver import PostgresServer

# Bump when the generated data changes, so that cached databases are rebuilt.
DATA_VERSION = 1
DEFAULT_DB_DIR = Path(os.environ.get("KINDNESS_BENCH_DIR", "/tmp/kindness-bench"))

# -- words ------------------------------------------------------------------------------------


def _split(words: str) -> list[str]:
    return words.split()


# The most frequent words, roughly in order: function words first, then the words a network of
# leaders writing about kindness at work would use. They take the top Zipf ranks.
_COMMON = _split(
    """
the and to a of we i in it was for that with our my on they is team had her him be this at
she he me about not so them what when who from all more by an one their you after time some as
how but us did just there out week made felt people have were can would could up if then
really been feel help day today asked each other back new make work kindness kind difference
listen listened listening thank thanked thanks staff colleague colleagues meeting meetings
patient patients care caring trust manager leader leaders conversation story small change
value values support supported call phone family families notice noticed space coffee
together shared share question questions learn learned learning welcome welcomed name names
smile moment moments service services form forms queue process rule rules policy system
customer customers volunteer volunteers community council office board note card lunch walk
visit email reply letter open door front desk checked check stopped stop took take gave give
first last young older tenant tenants resident residents nurse ward school teacher pupils
parents carers charity frontline shift rota late early morning afternoon evening room waiting
apologised sorry honest honesty respect dignity human humane warm warmth gentle patience
decision decisions budget target targets data evidence measure report feedback survey
complaint complaints compliment praise recognise recognised recognition wellbeing stress
tired busy hard harder easier simple simpler quiet voice heard hear understood understand
"""
)

# Real words given rare ranks among the invented ones (the tail of the distribution),
# some with accents (the search index folds them).
_PLANTED = {
    800: "café",
    1200: "gratitude",
    1800: "naïve",
    2600: "rôle",
    3900: "apprenticeship",
}

# Words the search benchmark looks for; no invented word contains one (so that LIKE '%w%' and
# the word-prefix search find the same entries) and "quokka" never occurs at all.
QUERY_WORDS = ("team", "apprenticeship", "listen", "patients", "quokka")

_ONSETS = _split("b c d f g h j l m n p r s t v w z br cr dr fl gr pl pr sh st th tr")
_VOWELS = _split("a e i o u ai ea ee oo ou")
_CODAS = ["", "", "", "n", "l", "r", "s", "m", "nd", "st", "ck"]


def make_vocabulary(size: int = 4000, seed: int = 1) -> list[str]:
    """``size`` words in Zipf rank order: real words on top, invented ones in the tail."""
    rng = random.Random(seed)
    words = list(dict.fromkeys(_COMMON))
    taken = set(words) | set(_PLANTED.values())
    while len(words) < size:
        rank = len(words) + 1
        if rank in _PLANTED:
            words.append(_PLANTED[rank])
            continue
        word = "".join(
            rng.choice(_ONSETS) + rng.choice(_VOWELS) + rng.choice(_CODAS)
            for _ in range(rng.choice((1, 2, 2, 2, 3)))
        )
        if word in taken or any(q in word or word in q for q in QUERY_WORDS):
            continue
        taken.add(word)
        words.append(word)
    return words


class TextMaker:
    """Sentences drawn from a Zipf-distributed vocabulary: common words and rare ones."""

    def __init__(self, vocabulary_size: int = 4000, exponent: float = 1.05, seed: int = 1) -> None:
        self.words = make_vocabulary(vocabulary_size, seed)
        weights = [1.0 / (rank + 1.7) ** exponent for rank in range(1, len(self.words) + 1)]
        self.cumulative = list(_accumulate(weights))

    def text(self, rng: random.Random) -> str:
        sentences = []
        for _ in range(rng.choices((1, 2, 3, 4), weights=(3, 4, 3, 1))[0]):
            words = rng.choices(self.words, cum_weights=self.cumulative, k=rng.randint(5, 16))
            if len(words) > 7 and rng.random() < 0.3:
                words[rng.randrange(2, len(words) - 2)] += ","
            end = rng.choices((".", "!", "?"), weights=(10, 1, 1))[0]
            sentences.append(" ".join(words).capitalize() + end)
        return " ".join(sentences)

    def rank_of(self, word: str) -> int:
        return self.words.index(word) + 1


def _accumulate(values: Iterable[float]) -> Iterator[float]:
    total = 0.0
    for value in values:
        total += value
        yield total


# -- entries ----------------------------------------------------------------------------------

GOAL_KEYS = ("purpose", "leadership", "relationships", "systems", "sustain", "evidence")


class EntryMaker:
    """Rows for ``entries`` as the bot would have stored them, from a seeded generator."""

    def __init__(self, seed: int, texts: TextMaker | None = None) -> None:
        self.rng = random.Random(seed)
        self.texts = texts or TextMaker()

    def row(self, entry_id: int, team_id: str, user_id: str, created_at: datetime) -> dict:
        rng = self.rng
        kind = rng.choices(("story", "action", "reflection"), weights=(5, 3, 2))[0]
        visibility = rng.choices(("network", "anonymous", "private"), weights=(80, 10, 10))[0]
        source = rng.choices(("slash", "modal", "thread", "shortcut"), weights=(3, 3, 3, 1))[0]
        goal = None if rng.random() < 0.05 else rng.choice(GOAL_KEYS)
        channel = message_ts = permalink = dedupe_key = None
        if source in ("thread", "shortcut"):
            channel = f"C0{team_id[-4:]}"
            message_ts = f"{created_at.timestamp():.6f}"
            permalink = (
                f"https://example.slack.com/archives/{channel}/p{message_ts.replace('.', '')}"
            )
            dedupe_key = f"msg:{channel}:{message_ts}:{entry_id}"
        elif source == "modal":
            dedupe_key = f"view:V{entry_id:010d}"
        status = follow_up = completed = None
        if kind == "action":
            status = rng.choices(("open", "done", "dropped"), weights=(4, 4, 2))[0]
            if status == "open":
                follow_up = created_at + timedelta(days=7)
            elif status == "done":
                completed = created_at + timedelta(seconds=rng.randint(3600, 21 * 86400))
        return {
            "id": entry_id,
            "team_id": team_id,
            "user_id": user_id,
            "kind": kind,
            "goal_key": goal,
            "text": self.texts.text(rng),
            "visibility": visibility,
            "source": source,
            "channel_id": channel,
            "message_ts": message_ts,
            "permalink": permalink,
            "prompt_id": None,
            "action_status": status,
            "follow_up_at": follow_up,
            "follow_ups_sent": 0,
            "completed_at": completed,
            "reflection_of_id": None,
            "dedupe_key": dedupe_key,
            "created_at": created_at,
            "updated_at": completed or created_at,
        }

    def member(self, members: int) -> str:
        """A member id; low numbers write far more often than high ones."""
        return f"U{int(members * self.rng.random() ** 2):07d}"


def add_workspaces(db: Database, team_ids: Iterable[str], now: datetime) -> None:
    with db.engine.begin() as connection:
        connection.execute(
            insert(Workspace.__table__),
            [{"team_id": t, "name": t, "created_at": now, "updated_at": now} for t in team_ids],
        )


def bulk_insert(
    db: Database,
    rows: Iterable[dict],
    *,
    total: int,
    batch: int = 20_000,
    label: str = "entries",
) -> float:
    """Insert entries in large batches, in one transaction; the seconds it took.

    The way ``kindness-bot restore`` loads (``bot.backup``): the entries' plain indexes (and,
    on SQLite, the triggers that keep the full-text index) are set aside while the rows go in
    and built once afterwards, SQLite's FTS5 index in one ``rebuild`` pass. SQLite takes the
    rows by Core executemany, PostgreSQL by ``COPY``. The result is the database the bot's own
    writes would have made; an error leaves it as it was.
    """
    from bot.backup import _put_back, _set_aside

    table = Entry.__table__
    started = time.perf_counter()
    done = 0
    iterator = iter(rows)
    with db.engine.connect() as connection:
        if db.is_sqlite:
            # Outside a transaction (SQLite refuses a change of safety level within one).
            raw = connection.connection.driver_connection
            raw.execute("PRAGMA cache_size=-262144")  # 256 MiB while loading
            raw.execute("PRAGMA synchronous=OFF")  # a bench log: built again if lost
        with connection.begin():
            set_aside = _set_aside(connection, {table.name: table}, db.is_sqlite)
            while done < total:
                chunk = list(islice(iterator, min(batch, total - done)))
                if not chunk:
                    break
                if db.is_sqlite:
                    connection.execute(insert(table), chunk)
                else:
                    _copy(connection, table, chunk)
                done += len(chunk)
                _progress(label, done, total, time.perf_counter() - started)
            if total:
                print(f" - indexing{'':20}", end="", file=sys.stderr, flush=True)
            _put_back(connection, set_aside, db.is_sqlite)
    if total:
        print(file=sys.stderr)
    return time.perf_counter() - started


def _copy(connection: Connection, table: Any, rows: list[dict]) -> None:
    """PostgreSQL's COPY of dict rows, each value as the column's type would bind it."""
    names = list(rows[0])
    dialect = connection.dialect
    processors = [table.c[name].type.bind_processor(dialect) for name in names]
    columns = ", ".join(f'"{name}"' for name in names)
    raw = connection.connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({columns}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row(
                [
                    value if process is None or value is None else process(value)
                    for process, value in zip(processors, (row[n] for n in names), strict=True)
                ]
            )


def _progress(label: str, done: int, total: int, seconds: float) -> None:
    rate = done / seconds if seconds else 0.0
    print(
        f"\r  loading {label}: {done:,}/{total:,} ({rate:,.0f} rows/s)",
        end="",
        file=sys.stderr,
        flush=True,
    )


def after_load(db: Database) -> None:
    """Leave the database as a long-running one would be.

    SQLite: the WAL checkpointed; no ANALYZE, because the bot never runs one (the planner works
    without statistics, as in production). PostgreSQL: VACUUM ANALYZE, which autovacuum would
    do on its own after a load this size — run now so that it cannot run during the timings.
    """
    if db.is_sqlite:
        with db.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        return
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql(
            "SELECT setval(pg_get_serial_sequence('entries', 'id'), "
            "(SELECT coalesce(max(id), 1) FROM entries))"
        )
        connection.exec_driver_sql("VACUUM ANALYZE")


# -- timing -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Timing:
    median_ms: float
    p95_ms: float
    runs: int


def measure(action: Callable[[], object], repeat: int, warmup: int = 1) -> Timing:
    """Median and p95 (nearest rank) of ``repeat`` runs, after ``warmup`` untimed ones."""
    for _ in range(warmup):
        action()
    gc.collect()  # start each series with no garbage left over from the one before
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    p95 = samples[max(0, math.ceil(0.95 * len(samples)) - 1)]
    return Timing(statistics.median(samples), p95, len(samples))


def ms(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def ratio(value: float) -> str:
    return f"{value:,.0f}x" if value >= 100 else f"{value:.1f}x"


def print_table(headers: list[str], rows: list[list[str]], *, title: str | None = None) -> None:
    widths = [max(len(str(c)) for c in column) for column in zip(headers, *rows, strict=True)]
    if title:
        print(f"\n{title}")

    def line(cells: list[str]) -> str:
        first, *rest = cells
        return "  ".join(
            [str(first).ljust(widths[0])]
            + [str(c).rjust(w) for c, w in zip(rest, widths[1:], strict=True)]
        )

    print(line(headers))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print(line(row))


def human_bytes(size: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:,.0f} {unit}" if unit == "B" else f"{size:,.1f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")


def size_report(db: Database, sqlite_path: Path | None = None) -> list[tuple[str, int]]:
    """(what, bytes) for the whole database and its largest parts."""
    with db.engine.connect() as connection:
        if db.is_sqlite:
            assert sqlite_path is not None
            total = sqlite_path.stat().st_size
            wal = Path(f"{sqlite_path}-wal")
            total += wal.stat().st_size if wal.exists() else 0
            parts = [("database file", total)]
            try:
                rows = connection.exec_driver_sql(
                    "SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC"
                ).all()
            except Exception:  # dbstat is a compile-time option of SQLite
                return parts
            fts = sum(size for name, size in rows if name.startswith("entries_fts"))
            table = sum(size for name, size in rows if name == "entries")
            indexes = sum(
                size
                for name, size in rows
                if name.startswith(("ix_entries", "sqlite_autoindex_entries", "uq_entries"))
            )
            parts += [
                ("entries table", table),
                ("entries b-tree indexes", indexes),
                ("FTS5 index (entries_fts*)", fts),
            ]
            return parts
        figures = connection.exec_driver_sql(
            "SELECT pg_database_size(current_database()), pg_table_size('entries'), "
            "pg_indexes_size('entries'), pg_relation_size('ix_entries_search_vector')"
        ).one()
        return [
            ("database", figures[0]),
            ("entries table (with TOAST)", figures[1]),
            ("entries indexes, all", figures[2]),
            ("GIN index ix_entries_search_vector", figures[3]),
        ]


def print_sizes(parts: list[tuple[str, int]]) -> None:
    width = max(len(name) for name, _ in parts)
    for name, size in parts:
        print(f"  {name.ljust(width)}  {human_bytes(size):>10}")


# -- query plans ------------------------------------------------------------------------------


def capture_statements(engine: Engine, action: Callable[[], object]) -> list[tuple[str, Any]]:
    """The SQL statements (and their parameters) that ``action`` sends to the database."""
    seen: list[tuple[str, Any]] = []

    def record(
        _conn: Connection, _cursor: object, statement: str, parameters: Any, *_: object
    ) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        action()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return seen


def explain(db: Database, statement: str, parameters: Any) -> str:
    """SQLite's EXPLAIN QUERY PLAN, or PostgreSQL's EXPLAIN (ANALYZE, BUFFERS)."""
    with db.engine.connect() as connection:
        if db.is_sqlite:
            rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
            depth: dict[int, int] = {0: 0}
            lines = []
            for node, parent, _unused, detail in rows:
                depth[node] = depth.get(parent, 0) + 1
                lines.append("  " * depth[node] + detail)
            return "\n".join(lines)
        rows = connection.exec_driver_sql(
            "EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters
        ).all()
        return "\n".join(row[0] for row in rows)


def print_plans(db: Database, title: str, action: Callable[[], object]) -> None:
    for statement, parameters in capture_statements(db.engine, action):
        shown = re.sub(
            r"SELECT entries\.id, .*? FROM", "SELECT entries.* FROM", statement, flags=re.S
        )
        print(f"\n-- plan: {title}\n{' '.join(shown.split())}\n   params: {parameters!r}")
        print(explain(db, statement, parameters))


# -- PostgreSQL -------------------------------------------------------------------------------


def start_postgres(keep_in: Path | None) -> PostgresServer:
    """A throwaway server (tests/pgserver.py); with ``keep_in``, its data directory persists
    there between runs, so that a database loaded once is reused."""
    from pgserver import PostgresServer

    server = PostgresServer()
    if keep_in is None:
        return server.start()
    shutil.rmtree(server.base, ignore_errors=True)
    keep_in.mkdir(parents=True, exist_ok=True)
    server.base, server.data = keep_in, keep_in / "data"
    if os.geteuid() == 0:
        shutil.chown(keep_in, "postgres", "postgres")
    if not (server.data / "PG_VERSION").exists():
        server.start()
    else:
        options = (
            f"-c listen_addresses=127.0.0.1 -p {server.port} -k {server.base} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            "-c max_connections=200"
        )
        server._run(  # the same settings as PostgresServer.start, without initdb
            str(server.bin_dir / "pg_ctl"),
            "-D",
            str(server.data),
            "-o",
            options,
            "-l",
            str(server.base / "server.log"),
            "-w",
            "start",
        )
    # Stop cleanly and keep the files (PostgresServer.stop removes them).
    server.stop = lambda: server._run(  # type: ignore[method-assign]
        str(server.bin_dir / "pg_ctl"), "-D", str(server.data), "-m", "fast", "stop"
    )
    return server


def server_cpu_seconds(data_dir: Path | None) -> float | None:
    """Processor seconds a PostgreSQL server's processes have used, read from ``/proc``: the
    postmaster's own and those of its children it has reaped (a backend ends with its
    connection), and its live children's. None without a server (or ``/proc``). The machine
    is shared: these are steadier than wall time."""
    pid_file = data_dir / "postmaster.pid" if data_dir else None
    if pid_file is None or not pid_file.exists() or not Path("/proc").exists():
        return None
    postmaster = int(pid_file.read_text().split()[0])
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        pid, parent = int(stat.parent.name), int(fields[1])
        if pid == postmaster:
            total += sum(int(value) for value in fields[11:15])  # utime stime cutime cstime
        elif parent == postmaster:
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def database_exists(server: PostgresServer, name: str) -> bool:
    import psycopg

    with psycopg.connect(
        host="127.0.0.1", port=server.port, user="kindness", dbname="postgres", autocommit=True
    ) as connection:
        found = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
        return found.fetchone() is not None


def count_entries(db: Database, **where: str) -> int:
    clauses = " AND ".join(f"{column} = :{column}" for column in where)
    with db.engine.connect() as connection:
        return connection.execute(
            text("SELECT count(*) FROM entries" + (f" WHERE {clauses}" if clauses else "")),
            where,
        ).scalar_one()
