"""Organisations, outcomes and why a story matters.

- ``organisations``: the organisations members are from, one per normalised name and
  workspace, each with an optional sector and place.
- ``members.organisation_id``: the organisation a member says they are from;
  ``entries.organisation_id``: the author's organisation when the entry was written.
- ``entries.why_it_matters`` (a story's or outcome's second field), ``entries.who_changed`` and
  ``entries.how_we_know`` (an outcome's), all optional.
- A fourth kind of entry, ``outcome``.

Every column is added with a plain ``ADD COLUMN`` and the kind's CHECK constraint is changed
in place: on SQLite a batch rebuild of ``entries`` would drop its full-text triggers, and,
with foreign keys on (they are, inside the migration's transaction), dropping the old table
would set other tables' references to it to NULL. SQLite cannot alter a CHECK constraint, so
its text is edited in ``sqlite_schema`` as SQLite's documentation describes for changes that
leave the stored rows valid (https://www.sqlite.org/lang_altertable.html, "Making Other
Kinds Of Table Schema Changes"): widening the list of kinds on the way up; on the way down
the outcomes become stories first (their words are kept), then the list narrows.

Revision ID: 0009
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0007"
branch_labels = None
depends_on = None

# Primary keys: BIGINT on PostgreSQL, the rowid alias on SQLite.
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Instant = sa.DateTime(timezone=False)

OLD_KINDS = "kind IN ('story', 'action', 'reflection')"
NEW_KINDS = "kind IN ('story', 'action', 'reflection', 'outcome')"
WHO_CHANGED = "'staff', 'people', 'partners', 'organisation', 'system'"
HOW_WE_KNOW = "'seen', 'told', 'figures'"
SECTORS = "'public', 'voluntary', 'private', 'community', 'other'"

# (table, column, its type and column constraints)
_COLUMNS = (
    ("members", "organisation_id", "{id}"),
    ("entries", "organisation_id", "{id}"),
    ("entries", "why_it_matters", "TEXT"),
    (
        "entries",
        "who_changed",
        "VARCHAR(16) CONSTRAINT ck_entries_who_changed"
        f" CHECK (who_changed IS NULL OR who_changed IN ({WHO_CHANGED}))",
    ),
    (
        "entries",
        "how_we_know",
        "VARCHAR(16) CONSTRAINT ck_entries_how_we_know"
        f" CHECK (how_we_know IS NULL OR how_we_know IN ({HOW_WE_KNOW}))",
    ),
)
# The organisation columns' foreign keys, as table constraints (the form SQLAlchemy reads back
# on SQLite, with their names and ON DELETE).
_KEYS = {
    table: f"CONSTRAINT fk_{table}_organisation_id_organisations FOREIGN KEY(organisation_id)"
    " REFERENCES organisations (id) ON DELETE SET NULL"
    for table in ("members", "entries")
}


def upgrade() -> None:
    op.create_table(
        "organisations",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("name_key", sa.String(length=200), nullable=False),
        sa.Column("sector", sa.String(length=16), nullable=True),
        sa.Column("place", sa.String(length=200), nullable=True),
        sa.Column("created_at", Instant, nullable=False),
        sa.CheckConstraint(
            f"sector IS NULL OR sector IN ({SECTORS})", name=op.f("ck_organisations_sector")
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["workspaces.team_id"],
            name=op.f("fk_organisations_team_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisations")),
        sa.UniqueConstraint("team_id", "name_key", name=op.f("uq_organisations_team_id_name_key")),
    )
    id_type = "INTEGER" if _sqlite() else "BIGINT"
    for table, column, definition in _COLUMNS:
        op.execute(f"ALTER TABLE {table} ADD COLUMN {column} {definition.format(id=id_type)}")
    for table, key in _KEYS.items():
        if _sqlite():
            # SQLite adds no table constraint to a table; the new column is NULL throughout, so
            # the key holds for every stored row.
            _edit_sqlite_table(table, "\n)", f", \n\t{key}\n)", at_end=True)
        else:
            op.execute(f"ALTER TABLE {table} ADD {key}")
    op.create_index("ix_entries_organisation", "entries", ["organisation_id"])
    _change_kinds(OLD_KINDS, NEW_KINDS)


def downgrade() -> None:
    # An outcome is kept as a story: the member's words outlive the fourth kind.
    op.execute("UPDATE entries SET kind = 'story' WHERE kind = 'outcome'")
    _change_kinds(NEW_KINDS, OLD_KINDS)
    op.drop_index("ix_entries_organisation", table_name="entries")
    for table, key in _KEYS.items():
        if _sqlite():
            # SQLite refuses to drop a column a foreign key names: the key goes first.
            _edit_sqlite_table(table, f", \n\t{key}\n)", "\n)", at_end=True)
    for table, column, _definition in reversed(_COLUMNS):
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    op.drop_table("organisations")


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def _change_kinds(old: str, new: str) -> None:
    if _sqlite():
        _edit_sqlite_table("entries", old, new)
    else:
        op.execute("ALTER TABLE entries DROP CONSTRAINT ck_entries_kind")
        op.execute(f"ALTER TABLE entries ADD CONSTRAINT ck_entries_kind CHECK ({new})")


def _edit_sqlite_table(table: str, old: str, new: str, *, at_end: bool = False) -> None:
    """Replace ``old`` by ``new`` in the table's stored definition: where it occurs once, or
    (``at_end``) where it ends the definition."""
    bind = op.get_bind()
    sql = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?", (table,)
    ).scalar_one()
    if at_end and sql.endswith(old):
        edited = sql.removesuffix(old) + new
    elif not at_end and sql.count(old) == 1:
        edited = sql.replace(old, new)
    else:
        raise RuntimeError(f"{table}: {old!r} is not where expected in its definition")
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    bind.exec_driver_sql(
        "UPDATE sqlite_schema SET sql = ? WHERE type = 'table' AND name = ?",
        (edited, table),
    )
    # A new schema version makes every connection read the definition again.
    bind.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema = OFF")
