"""``/kindness …`` through the signed endpoint: what is stored and what the member is told."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.blocks.help import SUMMARIES
from bot.db import Database
from bot.learning_log import MAX_TEXT
from conftest import BotUnderTest, FakeClock, _make_bot, message_text
from handlers.commands import SUBCOMMANDS, readme_table, usage_of
from slack_helpers import button, buttons, message_of

ANN, BEN = "UANN", "UBEN"


# -- help, examples and the table --------------------------------------------------------------


def test_help_lists_every_members_command_with_its_example_in_plain_words(
    bot: BotUnderTest,
) -> None:
    text = bot.answer_text(bot.slack.command("help", user=ANN))
    framework = bot.services.framework
    for sub in SUBCOMMANDS:
        shown = sub.summary[:1].upper() + sub.summary[1:] in text
        assert shown != sub.for_coordinators, sub.name
        assert (sub.example_in(framework) in text) != sub.for_coordinators, sub.name
    # No grammar: no usage line, no [optional] or <placeholder> notation, no goal keys.
    assert "[for @member]" not in text and "<text>" not in text and "|goal-key" not in text
    assert "For coordinators" not in text
    assert text.index("Log in one line") < text.index("The network's figures per goal")


def test_a_coordinator_sees_the_coordinators_section_of_the_help_last(
    sqlite_db: Database, clock: FakeClock
) -> None:
    for bot in _make_bot(sqlite_db, clock, KINDNESS_ADMINS=ANN):
        text = bot.answer_text(bot.slack.command("help", user=ANN))
        assert "For coordinators" in text
        assert text.index("For coordinators") > text.index("/kindness stats")
        assert "/kindness export md" in text and "The impact report as a file in your DM" in text


def test_a_slack_admin_gets_the_coordinators_section_after_the_members_help(
    bot: BotUnderTest,
) -> None:
    bot.standin.add_user("UADMIN", name="admin", is_admin=True)
    reply = bot.slack.command("help", user="UADMIN")
    assert "For coordinators" not in message_text(reply.json)
    later = bot.responses(reply)
    assert any("For coordinators" in message_text(m) for m in later)
    assert any("/kindness report since" in message_text(m) for m in later)


@pytest.mark.parametrize("sub", SUBCOMMANDS, ids=lambda s: s.name)
def test_every_example_in_the_help_works(bot: BotUnderTest, sub) -> None:
    bot.slack.command("log action g3 Ask what would help", user=ANN)  # entry #1 for `done 12`-like
    example = sub.example_in(bot.services.framework)
    reply = bot.slack.command(example.removeprefix("/kindness "), user=ANN)
    assert reply.status == 200
    answer = bot.answer_text(reply)
    assert answer, f"{example} got no answer"
    assert "I don't know" not in answer


def test_every_subcommand_says_what_it_does_in_bot_blocks() -> None:
    """The words of help live in bot/blocks/help.py, one line per subcommand of the table."""
    assert list(SUMMARIES) == [sub.name for sub in SUBCOMMANDS]
    assert all(sub.summary == SUMMARIES[sub.name] and sub.summary for sub in SUBCOMMANDS)


def test_the_readme_lists_the_commands_from_the_table() -> None:
    """The members' guide (docs/members.md) holds the generated table, between its markers."""
    guide = (Path(__file__).parent.parent / "docs" / "members.md").read_text()
    table = guide.split("<!-- commands:start -->\n", 1)[1].split("<!-- commands:end -->", 1)[0]
    assert table == readme_table() + "\n"


def test_an_unknown_subcommand_suggests_the_closest_one_with_a_button_that_runs_it(
    bot: BotUnderTest,
) -> None:
    bot.slack.command("log g3 Listening first changed the meeting", user=ANN)
    reply = bot.slack.command("serch listening", user=ANN)
    message = message_of(bot, reply)
    text = message_text(message)
    assert "I don't know `/kindness serch`" in text
    assert "Did you mean `/kindness search listening`?" in text
    assert "/kindness log" not in text  # not followed by the whole help
    yes = button(message, "Yes, do that")
    click = bot.slack.block_action(yes["action_id"], yes["value"], user=ANN, message=message)
    [answer] = bot.responses(click)
    assert "Listening first changed the meeting" in message_text(answer)


