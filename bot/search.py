"""Full-text search of the learning log on each store: every word a word prefix, newest first.

``LearningLog.search`` checks what it is asked (the words, a goal) and turns the rows into
what a viewer may see; this module reads the words and finds the entries, per store, within a
workspace and the viewer's visibility (``bot.visibility``). bench/search.py measures both
stores on a million entries.

With a goal and no words, the goal's newest entries are listed (by id, which grows with
insertion time: newest first and index-friendly) on either store.

**SQLite** — FTS5 drives: it walks its postings newest first (``ORDER BY rowid DESC``) and stops
at the page, so a search costs its matches, not the size of the workspace. Prefix indexes for
words of 1–12 characters (migration 0005) let a word prefix be walked like a word.

**PostgreSQL** — a GIN index cannot hand its matches back newest first, so a search takes one
of two plans:

- *walk*: the workspace's entries newest first (``ix_entries_team_newest``), testing each one's
  stored words (``search_vector``) until the page is full. Cheap when matches are common: the
  newest ten entries holding a word found in one entry in seven cost about seventy rows.
- *index*: the GIN index finds every entry holding the query's rarest word, the other words are
  tested on those entries, and the newest are kept. Cheap when that word is rare.

The plan is chosen here, not left to PostgreSQL's planner, because the planner misjudges both
for this query: it prices a GIN prefix match (``team:*``) as cheap, though it must gather the
entries of every word that starts with ``team`` before it can combine them (60 ms for a word in
one entry in seven), and it prices the walk's test of each row as almost free (it is about a
microsecond). The choice uses the statistics the planner reads — the frequencies of the column's
10,000 commonest words (``pg_stats``) — and the costs measured by bench/search.py: a walk costs
the rows it walks, the index about three times the entries holding the rarest word. Words are
taken to occur independently, as the planner takes them too.
"""

from __future__ import annotations

import math
import re
import threading
import time
import unicodedata
from bisect import bisect_left
from dataclasses import dataclass
from itertools import accumulate

from sqlalchemy import ColumnElement, Select, select, text
from sqlalchemy.orm import Session

from bot.models import Entry
from bot.visibility import SHARED, visible_to

# Relative costs (bench/search.py): one row walked, one entry fetched through the GIN index.
WALK_ROW_COST = 1.0
INDEX_ENTRY_COST = 3.0
# Word frequencies change slowly (autovacuum re-analyses the table as it grows).
STATS_FOR_SECONDS = 600.0
# Words beyond these make a query no narrower, only slower.
MAX_WORDS = 12
_WORD = re.compile(r"\w+", re.UNICODE)


def query_words(text: str | None) -> list[str]:
    """The words searched for, lower-cased, in the order typed (punctuation is not a word)."""
    return [word.lower() for word in _WORD.findall(text or "")][:MAX_WORDS]


def search_entries(
    session: Session,
    team_id: str,
    viewer: str | None,
    tokens: list[str],
    goal_key: str | None,
    *,
    limit: int,
    offset: int,
    frequencies: WordFrequencies,
    goal_share: float,
) -> list[Entry]:
    """Up to ``limit + 1`` entries from ``offset``, newest first (one more than the page tells
    whether there is a next one): those of the workspace the viewer may see, holding every word
    of ``tokens`` as a word prefix, of ``goal_key`` when given. ``goal_share`` is the share of
    entries the goal is expected to hold (1.0 without a goal), for PostgreSQL's plan."""
    if tokens and session.get_bind().dialect.name == "sqlite":
        return sqlite_search(session, team_id, viewer, tokens, goal_key, limit, offset)
    query = select(Entry).where(Entry.team_id == team_id, visible_to(viewer))
    if goal_key is not None:
        query = query.where(Entry.goal_key == goal_key)
    if tokens:
        query = postgresql_search(
            query,
            tokens,
            frequencies.get(session),
            rows_needed=offset + limit + 1,
            goal_share=goal_share,
        )
    else:
        query = query.order_by(Entry.id.desc())
    return list(session.scalars(query.offset(offset).limit(limit + 1)))


def sqlite_search(
    session: Session,
    team_id: str,
    viewer: str | None,
    tokens: list[str],
    goal_key: str | None,
    limit: int,
    offset: int,
) -> list[Entry]:
    """``limit + 1`` entries from ``offset``, FTS5 driving. (Filtering ``entries`` with
    ``id IN (matches)`` instead walks every entry of the workspace.)"""
    words = " AND ".join(f'"{token}"*' for token in tokens)
    conditions = [
        "entries_fts MATCH :match",
        "entries.team_id = :team",
        # bot.visibility's rule, in SQL: a member's own entries are theirs to see, whatever
        # their visibility.
        f"(entries.visibility IN ({', '.join(repr(v) for v in SHARED)})"
        + (" OR entries.user_id = :viewer)" if viewer else ")"),
    ]
    if goal_key is not None:
        conditions.append("entries.goal_key = :goal")
    values = {
        "match": f'team_id : "{team_id.replace(chr(34), "")}" AND text : ({words})',
        "team": team_id,
        "viewer": viewer,
        "goal": goal_key,
        "limit": limit + 1,
        "offset": offset,
    }
    statement = text(
        "SELECT entries.* FROM entries_fts CROSS JOIN entries "
        "ON entries.id = entries_fts.rowid "
        f"WHERE {' AND '.join(conditions)} "
        "ORDER BY entries_fts.rowid DESC LIMIT :limit OFFSET :offset"
    )
    used = {name: value for name, value in values.items() if f":{name}" in statement.text}
    statement = statement.bindparams(**used)
    return list(session.scalars(select(Entry).from_statement(statement)))


