"""What every part of the learning log shares: its state (the database, the goals, the clock)
and how it writes — a writing session whose database failures become ``StorageFailed``,
and one's own entry locked for a change."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from bot import search
from bot.db import Database
from bot.errors import StorageFailed
from bot.goals import Framework
from bot.learning_log.checks import Checks
from bot.learning_log.views import owned_by
from bot.models import Entry
from bot.weeks import Clock

log = logging.getLogger("bot.learning_log")


class LogBase(Checks):
    """The state every part reads (set by ``LearningLog.__init__``), and the ways to write."""

    db: Database
    framework: Framework
    clock: Clock
    default_timezone: str
    _known_workspaces: set[str]
    _word_frequencies: search.WordFrequencies

    @contextmanager
    def _writing(self, text: str | None = None) -> Iterator[Session]:
        """A writing session whose database failures become ``StorageFailed`` (quoting text)."""
        with storage_failures(text), self.db.session() as session:
            yield session

    @contextmanager
    def _writing_core(self, text: str | None = None) -> Iterator[Connection]:
        """As ``_writing``, on a bare connection (SQLAlchemy Core)."""
        with storage_failures(text), self.db.transaction() as connection:
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
        return owned_by(user_id, entry, entry_id, text=text, or_logged_by=or_logged_by)


@contextmanager
def storage_failures(text: str | None) -> Iterator[None]:
    """Database failures become ``StorageFailed`` (quoting ``text``); a broken unique key
    stays an ``IntegrityError`` for the caller to read as "stored already"."""
    try:
        yield
    except IntegrityError:
        raise
    except SQLAlchemyError as exc:
        log.error("learning log write failed: %s", exc.__class__.__name__, exc_info=True)
        raise StorageFailed(text=text) from exc
