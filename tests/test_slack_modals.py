"""The log, edit and "mark done" modals, submitted through the signed endpoint."""

from __future__ import annotations

import json

from sqlalchemy import text

from conftest import BotUnderTest, message_text
from sandbox import InputValue
from slack_helpers import modal_values

ANN, BEN = "UANN", "UBEN"


def _open_log_modal(bot: BotUnderTest, user: str = ANN) -> str:
    """Open the modal the way a member does; the id of the view Slack opened."""
    bot.slack.command("log", user=user)
    return bot.standin.open_views()[-1]["id"]


def test_a_modal_entry_is_stored_and_the_modal_confirms_it(bot: BotUnderTest) -> None:
    view_id = _open_log_modal(bot)
    reply = bot.slack.view_submission(
        "log_entry",
        modal_values(
            "We moved the meeting to the café so families could come",
            kind="action",
            goal="relationships",
            visibility="anonymous",
        ),
        user=ANN,
        view_id=view_id,
    )
    assert reply.status == 200
    [entry] = bot.entries()
    assert (entry.kind, entry.goal_key, entry.visibility, entry.source, entry.user_id) == (
        "action",
        "relationships",
        "anonymous",
        "modal",
        ANN,
    )
    assert entry.action_status == "open"
    assert reply.json["response_action"] == "update"
    confirmation = bot.standin.view(view_id)
    assert "Saved." in message_text(confirmation) and f"#{entry.id}" in message_text(confirmation)


def test_the_same_submission_twice_stores_one_entry(bot: BotUnderTest) -> None:
    values = modal_values("Only once, please")
    first = bot.slack.view_submission("log_entry", values, user=ANN, view_id="VSAMEVIEW1")
    second = bot.slack.view_submission("log_entry", values, user=ANN, view_id="VSAMEVIEW1")
    assert first.status == second.status == 200
    assert [e.text for e in bot.entries()] == ["Only once, please"]
    assert second.json["response_action"] == "update"  # the member still sees "saved"


def test_the_same_submission_twice_stores_once_on_each_store(bot_on_each_store) -> None:
    bot = bot_on_each_store
    values = modal_values("Only once, on any store")
    for _ in range(2):
        bot.slack.view_submission("log_entry", values, user=ANN, view_id="VSAMEVIEW2")
    assert [e.text for e in bot.entries()] == ["Only once, on any store"]


def test_raw_text_from_a_modal_is_stored_safely_escaped(bot: BotUnderTest) -> None:
    bot.slack.view_submission("log_entry", modal_values("Budgets < people & always"), user=ANN)
    assert bot.entries()[0].text == "Budgets &lt; people &amp; always"
    text = bot.answer_text(bot.slack.command("search budgets", user=BEN))
    assert "Budgets &lt; people &amp; always" in text


def test_empty_text_is_an_error_on_the_text_field(bot: BotUnderTest) -> None:
    reply = bot.slack.view_submission("log_entry", modal_values("   "), user=ANN)
    assert reply.json == {
        "response_action": "errors",
        "errors": {"text": "There is nothing to save yet: add a few words about what happened."},
    }
    assert bot.entries() == []


def test_text_over_the_limit_is_an_error_with_the_count(bot: BotUnderTest) -> None:
    reply = bot.slack.view_submission(
        "log_entry", modal_values("&" * 1000), user=ANN
    )  # 5,000 escaped
    assert reply.json["response_action"] == "errors"
    assert "That is 5,000 characters" in reply.json["errors"]["text"]
    assert bot.entries() == []


def test_a_missing_goal_is_an_error_on_the_goal_field(bot: BotUnderTest) -> None:
    reply = bot.slack.view_submission("log_entry", modal_values("Words", goal=None), user=ANN)
    assert reply.json == {
        "response_action": "errors",
        "errors": {"goal": "Choose the goal this is for."},
    }


def test_an_unknown_kind_is_an_error_on_the_kind_field(bot: BotUnderTest) -> None:
    reply = bot.slack.view_submission("log_entry", modal_values("Words", kind="anecdote"), user=ANN)
    assert reply.json["response_action"] == "errors"
    assert "`anecdote` is not a kind I know" in reply.json["errors"]["kind"]
    assert bot.entries() == []


def test_an_unknown_goal_is_an_error_on_the_goal_field(bot: BotUnderTest) -> None:
    reply = bot.slack.view_submission(
        "log_entry", modal_values("Words", goal="wellbeing"), user=ANN
    )
    assert "`wellbeing` is not a goal I know" in reply.json["errors"]["goal"]


