"""Backups that restore: one portable file of every table the bot owns, and its way back in.

**The file** is gzip'd JSON lines, the same whichever database wrote it:

1. a header: ``{"format": "kindness-bot backup", "version": 1, "revision": "0013", …}`` —
   the file format's version and the schema's Alembic revision;
2. for each table, ``{"table": …, "columns": […], "types": […]}`` and then its rows, one JSON
   array each, in primary-key order (an entry that reflects on another comes after it);
3. a trailer: ``{"end": true, "rows": {table: count}, "sha256": …}``, the SHA-256 of every
   line before it, as written.

Instants are UTC as ``YYYY-MM-DD HH:MM:SS.ffffff`` (how the bot stores them), dates
``YYYY-MM-DD``; everything else is JSON's own. The tables are those of ``bot.models`` (so a
table added there is backed up with no change here), Slack's installations included; the
search indexes are not (they are rebuilt from the entries on restore).

**Consistent while the bot keeps writing**: every table is read in one read transaction —
REPEATABLE READ on PostgreSQL, a read transaction on SQLite's WAL — so the file is the database
as it was at one moment: every command acknowledged before the backup started is in it. Rows
are streamed (read, written and forgotten in batches): memory stays flat however large the log.

**Restore** checks the file's header first (the format, a version this code can read) and
refuses a newer one before touching the database. It then migrates the database to head and
loads every row in **one transaction**: an error part-way leaves the database as it was. The
whole file's check (gzip, every line, the checksum) runs beside the load, and a damaged file is
refused before anything is built or committed: nothing of it is ever seen. A database that
holds anything is refused unless ``force`` (which empties it in the same transaction).
Afterwards PostgreSQL's id sequences continue after the restored ids and its statistics are
taken, still in the transaction: the bot sees the restored rows and the statistics search plans
by at once, when the restore commits, and the restore says it is done only then. SQLite's
full-text index is rebuilt from the restored entries.

A file from an older version of the bot loads when its tables and columns still exist (columns
added since take their defaults); otherwise restore it with the version that wrote it, then
upgrade.

On SQLite, with nothing else holding the file, the restore's transaction runs under a rollback
journal instead of WAL: the pages it adds to the file are written once, not twice (as atomic:
after a crash the next connection rolls back from the journal). With the bot running it keeps
WAL. Instants in a block of rows are checked one by one only where the block shows a trace of
another form than the stored one (older files).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import sqlite3
import zlib
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack, closing, contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from importlib.metadata import version
from itertools import chain
from pathlib import Path
from typing import IO, Any

from alembic.script import ScriptDirectory
from sqlalchemy import Boolean, Date, DateTime, Table, select, text
from sqlalchemy import column as column_named
from sqlalchemy import table as table_named
from sqlalchemy.engine import Connection
from sqlalchemy.types import TypeDecorator

from bot import audit
from bot.db import Database, alembic_config
from bot.models import Base

FORMAT = "kindness-bot backup"
FORMAT_VERSION = 1
SUFFIX = ".jsonl.gz"
# Rows read and written at a time by a backup: memory holds one batch.
BATCH = 5000
# Bytes of the unpacked file a restore reads (and loads) at a time.
READ_BYTES = 1 << 20
# SQLite's page cache while a restore builds its indexes, in KiB.
RESTORE_CACHE_KIB = 65536
# SQLite's full-text index while a restore rebuilds it (_put_back): this many bytes of terms
# gathered in memory per segment, the segments left as they are written (not merged).
REBUILD_HASH_BYTES = 64 * 1024 * 1024
REBUILD_FTS5 = {"hashsize": REBUILD_HASH_BYTES, "automerge": 0, "crisismerge": 64}
# FTS5's own defaults for those settings (FTS5_DEFAULT_HASHSIZE, _AUTOMERGE, _CRISISMERGE).
FTS5_DEFAULTS = {"hashsize": 1024 * 1024, "automerge": 4, "crisismerge": 16}
# Rows per INSERT statement on SQLite, within the 999 values a statement may bind in any SQLite.
ROWS_PER_INSERT = 32
SQLITE_MAX_VARIABLES = 999
DATETIME = "datetime"
DATE = "date"
BOOL = "bool"
VALUE = "value"


class BackupError(Exception):
    """A backup cannot be taken or restored; ``str()`` says why and what to do."""


class DamagedBackup(BackupError):
    pass


class NewerBackup(BackupError):
    pass


class DatabaseNotEmpty(BackupError):
    pass


@dataclass(frozen=True)
class BackupSummary:
    """What a backup file holds."""

    revision: str
    created_at: str
    source: str  # the database it was taken from: sqlite or postgresql
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def owned_tables() -> list[Table]:
    """Every table the bot owns, parents before children (so rows load in that order)."""
    return list(Base.metadata.sorted_tables)


def known_revisions() -> list[str]:
    """This code's schema revisions, oldest first."""
    script = ScriptDirectory.from_config(alembic_config())
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


