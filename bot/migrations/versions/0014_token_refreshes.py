"""Rotating tokens: the claim that lets one process at a time refresh an installation's token.

Revision ID: 0014
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

# Instants are stored as naive UTC (see bot.models.UTCDateTime).
Instant = sa.DateTime(timezone=False)


def upgrade() -> None:
    op.create_table(
        "token_refreshes",
        sa.Column("installation", sa.String(length=100), nullable=False),
        sa.Column("claimed_by", sa.String(length=200), nullable=True),
        sa.Column("claimed_at", Instant, nullable=False),
        sa.Column("refreshed_at", Instant, nullable=True),
        sa.PrimaryKeyConstraint("installation", name=op.f("pk_token_refreshes")),
    )


def downgrade() -> None:
    op.drop_table("token_refreshes")
