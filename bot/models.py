"""The learning log's tables (SQLAlchemy 2.x typed ORM). Changes go through Alembic.

Every row belongs to a workspace (``team_id``) and every query is scoped by it. Instants are
stored as naive UTC and read back as aware UTC (``UTCDateTime``), so SQLite and PostgreSQL
behave the same.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

KINDS = ("story", "action", "reflection", "outcome")
VISIBILITIES = ("network", "anonymous", "private")
# "pair": an action a member logged after meeting their peer pair (bot.pairs).
SOURCES = ("slash", "modal", "thread", "shortcut", "pair")
ACTION_STATUSES = ("open", "done", "dropped")
# How often the network chooses its most significant stories (a selection round).
SELECTION_CADENCES = ("monthly", "quarterly", "off")
# The kinds a selection round may shortlist: the network's stories of change.
SELECTION_KINDS = ("story", "outcome")
# An author's consent to share an entry beyond the network (the published site): none, with
# their name, or anonymously. Never by default; ``bot.sharing`` holds the rules.
SHARE_CONSENTS = ("none", "named", "anonymous")
# An organisation's sector (optional).
SECTORS = ("public", "voluntary", "private", "community", "other")
# An outcome's "who changed" and "how we know" (each optional; words in bot.words).
WHO_CHANGED = ("staff", "people", "partners", "organisation", "system")
HOW_WE_KNOW = ("seen", "told", "figures")

# Integer primary keys that are BIGINT on PostgreSQL and SQLite's rowid alias on SQLite.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes in, aware UTC datetimes out; stored naive UTC."""

    impl = DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; pass an aware datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        return value.replace(tzinfo=UTC) if value is not None else None


class Base(DeclarativeBase):
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(table_name)s_%(column_0_N_name)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Workspace(Base):
    """A Slack workspace and its settings (the defaults are the product's)."""

    __tablename__ = "workspaces"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    channel_id: Mapped[str | None] = mapped_column(String(32))
    prompt_day: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    prompt_time: Mapped[str] = mapped_column(String(5), default="10:00", server_default="10:00")
    digest_day: Mapped[int] = mapped_column(Integer, default=4, server_default="4")
    digest_time: Mapped[str] = mapped_column(String(5), default="15:00", server_default="15:00")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")
    nudges_enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    followup_days: Mapped[int] = mapped_column(Integer, default=7, server_default="7")
    # 0 turns the gentle nudge to quiet members off; otherwise the weeks of silence before it.
    quiet_nudge_weeks: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    paused_until: Mapped[date | None] = mapped_column(Date)
    # The admin who last saved settings: told by DM when the channel cannot be posted to.
    configured_by: Mapped[str | None] = mapped_column(String(32))
    # An ephemeral welcome to people who join the network channel.
    welcome_enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # The impact report hides per-goal figures drawn from fewer members (0 = off).
    min_group: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    digest_chart: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # The selection round of the most significant stories: how often, on which day of the
    # month it opens (at the prompt's time), and for how many days members vote.
    selection: Mapped[str] = mapped_column(String(16), default="monthly", server_default="monthly")
    selection_day: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    selection_days: Mapped[int] = mapped_column(Integer, default=7, server_default="7")
    # Peer pairs: a round every this many weeks (0 = no pairs), on this local day (0 = Monday).
    pairs_every_weeks: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    pairs_day: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The Enterprise Grid organisation the workspace belongs to: an org-wide install's token
    # is found by it.
    enterprise_id: Mapped[str | None] = mapped_column(String(32))
    # Set when the app is uninstalled (or its bot token revoked): no more scheduled posts, the
    # learning log kept. Cleared when the app is installed again.
    uninstalled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Entries older than this many years are deleted (bot.retention); 0 keeps them forever.
    keep_years: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    __table_args__ = (
        CheckConstraint("prompt_day BETWEEN 0 AND 6", name="prompt_day"),
        CheckConstraint("digest_day BETWEEN 0 AND 6", name="digest_day"),
        CheckConstraint("followup_days BETWEEN 1 AND 90", name="followup_days"),
        CheckConstraint("min_group BETWEEN 0 AND 100", name="min_group"),
        CheckConstraint(_in("selection", SELECTION_CADENCES), name="selection"),
        CheckConstraint("selection_day BETWEEN 1 AND 28", name="selection_day"),
        CheckConstraint("selection_days BETWEEN 1 AND 28", name="selection_days"),
    )


