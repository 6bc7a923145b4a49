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

KINDS = ("story", "action", "reflection")
VISIBILITIES = ("network", "anonymous", "private")
SOURCES = ("slash", "modal", "thread", "shortcut")
ACTION_STATUSES = ("open", "done", "dropped")

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
    """One story, action or reflection in the learning log."""

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
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        CheckConstraint(_in("kind", KINDS), name="kind"),
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
