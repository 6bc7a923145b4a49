"""Names for the member and channel ids in members' words, for exports and reports.

Entries keep Slack's ids (``<@U123>``, ``<#C123>``): names change, ids do not. A file a
coordinator hands on shows names instead. ``Directory`` finds them in this order:

- a member's display name cached in ``members`` (from the last time Slack told the bot);
- otherwise Slack itself, when a ``NameLookup`` that asks Slack is given (the bot in Slack,
  and ``kindness-bot export``/``report`` when a Slack app is configured);
- otherwise what the mention carried (channel mentions carry the channel's name) or the id.

Each id is looked up once per directory. Names found in Slack are not written back: a
directory lives for one file, and ``members`` only holds people who used the bot.
"""

from __future__ import annotations

from sqlalchemy import select

from bot.db import Database
from bot.models import Member
from bot.slack_text import NameLookup

# A member whose name the bot never stored, where Slack cannot be asked: in what a person reads
# (a write-up, a report) never their Slack id, which means nothing to a reader; machine-readable
# exports keep the id in its own column.
UNNAMED = "a member (name not stored)"


class Directory:
    """One workspace's names, looked up lazily and remembered while the directory lives."""

    def __init__(self, db: Database, team_id: str, source: NameLookup | None = None) -> None:
        self.db = db
        self.team_id = team_id
        self.source = source
        self._users: dict[str, str | None] = {}
        self._channels: dict[str, str | None] = {}

    @property
    def unnamed(self) -> set[str]:
        """The members looked up for whom no name was found (a report says how many)."""
        return {user_id for user_id, name in self._users.items() if name is None}

    def remember_user(self, user_id: str, name: str | None) -> None:
        """A name already at hand (an export's join on ``members``); None means unknown."""
        if name:
            self._users[user_id] = name

    def user(self, user_id: str) -> str | None:
        if user_id not in self._users:
            with self.db.reading() as session:
                name = session.scalar(
                    select(Member.display_name).where(
                        Member.team_id == self.team_id, Member.user_id == user_id
                    )
                )
            if not name and self.source is not None:
                name = self.source.user(user_id)
            self._users[user_id] = name or None
        return self._users[user_id]

    def channel(self, channel_id: str) -> str | None:
        if channel_id not in self._channels:
            found = self.source.channel(channel_id) if self.source is not None else None
            self._channels[channel_id] = found or None
        return self._channels[channel_id]