class Organisation(Base):
    """An organisation members are from (a council, a charity, a health board, a company).

    ``name_key`` is the name normalised (``bot.organisations.name_key``: case, spacing and
    punctuation folded), unique per workspace, so "NHS Fife" and "nhs  fife" are one.
    """

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("workspaces.team_id", ondelete="CASCADE")
    )
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200))
    sector: Mapped[str | None] = mapped_column(String(16))
    place: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Endorsing the network's goals framework since this day, with an optional link
    # (``bot.endorsements``); None when it does not (or no longer does).
    endorsed_on: Mapped[date | None] = mapped_column(Date)
    endorsement_url: Mapped[str | None] = mapped_column(String(500))

    __table_args__ = (
        UniqueConstraint("team_id", "name_key"),
        CheckConstraint(f"sector IS NULL OR {_in('sector', SECTORS)}", name="sector"),
    )


class Member(Base):
    """A member as the bot knows them: nudge preference and cached Slack profile."""

    __tablename__ = "members"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("workspaces.team_id", ondelete="CASCADE")
    )
    user_id: Mapped[str] = mapped_column(String(32))
    display_name: Mapped[str | None] = mapped_column(String(200))
    tz: Mapped[str | None] = mapped_column(String(64))
    profile_fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    nudges_enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    last_quiet_nudge_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # No DM at all (nudges, DM prompts) while the member's local date is before this one.
    away_until: Mapped[date | None] = mapped_column(Date)
    # The weekly prompt by DM as well as in the channel.
    prompts_by_dm: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Said yes to peer pairs (``/kindness pairs on``): nobody is paired without it.
    pairs_enabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The organisation the member says they are from (optional; ``/kindness org``).
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("team_id", "user_id"),)


