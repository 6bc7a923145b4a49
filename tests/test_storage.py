"""Storage: migrations, the schema they make, and SQLite's settings."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, select
from sqlalchemy.exc import IntegrityError

from bot.db import Database, alembic_config, include_in_autogenerate
from bot.models import Base, Entry, JobClaim, Workspace
from bot.summary import weekly_summary
from bot.weeks import week_of

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
TABLES = {
    "workspaces",
    "members",
    "entries",
    "posted_prompts",
    "posted_digests",
    "job_claims",
    "processed_events",
    "slack_installations",
    "slack_bots",
    "slack_oauth_states",
}


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path):
    if request.param == "sqlite":
        db = Database(f"sqlite:///{tmp_path / 'empty.db'}")
    else:
        server = request.getfixturevalue("postgres")
        db = Database(server.create_database(f"empty_{abs(hash(tmp_path)) % 10**9}"))
    yield db
    db.dispose()


def test_migrations_take_an_empty_database_to_head(empty_database: Database) -> None:
    assert empty_database.current_revision() is None
    empty_database.upgrade()
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert empty_database.current_revision() == head
    assert set(inspect(empty_database.engine).get_table_names()) >= TABLES
    empty_database.upgrade()  # applying again changes nothing
    assert empty_database.current_revision() == head


def test_the_migrated_schema_matches_the_models(database: Database) -> None:
    with database.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_name": include_in_autogenerate, "compare_type": True}
        )
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_sqlite_runs_in_wal_mode_with_foreign_keys_on(sqlite_db: Database) -> None:
    with sqlite_db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_an_entry_cannot_belong_to_an_unknown_workspace(database: Database) -> None:
    with pytest.raises(IntegrityError), database.session() as session:
        session.add(
            Entry(
                team_id="TNOPE",
                user_id="U1",
                kind="story",
                text="x",
                visibility="network",
                source="slash",
                created_at=NOW,
                updated_at=NOW,
            )
        )


def test_a_job_claim_is_unique_per_workspace_job_and_period(database: Database) -> None:
    with database.session() as session:
        session.add(Workspace(team_id="T1", created_at=NOW, updated_at=NOW))
        session.flush()
        session.add(JobClaim(team_id="T1", job="prompt", period="2026-W48", claimed_at=NOW))
    with pytest.raises(IntegrityError), database.session() as session:
        session.add(JobClaim(team_id="T1", job="prompt", period="2026-W48", claimed_at=NOW))
    with database.session() as session:
        session.add(JobClaim(team_id="T1", job="digest", period="2026-W48", claimed_at=NOW))
        session.add(JobClaim(team_id="T1", job="prompt", period="2026-W49", claimed_at=NOW))


def test_this_weeks_entries_and_my_list_are_read_through_indexes(sqlite_db: Database) -> None:
    week = week_of(NOW, "UTC")
    with sqlite_db.engine.connect() as connection:

        def plan(statement) -> str:
            compiled = statement.compile(connection, compile_kwargs={"literal_binds": True})
            rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}").all()
            return " ".join(str(r[-1]) for r in rows)

        weekly = select(Entry).where(
            Entry.team_id == "T1", Entry.created_at >= week.start, Entry.created_at < week.end
        )
        mine = (
            select(Entry)
            .where(Entry.team_id == "T1", Entry.user_id == "U1")
            .order_by(Entry.created_at.desc())
        )
        assert "USING INDEX ix_entries_team_created" in plan(weekly)
        assert "USING INDEX ix_entries_team_user_created" in plan(mine)
        assert "USE TEMP B-TREE" not in plan(mine)


def test_a_summary_of_an_empty_workspace_is_all_zeros(database: Database, framework) -> None:
    summary = weekly_summary(database, framework, "TNEW", week_of(NOW, "UTC"))
    assert summary.total == 0 and summary.participants == 0
    assert len(summary.quiet_goals) == 6
