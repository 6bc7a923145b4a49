"""The network's own choice of its most significant stories: the selection settings, the
rounds, their shortlists and the members' votes, and the reactions on entries' messages that
rank a shortlist.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Instant = sa.DateTime(timezone=False)
_CHECKS = (
    ("selection", "selection IN ('monthly', 'quarterly', 'off')"),
    ("selection_day", "selection_day BETWEEN 1 AND 28"),
    ("selection_days", "selection_days BETWEEN 1 AND 28"),
)


def upgrade() -> None:
    # Plain ADD COLUMNs: a batch rebuild of workspaces on SQLite fails under the rows that
    # reference it ("database table is locked"). SQLite cannot add a CHECK to a table without
    # rebuilding it, so there the checks are the settings' validation (and the models', on a
    # database made new); PostgreSQL gets them as constraints.
    op.add_column(
        "workspaces",
        sa.Column("selection", sa.String(length=16), server_default="monthly", nullable=False),
    )
    op.add_column(
        "workspaces", sa.Column("selection_day", sa.Integer(), server_default="1", nullable=False)
    )
    op.add_column(
        "workspaces", sa.Column("selection_days", sa.Integer(), server_default="7", nullable=False)
    )
    if op.get_bind().dialect.name == "postgresql":
        for name, condition in _CHECKS:
            op.create_check_constraint(op.f(f"ck_workspaces_{name}"), "workspaces", condition)
    op.create_table(
        "selection_rounds",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("starts_at", Instant, nullable=False),
        sa.Column("ends_at", Instant, nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=True),
        sa.Column("message_ts", sa.String(length=32), nullable=True),
        sa.Column("opened_at", Instant, nullable=True),
        sa.Column("closes_at", Instant, nullable=True),
        sa.Column("closed_at", Instant, nullable=True),
        sa.Column("results_ts", sa.String(length=32), nullable=True),
        sa.Column("chosen_entry_id", BigId, nullable=True),
        sa.Column("reasons", sa.Text(), nullable=True),
        sa.Column("chosen_by", sa.String(length=32), nullable=True),
        sa.Column("chosen_at", Instant, nullable=True),
        sa.Column("created_at", Instant, nullable=False),
        sa.ForeignKeyConstraint(
            ["chosen_entry_id"],
            ["entries.id"],
            name=op.f("fk_selection_rounds_chosen_entry_id_entries"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["workspaces.team_id"],
            name=op.f("fk_selection_rounds_team_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_selection_rounds")),
        sa.UniqueConstraint("team_id", "period", name=op.f("uq_selection_rounds_team_id_period")),
    )
    op.create_index("ix_selection_rounds_team_closed", "selection_rounds", ["team_id", "closed_at"])
    op.create_index("ix_selection_rounds_team_ends", "selection_rounds", ["team_id", "ends_at"])
    op.create_table(
        "selection_candidates",
        sa.Column("round_id", BigId, nullable=False),
        sa.Column("entry_id", BigId, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("picked_by", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["entries.id"],
            name=op.f("fk_selection_candidates_entry_id_entries"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["selection_rounds.id"],
            name=op.f("fk_selection_candidates_round_id_selection_rounds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("round_id", "entry_id", name=op.f("pk_selection_candidates")),
    )
    op.create_table(
        "selection_votes",
        sa.Column("round_id", BigId, nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("entry_id", BigId, nullable=False),
        sa.Column("voted_at", Instant, nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["entries.id"],
            name=op.f("fk_selection_votes_entry_id_entries"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["selection_rounds.id"],
            name=op.f("fk_selection_votes_round_id_selection_rounds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("round_id", "user_id", name=op.f("pk_selection_votes")),
    )
    op.create_table(
        "entry_reactions",
        sa.Column("entry_id", BigId, nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("reaction", sa.String(length=100), nullable=False),
        sa.Column("reacted_at", Instant, nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["entries.id"],
            name=op.f("fk_entry_reactions_entry_id_entries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("entry_id", "user_id", "reaction", name=op.f("pk_entry_reactions")),
    )


def downgrade() -> None:
    op.drop_table("entry_reactions")
    op.drop_table("selection_votes")
    op.drop_table("selection_candidates")
    op.drop_index("ix_selection_rounds_team_ends", table_name="selection_rounds")
    op.drop_index("ix_selection_rounds_team_closed", table_name="selection_rounds")
    op.drop_table("selection_rounds")
    if op.get_bind().dialect.name == "postgresql":
        for name, _condition in _CHECKS:
            op.drop_constraint(op.f(f"ck_workspaces_{name}"), "workspaces", type_="check")
    # Plain DROP COLUMNs (SQLite 3.35+), as 0006 does.
    for column in ("selection_days", "selection_day", "selection"):
        op.execute(f"ALTER TABLE workspaces DROP COLUMN {column}")
