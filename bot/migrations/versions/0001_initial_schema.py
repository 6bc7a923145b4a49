"""Initial schema: workspaces, members, entries (with full-text search), posted prompts and
digests, scheduled-job claims and processed Slack events.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Primary keys: BIGINT on PostgreSQL, the rowid alias on SQLite.
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
# Instants are stored as naive UTC (see bot.models.UTCDateTime).
Instant = sa.DateTime(timezone=False)


def upgrade() -> None:
    op.create_table(
        "processed_events",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("event_key", sa.String(length=255), nullable=False),
        sa.Column("received_at", Instant, nullable=False),
        sa.PrimaryKeyConstraint("team_id", "event_key", name=op.f("pk_processed_events")),
    )
    with op.batch_alter_table("processed_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_processed_events_received_at"), ["received_at"], unique=False
        )

    op.create_table(
        "workspaces",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("channel_id", sa.String(length=32), nullable=True),
        sa.Column("prompt_day", sa.Integer(), server_default="0", nullable=False),
        sa.Column("prompt_time", sa.String(length=5), server_default="10:00", nullable=False),
        sa.Column("digest_day", sa.Integer(), server_default="4", nullable=False),
        sa.Column("digest_time", sa.String(length=5), server_default="15:00", nullable=False),
        sa.Column("timezone", sa.String(length=64), server_default="UTC", nullable=False),
        sa.Column("nudges_enabled", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("followup_days", sa.Integer(), server_default="7", nullable=False),
        sa.Column("quiet_nudge_weeks", sa.Integer(), server_default="0", nullable=False),
        sa.Column("paused_until", sa.Date(), nullable=True),
        sa.Column("configured_by", sa.String(length=32), nullable=True),
        sa.Column("created_at", Instant, nullable=False),
        sa.Column("updated_at", Instant, nullable=False),
        sa.CheckConstraint("digest_day BETWEEN 0 AND 6", name=op.f("ck_workspaces_digest_day")),
        sa.CheckConstraint(
            "followup_days BETWEEN 1 AND 90", name=op.f("ck_workspaces_followup_days")
        ),
        sa.CheckConstraint("prompt_day BETWEEN 0 AND 6", name=op.f("ck_workspaces_prompt_day")),
        sa.PrimaryKeyConstraint("team_id", name=op.f("pk_workspaces")),
    )
    op.create_table(
        "job_claims",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("job", sa.String(length=32), nullable=False),
        sa.Column("period", sa.String(length=128), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("claimed_by", sa.String(length=200), nullable=True),
        sa.Column("claimed_at", Instant, nullable=False),
        sa.Column("finished_at", Instant, nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["workspaces.team_id"],
            name=op.f("fk_job_claims_team_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_claims")),
        sa.UniqueConstraint(
            "team_id", "job", "period", name=op.f("uq_job_claims_team_id_job_period")
        ),
    )
    op.create_table(
        "members",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=True),
        sa.Column("tz", sa.String(length=64), nullable=True),
        sa.Column("profile_fetched_at", Instant, nullable=True),
        sa.Column("nudges_enabled", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("last_quiet_nudge_at", Instant, nullable=True),
        sa.Column("created_at", Instant, nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["workspaces.team_id"],
            name=op.f("fk_members_team_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_members")),
        sa.UniqueConstraint("team_id", "user_id", name=op.f("uq_members_team_id_user_id")),
    )
    op.create_table(
        "posted_digests",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("message_ts", sa.String(length=32), nullable=False),
        sa.Column("posted_at", Instant, nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["workspaces.team_id"],
            name=op.f("fk_posted_digests_team_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_posted_digests")),
        sa.UniqueConstraint("team_id", "period", name=op.f("uq_posted_digests_team_id_period")),
    )
    op.create_table(
        "posted_prompts",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("goal_key", sa.String(length=40), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("message_ts", sa.String(length=32), nullable=False),
        sa.Column("posted_at", Instant, nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["workspaces.team_id"],
            name=op.f("fk_posted_prompts_team_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_posted_prompts")),
        sa.UniqueConstraint("team_id", "period", name=op.f("uq_posted_prompts_team_id_period")),
    )
    with op.batch_alter_table("posted_prompts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_posted_prompts_team_message", ["team_id", "channel_id", "message_ts"], unique=False
        )

    op.create_table(
        "entries",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("goal_key", sa.String(length=40), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("visibility", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=True),
        sa.Column("message_ts", sa.String(length=32), nullable=True),
        sa.Column("permalink", sa.Text(), nullable=True),
        sa.Column("prompt_id", BigId, nullable=True),
        sa.Column("action_status", sa.String(length=16), nullable=True),
        sa.Column("follow_up_at", Instant, nullable=True),
        sa.Column("follow_ups_sent", sa.Integer(), server_default="0", nullable=False),
        sa.Column("completed_at", Instant, nullable=True),
        sa.Column("reflection_of_id", BigId, nullable=True),
        sa.Column("dedupe_key", sa.String(length=255), nullable=True),
        sa.Column("created_at", Instant, nullable=False),
        sa.Column("updated_at", Instant, nullable=False),
        sa.CheckConstraint(
            "action_status IS NULL OR action_status IN ('open', 'done', 'dropped')",
            name=op.f("ck_entries_action_status"),
        ),
        sa.CheckConstraint(
            "kind IN ('story', 'action', 'reflection')", name=op.f("ck_entries_kind")
        ),
        sa.CheckConstraint(
            "source IN ('slash', 'modal', 'thread', 'shortcut')", name=op.f("ck_entries_source")
        ),
        sa.CheckConstraint(
            "visibility IN ('network', 'anonymous', 'private')", name=op.f("ck_entries_visibility")
        ),
        sa.ForeignKeyConstraint(
            ["prompt_id"],
            ["posted_prompts.id"],
            name=op.f("fk_entries_prompt_id_posted_prompts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["reflection_of_id"],
            ["entries.id"],
            name=op.f("fk_entries_reflection_of_id_entries"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["workspaces.team_id"],
            name=op.f("fk_entries_team_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_entries")),
        sa.UniqueConstraint("team_id", "dedupe_key", name=op.f("uq_entries_team_id_dedupe_key")),
    )
    with op.batch_alter_table("entries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_entries_team_completed", ["team_id", "completed_at"], unique=False
        )
        batch_op.create_index("ix_entries_team_created", ["team_id", "created_at"], unique=False)
        batch_op.create_index(
            "ix_entries_team_message", ["team_id", "channel_id", "message_ts"], unique=False
        )
        batch_op.create_index(
            "ix_entries_team_status_follow_up",
            ["team_id", "action_status", "follow_up_at"],
            unique=False,
        )
        batch_op.create_index(
            "ix_entries_team_user_created", ["team_id", "user_id", "created_at"], unique=False
        )

    _create_search_index()


def downgrade() -> None:
    _drop_search_index()
    with op.batch_alter_table("entries", schema=None) as batch_op:
        batch_op.drop_index("ix_entries_team_user_created")
        batch_op.drop_index("ix_entries_team_status_follow_up")
        batch_op.drop_index("ix_entries_team_message")
        batch_op.drop_index("ix_entries_team_created")
        batch_op.drop_index("ix_entries_team_completed")

    op.drop_table("entries")
    with op.batch_alter_table("posted_prompts", schema=None) as batch_op:
        batch_op.drop_index("ix_posted_prompts_team_message")

    op.drop_table("posted_prompts")
    op.drop_table("posted_digests")
    op.drop_table("members")
    op.drop_table("job_claims")
    op.drop_table("workspaces")
    with op.batch_alter_table("processed_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_processed_events_received_at"))

    op.drop_table("processed_events")


def _create_search_index() -> None:
    """Full-text search over entry texts, kept in step with the table by the database itself.

    SQLite: an external-content FTS5 table and triggers, accents folded. PostgreSQL: a GIN
    index over the 'kindness' text-search configuration.
    """
    if op.get_bind().dialect.name == "sqlite":
        # team_id is indexed too, so that a search in a small workspace intersects with that
        # workspace's postings instead of walking a word's postings across all workspaces.
        op.execute(
            "CREATE VIRTUAL TABLE entries_fts USING fts5("
            "text, team_id, content='entries', content_rowid='id', "
            "tokenize='unicode61 remove_diacritics 2')"
        )
        op.execute(
            "CREATE TRIGGER entries_fts_insert AFTER INSERT ON entries BEGIN "
            "INSERT INTO entries_fts(rowid, text, team_id) "
            "VALUES (new.id, new.text, new.team_id); END"
        )
        op.execute(
            "CREATE TRIGGER entries_fts_delete AFTER DELETE ON entries BEGIN "
            "INSERT INTO entries_fts(entries_fts, rowid, text, team_id) "
            "VALUES ('delete', old.id, old.text, old.team_id); END"
        )
        op.execute(
            "CREATE TRIGGER entries_fts_update AFTER UPDATE OF text ON entries BEGIN "
            "INSERT INTO entries_fts(entries_fts, rowid, text, team_id) "
            "VALUES ('delete', old.id, old.text, old.team_id); "
            "INSERT INTO entries_fts(rowid, text, team_id) "
            "VALUES (new.id, new.text, new.team_id); END"
        )
    else:
        # A text-search configuration of our own: 'simple' (no stemming: a network writes in
        # many languages) with accents folded where the unaccent extension can be had.
        op.execute("CREATE TEXT SEARCH CONFIGURATION kindness (COPY = simple)")
        bind = op.get_bind()
        savepoint = bind.begin_nested()
        try:
            bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS unaccent")
            savepoint.commit()
            op.execute(
                "ALTER TEXT SEARCH CONFIGURATION kindness "
                "ALTER MAPPING FOR hword, hword_part, word WITH unaccent, simple"
            )
        except sa.exc.DBAPIError:
            savepoint.rollback()
        op.execute(
            "CREATE INDEX ix_entries_text_search ON entries "
            "USING gin (to_tsvector('kindness', text))"
        )
        # With the default statistics the planner guesses ~1,000 matches for any word and
        # walks the log newest-first filtering every row: seconds for a word nobody used.
        # Measured in bench/search.py; 1,000 keeps the real frequencies of many more words.
        op.execute("ALTER INDEX ix_entries_text_search ALTER COLUMN 1 SET STATISTICS 1000")


def _drop_search_index() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("entries_fts_insert", "entries_fts_delete", "entries_fts_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS entries_fts")
    else:
        op.execute("DROP INDEX IF EXISTS ix_entries_text_search")
        op.execute("DROP TEXT SEARCH CONFIGURATION IF EXISTS kindness")
