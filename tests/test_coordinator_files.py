"""``/kindness export`` and ``/kindness report`` through the signed endpoint: the coordinator's
file lands in their DM, members are refused, every failure is told, private entries never
leave and anonymous ones carry no name."""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from sqlalchemy import event

from bot.export import Period, write_export
from bot.names import Directory
from bot.report import charts
from bot.slack.client import make_client
from bot.slack.names import SlackNames
from bot.text_formats import csv_value
from conftest import BotUnderTest, message_text

BOSS, ANN, CAT, DEV = "UBOSS", "UANN", "UCAT", "UDEV"
HOSTILE = [
    # (as Slack stores it, as the member wrote it)
    ("Tea &amp; cake &lt;3 for the night shift", "Tea & cake <3 for the night shift"),
    ('=HYPERLINK("https://evil.example","click")', '=HYPERLINK("https://evil.example","click")'),
    ("Thanks <@UANN> for the rota", "Thanks @Ann Smith for the rota"),
]
PRIVATE = "My private journal, never to leave"
ANONYMOUS = "Told without a name"


@pytest.fixture
def network(bot: BotUnderTest) -> BotUnderTest:
    """A coordinator, three members, shared, anonymous and private entries in November."""
    team = bot.standin.team_id
    bot.standin.add_user(BOSS, name="Boss", is_admin=True)
    bot.standin.add_user(ANN, name="Ann Smith")
    bot.standin.add_user(CAT, name="Cat")
    bot.standin.add_user(DEV, name="Dev")
    clock = bot.services.clock
    clock.set(datetime(2026, 11, 3, 10, 0, tzinfo=UTC))
    for stored, _ in HOSTILE:
        bot.log.add_entry(team, ANN, stored, goal="g3")
    bot.log.add_entry(team, CAT, ANONYMOUS, goal="g3", visibility="anonymous")
    bot.log.add_entry(team, DEV, PRIVATE, goal="g3", visibility="private")
    action = bot.log.add_entry(team, ANN, "Phone three families", kind="action", goal="g2")
    clock.set(datetime(2026, 11, 17, 10, 0, tzinfo=UTC))
    bot.log.complete_action(team, ANN, action.entry.id, "People opened up once it was theirs")
    clock.set(datetime(2026, 11, 25, 14, 0, tzinfo=UTC))
    return bot


def told(bot: BotUnderTest, reply) -> list[str]:
    """What the member was told, one text per message, in order."""
    return [message_text(message) for message in bot.answers(reply)]


def dm_files(bot: BotUnderTest, user: str) -> list:
    dm = bot.standin.dm_with(user)
    return [f for f in bot.standin.files if f.channels == (dm,)]


# -- the export ------------------------------------------------------------------------------------


def test_a_coordinator_gets_the_csv_export_in_their_dm(network: BotUnderTest) -> None:
    bot = network
    reply = bot.slack.command("export csv", user=BOSS, channel="C1")
    assert reply.status == 200 and reply.body == ""  # made after the ack
    preparing, done = told(bot, reply)
    assert "Preparing the learning log export (CSV, all time)" in preparing
    [uploaded] = dm_files(bot, BOSS)
    assert uploaded.name == "kindness-log-start-to-2026-11-25.csv"
    assert f"is in our DM: <https://{bot.standin.permalink_host}/files/" in done
    assert uploaded.name in done and "6 shared entries" in done
    assert "Private entries are never included" in (uploaded.initial_comment or "")

    rows = list(csv.DictReader(io.StringIO(uploaded.content.decode("utf-8-sig"))))
    texts = [csv_value(row["text"]) for row in rows]
    assert texts[:3] == [plain for _, plain in HOSTILE]  # exactly as the member wrote them
    assert rows[1]["text"].startswith("'=HYPERLINK")  # a spreadsheet shows it, never runs it
    assert PRIVATE not in uploaded.content.decode()
    [anonymous] = [row for row in rows if row["text"] == ANONYMOUS]
    assert (anonymous["author_id"], anonymous["author_name"]) == ("", "")
    assert rows[0]["author_name"] == "Ann Smith"  # asked of Slack: the bot never saw her name


def test_the_export_in_slack_follows_the_command_lines_rules(network: BotUnderTest) -> None:
    bot = network
    bot.slack.command("export md since 2026-11-10 until 2026-11-30", user=BOSS)
    bot.slack.command("export json from 2026-11-10", user=BOSS)
    markdown, document = dm_files(bot, BOSS)
    team, tz = bot.standin.team_id, "UTC"
    since = datetime(2026, 11, 10, tzinfo=UTC)
    for uploaded, fmt, until in (
        (markdown, "md", datetime(2026, 12, 1, tzinfo=UTC)),
        (document, "json", None),
    ):
        expected = io.StringIO()
        client = make_client(bot.services.config)
        write_export(
            bot.services.db,
            bot.services.framework,
            team,
            fmt,
            expected,
            period=Period(since, until),
            now=bot.services.clock(),
            tz=tz,
            names=Directory(bot.services.db, team, SlackNames(client)),
        )
        assert uploaded.content.decode("utf-8") == expected.getvalue()
    entries = json.loads(document.content)["entries"]
    assert [e["text"] for e in entries] == ["People opened up once it was theirs"]
    assert markdown.name == "kindness-log-2026-11-10-to-2026-11-30.md"


