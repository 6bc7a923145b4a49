"""How a search is carried out on each store — and that members get the same answers whichever
way PostgreSQL is told to find them."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from bot.db import Database
from bot.goals import Framework
from bot.learning_log import LearningLog
from bot.search import (
    MAX_WORDS,
    WordFrequencies,
    WordStats,
    choose_index_word,
    query_words,
    search_entries,
)
from conftest import FakeClock

T1, T2 = "T0001", "T0002"
ANN, BEN = "UANN", "UBEN"

STATS = WordStats.of(
    ["listen", "listened", "team", "cafe", "the"],
    [0.10, 0.05, 0.14, 0.001, 0.5],
    entries=1_000_000,
)


def test_a_word_prefix_counts_every_word_it_starts() -> None:
    assert STATS.frequency("listen") == pytest.approx(0.15)
    assert STATS.frequency("liste") == pytest.approx(0.15)
    assert STATS.frequency("team") == pytest.approx(0.14)
    assert STATS.frequency("café") == pytest.approx(0.001)  # accents folded, as stored


def test_a_word_nobody_listed_is_taken_as_rarer_than_the_rarest_listed() -> None:
    assert STATS.frequency("quokka") == pytest.approx(0.001)


def test_common_words_are_found_by_walking_the_newest_entries() -> None:
    assert choose_index_word(["team"], STATS, rows_needed=11, goal_share=1.0) is None
    assert choose_index_word(["listen", "team"], STATS, rows_needed=11, goal_share=1.0) is None
    assert choose_index_word(["team"], STATS, rows_needed=11, goal_share=1 / 6) is None


def test_a_rare_word_is_looked_up_in_the_index_even_beside_common_ones() -> None:
    assert choose_index_word(["cafe"], STATS, rows_needed=11, goal_share=1.0) == "cafe"
    assert choose_index_word(["quokka"], STATS, rows_needed=11, goal_share=1.0) == "quokka"
    assert choose_index_word(["the", "cafe"], STATS, rows_needed=11, goal_share=1.0) == "cafe"


@pytest.fixture
def busy_log(database: Database, framework: Framework, clock: FakeClock) -> LearningLog:
    """400 entries in one workspace, "team" in every other one, "apprenticeship" in a few;
    a private entry and another workspace's entry that must never be found by others."""
    log = LearningLog(database, framework, clock=clock)
    for n in range(400):
        words = ["team"] if n % 2 == 0 else ["listened"]
        if n in (7, 300):
            words.append("apprenticeship")
        log.add_entry(T1, ANN if n % 3 else BEN, f"Entry {n}: the {' '.join(words)} story")
        clock.advance(minutes=1)
    log.add_entry(T1, BEN, "Private: team apprenticeship notes", visibility="private")
    log.add_entry(T2, BEN, "Elsewhere: team apprenticeship", goal="g1")
    if database.dialect == "postgresql":
        with database.session() as session:
            session.execute(text("ANALYZE entries"))
    return log


def test_searches_find_the_same_entries_whichever_way_they_are_carried_out(
    busy_log: LearningLog, database: Database
) -> None:
    if database.dialect == "postgresql":
        with database.reading() as session:
            stats = busy_log._word_frequencies.get(session)
        assert stats is not None
        plans = {
            words: choose_index_word(words.split(), stats, rows_needed=11, goal_share=1.0)
            for words in ("team", "apprenticeship", "team apprenticeship", "listen team")
        }
        assert plans == {
            "team": None,
            "apprenticeship": "apprenticeship",
            "team apprenticeship": "apprenticeship",
            "listen team": None,
        }

    def found(words: str, viewer: str = ANN, **options: object) -> list[str]:
        page = busy_log.search(T1, viewer, words, **options)
        return [e.text.split(":")[0] for e in page.entries]

    assert found("team") == [f"Entry {n}" for n in range(398, 378, -2)]
    assert found("team", offset=10, limit=3) == ["Entry 378", "Entry 376", "Entry 374"]
    assert found("apprenticeship") == ["Entry 300", "Entry 7"]
    assert found("apprenticeship", viewer=BEN) == ["Private", "Entry 300", "Entry 7"]
    assert found("team apprenticeship") == ["Entry 300"]
    assert found("listen team") == []
    assert found("appr listened") == ["Entry 7"]
    assert found("quokka") == []


def test_the_words_searched_for_are_lower_case_words_without_punctuation() -> None:
    assert query_words("Listening, at the CAFÉ — again!") == [
        "listening",
        "at",
        "the",
        "café",
        "again",
    ]
    assert query_words("") == [] and query_words(None) == [] and query_words("— !") == []
    assert query_words(" ".join(f"w{n}" for n in range(20))) == [f"w{n}" for n in range(MAX_WORDS)]


def test_a_search_reads_one_workspace_as_the_viewer_may_see_it_one_more_than_the_page(
    database: Database, framework: Framework, clock: FakeClock
) -> None:
    log = LearningLog(database, framework, clock=clock)
    for n, (user, visibility, goal) in enumerate(
        [
            (ANN, "network", "g1"),
            (BEN, "anonymous", "g1"),
            (BEN, "private", "g1"),
            (ANN, "private", "g2"),
            (ANN, "network", "g2"),
        ]
    ):
        log.add_entry(T1, user, f"Entry {n} about the team", visibility=visibility, goal=goal)
        clock.advance(minutes=1)
    log.add_entry(T2, ANN, "Elsewhere about the team", goal="g1")

    def found(viewer: str | None, tokens: list[str], goal: str | None, limit: int = 10) -> list:
        with database.reading() as session:
            rows = search_entries(
                session,
                T1,
                viewer,
                tokens,
                goal,
                limit=limit,
                offset=0,
                frequencies=WordFrequencies(),
                goal_share=1.0,
            )
        return [entry.text.split(" about")[0] for entry in rows]

    assert found(ANN, ["team"], None) == ["Entry 4", "Entry 3", "Entry 1", "Entry 0"]
    assert found(BEN, ["tea"], "relationships") == []
    assert found(BEN, [], "purpose") == ["Entry 2", "Entry 1", "Entry 0"]
    assert found(None, ["team"], None) == ["Entry 4", "Entry 1", "Entry 0"]
    assert found(ANN, ["team"], None, limit=1) == ["Entry 4", "Entry 3"]  # the page, and one more
