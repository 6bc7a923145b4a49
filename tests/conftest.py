"""Shared fixtures: databases (SQLite and a real PostgreSQL), an injected clock, the framework.

PostgreSQL: tests that take the ``database`` fixture run twice, once per store. Where the
server's binaries are missing the PostgreSQL half is skipped, unless
``KINDNESS_REQUIRE_POSTGRES=1`` (set by CI), which turns the skip into a failure.
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pgserver import PostgresServer, find_bin_dir

from bot.db import Database
from bot.goals import Framework, load_framework
from bot.learning_log import LearningLog


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
