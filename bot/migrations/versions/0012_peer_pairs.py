"""Peer pairs: members who said yes, a workspace's rounds and day, the rounds and their pairs,
and actions logged after a pair met (source ``pair``).

SQLite cannot alter a CHECK constraint, and rebuilding ``entries`` would drop its full-text
triggers; the constraint only grows (every stored row meets the new one), so its definition
is rewritten in place as SQLite's documentation describes ("Making other kinds of table schema
changes": ``writable_schema``, then a new ``schema_version``).

Revision ID: 0012
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Instant = sa.DateTime(timezone=False)
OLD_SOURCES = "'slash', 'modal', 'thread', 'shortcut'"
NEW_SOURCES = "'slash', 'modal', 'thread', 'shortcut', 'pair'"


def upgrade() -> None:
    op.add_column(
        "workspaces",
        sa.Column("pairs_every_weeks", sa.Integer(), server_default="0", nullable=False),
    )
    op.add_column(
        "workspaces", sa.Column("pairs_day", sa.Integer(), server_default="0", nullable=False)
    )
    op.add_column(
        "members",
        sa.Column("pairs_enabled", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.create_table(
        "pair_rounds",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("goal_key", sa.String(length=40), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("available", sa.Integer(), nullable=False),
        sa.Column("alone_user_id", sa.String(length=32), nullable=True),
        sa.Column("started_at", Instant, nullable=False),
        sa.Column("remind_at", Instant, nullable=False),
        sa.Column("ends_at", Instant, nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["workspaces.team_id"],
            name=op.f("fk_pair_rounds_team_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pair_rounds")),
        sa.UniqueConstraint("team_id", "period", name=op.f("uq_pair_rounds_team_id_period")),
    )
    op.create_table(
        "pairs",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("round_id", BigId, nullable=False),
        sa.Column("user_ids", sa.String(length=120), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=True),
        sa.Column("message_ts", sa.String(length=32), nullable=True),
        sa.Column("opened_at", Instant, nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("answered_by", sa.String(length=32), nullable=True),
        sa.Column("answered_at", Instant, nullable=True),
        sa.Column("reminded_at", Instant, nullable=True),
        sa.CheckConstraint(
            "outcome IS NULL OR outcome IN ('met', 'missed')", name=op.f("ck_pairs_outcome")
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["pair_rounds.id"],
            name=op.f("fk_pairs_round_id_pair_rounds"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["workspaces.team_id"],
            name=op.f("fk_pairs_team_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pairs")),
    )
    op.create_index("ix_pairs_round", "pairs", ["round_id"])
    op.create_index("ix_pairs_team_channel", "pairs", ["team_id", "channel_id"])
    _entry_sources(OLD_SOURCES, NEW_SOURCES)


def downgrade() -> None:
    # The older code knows no source "pair": such an action reads as one logged in a form.
    op.execute("UPDATE entries SET source = 'modal' WHERE source = 'pair'")
    _entry_sources(NEW_SOURCES, OLD_SOURCES)
    op.drop_index("ix_pairs_team_channel", table_name="pairs")
    op.drop_index("ix_pairs_round", table_name="pairs")
    op.drop_table("pairs")
    op.drop_table("pair_rounds")
    # Plain DROP COLUMNs (SQLite 3.35+): a batch rebuild would lose the entries' triggers.
    for table, column in (
        ("members", "pairs_enabled"),
        ("workspaces", "pairs_day"),
        ("workspaces", "pairs_every_weeks"),
    ):
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")


def _entry_sources(old: str, new: str) -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(op.f("ck_entries_source"), "entries", type_="check")
        op.create_check_constraint(op.f("ck_entries_source"), "entries", f"source IN ({new})")
        return
    bind = op.get_bind()
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar()
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    bind.exec_driver_sql(
        "UPDATE sqlite_master SET sql = replace(sql, ?, ?) WHERE type = 'table' AND name = ?",
        (f"source IN ({old})", f"source IN ({new})", "entries"),
    )
    bind.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema = OFF")
