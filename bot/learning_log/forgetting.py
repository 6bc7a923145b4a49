"""Forgetting: ``/kindness forget-me`` deletes every entry of the member and what the bot
knows of them (their member row: display name, time zone, preferences)."""

from __future__ import annotations

from sqlalchemy import delete

from bot.learning_log.base import LogBase
from bot.models import Entry, Member


class Forgetting(LogBase):
    def forget_me(self, team_id: str, user_id: str) -> int:
        """Delete every entry of the member and what the bot knows of them; the count deleted."""
        with self._writing() as session:
            deleted = session.execute(
                delete(Entry).where(Entry.team_id == team_id, Entry.user_id == user_id)
            ).rowcount
            session.execute(
                delete(Member).where(Member.team_id == team_id, Member.user_id == user_id)
            )
            return deleted or 0
