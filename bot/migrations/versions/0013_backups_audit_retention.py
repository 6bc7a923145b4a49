"""Kept for years: the audit trail of coordinators' actions, the retention setting and its
notices, and the nightly backups' record.

Revision ID: 0013
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Instant = sa.DateTime(timezone=False)


def upgrade() -> None:
    # A plain ADD COLUMN (no table rebuild on SQLite).
    op.add_column(
        "workspaces",
        sa.Column("keep_years", sa.Integer(), server_default="0", nullable=False),
    )
    op.create_table(
        "audit_events",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=True),
        sa.Column("at", Instant, nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=True),
        sa.Column("details", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    op.create_index("ix_audit_events_team_at", "audit_events", ["team_id", "at"])
    op.create_table(
        "retention_notices",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("sent_at", Instant, nullable=False),
        sa.Column("deletes_before", Instant, nullable=False),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.Column("keep_years", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["workspaces.team_id"],
            name=op.f("fk_retention_notices_team_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_notices")),
    )
    op.create_index("ix_retention_notices_team_sent", "retention_notices", ["team_id", "sent_at"])
    op.create_table(
        "backup_runs",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("night", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("started_at", Instant, nullable=False),
        sa.Column("finished_at", Instant, nullable=True),
        sa.Column("file", sa.Text(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_backup_runs")),
        sa.UniqueConstraint("night", name=op.f("uq_backup_runs_night")),
    )


def downgrade() -> None:
    op.drop_table("backup_runs")
    op.drop_index("ix_retention_notices_team_sent", table_name="retention_notices")
    op.drop_table("retention_notices")
    op.drop_index("ix_audit_events_team_at", table_name="audit_events")
    op.drop_table("audit_events")
    # A plain DROP COLUMN (SQLite 3.35+).
    op.execute("ALTER TABLE workspaces DROP COLUMN keep_years")
