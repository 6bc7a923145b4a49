"""Every failure is answered: the database or Slack failing under each command, button,
shortcut and event, through the signed endpoint."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import text

from bot.blocks import controls, entries
from bot.blocks.answers import FORGET_ME_CONFIRMED, SEARCH_MORE
from bot.blocks.nudges import NUDGE_DROP, NUDGE_SNOOZE
from bot.db import Database
from conftest import BotUnderTest, failing_database, message_text
from handlers.commands import SUBCOMMANDS
from slack_helpers import NETWORK_CHANNEL, modal_values, post_prompt

ANN, BEN = "UANN", "UBEN"
DATABASE_DOWN = "the learning log could not be reached just now"
NOT_WRITTEN = "the learning log could not be written just now"
KEEP_WORDS = "Your words, so nothing is lost"


def logged_tracebacks(bot: BotUnderTest) -> list[str]:
    return [r.getMessage() for r in bot.errors.records if r.exc_info]


@contextmanager
def write_lock_held(db: Database) -> Iterator[None]:
    """Another process holds the write lock (SQLite) or the entries table (PostgreSQL)."""
    if db.is_sqlite:
        other = sqlite3.connect(db.engine.url.database, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            other.execute("ROLLBACK")
            other.close()
    else:
        with db.engine.connect() as other, other.begin():
            other.execute(text("LOCK TABLE entries IN EXCLUSIVE MODE"))
            yield


# -- the database fails --------------------------------------------------------------------------


@pytest.mark.parametrize("sub", SUBCOMMANDS, ids=lambda s: s.name)
def test_every_command_is_answered_when_the_database_fails(bot: BotUnderTest, sub) -> None:
    bot.expect_errors = True
    with failing_database(bot.services.db):
        example = sub.example_in(bot.services.framework)
        reply = bot.slack.command(example.removeprefix("/kindness "), user=ANN)
    assert reply.status == 200
    answer = bot.answer_text(reply)
    if sub.name in ("help", "goals"):  # nothing to read or write: answered as always
        assert "Sorry" not in answer and answer
        return
    assert DATABASE_DOWN in answer or NOT_WRITTEN in answer, answer
    assert logged_tracebacks(bot), "the failure was logged with its traceback"
    if sub.name in ("log", "search", "done"):  # the member's words came with the command
        words = example.split(maxsplit=3)[-1]
        assert KEEP_WORDS in answer and words.split()[-1] in answer


def _clicks(action_id: int) -> list[tuple[str, str]]:
    entry = json.dumps({"entry": action_id})
    return [
        (f"{entries.SET_GOAL}:systems", json.dumps({"entry": action_id, "goal": "systems"})),
        (entries.EDIT_ENTRY, entry),
        (entries.DELETE_ENTRY, entry),
        (entries.UNDO_ENTRY, entry),
        (entries.COMPLETE_ACTION, entry),
        (SEARCH_MORE, json.dumps({"q": "agenda", "g": None, "o": 10})),
        (FORGET_ME_CONFIRMED, "confirm"),
        (NUDGE_SNOOZE, entry),
        (NUDGE_DROP, entry),
        (controls.MEMBER_BACK, "back"),
        (controls.PROMPTS_DM, "dm"),
        (controls.JOURNAL_MORE, json.dumps({"s": "2026-09-01", "u": None, "g": None, "o": 10})),
    ]


BUTTON_IDS = [action_id for action_id, _ in _clicks(1)]


@pytest.mark.parametrize("index", range(len(BUTTON_IDS)), ids=BUTTON_IDS)
def test_every_button_is_answered_when_the_database_fails(bot: BotUnderTest, index: int) -> None:
    bot.slack.command("log action g2 Hand the agenda to the team", user=ANN)
    [before] = bot.entries()
    action_id, value = _clicks(before.id)[index]
    bot.expect_errors = True
    with failing_database(bot.services.db):
        reply = bot.slack.block_action(action_id, value, user=ANN)
    assert reply.status == 200
    answer = bot.answer_text(reply)
    assert DATABASE_DOWN in answer or NOT_WRITTEN in answer, answer
    [after] = bot.entries()
    assert (after.text, after.goal_key, after.action_status) == (
        before.text,
        before.goal_key,
        before.action_status,
    )
    assert bot.standin.calls_to("views.open") == []


def test_a_modal_whose_entry_cannot_be_stored_stays_open_with_the_words(
    bot: BotUnderTest,
) -> None:
    bot.expect_errors = True
    bot.slack.command("log", user=ANN)
    view_id = bot.standin.open_views()[-1]["id"]
    values = modal_values("Words I do not want to type twice")
    with failing_database(bot.services.db):
        reply = bot.slack.view_submission("log_entry", values, user=ANN, view_id=view_id)
    assert reply.json["response_action"] == "errors"
    assert "your words are still here" in reply.json["errors"]["text"]
    assert bot.standin.view(view_id) is not None  # still open, the words in it
    again = bot.slack.view_submission("log_entry", values, user=ANN, view_id=view_id)
    assert again.json["response_action"] == "update"
    assert [e.text for e in bot.entries()] == ["Words I do not want to type twice"]


def test_a_thread_reply_that_cannot_be_stored_is_sent_again_and_stored_once(
    bot: BotUnderTest,
) -> None:
    bot.expect_errors = True
    bot.services.db.member_lock_timeout = 0.1
    prompt = post_prompt(bot)
    reply = bot.slack.message(
        "Listened without a plan", user=ANN, channel=NETWORK_CHANNEL, thread_ts=prompt["ts"]
    )
    with write_lock_held(bot.services.db):
        first = bot.slack.event(reply, event_id="Ev0DOWN")
    assert first.status == 503  # Slack sends it again
    [note] = bot.standin.ephemerals(ANN)
    assert "Slack will send them to me again" in message_text(note)
    with failing_database(bot.services.db):
        assert bot.slack.event(reply, event_id="Ev0DOWN", retry_num=1).status == 503
    assert len(bot.standin.ephemerals(ANN)) == 1  # said once, not on every retry
    assert bot.slack.event(reply, event_id="Ev0DOWN", retry_num=2).status == 200
    assert bot.slack.event(reply, event_id="Ev0DOWN", retry_num=3).status == 200
    assert [e.text for e in bot.entries()] == ["Listened without a plan"]
    notes = [message_text(n) for n in bot.standin.ephemerals(ANN)]
    assert sum("Saved your reply" in n for n in notes) == 1
    assert len(bot.standin.calls_to("reactions.add")) == 1


def test_a_write_that_cannot_get_its_lock_fails_fast_and_quotes_the_words(
    bot_on_each_store: BotUnderTest,
) -> None:
    bot = bot_on_each_store
    bot.expect_errors = True
    bot.services.db.member_lock_timeout = 0.2  # 1.5 s in service; short to keep tests quick
    bot.slack.command("log g1 First, to create the workspace", user=ANN)
    with write_lock_held(bot.services.db):
        reply = bot.slack.command("log g3 Words that must not vanish", user=ANN)
    answer = bot.answer_text(reply)
    assert NOT_WRITTEN in answer and KEEP_WORDS in answer
    assert "&gt; Words that must not vanish" in answer
    assert [e.text for e in bot.entries()] == ["First, to create the workspace"]
    bot.slack.command("log g3 Words that must not vanish", user=ANN)
    assert len(bot.entries()) == 2


# -- Slack fails after the ack -------------------------------------------------------------------

SLACK_REFUSED = "Slack did not let me finish that"


def test_a_form_slack_will_not_open_is_answered_through_the_response_url(
    bot: BotUnderTest,
) -> None:
    bot.standin.fail_next("views.open", error="expired_trigger_id")
    reply = bot.slack.command("log", user=ANN)
    assert reply.status == 200
    answer = bot.answer_text(reply)
    assert SLACK_REFUSED in answer and "expired_trigger_id" in answer


def test_settings_when_slack_cannot_say_who_is_a_coordinator(bot: BotUnderTest) -> None:
    bot.standin.fail_next("users.info", status=500, times=3)
    reply = bot.slack.command("settings", user=ANN)
    assert "did not confirm in time that you are a coordinator" in bot.answer_text(reply)
    assert bot.standin.calls_to("views.open") == []


def test_settings_that_slack_will_not_open_are_answered(bot: BotUnderTest) -> None:
    bot.standin.add_user(ANN, name="ann", is_admin=True)
    bot.standin.fail_next("views.open", error="expired_trigger_id")
    reply = bot.slack.command("settings", user=ANN)
    assert SLACK_REFUSED in bot.answer_text(reply)


@pytest.mark.parametrize(
    "action_id", [entries.OPEN_LOG_MODAL, entries.EDIT_ENTRY, entries.COMPLETE_ACTION]
)
def test_a_button_whose_form_slack_will_not_open_is_answered(
    bot: BotUnderTest, action_id: str
) -> None:
    bot.slack.command("log action g2 Hand the agenda to the team", user=ANN)
    entry = bot.entries()[0]
    bot.standin.fail_next("views.open", error="expired_trigger_id")
    reply = bot.slack.block_action(action_id, json.dumps({"entry": entry.id}), user=ANN)
    assert SLACK_REFUSED in bot.answer_text(reply)


def test_the_shortcut_whose_form_slack_will_not_open_is_answered(bot: BotUnderTest) -> None:
    original = bot.slack.message("A kindness worth keeping", user=BEN, channel="C1")
    bot.standin.fail_next("views.open", error="expired_trigger_id")
    reply = bot.slack.message_action("save_to_learning_log", original, user=ANN, channel="C1")
    assert SLACK_REFUSED in bot.answer_text(reply)


def test_a_change_is_kept_when_slack_will_not_show_it(bot: BotUnderTest) -> None:
    bot.slack.command("log g1 Delete me", user=ANN)
    entry = bot.entries()[0]
    bot.standin.fail_next("response_url", status=404, error="used_url", times=2)
    reply = bot.slack.block_action(entries.DELETE_ENTRY, json.dumps({"entry": entry.id}), user=ANN)
    assert reply.status == 200
    assert bot.entries() == []  # committed before the ack, whatever Slack did after


def test_a_thread_reply_is_kept_when_slack_will_not_react_or_note(bot: BotUnderTest) -> None:
    prompt = post_prompt(bot)
    bot.standin.fail_next("reactions.add", error="ratelimited")
    bot.standin.fail_next("chat.postEphemeral", error="user_not_in_channel")
    event = bot.slack.message(
        "Kept whatever Slack says", user=ANN, channel=NETWORK_CHANNEL, thread_ts=prompt["ts"]
    )
    assert bot.slack.event(event).status == 200
    assert [e.text for e in bot.entries()] == ["Kept whatever Slack says"]