class Coordinator(Base):
    """A member a Slack admin made a coordinator of the network (besides Slack's admins and
    ``KINDNESS_ADMINS``)."""

    __tablename__ = "coordinators"

    team_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("workspaces.team_id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    added_by: Mapped[str | None] = mapped_column(String(32))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Entry(Base):
    """One story, action, reflection or outcome in the learning log."""

    __tablename__ = "entries"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("workspaces.team_id", ondelete="CASCADE")
    )
    user_id: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))
    # None until the member picks a goal (a quick log without one asks afterwards).
    goal_key: Mapped[str | None] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)
    visibility: Mapped[str] = mapped_column(String(16), default="network")
    source: Mapped[str] = mapped_column(String(16))
    channel_id: Mapped[str | None] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))
    permalink: Mapped[str | None] = mapped_column(Text)
    prompt_id: Mapped[int | None] = mapped_column(
        ForeignKey("posted_prompts.id", ondelete="SET NULL")
    )
    action_status: Mapped[str | None] = mapped_column(String(16))
    follow_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    follow_ups_sent: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reflection_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("entries.id", ondelete="SET NULL")
    )
    # What makes a repeated delivery the same entry: a view id, a Slack message (channel + ts),
    # a button click. This is the one de-duplication of Slack's retries, because it commits
    # with the member's words: Slack retries an event it did not see acknowledged within 3
    # seconds, and may deliver a message again under another event id; Bolt de-duplicates
    # neither. A unique (team_id, dedupe_key) written in the same transaction as the text
    # means "acknowledged" is "stored", and a retry, whatever it races, finds that entry
    # instead of making a second. (A separate table of handled deliveries, written after the
    # entry in a transaction of its own, could only ever say "noted", and a crash between the
    # two left it wrong; migration 0007 folded it in here, as ``noted_at``.)
    dedupe_key: Mapped[str | None] = mapped_column(String(255))
    # When the member was told that this Slack message was saved (reaction and note): a retry
    # of a reply stored but not yet noted (the bot died in between) notes it then, and a retry
    # of one noted already is left alone. None for entries whose answer was the ack itself.
    noted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The coordinator who logged the entry on the member's behalf (the member owns it).
    logged_by: Mapped[str | None] = mapped_column(String(32))
    # May the entry be shared beyond the network (``SHARE_CONSENTS``), said by its author alone
    # and when; ``share_asked_at``: when a coordinator asked them (asked once per entry).
    # Checked by ``bot.sharing`` rather than by a CHECK: SQLite adds a column to ``entries``
    # without rebuilding it (a rebuild would lose its full-text triggers).
    share_consent: Mapped[str] = mapped_column(String(16), default="none", server_default="none")
    share_consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    share_asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The author's organisation when the entry was written (kept when they move on). Never
    # shown or exported for an anonymous entry: in a small organisation it would name them.
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL")
    )
    # A story's or outcome's "why does this matter — what changed, and for whom?" (optional).
    why_it_matters: Mapped[str | None] = mapped_column(Text)
    # An outcome's who changed and how we know (each optional).
    who_changed: Mapped[str | None] = mapped_column(String(16))
    how_we_know: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        CheckConstraint(_in("kind", KINDS), name="kind"),
        CheckConstraint(
            f"who_changed IS NULL OR {_in('who_changed', WHO_CHANGED)}", name="who_changed"
        ),
        CheckConstraint(
            f"how_we_know IS NULL OR {_in('how_we_know', HOW_WE_KNOW)}", name="how_we_know"
        ),
        CheckConstraint(_in("visibility", VISIBILITIES), name="visibility"),
        CheckConstraint(_in("source", SOURCES), name="source"),
        CheckConstraint(
            f"action_status IS NULL OR {_in('action_status', ACTION_STATUSES)}",
            name="action_status",
        ),
        UniqueConstraint("team_id", "dedupe_key"),
        # This week's entries of workspace T (digest, trend, stats).
        Index("ix_entries_team_created", "team_id", "created_at"),
        # Workspace T's entries newest first (search walks them; the latest shared entries).
        Index("ix_entries_team_newest", "team_id", "id"),
        # A member's own list, newest first.
        Index("ix_entries_team_user_created", "team_id", "user_id", "created_at"),
        # Actions completed this week.
        Index("ix_entries_team_completed", "team_id", "completed_at"),
        # Follow-ups that are due.
        Index("ix_entries_team_status_follow_up", "team_id", "action_status", "follow_up_at"),
        # The entry behind a Slack message (edited or deleted in Slack).
        Index("ix_entries_team_message", "team_id", "channel_id", "message_ts"),
        # The stories whose authors consented to share them, newest first (the published site).
        Index("ix_entries_team_consent", "team_id", "share_consent", "id"),
        # An organisation's entries (a merge moves them; a deleted organisation lets go).
        Index("ix_entries_organisation", "organisation_id"),
    )


class PostedPrompt(Base):
    """A weekly prompt as posted: its goal, its question and where it lives in Slack."""

    __tablename__ = "posted_prompts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("workspaces.team_id", ondelete="CASCADE")
    )
    period: Mapped[str] = mapped_column(String(16))
    goal_key: Mapped[str] = mapped_column(String(40))
    question: Mapped[str] = mapped_column(Text)
    channel_id: Mapped[str] = mapped_column(String(32))
    message_ts: Mapped[str] = mapped_column(String(32))
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint("team_id", "period"),
        Index("ix_posted_prompts_team_message", "team_id", "channel_id", "message_ts"),
    )


class DmPrompt(Base):
    """A weekly prompt as sent by DM to a member who asked for it: replies in that DM (in its
    thread, or while it is the latest prompt there) go into the log under its goal."""

    __tablename__ = "dm_prompts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("workspaces.team_id", ondelete="CASCADE")
    )
    user_id: Mapped[str] = mapped_column(String(32))
    prompt_id: Mapped[int] = mapped_column(ForeignKey("posted_prompts.id", ondelete="CASCADE"))
    channel_id: Mapped[str] = mapped_column(String(32))
    message_ts: Mapped[str] = mapped_column(String(32))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint("team_id", "user_id", "prompt_id"),
        Index("ix_dm_prompts_team_channel_sent", "team_id", "channel_id", "sent_at"),
    )


