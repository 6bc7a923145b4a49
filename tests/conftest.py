"""Shared fixtures: databases (SQLite and a real PostgreSQL), an injected clock, the framework.

PostgreSQL: tests that take the ``database`` fixture run twice, once per store. Where the
server's binaries are missing the PostgreSQL half is skipped, unless
``KINDNESS_REQUIRE_POSTGRES=1`` (set by CI), which turns the skip into a failure.
"""

from __future__ import annotations

import itertools
import logging
import os
import shutil
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, select

from bot.config import load_config
from bot.db import Database
from bot.goals import Framework, load_framework
from bot.learning_log import LearningLog
from bot.models import Entry
from bot.services import Services
from bot.slack.client import make_client
from pgserver import PostgresServer, find_bin_dir
from runtime.app import create_app
from runtime.wsgi import KindnessWsgi
from sandbox import SlackDriver, SlackStandIn
from serving import SIGNING_SECRET, ServedWsgi


@pytest.fixture(scope="session", autouse=True)
def no_threads_left_behind() -> Iterator[None]:
    """The run fails when a test leaves a thread running: every server, executor and
    scheduler a test starts, it stops."""
    before = set(threading.enumerate())
    yield
    deadline = time.monotonic() + 10
    for thread in set(threading.enumerate()) - before:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    left = sorted(t.name for t in set(threading.enumerate()) - before if t.is_alive())
    assert not left, f"{len(left)} threads were left running: {left[:20]}"


class FakeClock:
    """An injected clock: tests move time forward explicitly and never sleep."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now = self.now + timedelta(**delta)
        return self.now

    def set(self, moment: datetime) -> datetime:
        self.now = moment
        return moment


@pytest.fixture
def clock() -> FakeClock:
    # A Wednesday afternoon in late November 2026.
    return FakeClock(datetime(2026, 11, 25, 14, 0, tzinfo=UTC))


@pytest.fixture(scope="session")
def framework() -> Framework:
    return load_framework()


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    if find_bin_dir() is None:
        if os.environ.get("KINDNESS_REQUIRE_POSTGRES") == "1":
            pytest.fail("PostgreSQL is required (KINDNESS_REQUIRE_POSTGRES=1) but not installed")
        pytest.skip("PostgreSQL is not installed here (apt-get install postgresql)")
    server = PostgresServer().start()
    template_url = server.create_database("kindness_template")
    template = Database(template_url)
    template.upgrade()
    template.dispose()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "kindness.db"
    db = Database(f"sqlite:///{path}")
    db.upgrade()
    with db.engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    db.dispose()
    return path


_numbers = itertools.count()


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A migrated, empty database of each kind."""
    if request.param == "sqlite":
        path = tmp_path / "kindness.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        db = Database(f"sqlite:///{path}")
    else:
        server: PostgresServer = request.getfixturevalue("postgres")
        db = Database(server.create_database(f"test_{next(_numbers)}", "kindness_template"))
    yield db
    db.dispose()


@pytest.fixture
def sqlite_db(tmp_path: Path, sqlite_template: Path) -> Iterator[Database]:
    path = tmp_path / "kindness.db"
    shutil.copy(sqlite_template, path)
    db = Database(f"sqlite:///{path}")
    yield db
    db.dispose()


@pytest.fixture
def learning_log(database: Database, framework: Framework, clock: FakeClock) -> LearningLog:
    return LearningLog(database, framework, clock=clock)


# -- the bot behind its real HTTP endpoint, talking to a Slack stand-in --------------------------


class DrainingExecutor(ThreadPoolExecutor):
    """Runs the Slack work that follows acks, and lets a test wait until all of it is done."""

    def __init__(self) -> None:
        super().__init__(max_workers=4, thread_name_prefix="lazy")
        self._pending: set[Future] = set()
        self._lock = threading.Lock()

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future = super().submit(fn, *args, **kwargs)
        with self._lock:
            self._pending.add(future)
        return future

    def drain(self, timeout: float = 20) -> None:
        # Work may schedule more work (rarely); loop until nothing is pending.
        while True:
            with self._lock:
                pending, self._pending = self._pending, set()
            if not pending:
                return
            _, not_done = wait(pending, timeout=timeout)
            assert not not_done, "the bot's background work did not finish in time"


class ErrorLog(logging.Handler):
    """Collects errors the bot logged, so a test fails when a listener broke unseen."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


class SettlingDriver:
    """The SlackDriver, waiting after each request until the bot's lazy work is done."""

    def __init__(self, driver: SlackDriver, executor: DrainingExecutor) -> None:
        self._driver = driver
        self._executor = executor

    def __getattr__(self, name: str):
        attribute = getattr(self._driver, name)
        if name not in ("command", "event", "block_action", "view_submission", "message_action"):
            return attribute

        def send(*args, **kwargs):
            reply = attribute(*args, **kwargs)
            self._executor.drain()
            return reply

        return send


