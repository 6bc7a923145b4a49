"""Storage: migrations, the schema they make, and SQLite's settings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import MetaData, Table, UniqueConstraint, inspect, select, text
from sqlalchemy.exc import IntegrityError

from bot.db import Database, alembic_config, include_in_autogenerate
from bot.goals import load_framework
from bot.learning_log import LearningLog
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
    "slack_installations",
    "slack_bots",
    "slack_oauth_states",
}
BOLT_TABLES = ("slack_installations", "slack_bots", "slack_oauth_states")


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


def _bolt_tables_as_slack_sdk_defines_them() -> MetaData:
    """The tables the installed slack_sdk's SQLAlchemy stores read and write."""
    metadata = MetaData()
    SQLAlchemyInstallationStore.build_installations_table(metadata, "slack_installations")
    SQLAlchemyInstallationStore.build_bots_table(metadata, "slack_bots")
    SQLAlchemyOAuthStateStore.build_oauth_states_table(metadata, "slack_oauth_states")
    return metadata


def _shape(table: Table) -> dict[str, object]:
    """What a table is made of, to compare: columns in order (type, nullability, primary key,
    server default), indexes and unique constraints."""
    return {
        "columns": [
            (c.name, repr(c.type), c.nullable, c.primary_key, c.server_default)
            for c in table.columns
        ],
        "indexes": sorted(
            (index.name, tuple(c.name for c in index.columns), index.unique)
            for index in table.indexes
        ),
        "unique": sorted(
            tuple(c.name for c in constraint.columns)
            for constraint in table.constraints
            if isinstance(constraint, UniqueConstraint)
        ),
    }


@pytest.mark.parametrize("name", BOLT_TABLES)
def test_bolts_tables_are_written_out_as_the_installed_slack_sdk_defines_them(name: str) -> None:
    """A slack_sdk that changes them fails here: write a migration, then update bot/models.py."""
    slack_sdk = _bolt_tables_as_slack_sdk_defines_them().tables[name]
    assert _shape(Base.metadata.tables[name]) == _shape(slack_sdk)


def test_the_migrations_make_bolts_tables_as_slack_sdk_reads_and_writes_them(
    database: Database,
) -> None:
    with database.engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "include_name": lambda name, type_, parents: (
                    type_ != "table" or name in BOLT_TABLES
                ),
                "compare_type": True,
            },
        )
        differences = compare_metadata(context, _bolt_tables_as_slack_sdk_defines_them())
    assert differences == []


def test_bolts_tables_made_by_slack_sdk_before_the_migrations_are_kept(
    empty_database: Database,
) -> None:
    """An operator who had let slack_sdk make its tables (``create_tables``) keeps them, and
    the installations in them, when the migrations run."""
    _bolt_tables_as_slack_sdk_defines_them().create_all(empty_database.engine)
    store = SQLAlchemyInstallationStore(client_id="111.222", engine=empty_database.engine)
    store.save(
        Installation(
            app_id="A1",
            team_id="T1",
            user_id="U1",
            bot_token="xoxb-1",
            bot_id="B1",
            bot_user_id="UBOT",
            installed_at=NOW.timestamp(),
        )
    )
    empty_database.upgrade()
    assert (
        empty_database.current_revision()
        == ScriptDirectory.from_config(alembic_config()).get_current_head()
    )
    bot = store.find_bot(enterprise_id=None, team_id="T1")
    assert bot is not None and bot.bot_token == "xoxb-1"


def _migrate(db: Database, revision: str, *, down: bool = False) -> None:
    engine = db.engine.execution_options(sqlite_immediate=True)
    with engine.connect() as connection, connection.begin():
        (command.downgrade if down else command.upgrade)(alembic_config(connection), revision)


