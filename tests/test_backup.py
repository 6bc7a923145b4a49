"""Backups that restore: the operator takes one, loses the machine, restores on PostgreSQL (or
SQLite) and finds every entry, setting, claim and search result where it was."""

from __future__ import annotations

import gzip
import hashlib
import io
import itertools
import json
import os
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from sqlalchemy import select, text

from bot import audit
from bot import backup as backup_module
from bot.backup import (
    BackupError,
    DamagedBackup,
    DatabaseNotEmpty,
    NewerBackup,
    backup_to_file,
    owned_tables,
    read_backup,
    restore_backup,
    write_backup,
)
from bot.db import Database
from bot.export import write_export
from bot.goals import Framework
from bot.learning_log import LearningLog
from bot.models import BackupRun, Entry, JobClaim
from bot.settings import SettingsStore
from conftest import FakeClock
from pgserver import PostgresServer
from schedules import claims
from schedules.backups import backup_health, run_nightly_backup
from schedules.runner import Rhythm

TEAM = "T1"
SCRIPT = str(Path(sys.executable).parent / "kindness-bot")
_numbers = itertools.count()


def fill(db: Database, framework: Framework, clock: FakeClock) -> None:
    """A network's life in small: settings, coordinators, entries of every kind and visibility,
    a claim, an installation, an audit line."""
    settings = SettingsStore(db, clock=clock)
    settings.apply(
        TEAM,
        {"channel": "C0NETWORK", "timezone": "Europe/London", "prompt_time": "09:30"},
        by_user="UADMIN",
    )
    settings.apply(TEAM, {"coordinators": "UCOORD, UADMIN"}, by_user="UADMIN")
    log = LearningLog(db, framework, clock=clock)
    words = [
        "Listened first & asked <how> we could help",
        "Café staff greeted every visitor by name 🌱",
        "=SUM(A1) looks like a formula but is a story",
        "Kindness in the rota: nobody works three weekends",
    ]
    for number, text_ in enumerate(words * 3):
        clock.advance(hours=5)
        log.add_entry(
            TEAM,
            f"U{number % 4}",
            f"{text_} ({number})",
            kind=("story", "action", "reflection")[number % 3] if number % 3 != 2 else "story",
            goal=f"g{number % 6 + 1}",
            visibility=("network", "anonymous", "private")[number % 3],
        )
    log.add_entry(TEAM, "UMEMBER", "Logged for a member", goal="g2", logged_by="UCOORD")
    clock.advance(days=1)
    claims.claim(db, TEAM, "prompt", "2026-W48", owner="host:1:1")
    SQLAlchemyInstallationStore(client_id="111.222", engine=db.engine).save(
        Installation(
            app_id="A1",
            team_id=TEAM,
            user_id="UADMIN",
            bot_token="xoxb-secret",
            bot_id="B1",
            bot_user_id="UBOT",
            installed_at=clock().timestamp(),
        )
    )


def lines_of(data: bytes) -> list[object]:
    return [json.loads(line) for line in gzip.decompress(data).splitlines()]


def backup_bytes(db: Database, clock: FakeClock) -> bytes:
    out = io.BytesIO()
    write_backup(db, out, now=clock())
    return out.getvalue()


def rows_by_table(data: bytes) -> dict[str, list]:
    tables: dict[str, list] = {}
    current = None
    for line in lines_of(data)[1:]:
        if isinstance(line, dict) and "table" in line:
            current = tables.setdefault(line["table"], [])
        elif isinstance(line, list):
            current.append(line)  # type: ignore[union-attr]
    return tables


def what_a_coordinator_sees(db: Database, framework: Framework, clock: FakeClock) -> dict:
    exports = {}
    for fmt in ("csv", "json", "md"):
        out = io.StringIO()
        write_export(db, framework, TEAM, fmt, out, now=clock(), tz="Europe/London")
        exports[fmt] = out.getvalue()
    log = LearningLog(db, framework, clock=clock)
    searches = {
        words: [(e.id, e.text) for e in log.search(TEAM, "U0", words, limit=50).entries]
        for words in ("kind", "café", "formula", "listen ask", "nobody")
    }
    with db.reading() as session:
        held = session.execute(
            select(JobClaim.team_id, JobClaim.job, JobClaim.period, JobClaim.status)
        ).all()
    return {
        "exports": exports,
        "settings": SettingsStore(db, clock=clock).get(TEAM),
        "claims": [tuple(row) for row in held],
        "searches": searches,
        "token": SQLAlchemyInstallationStore(client_id="111.222", engine=db.engine)
        .find_bot(enterprise_id=None, team_id=TEAM)
        .bot_token,
    }


def test_sqlite_to_postgresql_to_sqlite_keeps_everything(
    sqlite_db: Database,
    postgres: PostgresServer,
    tmp_path: Path,
    framework: Framework,
    clock: FakeClock,
) -> None:
    fill(sqlite_db, framework, clock)
    before = what_a_coordinator_sees(sqlite_db, framework, clock)
    assert before["searches"]["café"] and before["exports"]["csv"].count("\n") > 5

    first = tmp_path / "from-sqlite.jsonl.gz"
    backup_to_file(sqlite_db, first, now=clock())
    on_postgres = Database(postgres.create_database(f"restored_{next(_numbers)}"))
    restore_backup(on_postgres, first, now=clock())
    assert what_a_coordinator_sees(on_postgres, framework, clock) == before

    second = tmp_path / "from-postgresql.jsonl.gz"
    backup_to_file(on_postgres, second, now=clock())
    back_on_sqlite = Database(f"sqlite:///{tmp_path / 'again.db'}")
    restore_backup(back_on_sqlite, second, now=clock())
    assert what_a_coordinator_sees(back_on_sqlite, framework, clock) == before

    # Row for row the same, but for the restores each database recorded in its audit trail.
    original = rows_by_table(first.read_bytes())
    again = rows_by_table(backup_bytes(back_on_sqlite, clock))
    trail, recorded = again.pop("audit_events"), original.pop("audit_events")
    assert trail[: len(recorded)] == recorded
    assert [row[4] for row in trail[len(recorded) :]] == [audit.RESTORED, audit.RESTORED]
    assert again == original

    # New entries take ids after the restored ones, on both stores.
    for db in (on_postgres, back_on_sqlite):
        saved = LearningLog(db, framework, clock=clock).add_entry(TEAM, "U9", "after the move")
        assert saved.entry.id > max(row[0] for row in original["entries"])
        db.dispose()


