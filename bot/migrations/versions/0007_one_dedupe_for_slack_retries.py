"""One de-duplication of Slack's retries: the entry's own key, and whether its member was told.

``processed_events`` recorded that a thread reply had been noted (reacted to, the member told)
after its entry was stored, in a transaction of its own; the entry's ``dedupe_key`` already
made every retry find the stored entry. The note is now recorded on the entry (``noted_at``)
and the table goes (the reason is beside ``bot.models.Entry.dedupe_key``).

Marks carry over: a reply the table held as noted is noted at that time. A thread reply stored
more than two days ago — the table forgot its marks after two days, and Slack's retries come
within hours — is taken as noted when it was stored.

Revision ID: 0007
Revises: 0006
"""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# Instants are stored as naive UTC (see bot.models.UTCDateTime).
Instant = sa.DateTime(timezone=False)
# How long processed_events kept a mark.
KEPT_FOR = timedelta(days=2)


def upgrade() -> None:
    # A plain ADD COLUMN (no table rebuild on SQLite, so the full-text triggers on entries stay).
    op.add_column("entries", sa.Column("noted_at", Instant, nullable=True))
    op.execute(
        "UPDATE entries SET noted_at = ("
        " SELECT p.received_at FROM processed_events p"
        " WHERE p.team_id = entries.team_id AND p.event_key = entries.dedupe_key)"
        " WHERE EXISTS ("
        " SELECT 1 FROM processed_events p"
        " WHERE p.team_id = entries.team_id AND p.event_key = entries.dedupe_key)"
    )
    op.execute(
        sa.text(
            "UPDATE entries SET noted_at = created_at"
            " WHERE source = 'thread' AND noted_at IS NULL AND created_at < :forgotten"
        ).bindparams(forgotten=_naive_utc(datetime.now(UTC) - KEPT_FOR))
    )
    op.drop_index("ix_processed_events_received_at", table_name="processed_events")
    op.drop_table("processed_events")


def downgrade() -> None:
    op.create_table(
        "processed_events",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("event_key", sa.String(length=255), nullable=False),
        sa.Column("received_at", Instant, nullable=False),
        sa.PrimaryKeyConstraint("team_id", "event_key", name=op.f("pk_processed_events")),
    )
    op.create_index(
        op.f("ix_processed_events_received_at"), "processed_events", ["received_at"], unique=False
    )
    # The marks of the last two days (what the table would still hold): a retry of a reply
    # noted since is not noted again.
    op.execute(
        sa.text(
            "INSERT INTO processed_events (team_id, event_key, received_at)"
            " SELECT team_id, dedupe_key, noted_at FROM entries"
            " WHERE dedupe_key IS NOT NULL AND noted_at IS NOT NULL AND noted_at >= :kept"
        ).bindparams(kept=_naive_utc(datetime.now(UTC) - KEPT_FOR))
    )
    # A plain DROP COLUMN (SQLite 3.35+): a batch rebuild of entries would lose its triggers.
    op.execute("ALTER TABLE entries DROP COLUMN noted_at")


def _naive_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)
