"""Search that stays fast on a million entries, on both stores.

- A workspace's entries newest first (``ix_entries_team_newest``): a search in one workspace
  walks that workspace's entries from the newest, not the whole log's.
- SQLite: the FTS5 table gains prefix indexes for words of 1 to 12 characters. Every search
  word is a word prefix (``listen`` finds "listened"); without them FTS5 gathers the entries of
  every word that starts with it before it can return the newest ten (5 ms for a common word,
  half a second for a single letter, on a million entries). The table is rebuilt from
  ``entries``: a minute or so per million entries.
- PostgreSQL: each entry's words are stored (``search_vector``, a generated column) and the GIN
  index covers that column instead of recomputing ``to_tsvector`` on every row a search walks.
  The column is analysed at once, because searches are planned from its word frequencies.
  Adding the column rewrites the table: a minute or two per million entries.

Revision ID: 0003b
Revises: 0005
"""

from alembic import op

revision = "0003b"
down_revision = "0004"
branch_labels = None
depends_on = None

_FTS5 = (
    "CREATE VIRTUAL TABLE entries_fts USING fts5("
    "text, team_id, content='entries', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2'{prefix})"
)
PREFIX_LENGTHS = "1 2 3 4 5 6 7 8 9 10 11 12"


def upgrade() -> None:
    op.create_index("ix_entries_team_newest", "entries", ["team_id", "id"])
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_fts(f", prefix='{PREFIX_LENGTHS}'")
    else:
        op.execute(
            "ALTER TABLE entries ADD COLUMN search_vector tsvector "
            "GENERATED ALWAYS AS (to_tsvector('kindness'::regconfig, text)) STORED"
        )
        op.execute("CREATE INDEX ix_entries_search_vector ON entries USING gin (search_vector)")
        # 1,000 keeps the frequencies of the 10,000 commonest words (see bot.search).
        op.execute("ALTER TABLE entries ALTER COLUMN search_vector SET STATISTICS 1000")
        op.execute("DROP INDEX ix_entries_text_search")
        op.execute("ANALYZE entries")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_fts("")
    else:
        op.execute(
            "CREATE INDEX ix_entries_text_search ON entries "
            "USING gin (to_tsvector('kindness', text))"
        )
        op.execute("ALTER INDEX ix_entries_text_search ALTER COLUMN 1 SET STATISTICS 1000")
        op.execute("DROP INDEX ix_entries_search_vector")
        op.execute("ALTER TABLE entries DROP COLUMN search_vector")
    op.drop_index("ix_entries_team_newest", table_name="entries")


def _rebuild_fts(prefix: str) -> None:
    """Recreate the FTS5 table with other options; its triggers name it, so they stay."""
    op.execute("DROP TABLE entries_fts")
    op.execute(_FTS5.format(prefix=prefix))
    op.execute("INSERT INTO entries_fts(entries_fts) VALUES ('rebuild')")