def test_the_export_typed_in_the_dm_with_the_bot_says_it_is_just_above(
    network: BotUnderTest,
) -> None:
    bot = network
    dm = bot.standin.dm_with(BOSS)
    reply = bot.slack.command("export json", user=BOSS, channel=dm)
    assert "is just above, in this DM" in told(bot, reply)[-1]
    assert len(dm_files(bot, BOSS)) == 1


# -- the report ------------------------------------------------------------------------------------


def test_a_coordinator_gets_the_impact_report_in_their_dm(network: BotUnderTest) -> None:
    bot = network
    reply = bot.slack.command("report html since 2026-11-02", user=BOSS)
    preparing, done = told(bot, reply)
    assert "Preparing the impact report (HTML, 2 Nov – 25 Nov 2026)" in preparing
    [uploaded] = dm_files(bot, BOSS)
    assert uploaded.name == "kindness-report-2026-11-02-to-2026-11-25.html"
    assert uploaded.name in done and "is in our DM" in done
    page = uploaded.content.decode("utf-8")
    assert page.startswith("<!DOCTYPE html>") and "Thanks @Ann Smith for the rota" in page
    assert ANONYMOUS in page and "a member" in page
    assert PRIVATE not in page
    if charts.available():
        assert "<svg" in page or "data:image/svg+xml" in page


def test_the_report_comes_as_a_pdf_where_the_server_can_make_one(
    network: BotUnderTest, tmp_path
) -> None:
    import shutil
    import subprocess

    from bot.report.as_pdf import available

    if not available() or shutil.which("pdftotext") is None:
        if os.environ.get("KINDNESS_REQUIRE_PDF"):
            pytest.fail("WeasyPrint with Pango, and poppler-utils, are required here")
        pytest.skip("the PDF needs WeasyPrint, Pango and poppler-utils")
    bot = network
    preparing, done = told(bot, bot.slack.command("report since 2026-11-02", user=BOSS))
    assert "is in our DM" in done
    assert "Preparing the impact report (PDF, 2 Nov – 25 Nov 2026)" in preparing
    [uploaded] = dm_files(bot, BOSS)
    assert uploaded.name == "kindness-report-2026-11-02-to-2026-11-25.pdf"
    pdf = tmp_path / uploaded.name
    pdf.write_bytes(uploaded.content)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    flat = " ".join(text.split())
    assert "Method and limitations" in flat and ANONYMOUS in flat and PRIVATE not in flat


def test_a_pdf_the_server_cannot_make_is_refused_with_what_is_missing(
    network: BotUnderTest, monkeypatch
) -> None:
    import handlers.coordinator_files

    monkeypatch.setattr(handlers.coordinator_files, "pdf_available", lambda: False)
    bot = network
    answer = bot.answer_text(bot.slack.command("report pdf", user=BOSS))
    assert "I can't make the PDF on this server" in answer and "libpango" in answer
    assert "Ask for `html` instead" in answer
    assert bot.standin.files == []
    # Without a format, the report comes as HTML then.
    bot.slack.command("report since 2026-11-02", user=BOSS)
    [uploaded] = dm_files(bot, BOSS)
    assert uploaded.name.endswith(".html")


def test_the_report_comes_as_markdown_for_a_chosen_period(network: BotUnderTest) -> None:
    bot = network
    bot.slack.command("report md 2026-11-01 2026-11-15", user=BOSS)
    [uploaded] = dm_files(bot, BOSS)
    assert uploaded.name == "kindness-report-2026-11-01-to-2026-11-15.md"
    text = uploaded.content.decode("utf-8")
    assert ANONYMOUS in text and PRIVATE not in text
    assert "People opened up once it was theirs" not in text  # written on the 17th


# -- members, bad words, failures ------------------------------------------------------------------


@pytest.mark.parametrize("command", ["export csv", "report"])
def test_a_member_is_refused_and_nothing_is_made(network: BotUnderTest, command: str) -> None:
    bot = network
    reply = bot.slack.command(command, user=ANN)
    [answer] = told(bot, reply)
    assert "Only the network's coordinators" in answer and "nothing was made" in answer
    assert bot.standin.files == [] and bot.standin.calls_to("files.getUploadURLExternal") == []


