"""Exports: the shared log as CSV, JSON and Markdown; private entries never leave. A member's
own file (``/kindness mine export``) comes from the same writer with the same rules."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

import pytest

from bot.export import JSON_VERSION, MEMBER_FIELDS, Period, write_export
from bot.journal import Journal
from bot.learning_log import LearningLog
from bot.models import Member
from bot.names import Directory
from conftest import csv_value

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


def _export(
    log: LearningLog,
    fmt: str,
    since: datetime | None = None,
    until: datetime | None = None,
    names: Directory | None = None,
) -> str:
    out = io.StringIO()
    write_export(
        log.db, log.framework, T1, fmt, out, period=Period(since, until), now=NOW, names=names
    )
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
    assert (document["format"], document["version"]) == ("kindness-bot learning log", JSON_VERSION)
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
    # No name stored for Ben and no Slack to ask: never his id in a write-up.
    assert "a member (name not stored) _(done 2026-11-22)_: Phone three families" in section
    assert "UBEN" not in section
    assert "Line one\\\n  line two" in section  # a line break, inside its list item
    assert "## No goal yet" in text and "No goal chosen yet" in text
    assert "Only for me" not in text and "Other network" not in text
    assert "Nothing logged in this period." in text  # quiet goals are visible in a write-up


def test_since_leaves_out_earlier_entries(filled: LearningLog) -> None:
    rows = list(
        csv.DictReader(io.StringIO(_export(filled, "csv", datetime(2026, 11, 10, tzinfo=UTC))))
    )
    assert "An early story" not in [r["text"] for r in rows]
    assert len(rows) == 5


def test_until_leaves_out_later_entries_in_every_format(filled: LearningLog) -> None:
    until = datetime(2026, 11, 10, tzinfo=UTC)
    rows = list(csv.DictReader(io.StringIO(_export(filled, "csv", until=until))))
    assert [r["text"] for r in rows] == ["An early story"]
    document = json.loads(_export(filled, "json", until=until))
    assert [e["text"] for e in document["entries"]] == ["An early story"]
    assert document["until"] == until.isoformat() and document["since"] is None
    markdown = _export(filled, "md", since=datetime(2026, 11, 1, tzinfo=UTC), until=until)
    assert "An early story" in markdown and "Phone three families" not in markdown
    assert "from 01 Nov 2026 to 09 Nov 2026" in markdown


# -- hostile text: every export gives back a member's words exactly -------------------------
# Each test runs on the network's file and on the member's own file: one writer, one set of rules.

HOSTILE = [
    # (as Slack stores it, as the member wrote and reads it)
    ("Tea &amp; cake &lt;3", "Tea & cake <3"),
    ('=HYPERLINK("https://evil.example","click")', '=HYPERLINK("https://evil.example","click")'),
    ("+1 for the rota", "+1 for the rota"),
    ("-2 complaints this week", "-2 complaints this week"),
    ("@channel said thanks", "@channel said thanks"),
    ("&amp;copy; not an entity", "&copy; not an entity"),
    ("'quoted' from the start", "'quoted' from the start"),
    ("I typed &amp;lt;b&amp;gt; literally", "I typed &lt;b&gt; literally"),
    ("Thanks <@UANN> and <@UGONE|gone>!", "Thanks @Ann Smith and @gone!"),
    ("In <#C0123|general> and <#C0999>", "In #general and #C0999"),
    (
        "See <https://example.org/a?b=1&amp;c=2|the notes> or <https://x.org>",
        "See the notes (https://example.org/a?b=1&c=2) or https://x.org",
    ),
    ("Mail <mailto:ann@example.org|ann@example.org>", "Mail ann@example.org"),
    (
        "<!here> *not bold* _not italic_ # not a title",
        "@here *not bold* _not italic_ # not a title",
    ),
    (
        "Line one\n- not a list\n1. not numbered\n\n> not a quote",
        "Line one\n- not a list\n1. not numbered\n\n> not a quote",
    ),
    (
        "&lt;script&gt;alert(1)&lt;/script&gt; | pipes | `code`",
        "<script>alert(1)</script> | pipes | `code`",
    ),
]


@pytest.fixture
def hostile(learning_log: LearningLog, clock) -> LearningLog:
    for stored, _ in HOSTILE:
        learning_log.add_entry(T1, "UANN", stored, goal="g3")
    with learning_log.db.session() as session:
        session.add(Member(team_id=T1, user_id="UANN", display_name="Ann Smith", created_at=NOW))
    return learning_log


@pytest.fixture(params=["network", "member"])
def whose(request: pytest.FixtureRequest) -> str:
    """Which file: the network's (``/kindness export``) or Ann's own (``mine export``)."""
    return request.param


def _file(log: LearningLog, fmt: str, whose: str, names: Directory | None = None) -> str:
    if whose == "network":
        return _export(log, fmt, names=names)
    journal = Journal(log.db, log.framework, clock=lambda: NOW)
    # The member's CSV is made for Slack and starts with a byte-order mark (for Excel).
    return journal.export(T1, "UANN", fmt, names=names).content.decode("utf-8-sig")


def test_csv_gives_back_each_members_words_and_runs_no_formula(
    hostile: LearningLog, whose: str
) -> None:
    rows = list(csv.DictReader(io.StringIO(_file(hostile, "csv", whose))))
    assert [csv_value(r["text"]) for r in rows] == [plain for _, plain in HOSTILE]
    for row in rows:
        for cell in row.values():
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    assert rows[1]["text"].startswith("'=HYPERLINK")
    if whose == "network":
        assert rows[0]["author_name"] == "Ann Smith"
    else:
        assert tuple(rows[0]) == MEMBER_FIELDS and rows[0]["logged_by"] == ""


def test_json_gives_back_each_members_words(hostile: LearningLog, whose: str) -> None:
    document = json.loads(_file(hostile, "json", whose))
    assert [e["text"] for e in document["entries"]] == [plain for _, plain in HOSTILE]
    assert document["version"] == JSON_VERSION


def test_markdown_renders_each_members_words_and_nothing_else(
    hostile: LearningLog, whose: str
) -> None:
    from markdown_it import MarkdownIt

    rendered = MarkdownIt("commonmark").enable("table").parse(_file(hostile, "md", whose))
    items = _list_items(rendered)
    shown = [text for text in items if text.startswith("20")]
    # A link shows its words (its address is the link's target, checked below).
    expected = [
        " ".join(plain.replace(" (https://example.org/a?b=1&c=2)", "").split())
        for _, plain in HOSTILE
    ]
    assert [text.split(": ", 1)[1].removesuffix(" (message)") for text in shown] == expected
    html = MarkdownIt("commonmark").render(_file(hostile, "md", whose))
    assert (
        "<script>" not in html and "<strong>not bold" not in html and "<h1>not a title" not in html
    )
    assert '<a href="https://example.org/a?b=1&amp;c=2">the notes</a>' in html


def _list_items(tokens) -> list[str]:
    """The text of each list item, inline pieces joined, breaks as spaces."""
    items, inside, parts = [], 0, []
    for token in tokens:
        if token.type == "list_item_open":
            inside += 1
            parts = []
        elif token.type == "list_item_close":
            inside -= 1
            items.append(" ".join("".join(parts).split()))
        elif inside and token.type == "inline":
            for child in token.children or []:
                if child.type in ("text", "code_inline"):
                    parts.append(child.content if child.type == "text" else f"`{child.content}`")
                elif child.type in ("softbreak", "hardbreak"):
                    parts.append(" ")
            parts.append(" ")
    return items


def test_mentions_are_named_by_slack_when_the_database_does_not_know_them(
    hostile: LearningLog, whose: str
) -> None:
    class Slack:
        def __init__(self) -> None:
            self.asked: list[str] = []

        def user(self, user_id: str) -> str | None:
            self.asked.append(user_id)
            return {"UGONE": "Gwen Old"}.get(user_id)

        def channel(self, channel_id: str) -> str | None:
            self.asked.append(channel_id)
            return {"C0999": "kindness-leads"}.get(channel_id)

    slack = Slack()
    document = json.loads(_file(hostile, "json", whose, names=Directory(hostile.db, T1, slack)))
    texts = [e["text"] for e in document["entries"]]
    assert "Thanks @Ann Smith and @Gwen Old!" in texts
    assert "In #general and #kindness-leads" in texts
    assert sorted(slack.asked) == ["C0999", "UGONE"]  # each unknown id asked once


# -- a member's own file ---------------------------------------------------------------------------


def test_my_file_holds_my_private_and_anonymous_entries_and_nobody_elses(
    filled: LearningLog,
) -> None:
    journal = Journal(filled.db, filled.framework, clock=lambda: NOW)
    for member, text in (("UDEV", "Only for me"), ("UCAT", "Told without a name")):
        document = json.loads(journal.export(T1, member, "json").content)
        assert [e["text"] for e in document["entries"]] == [text]
        assert document["format"] == "kindness-bot my learning log"
        assert document["member"] == member and "author_id" not in document["entries"][0]


def test_words_a_coordinator_logged_for_me_are_marked_as_theirs_not_mine(
    learning_log: LearningLog, database
) -> None:
    learning_log.add_entry(T1, "UANN", "My own words", goal="g3")
    with database.session() as session:
        session.add(Member(team_id=T1, user_id="UCORA", display_name="Cora Lead", created_at=NOW))
    learning_log.add_entry(T1, "UANN", "=Cora's words about Ann", goal="g3", logged_by="UCORA")
    journal = Journal(learning_log.db, learning_log.framework, clock=lambda: NOW)

    rows = list(csv.DictReader(io.StringIO(journal.export(T1, "UANN", "csv").content.decode())))
    assert [(r["logged_by"], r["logged_by_name"]) for r in rows] == [
        ("", ""),
        ("UCORA", "Cora Lead"),
    ]
    assert rows[1]["text"] == "'=Cora's words about Ann"
    entries = json.loads(journal.export(T1, "UANN", "json").content)["entries"]
    assert entries[1]["logged_by_name"] == "Cora Lead" and entries[0]["logged_by"] is None
    journal_md = journal.export(T1, "UANN", "md").content.decode()
    (mine,) = [line for line in journal_md.splitlines() if "My own words" in line]
    (theirs,) = [line for line in journal_md.splitlines() if "about Ann" in line]
    assert "logged for you" not in mine
    assert "logged for you by Cora Lead, in their words" in theirs


def test_every_format_carries_why_it_matters_an_outcomes_answers_and_the_organisation(
    learning_log: LearningLog, clock
) -> None:
    from bot.organisations import get_or_create_organisation, set_member_organisation

    clock.set(datetime(2026, 11, 20, 9, 0, tzinfo=UTC))
    with learning_log.db.session() as session:
        fife = get_or_create_organisation(session, T1, "NHS Fife", now=NOW)
        for member in ("UANN", "UCAT"):
            set_member_organisation(session, T1, member, fife, now=NOW)
    learning_log.add_entry(
        T1,
        "UANN",
        "Ward rounds start with the patient",
        kind="outcome",
        goal="g3",
        why_it_matters="Patients are heard first",
        who_changed="staff",
        how_we_know="figures",
    )
    learning_log.add_entry(T1, "UCAT", "Said without a name", goal="g3", visibility="anonymous")

    outcome, anonymous = csv.DictReader(io.StringIO(_export(learning_log, "csv")))
    assert (outcome["kind"], outcome["why_it_matters"]) == ("outcome", "Patients are heard first")
    assert (outcome["who_changed"], outcome["how_we_know"]) == ("staff", "figures")
    assert outcome["organisation"] == "NHS Fife" and anonymous["organisation"] == ""

    entries = json.loads(_export(learning_log, "json"))["entries"]
    assert entries[0]["organisation"] == "NHS Fife" and entries[1]["organisation"] is None
    assert entries[0]["why_it_matters"] == "Patients are heard first"

    markdown = _export(learning_log, "md")
    assert "### Outcomes (1)" in markdown
    assert "_Why it matters:_ Patients are heard first" in markdown
    assert "_Who changed:_ staff · _How we know:_ we have figures" in markdown
    assert markdown.count("NHS Fife") == 1  # never beside the anonymous story
