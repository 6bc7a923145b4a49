"""Storage helpers that several processes rely on."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.db import Database, insert_ignoring_duplicates
from bot.models import Member, Workspace

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def test_insert_ignoring_duplicates_says_whether_it_inserted(database: Database) -> None:
    with database.session() as session:
        assert insert_ignoring_duplicates(
            session, Workspace, {"team_id": "T1", "created_at": NOW, "updated_at": NOW}
        )
        row = {"team_id": "T1", "user_id": "U1", "created_at": NOW}
        assert insert_ignoring_duplicates(session, Member, row)  # a table with a serial id
        assert not insert_ignoring_duplicates(session, Member, row)
        assert not insert_ignoring_duplicates(
            session, Workspace, {"team_id": "T1", "created_at": NOW, "updated_at": NOW}
        )


def test_a_member_waits_briefly_for_a_write_held_by_another_thread(sqlite_db: Database) -> None:
    """Threads of one process queue for SQLite's single writer; a member's write that cannot
    have its turn within the member's lock timeout fails at once, a job's write waits."""
    import threading

    import pytest
    from sqlalchemy.exc import OperationalError

    from bot.db import member_waiting

    sqlite_db.member_lock_timeout = 0.05
    holding, release = threading.Event(), threading.Event()

    def hold_the_writer() -> None:
        with sqlite_db.session():
            holding.set()
            release.wait(timeout=10)

    holder = threading.Thread(target=hold_the_writer)
    holder.start()
    try:
        assert holding.wait(timeout=10)
        with member_waiting(), pytest.raises(OperationalError), sqlite_db.transaction():
            pass
    finally:
        release.set()
        holder.join(timeout=10)
    with member_waiting(), sqlite_db.transaction() as connection:  # free again
        connection.exec_driver_sql("SELECT 1")