# -- taking a backup --------------------------------------------------------------------------


def write_backup(db: Database, out: IO[bytes], *, now: datetime) -> BackupSummary:
    """Every owned table into ``out`` (a binary file), from one consistent snapshot."""
    digest = hashlib.sha256()
    rows: dict[str, int] = {}
    with (
        _snapshot(db) as connection,
        gzip.GzipFile(fileobj=out, mode="wb", compresslevel=3, mtime=0) as packed,
    ):

        def line(value: object) -> None:
            data = _dumps(value)
            digest.update(data)
            packed.write(data)

        revision = connection.scalar(text("SELECT version_num FROM alembic_version"))
        header = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "revision": revision,
            "created_at": now.isoformat(),
            "source": db.dialect,
            "kindness_bot": version("kindness-bot"),
        }
        line(header)
        for table in owned_tables():
            line({"table": table.name, "columns": list(table.c.keys()), "types": _types(table)})
            count = 0
            # The stored values, without the models' conversions: on SQLite an instant is
            # already the file's text; only SQLite's 0/1 booleans need making true/false.
            names = [column_named(each.name) for each in table.c]
            order = [column_named(each.name) for each in (table.primary_key.columns or table.c)]
            result = connection.execution_options(yield_per=BATCH).execute(
                select(*names).select_from(table_named(table.name)).order_by(*order)
            )
            switches = [i for i, kind in enumerate(_types(table)) if kind == BOOL]
            for batch in result.partitions():
                values = (
                    [_with_booleans(row, switches) for row in batch]
                    if switches and db.is_sqlite
                    else batch
                )
                packed.write(b"".join(_row_line(row, digest) for row in values))
                count += len(batch)
            rows[table.name] = count
        trailer = {"end": True, "rows": rows, "sha256": digest.hexdigest()}
        packed.write(_dumps(trailer))
    return BackupSummary(revision or "", header["created_at"], db.dialect, rows)


def backup_to_file(db: Database, path: Path, *, now: datetime) -> BackupSummary:
    """``write_backup`` into ``path``, written beside it first and renamed when complete, so
    that a file under that name is always a whole backup."""
    partial = path.with_name(path.name + ".partial")
    try:
        with open(partial, "wb") as out:
            summary = write_backup(db, out, now=now)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return summary


@contextmanager
def _snapshot(db: Database) -> Iterator[Connection]:
    """One read transaction over every table: what a reader sees is the database at one
    moment, whatever is written meanwhile."""
    if db.is_sqlite:
        # A deferred BEGIN (bot.db): WAL readers never block, nor are blocked by, the writer;
        # the snapshot is fixed by the first read.
        with db.engine.connect() as connection, connection.begin():
            connection.exec_driver_sql("SELECT count(*) FROM sqlite_master")
            yield connection
        return
    engine = db.engine.execution_options(isolation_level="REPEATABLE READ")
    with engine.connect() as connection, connection.begin():
        connection.exec_driver_sql("SET TRANSACTION READ ONLY")
        # The snapshot is taken by the transaction's first query, not by its BEGIN.
        connection.exec_driver_sql("SELECT 1")
        yield connection


def _types(table: Table) -> list[str]:
    kinds = []
    for each in table.c:
        kind = each.type.impl if isinstance(each.type, TypeDecorator) else each.type
        kinds.append(
            DATETIME
            if isinstance(kind, DateTime)
            else DATE
            if isinstance(kind, Date)
            else BOOL
            if isinstance(kind, Boolean)
            else VALUE
        )
    return kinds


def _with_booleans(row: Any, switches: list[int]) -> list:
    values = list(row)
    for index in switches:
        if values[index] is not None:
            values[index] = bool(values[index])
    return values