def test_every_table_the_bot_owns_is_in_the_file(database: Database, clock: FakeClock) -> None:
    data = backup_bytes(database, clock)
    header = lines_of(data)[0]
    assert header["format"] == "kindness-bot backup" and header["version"] == 1
    assert header["revision"] == database.current_revision()
    tables = [
        line["table"] for line in lines_of(data) if isinstance(line, dict) and "table" in line
    ]
    assert tables == [table.name for table in owned_tables()]
    assert {"entries", "workspaces", "slack_installations", "audit_events"} <= set(tables)


def test_a_backup_is_the_database_at_one_moment_while_the_bot_writes(
    database: Database, framework: Framework, clock: FakeClock
) -> None:
    log = LearningLog(database, framework, clock=clock)
    for number in range(30):
        log.add_entry(TEAM, "U1", f"before the backup {number}")

    class WritingMeanwhile(io.BytesIO):
        """Each time the backup writes, the bot stores another entry and another workspace."""

        written = 0

        def write(self, data: bytes) -> int:  # type: ignore[override]
            self.written += 1
            log.add_entry(f"TNEW{self.written}", "U2", f"during the backup {self.written}")
            return super().write(data)

    out = WritingMeanwhile()
    write_backup(database, out, now=clock())
    assert out.written > 1
    tables = rows_by_table(out.getvalue())
    texts = sorted(row[5] for row in tables["entries"])
    assert texts == sorted(f"before the backup {n}" for n in range(30))
    assert [row[0] for row in tables["workspaces"]] == [TEAM]


@pytest.fixture
def a_backup(tmp_path: Path, framework: Framework, clock: FakeClock) -> Path:
    source = Database(f"sqlite:///{tmp_path / 'source.db'}")
    source.upgrade()
    fill(source, framework, clock)
    path = tmp_path / "backup.jsonl.gz"
    backup_to_file(source, path, now=clock())
    source.dispose()
    return path


def _entries(db: Database) -> int:
    with db.reading() as session:
        return len(session.scalars(select(Entry.id)).all())


def test_a_database_that_is_not_empty_is_refused_without_force(
    database: Database, a_backup: Path, framework: Framework, clock: FakeClock
) -> None:
    LearningLog(database, framework, clock=clock).add_entry("TOTHER", "U1", "already here")
    with pytest.raises(DatabaseNotEmpty, match=r"not empty .*add --force"):
        restore_backup(database, a_backup, now=clock())
    assert _entries(database) == 1

    restore_backup(database, a_backup, force=True, now=clock())
    assert _entries(database) == read_backup(a_backup).rows["entries"] == 13
    log = LearningLog(database, framework, clock=clock)
    assert [e.text for e in log.search("TOTHER", "U1", "already").entries] == []
    assert log.search(TEAM, "U1", "rota").entries


def _rewrite(path: Path, change) -> Path:
    """The backup with its lines changed and its checksum made to match again."""
    lines = gzip.decompress(path.read_bytes()).splitlines(keepends=True)
    body = change(lines[:-1])
    digest = hashlib.sha256(b"".join(body)).hexdigest()
    trailer = json.loads(lines[-1])
    trailer["sha256"] = digest
    changed = path.with_name("changed.jsonl.gz")
    changed.write_bytes(gzip.compress(b"".join([*body, json.dumps(trailer).encode() + b"\n"])))
    return changed