def test_a_kind_typed_as_a_subcommand_suggests_log_and_its_button_logs(bot: BotUnderTest) -> None:
    reply = bot.slack.command("story We walked the ward together", user=ANN)
    message = message_of(bot, reply)
    assert "Did you mean `/kindness log story We walked the ward together`?" in message_text(
        message
    )
    assert bot.entries() == []
    yes = button(message, "Yes, do that")
    bot.slack.block_action(yes["action_id"], yes["value"], user=ANN, message=message)
    [entry] = bot.entries()
    assert entry.text == "We walked the ward together" and entry.user_id == ANN


def test_a_word_nothing_comes_close_to_shows_the_help(bot: BotUnderTest) -> None:
    text = bot.answer_text(bot.slack.command("xyzzy"))
    assert "I don't know `/kindness xyzzy`." in text and "What you can do" in text


# -- goals ---------------------------------------------------------------------------------------


def test_goals_lists_each_goal_with_a_button_that_opens_the_modal_for_it(
    bot: BotUnderTest,
) -> None:
    reply = bot.slack.command("goals", user=ANN)
    message = message_of(bot, reply)
    log_for = [b for b in buttons(message) if b["text"]["text"].startswith("Log for")]
    assert [b["text"]["text"] for b in log_for] == [f"Log for g{n}" for n in range(1, 7)]
    assert "Put relationships at the centre" in message_text(message)
    third = log_for[2]
    bot.slack.block_action(third["action_id"], third["value"], user=ANN, message=message)
    opened = bot.standin.last("views.open").args["view"]
    goal = next(b for b in opened["blocks"] if b.get("block_id") == "goal")
    assert goal["element"]["initial_option"]["value"] == "relationships"


# -- log -----------------------------------------------------------------------------------------


def test_log_without_text_opens_the_modal(bot: BotUnderTest) -> None:
    reply = bot.slack.command("log", user=ANN)
    call = bot.standin.last("views.open")
    assert call.args["trigger_id"] == reply.trigger_id
    assert call.args["view"]["callback_id"] == "log_entry"
    assert bot.entries() == []


@pytest.mark.parametrize(
    ("text", "kind", "goal", "stored"),
    [
        ("g3 We listened first", "story", "relationships", "We listened first"),
        (
            "action g2 Let the team set the rota",
            "action",
            "leadership",
            "Let the team set the rota",
        ),
        (
            "reflection evidence Numbers hide the stories",
            "reflection",
            "evidence",
            "Numbers hide the stories",
        ),
        ("Reflection G6 Case matters not", "reflection", "evidence", "Case matters not"),
        ("story systems The form is gone", "story", "systems", "The form is gone"),
    ],
)
def test_a_one_line_log_is_stored_with_kind_and_goal(
    bot: BotUnderTest, text: str, kind: str, goal: str, stored: str
) -> None:
    reply = bot.slack.command(f"log {text}", user=ANN)
    [entry] = bot.entries()
    assert (entry.kind, entry.goal_key, entry.text, entry.source) == (kind, goal, stored, "slash")
    assert (entry.user_id, entry.channel_id, entry.visibility) == (ANN, "C1", "network")
    answer = bot.answer_text(reply)
    assert f"Saved your {kind}" in answer and stored in answer