def _encode(value: object) -> str:
    """PostgreSQL's instants and dates as the file holds them (SQLite's are text already)."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.isoformat(" ", "microseconds")
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot back up a {type(value).__name__}")


def _dumps(value: object) -> bytes:
    return (
        json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=_encode) + "\n"
    ).encode("utf-8")


def _row_line(row: Any, digest: Any) -> bytes:
    data = _dumps(list(row))
    digest.update(data)
    return data


# -- reading a backup ---------------------------------------------------------------------------


@dataclass
class _Section:
    table: str
    columns: list[str]
    types: list[str]


def _blocks(path: Path) -> Iterator[bytes]:
    """The unpacked file a block of whole lines at a time (``READ_BYTES`` and up to one line
    more); a file gzip cannot read is ``DamagedBackup``."""
    try:
        with gzip.open(path, "rb") as packed:
            rest = b""
            while chunk := packed.read(READ_BYTES):
                data = rest + chunk
                cut = data.rfind(b"\n") + 1
                if cut:
                    yield data[:cut]
                rest = data[cut:]
            if rest:
                yield rest
    except (OSError, EOFError, zlib.error) as exc:
        if isinstance(exc, FileNotFoundError | PermissionError | IsADirectoryError):
            raise BackupError(f"cannot read {path}: {exc.strerror}") from None
        raise DamagedBackup(
            f"{path} is damaged or not a kindness-bot backup ({exc}); nothing was restored. "
            "Use another backup."
        ) from None


ROWS, LINE = "rows", "line"


def _parts(path: Path) -> Iterator[tuple[str, bytes]]:
    """The file's lines as written, in order: ``(LINE, line)`` for each line that is not a
    row (the header, a table's heading, the end) and ``(ROWS, lines)`` for runs of row lines,
    many at once (a block holds rows only, but for a few: they are told apart without a look
    at each line)."""
    for block in _blocks(path):
        starts = block.count(b"\n") + (not block.endswith(b"\n"))
        if block.count(b"\n[") + block.startswith(b"[") == starts:
            yield ROWS, block
            continue
        rows_from = at = 0
        while at < len(block):
            end = block.find(b"\n", at) + 1 or len(block)
            if block[at : at + 1] != b"[":
                if rows_from < at:
                    yield ROWS, block[rows_from:at]
                yield LINE, block[at:end]
                rows_from = end
            at = end
        if rows_from < len(block):
            yield ROWS, block[rows_from:]


def _parsed(path: Path, raw: bytes) -> Any:
    """A line's value, or (given row lines) their values in one list."""
    try:
        if raw[:1] != b"[":
            return json.loads(raw)
        # A line is one JSON value (JSON's strings hold no newline): the lines as one array.
        return json.loads(b"[" + raw.rstrip(b"\n").replace(b"\n", b",") + b"]")
    except ValueError:
        raise DamagedBackup(
            f"{path} is damaged (a line is not JSON); nothing was restored. Use another backup."
        ) from None


def read_backup(path: Path) -> BackupSummary:
    """Check the whole file — its header, a version this code can read, its end, the
    checksum over every line — and say what it holds. Raises ``BackupError``
    (``DamagedBackup``, ``NewerBackup``) with the reason. Rows are hashed, not parsed."""
    digest = hashlib.sha256()
    parts = _parts(path)
    header, first = _header(path, parts)
    digest.update(first)
    trailer: dict | None = None
    for kind, raw in parts:
        if kind == LINE:
            value = _parsed(path, raw)
            if isinstance(value, dict) and value.get("end") is True:
                trailer = value
                break
        digest.update(raw)
    if trailer is None or next(parts, None) is not None:
        raise DamagedBackup(
            f"{path} is incomplete (its end is missing: a copy cut short?); nothing was "
            "restored. Use another backup."
        )
    if trailer.get("sha256") != digest.hexdigest():
        raise DamagedBackup(
            f"{path} is damaged (its checksum does not match its content); nothing was "
            "restored. Use another backup."
        )
    return BackupSummary(
        header.get("revision", ""),
        header.get("created_at", ""),
        header.get("source", ""),
        dict(trailer.get("rows", {})),
    )


def _header(path: Path, parts: Iterator[tuple[str, bytes]]) -> tuple[dict, bytes]:
    """The file's first line, checked (a kindness-bot backup, of a version this code reads),
    and that line as written."""
    kind, first = next(parts, (ROWS, b""))
    header = _parsed(path, first) if kind == LINE and first[:1] == b"{" else None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise DamagedBackup(f"{path} is not a kindness-bot backup; nothing was restored.")
    _check_version(path, header)
    return header, first


def _check_version(path: Path, header: dict) -> None:
    if not isinstance(header.get("version"), int) or header["version"] > FORMAT_VERSION:
        raise NewerBackup(
            f"{path} was written by a newer kindness-bot (file format {header.get('version')}; "
            f"this one reads up to {FORMAT_VERSION}); nothing was restored. Upgrade "
            "kindness-bot, then restore it."
        )
    known = known_revisions()
    if header.get("revision") not in known:
        raise NewerBackup(
            f"{path} holds a database at revision {header.get('revision')}, which this "
            f"kindness-bot does not know (it knows up to {known[-1]}): it was written by a "
            "newer version; nothing was restored. Upgrade kindness-bot, then restore it."
        )


# -- restoring ----------------------------------------------------------------------------------


def restore_backup(
    db: Database, path: Path, *, force: bool = False, now: datetime, actor: str | None = None
) -> BackupSummary:
    """Load the backup at ``path`` into ``db``: migrated to head and loaded in one transaction
    (see the module's docstring).

    The file's header is checked first: a newer file, or not a backup at all, is refused before
    anything is done. The whole file's check (``read_backup``: gzip, every line, the checksum)
    runs in a thread beside the restore — unpacking and hashing leave Python's lock to the rows'
    parsing, on the processor core the database leaves idle — and the rows are counted against
    it before anything is built, so the restore commits only a file that passed. A damaged file
    is refused as damaged whatever else went wrong meanwhile (a row refused, a database not
    empty), with the transaction rolled back: nothing of it is ever seen."""
    with closing(_parts(path)) as parts:
        _header(path, parts)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="backup-check") as checking:
        check = checking.submit(read_backup, path)
        try:
            return _restore_checked(db, path, check, force=force, now=now, actor=actor)
        except Exception:
            damage = check.exception()  # waits for the check: its word comes first
            if damage is not None:
                raise damage from None
            raise