def test_kindness_admins_get_files_without_asking_slack(sqlite_db, clock) -> None:
    from conftest import _make_bot

    for bot in _make_bot(sqlite_db, clock, KINDNESS_ADMINS=ANN):
        bot.slack.command("export", user=ANN)
        assert bot.standin.calls_to("users.info") == []
        assert len(dm_files(bot, ANN)) == 1


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("export xlsx", "`xlsx` is not a format I know. Use one of: `csv`, `json`, `md`."),
        (
            "report since 2026-13-01",
            "`2026-13-01` is not a date: write it as YYYY-MM-DD, e.g. `2027-01-04`, or an "
            "instant with its UTC offset, e.g. `2027-01-04T09:00+00:00`.",
        ),
        (
            "report since 2026-11-20 until 2026-11-01",
            "`since 2026-11-20` comes after `until 2026-11-01`: swap them round.",
        ),
        (
            "report since 2026-11-20T10:00+00:00 until 2026-11-20T09:00+00:00",
            "The period is empty: it starts 20 Nov 2026 10:00 and ends 20 Nov 2026 09:00; "
            "give a start before the end.",
        ),
        (
            "export since 2026-11-01T09:00",
            "`2026-11-01T09:00:00` has no UTC offset: add one, e.g. `2026-11-01T09:00:00+00:00`.",
        ),
        ("export since", "`since` needs a date after it"),
        ("export csv md", "Give one format, not both `csv` and `md`."),
        ("report 2026-11-01 2026-11-10 2026-11-20", "Give one until date, not two."),
        ("export since 2026-09-01 from 2026-10-01", "Give one since date, not two."),
    ],
)
def test_words_it_cannot_read_are_answered_at_once_with_the_usage(
    network: BotUnderTest, command: str, expected: str
) -> None:
    bot = network
    reply = bot.slack.command(command, user=BOSS)
    answer = bot.answer_text(reply)
    assert expected in answer
    assert f"Usage: `/kindness {command.split()[0]} [" in answer
    assert bot.standin.calls_to("users.info") == [] and bot.standin.files == []


@pytest.mark.parametrize(
    ("fail", "expected"),
    [
        (
            {"method": "files.getUploadURLExternal", "error": "missing_scope"},
            "Slack did not take the upload (`missing_scope`), so nothing was sent: the app "
            "lacks a permission this needs: whoever runs the bot can add it by updating the app "
            "from its manifest and reinstalling it",
        ),
        ({"method": "file_upload", "status": 500}, "the upload to Slack did not go through"),
        (
            {"method": "files.completeUploadExternal", "error": "file_uploads_disabled"},
            "file uploads are turned off in this workspace",
        ),
    ],
)
def test_an_upload_slack_refuses_is_told_to_the_coordinator(
    network: BotUnderTest, fail: dict, expected: str
) -> None:
    bot = network
    method = fail.pop("method")
    bot.standin.fail_next(method, **fail, times=5)
    reply = bot.slack.command("export md", user=BOSS)
    _, failed = told(bot, reply)
    assert "I prepared the learning log export (Markdown, all time)" in failed
    assert expected in failed
    assert dm_files(bot, BOSS) == []


def test_slack_not_saying_who_is_a_coordinator_is_told(network: BotUnderTest) -> None:
    bot = network
    bot.standin.fail_next("users.info", status=500, times=10)
    reply = bot.slack.command("report", user=BOSS)
    [answer] = told(bot, reply)
    assert "Slack did not say whether you are a coordinator" in answer
    assert bot.standin.files == []


@contextmanager
def entries_unreadable(bot: BotUnderTest) -> Iterator[None]:
    """Reading the learning log fails (the settings still answer): the failure comes after
    the ack, while the file is made."""
    engine = bot.services.db.engine
    error = engine.dialect.loaded_dbapi.OperationalError

    def fail(conn, cursor, statement, *args) -> None:
        if "FROM entries" in statement:
            raise error("the database went away (injected by the test)")

    event.listen(engine, "before_cursor_execute", fail)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", fail)


@pytest.mark.parametrize("command", ["export", "report"])
def test_a_file_that_cannot_be_made_is_told_to_the_coordinator(
    network: BotUnderTest, command: str
) -> None:
    bot = network
    bot.expect_errors = True
    with entries_unreadable(bot):
        reply = bot.slack.command(command, user=BOSS)
    _, failed = told(bot, reply)
    assert "Sorry — I could not prepare the" in failed
    assert "the learning log could not be reached just now. Nothing was sent" in failed
    assert bot.standin.files == []
    assert any(r.exc_info for r in bot.errors.records), "logged with its traceback"


def test_a_large_file_goes_to_disk_and_comes_back_whole(
    learning_log, clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot import coordinator_files

    monkeypatch.setattr(coordinator_files, "IN_MEMORY", 256)
    for n in range(20):
        learning_log.add_entry("T0001", ANN, f"Entry number {n} with café and ünïcode", goal="g1")
    made = coordinator_files.make_export(
        learning_log.db,
        learning_log.framework,
        "T0001",
        "csv",
        Period(),
        now=clock(),
        tz="Europe/London",
        names=Directory(learning_log.db, "T0001"),
    )
    with made.content as content:
        assert content._rolled  # on disk, not in memory
        rows = list(csv.DictReader(io.StringIO(content.read().decode("utf-8-sig"))))
    assert [row["text"] for row in rows] == [
        f"Entry number {n} with café and ünïcode" for n in range(20)
    ]
    assert made.entries == 20


def test_a_missing_permission_is_named_as_slack_names_it() -> None:
    from bot.blocks import files

    message = files.upload_failed_message("the export", "missing_scope", needed="im:write")
    text = message_text(message)
    assert "the app lacks the `im:write` permission: whoever runs the bot can add it" in text
    assert "kindness-bot" not in text  # a coordinator reads it: no shell command