@dataclass(frozen=True)
class WordStats:
    """The stored words' commonest lexemes (sorted) and how many entries hold each."""

    words: list[str]
    cumulative: list[float]  # running sums of the words' frequencies, from 0
    floor: float  # the frequency of the least common listed word: unlisted ones are rarer
    entries: float

    @classmethod
    def of(cls, words: list[str], frequencies: list[float], entries: float) -> WordStats:
        ordered = sorted(zip(words, frequencies, strict=True))
        return cls(
            words=[word for word, _ in ordered],
            cumulative=[0.0, *accumulate(frequency for _, frequency in ordered)],
            floor=min(frequencies, default=0.0),
            entries=entries,
        )

    def frequency(self, prefix: str) -> float:
        """The share of entries holding a word that starts with ``prefix`` (an upper bound:
        two listed words may share an entry)."""
        prefix = _folded(prefix)
        first = bisect_left(self.words, prefix)
        last = bisect_left(self.words, prefix + "\U0010ffff")
        if first == last:
            return self.floor
        return min(1.0, self.cumulative[last] - self.cumulative[first])


def choose_index_word(
    tokens: list[str], stats: WordStats, *, rows_needed: int, goal_share: float
) -> str | None:
    """The word the GIN index should look up, or None to walk the workspace newest first."""
    frequencies = [stats.frequency(token) for token in tokens]
    density = math.prod(frequencies) * goal_share
    walk = rows_needed / max(density, 1e-12) * WALK_ROW_COST
    rarest = min(range(len(tokens)), key=frequencies.__getitem__)
    index = frequencies[rarest] * stats.entries * INDEX_ENTRY_COST
    return tokens[rarest] if index < walk else None


class WordFrequencies:
    """``pg_stats`` for ``entries.search_vector``, read at most every ten minutes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stats: WordStats | None = None
        self._read_at = -math.inf

    def get(self, session: Session) -> WordStats | None:
        """None until the table has been analysed (then the planner's own choice stands)."""
        with self._lock:
            if time.monotonic() - self._read_at < STATS_FOR_SECONDS:
                return self._stats
        row = session.execute(
            text(
                "SELECT s.most_common_elems::text::text[], s.most_common_elem_freqs, "
                "(SELECT reltuples FROM pg_class WHERE oid = 'entries'::regclass) "
                "FROM pg_stats s WHERE s.schemaname = current_schema() "
                "AND s.tablename = 'entries' AND s.attname = 'search_vector'"
            )
        ).first()
        stats = None
        if row is not None and row[0]:
            # The frequencies end with their minimum, maximum and the share of empty vectors.
            stats = WordStats.of(list(row[0]), list(row[1][: len(row[0])]), float(row[2]))
        with self._lock:
            self._stats, self._read_at = stats, time.monotonic()
        return stats


def postgresql_search(
    query: Select,
    tokens: list[str],
    stats: WordStats | None,
    *,
    rows_needed: int,
    goal_share: float,
) -> Select:
    """``query`` (already scoped to a workspace, a viewer and maybe a goal) narrowed to the
    entries holding every word, newest first, in the shape of the plan chosen.

    The shape alone leaves the planner one sensible plan, so no setting has to be changed (and
    psycopg's prepared, generic plans are as good as custom ones): the walk's test is written as
    a function call the index cannot answer, and the index plan orders by ``id + 0``, which no
    index provides, so the walk is off the table.
    """
    everything = _prefixes(tokens)
    newest_first = Entry.id.desc()
    if stats is None:  # never analysed (a new, small log): the planner's choice stands
        query = query.where(_matches(everything))
    elif word := choose_index_word(tokens, stats, rows_needed=rows_needed, goal_share=goal_share):
        # Only the rare word reaches the index: the others are tested on its entries.
        query = query.where(_matches(_prefixes([word])), _tested(everything))
        newest_first = (Entry.id + 0).desc()
    else:
        query = query.where(_tested(everything))
    return query.order_by(newest_first)


def _prefixes(tokens: list[str]) -> str:
    return " & ".join(f"{token}:*" for token in tokens)


def _matches(words: str) -> ColumnElement[bool]:
    """The stored words hold every word of ``words`` (the GIN index can answer this)."""
    return text("entries.search_vector @@ to_tsquery('kindness', :indexed)").bindparams(
        indexed=words
    )


def _tested(words: str) -> ColumnElement[bool]:
    """The same test as a function call, which the index cannot answer: it filters rows."""
    return text("ts_match_vq(entries.search_vector, to_tsquery('kindness', :tested))").bindparams(
        tested=words
    )


def _folded(word: str) -> str:
    """Without accents, as the 'kindness' text-search configuration stores words."""
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))
