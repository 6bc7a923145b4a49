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
