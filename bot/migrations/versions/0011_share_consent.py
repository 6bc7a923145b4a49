"""Consent to share an entry beyond the network, the last published site, endorsements.

Three columns on ``entries``: the author's consent (``none`` until they say otherwise), when
they gave it, and when a coordinator asked them; an index for the site's stories; and
``site_builds``, each workspace's last published site as page hashes; and on
``organisations`` the day one began endorsing the goals, with its link.

Revision ID: 0011
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# Instants are stored as naive UTC (see bot.models.UTCDateTime).
Instant = sa.DateTime(timezone=False)
COLUMNS = ("share_consent", "share_consent_at", "share_asked_at")


def upgrade() -> None:
    # Plain ADD COLUMNs (no table rebuild on SQLite, so the full-text triggers on entries stay).
    op.add_column(
        "entries",
        sa.Column("share_consent", sa.String(length=16), server_default="none", nullable=False),
    )
    op.add_column("entries", sa.Column("share_consent_at", Instant, nullable=True))
    op.add_column("entries", sa.Column("share_asked_at", Instant, nullable=True))
    op.create_index(
        "ix_entries_team_consent", "entries", ["team_id", "share_consent", "id"], unique=False
    )
    op.create_table(
        "site_builds",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("pages", sa.Text(), nullable=False),
        sa.Column("stories", sa.Integer(), nullable=False),
        sa.Column("built_at", Instant, nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["workspaces.team_id"],
            name=op.f("fk_site_builds_team_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("team_id", name=op.f("pk_site_builds")),
    )

    op.add_column("organisations", sa.Column("endorsed_on", sa.Date(), nullable=True))
    op.add_column(
        "organisations", sa.Column("endorsement_url", sa.String(length=500), nullable=True)
    )


def downgrade() -> None:
    for column in ("endorsement_url", "endorsed_on"):
        op.execute(f"ALTER TABLE organisations DROP COLUMN {column}")
    op.drop_table("site_builds")
    op.drop_index("ix_entries_team_consent", table_name="entries")
    # Plain DROP COLUMNs (SQLite 3.35+): a batch rebuild of entries would lose its triggers.
    for column in COLUMNS:
        op.execute(f"ALTER TABLE entries DROP COLUMN {column}")