def test_a_log_without_a_goal_is_saved_then_the_goal_is_asked_for(bot: BotUnderTest) -> None:
    reply = bot.slack.command("log We rewrote the letter", user=ANN)
    [entry] = bot.entries()
    assert entry.goal_key is None and entry.text == "We rewrote the letter"
    message = message_of(bot, reply)
    assert "Which goal is it for?" in message_text(message)
    choice = button(message, "g4 ")
    bot.slack.block_action(choice["action_id"], choice["value"], user=ANN, message=message)
    assert bot.entries()[0].goal_key == "systems"
    replaced = bot.standin.responses()[-1]
    assert replaced["replace_original"] is True
    assert "Which goal is it for?" not in message_text(replaced)


def test_answers_reach_a_dm_through_the_response_url(bot: BotUnderTest) -> None:
    reply = bot.slack.command("log g1 From my DM", user=ANN, channel="D0ANNDM")
    assert "Saved your story" in bot.answer_text(reply)
    assert bot.standin.calls_to("chat.postEphemeral") == []
    assert bot.standin.calls_to("chat.postMessage") == []


def test_an_empty_log_for_a_member_gets_the_usage(bot: BotUnderTest) -> None:
    text = bot.answer_text(bot.slack.command("log for <@UBEN|ben> story g3", user=ANN))
    assert "There is nothing to save yet" in text
    assert f"Usage: `{usage_of('log', bot.services.framework)}`" in text
    assert bot.entries() == []


def test_text_over_the_limit_is_refused_with_the_count_and_quoted_back(bot: BotUnderTest) -> None:
    words = "kind " * 900  # 4,500 characters
    text = bot.answer_text(bot.slack.command(f"log g1 {words}", user=ANN))
    assert "That is 4,499 characters; the learning log takes up to 4,000" in text
    assert "Shorten it by 499 characters" in text
    assert "Your words, so nothing is lost" in text and "&gt; kind kind" in text
    assert bot.entries() == []
    assert len(words.strip()) == 4499 and MAX_TEXT == 4000


def test_an_unknown_goal_is_refused_with_the_choices_and_quoted_back(bot: BotUnderTest) -> None:
    text = bot.answer_text(bot.slack.command("log g9 Kindness in the canteen", user=ANN))
    assert "`g9` is not a goal I know" in text and "`g6`" in text and "`evidence`" in text
    assert "&gt; Kindness in the canteen" in text
    assert bot.entries() == []


# -- mine, edit, delete --------------------------------------------------------------------------


def test_mine_lists_entries_and_open_actions_withbuttons(bot: BotUnderTest) -> None:
    bot.slack.command("log g1 A story", user=ANN)
    bot.slack.command("log action g2 An action", user=ANN)
    bot.slack.command("log g3 Not mine", user=BEN)
    message = message_of(bot, bot.slack.command("mine", user=ANN))
    text = message_text(message)
    assert "A story" in text and "An action" in text and "Not mine" not in text
    labels = [b["text"]["text"] for b in buttons(message)]
    assert labels.count("Edit") == 2 and labels.count("Delete") == 2 and labels.count("Done") == 1


def test_mine_when_empty_offers_to_log(bot: BotUnderTest) -> None:
    message = message_of(bot, bot.slack.command("mine", user=ANN))
    assert "You have not logged anything yet" in message_text(message)
    assert button(message, "Share a story")


def test_the_delete_button_deletes_and_refreshes_the_list(bot: BotUnderTest) -> None:
    bot.slack.command("log g1 Keep this", user=ANN)
    bot.slack.command("log g1 Remove me", user=ANN)
    message = message_of(bot, bot.slack.command("mine", user=ANN))
    doomed = bot.entries()[1]
    delete = next(
        b
        for b in buttons(message)
        if b["text"]["text"] == "Delete" and json.loads(b["value"])["entry"] == doomed.id
    )
    assert delete["confirm"]["confirm"]["text"] == "Delete"
    bot.slack.block_action(delete["action_id"], delete["value"], user=ANN, message=message)
    assert [e.text for e in bot.entries()] == ["Keep this"]
    refreshed = bot.standin.responses()[-1]
    assert refreshed["replace_original"] is True
    assert f"Deleted #{doomed.id}" in message_text(refreshed)
    assert "Remove me" not in message_text(refreshed) and "Keep this" in message_text(refreshed)


