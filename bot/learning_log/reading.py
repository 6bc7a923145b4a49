"""Reading: one entry as its viewer may see it, one's own entry before changing it, a member's
own log, the network's newest shared entries and counts per goal."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.errors import ActionAlreadyDone, EntryNotFound, NotAnAction
from bot.learning_log.base import LogBase
from bot.learning_log.views import EntryView, MyLog, named, owned_by
from bot.models import Entry
from bot.visibility import SHARED, visible_to


class Reading(LogBase):
    def get_entry(self, team_id: str, viewer: str | None, entry_id: int) -> EntryView:
        """An entry the viewer may see; a private entry of somebody else is "not found"."""
        with self.db.reading() as session:
            entry = session.scalar(
                select(Entry).where(
                    Entry.team_id == team_id, Entry.id == entry_id, visible_to(viewer)
                )
            )
            if entry is None:
                raise EntryNotFound(entry_id)
            return named(session, team_id, [EntryView.of(entry, viewer)])[0]

    def own_entry(
        self, team_id: str, user_id: str, entry_id: int, *, or_logged_by: bool = False
    ) -> EntryView:
        """One's own entry, to change: another member's is refused (``NotYourEntry``).
        ``or_logged_by``: one the member logged for somebody else counts (to take it back)."""
        with self.db.reading() as session:
            entry = session.scalar(
                select(Entry).where(Entry.team_id == team_id, Entry.id == entry_id)
            )
            owned = owned_by(user_id, entry, entry_id, or_logged_by=or_logged_by)
            return EntryView.of(owned, user_id)

    def own_open_action(self, team_id: str, user_id: str, entry_id: int) -> EntryView:
        """One's own action that can still be closed; refused as ``complete_action`` would."""
        action = self.own_entry(team_id, user_id, entry_id)
        if action.kind != "action":
            raise NotAnAction(entry_id, action.kind)
        if action.action_status == "done":
            raise ActionAlreadyDone(entry_id)
        return action

    def list_mine(self, team_id: str, user_id: str, *, limit: int = 10) -> MyLog:
        with self.db.reading() as session:
            recent = session.scalars(
                select(Entry)
                .where(Entry.team_id == team_id, Entry.user_id == user_id)
                .order_by(Entry.created_at.desc(), Entry.id.desc())
                .limit(limit)
            ).all()
            actions = session.scalars(
                select(Entry)
                .where(
                    Entry.team_id == team_id,
                    Entry.user_id == user_id,
                    Entry.kind == "action",
                    Entry.action_status == "open",
                )
                .order_by(Entry.created_at.desc(), Entry.id.desc())
                .limit(limit)
            ).all()
            return MyLog(
                entries=named(session, team_id, [EntryView.of(e, user_id) for e in recent]),
                open_actions=[EntryView.of(e, user_id) for e in actions],
            )

    def count_mine(self, team_id: str, user_id: str) -> int:
        with self.db.reading() as session:
            return (
                session.scalar(
                    select(func.count()).where(Entry.team_id == team_id, Entry.user_id == user_id)
                )
                or 0
            )

    def latest_shared(self, team_id: str, viewer: str | None, *, limit: int = 5) -> list[EntryView]:
        """The network's newest shared entries (network and anonymous)."""
        with self.db.reading() as session:
            rows = session.scalars(
                select(Entry)
                .where(Entry.team_id == team_id, Entry.visibility.in_(SHARED))
                .order_by(Entry.id.desc())
                .limit(limit)
            ).all()
            return named(session, team_id, [EntryView.of(e, viewer) for e in rows])

    def counts_by_goal(self, team_id: str, viewer: str | None = None) -> dict[str | None, int]:
        """Shared entries per goal key, all time (for App Home figures)."""
        with self.db.reading() as session:
            rows = session.execute(
                select(Entry.goal_key, func.count())
                .where(Entry.team_id == team_id, Entry.visibility.in_(SHARED))
                .group_by(Entry.goal_key)
            ).all()
        return {goal_key: count for goal_key, count in rows}