class PostedDigest(Base):
    __tablename__ = "posted_digests"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("workspaces.team_id", ondelete="CASCADE")
    )
    period: Mapped[str] = mapped_column(String(16))
    channel_id: Mapped[str] = mapped_column(String(32))
    message_ts: Mapped[str] = mapped_column(String(32))
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("team_id", "period"),)


class SelectionRound(Base):
    """One period's selection of its most significant story (Most Significant Change).

    A round is *planned* while only a coordinator's picks exist (no ``message_ts``), *open*
    from its post in the channel until ``closes_at``, *closed* when the totals are posted in
    its thread (``closed_at``), and *chosen* once the coordinator records the network's choice
    and its reasons. ``starts_at``/``ends_at``: the period whose stories it shortlists."""

    __tablename__ = "selection_rounds"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("workspaces.team_id", ondelete="CASCADE")
    )
    period: Mapped[str] = mapped_column(String(16))  # "2026-11", "2026-Q4"
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    channel_id: Mapped[str | None] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    results_ts: Mapped[str | None] = mapped_column(String(32))  # the totals, in the thread
    chosen_entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("entries.id", ondelete="SET NULL")
    )
    reasons: Mapped[str | None] = mapped_column(Text)  # why the network chose it
    chosen_by: Mapped[str | None] = mapped_column(String(32))
    chosen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint("team_id", "period"),
        # The open rounds of a workspace (the closing job), the rounds a report covers.
        Index("ix_selection_rounds_team_closed", "team_id", "closed_at"),
        Index("ix_selection_rounds_team_ends", "team_id", "ends_at"),
    )


class SelectionCandidate(Base):
    """An entry on a round's shortlist, in the order it is shown (``position`` from 1)."""

    __tablename__ = "selection_candidates"

    round_id: Mapped[int] = mapped_column(
        ForeignKey("selection_rounds.id", ondelete="CASCADE"), primary_key=True
    )
    entry_id: Mapped[int] = mapped_column(
        ForeignKey("entries.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer)
    picked_by: Mapped[str | None] = mapped_column(String(32))  # a coordinator's pick


class SelectionVote(Base):
    """A member's one vote in a round: the primary key (round, member) is what makes two
    clicks at once one vote; a click on another story moves it, on the same one withdraws it.
    Votes are secret: only their totals are ever shown."""

    __tablename__ = "selection_votes"

    round_id: Mapped[int] = mapped_column(
        ForeignKey("selection_rounds.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"))
    voted_at: Mapped[datetime] = mapped_column(UTCDateTime)


class EntryReaction(Base):
    """A member's emoji reaction on the Slack message behind an entry (a thread reply, a
    saved message), kept from ``reaction_added``/``reaction_removed``: how much the network
    responded to a story, which ranks the selection round's shortlist. One row per member and
    emoji, so Slack's retries of an event count once."""

    __tablename__ = "entry_reactions"

    entry_id: Mapped[int] = mapped_column(
        ForeignKey("entries.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    reaction: Mapped[str] = mapped_column(String(100), primary_key=True)
    reacted_at: Mapped[datetime] = mapped_column(UTCDateTime)


class JobClaim(Base):
    """A scheduled post claimed before it is sent: one row per (workspace, job, period).

    The unique constraint is what makes a post happen once across processes; a failed post
    deletes its claim so a later run can try again.
    """

    __tablename__ = "job_claims"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("workspaces.team_id", ondelete="CASCADE")
    )
    job: Mapped[str] = mapped_column(String(32))
    period: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16), default="claimed")
    claimed_by: Mapped[str | None] = mapped_column(String(200))
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    detail: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (UniqueConstraint("team_id", "job", "period"),)


class PairRound(Base):
    """A round of peer pairs: made once per workspace and round (its first week's key), with
    the goal and the question its pairs were given."""

    __tablename__ = "pair_rounds"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("workspaces.team_id", ondelete="CASCADE")
    )
    period: Mapped[str] = mapped_column(String(16))
    goal_key: Mapped[str] = mapped_column(String(40))
    question: Mapped[str] = mapped_column(Text)
    # How many members were available (opted in, not away) when the round was made.
    available: Mapped[int] = mapped_column(Integer)
    # The one member of a round of one: told kindly, paired with nobody.
    alone_user_id: Mapped[str | None] = mapped_column(String(32))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    remind_at: Mapped[datetime] = mapped_column(UTCDateTime)  # halfway through
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)  # when the next round may start

    __table_args__ = (UniqueConstraint("team_id", "period"),)


