"""Writing: a member's words stored (from any way in), changed, taken back; an entry following
its Slack message when that is edited or deleted. Rules: ``bot.learning_log``."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from types import SimpleNamespace

from sqlalchemy import Connection, Row, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import audit, metrics, sharing
from bot.db import insert_ignoring_duplicates
from bot.errors import LogError, StorageFailed
from bot.learning_log.base import LogBase, storage_failures
from bot.learning_log.checks import OUTCOME_KINDS
from bot.learning_log.views import EntryView, Saved, owned_by
from bot.models import SOURCES, Entry, Member, Workspace
from bot.workspaces import ensure_workspace

_UNCHANGED: object = object()


class Writing(LogBase):
    def add_entry(
        self,
        team_id: str,
        user_id: str,
        text: str,
        *,
        kind: str = "story",
        goal: str | None = None,
        visibility: str = "network",
        source: str = "slash",
        channel_id: str | None = None,
        message_ts: str | None = None,
        permalink: str | None = None,
        prompt_id: int | None = None,
        reflection_of: int | None = None,
        dedupe_key: str | None = None,
        logged_by: str | None = None,
        share: bool = False,
        why_it_matters: str | None = None,
        who_changed: str | None = None,
        how_we_know: str | None = None,
    ) -> Saved:
        """Store a member's words; validated first, each failure its own error.

        ``share``: the author's consent to share it beyond the network, given as they log it
        (with their name, or anonymously for an anonymous entry; never for a private one).

        ``logged_by``: a coordinator recording the member's story on their behalf. The entry
        is the member's (``user_id``) in every way; the coordinator may only take it back
        (``delete_entry``) while it is not private.
        """
        cleaned = self.check_text(text)
        kind = self.check_kind(kind, text=cleaned)
        goal_key = self.check_goal(goal, text=cleaned)
        visibility = self.check_visibility(visibility, text=cleaned)
        why = self.check_why(why_it_matters, kind, text=cleaned)
        who, how = self.check_outcome(who_changed, how_we_know, kind)
        if source not in SOURCES:
            raise ValueError(f"unknown source {source!r}")
        consent = sharing.NONE
        if share:
            try:
                consent = sharing.consent_to_share(None, visibility, anonymously=True)
            except LogError as error:
                error.text = cleaned
                raise
            if visibility == "network":
                consent = sharing.NAMED
        now = self.clock()
        values = {
            "team_id": team_id,
            "user_id": user_id,
            "kind": kind,
            "goal_key": goal_key,
            "text": cleaned,
            "visibility": visibility,
            "source": source,
            "channel_id": channel_id,
            "message_ts": message_ts,
            "permalink": permalink,
            "prompt_id": prompt_id,
            "reflection_of_id": reflection_of,
            "dedupe_key": dedupe_key,
            "noted_at": None,
            "logged_by": logged_by if logged_by != user_id else None,
            "action_status": None,
            "follow_up_at": None,
            "completed_at": None,
            "share_consent": consent,
            "share_consent_at": now if share else None,
            "share_asked_at": None,
            "why_it_matters": why,
            "who_changed": who,
            "how_we_know": how,
            "created_at": now,
            "updated_at": now,
            "author_team": team_id,
            "author_user": user_id,
        }
        # SQLAlchemy Core on one connection: the write a member waits for, without the ORM's
        # unit of work (which cost several times the insert itself; bench/http_commands.py). The
        # most common entry (no delivery to de-duplicate, no action, a workspace seen before)
        # is one INSERT, made as a single write.
        if (
            dedupe_key is None
            and reflection_of is None
            and kind != "action"
            and values["logged_by"] is None
            and team_id in self._known_workspaces
        ):
            with storage_failures(cleaned), self.db.single_write() as connection:
                inserted = connection.execute(_INSERT_ENTRY, values)
                entry = SimpleNamespace(id=inserted.inserted_primary_key[0], **values)
            metrics.entry_stored(source)  # committed
            return Saved(EntryView.of(entry, logged_by or user_id), created=True)
        try:
            with self._writing_core(cleaned) as connection:
                if dedupe_key is not None:
                    existing = self._row_by_dedupe_key(connection, team_id, dedupe_key)
                    if existing is not None:
                        return Saved(
                            EntryView.of(existing, logged_by or user_id),
                            created=False,
                            noted=existing.noted_at is not None,
                        )
                followup_days = self._workspace_ready(connection, team_id, now, kind)
                if reflection_of is not None:
                    owner = connection.execute(
                        select(Entry.user_id, Entry.visibility).where(
                            Entry.team_id == team_id, Entry.id == reflection_of
                        )
                    ).first()
                    owned_by(user_id, owner, reflection_of)
                if kind == "action":
                    values["action_status"] = "open"
                    values["follow_up_at"] = now + timedelta(days=followup_days)
                inserted = connection.execute(_INSERT_ENTRY, values)
                entry = SimpleNamespace(id=inserted.inserted_primary_key[0], **values)
                if values["logged_by"] is not None:
                    audit.record(
                        connection,
                        team_id=team_id,
                        actor=values["logged_by"],
                        action=audit.LOGGED_FOR,
                        at=now,
                        subject=user_id,
                        details={"entry": entry.id, "kind": kind, "goal": goal_key},
                    )
                # Shown as its viewer sees it: the member, or the coordinator who logged it.
                saved = Saved(EntryView.of(entry, logged_by or user_id), created=True)
            # Remembered only once committed: another thread taking the one-INSERT path on
            # the strength of it must find the workspace's row there (PostgreSQL would refuse
            # its entry's foreign key while this transaction was still open).
            self._known_workspaces.add(team_id)
            metrics.entry_stored(source)  # committed
            return saved
        except IntegrityError:
            # Another delivery of the same thing won the race: return what it stored.
            if dedupe_key is None:
                raise StorageFailed(text=cleaned) from None
            with self.db.reading() as session:
                found = self._by_dedupe_key(session, team_id, dedupe_key)
            if found is None:
                raise StorageFailed(text=cleaned) from None
            return Saved(
                EntryView.of(found, user_id), created=False, noted=found.noted_at is not None
            )

    def _workspace_ready(
        self, connection: Connection, team_id: str, now: datetime, kind: str
    ) -> int:
        """The workspace's row exists (made on first contact); its follow-up delay in days
        when ``kind`` is an action. Workspaces are never deleted, so one seen is remembered (by
        ``add_entry``, once its transaction has committed)."""
        if team_id not in self._known_workspaces:
            insert_ignoring_duplicates(
                connection,
                Workspace,
                {
                    "team_id": team_id,
                    "timezone": self.default_timezone,
                    "created_at": now,
                    "updated_at": now,
                },
            )
        if kind != "action":
            return 0
        return connection.execute(
            select(Workspace.followup_days).where(Workspace.team_id == team_id)
        ).scalar_one()

    def edit_entry(
        self,
        team_id: str,
        user_id: str,
        entry_id: int,
        *,
        text: str | None = None,
        kind: str | None = None,
        goal: object = _UNCHANGED,
        visibility: str | None = None,
        why_it_matters: object = _UNCHANGED,
        who_changed: object = _UNCHANGED,
        how_we_know: object = _UNCHANGED,
    ) -> EntryView:
        """Change one's own entry; ``goal=None`` clears the goal, leaving it out keeps it
        (likewise ``why_it_matters``, ``who_changed``, ``how_we_know``: None or "" clears)."""
        cleaned = self.check_text(text) if text is not None else None
        quoted = cleaned
        new_kind = self.check_kind(kind, text=quoted) if kind is not None else None
        new_goal = (
            self.check_goal(goal, text=quoted)  # type: ignore[arg-type]
            if goal is not _UNCHANGED
            else _UNCHANGED
        )
        new_visibility = (
            self.check_visibility(visibility, text=quoted) if visibility is not None else None
        )
        now = self.clock()
        with self._writing(quoted) as session:
            entry = self._own_entry(session, team_id, user_id, entry_id, text=quoted)
            text_changed = cleaned is not None and cleaned != entry.text
            kind_after = new_kind or entry.kind
            who = entry.who_changed if who_changed is _UNCHANGED else who_changed
            how = entry.how_we_know if how_we_know is _UNCHANGED else how_we_know
            if kind_after not in OUTCOME_KINDS and who_changed is _UNCHANGED:
                who = None  # no longer an outcome: its answers go with the kind
            if kind_after not in OUTCOME_KINDS and how_we_know is _UNCHANGED:
                how = None
            if why_it_matters is not _UNCHANGED:
                entry.why_it_matters = self.check_why(
                    why_it_matters,  # type: ignore[arg-type]
                    kind_after,
                    text=why_it_matters,  # type: ignore[arg-type]
                )
            # (A why kept when a story becomes an action stays: they are the member's words.)
            entry.who_changed, entry.how_we_know = self.check_outcome(
                who,  # type: ignore[arg-type]
                how,  # type: ignore[arg-type]
                kind_after,
            )
            if cleaned is not None:
                entry.text = cleaned
            if new_goal is not _UNCHANGED:
                entry.goal_key = new_goal  # type: ignore[assignment]
            if new_visibility is not None:
                entry.visibility = new_visibility
            if new_kind is not None and new_kind != entry.kind:
                self._change_kind(session, entry, new_kind, now)
            consent = sharing.consent_after_change(
                entry.share_consent, text_changed=text_changed, visibility=entry.visibility
            )
            withdrawn = sharing.is_shared(entry.share_consent) and consent == sharing.NONE
            if consent != entry.share_consent:
                entry.share_consent = consent
                entry.share_consent_at = now
            entry.updated_at = now
            session.flush()
            return replace(EntryView.of(entry, user_id), share_withdrawn=withdrawn)

    def set_why_it_matters(
        self, team_id: str, user_id: str, entry_id: int, why: str | None
    ) -> EntryView:
        """One's own story's or outcome's *why it matters* (None or blank clears it)."""
        return self.edit_entry(team_id, user_id, entry_id, why_it_matters=why)

    def delete_entry(self, team_id: str, user_id: str, entry_id: int) -> EntryView:
        """Delete one's own entry — or take back one logged for a member, unless private."""
        with self._writing() as session:
            entry = self._own_entry(session, team_id, user_id, entry_id, or_logged_by=True)
            view = EntryView.of(entry, user_id)
            if entry.user_id != user_id:  # a coordinator taking back what they logged
                audit.record(
                    session,
                    team_id=team_id,
                    actor=user_id,
                    action=audit.ENTRY_DELETED,
                    at=self.clock(),
                    subject=entry.user_id,
                    details={"entry": entry.id},
                )
            session.delete(entry)
            return view

    def edit_message_entry(
        self, team_id: str, user_id: str, channel_id: str, message_ts: str, new_text: str
    ) -> EntryView | None:
        """A member edited a thread reply in Slack: the entry follows (None if none stored)."""
        owner, entry_id = self._message_entry(team_id, channel_id, message_ts)
        if entry_id is None or owner != user_id:
            return None
        return self.edit_entry(team_id, user_id, entry_id, text=new_text)

    def delete_message_entry(
        self, team_id: str, channel_id: str, message_ts: str
    ) -> EntryView | None:
        """A thread reply was deleted in Slack: its entry goes too (None if none stored)."""
        owner, entry_id = self._message_entry(team_id, channel_id, message_ts)
        if entry_id is None or owner is None:
            return None
        return self.delete_entry(team_id, owner, entry_id)

    def mark_noted(self, team_id: str, entry_id: int) -> None:
        """The member was told that the entry's Slack message was saved (a reaction, a note):
        a later delivery of the same message finds it noted and tells them nothing again."""
        with self.db.single_write() as connection:
            connection.execute(
                update(Entry.__table__)
                .where(Entry.team_id == team_id, Entry.id == entry_id, Entry.noted_at.is_(None))
                .values(noted_at=self.clock())
            )

    def attach_permalink(self, team_id: str, entry_id: int, permalink: str) -> None:
        """Record where an entry's Slack message lives (looked up after it was stored)."""
        with self._writing() as session:
            entry = session.get(Entry, entry_id)
            if entry is not None and entry.team_id == team_id:
                entry.permalink = permalink

    def _change_kind(self, session: Session, entry: Entry, kind: str, now: datetime) -> None:
        entry.kind = kind
        if kind == "action":
            workspace = ensure_workspace(session, entry.team_id, now=now)
            entry.action_status = "open"
            entry.follow_up_at = now + timedelta(days=workspace.followup_days)
            entry.completed_at = None
        else:
            entry.action_status = None
            entry.follow_up_at = None
            entry.completed_at = None

    @staticmethod
    def _row_by_dedupe_key(connection: Connection, team_id: str, key: str) -> Row | None:
        return connection.execute(
            select(Entry.__table__).where(Entry.team_id == team_id, Entry.dedupe_key == key)
        ).first()

    @staticmethod
    def _by_dedupe_key(session: Session, team_id: str, key: str) -> Entry | None:
        return session.scalar(
            select(Entry).where(Entry.team_id == team_id, Entry.dedupe_key == key)
        )

    def _message_entry(
        self, team_id: str, channel_id: str, message_ts: str
    ) -> tuple[str | None, int | None]:
        """(author, id) of the entry stored from a Slack thread reply, or (None, None)."""
        with self.db.reading() as session:
            row = session.execute(
                select(Entry.user_id, Entry.id).where(
                    Entry.team_id == team_id,
                    Entry.channel_id == channel_id,
                    Entry.message_ts == message_ts,
                    Entry.source == "thread",
                )
            ).first()
        return (row[0], row[1]) if row else (None, None)


# The entry keeps its author's organisation as it is when the entry is written.
_INSERT_ENTRY = insert(Entry.__table__).values(
    organisation_id=select(Member.organisation_id)
    .where(Member.team_id == bindparam("author_team"), Member.user_id == bindparam("author_user"))
    .scalar_subquery()
)