def test_handled_deliveries_move_onto_their_entries_and_back(empty_database: Database) -> None:
    """0007: the marks of replies already noted move onto the entries; the old table goes, and
    comes back with its last two days on the way down."""
    db = empty_database
    _migrate(db, "0006")
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    hour_ago, days_ago = now - timedelta(hours=1), now - timedelta(days=10)
    rows = [  # (text, source, dedupe key, stored at)
        ("noted", "thread", "msg:C1:1.0", hour_ago),
        ("stored, the bot died before the note", "thread", "msg:C1:2.0", hour_ago),
        ("long ago, its mark forgotten", "thread", "msg:C1:3.0", days_ago),
        ("typed", "slash", None, hour_ago),
    ]
    with db.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO workspaces (team_id, timezone, created_at, updated_at) "
                "VALUES ('T1', 'UTC', :at, :at)"
            ),
            {"at": days_ago},
        )
        for words, source, key, at in rows:
            connection.execute(
                text(
                    "INSERT INTO entries (team_id, user_id, kind, text, visibility, source, "
                    "dedupe_key, created_at, updated_at) VALUES "
                    "('T1', 'U1', 'story', :words, 'network', :source, :key, :at, :at)"
                ),
                {"words": words, "source": source, "key": key, "at": at},
            )
        connection.execute(
            text(
                "INSERT INTO processed_events (team_id, event_key, received_at) "
                "VALUES ('T1', 'msg:C1:1.0', :at)"
            ),
            {"at": hour_ago + timedelta(seconds=2)},
        )

    _migrate(db, "head")
    with db.engine.connect() as connection:
        noted = dict(connection.execute(text("SELECT text, noted_at FROM entries")).all())
    assert {words: _naive(at) for words, at in noted.items()} == {
        "noted": hour_ago + timedelta(seconds=2),
        "stored, the bot died before the note": None,  # noted when Slack sends it again
        "long ago, its mark forgotten": days_ago,
        "typed": None,
    }
    assert "processed_events" not in inspect(db.engine).get_table_names()

    _migrate(db, "0006", down=True)
    with db.engine.connect() as connection:
        kept = connection.execute(text("SELECT team_id, event_key FROM processed_events")).all()
    assert [tuple(row) for row in kept] == [("T1", "msg:C1:1.0")]
    assert "noted_at" not in {c["name"] for c in inspect(db.engine).get_columns("entries")}
    _migrate(db, "head")
    assert db.current_revision() == ScriptDirectory.from_config(alembic_config()).get_current_head()


def _naive(moment: datetime | str | None) -> datetime | None:
    """A stored naive UTC instant, as either driver returns it."""
    if isinstance(moment, str):  # SQLite through a bare SELECT
        moment = datetime.fromisoformat(moment)
    return moment.replace(tzinfo=None) if moment is not None else None


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


def test_organisations_and_outcomes_migrate_up_down_and_up(empty_database: Database) -> None:
    """0009: organisations, an entry's organisation, why it matters, who changed, how we know
    and the fourth kind, ``outcome``; on the way down an outcome is kept as a story; the
    full-text search stays in step with the entries throughout."""
    db = empty_database
    _migrate(db, "0007")
    at = datetime(2026, 11, 2, 9, 0)
    with db.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO workspaces (team_id, timezone, created_at, updated_at) "
                "VALUES ('T1', 'UTC', :at, :at)"
            ),
            {"at": at},
        )
    insert = text(
        "INSERT INTO entries (team_id, user_id, kind, text, visibility, source, created_at, "
        "updated_at) VALUES ('T1', 'U1', :kind, :words, 'network', 'slash', :at, :at)"
    )
    with db.engine.begin() as connection:
        connection.execute(insert, {"kind": "story", "words": "before the change", "at": at})
        with pytest.raises(IntegrityError), connection.begin_nested():
            connection.execute(insert, {"kind": "outcome", "words": "too soon", "at": at})

    _migrate(db, "head")
    with db.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO organisations (team_id, name, name_key, sector, place, created_at) "
                "VALUES ('T1', 'NHS Fife', 'nhs fife', 'public', 'Fife', :at)"
            ),
            {"at": at},
        )
        org = connection.execute(text("SELECT id FROM organisations")).scalar_one()
        connection.execute(
            text(
                "INSERT INTO entries (team_id, user_id, kind, text, visibility, source, "
                "organisation_id, why_it_matters, who_changed, how_we_know, created_at, "
                "updated_at) VALUES ('T1', 'U1', 'outcome', 'ward rounds changed', 'network', "
                "'slash', :org, 'patients are heard', 'staff', 'seen', :at, :at)"
            ),
            {"org": org, "at": at},
        )
        for column, value in (("who_changed", "everyone"), ("how_we_know", "guessed")):
            with pytest.raises(IntegrityError), connection.begin_nested():
                connection.execute(text(f"UPDATE entries SET {column} = :value"), {"value": value})
        with pytest.raises(IntegrityError), connection.begin_nested():
            connection.execute(text("UPDATE organisations SET sector = 'charity'"))
    with db.engine.connect() as connection:
        assert _search(db, connection, "ward") == ["ward rounds changed"]

    _migrate(db, "0007", down=True)
    with db.engine.connect() as connection:
        kinds = dict(connection.execute(text("SELECT text, kind FROM entries")).all())
    assert kinds == {"before the change": "story", "ward rounds changed": "story"}
    columns = {c["name"] for c in inspect(db.engine).get_columns("entries")}
    assert not columns & {"organisation_id", "why_it_matters", "who_changed", "how_we_know"}
    assert "organisations" not in inspect(db.engine).get_table_names()
    with db.engine.begin() as connection:
        with pytest.raises(IntegrityError), connection.begin_nested():
            connection.execute(insert, {"kind": "outcome", "words": "gone again", "at": at})
        connection.execute(insert, {"kind": "story", "words": "ward visits after", "at": at})
        assert sorted(_search(db, connection, "ward")) == [
            "ward rounds changed",
            "ward visits after",
        ]

    _migrate(db, "head")
    assert db.current_revision() == ScriptDirectory.from_config(alembic_config()).get_current_head()
    with db.engine.begin() as connection:
        connection.execute(insert, {"kind": "outcome", "words": "a change we saw", "at": at})
        assert sorted(_search(db, connection, "change")) == ["a change we saw", "before the change"]


