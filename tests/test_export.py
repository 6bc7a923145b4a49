"""Exports: the shared log as CSV, JSON and Markdown; private entries never leave."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

import pytest

from bot.export import write_export
from bot.learning_log import LearningLog

T1 = "T0001"
NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


@pytest.fixture
def filled(learning_log: LearningLog, clock) -> LearningLog:
    clock.set(datetime(2026, 11, 2, 9, 0, tzinfo=UTC))
    learning_log.add_entry(T1, "UANN", "An early story", goal="g1", permalink="https://x/p1")
    clock.set(datetime(2026, 11, 20, 9, 0, tzinfo=UTC))
    action = learning_log.add_entry(T1, "UBEN", "Phone three families", kind="action", goal="g3")
    learning_log.add_entry(T1, "UCAT", "Told without a name", goal="g3", visibility="anonymous")
    learning_log.add_entry(T1, "UDEV", "Only for me", goal="g3", visibility="private")
    learning_log.add_entry(T1, "UEVE", "Line one\nline two", goal="g3")
    learning_log.add_entry(T1, "UFAY", "No goal chosen yet")
    learning_log.add_entry("T0002", "UZED", "Other network", goal="g1")
    clock.set(datetime(2026, 11, 22, 9, 0, tzinfo=UTC))
    learning_log.complete_action(T1, "UBEN", action.entry.id, "It took courage")
    return learning_log


def _export(log: LearningLog, fmt: str, since: datetime | None = None) -> str:
    out = io.StringIO()
    write_export(log.db, log.framework, T1, fmt, out, since=since, now=NOW)
    return out.getvalue()


def test_csv_holds_every_shared_entry_and_no_private_one(filled: LearningLog) -> None:
    rows = list(csv.DictReader(io.StringIO(_export(filled, "csv"))))
    texts = [r["text"] for r in rows]
    assert texts == [
        "An early story",
        "Phone three families",
        "Told without a name",
        "Line one\nline two",
        "No goal chosen yet",
        "It took courage",
    ]
    assert "Only for me" not in _export(filled, "csv")
    anonymous = rows[2]
    assert (anonymous["author_id"], anonymous["author_name"]) == ("", "")
    assert rows[1]["action_status"] == "done" and rows[1]["completed_at"].startswith("2026-11-22")
    assert rows[5]["reflection_of"] == rows[1]["id"]
    assert (rows[0]["goal_number"], rows[0]["goal_title"]) == (
        "1",
        "Make kindness an explicit value",
    )
    assert rows[0]["permalink"] == "https://x/p1"


def test_json_is_one_document_with_the_goals_and_entries(filled: LearningLog) -> None:
    document = json.loads(_export(filled, "json"))
    assert document["team_id"] == T1 and len(document["goals"]) == 6
    assert [e["text"] for e in document["entries"]][:2] == [
        "An early story",
        "Phone three families",
    ]
    assert all(e["visibility"] != "private" for e in document["entries"])
    assert document["entries"][2]["author_id"] is None


def test_json_of_an_empty_log_is_valid(learning_log: LearningLog) -> None:
    document = json.loads(_export(learning_log, "json"))
    assert document["entries"] == []


def test_markdown_is_grouped_by_goal_then_kind(filled: LearningLog) -> None:
    text = _export(filled, "md")
    assert text.startswith("# Learning log — Commitment to Kindness")
    relationships = text.index("## 3. Put relationships at the centre")
    assert text.index("## 1. Make kindness an explicit value") < relationships
    section = text[relationships : text.index("## 4.")]
    assert "### Stories (2)" in section and "### Actions (1)" in section
    assert "a member: Told without a name" in section
    assert "UBEN _(done 2026-11-22)_: Phone three families" in section
    assert "Line one\n  line two" in section  # a second line stays inside its list item
    assert "## No goal yet" in text and "No goal chosen yet" in text
    assert "Only for me" not in text and "Other network" not in text
    assert "Nothing logged yet." in text  # quiet goals are visible in a write-up


def test_since_leaves_out_earlier_entries(filled: LearningLog) -> None:
    rows = list(
        csv.DictReader(io.StringIO(_export(filled, "csv", datetime(2026, 11, 10, tzinfo=UTC))))
    )
    assert "An early story" not in [r["text"] for r in rows]
    assert len(rows) == 5
