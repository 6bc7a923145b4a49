"""Thread replies to the bot's prompts, Slack's retries, edits and deletions; the shortcut;
App Home."""

from __future__ import annotations

import json

import pytest

from conftest import BotUnderTest, message_text
from slack_helpers import NETWORK_CHANNEL as CHANNEL
from slack_helpers import modal_values, post_prompt

ANN, BEN = "UANN", "UBEN"


@pytest.fixture
def prompt(bot: BotUnderTest) -> dict:
    """A weekly prompt for goal 3 in the network channel, as the bot posted it."""
    return post_prompt(bot)


def reply_to(bot: BotUnderTest, prompt: dict, text: str, user: str = ANN) -> dict:
    return bot.slack.message(text, user=user, channel=CHANNEL, thread_ts=prompt["ts"])


def test_a_reply_in_a_prompt_thread_is_logged_under_its_goal(
    bot: BotUnderTest, prompt: dict
) -> None:
    event = reply_to(bot, prompt, "I sat with a family for an hour, no agenda")
    assert bot.slack.event(event).status == 200
    [entry] = bot.entries()
    assert (entry.kind, entry.goal_key, entry.source, entry.user_id) == (
        "story",
        "relationships",
        "thread",
        ANN,
    )
    assert (entry.channel_id, entry.message_ts) == (CHANNEL, event["ts"])
    assert entry.permalink and event["ts"].replace(".", "") in entry.permalink
    assert entry.prompt_id is not None
    reaction = bot.standin.last("reactions.add").args
    assert (reaction["channel"], reaction["timestamp"]) == (CHANNEL, event["ts"])
    note = bot.standin.last("chat.postEphemeral").args
    assert (note["user"], note["thread_ts"]) == (ANN, prompt["ts"])
    assert "Undo" in json.dumps(note["blocks"]) and "g3 Put relationships" in note[
        "text"
    ] + json.dumps(note["blocks"])


def test_a_retried_event_stores_one_entry_and_acknowledges_once(
    bot: BotUnderTest, prompt: dict
) -> None:
    event = reply_to(bot, prompt, "Said once, delivered twice")
    bot.slack.event(event, event_id="Ev0RETRY1")
    bot.slack.event(event, event_id="Ev0RETRY1", retry_num=1)
    assert len(bot.entries()) == 1
    assert len(bot.standin.calls_to("reactions.add")) == 1
    assert len(bot.standin.calls_to("chat.postEphemeral")) == 1


def test_a_reply_stored_but_not_noted_is_noted_when_slack_sends_it_again(
    bot: BotUnderTest, prompt: dict
) -> None:
    bot.expect_errors = True  # the note that did not go out is logged
    event = reply_to(bot, prompt, "Stored, then the note failed")
    bot.standin.fail_next("chat.postEphemeral", error="fatal_error")
    assert bot.slack.event(event, event_id="Ev0NOTED1").status == 200
    assert len(bot.entries()) == 1 and bot.standin.ephemerals(ANN) == []
    [entry] = bot.entries()
    assert entry.noted_at is None

    bot.slack.event(event, event_id="Ev0NOTED1", retry_num=1)
    bot.slack.event(event, event_id="Ev0NOTED2")  # the same message under another event id
    assert len(bot.entries()) == 1
    [note] = bot.standin.ephemerals(ANN)
    assert f"#{entry.id}" in note["text"]
    assert bot.entries()[0].noted_at is not None


def test_a_redelivered_message_with_a_new_event_id_stores_one_entry(
    bot_on_each_store: BotUnderTest,
) -> None:
    bot = bot_on_each_store
    prompt = post_prompt(bot)
    event = reply_to(bot, prompt, "Same message, another delivery")
    bot.slack.event(event, event_id="Ev0FIRST")
    bot.slack.event(event, event_id="Ev0SECOND", retry_num=2, retry_reason="http_error")
    assert [e.text for e in bot.entries()] == ["Same message, another delivery"]


def test_replies_elsewhere_and_non_member_messages_are_ignored(
    bot: BotUnderTest, prompt: dict
) -> None:
    other_thread = bot.slack.message("A thread of its own", user=BEN, channel=CHANNEL)
    events = [
        bot.slack.message(
            "In another thread", user=ANN, channel=CHANNEL, thread_ts=other_thread["ts"]
        ),
        bot.slack.message("Top-level message", user=ANN, channel=CHANNEL),
        {**reply_to(bot, prompt, "From another bot"), "bot_id": "B0OTHER"},
        {**reply_to(bot, prompt, "<@UANN> has joined"), "subtype": "channel_join"},
        {
            **reply_to(bot, prompt, "Broadcast, still a member's words"),
            "subtype": "thread_broadcast",
        },
    ]
    for event in events:
        assert bot.slack.event(event).status == 200
    assert [e.text for e in bot.entries()] == ["Broadcast, still a member's words"]


def test_editing_the_reply_in_slack_updates_the_entry(bot: BotUnderTest, prompt: dict) -> None:
    event = reply_to(bot, prompt, "Frist draft")
    bot.slack.event(event)
    bot.slack.event(
        bot.slack.message_changed("First draft", user=ANN, channel=CHANNEL, ts=event["ts"])
    )
    assert [e.text for e in bot.entries()] == ["First draft"]


