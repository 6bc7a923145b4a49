"""The database: engine, sessions, migrations and a health check.

SQLite is the embedded default: WAL mode (readers never wait for the writer), foreign keys on,
and a busy timeout so that several processes on one file wait their turn instead of failing.
Writing sessions start with ``BEGIN IMMEDIATE`` on SQLite: a deferred transaction that reads and
then writes can fail at once with "database is locked" when another process wrote in between,
and waiting does not help it; taking the write lock up front makes writers queue instead.
PostgreSQL is the shared store for several web workers and schedulers.

While a member waits (``member_waiting()``: a Slack request before its ack), lock waits are
short: Slack gives up after 3 seconds, so a write that cannot get its lock within
``member_lock_timeout`` fails at once into a clear answer that quotes the member's words,
instead of a silent timeout. Scheduled jobs and the command line wait as long as they need.

Engines hide statement parameters: an error's message (and so a logged traceback) shows the
SQL but never the values, which may be a member's words.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.config import normalise_database_url

log = logging.getLogger(__name__)

# Any fixed number: it names the lock that keeps two processes from migrating at once.
_MIGRATION_LOCK = 7_213_001
# How long a job or the command line waits for SQLite's write lock.
PATIENT_LOCK_TIMEOUT = 30.0
# While a member waits: well inside Slack's 3 seconds, leaving time to answer.
MEMBER_LOCK_TIMEOUT = 1.5
MEMBER_STATEMENT_TIMEOUT = 2.0

_member_waiting: ContextVar[bool] = ContextVar("member_waiting", default=False)


@contextmanager
def member_waiting() -> Iterator[None]:
    """Database work done in this block has a member waiting on it: short lock timeouts."""
    token = _member_waiting.set(True)
    try:
        yield
    finally:
        _member_waiting.reset(token)


class Database:
    def __init__(self, url: str, *, member_lock_timeout: float = MEMBER_LOCK_TIMEOUT) -> None:
        parsed = normalise_database_url(make_url(url))
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        # Seconds a lock may be waited for while a member waits (see ``member_waiting``).
        self.member_lock_timeout = member_lock_timeout
        if self.is_sqlite:
            self.engine: Engine = create_engine(
                parsed,
                connect_args={"check_same_thread": False, "timeout": PATIENT_LOCK_TIMEOUT},
                hide_parameters=True,
            )
            _configure_sqlite(self.engine, self)
        else:
            self.engine = create_engine(
                parsed, pool_pre_ping=True, pool_size=10, max_overflow=10, hide_parameters=True
            )
            _configure_postgresql(self.engine, self)
        self._immediate = self.engine.execution_options(sqlite_immediate=True)
        self._alone = self.engine.execution_options(sqlite_statement_alone=True)
        self._writer = sessionmaker(self._immediate, expire_on_commit=False)
        self._reader = sessionmaker(self.engine, expire_on_commit=False)
        # SQLite has one writer at a time. Threads of this process queue for it here, woken
        # the moment it is free; left to SQLite, a waiting writer polls with sleeps of up to
        # 100 ms, which under load turned 1 ms writes into half-second waits
        # (bench/http_commands.py).
        # Other processes on the same file still meet SQLite's busy timeout.
        self._write_turn = threading.Lock() if self.is_sqlite else None

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A writing transaction: committed when the block ends, rolled back on error."""
        with self._writing_turn(), self._writer.begin() as session:
            yield session

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A writing transaction on a bare connection (SQLAlchemy Core, no ORM session): for
        the member's hot path, where the ORM's unit of work costs more than the write."""
        with self._writing_turn(), self._immediate.begin() as connection:
            yield connection

    @contextmanager
    def single_write(self) -> Iterator[Connection]:
        """For exactly one writing statement. On SQLite it runs as its own transaction, with
        no BEGIN and COMMIT around it: two fewer calls into SQLite, each of which lets go of
        Python's GIL — cheap alone, but with the web threads busy each one costs a hand-over
        of the GIL (a fifth of a one-line log's CPU, measured with bench/http_commands.py).
        Elsewhere it is ``transaction()``."""
        if not self.is_sqlite:
            with self.transaction() as connection:
                yield connection
            return
        with self._writing_turn(), self._alone.begin() as connection:
            yield connection

    @contextmanager
    def _writing_turn(self) -> Iterator[None]:
        if self._write_turn is None:
            yield
            return
        wait = self.member_lock_timeout if _member_waiting.get() else PATIENT_LOCK_TIMEOUT
        if not self._write_turn.acquire(timeout=wait):
            raise OperationalError(
                "BEGIN IMMEDIATE", None, TimeoutError(f"no write turn within {wait:g} s")
            )
        try:
            yield
        finally:
            self._write_turn.release()

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A read-only transaction (never takes SQLite's write lock)."""
        with self._reader() as session:
            yield session

    def upgrade(self) -> None:
        """Apply Alembic migrations to head, one process at a time."""
        engine = self.engine.execution_options(sqlite_immediate=True)
        with engine.connect() as connection, connection.begin():
            if self.dialect == "postgresql":
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK}
                )
            command.upgrade(alembic_config(connection), "head")

    def current_revision(self) -> str | None:
        with self.engine.connect() as connection:
            from alembic.runtime.migration import MigrationContext

            return MigrationContext.configure(connection).get_current_revision()

    def ping(self) -> bool:
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except SQLAlchemyError as exc:
            log.warning("database did not answer: %s", exc.__class__.__name__)
            return False
        return True

    def dispose(self) -> None:
        self.engine.dispose()


