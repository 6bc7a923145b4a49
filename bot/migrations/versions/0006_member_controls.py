"""Everyday controls: members away until a date and taking prompts by DM, coordinators kept
in the database, the welcome setting, entries logged on a member's behalf, and weekly prompts
sent by DM.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Instant = sa.DateTime(timezone=False)


def upgrade() -> None:
    # Plain ADD COLUMNs (no table rebuild on SQLite, so the full-text triggers on entries stay).
    op.add_column(
        "workspaces",
        sa.Column("welcome_enabled", sa.Boolean(), server_default=sa.true(), nullable=False),
    )
    op.add_column("members", sa.Column("away_until", sa.Date(), nullable=True))
    op.add_column(
        "members",
        sa.Column("prompts_by_dm", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.add_column("entries", sa.Column("logged_by", sa.String(length=32), nullable=True))
    op.create_table(
        "coordinators",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("added_by", sa.String(length=32), nullable=True),
        sa.Column("added_at", Instant, nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["workspaces.team_id"],
            name=op.f("fk_coordinators_team_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("team_id", "user_id", name=op.f("pk_coordinators")),
    )
    op.create_table(
        "dm_prompts",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("prompt_id", BigId, nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("message_ts", sa.String(length=32), nullable=False),
        sa.Column("sent_at", Instant, nullable=False),
        sa.ForeignKeyConstraint(
            ["prompt_id"],
            ["posted_prompts.id"],
            name=op.f("fk_dm_prompts_prompt_id_posted_prompts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["workspaces.team_id"],
            name=op.f("fk_dm_prompts_team_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dm_prompts")),
        sa.UniqueConstraint(
            "team_id", "user_id", "prompt_id", name=op.f("uq_dm_prompts_team_id_user_id_prompt_id")
        ),
    )
    op.create_index(
        "ix_dm_prompts_team_channel_sent", "dm_prompts", ["team_id", "channel_id", "sent_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_dm_prompts_team_channel_sent", table_name="dm_prompts")
    op.drop_table("dm_prompts")
    op.drop_table("coordinators")
    # Plain DROP COLUMNs (SQLite 3.35+): a batch rebuild of entries would lose its triggers.
    for table, column in (
        ("entries", "logged_by"),
        ("members", "prompts_by_dm"),
        ("members", "away_until"),
        ("workspaces", "welcome_enabled"),
    ):
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
