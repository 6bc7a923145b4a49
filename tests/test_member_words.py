"""A member's words, as they meant them, through the signed endpoint: who can see an entry, as
typed and as changed in one click; the phrasings members really type; whose words are whose
when somebody else saves them; and every unsaved word given back."""

from __future__ import annotations

import pytest

from bot.blocks.entries import SHOWN_AFTER_LOG, entry_value
from conftest import BotUnderTest, message_text
from slack_helpers import NETWORK_CHANNEL, button, buttons, message_of, modal_values, post_prompt

ANN, BEN = "UANN", "UBEN"

ONLY_YOU = "Who can see it: *only you*."
AS_A_MEMBER = 'Who can see it: *the network, as "a member"*.'
WITH_YOUR_NAME = "Who can see it: *the network, with your name*."


# -- privacy a member can type -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "visibility", "said"),
    [
        ("reflection private I get impatient with my own team", "private", ONLY_YOU),
        ("private reflection I get impatient with my own team", "private", ONLY_YOU),
        ("reflection g3 anonymous I get impatient with my own team", "anonymous", AS_A_MEMBER),
        ("anonymous reflection I get impatient with my own team", "anonymous", AS_A_MEMBER),
        ("reflection network I get impatient with my own team", "network", WITH_YOUR_NAME),
    ],
)
def test_a_visibility_among_the_leading_words_is_who_can_see_the_entry(
    bot: BotUnderTest, typed: str, visibility: str, said: str
) -> None:
    reply = bot.slack.command(f"log {typed}", user=ANN)
    (entry,) = bot.entries()
    assert (entry.kind, entry.visibility, entry.text) == (
        "reflection",
        visibility,
        "I get impatient with my own team",
    )
    answer = bot.answer_text(reply)
    assert said in answer
    word = next(w for w in typed.split() if w in ("private", "anonymous", "network"))
    assert f"`{word}` was read as who can see it" in answer


def test_a_visibility_word_in_the_middle_of_a_sentence_is_just_a_word(bot: BotUnderTest) -> None:
    reply = bot.slack.command("log g3 We met private sector partners, anonymous no more", user=ANN)
    (entry,) = bot.entries()
    assert entry.visibility == "network"
    assert entry.text == "We met private sector partners, anonymous no more"
    assert WITH_YOUR_NAME in bot.answer_text(reply)
    assert "was read as who can see it" not in bot.answer_text(reply)


def test_one_click_on_a_one_line_log_changes_who_can_see_it(bot: BotUnderTest) -> None:
    reply = bot.slack.command("log g3 We listened first", user=ANN)
    message = message_of(bot, reply)
    assert WITH_YOUR_NAME in message_text(message)
    labels = [b["text"]["text"] for b in buttons(message)]
    assert labels[:2] == ["Make private", "Share anonymously"]
    private = button(message, "Make private")
    clicked = bot.slack.block_action(
        private["action_id"], private["value"], user=ANN, message=message
    )
    assert bot.entries()[0].visibility == "private"
    (shown,) = bot.responses(clicked)
    assert shown["replace_original"] is True and ONLY_YOU in message_text(shown)
    assert [b["text"]["text"] for b in buttons(shown)][:2] == [
        "Share anonymously",
        "Share with my name",
    ]


def test_only_the_author_can_change_who_can_see_an_entry(bot: BotUnderTest) -> None:
    bot.slack.command("log g3 Mine to share", user=ANN)
    (entry,) = bot.entries()
    value = entry_value(entry.id, v="anonymous", at=SHOWN_AFTER_LOG)
    forged = bot.slack.block_action("set_visibility:anonymous", value, user=BEN)
    assert bot.entries()[0].visibility == "network"
    assert "belongs to another member" in bot.answer_text(forged)


def test_the_saved_form_says_who_can_see_it_and_changes_it_in_one_click(
    bot: BotUnderTest,
) -> None:
    bot.slack.command("log", user=ANN)
    view_id = bot.standin.open_views()[-1]["id"]
    bot.slack.view_submission(
        "log_entry",
        modal_values("Told with care", visibility="anonymous"),
        user=ANN,
        view_id=view_id,
    )
    saved = bot.standin.view(view_id)
    assert AS_A_MEMBER in message_text(saved)
    private = button(saved, "Make private")
    bot.slack.block_action(private["action_id"], private["value"], user=ANN, view=view_id)
    assert bot.entries()[0].visibility == "private"
    assert ONLY_YOU in message_text(bot.standin.view(view_id))


