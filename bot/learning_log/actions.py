"""Actions: a member closes one (with what they learnt, stored as a reflection under the
same goal), lets it go, or asks for its follow-up later."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from bot.errors import ActionAlreadyDone, NotAnAction
from bot.learning_log.base import LogBase
from bot.learning_log.views import EntryView
from bot.models import Entry, Member


class Actions(LogBase):
    def complete_action(
        self,
        team_id: str,
        user_id: str,
        entry_id: int,
        reflection: str | None = None,
        *,
        dedupe_key: str | None = None,
    ) -> tuple[EntryView, EntryView | None]:
        """Mark one's action done, optionally with a reflection stored under the same goal."""
        cleaned = self.check_text(reflection) if reflection and reflection.strip() else None
        now = self.clock()
        with self._writing(cleaned) as session:
            action = self._own_entry(session, team_id, user_id, entry_id, text=cleaned)
            if action.kind != "action":
                raise NotAnAction(entry_id, action.kind, text=cleaned)
            if action.action_status == "done":
                raise ActionAlreadyDone(entry_id, text=cleaned)
            action.action_status = "done"
            action.completed_at = now
            action.follow_up_at = None
            action.updated_at = now
            note = None
            if cleaned is not None:
                note = Entry(
                    team_id=team_id,
                    user_id=user_id,
                    kind="reflection",
                    goal_key=action.goal_key,
                    text=cleaned,
                    visibility=action.visibility,
                    source="slash" if dedupe_key is None else "modal",
                    reflection_of_id=action.id,
                    dedupe_key=dedupe_key,
                    # The author's organisation as it is now, as for every new entry.
                    organisation_id=session.scalar(
                        select(Member.organisation_id).where(
                            Member.team_id == team_id, Member.user_id == user_id
                        )
                    ),
                    created_at=now,
                    updated_at=now,
                )
                session.add(note)
            session.flush()
            return EntryView.of(action, user_id), (EntryView.of(note, user_id) if note else None)

    def drop_action(self, team_id: str, user_id: str, entry_id: int) -> EntryView:
        """The member lets an action go: no more follow-ups; it stays in the log as dropped."""
        return self._set_action_status(team_id, user_id, entry_id, "dropped", follow_up=None)

    def snooze_action(
        self, team_id: str, user_id: str, entry_id: int, until: datetime
    ) -> EntryView:
        """ "Still on it": the action stays open and the next follow-up waits until ``until``."""
        return self._set_action_status(team_id, user_id, entry_id, "open", follow_up=until)

    def _set_action_status(
        self, team_id: str, user_id: str, entry_id: int, status: str, *, follow_up: datetime | None
    ) -> EntryView:
        now = self.clock()
        with self._writing() as session:
            action = self._own_entry(session, team_id, user_id, entry_id)
            if action.kind != "action":
                raise NotAnAction(entry_id, action.kind)
            if action.action_status == "done":
                raise ActionAlreadyDone(entry_id)
            action.action_status = status
            action.follow_up_at = follow_up
            action.updated_at = now
            session.flush()
            return EntryView.of(action, user_id)