def _restore_checked(
    db: Database,
    path: Path,
    check: Future[BackupSummary],
    *,
    force: bool,
    now: datetime,
    actor: str | None,
) -> BackupSummary:
    db.upgrade()
    tables = {table.name: table for table in owned_tables()}
    with _rollback_journal(db), db.transaction() as connection, ExitStack() as restoring:
        holding = [name for name, table in tables.items() if _has_rows(connection, table)]
        if holding and not force:
            raise DatabaseNotEmpty(
                f"the database is not empty (it holds {', '.join(holding)}); nothing was "
                "restored. Restore into an empty database, or add --force to replace "
                "everything in it with the backup."
            )
        if db.is_sqlite:
            # SQLite's page cache while the indexes are built (the connection is this
            # restore's: bounded, so memory stays flat).
            connection.exec_driver_sql(f"PRAGMA cache_size=-{RESTORE_CACHE_KIB}")
        set_aside = _set_aside(connection, tables, db.is_sqlite)
        if db.is_sqlite:
            for name in reversed(list(tables)):
                if name in holding:
                    connection.execute(tables[name].delete())
        else:
            _truncate(connection, tables)
        copies = None if db.is_sqlite else restoring.enter_context(_Copies(connection))
        try:
            loaded = _load(connection, path, tables, db.is_sqlite, copies)
            if copies is not None:
                copies.finish()
            summary = check.result()  # the whole file's check: DamagedBackup if it failed
            if loaded != summary.rows:
                raise DamagedBackup(
                    f"{path} does not hold the rows its end says; nothing was restored."
                )
            _put_back(connection, set_aside, db.is_sqlite)
        except connection.dialect.dbapi.Error as exc:  # type: ignore[union-attr]
            said = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            raise BackupError(
                f"{path} could not be loaded ({type(exc).__name__}: {said}); nothing was "
                "restored. Is it a backup of another application's database?"
            ) from None
        if not db.is_sqlite:
            _continue_sequences(connection, tables.values())
        audit.record(
            connection,
            team_id=None,
            actor=actor,
            action=audit.RESTORED,
            at=now,
            subject=path.name,
            details={
                "taken at": summary.created_at,
                "from": summary.source,
                "revision": summary.revision,
                "rows": summary.total,
                "replaced what was there": bool(holding),
            },
        )
        if not db.is_sqlite:
            _analyse(connection, tables)
    return summary


