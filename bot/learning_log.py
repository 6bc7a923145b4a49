"""The learning-log service: members' stories, actions, reflections and outcomes. No Slack in
here.

Rules that live here, so that every way in (slash command, modal, thread reply, shortcut, CLI)
obeys them alike:
- a text is non-empty after trimming and at most ``MAX_TEXT`` characters;
- a member edits, deletes and closes only their own entries;
- *private* entries are seen by their author alone; *anonymous* ones are shown without their
  author to anybody else; *network* ones with their author;
- a repeated delivery (same ``dedupe_key``) returns the entry already stored, never a second one
  (why this is the one de-duplication of Slack's retries: ``bot.models.Entry.dedupe_key``);
- every query is scoped to one workspace (``team_id``);
- *why it matters* belongs to stories and outcomes, *who changed* and *how we know* to
  outcomes; each is optional, and given for another kind it is refused, not dropped;
- an entry keeps its author's organisation as it was when written; it is never shown for an
  anonymous entry (``organisation`` is None on its views).
Times come from the injected ``clock``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Connection, Row, bindparam, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from bot import audit, metrics, search, sharing
from bot.db import Database, insert_ignoring_duplicates
from bot.errors import (
    ActionAlreadyDone,
    AlreadyAskedToShare,
    EmptySearch,
    EmptyText,
    EntryNotFound,
    EntryTooLong,
    LogError,
    NotAnAction,
    NotForThisKind,
    NotYourEntry,
    PrivateNotShareable,
    StorageFailed,
    UnknownGoal,
    UnknownHowWeKnow,
    UnknownKind,
    UnknownVisibility,
    UnknownWhoChanged,
    WhyTooLong,
)
from bot.goals import Framework
from bot.models import (
    HOW_WE_KNOW,
    KINDS,
    SOURCES,
    VISIBILITIES,
    WHO_CHANGED,
    Entry,
    Member,
    Workspace,
)
from bot.organisations import organisation_names
from bot.visibility import SHARED, visible_to
from bot.weeks import Clock, utc_now
from bot.workspaces import ensure_workspace

log = logging.getLogger(__name__)

MAX_TEXT = 4000
MAX_WHY = 2000
# The kinds that carry each optional field.
WHY_KINDS = ("story", "outcome")
OUTCOME_KINDS = ("outcome",)
_UNCHANGED: object = object()


@dataclass(frozen=True)
class EntryView:
    """An entry as one viewer may see it (``author_id`` is None when hidden from them)."""

    id: int
    kind: str
    goal_key: str | None
    text: str
    visibility: str
    source: str
    author_id: str | None
    is_mine: bool
    channel_id: str | None
    message_ts: str | None
    permalink: str | None
    action_status: str | None
    follow_up_at: datetime | None
    completed_at: datetime | None
    reflection_of_id: int | None
    prompt_id: int | None
    created_at: datetime
    updated_at: datetime
    logged_by: str | None = None  # the coordinator who logged it for its author
    # Beyond the network (``bot.sharing``): none, named or anonymous; whether a coordinator
    # asked its author already; and whether the change that made this view withdrew consent.
    share_consent: str = sharing.NONE
    share_asked: bool = False
    share_withdrawn: bool = False
    why_it_matters: str | None = None
    who_changed: str | None = None
    how_we_know: str | None = None
    # The author's organisation when it was written: None for an anonymous entry (in a small
    # organisation it would name the person). ``organisation`` is its name, where looked up.
    organisation_id: int | None = None
    organisation: str | None = None

    @classmethod
    def of(cls, entry: Any, viewer: str | None) -> EntryView:
        """From an ``Entry``, or anything with its attributes (a Core row)."""
        mine = viewer is not None and entry.user_id == viewer
        hidden = entry.visibility == "anonymous" and not mine
        return cls(
            id=entry.id,
            kind=entry.kind,
            goal_key=entry.goal_key,
            text=entry.text,
            visibility=entry.visibility,
            source=entry.source,
            author_id=None if hidden else entry.user_id,
            is_mine=mine,
            channel_id=entry.channel_id,
            message_ts=entry.message_ts,
            permalink=entry.permalink,
            action_status=entry.action_status,
            follow_up_at=entry.follow_up_at,
            completed_at=entry.completed_at,
            reflection_of_id=entry.reflection_of_id,
            prompt_id=entry.prompt_id,
            created_at=entry.created_at,
            updated_at=entry.updated_at,
            logged_by=entry.logged_by,
            share_consent=getattr(entry, "share_consent", None) or sharing.NONE,
            share_asked=getattr(entry, "share_asked_at", None) is not None,
            why_it_matters=getattr(entry, "why_it_matters", None),
            who_changed=getattr(entry, "who_changed", None),
            how_we_know=getattr(entry, "how_we_know", None),
            organisation_id=(
                None if entry.visibility == "anonymous" else getattr(entry, "organisation_id", None)
            ),
        )


@dataclass(frozen=True)
class Saved:
    entry: EntryView
    created: bool  # False when a repeated delivery matched the entry already stored
    noted: bool = False  # the member was told already that it was saved (``mark_noted``)


@dataclass(frozen=True)
class MyLog:
    entries: list[EntryView]
    open_actions: list[EntryView]


@dataclass(frozen=True)
class SearchPage:
    words: list[str]
    goal_key: str | None
    entries: list[EntryView]
    has_more: bool
    offset: int


class LearningLog:
    def __init__(
        self,
        db: Database,
        framework: Framework,
        *,
        clock: Clock = utc_now,
        default_timezone: str = "UTC",
    ) -> None:
        self.db = db
        self.framework = framework
        self.clock = clock
        self.default_timezone = default_timezone
        self._known_workspaces: set[str] = set()
        self._word_frequencies = search.WordFrequencies()

    # -- checks the Slack layer also uses to validate a modal field by field -----------------

    def check_text(self, raw: str | None) -> str:
        cleaned = (raw or "").strip()
        if not cleaned:
            raise EmptyText(text=raw)
        if len(cleaned) > MAX_TEXT:
            raise EntryTooLong(len(cleaned), MAX_TEXT, text=cleaned)
        return cleaned

    def check_kind(self, kind: str, *, text: str | None = None) -> str:
        value = kind.strip().lower()
        if value not in KINDS:
            raise UnknownKind(kind, list(KINDS), text=text)
        return value

    def check_goal(self, reference: str | None, *, text: str | None = None) -> str | None:
        """A goal key from ``g3``, ``3`` or a key; None stays None (the goal is asked later)."""
        if reference is None or not reference.strip():
            return None
        goal = self.framework.resolve(reference)
        if goal is None:
            raise UnknownGoal(reference, self.framework.references(), text=text)
        return goal.key

    def check_why(self, raw: str | None, kind: str, *, text: str | None = None) -> str | None:
        """Why it matters: optional, for stories and outcomes, at most ``MAX_WHY``."""
        cleaned = (raw or "").strip()
        if not cleaned:
            return None
        if kind not in WHY_KINDS:
            raise NotForThisKind("why it matters", kind, WHY_KINDS)
        if len(cleaned) > MAX_WHY:
            raise WhyTooLong(len(cleaned), MAX_WHY, text=text)
        return cleaned

    def check_outcome(
        self, who_changed: str | None, how_we_know: str | None, kind: str
    ) -> tuple[str | None, str | None]:
        """An outcome's who changed and how we know: optional, each one of its choices."""
        who = (who_changed or "").strip().lower() or None
        how = (how_we_know or "").strip().lower() or None
        if (who or how) and kind not in OUTCOME_KINDS:
            raise NotForThisKind("who changed" if who else "how we know", kind, OUTCOME_KINDS)
        if who is not None and who not in WHO_CHANGED:
            raise UnknownWhoChanged(who_changed or "", list(WHO_CHANGED))
        if how is not None and how not in HOW_WE_KNOW:
            raise UnknownHowWeKnow(how_we_know or "", list(HOW_WE_KNOW))
        return who, how

    def check_visibility(self, visibility: str, *, text: str | None = None) -> str:
        value = visibility.strip().lower()
        if value not in VISIBILITIES:
            raise UnknownVisibility(visibility, list(VISIBILITIES), text=text)
        return value

    # -- writing ---------------------------------------------------------------------------

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
            with _storage_failures(cleaned), self.db.single_write() as connection:
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
                    _owned_by(user_id, owner, reflection_of)
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

    def share_entry(
        self, team_id: str, user_id: str, entry_id: int, *, anonymously: bool = False
    ) -> EntryView:
        """The author's consent to share their entry beyond the network (``bot.sharing``)."""
        now = self.clock()
        with self._writing() as session:
            entry = self._own_entry(session, team_id, user_id, entry_id)
            consent = sharing.consent_to_share(entry.id, entry.visibility, anonymously=anonymously)
            if consent != entry.share_consent:
                entry.share_consent = consent
                entry.share_consent_at = now
            session.flush()
            return EntryView.of(entry, user_id)

    def unshare_entry(self, team_id: str, user_id: str, entry_id: int) -> EntryView:
        """The author withdraws their consent: the entry leaves the site at its next build."""
        return self.answer_share_request(team_id, user_id, entry_id, sharing.NONE)

    def answer_share_request(
        self, team_id: str, user_id: str, entry_id: int, answer: str
    ) -> EntryView:
        """The author's answer (``sharing.ANSWERS``), kept with its time, "no" included."""
        if answer not in sharing.ANSWERS:
            raise ValueError(f"unknown answer {answer!r}")
        if answer != sharing.NONE:
            return self.share_entry(
                team_id, user_id, entry_id, anonymously=answer == sharing.ANONYMOUS
            )
        now = self.clock()
        with self._writing() as session:
            entry = self._own_entry(session, team_id, user_id, entry_id)
            entry.share_consent = sharing.NONE
            entry.share_consent_at = now
            session.flush()
            return EntryView.of(entry, user_id)

    def ask_to_share(
        self, team_id: str, coordinator_id: str, entry_id: int
    ) -> tuple[str, EntryView]:
        """A coordinator asks the author of a shared entry whether it may go beyond the
        network: marked as asked (once per entry, whoever asks) and the author's id with the
        entry as its author sees it. The caller has checked that ``coordinator_id`` is one."""
        now = self.clock()
        with self._writing() as session:
            entry = session.scalar(
                select(Entry)
                .where(Entry.team_id == team_id, Entry.id == entry_id, visible_to(coordinator_id))
                .with_for_update()
            )
            if entry is None:
                raise EntryNotFound(entry_id)
            if entry.visibility == "private":
                raise PrivateNotShareable(entry_id)
            if sharing.is_shared(entry.share_consent):
                raise AlreadyAskedToShare(entry_id, consented=True)
            if entry.share_asked_at is not None:
                raise AlreadyAskedToShare(entry_id)
            entry.share_asked_at = now
            session.flush()
            return entry.user_id, EntryView.of(entry, entry.user_id)

    def forget_share_request(self, team_id: str, entry_id: int) -> None:
        """The request never reached its author (Slack refused the DM): they may be asked."""
        with self._writing() as session:
            session.execute(
                update(Entry)
                .where(Entry.team_id == team_id, Entry.id == entry_id)
                .values(share_asked_at=None)
            )

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

    def set_nudges(self, team_id: str, user_id: str, enabled: bool) -> None:
        now = self.clock()
        with self._writing() as session:
            member = self._member(session, team_id, user_id, now)
            member.nudges_enabled = enabled

    def nudges_enabled(self, team_id: str, user_id: str) -> bool:
        with self.db.reading() as session:
            enabled = session.scalar(
                select(Member.nudges_enabled).where(
                    Member.team_id == team_id, Member.user_id == user_id
                )
            )
        return True if enabled is None else bool(enabled)

    # -- reading ---------------------------------------------------------------------------

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
            return _named(session, team_id, [EntryView.of(entry, viewer)])[0]

    def own_entry(
        self, team_id: str, user_id: str, entry_id: int, *, or_logged_by: bool = False
    ) -> EntryView:
        """One's own entry, to change: another member's is refused (``NotYourEntry``).
        ``or_logged_by``: one the member logged for somebody else counts (to take it back)."""
        with self.db.reading() as session:
            entry = session.scalar(
                select(Entry).where(Entry.team_id == team_id, Entry.id == entry_id)
            )
            owned = _owned_by(user_id, entry, entry_id, or_logged_by=or_logged_by)
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
                entries=_named(session, team_id, [EntryView.of(e, user_id) for e in recent]),
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
            return _named(session, team_id, [EntryView.of(e, viewer) for e in rows])

    def search(
        self,
        team_id: str,
        viewer: str | None,
        words: str,
        *,
        goal: str | None = None,
        limit: int = 10,
        offset: int = 0,
    ) -> SearchPage:
        """Entries matching every word (as a word prefix), newest first.

        With a goal and no words, the goal's newest entries. How each store finds them is
        ``bot.search``'s (bench/search.py measures it on a million entries).
        """
        tokens = search.query_words(words)
        goal_key = self.check_goal(goal)
        if not tokens and goal_key is None:
            raise EmptySearch()
        with self.db.reading() as session:
            rows = search.search_entries(
                session,
                team_id,
                viewer,
                tokens,
                goal_key,
                limit=limit,
                offset=offset,
                frequencies=self._word_frequencies,
                goal_share=1 / len(self.framework.goals) if goal_key else 1.0,
            )
            return SearchPage(
                words=tokens,
                goal_key=goal_key,
                entries=_named(session, team_id, [EntryView.of(e, viewer) for e in rows[:limit]]),
                has_more=len(rows) > limit,
                offset=offset,
            )

    def counts_by_goal(self, team_id: str, viewer: str | None = None) -> dict[str | None, int]:
        """Shared entries per goal key, all time (for App Home figures)."""
        with self.db.reading() as session:
            rows = session.execute(
                select(Entry.goal_key, func.count())
                .where(Entry.team_id == team_id, Entry.visibility.in_(SHARED))
                .group_by(Entry.goal_key)
            ).all()
        return {goal_key: count for goal_key, count in rows}

    # -- internals -------------------------------------------------------------------------

    @contextmanager
    def _writing(self, text: str | None = None) -> Iterator[Session]:
        """A writing session whose database failures become ``StorageFailed`` (quoting text)."""
        with _storage_failures(text), self.db.session() as session:
            yield session

    @contextmanager
    def _writing_core(self, text: str | None = None) -> Iterator[Connection]:
        """As ``_writing``, on a bare connection (SQLAlchemy Core)."""
        with _storage_failures(text), self.db.transaction() as connection:
            yield connection

    def _own_entry(
        self,
        session: Session,
        team_id: str,
        user_id: str,
        entry_id: int,
        *,
        text: str | None = None,
        or_logged_by: bool = False,
    ) -> Entry:
        entry = session.scalar(
            select(Entry).where(Entry.team_id == team_id, Entry.id == entry_id).with_for_update()
        )
        return _owned_by(user_id, entry, entry_id, text=text, or_logged_by=or_logged_by)

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

    def _member(self, session: Session, team_id: str, user_id: str, now: datetime) -> Member:
        ensure_workspace(session, team_id, now=now, timezone=self.default_timezone)
        insert_ignoring_duplicates(
            session, Member, {"team_id": team_id, "user_id": user_id, "created_at": now}
        )
        return session.scalars(
            select(Member).where(Member.team_id == team_id, Member.user_id == user_id)
        ).one()

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