def test_a_failed_write_keeps_the_modal_open_with_the_words_in_it(bot: BotUnderTest) -> None:
    bot.expect_errors = True  # the failed write is logged, as it should be
    with bot.services.db.engine.begin() as connection:
        connection.execute(text("DROP TABLE entries_fts"))  # every insert now fails
    reply = bot.slack.view_submission("log_entry", modal_values("Precious words"), user=ANN)
    assert reply.json["response_action"] == "errors"
    assert "your words are still here" in reply.json["errors"]["text"]


def test_editing_through_the_modal_updates_the_entry(bot: BotUnderTest) -> None:
    bot.slack.command("log g1 First wording", user=ANN)
    entry = bot.entries()[0]
    metadata = json.dumps({"entry": entry.id})
    reply = bot.slack.view_submission(
        "edit_entry_modal",
        modal_values("Second wording", kind="reflection", goal="evidence", visibility="private"),
        user=ANN,
        private_metadata=metadata,
    )
    assert reply.json["response_action"] == "update"
    edited = bot.entries()[0]
    assert (edited.text, edited.kind, edited.goal_key, edited.visibility) == (
        "Second wording",
        "reflection",
        "evidence",
        "private",
    )


def test_editing_another_members_entry_is_refused_on_the_text_field(bot: BotUnderTest) -> None:
    bot.slack.command("log g1 Ann's words", user=ANN)
    entry = bot.entries()[0]
    reply = bot.slack.view_submission(
        "edit_entry_modal",
        modal_values("Ben's rewrite"),
        user=BEN,
        private_metadata=json.dumps({"entry": entry.id}),
    )
    assert "belongs to another member" in reply.json["errors"]["text"]
    assert bot.entries()[0].text == "Ann's words"


def test_the_done_button_opens_a_reflection_modal_that_closes_the_action(
    bot: BotUnderTest,
) -> None:
    bot.slack.command("log action g2 Hand the agenda to the team", user=ANN)
    action = bot.entries()[0]
    bot.slack.block_action("complete_action", json.dumps({"entry": action.id}), user=ANN)
    view = bot.standin.last("views.open").args["view"]
    assert view["callback_id"] == "complete_action_modal"
    view_id = bot.standin.open_views()[-1]["id"]
    values = {"text": {"text": InputValue.plain_text("They ran it better than I do")}}
    reply = bot.slack.view_submission("complete_action_modal", values, user=ANN, view_id=view_id)
    assert reply.json["response_action"] == "update"
    done, reflection = bot.entries()
    assert done.action_status == "done"
    assert (reflection.kind, reflection.reflection_of_id, reflection.goal_key) == (
        "reflection",
        action.id,
        "leadership",
    )
    # Submitted again (a double click): still one reflection, and the member sees "done".
    again = bot.slack.view_submission("complete_action_modal", values, user=ANN, view_id=view_id)
    assert again.status == 200 and len(bot.entries()) == 2


def test_the_done_button_on_a_done_action_says_so(bot: BotUnderTest) -> None:
    bot.slack.command("log action g2 Done already", user=ANN)
    action = bot.entries()[0]
    bot.slack.command(f"done {action.id}", user=ANN)
    reply = bot.slack.block_action("complete_action", json.dumps({"entry": action.id}), user=ANN)
    assert f"Action #{action.id} is already done" in bot.answer_text(reply)
    assert bot.standin.calls_to("views.open") == []


def test_another_members_done_and_edit_buttons_are_refused_at_the_click(
    bot: BotUnderTest,
) -> None:
    """A forged or forwarded button opens nothing for the wrong member."""
    bot.slack.command("log action g2 Ann's action", user=ANN)
    action = bot.entries()[0]
    value = json.dumps({"entry": action.id})
    for action_id in ("complete_action", "edit_entry"):
        reply = bot.slack.block_action(action_id, value, user=BEN)
        assert f"Entry #{action.id} belongs to another member" in bot.answer_text(reply)
    goal = json.dumps({"entry": action.id, "goal": "systems"})
    reply = bot.slack.block_action("set_goal:systems", goal, user=BEN)
    assert "belongs to another member" in bot.answer_text(reply)
    assert bot.standin.calls_to("views.open") == []
    assert (bot.entries()[0].goal_key, bot.entries()[0].action_status) == ("leadership", "open")