@contextmanager
def _rollback_journal(db: Database) -> Iterator[None]:
    """SQLite: the restore's transaction under a rollback journal (``journal_mode=DELETE``,
    ``synchronous=FULL``) instead of WAL, when nothing else has the file open.

    A rollback journal keeps the pages the transaction changes that existed before it; pages a
    restore adds to the file (all of them, into an empty database) are appended and not
    journaled, where WAL writes every page twice (into the WAL, then back in a checkpoint). It
    is as atomic: an error rolls back, and after a crash the next connection rolls back from
    the journal left behind. Leaving WAL needs the file to itself: when another connection has
    it open (the bot is running) the restore keeps WAL and goes on, as atomic, only slower.
    WAL (and ``synchronous=NORMAL``) are put back afterwards, as ``bot.db`` sets them on every
    connection anyway. While the restore runs under a rollback journal, a process that opens
    the file waits for it (its switch to WAL needs the file to itself too)."""
    if not db.is_sqlite:
        yield
        return
    # The connection the restore's transaction takes next: this process has no other open on
    # the file when the switch succeeds, so the pool gives this one back.
    with db.engine.connect() as connection:
        raw = connection.connection.driver_connection
        waits = raw.execute("PRAGMA busy_timeout").fetchone()[0]  # type: ignore[union-attr]
        synchronous = raw.execute("PRAGMA synchronous").fetchone()[0]  # type: ignore[union-attr]
        raw.execute("PRAGMA busy_timeout=0")  # type: ignore[union-attr]
        try:
            raw.execute("PRAGMA journal_mode=DELETE")  # type: ignore[union-attr]
            raw.execute("PRAGMA synchronous=FULL")  # type: ignore[union-attr]
        except sqlite3.OperationalError:
            pass  # another connection has the file open: WAL it stays
        finally:
            raw.execute(f"PRAGMA busy_timeout={int(waits)}")  # type: ignore[union-attr]
    try:
        yield
    finally:
        with db.engine.connect() as connection:
            raw = connection.connection.driver_connection
            # Busy past the busy timeout: the next connection the bot opens sets it.
            with suppress(sqlite3.OperationalError):
                raw.execute("PRAGMA journal_mode=WAL")  # type: ignore[union-attr]
            raw.execute(f"PRAGMA synchronous={int(synchronous)}")  # type: ignore[union-attr]


def _has_rows(connection: Connection, table: Table) -> bool:
    return connection.execute(select(text("1")).select_from(table).limit(1)).first() is not None


def _load(
    connection: Connection,
    path: Path,
    tables: dict[str, Table],
    sqlite: bool,
    copies: _Copies | None = None,
) -> dict[str, int]:
    counts: dict[str, int] = {}
    section: _Section | None = None
    instants: list[int] = []  # the columns holding instants

    parts = _parts(path)
    next(parts)  # the header, checked by read_backup
    for kind, raw in parts:
        if kind == ROWS:
            if section is None:
                raise DamagedBackup(f"{path} has rows before any table; nothing was restored.")
            rows = _parsed(path, raw)
            if instants and any(trace.search(raw) for trace in _OTHER_INSTANT):
                for row in rows:
                    for column in instants:
                        value = row[column]
                        if value is not None and not _STORED_INSTANT.fullmatch(value):
                            row[column] = _stored_instant(value)
            if copies is None:
                _insert_sqlite(connection, section, rows)
            else:
                copies.write(section, rows)
            counts[section.table] += len(rows)
            continue
        value = _parsed(path, raw)
        if not isinstance(value, dict) or value.get("end") is True:
            break
        section = _section(path, value, tables)
        counts.setdefault(section.table, 0)
        instants = [column for column, type_ in enumerate(section.types) if type_ == DATETIME]
    return counts


def _section(path: Path, value: dict, tables: dict[str, Table]) -> _Section:
    name = value.get("table")
    if name not in tables:
        raise BackupError(
            f"{path} holds a table ({name}) this version of kindness-bot does not have; "
            "nothing was restored. Restore it with the version that wrote it, then upgrade."
        )
    unknown = [c for c in value["columns"] if c not in tables[name].c]
    if unknown:
        raise BackupError(
            f"{path} holds columns of {name} ({', '.join(unknown)}) this version does not "
            "have; nothing was restored. Restore it with the version that wrote it, then "
            "upgrade."
        )
    return _Section(name, list(value["columns"]), list(value["types"]))