def alembic_config(connection: Connection | None = None) -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", "bot:migrations")
    config.attributes["connection"] = connection
    return config


def _lock_wait_ms(db: Database) -> int:
    seconds = db.member_lock_timeout if _member_waiting.get() else PATIENT_LOCK_TIMEOUT
    return int(seconds * 1000)


def _configure_sqlite(engine: Engine, db: Database) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: object, record: object) -> None:
        # Let SQLAlchemy's "begin" event below issue BEGIN, not pysqlite's own logic.
        dbapi_connection.isolation_level = None  # type: ignore[attr-defined]
        cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(PATIENT_LOCK_TIMEOUT * 1000)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
        record.info["busy_ms"] = int(PATIENT_LOCK_TIMEOUT * 1000)  # type: ignore[attr-defined]

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # The busy timeout belongs to the pooled connection: set it only when it changes.
        wanted = _lock_wait_ms(db)
        if connection.info.get("busy_ms") != wanted:
            connection.exec_driver_sql(f"PRAGMA busy_timeout={wanted}")
            connection.info["busy_ms"] = wanted
        options = connection.get_execution_options()
        if options.get("sqlite_statement_alone"):
            return  # one statement, its own transaction (``Database.single_write``)
        immediate = options.get("sqlite_immediate", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _configure_postgresql(engine: Engine, db: Database) -> None:
    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        if not _member_waiting.get():
            return
        # Local to this transaction: a member's request never waits on a lock, or runs a
        # statement, longer than Slack's 3 seconds allow.
        lock_ms = int(db.member_lock_timeout * 1000)
        statement_ms = max(lock_ms, int(MEMBER_STATEMENT_TIMEOUT * 1000))
        connection.exec_driver_sql(
            f"SELECT set_config('lock_timeout', '{lock_ms}ms', true), "
            f"set_config('statement_timeout', '{statement_ms}ms', true)"
        )


def insert_ignoring_duplicates(session: Session | Connection, model: type, values: dict) -> bool:
    """INSERT a row unless one with the same unique key exists; True when it was inserted.

    Race-free across processes (``ON CONFLICT DO NOTHING``), unlike a SELECT-then-INSERT.
    """
    bind = session.get_bind() if isinstance(session, Session) else session
    if bind.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(model).values(**values).on_conflict_do_nothing()
    # Without preserve_rowcount, SQLAlchemy 2.1 fetches the new primary key on PostgreSQL and
    # the row count then reads -1 ("unknown"), which would look like an insert every time.
    result = session.execute(statement.execution_options(preserve_rowcount=True))
    return result.rowcount == 1


def database_now(session: Session | Connection) -> datetime:
    """The database's own clock, as an aware UTC datetime.

    One clock for every process that shares the database, whatever machine it runs on and
    whatever moment it acts as (``kindness-bot post --at`` pretends; leases must not).
    SQLite's clock is the host's, which every process on that file shares anyway.
    """
    bind = session.get_bind() if isinstance(session, Session) else session
    if bind.dialect.name == "postgresql":
        moment = session.scalar(text("SELECT clock_timestamp()"))
    else:
        moment = datetime.fromisoformat(
            session.scalar(text("SELECT strftime('%Y-%m-%d %H:%M:%f', 'now')"))
        )
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def include_in_autogenerate(name: str | None, type_: str, parent_names: object) -> bool:
    """Leave out what migrations make by other means: full-text search (FTS5 on SQLite; the
    stored words and their GIN index on PostgreSQL). Bolt's OAuth tables are compared like the
    rest (``bot.models`` writes them out)."""
    if type_ == "table" and name and name.startswith("entries_fts"):
        return False
    if type_ == "column" and name == "search_vector":
        return False
    return not (type_ == "index" and name in ("ix_entries_text_search", "ix_entries_search_vector"))


def insert_many_ignoring_duplicates(session: Session, model: type, rows: list[dict]) -> None:
    """``insert_ignoring_duplicates`` for many rows in one statement (an executemany)."""
    if not rows:
        return
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    session.execute(insert(model.__table__).on_conflict_do_nothing(), rows)  # type: ignore[attr-defined]