def test_a_forged_delete_of_another_members_entry_is_refused(bot: BotUnderTest) -> None:
    bot.slack.command("log g1 Ann's words", user=ANN)
    entry = bot.entries()[0]
    reply = bot.slack.block_action("delete_entry", json.dumps({"entry": entry.id}), user=BEN)
    assert "belongs to another member" in bot.answer_text(reply)
    assert [e.text for e in bot.entries()] == ["Ann's words"]


def test_the_edit_button_opens_the_modal_prefilled(bot: BotUnderTest) -> None:
    bot.slack.command("log action g5 Keep the Friday check-in & the tea", user=ANN)
    message = message_of(bot, bot.slack.command("mine", user=ANN))
    edit = button(message, "Edit")
    bot.slack.block_action(edit["action_id"], edit["value"], user=ANN, message=message)
    view = bot.standin.last("views.open").args["view"]
    assert view["callback_id"] == "edit_entry_modal"
    by_block = {b.get("block_id"): b for b in view["blocks"]}
    assert by_block["text"]["element"]["initial_value"] == "Keep the Friday check-in & the tea"
    assert by_block["kind"]["element"]["initial_option"]["value"] == "action"
    assert by_block["goal"]["element"]["initial_option"]["value"] == "sustain"


# -- done ----------------------------------------------------------------------------------------


def test_done_closes_an_action_with_a_reflection(bot: BotUnderTest) -> None:
    bot.slack.command("log action g3 Phone three families", user=ANN)
    action = bot.entries()[0]
    reply = bot.slack.command(f"done {action.id} They wanted to be asked", user=ANN)
    stored = bot.entries()
    assert stored[0].action_status == "done"
    assert (stored[1].kind, stored[1].text, stored[1].reflection_of_id) == (
        "reflection",
        "They wanted to be asked",
        action.id,
    )
    assert f"Action #{action.id} is done" in bot.answer_text(reply)


def test_done_accepts_a_hash_before_the_number(bot: BotUnderTest) -> None:
    bot.slack.command("log action g3 Phone three families", user=ANN)
    action = bot.entries()[0]
    bot.slack.command(f"done #{action.id}", user=ANN)
    assert bot.entries()[0].action_status == "done"


def test_done_on_an_unknown_entry_says_how_to_find_numbers(bot: BotUnderTest) -> None:
    text = bot.answer_text(bot.slack.command("done 999 what I learnt", user=ANN))
    assert "I can't find entry #999" in text and "/kindness mine" in text
    assert "&gt; what I learnt" in text


def test_done_without_a_number_gets_the_usage(bot: BotUnderTest) -> None:
    text = bot.answer_text(bot.slack.command("done soon", user=ANN))
    assert "Usage: `/kindness done <entry> [reflection]`" in text


def test_done_on_another_members_action_is_refused(bot: BotUnderTest) -> None:
    bot.slack.command("log action g3 Ann's action", user=ANN)
    action = bot.entries()[0]
    text = bot.answer_text(bot.slack.command(f"done {action.id} Ben's words", user=BEN))
    assert f"Entry #{action.id} belongs to another member" in text
    assert "&gt; Ben's words" in text
    assert bot.entries()[0].action_status == "open" and len(bot.entries()) == 1


def test_done_on_a_story_is_refused(bot: BotUnderTest) -> None:
    bot.slack.command("log g1 Just a story", user=ANN)
    story = bot.entries()[0]
    text = bot.answer_text(bot.slack.command(f"done {story.id}", user=ANN))
    assert "is a story, not an action" in text


# -- search --------------------------------------------------------------------------------------


