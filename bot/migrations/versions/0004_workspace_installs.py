"""Workspaces remember their Enterprise Grid organisation and when the app was uninstalled.

``enterprise_id`` finds an org-wide install's token for a workspace of that organisation;
``uninstalled_at`` stops a workspace's scheduled jobs while keeping its learning log.

Revision ID: 0004
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("workspaces", schema=None) as batch_op:
        batch_op.add_column(sa.Column("enterprise_id", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("uninstalled_at", sa.DateTime(timezone=False), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("workspaces", schema=None) as batch_op:
        batch_op.drop_column("uninstalled_at")
        batch_op.drop_column("enterprise_id")