def test_damaged_truncated_and_newer_files_are_refused_before_anything_is_loaded(
    database: Database, a_backup: Path, clock: FakeClock, tmp_path: Path
) -> None:
    data = a_backup.read_bytes()
    plain = gzip.decompress(data)
    damaged = tmp_path / "damaged.jsonl.gz"

    damaged.write_bytes(gzip.compress(plain.replace(b"rota", b"ROTA")))
    with pytest.raises(DamagedBackup, match="checksum does not match"):
        restore_backup(database, damaged, now=clock())

    damaged.write_bytes(data[: len(data) // 2])
    with pytest.raises(DamagedBackup, match="damaged"):
        restore_backup(database, damaged, now=clock())

    damaged.write_bytes(gzip.compress(plain[: plain.rindex(b'{"end"')]))
    with pytest.raises(DamagedBackup, match="incomplete"):
        restore_backup(database, damaged, now=clock())

    damaged.write_bytes(b"not a backup at all")
    with pytest.raises(DamagedBackup):
        restore_backup(database, damaged, now=clock())

    def newer_revision(lines: list[bytes]) -> list[bytes]:
        header = json.loads(lines[0])
        header["revision"] = "9999"
        return [json.dumps(header).encode() + b"\n", *lines[1:]]

    with pytest.raises(NewerBackup, match=r"revision 9999.*newer version.*Upgrade"):
        restore_backup(database, _rewrite(a_backup, newer_revision), now=clock())

    def newer_format(lines: list[bytes]) -> list[bytes]:
        header = json.loads(lines[0])
        header["version"] = 2
        return [json.dumps(header).encode() + b"\n", *lines[1:]]

    with pytest.raises(NewerBackup, match="newer kindness-bot"):
        restore_backup(database, _rewrite(a_backup, newer_format), now=clock())
    assert _entries(database) == 0


def test_a_file_damaged_only_in_its_words_is_refused_after_its_rows_load_leaving_all_as_it_was(
    database: Database, a_backup: Path, framework: Framework, clock: FakeClock, tmp_path: Path
) -> None:
    """The whole file is checked while its rows load: every row of this one loads (only the
    checksum tells), so the forced restore has emptied the tables and loaded the file's rows
    when the check's word comes — and nothing of that is committed."""
    log = LearningLog(database, framework, clock=clock)
    log.add_entry("TOTHER", "U1", "Already here: a quokka story")
    schema = _schema(database)
    damaged = tmp_path / "damaged.jsonl.gz"
    damaged.write_bytes(
        gzip.compress(gzip.decompress(a_backup.read_bytes()).replace(b"rota", b"ROTA"))
    )
    with pytest.raises(DamagedBackup, match=r"checksum does not match.*nothing was restored"):
        restore_backup(database, damaged, force=True, now=clock())
    assert _entries(database) == 1
    assert _schema(database) == schema
    assert _found(database, framework, clock, "TOTHER", "quokka") == [
        "Already here: a quokka story"
    ]
    assert _found(database, framework, clock, TEAM, "rota") == []


def test_a_damaged_file_is_refused_as_damaged_by_a_database_that_is_not_empty(
    database: Database, a_backup: Path, framework: Framework, clock: FakeClock, tmp_path: Path
) -> None:
    """The file's damage is the word the operator needs (another backup), not --force."""
    LearningLog(database, framework, clock=clock).add_entry("TOTHER", "U1", "already here")
    damaged = tmp_path / "damaged.jsonl.gz"
    plain = gzip.decompress(a_backup.read_bytes())
    damaged.write_bytes(gzip.compress(plain[: plain.rindex(b'{"end"')]))
    with pytest.raises(DamagedBackup, match="incomplete"):
        restore_backup(database, damaged, now=clock())
    assert _entries(database) == 1


def test_a_restore_that_fails_part_way_leaves_nothing_behind(
    database: Database, a_backup: Path, clock: FakeClock
) -> None:
    def entry_twice(lines: list[bytes]) -> list[bytes]:
        last_entry = max(i for i, line in enumerate(lines) if b"Kindness in the rota" in line)
        return [*lines[: last_entry + 1], lines[last_entry], *lines[last_entry + 1 :]]

    broken = _rewrite(a_backup, entry_twice)
    with pytest.raises(BackupError, match=r"could not be loaded.*nothing was restored"):
        restore_backup(database, broken, now=clock())
    with database.reading() as session:
        for table in owned_tables():
            assert session.execute(select(text("1")).select_from(table)).first() is None, table


@pytest.mark.parametrize("read_bytes", [97, 1 << 20])
def test_a_row_refused_while_its_table_loads_leaves_nothing_and_a_later_restore_works(
    database: Database,
    a_backup: Path,
    framework: Framework,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
    read_bytes: int,
) -> None:
    """The first entry has no text: the database refuses it while the rest of the entries are
    still coming (on PostgreSQL one COPY takes a table's rows, block after block)."""
    monkeypatch.setattr("bot.backup.READ_BYTES", read_bytes)
    log = LearningLog(database, framework, clock=clock)
    log.add_entry("TOTHER", "U1", "Already here: a quokka story")

    def first_entry_without_text(lines: list[bytes]) -> list[bytes]:
        heading = next(i for i, line in enumerate(lines) if line.startswith(b'{"table":"entries"'))
        text_at = json.loads(lines[heading])["columns"].index("text")
        row = json.loads(lines[heading + 1])
        row[text_at] = None
        changed = json.dumps(row, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
        return [*lines[: heading + 1], changed, *lines[heading + 2 :]]

    with pytest.raises(BackupError, match=r"could not be loaded.*nothing was restored"):
        restore_backup(
            database, _rewrite(a_backup, first_entry_without_text), force=True, now=clock()
        )
    assert _found(database, framework, clock, "TOTHER", "quokka") == [
        "Already here: a quokka story"
    ]
    assert _found(database, framework, clock, TEAM, "rota") == []

    restore_backup(database, a_backup, force=True, now=clock())
    assert _entries(database) == 13
    assert _found(database, framework, clock, TEAM, "rota") == [
        f"Kindness in the rota: nobody works three weekends ({n})" for n in (3, 7)
    ]


def test_a_postgresql_restore_leaves_the_statistics_search_plans_by(
    postgres: PostgresServer, a_backup: Path, clock: FakeClock
) -> None:
    """Taken in the restore's transaction, at the targets the migrations set: the entries'
    words at 1,000 (bot.search reads their frequencies), every other column too."""
    db = Database(postgres.create_database(f"statistics_{next(_numbers)}", "kindness_template"))
    restore_backup(db, a_backup, now=clock())
    with db.reading() as session:
        words = session.execute(
            text(
                "SELECT most_common_elems::text::text[] FROM pg_stats WHERE tablename = 'entries'"
                " AND attname = 'search_vector' AND schemaname = current_schema()"
            )
        ).scalar_one()
        analysed = session.execute(
            text(
                "SELECT tablename, attname FROM pg_stats WHERE schemaname = current_schema()"
                " AND tablename IN ('entries', 'workspaces')"
            )
        ).all()
        rows, pages, all_visible = session.execute(
            text(
                "SELECT reltuples, relpages, relallvisible FROM pg_class"
                " WHERE oid = 'entries'::regclass"
            )
        ).one()
    assert {"rota", "kindness", "cafe"} <= set(words)  # accents folded
    columns = [c.name for c in Entry.__table__.c] + ["search_vector"]
    assert {name for table, name in analysed if table == "entries"} == set(columns)
    assert ("workspaces", "team_id") in analysed
    assert rows == 13
    # Loaded frozen (COPY FREEZE): no vacuum needs to visit the restored rows.
    assert pages > 0 and all_visible == pages
    db.dispose()


@pytest.mark.parametrize("read_bytes", [1, 97, 4096])
def test_a_restore_loads_the_same_rows_however_the_file_is_read(
    database: Database,
    a_backup: Path,
    framework: Framework,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
    read_bytes: int,
) -> None:
    """Restore reads the file in blocks of lines: a table's rows, its heading or the end
    falling across blocks loads the same rows, and damage is found all the same."""
    monkeypatch.setattr("bot.backup.READ_BYTES", read_bytes)
    assert read_backup(a_backup).rows["entries"] == 13
    restore_backup(database, a_backup, now=clock())
    original, restored = (
        rows_by_table(a_backup.read_bytes()),
        rows_by_table(backup_bytes(database, clock)),
    )
    trail, recorded = restored.pop("audit_events"), original.pop("audit_events")
    assert trail[: len(recorded)] == recorded
    assert restored == original
    assert len(_found(database, framework, clock, TEAM, "café")) == 3

    damaged = a_backup.with_name("damaged.jsonl.gz")
    damaged.write_bytes(gzip.compress(gzip.decompress(a_backup.read_bytes()).replace(b"3)", b"4)")))
    with pytest.raises(DamagedBackup, match="checksum does not match"):
        restore_backup(database, damaged, force=True, now=clock())


def _schema(db: Database) -> set[tuple]:
    """Every table's definition, index, constraint and trigger, as the database states them."""
    with db.reading() as session:
        if db.is_sqlite:
            rows = session.execute(text("SELECT type, name, sql FROM sqlite_master")).all()
        else:
            rows = session.execute(
                text(
                    "SELECT 'index', indexname, indexdef FROM pg_indexes"
                    " WHERE schemaname = current_schema() UNION ALL"
                    " SELECT 'constraint', conrelid::regclass::text || '.' || conname,"
                    " pg_get_constraintdef(oid) FROM pg_constraint"
                    " WHERE connamespace = current_schema()::regnamespace"
                )
            ).all()
    return {tuple(row) for row in rows}


def _found(db: Database, framework: Framework, clock: FakeClock, team: str, words: str) -> list:
    log = LearningLog(db, framework, clock=clock)
    return sorted(e.text for e in log.search(team, "U1", words, limit=50).entries)


def test_a_forced_restore_that_fails_part_way_leaves_the_database_as_it_was(
    database: Database, a_backup: Path, framework: Framework, clock: FakeClock
) -> None:
    """Restore sets the search index's upkeep aside while it loads: a failure puts it back."""
    log = LearningLog(database, framework, clock=clock)
    log.add_entry("TOTHER", "U1", "Already here: a quokka story")
    schema = _schema(database)

    def entry_twice(lines: list[bytes]) -> list[bytes]:
        last_entry = max(i for i, line in enumerate(lines) if b"Kindness in the rota" in line)
        return [*lines[: last_entry + 1], lines[last_entry], *lines[last_entry + 1 :]]

    with pytest.raises(BackupError, match=r"could not be loaded.*nothing was restored"):
        restore_backup(database, _rewrite(a_backup, entry_twice), force=True, now=clock())
    assert _entries(database) == 1
    assert _schema(database) == schema
    assert _found(database, framework, clock, "TOTHER", "quokka") == [
        "Already here: a quokka story"
    ]
    assert _found(database, framework, clock, TEAM, "rota") == []
    # The index is still kept up to date: a new entry is found, an edited one by its new words.
    added = log.add_entry("TOTHER", "U1", "A wombat after the failed restore")
    assert _found(database, framework, clock, "TOTHER", "wombat") == [
        "A wombat after the failed restore"
    ]
    log.edit_entry("TOTHER", "U1", added.entry.id, text="A platypus instead")
    assert _found(database, framework, clock, "TOTHER", "wombat") == []
    assert _found(database, framework, clock, "TOTHER", "platypus") == ["A platypus instead"]


def test_after_a_restore_search_finds_restored_and_new_entries(
    database: Database, a_backup: Path, framework: Framework, clock: FakeClock
) -> None:
    """Restore sets indexes, constraints and the search index's upkeep aside while it loads,
    and puts every one back as the migrations made it."""
    schema = _schema(database)
    assert len(schema) > 40
    restore_backup(database, a_backup, now=clock())
    assert _schema(database) == schema
    # U1 sees the network's and the anonymous entries, not U3's private one (11).
    assert _found(database, framework, clock, TEAM, "rota") == [
        f"Kindness in the rota: nobody works three weekends ({n})" for n in (3, 7)
    ]
    log = LearningLog(database, framework, clock=clock)
    added = log.add_entry(TEAM, "U1", "Restored, then a wombat", goal="g1")
    assert _found(database, framework, clock, TEAM, "wombat") == ["Restored, then a wombat"]
    log.edit_entry(TEAM, "U1", added.entry.id, text="Restored, then a platypus")
    assert _found(database, framework, clock, TEAM, "wombat") == []
    assert _found(database, framework, clock, TEAM, "platypus") == ["Restored, then a platypus"]
    if database.is_sqlite:
        with database.reading() as session:
            # The rebuild's settings are not left behind in the index (as the migrations made it).
            config = session.execute(text("SELECT k FROM entries_fts_config")).scalars().all()
        assert config == ["version"]


def _segments(pages: list) -> int:
    """How many segments FTS5's pages belong to (a page's rowid begins with its segment's id)."""
    return len({rowid >> 37 for rowid, _ in pages if rowid >> 37})


@pytest.mark.parametrize("rows_per_insert", [1, 5, 32])
def test_a_sqlite_restore_leaves_a_whole_search_index_in_the_segments_it_wrote(
    sqlite_db: Database,
    a_backup: Path,
    framework: Framework,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
    rows_per_insert: int,
) -> None:
    """The rows go in several to a statement (and the leftovers one by one), and the search
    index is rebuilt with its segments left as they were written (here a term buffer of 2 KiB,
    so that the file's few entries make several): every row as the file has it, the index
    FTS5's own check passes, the same terms and sizes as a plain rebuild makes, nothing of the
    restore's tuning left behind; and the bot then writes and finds entries as before, FTS5
    merging as it goes."""
    monkeypatch.setattr("bot.backup.ROWS_PER_INSERT", rows_per_insert)
    monkeypatch.setitem(backup_module.REBUILD_FTS5, "hashsize", 2048)
    restore_backup(sqlite_db, a_backup, now=clock())
    assert (type(None), sqlite3.PrepareProtocol) not in sqlite3.adapters
    assert (
        rows_by_table(backup_bytes(sqlite_db, clock))["entries"]
        == rows_by_table(a_backup.read_bytes())["entries"]
    )
    with sqlite_db.transaction() as connection:
        connection.exec_driver_sql(
            "INSERT INTO entries_fts(entries_fts, rank) VALUES ('integrity-check', 1)"
        )

    def shadows() -> list[list]:
        with sqlite_db.reading() as session:
            return [
                session.execute(text(f"SELECT * FROM entries_fts_{name} ORDER BY 1, 2")).all()
                for name in ("data", "idx", "docsize", "config")
            ]

    restored = shadows()
    assert restored[3] == [("version", 4)]
    # Not merged: as many segments as the buffer filled, within FTS5's crisis-merge bound.
    assert 1 < _segments(restored[0]) <= backup_module.REBUILD_FTS5["crisismerge"]
    words = ["café", "kindness", "rota", "k", "quokka"]
    found = {word: _found(sqlite_db, framework, clock, TEAM, word) for word in words}
    assert len(found["café"]) == 3
    with sqlite_db.transaction() as connection:
        connection.exec_driver_sql("INSERT INTO entries_fts(entries_fts) VALUES ('rebuild')")
    assert shadows()[2] == restored[2]  # every entry's size, as a plain rebuild counts it
    assert {word: _found(sqlite_db, framework, clock, TEAM, word) for word in words} == found
    LearningLog(sqlite_db, framework, clock=clock).add_entry(TEAM, "U1", "A café chat, after")
    assert len(_found(sqlite_db, framework, clock, TEAM, "café")) == 4


def _dump(db: Database) -> list[str]:
    """Everything the SQLite file holds, as SQL (its own connection, closed after)."""
    reading = sqlite3.connect(db.engine.url.database)
    try:
        return list(reading.iterdump())
    finally:
        reading.close()


def _journal_mode(db: Database) -> str:
    reading = sqlite3.connect(db.engine.url.database)
    try:
        return reading.execute("PRAGMA journal_mode").fetchone()[0]
    finally:
        reading.close()


def _last_entry_twice(lines: list[bytes]) -> list[bytes]:
    """The backup damaged late: its last entry a second time (the rows before it all load)."""
    heading = next(i for i, line in enumerate(lines) if line.startswith(b'{"table":"entries"'))
    last = heading + 1
    while last + 1 < len(lines) and lines[last + 1][:1] == b"[":
        last += 1
    return [*lines[: last + 1], lines[last], *lines[last + 1 :]]


def _journal_seen(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The journal mode each block of rows is inserted under."""
    seen: list[str] = []
    insert = backup_module._insert_sqlite

    def spying(connection, section, rows) -> None:  # type: ignore[no-untyped-def]
        seen.append(connection.exec_driver_sql("PRAGMA journal_mode").scalar())
        insert(connection, section, rows)

    monkeypatch.setattr("bot.backup._insert_sqlite", spying)
    return seen


HELD = "the file held by another connection"


@pytest.mark.parametrize("held", ["", HELD])
@pytest.mark.parametrize("forced", [False, True])
def test_a_sqlite_restore_failing_late_leaves_the_database_exactly_as_it_was(
    sqlite_db: Database,
    a_backup: Path,
    framework: Framework,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
    held: str,
    forced: bool,
) -> None:
    """Alone on its file, a restore runs under a rollback journal (nothing to journal for a new
    database's pages); with the file held by another connection (the bot running), under WAL.
    Either way a restore that fails on a row late in the file, after pages went to disk (a
    cache of a few pages), leaves every byte of content as it was, and WAL is back."""
    monkeypatch.setattr("bot.backup.RESTORE_CACHE_KIB", 40)
    monkeypatch.setattr("bot.backup.READ_BYTES", 512)
    log = LearningLog(sqlite_db, framework, clock=clock)
    if forced:
        for number in range(150):
            log.add_entry("TOTHER", "U1", f"Already here: quokka story {number} " + "word " * 40)
    other = sqlite3.connect(sqlite_db.engine.url.database) if held else None
    if other is not None:
        assert other.execute("SELECT count(*) FROM entries").fetchone()[0] == (150 * forced)
    before = _dump(sqlite_db)
    seen = _journal_seen(monkeypatch)

    with pytest.raises(BackupError, match=r"could not be loaded.*nothing was restored"):
        restore_backup(sqlite_db, _rewrite(a_backup, _last_entry_twice), force=forced, now=clock())
    assert set(seen) == ({"wal"} if held else {"delete"}) and len(seen) > 10
    assert _dump(sqlite_db) == before
    assert _journal_mode(sqlite_db) == "wal"
    assert not Path(f"{sqlite_db.engine.url.database}-journal").exists()

    # And a whole backup then restores, under the same journal; the other connection sees it.
    seen.clear()
    restore_backup(sqlite_db, a_backup, force=forced, now=clock())
    assert set(seen) == ({"wal"} if held else {"delete"})
    assert _journal_mode(sqlite_db) == "wal"
    assert _entries(sqlite_db) == 13
    assert _found(sqlite_db, framework, clock, TEAM, "rota") == [
        f"Kindness in the rota: nobody works three weekends ({n})" for n in (3, 7)
    ]
    if other is not None:
        assert other.execute("SELECT count(*) FROM entries").fetchone()[0] == 13
        other.close()


_CRASHING_RESTORE = """
import os, sys
from datetime import UTC, datetime
from pathlib import Path
import bot.backup
from bot.db import Database

bot.backup.RESTORE_CACHE_KIB = 40

def crash(*args, **kwargs):
    os._exit(3)  # the machine goes down: every row loaded, nothing committed

bot.backup._put_back = crash
bot.backup.restore_backup(
    Database(sys.argv[1]), Path(sys.argv[2]), force=True, now=datetime.now(UTC)
)
"""


@pytest.mark.parametrize("held", ["", HELD])
def test_a_sqlite_restore_cut_short_by_a_crash_leaves_the_database_as_it_was(
    sqlite_db: Database, a_backup: Path, framework: Framework, clock: FakeClock, held: str
) -> None:
    """The process dies with every row loaded and pages written to the file: the next
    connection rolls back from the journal (or ignores the WAL's uncommitted pages)."""
    log = LearningLog(sqlite_db, framework, clock=clock)
    for number in range(150):
        log.add_entry("TOTHER", "U1", f"Already here: quokka story {number} " + "word " * 40)
    sqlite_db.dispose()
    path = sqlite_db.engine.url.database
    # Read before the other connection opens: closing a file drops every POSIX lock the
    # process holds on it, that connection's included.
    on_disk = Path(path).read_bytes()
    other = sqlite3.connect(path) if held else None
    if other is not None:
        other.execute("SELECT count(*) FROM entries").fetchone()
    before = _dump(sqlite_db)

    crashed = subprocess.run(
        [sys.executable, "-c", _CRASHING_RESTORE, f"sqlite:///{path}", str(a_backup)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert crashed.returncode == 3, crashed.stderr
    # Under a rollback journal the pages the restore changed wait in it to be put back; the
    # file itself was written to (its cache of a few pages spilled) either way.
    assert Path(f"{path}-journal").exists() != bool(held)
    assert held or Path(path).read_bytes() != on_disk
    if other is not None:
        other.close()

    assert _dump(sqlite_db) == before
    found = _found(sqlite_db, framework, clock, "TOTHER", "quokka")
    assert len(found) == 50 and all(t.startswith("Already here: quokka story") for t in found)
    assert _entries(sqlite_db) == 150
    assert _journal_mode(sqlite_db) == "wal"


# Each form an instant may take in a file: how the bot stores it, older files' (Python's
# isoformat of a naive or an aware instant), an offset other than UTC, no fraction.
_INSTANT_FORMS = [
    lambda at: at.isoformat("T"),
    lambda at: at.replace(tzinfo=UTC).isoformat(),
    lambda at: at.replace(tzinfo=UTC).astimezone(timezone(timedelta(hours=-5))).isoformat(),
    lambda at: at.replace(microsecond=0).isoformat(" "),
    lambda at: at.isoformat(" ", "microseconds"),
]


@pytest.mark.parametrize("read_bytes", [97, 1 << 20])
def test_a_restore_reads_instants_in_every_form_a_file_may_hold(
    database: Database,
    a_backup: Path,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
    read_bytes: int,
) -> None:
    """Entries whose instants are written in the other forms, among others in the stored
    form: in blocks of lines mixing both (the whole file at once) and blocks of one form."""
    monkeypatch.setattr("bot.backup.READ_BYTES", read_bytes)
    original = rows_by_table(a_backup.read_bytes())["entries"]
    columns = next(
        line
        for line in lines_of(a_backup.read_bytes())
        if isinstance(line, dict) and line.get("table") == "entries"
    )
    created = columns["columns"].index("created_at")
    instants = [i for i, kind in enumerate(columns["types"]) if kind == "datetime"]

    def other_forms(lines: list[bytes]) -> list[bytes]:
        changed, entry = [], 0
        in_entries = False
        for line in lines:
            if line[:1] == b"{":
                in_entries = line.startswith(b'{"table":"entries"')
            elif in_entries and entry % 2 == 0:
                row = json.loads(line)
                form = _INSTANT_FORMS[(entry // 2) % len(_INSTANT_FORMS)]
                for column in instants:
                    if row[column] is not None:
                        at = datetime.fromisoformat(row[column]).replace(microsecond=0)
                        row[column] = form(at)
                line = json.dumps(row, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
            if in_entries and line[:1] == b"[":
                entry += 1
            changed.append(line)
        return changed

    restore_backup(database, _rewrite(a_backup, other_forms), now=clock())
    restored = rows_by_table(backup_bytes(database, clock))["entries"]
    expected = [list(row) for row in original]
    for number, row in enumerate(expected):
        if number % 2 == 0:
            for column in instants:
                if row[column] is not None:
                    row[column] = row[column][:19] + ".000000"
    assert restored == expected
    assert {row[created][19:] for row in restored} == {".000000"}


def test_a_restore_is_in_the_audit_trail(
    database: Database, a_backup: Path, clock: FakeClock
) -> None:
    restore_backup(database, a_backup, now=clock() + timedelta(days=1))
    trail = audit.audit_trail(database, team_id=TEAM)
    assert trail[-1].action == audit.RESTORED
    assert trail[-1].actor == audit.OPERATOR and trail[-1].subject == a_backup.name
    assert trail[-1].details["rows"] == read_backup(a_backup).total


# -- the nightly backup and the restore drill ------------------------------------------------------


def test_the_nightly_backup_runs_once_a_night_and_keeps_the_newest(
    database: Database, tmp_path: Path, framework: Framework
) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    night = datetime(2026, 11, 25, 1, 30, tzinfo=UTC)
    assert run_nightly_backup(database, folder, keep=2, now=night) is None  # before 02:00 UTC
    for day in range(4):
        at = night + timedelta(days=day, hours=1)
        LearningLog(database, framework, clock=lambda at=at: at).add_entry(TEAM, "U1", f"day {day}")
        run = run_nightly_backup(database, folder, keep=2, now=at)
        assert run is not None and run.status == "done"
        assert run_nightly_backup(database, folder, keep=2, now=at + timedelta(hours=1)) is None
    kept = sorted(path.name for path in folder.iterdir())
    assert kept == [
        "kindness-backup-20261127-023000.jsonl.gz",
        "kindness-backup-20261128-023000.jsonl.gz",
    ]
    assert read_backup(folder / kept[-1]).rows["entries"] == 4
    assert backup_health(database, night + timedelta(days=3, hours=2)) == {
        "ok": True,
        "last": "2026-11-28",
        "status": "done",
        "file": kept[-1],
    }


def test_a_failed_nightly_backup_is_reported_by_healthz_which_stays_200(
    tmp_path: Path, sqlite_db: Database, clock: FakeClock
) -> None:
    from conftest import _make_bot
    from processes import get

    folder = tmp_path / "backups"
    folder.mkdir()
    for bot in _make_bot(sqlite_db, clock, KINDNESS_BACKUP_DIR=str(folder)):
        health = bot.url.replace("/slack/events", "/healthz")
        assert json.loads(get(health)[1]) == {"ok": True, "backup": {"ok": True, "last": None}}
        folder.rmdir()  # the disk went away
        clock.set(datetime(2026, 11, 26, 2, 5, tzinfo=UTC))
        bot.expect_errors = True  # the failure is logged with its traceback
        run = Rhythm(bot.services, lambda team: None).run_backup()  # type: ignore[arg-type,return-value]
        assert run is not None and run.status == "failed"
        status, body = get(health)
        answer = json.loads(body)
        assert status == 200 and answer["ok"] is True
        assert answer["backup"]["ok"] is False and answer["backup"]["status"] == "failed"
        assert "FileNotFoundError" in answer["backup"]["error"]
        # A run whose process died is reported once it has had three hours to finish.
        with sqlite_db.session() as session:
            started = clock() + timedelta(days=1)
            session.add(BackupRun(night="2026-11-27", status="running", started_at=started))
        assert backup_health(sqlite_db, started + timedelta(hours=1))["status"] == "running"
        later = started + timedelta(hours=4)
        assert backup_health(sqlite_db, later)["error"].startswith("it never finished")


def test_restore_drill_lose_the_machine_restore_on_postgresql_find_everything(
    tmp_path: Path, postgres: PostgresServer, clock: FakeClock
) -> None:
    """A network on SQLite with nightly backups; the machine is lost; the operator restores the
    last nightly file on PostgreSQL with the command line and the network carries on."""
    from conftest import _make_bot
    from slack_helpers import NETWORK_CHANNEL, post_prompt

    folder = tmp_path / "backups"
    folder.mkdir()
    machine = tmp_path / "machine.db"
    lost = Database(f"sqlite:///{machine}")
    lost.upgrade()
    for bot in _make_bot(lost, clock, KINDNESS_BACKUP_DIR=str(folder)):
        team = bot.standin.team_id
        bot.standin.add_user("UBOSS", name="Boss", is_admin=True)
        bot.services.settings.apply(
            team, {"channel": NETWORK_CHANNEL, "timezone": "Europe/London"}, by_user="UBOSS"
        )
        prompt = post_prompt(bot)
        bot.slack.command("log g2 Phoned every volunteer to say thank you", user="UANN")
        bot.slack.event(
            bot.slack.message(
                "We kept the café open late",
                user="UBEN",
                channel=NETWORK_CHANNEL,
                thread_ts=prompt["ts"],
            )
        )
        assert len(bot.entries()) == 2
        clock.set(datetime(2026, 11, 26, 2, 0, tzinfo=UTC))
        Rhythm(bot.services, lambda team: None).run_backup()  # type: ignore[arg-type,return-value]
    lost.dispose()
    machine.unlink()
    [nightly] = folder.iterdir()

    url = postgres.create_database(f"drill_{next(_numbers)}")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "KINDNESS_"))}
    restored = subprocess.run(
        [SCRIPT, "restore", str(nightly)],
        env={**env, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert restored.returncode == 0, restored.stderr
    assert "Restored" in restored.stdout and "into postgresql" in restored.stdout

    again = Database(url)
    for bot in _make_bot(again, clock):
        shown = bot.answer_text(bot.slack.command("settings show", user="UBOSS"))
        assert f"<#{NETWORK_CHANNEL}>" in shown and "Europe/London" in shown
        found = bot.answer_text(bot.slack.command("search volunteer", user="UBEN"))
        assert "Phoned every volunteer to say thank you" in found
        assert "We kept the café open late" in bot.answer_text(
            bot.slack.command("search café", user="UANN")
        )
        bot.standin.add_channel(NETWORK_CHANNEL, "kindness-network")
        reply = bot.slack.message(
            "And we still do", user="UCAT", channel=NETWORK_CHANNEL, thread_ts=prompt["ts"]
        )
        assert bot.slack.event(reply).status == 200
        newest = max(bot.entries(), key=lambda entry: entry.id)
        assert (newest.text, newest.goal_key, newest.source) == (
            "And we still do",
            "relationships",
            "thread",
        )
    again.dispose()


def test_backup_and_restore_at_the_command_line_say_what_they_did(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "KINDNESS_"))}

    def run(*args: str, database: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [SCRIPT, *args],
            cwd=tmp_path,
            env={**env, "DATABASE_URL": f"sqlite:///{tmp_path / database}"},
            capture_output=True,
            text=True,
            timeout=60,
        )

    assert (
        run(
            "settings", "set", "--team", "T1", "--create", "channel=C0NET", database="a.db"
        ).returncode
        == 0
    )
    taken = run("backup", "-o", "copy.jsonl.gz", database="a.db")
    assert taken.returncode == 0 and "to copy.jsonl.gz" in taken.stderr
    assert run("restore", "copy.jsonl.gz", database="b.db").returncode == 0
    again = run("restore", "copy.jsonl.gz", database="b.db")
    assert again.returncode == 1
    assert again.stderr.startswith("kindness-bot: the database is not empty")
    assert "--force" in again.stderr and "Traceback" not in again.stderr
    assert run("restore", "copy.jsonl.gz", "--force", database="b.db").returncode == 0
    (tmp_path / "cut.jsonl.gz").write_bytes((tmp_path / "copy.jsonl.gz").read_bytes()[:100])
    cut = run("restore", "cut.jsonl.gz", "--force", database="b.db")
    assert cut.returncode == 1 and "damaged" in cut.stderr and "Traceback" not in cut.stderr
    shown = run("settings", "show", database="b.db")
    assert "C0NET" in shown.stdout
    trail = run("audit", database="b.db").stdout
    # --force replaced everything, the trail too: it holds the backup's, and this restore.
    assert trail.count(audit.RESTORED) == 1 and "channel: C0NET" in trail
    assert audit.BACKED_UP in run("audit", database="a.db").stdout
    assert "replaced what was there: True" in trail


def test_the_operators_move_to_postgresql_is_three_commands_that_work(
    tmp_path: Path, postgres: PostgresServer
) -> None:
    from test_readme import DOCS, readme_commands

    manual = (DOCS / "operators.md").read_text()
    section = manual.split("### Moving to PostgreSQL", 1)[1].split("\n## ", 1)[0]
    commands = readme_commands(section)
    assert len(commands) == 3
    example = "postgresql+psycopg://kindness@localhost/kindness"
    url = postgres.create_database(f"moved_{next(_numbers)}")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "KINDNESS_"))}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'kindness.db'}"
    env["PATH"] = f"{Path(SCRIPT).parent}{os.pathsep}{env['PATH']}"
    set_up = [SCRIPT, "settings", "set", "--team", "T1", "--create", "channel=C0MOVED"]
    assert subprocess.run(set_up, cwd=tmp_path, env=env, capture_output=True).returncode == 0
    done = None
    for command in commands:
        assert example in command or command.startswith("kindness-bot backup")
        done = subprocess.run(
            ["bash", "-c", command.replace(example, url)],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, f"{command}:\n{done.stdout}{done.stderr}"
    assert done is not None and "C0MOVED" in done.stdout
    moved = Database(url)
    assert SettingsStore(moved, clock=lambda: datetime.now(UTC)).get("T1").channel_id == "C0MOVED"
    moved.dispose()


def test_migration_0013_goes_down_and_up_again(tmp_path: Path, postgres: PostgresServer) -> None:
    from alembic import command
    from alembic.script import ScriptDirectory

    from bot.db import alembic_config

    for url in (
        f"sqlite:///{tmp_path / 'migrated.db'}",
        postgres.create_database(f"migrated_{next(_numbers)}"),
    ):
        db = Database(url)
        db.upgrade()
        engine = db.engine.execution_options(sqlite_immediate=True)
        with engine.connect() as connection, connection.begin():
            # 0013's own down_revision: the migrations after it come down first.
            command.downgrade(alembic_config(connection), "0012")
        assert db.current_revision() == "0012"
        with db.engine.connect() as connection:
            names = set(connection.dialect.get_table_names(connection))
        assert not {"audit_events", "retention_notices", "backup_runs"} & names
        db.upgrade()
        assert (
            db.current_revision()
            == ScriptDirectory.from_config(alembic_config()).get_current_head()
        )
        with db.engine.connect() as connection:
            names = set(connection.dialect.get_table_names(connection))
        assert {"audit_events", "retention_notices", "backup_runs"} <= names
        SettingsStore(db, clock=lambda: datetime.now(UTC)).apply(
            "T1", {"keep_years": "3"}, by_user="U1"
        )
        assert audit.audit_trail(db)[0].details == {"keep_years": 3}
        db.dispose()


def test_a_backup_cut_short_leaves_no_file_under_its_name(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clock: FakeClock
) -> None:
    import bot.backup

    def fail_half_way(db: Database, out: io.BufferedWriter, *, now: datetime) -> None:
        out.write(b"half a backup")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(bot.backup, "write_backup", fail_half_way)
    folder = tmp_path / "backups"
    folder.mkdir()
    with pytest.raises(OSError, match="No space left"):
        backup_to_file(database, folder / "nightly.jsonl.gz", now=clock())
    assert list(folder.iterdir()) == []


def test_healthz_says_when_no_backup_has_finished_for_two_days(
    database: Database, tmp_path: Path
) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    night = datetime(2026, 11, 25, 2, 30, tzinfo=UTC)
    run_nightly_backup(database, folder, keep=7, now=night)
    assert backup_health(database, night + timedelta(hours=40))["ok"] is True
    overdue = backup_health(database, night + timedelta(hours=49))
    assert (overdue["ok"], overdue["status"]) == (False, "overdue")
    assert overdue["error"] == "no backup has finished in the last two days"
