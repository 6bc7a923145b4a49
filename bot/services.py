"""What the Slack listeners and scheduled jobs are given: configuration, storage, the log."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from bot.config import Config
from bot.db import Database
from bot.expiring import ExpiringAnswers
from bot.goals import Framework
from bot.journal import Journal
from bot.learning_log import LearningLog
from bot.members import MemberPreferences
from bot.organisations import MemberOrganisations
from bot.pairs import PeerPairs
from bot.settings import SettingsStore
from bot.weeks import Clock, utc_now

# How long Slack's word that a member is (or is not) a workspace admin is trusted: long enough
# that a coordinator's commands in a row ask Slack once, short enough that a change in Slack
# is seen within minutes.
ADMIN_ANSWER_LIFE = timedelta(minutes=5)
ADMIN_ANSWERS_KEPT = 10_000


@dataclass
class Services:
    config: Config
    db: Database
    clock: Clock = utc_now
    log: LearningLog = field(init=False)
    settings: SettingsStore = field(init=False)
    members: MemberPreferences = field(init=False)  # away, prompts by DM
    journal: Journal = field(init=False)  # a member's own entries over a range, as a file
    organisations: MemberOrganisations = field(init=False)  # who members are from
    pairs: PeerPairs = field(init=False)  # peer pairs' rounds, answers and figures
    # Slack's answers to "is this member a workspace admin?", by (workspace, member), kept
    # for ADMIN_ANSWER_LIFE (bot.slack.admins asks and remembers).
    admin_answers: ExpiringAnswers[tuple[str, str], bool] = field(init=False)
    # Set by the scheduler running in this process: reschedules a workspace's jobs at once
    # when its settings change (a scheduler in another process notices within a minute).
    settings_changed: Callable[[str], None] | None = None

    def __post_init__(self) -> None:
        self.log = LearningLog(
            self.db,
            self.config.framework,
            clock=self.clock,
            default_timezone=self.config.default_timezone,
        )
        self.settings = SettingsStore(
            self.db, clock=self.clock, default_timezone=self.config.default_timezone
        )
        self.members = MemberPreferences(
            self.db, clock=self.clock, default_timezone=self.config.default_timezone
        )
        self.journal = Journal(self.db, self.config.framework, clock=self.clock)
        self.organisations = MemberOrganisations(self.db, clock=self.clock)
        self.pairs = PeerPairs(self.db, clock=self.clock)
        self.admin_answers = ExpiringAnswers(
            clock=self.clock, life=ADMIN_ANSWER_LIFE, size=ADMIN_ANSWERS_KEPT
        )

    @property
    def framework(self) -> Framework:
        return self.config.framework
