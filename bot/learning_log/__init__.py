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

One concern per module, one ``LearningLog`` for its callers:

- ``checks``: validation, field by field (a form's fields are checked with it too);
- ``writing``: an entry stored, changed, deleted; ``actions``: an action closed, dropped or
  snoozed; ``consent``: sharing beyond the network;
- ``reading``: entries as a viewer may see them; ``searching``: search;
- ``forgetting``: ``forget-me``;
- ``views``: what they hand back (``EntryView`` and the rest); ``base``: the shared state and
  the writing session.

``LearningLog`` is the parts as mixins, not a facade over separate objects: the parts share
their state (the database, the framework, the clock, the workspaces already seen) and their
internals (one's own entry locked for a change, the writing session), so a facade would pass
them around and forward some thirty methods one by one — a second list of the same calls to
keep in step. With mixins every caller keeps ``services.log.add_entry(...)`` and the rest as
they were, and a reader finds a method in the module named for its concern. A member's own
preferences are ``bot.members``'; ``set_nudges`` and ``nudges_enabled`` stay here for their
callers and ask it.
"""

from __future__ import annotations

from bot import search
from bot.db import Database
from bot.goals import Framework
from bot.learning_log.actions import Actions
from bot.learning_log.base import storage_failures
from bot.learning_log.checks import MAX_TEXT, MAX_WHY, OUTCOME_KINDS, WHY_KINDS
from bot.learning_log.consent import Consent
from bot.learning_log.forgetting import Forgetting
from bot.learning_log.reading import Reading
from bot.learning_log.searching import Searching
from bot.learning_log.views import EntryView, MyLog, Saved, SearchPage
from bot.learning_log.writing import Writing
from bot.members import MemberPreferences
from bot.weeks import Clock, utc_now

__all__ = [
    "MAX_TEXT",
    "MAX_WHY",
    "OUTCOME_KINDS",
    "WHY_KINDS",
    "EntryView",
    "LearningLog",
    "MyLog",
    "Saved",
    "SearchPage",
]


class LearningLog(Writing, Actions, Consent, Reading, Searching, Forgetting):
    """The learning log, every concern of it (see the module)."""

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
        self.preferences = MemberPreferences(db, clock=clock, default_timezone=default_timezone)
        self._word_frequencies = search.WordFrequencies()

    def set_nudges(self, team_id: str, user_id: str, enabled: bool) -> None:
        """The member's nudges on or off: ``bot.members``' rule, kept here for its callers
        (a failed write is ``StorageFailed``, as for every write of the log's)."""
        with storage_failures(None):
            self.preferences.set_nudges(team_id, user_id, enabled)

    def nudges_enabled(self, team_id: str, user_id: str) -> bool:
        """Whether the member takes nudges (``bot.members``)."""
        return self.preferences.nudges_enabled(team_id, user_id)