def test_deleting_the_reply_in_slack_removes_the_entry(bot: BotUnderTest, prompt: dict) -> None:
    event = reply_to(bot, prompt, "Second thoughts")
    bot.slack.event(event)
    bot.slack.event(bot.slack.message_deleted(channel=CHANNEL, ts=event["ts"]))
    assert bot.entries() == []


def test_undo_removes_the_entry_and_gives_the_words_back(bot: BotUnderTest, prompt: dict) -> None:
    bot.slack.event(reply_to(bot, prompt, "Oops, not for the log"))
    entry = bot.entries()[0]
    note = bot.standin.last("chat.postEphemeral").args
    message = {"ts": "1700000000.000009", "blocks": note["blocks"], "text": note["text"]}
    undo = next(
        e
        for b in note["blocks"]
        for e in b.get("elements", [])
        if e.get("text", {}).get("text") == "Undo"
    )
    reply = bot.slack.block_action(
        undo["action_id"], undo["value"], user=ANN, message=message, channel=CHANNEL
    )
    assert bot.entries() == []
    answer = bot.answer_text(reply)
    assert f"Removed #{entry.id}" in answer and "&gt; Oops, not for the log" in answer


def test_a_reply_over_the_limit_is_explained_and_stays_in_the_thread(
    bot: BotUnderTest, prompt: dict
) -> None:
    bot.slack.event(reply_to(bot, prompt, "long " * 1000))
    assert bot.entries() == []
    note = bot.standin.last("chat.postEphemeral").args
    assert "the learning log takes up to 4,000" in json.dumps(note["blocks"])
    assert bot.standin.calls_to("reactions.add") == []


# -- the message shortcut ------------------------------------------------------------------------


def test_the_shortcut_opens_the_modal_with_the_message_and_its_link(bot: BotUnderTest) -> None:
    bot.standin.add_channel(CHANNEL, "kindness-network")
    original = bot.slack.message("A kindness &amp; a cup of tea", user=BEN, channel=CHANNEL)
    bot.slack.message_action("save_to_learning_log", original, user=ANN, channel=CHANNEL)
    view = bot.standin.last("views.open").args["view"]
    by_block = {b.get("block_id"): b for b in view["blocks"]}
    assert by_block["text"]["element"]["initial_value"] == "A kindness & a cup of tea"
    permalink = bot.standin.last("chat.getPermalink")
    assert permalink.ok and "<https://" in message_text(view) and "<@UBEN>" in message_text(view)
    view_id = bot.standin.open_views()[-1]["id"]
    bot.slack.view_submission(
        "log_entry", modal_values("A kindness & a cup of tea"), user=ANN, view_id=view_id
    )
    [entry] = bot.entries()
    assert (entry.source, entry.user_id, entry.channel_id, entry.message_ts) == (
        "shortcut",
        BEN,  # Ben's words: his entry, saved by Ann
        CHANNEL,
        original["ts"],
    )
    assert entry.logged_by == ANN
    assert entry.permalink and entry.permalink.startswith("https://")


def test_the_shortcut_in_a_prompt_thread_presets_the_goal(bot: BotUnderTest, prompt: dict) -> None:
    reply = reply_to(bot, prompt, "Worth keeping")
    bot.slack.message_action("save_to_learning_log", reply, user=BEN, channel=CHANNEL)
    view = bot.standin.last("views.open").args["view"]
    goal = next(b for b in view["blocks"] if b.get("block_id") == "goal")
    assert goal["element"]["initial_option"]["value"] == "relationships"


# -- App Home --------------------------------------------------------------------------------------


def test_home_shows_my_log_open_actions_the_networks_latest_and_figures(bot: BotUnderTest) -> None:
    team = bot.standin.team_id
    bot.log.add_entry(team, ANN, "My story", goal="g1")
    bot.log.add_entry(team, ANN, "My action", kind="action", goal="g2")
    bot.log.add_entry(team, BEN, "Ben shared this", goal="g3")
    bot.log.add_entry(team, BEN, "Ben kept this private", goal="g3", visibility="private")
    bot.slack.event(bot.slack.app_home_opened(ANN))
    home = bot.standin.home_view(ANN)
    text = message_text(home)
    assert "My story" in text and "My action" in text and "Ben shared this" in text
    assert "Ben kept this private" not in text
    assert "Your open actions (1)" in text
    assert "3 shared entries" in text
    labels = [
        e["text"]["text"]
        for b in home["blocks"]
        for e in b.get("elements", [])
        if e.get("type") == "button"
    ]
    assert {"Share a story", "Commit to an action", "Reflect"} <= set(labels)


def test_logging_from_home_refreshes_home(bot: BotUnderTest) -> None:
    bot.slack.event(bot.slack.app_home_opened(ANN))
    home_id = bot.standin.home_view(ANN)["id"]
    button = next(
        e
        for b in bot.standin.home_view(ANN)["blocks"]
        for e in b.get("elements", [])
        if e.get("text", {}).get("text") == "Commit to an action"
    )
    bot.slack.block_action(button["action_id"], button["value"], user=ANN, view=home_id)
    view = bot.standin.last("views.open").args["view"]
    kind = next(b for b in view["blocks"] if b.get("block_id") == "kind")
    assert kind["element"]["initial_option"]["value"] == "action"
    bot.slack.view_submission(
        "log_entry",
        modal_values("Ask the new starters", kind="action"),
        user=ANN,
        view_id=bot.standin.open_views()[-1]["id"],
    )
    assert "Ask the new starters" in message_text(bot.standin.home_view(ANN))