@dataclass
class BotUnderTest:
    services: Services
    standin: SlackStandIn
    slack: SettlingDriver
    url: str
    executor: DrainingExecutor
    errors: ErrorLog
    expect_errors: bool = False

    @property
    def log(self) -> LearningLog:
        return self.services.log

    def entries(self, team_id: str | None = None) -> list[Entry]:
        """Everything stored, oldest first (the test's view of the database)."""
        with self.services.db.reading() as session:
            query = select(Entry).order_by(Entry.id)
            if team_id:
                query = query.where(Entry.team_id == team_id)
            return list(session.scalars(query))

    def responses(self, reply) -> list[dict]:
        """What the bot answered to one command or click through its response_url."""
        return self.standin.responses(reply.response_url)

    def answers(self, reply) -> list[dict]:
        """What the member was shown in answer to one command or click, oldest first: the
        ack's message (a slash command's answer travels in it), then what came through the
        request's response_url."""
        shown = []
        body = reply.json if reply.body.strip().startswith("{") else None
        if (
            isinstance(body, dict)
            and "response_action" not in body
            and ("text" in body or "blocks" in body)
        ):
            shown.append(body)
        if reply.response_url:
            shown += self.responses(reply)
        return shown

    def answer_text(self, reply) -> str:
        """All text the member was shown in answer to ``reply``, blocks included."""
        return "\n".join(message_text(m) for m in self.answers(reply))


@contextmanager
def failing_database(db: Database) -> Iterator[None]:
    """Every statement fails inside the driver, as when the database goes away mid-request
    (the failure SQLAlchemy then raises is the real one; only its cause is summoned)."""
    error = db.engine.dialect.loaded_dbapi.OperationalError

    def fail(*args: object) -> None:
        raise error("the database went away (injected by the test)")

    event.listen(db.engine, "before_cursor_execute", fail)
    try:
        yield
    finally:
        event.remove(db.engine, "before_cursor_execute", fail)


@contextmanager
def failing_inserts(db: Database, table: str) -> Iterator[None]:
    """The database refuses every INSERT into ``table`` (as a full disk or a lost server would)."""

    def refuse(connection, cursor, statement: str, *args: object) -> None:
        if statement.lstrip().upper().startswith(f"INSERT INTO {table.upper()}"):
            raise connection.dialect.loaded_dbapi.OperationalError("injected: disk I/O error")

    event.listen(db.engine, "before_cursor_execute", refuse)
    try:
        yield
    finally:
        event.remove(db.engine, "before_cursor_execute", refuse)


def message_text(message: dict) -> str:
    """Every piece of text in a message or view, flattened, for assertions."""
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "text" and isinstance(value, str):
                    found.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(message)
    return "\n".join(found)


def _make_bot(db: Database, clock: FakeClock, **env: str) -> Iterator[BotUnderTest]:
    standin = SlackStandIn().start()
    config = load_config(
        {
            "SLACK_BOT_TOKEN": standin.bot_token,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": standin.api_url,
            **env,
        },
        require_slack=True,
    )
    services = Services(config, db, clock=clock)
    executor = DrainingExecutor()
    app = create_app(services, client=make_client(config, backoff=0.01), listener_executor=executor)
    errors = ErrorLog()
    logging.getLogger().addHandler(errors)
    served = ServedWsgi(KindnessWsgi(app, services))
    url = f"{served.url}/slack/events"
    driver = SlackDriver(url, SIGNING_SECRET, standin)
    bot = BotUnderTest(services, standin, SettlingDriver(driver, executor), url, executor, errors)
    try:
        yield bot
        executor.drain()
    finally:
        # Everything stops while errors are still collected: a failure while stopping counts.
        served.stop()
        executor.shutdown(wait=True)
        standin.stop()
        logging.getLogger().removeHandler(errors)
    if not bot.expect_errors:
        messages = [r.getMessage() for r in errors.records]
        assert not messages, f"the bot logged errors: {messages}"


@pytest.fixture
def bot(sqlite_db: Database, clock: FakeClock) -> Iterator[BotUnderTest]:
    """The real app on 127.0.0.1 (SQLite), its Web API pointed at a Slack stand-in."""
    yield from _make_bot(sqlite_db, clock)


@pytest.fixture
def bot_on_each_store(database: Database, clock: FakeClock) -> Iterator[BotUnderTest]:
    """As ``bot``, once on SQLite and once on PostgreSQL."""
    yield from _make_bot(database, clock)
