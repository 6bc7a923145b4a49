"""Consent to share an entry beyond the network (the published site): the author's own, given,
changed or withdrawn; a coordinator asking for it once per entry. What consent an entry may
carry is ``bot.sharing``'s rule."""

from __future__ import annotations

from sqlalchemy import select, update

from bot import sharing
from bot.errors import AlreadyAskedToShare, EntryNotFound, PrivateNotShareable
from bot.learning_log.base import LogBase
from bot.learning_log.views import EntryView
from bot.models import Entry
from bot.visibility import visible_to


class Consent(LogBase):
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