class Pair(Base):
    """Two members (three in a round with an odd count) of a round, and what became of them.
    Who met whom is kept only to avoid repeats: no figure or message ever shows it."""

    __tablename__ = "pairs"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("workspaces.team_id", ondelete="CASCADE")
    )
    round_id: Mapped[int] = mapped_column(ForeignKey("pair_rounds.id", ondelete="CASCADE"))
    user_ids: Mapped[str] = mapped_column(String(120))  # sorted, separated by spaces
    # The group DM and the opening message, once sent.
    channel_id: Mapped[str | None] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str | None] = mapped_column(String(16))  # "met" | "missed"
    answered_by: Mapped[str | None] = mapped_column(String(32))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        CheckConstraint("outcome IS NULL OR outcome IN ('met', 'missed')", name="outcome"),
        Index("ix_pairs_round", "round_id"),
        Index("ix_pairs_team_channel", "team_id", "channel_id"),
    )

    @property
    def members(self) -> tuple[str, ...]:
        return tuple(self.user_ids.split())


class ChartUpload(Base):
    """A chart image uploaded to Slack, kept so that a retried post reuses it and App Home
    shows one picture per workspace and day instead of uploading on every visit."""

    __tablename__ = "chart_uploads"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("workspaces.team_id", ondelete="CASCADE")
    )
    chart: Mapped[str] = mapped_column(String(32))  # "digest", "home"
    period: Mapped[str] = mapped_column(String(32))  # the week or day it shows
    file_id: Mapped[str] = mapped_column(String(32))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("team_id", "chart", "period"),)


