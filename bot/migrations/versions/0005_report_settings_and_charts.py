"""Impact report and chart settings per workspace (min_group, digest_chart), and the chart
images uploaded to Slack.

Revision ID: 0005
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0002"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Instant = sa.DateTime(timezone=False)


def upgrade() -> None:
    with op.batch_alter_table("workspaces", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("min_group", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("digest_chart", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_workspaces_min_group"), "min_group BETWEEN 0 AND 100"
        )
    op.create_table(
        "chart_uploads",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("chart", sa.String(length=32), nullable=False),
        sa.Column("period", sa.String(length=32), nullable=False),
        sa.Column("file_id", sa.String(length=32), nullable=False),
        sa.Column("uploaded_at", Instant, nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["workspaces.team_id"],
            name=op.f("fk_chart_uploads_team_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chart_uploads")),
        sa.UniqueConstraint(
            "team_id", "chart", "period", name=op.f("uq_chart_uploads_team_id_chart_period")
        ),
    )


def downgrade() -> None:
    op.drop_table("chart_uploads")
    with op.batch_alter_table("workspaces", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_workspaces_min_group"), type_="check")
        batch_op.drop_column("digest_chart")
        batch_op.drop_column("min_group")