def test_the_note_under_a_thread_reply_says_who_can_see_it_and_changes_it(
    bot: BotUnderTest,
) -> None:
    prompt = post_prompt(bot)
    reply = bot.slack.message(
        "We sat with them", user=ANN, channel=NETWORK_CHANNEL, thread_ts=prompt["ts"]
    )
    bot.slack.event(reply)
    (note,) = bot.standin.ephemerals(ANN)
    assert WITH_YOUR_NAME in message_text(note)
    anonymous = button(note, "Share anonymously")
    bot.slack.block_action(anonymous["action_id"], anonymous["value"], user=ANN, ephemeral=note)
    assert bot.entries()[0].visibility == "anonymous"
    assert AS_A_MEMBER in message_text(bot.standin.ephemerals(ANN)[-1])


# -- natural forms -------------------------------------------------------------------------------

# What members really type after `/kindness log`, and what each must store:
# (typed, kind, goal, visibility, text).
PHRASINGS = [
    ("g3 We listened first", "story", "relationships", "network", "We listened first"),
    (
        "#g2 Let the team set the rota",
        "story",
        "leadership",
        "network",
        "Let the team set the rota",
    ),
    (
        "g2: Let the team set the rota",
        "story",
        "leadership",
        "network",
        "Let the team set the rota",
    ),
    (
        "action #g2 Step back in meetings",
        "action",
        "leadership",
        "network",
        "Step back in meetings",
    ),
    ("action: Ask each new starter", "action", None, "network", "Ask each new starter"),
    ("story: We walked the ward together", "story", None, "network", "We walked the ward together"),
    ("Story: g3 We walked the ward", "story", "relationships", "network", "We walked the ward"),
    (
        "relationships We sat with the family",
        "story",
        "relationships",
        "network",
        "We sat with the family",
    ),
    (
        "#relationships We sat with the family",
        "story",
        "relationships",
        "network",
        "We sat with the family",
    ),
    (
        "lead with kindness: I asked before deciding",
        "story",
        "leadership",
        "network",
        "I asked before deciding",
    ),
    (
        "Put relationships: We sat with them",
        "story",
        "relationships",
        "network",
        "We sat with them",
    ),
    ("g4 - We scrapped the form", "story", "systems", "network", "We scrapped the form"),
    ("reflection private I get impatient", "reflection", None, "private", "I get impatient"),
    (
        "private reflection g6: Numbers hide stories",
        "reflection",
        "evidence",
        "private",
        "Numbers hide stories",
    ),
    ("anonymous action g2 Step back", "action", "leadership", "anonymous", "Step back"),
    ("g1 anonymously We said it out loud", "story", "purpose", "anonymous", "We said it out loud"),
    ("Private: my own notes", "story", None, "private", "my own notes"),
    (
        "g3: Private sector partners joined us",
        "story",
        "relationships",
        "network",
        "Private sector partners joined us",
    ),
    ("We met private sector partners", "story", None, "network", "We met private sector partners"),
    ("Hold the door for everyone", "story", None, "network", "Hold the door for everyone"),
    ("Note: the team asked for more", "story", None, "network", "Note: the team asked for more"),
    ("story story time", "story", None, "network", "story time"),
    ("Reflection G6 Case matters not", "reflection", "evidence", "network", "Case matters not"),
]


@pytest.mark.parametrize(("typed", "kind", "goal", "visibility", "text"), PHRASINGS)
def test_what_members_type_is_stored_as_they_meant_it(
    bot: BotUnderTest, typed: str, kind: str, goal: str | None, visibility: str, text: str
) -> None:
    reply = bot.slack.command(f"log {typed}", user=ANN)
    (entry,) = bot.entries()
    assert (entry.kind, entry.goal_key, entry.visibility, entry.text) == (
        kind,
        goal,
        visibility,
        text,
    )
    assert "Saved your" in bot.answer_text(reply)


@pytest.mark.parametrize(
    ("typed", "kind", "goal", "visibility"),
    [
        ("g3", "story", "relationships", "network"),
        ("action", "action", None, "network"),
        ("#g2 action", "action", "leadership", "network"),
        ("reflection private g6:", "reflection", "evidence", "private"),
    ],
)
def test_only_leading_words_open_the_form_with_them_chosen(
    bot: BotUnderTest, typed: str, kind: str, goal: str | None, visibility: str
) -> None:
    reply = bot.slack.command(f"log {typed}", user=ANN)
    assert bot.entries() == []
    assert bot.answers(reply) == []  # nothing to read: the form opens
    call = bot.standin.last("views.open")
    assert call.args["trigger_id"] == reply.trigger_id
    chosen = {
        b["block_id"]: (b["element"].get("initial_option") or {}).get("value")
        for b in call.args["view"]["blocks"]
        if b.get("block_id") in ("kind", "goal", "visibility")
    }
    assert chosen == {"kind": kind, "goal": goal, "visibility": visibility}