def test_search_shows_the_shared_log_newest_first_without_private_entries(
    bot: BotUnderTest,
) -> None:
    bot.slack.command("log g3 Listening to carers", user=ANN)
    bot.log.add_entry(bot.standin.team_id, BEN, "Listening without a name", visibility="anonymous")
    bot.log.add_entry(bot.standin.team_id, BEN, "Listening in private", visibility="private")
    text = bot.answer_text(bot.slack.command("search listening", user=ANN))
    assert text.index("Listening without a name") < text.index("Listening to carers")
    assert "a member" in text and "<@UBEN>" not in text
    assert "Listening in private" not in text


def test_search_narrowed_to_a_goal_and_paged(bot: BotUnderTest) -> None:
    for n in range(12):
        bot.log.add_entry(bot.standin.team_id, ANN, f"trust story {n}", goal="g2")
    bot.log.add_entry(bot.standin.team_id, ANN, "trust elsewhere", goal="g4")
    reply = bot.slack.command("search trust g2", user=BEN)
    message = message_of(bot, reply)
    text = message_text(message)
    assert "trust story 11" in text and "trust story 2" in text
    assert "trust story 1\n" not in text and "trust elsewhere" not in text
    more = button(message, "More results")
    bot.slack.block_action(more["action_id"], more["value"], user=BEN, message=message)
    second = message_text(bot.standin.responses()[-1])
    assert "trust story 1" in second and "trust story 0" in second and "11–12" in second


def test_search_without_words_says_what_to_type(bot: BotUnderTest) -> None:
    text = bot.answer_text(bot.slack.command("search", user=ANN))
    assert "Give me a word or two to search for" in text


def test_search_finding_nothing_says_so(bot: BotUnderTest) -> None:
    text = bot.answer_text(bot.slack.command("search unicorns", user=ANN))
    assert "Nothing in the learning log matches *unicorns*" in text


# -- nudges and forget-me ------------------------------------------------------------------------


def test_nudges_off_and_on_are_remembered(bot: BotUnderTest) -> None:
    team = bot.standin.team_id
    assert "Nudges are *off*" in bot.answer_text(bot.slack.command("nudges off", user=ANN))
    assert not bot.log.nudges_enabled(team, ANN)
    assert "Your nudges are *off*" in bot.answer_text(bot.slack.command("nudges", user=ANN))
    bot.slack.command("nudges ON", user=ANN)
    assert bot.log.nudges_enabled(team, ANN)


def test_forget_me_asks_first_then_deletes_everything_of_mine(bot: BotUnderTest) -> None:
    bot.slack.command("log g1 One", user=ANN)
    bot.slack.command("log g1 Two", user=ANN)
    bot.slack.command("log g1 Ben's", user=BEN)
    message = message_of(bot, bot.slack.command("forget-me", user=ANN))
    assert "all 2 of your entries" in message_text(message)
    assert len(bot.entries()) == 3  # nothing happens before the confirmation
    confirm = button(message, "Delete all 2 entries")
    assert confirm["style"] == "danger" and "confirm" in confirm
    bot.slack.block_action(confirm["action_id"], confirm["value"], user=ANN, message=message)
    assert [e.text for e in bot.entries()] == ["Ben's"]
    assert "deleted 2 entries" in message_text(bot.standin.responses()[-1])


def test_forget_me_with_nothing_logged(bot: BotUnderTest) -> None:
    text = bot.answer_text(bot.slack.command("forget-me", user=ANN))
    assert "You have no entries" in text


# -- safety ----------------------------------------------------------------------------------------


def test_text_shown_again_can_never_ping_a_channel_or_group(bot: BotUnderTest) -> None:
    bot.slack.command(
        "log g1 <!channel> look <!here> and <!everyone> and <!subteam^S0LEADS|@leads>", user=ANN
    )
    reply = bot.slack.command("search look", user=BEN)
    shown = json.dumps(bot.answers(reply))
    for ping in ("<!channel>", "<!here>", "<!everyone>", "<!subteam^"):
        assert ping not in shown
    assert "@\\u200bchannel" in shown and "@\\u200bleads" in shown