class TokenRefresh(Base):
    """One installation's token being refreshed (token rotation), claimed so that only one
    process at a time refreshes it: Slack revokes a refresh token once used, so a second
    refresh with it would fail (``bot.slack.token_rotation``). A claim older than the lease, or let
    go (``claimed_by`` None), may be taken."""

    __tablename__ = "token_refreshes"

    # client id, enterprise id and team id of the installation ("-" for none)
    installation: Mapped[str] = mapped_column(String(100), primary_key=True)
    claimed_by: Mapped[str | None] = mapped_column(String(200))
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    refreshed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SiteBuild(Base):
    """The last published site of a workspace: each page's SHA-256 by its path (JSON), so that
    the next ``/kindness publish`` says what it added, changed and removed."""

    __tablename__ = "site_builds"

    team_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("workspaces.team_id", ondelete="CASCADE"), primary_key=True
    )
    pages: Mapped[str] = mapped_column(Text)
    stories: Mapped[int] = mapped_column(Integer)
    built_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AuditEvent(Base):
    """One thing a coordinator (or the operator, or the bot on their settings) did: who, when,
    what — never a member's words (``bot.audit``)."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    # None for what concerns the whole database (a restore). No foreign key: the trail of a
    # workspace is kept as long as the database is.
    team_id: Mapped[str | None] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    # A Slack user id; "operator" at the command line; "scheduler" for a scheduled job.
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(40))
    # Whom or what it was about: a member's id, an entry's id, a file's name.
    subject: Mapped[str | None] = mapped_column(String(200))
    # The facts as JSON (keys changed, counts, formats, periods).
    details: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_audit_events_team_at", "team_id", "at"),)


class RetentionNotice(Base):
    """Coordinators told that entries written before ``deletes_before`` will be deleted: the
    retention job deletes only what a notice at least a month old announced (``bot.retention``)."""

    __tablename__ = "retention_notices"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("workspaces.team_id", ondelete="CASCADE")
    )
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deletes_before: Mapped[datetime] = mapped_column(UTCDateTime)
    entries: Mapped[int] = mapped_column(Integer)
    keep_years: Mapped[int] = mapped_column(Integer)

    __table_args__ = (Index("ix_retention_notices_team_sent", "team_id", "sent_at"),)


class BackupRun(Base):
    """A nightly backup: one row per night, inserted by the one scheduler that takes it (the
    unique night is its claim); ``/healthz`` reports the latest."""

    __tablename__ = "backup_runs"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    night: Mapped[str] = mapped_column(String(10), unique=True)  # the UTC date, YYYY-MM-DD
    status: Mapped[str] = mapped_column(String(16))  # running, done, failed
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    file: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[str | None] = mapped_column(Text)


# -- Bolt's installation and OAuth state tables (multi-workspace mode) ---------------------------
# slack_sdk's SQLAlchemy stores (SQLAlchemyInstallationStore, SQLAlchemyOAuthStateStore) read and
# write these tables with definitions of their own; they are written out here, as slack_sdk 3.48
# defines them, so that the schema changes only through migrations (0002 makes them) and
# autogenerate compares them like every other table. tests/test_storage.py fails when the
# installed slack_sdk defines them otherwise: then they need a migration. Times are naive, as
# slack_sdk writes them; slack_sdk fills ``is_enterprise_install`` and ``installed_at`` itself.
# The primary keys have the names PostgreSQL gave them when slack_sdk first made these tables.

slack_installations = Table(
    "slack_installations",
    Base.metadata,
    Column("id", Integer, autoincrement=True, nullable=False),
    Column("client_id", String(32), nullable=False),
    Column("app_id", String(32), nullable=False),
    Column("enterprise_id", String(32)),
    Column("enterprise_name", String(200)),
    Column("enterprise_url", String(200)),
    Column("team_id", String(32)),
    Column("team_name", String(200)),
    Column("bot_token", String(200)),
    Column("bot_id", String(32)),
    Column("bot_user_id", String(32)),
    Column("bot_scopes", String(1000)),
    Column("bot_refresh_token", String(200)),
    Column("bot_token_expires_at", DateTime),
    Column("user_id", String(32), nullable=False),
    Column("user_token", String(200)),
    Column("user_scopes", String(1000)),
    Column("user_refresh_token", String(200)),
    Column("user_token_expires_at", DateTime),
    Column("incoming_webhook_url", String(200)),
    Column("incoming_webhook_channel", String(200)),
    Column("incoming_webhook_channel_id", String(200)),
    Column("incoming_webhook_configuration_url", String(200)),
    Column("is_enterprise_install", Boolean, nullable=False),
    Column("token_type", String(32)),
    Column("installed_at", DateTime, nullable=False),
    PrimaryKeyConstraint("id", name="slack_installations_pkey"),
    Index(
        "slack_installations_idx",
        "client_id",
        "enterprise_id",
        "team_id",
        "user_id",
        "installed_at",
    ),
)

slack_bots = Table(
    "slack_bots",
    Base.metadata,
    Column("id", Integer, autoincrement=True, nullable=False),
    Column("client_id", String(32), nullable=False),
    Column("app_id", String(32), nullable=False),
    Column("enterprise_id", String(32)),
    Column("enterprise_name", String(200)),
    Column("team_id", String(32)),
    Column("team_name", String(200)),
    Column("bot_token", String(200)),
    Column("bot_id", String(32)),
    Column("bot_user_id", String(32)),
    Column("bot_scopes", String(1000)),
    Column("bot_refresh_token", String(200)),
    Column("bot_token_expires_at", DateTime),
    Column("is_enterprise_install", Boolean, nullable=False),
    Column("installed_at", DateTime, nullable=False),
    PrimaryKeyConstraint("id", name="slack_bots_pkey"),
    Index("slack_bots_idx", "client_id", "enterprise_id", "team_id", "installed_at"),
)

slack_oauth_states = Table(
    "slack_oauth_states",
    Base.metadata,
    Column("id", Integer, autoincrement=True, nullable=False),
    Column("state", String(200), nullable=False),
    Column("expire_at", DateTime, nullable=False),
    PrimaryKeyConstraint("id", name="slack_oauth_states_pkey"),
)