def _search(db: Database, connection, word: str) -> list[str]:
    """Entry texts the full-text index finds for ``word`` (the index search uses)."""
    if db.dialect == "sqlite":
        query = (
            "SELECT e.text FROM entries_fts f JOIN entries e ON e.id = f.rowid "
            "WHERE entries_fts MATCH :word"
        )
    else:
        query = (
            "SELECT text FROM entries "
            "WHERE search_vector @@ plainto_tsquery('kindness'::regconfig, :word)"
        )
    return [row[0] for row in connection.execute(text(query), {"word": word})]


def test_peer_pairs_migrate_up_down_and_up_keeping_entries_searchable(
    empty_database: Database,
) -> None:
    """0012: actions from pairs (source "pair") are allowed, and read as logged in a form on the
    way down; SQLite keeps the entries' full-text triggers (its table is not rebuilt)."""
    db = empty_database
    _migrate(db, "head")
    at = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    insert = text(
        "INSERT INTO entries (team_id, user_id, kind, text, visibility, source, created_at, "
        "updated_at) VALUES ('T1', 'U1', 'action', :words, 'network', :source, :at, :at)"
    )
    with db.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO workspaces (team_id, timezone, created_at, updated_at) "
                "VALUES ('T1', 'UTC', :at, :at)"
            ),
            {"at": at},
        )
        connection.execute(insert, {"words": "a kinder rota", "source": "pair", "at": at})
    with pytest.raises(IntegrityError), db.engine.begin() as connection:
        connection.execute(insert, {"words": "unknown", "source": "carrier pigeon", "at": at})

    _migrate(db, "0009", down=True)
    with db.engine.connect() as connection:
        assert connection.execute(text("SELECT source FROM entries")).scalars().all() == ["modal"]
    with pytest.raises(IntegrityError), db.engine.begin() as connection:
        connection.execute(insert, {"words": "not yet", "source": "pair", "at": at})
    assert "pair_rounds" not in inspect(db.engine).get_table_names()

    _migrate(db, "head")
    assert {"pair_rounds", "pairs"} <= set(inspect(db.engine).get_table_names())
    with db.engine.begin() as connection:
        connection.execute(insert, {"words": "a walking meeting", "source": "pair", "at": at})
    log = LearningLog(db, load_framework(), clock=lambda: datetime.now(UTC))
    found = log.search("T1", "U1", "walking")
    assert [entry.text for entry in found.entries] == ["a walking meeting"]