def _naive_utc(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


# An instant as the bot stores it (and backups hold it): loaded as it is.
_STORED_INSTANT = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}")
# Traces of an instant in another form, as Python's isoformat writes them (older backups,
# other writers): a "T" before the hour, or a string ending in whole seconds or an offset.
# A block of row lines without one holds stored instants only, loaded as they are without a
# look at each value; a block with one, even in a member's words, has each instant checked.
# One search each: a pattern that begins with one character is found at memchr speed (the
# four take a quarter of the time of a regex per value; as one alternation, twice that time).
_OTHER_INSTANT = tuple(
    re.compile(trace) for trace in (rb"T\d\d:", rb':\d\d:\d\d"', rb'\+\d\d:\d\d"', rb'-\d\d:\d\d"')
)


def _stored_instant(value: str) -> str:
    """An ISO-8601 instant as naive UTC in SQLAlchemy's storage form for SQLite
    (``YYYY-MM-DD HH:MM:SS.ffffff``, always with microseconds: stored instants are compared as
    strings). A file holds UTC instants, so this is string work, not date arithmetic, but for
    an instant in another offset."""
    if value.endswith("+00:00"):
        value = value[:-6]
    elif "+" in value[19:] or "-" in value[19:]:
        value = _naive_utc(value).isoformat()
    value = value.replace("T", " ", 1)
    return value if len(value) > 19 else value + ".000000"


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _insert_sqlite(connection: Connection, section: _Section, rows: list[list]) -> None:
    """The rows, ``ROWS_PER_INSERT`` to a statement (those left over one to a statement): one
    statement per row spends more on running the statement than on storing the row."""
    insert = f"INSERT INTO {_quoted(section.table)} ({', '.join(map(_quoted, section.columns))})"
    one = "(" + ", ".join("?" for _ in section.columns) + ")"
    per = max(1, min(ROWS_PER_INSERT, SQLITE_MAX_VARIABLES // len(section.columns)))
    whole = len(rows) - len(rows) % per
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        with _nulls_bound_as_they_are():
            if whole:
                cursor.executemany(
                    f"{insert} VALUES {', '.join([one] * per)}",
                    (list(chain.from_iterable(rows[at : at + per])) for at in range(0, whole, per)),
                )
            if whole < len(rows):
                cursor.executemany(f"{insert} VALUES {one}", rows[whole:])
    finally:
        cursor.close()


@contextmanager
def _nulls_bound_as_they_are() -> Iterator[None]:
    """Python 3.11's sqlite3 binds every value that is not an int, float, str or bytes through
    its adapters: for ``None`` a failed lookup that formats two AttributeErrors. A backup's rows
    are mostly ``None``s (about a fifth of a million entries' loading time); an adapter for
    ``None`` that gives ``None`` back is found at once. Process-wide while it lasts: harmless to
    any other connection (``None`` is bound as NULL either way)."""
    key = (type(None), sqlite3.PrepareProtocol)
    before = sqlite3.adapters.get(key)
    sqlite3.adapters[key] = {}.get  # None → None, without a frame of Python
    try:
        yield
    finally:
        if before is None:
            sqlite3.adapters.pop(key, None)
        else:
            sqlite3.adapters[key] = before


class _Copies:
    """PostgreSQL: each table's rows through one ``COPY``, open from the table's first rows to
    its last. The server stores what has arrived while this process reads and parses the next
    block (two processor cores at once); a ``COPY`` per block would have each wait for the
    other at every block's end. Used as a context manager: leaving it on an error ends an open
    ``COPY`` with that error (the server drops what it took)."""

    def __init__(self, connection: Connection) -> None:
        self._raw = connection.connection.driver_connection
        self._open = ExitStack()
        self._table: str | None = None
        self._copy: Any = None

    def write(self, section: _Section, rows: list[list]) -> None:
        if section.table != self._table:
            self.finish()
            columns = ", ".join(_quoted(c) for c in section.columns)
            cursor = self._open.enter_context(self._raw.cursor())  # type: ignore[union-attr]
            self._copy = self._open.enter_context(
                # FREEZE: the table was emptied by this transaction (``_truncate``).
                cursor.copy(f"COPY {_quoted(section.table)} ({columns}) FROM STDIN (FREEZE)")
            )
            self._table = section.table
        write_row = self._copy.write_row
        for row in rows:
            write_row(row)

    def finish(self) -> None:
        """End the open ``COPY``: the server's errors about its rows are raised here."""
        self._table = self._copy = None
        self._open.close()

    def __enter__(self) -> _Copies:
        return self

    def __exit__(self, *exc: object) -> None:
        self._table = self._copy = None
        self._open.__exit__(*exc)


def _truncate(connection: Connection, tables: dict[str, Table]) -> None:
    """PostgreSQL: empty every owned table at once, in the restore's transaction (undone if it
    fails). Unlike ``DELETE`` it leaves no dead rows behind for a forced restore; and a table
    emptied in the transaction that loads it takes ``COPY … FREEZE`` (its rows written frozen
    and its pages marked all-visible: the vacuum that would otherwise visit a million restored
    rows soon after finds nothing to do, and index-only scans work at once), and is written
    without WAL where the server runs ``wal_level = minimal`` (synced at commit instead)."""
    names = ", ".join(_quoted(name) for name in tables)
    connection.exec_driver_sql(f"TRUNCATE {names}")


def _set_aside(connection: Connection, tables: dict[str, Table], sqlite: bool) -> list[str]:
    """Drop the owned tables' plain indexes (and, on SQLite, the triggers that keep the
    full-text index) while rows load; what recreates them. Building an index once over a
    million rows is far cheaper than keeping it up to date row by row. The primary keys stay
    (they check what loads). On PostgreSQL the foreign keys and unique constraints are also
    added again afterwards, each checked once over all the rows (as ``pg_restore`` does)
    rather than row by row; all inside the restore's transaction, so a failed check undoes
    everything."""
    if sqlite:
        found = connection.execute(
            text(
                "SELECT type, name, sql FROM sqlite_master "
                "WHERE type IN ('index', 'trigger') AND sql IS NOT NULL"
                " AND tbl_name IN (SELECT value FROM json_each(:tables))"
            ),
            {"tables": json.dumps(list(tables))},
        ).all()
        for kind, name, _ in found:
            connection.exec_driver_sql(f"DROP {kind.upper()} {_quoted(name)}")
        # Indexes first, then the triggers, as the migrations made them.
        return [sql for kind, _, sql in found if kind == "index"] + [
            sql for kind, _, sql in found if kind == "trigger"
        ]
    found = connection.execute(
        text(
            "SELECT i.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x"
            " JOIN pg_class i ON i.oid = x.indexrelid"
            " JOIN pg_class t ON t.oid = x.indrelid"
            " JOIN pg_namespace n ON n.oid = t.relnamespace"
            " WHERE n.nspname = current_schema() AND t.relname = ANY(:tables)"
            " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)"
        ),
        {"tables": list(tables)},
    ).all()
    # Foreign keys first (a unique constraint may be what one refers to), put back last.
    constraints = connection.execute(
        text(
            "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid)"
            " FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid"
            " JOIN pg_namespace n ON n.oid = t.relnamespace"
            " WHERE n.nspname = current_schema() AND t.relname = ANY(:tables)"
            " AND (c.contype = 'f' OR (c.contype = 'u' AND NOT EXISTS ("
            "   SELECT 1 FROM pg_constraint f JOIN pg_class r ON r.oid = f.conrelid"
            "   WHERE f.contype = 'f' AND f.conindid = c.conindid"
            "   AND NOT r.relname = ANY(:tables))))"
            " ORDER BY c.contype, c.conname"
        ),
        {"tables": list(tables)},
    ).all()
    for table, name, _ in constraints:
        connection.exec_driver_sql(f"ALTER TABLE {table} DROP CONSTRAINT {_quoted(name)}")
    for name, _ in found:
        connection.exec_driver_sql(f"DROP INDEX {_quoted(name)}")
    return [definition for _, definition in found] + [
        f"ALTER TABLE {table} ADD CONSTRAINT {_quoted(name)} {definition}"
        for table, name, definition in reversed(constraints)
    ]


def _put_back(connection: Connection, statements: list[str], sqlite: bool) -> None:
    """Recreate what ``_set_aside`` dropped; rebuild SQLite's full-text index from the rows."""
    if not sqlite:
        connection.exec_driver_sql("SET LOCAL maintenance_work_mem = '256MB'")
    for sql in statements:
        connection.exec_driver_sql(sql)
    if not sqlite:
        return
    full_text = connection.execute(
        text(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND sql LIKE 'CREATE VIRTUAL TABLE%USING fts5%'"
        )
    ).scalars()
    for name in list(full_text):
        table = _quoted(name)
        # FTS5 gathers a rebuild's terms in memory and writes them out as a segment whenever
        # they pass its 'hashsize', merging the segments as they come ('automerge'); with a
        # prefix index per word length that is many segments and most of the work. For the
        # rebuild: a larger hash (bounded: memory stays flat) and no merging (but past
        # 'crisismerge' segments): a million entries leave 8 segments of 64 MiB of terms each.
        # Merging them into one ('optimize') would cost a quarter of the whole restore; a
        # running bot's own index holds as many segments or more (bench/search.py's log of a
        # million entries written as the bot writes them: 12), and FTS5 merges them bit by bit
        # as entries are written once the settings are back. The settings go back to FTS5's
        # defaults afterwards, leaving the index's settings as the migrations made them.
        for setting, value in REBUILD_FTS5.items():
            connection.exec_driver_sql(
                f"INSERT INTO {table}({table}, rank) VALUES ('{setting}', {value})"
            )
        connection.exec_driver_sql(f"INSERT INTO {table}({table}) VALUES ('rebuild')")
        for setting, value in FTS5_DEFAULTS.items():
            connection.exec_driver_sql(
                f"INSERT INTO {table}({table}, rank) VALUES ('{setting}', {value})"
            )
        connection.exec_driver_sql(
            f"DELETE FROM {_quoted(name + '_config')} "
            f"WHERE k IN ({', '.join(repr(k) for k in FTS5_DEFAULTS)})"
        )


def _analyse(connection: Connection, tables: dict[str, Table]) -> None:
    """PostgreSQL: the planner's statistics of every owned table, taken in the restore's
    transaction, so that the restored rows and their statistics are seen together — search
    chooses its plan from them (``bot.search``), and never meets a million rows unanalysed.

    ``ANALYZE`` samples 300 rows per point of the largest statistics target among the columns
    it is given, and sorts every column's sample. A table's columns are therefore analysed in
    groups of one target each: the entries' words (1,000, migration 0005) from 300,000 rows,
    its other columns, at the server's default, from 30,000 — what each target asks for —
    instead of sorting 300,000 values of every column (at a million entries 2 s against 7 s of
    the server's time). A table with an expression index is analysed whole (the index's
    statistics come only with the whole table)."""
    found = connection.execute(
        text(
            "SELECT t.relname, a.attname, a.attstattarget,"
            " EXISTS (SELECT 1 FROM pg_index x WHERE x.indrelid = t.oid"
            "  AND x.indexprs IS NOT NULL)"
            " FROM pg_attribute a JOIN pg_class t ON t.oid = a.attrelid"
            " JOIN pg_namespace n ON n.oid = t.relnamespace"
            " WHERE n.nspname = current_schema() AND t.relname = ANY(:tables)"
            " AND a.attnum > 0 AND NOT a.attisdropped ORDER BY t.relname, a.attnum"
        ),
        {"tables": list(tables)},
    ).all()
    groups: dict[str, dict[int, list[str]]] = {}
    whole: set[str] = set()
    for table, column, target, expressions in found:
        # -1 (NULL from PostgreSQL 17 on): the server's default_statistics_target.
        target = -1 if target is None else target
        groups.setdefault(table, {}).setdefault(target, []).append(column)
        if expressions:
            whole.add(table)
    for table in tables:
        by_target = groups.get(table, {})
        if table in whole or len(by_target) < 2:
            connection.exec_driver_sql(f"ANALYZE {_quoted(table)}")
            continue
        for columns in by_target.values():
            names = ", ".join(_quoted(column) for column in columns)
            connection.exec_driver_sql(f"ANALYZE {_quoted(table)} ({names})")


def _continue_sequences(connection: Connection, tables: Any) -> None:
    """New rows take ids after the restored ones (COPY leaves the sequences where they were)."""
    for table in tables:
        for column in table.primary_key.columns:
            sequence = connection.scalar(
                text("SELECT pg_get_serial_sequence(:table, :column)"),
                {"table": table.name, "column": column.name},
            )
            if sequence is None:
                continue
            connection.execute(
                text(
                    f"SELECT setval(:sequence, coalesce(max({_quoted(column.name)}), 1), "
                    f"max({_quoted(column.name)}) IS NOT NULL) FROM {_quoted(table.name)}"
                ),
                {"sequence": sequence},
            )