@contextmanager
def _storage_failures(text: str | None) -> Iterator[None]:
    """Database failures become ``StorageFailed`` (quoting ``text``); a broken unique key
    stays an ``IntegrityError`` for the caller to read as "stored already"."""
    try:
        yield
    except IntegrityError:
        raise
    except SQLAlchemyError as exc:
        log.error("learning log write failed: %s", exc.__class__.__name__, exc_info=True)
        raise StorageFailed(text=text) from exc


def _named(session: Session, team_id: str, views: list[EntryView]) -> list[EntryView]:
    """The views with their organisation's name, where they may show one."""
    if not any(view.organisation_id for view in views):
        return views
    names = organisation_names(session, team_id)
    return [
        replace(view, organisation=names.get(view.organisation_id))
        if view.organisation_id
        else view
        for view in views
    ]


# The entry keeps its author's organisation as it is when the entry is written.
_INSERT_ENTRY = insert(Entry.__table__).values(
    organisation_id=select(Member.organisation_id)
    .where(Member.team_id == bindparam("author_team"), Member.user_id == bindparam("author_user"))
    .scalar_subquery()
)


def _owned_by(
    user_id: str,
    entry: Any,
    entry_id: int,
    *,
    text: str | None = None,
    or_logged_by: bool = False,
) -> Any:
    """``entry`` when it is the member's (or, with ``or_logged_by``, one the member logged for
    somebody else); another's private entry is "not found"."""
    if entry is None or (entry.visibility == "private" and entry.user_id != user_id):
        raise EntryNotFound(entry_id, text=text)
    if entry.user_id != user_id and not (or_logged_by and entry.logged_by == user_id):
        raise NotYourEntry(entry_id, text=text)
    return entry
