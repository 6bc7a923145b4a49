"""A member's words, as they meant them, through the signed endpoint: who can see an entry, as
typed and as changed in one click; the phrasings members really type; whose words are whose
when somebody else saves them; and every unsaved word given back."""

from __future__ import annotations

import itertools
import unicodedata

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
    bot_on_each_store: BotUnderTest, typed: str, visibility: str, said: str
) -> None:
    bot = bot_on_each_store
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


def test_one_click_on_a_one_line_log_changes_who_can_see_it(
    bot_on_each_store: BotUnderTest,
) -> None:
    bot = bot_on_each_store
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


# -- credit where it is due ----------------------------------------------------------------------

MORAG, TAMA = "UMORAG", "UTAMA"


def save_with_the_shortcut(bot: BotUnderTest, message: dict, saver: str, channel: str) -> str:
    """The saver runs *Save to learning log* on ``message`` and submits the form as it opened
    (goal g3): the form's view id."""
    bot.slack.message_action("save_to_learning_log", message, user=saver, channel=channel)
    view = bot.standin.open_views()[-1]
    values = modal_values(message["text"])
    if not any(b.get("block_id") == "visibility" for b in view["blocks"]):
        del values["visibility"]
    bot.slack.view_submission("log_entry", values, user=saver, view_id=view["id"])
    return view["id"]


def dms_to(bot: BotUnderTest, user: str) -> list[dict]:
    return [c.args for c in bot.standin.calls_to("chat.postMessage") if c.args["channel"] == user]


def test_the_shortcut_on_anothers_message_saves_it_as_theirs_and_tells_them(
    bot_on_each_store: BotUnderTest,
) -> None:
    bot = bot_on_each_store
    bot.standin.add_channel("CPUBLIC", "leaders")
    words = bot.slack.message(
        "I rang every volunteer to say thank you", user=MORAG, channel="CPUBLIC"
    )
    view_id = save_with_the_shortcut(bot, words, TAMA, "CPUBLIC")
    form = bot.standin.calls_to("views.open")[-1].args["view"]
    assert "It will be *their* entry, saved by you" in message_text(form)
    assert not any(b.get("block_id") == "visibility" for b in form["blocks"])

    (entry,) = bot.entries()
    assert (entry.user_id, entry.logged_by, entry.visibility, entry.source) == (
        MORAG,
        TAMA,
        "network",
        "shortcut",
    )
    saved = message_text(bot.standin.view(view_id))
    assert f"with <@{MORAG}>'s name" in saved and f"saved by <@{TAMA}>" in saved
    assert f"I've let <@{MORAG}> know by DM" in saved

    (dm,) = dms_to(bot, MORAG)
    assert f"<@{TAMA}> saved your message" in message_text(dm)
    assert [b["text"]["text"] for b in buttons(dm)] == [
        "Keep",
        "Make private",
        "Share anonymously",
        "Edit",
        "Delete",
    ]
    # It is Morag's: in her log as hers, "saved by" Tama; not in Tama's.
    mine = message_text(message_of(bot, bot.slack.command("mine", user=MORAG)))
    assert "I rang every volunteer" in mine and f"saved by <@{TAMA}>" in mine
    assert "I rang every volunteer" not in message_text(
        message_of(bot, bot.slack.command("mine", user=TAMA))
    )
    # Morag makes it private from the DM; Tama's click on her button counts for nothing.
    stored_dm = bot.standin.messages_in(bot.standin.dm_with(MORAG))[-1]
    private = button(dm, "Make private")
    bot.slack.block_action(private["action_id"], private["value"], user=TAMA, message=stored_dm)
    assert bot.entries()[0].visibility == "network"
    clicked = bot.slack.block_action(
        private["action_id"], private["value"], user=MORAG, message=stored_dm
    )
    assert bot.entries()[0].visibility == "private"
    (shown,) = bot.responses(clicked)
    assert "Who can see it: *only you*" in message_text(shown)
    assert shown["replace_original"] is True


def test_keep_leaves_the_entry_as_it_is_and_delete_takes_it_out(bot: BotUnderTest) -> None:
    bot.standin.add_channel("CPUBLIC", "leaders")
    for text in ("First words of mine", "Second words of mine"):
        words = bot.slack.message(text, user=MORAG, channel="CPUBLIC")
        save_with_the_shortcut(bot, words, TAMA, "CPUBLIC")
    first, second = dms_to(bot, MORAG)
    stored = bot.standin.messages_in(bot.standin.dm_with(MORAG))
    keep = button(first, "Keep")
    kept = bot.slack.block_action(keep["action_id"], keep["value"], user=MORAG, message=stored[-2])
    assert "Kept #" in message_text(bot.responses(kept)[-1])
    delete = button(second, "Delete")
    bot.slack.block_action(delete["action_id"], delete["value"], user=MORAG, message=stored[-1])
    assert [(e.text, e.visibility) for e in bot.entries()] == [("First words of mine", "network")]


@pytest.mark.parametrize(
    "place",
    ["dm", "group dm", "private channel"],
)
def test_words_from_a_private_conversation_stay_their_authors_alone(
    bot: BotUnderTest, place: str
) -> None:
    if place == "private channel":
        bot.standin.add_channel("CSECRET", "leaders-only", is_private=True, bot_is_member=False)
        channel = "CSECRET"
    elif place == "group dm":
        bot.standin.add_channel("GMPDM", "mpdm-morag--tama-1", is_private=True, bot_is_member=False)
        channel = "GMPDM"
    else:
        channel = "D0MORAGTAMA"  # a DM between the two of them, which the bot cannot see
    words = bot.slack.message("Between us: I nearly quit last week", user=MORAG, channel=channel)
    view_id = save_with_the_shortcut(bot, words, TAMA, channel)
    assert "only <@UMORAG> will see it, until they share it" in message_text(
        bot.standin.calls_to("views.open")[-1].args["view"]
    )
    (entry,) = bot.entries()
    assert (entry.user_id, entry.logged_by, entry.visibility) == (MORAG, TAMA, "private")
    assert f"Who can see it: *only <@{MORAG}>*" in message_text(bot.standin.view(view_id))
    (dm,) = dms_to(bot, MORAG)
    assert "Who can see it: *only you* until you share it" in message_text(dm)
    labels = [b["text"]["text"] for b in buttons(dm)]
    assert labels == ["Keep", "Share anonymously", "Share with my name", "Edit", "Delete"]
    # Nobody else sees it: not in search, not in the saver's log.
    assert "nearly quit" not in bot.answer_text(bot.slack.command("search quit", user=TAMA))


def test_my_own_message_from_a_private_channel_is_kept_for_me_unless_i_choose(
    bot: BotUnderTest,
) -> None:
    bot.standin.add_channel("CSECRET", "leaders-only", is_private=True, bot_is_member=True)
    words = bot.slack.message("My own note to self", user=ANN, channel="CSECRET")
    bot.slack.message_action("save_to_learning_log", words, user=ANN, channel="CSECRET")
    form = bot.standin.calls_to("views.open")[-1].args["view"]
    visibility = next(b for b in form["blocks"] if b.get("block_id") == "visibility")
    assert visibility["element"]["initial_option"]["value"] == "private"
    assert "kept for you alone unless you choose" in message_text(form)


def test_the_network_channel_is_the_networks_even_when_private(bot: BotUnderTest) -> None:
    bot.standin.add_channel(NETWORK_CHANNEL, "kindness-network", is_private=True)
    bot.services.settings.apply(bot.standin.team_id, {"channel": NETWORK_CHANNEL}, by_user=None)
    words = bot.slack.message("Shared in our channel", user=MORAG, channel=NETWORK_CHANNEL)
    save_with_the_shortcut(bot, words, TAMA, NETWORK_CHANNEL)
    assert bot.entries()[0].visibility == "network"


def test_the_author_away_is_not_dmed_and_the_saver_is_told_so(bot: BotUnderTest) -> None:
    bot.slack.command("away until 2027-01-04", user=MORAG)
    bot.standin.add_channel("CPUBLIC", "leaders")
    words = bot.slack.message("Words while I'm away", user=MORAG, channel="CPUBLIC")
    view_id = save_with_the_shortcut(bot, words, TAMA, "CPUBLIC")
    assert "is away until Mon 4 Jan 2027, so I did not DM them" in message_text(
        bot.standin.view(view_id)
    )
    assert dms_to(bot, MORAG) == []


# -- every word given back -----------------------------------------------------------------------

# What members write, beyond ASCII: emoji (with skin tones, joined sequences, flags), letters
# with combining marks, scripts whose vowels are marks.
PIECES = [
    "Kindness 🙂 at the café (cafe\u0301) ",
    "👩🏽\u200d⚕️ nurses and 🇬🇧🇳🇿 flags ",
    "n\u0303o a\u0300\u0301\u0302 zalgo ",
    "क्षि ภาษาไทย กิ ",
    "🧑‍🤝‍🧑" * 40,
    "\n",
    "word" * 300,  # a long run with no space to cut at
    "\n\n",
]


def member_words(length: int) -> str:
    """Text of at least ``length`` characters, no spaces at either end."""
    text = ""
    while len(text) < length:
        text += "".join(PIECES)
    return text.strip()


def quoted_back(message: dict) -> tuple[list[str], list[str]]:
    """The lines of words a message quotes back, and each section's text."""
    sections = [b["text"]["text"] for b in message["blocks"] if b.get("type") == "section"]
    first = next(i for i, t in enumerate(sections) if t.startswith("Your words"))
    pieces = []
    for text in sections[first:]:
        for line in text.split("\n"):
            if line.startswith("&gt; "):
                pieces.append(line.removeprefix("&gt; "))
    return pieces, sections[first:]


def parted_well(pieces: list[str]) -> bool:
    """No piece starts inside what reads as one character: a mark, a joiner, a skin tone."""
    for before, after in itertools.pairwise(pieces):
        if not before or not after:
            continue
        head, tail = after[0], before[-1]
        if unicodedata.category(head).startswith("M") or head in "\u200d\ufe0f":
            return False
        if tail == "\u200d" or "\U0001f3fb" <= head <= "\U0001f3ff":
            return False
    return True


def test_a_refused_long_entry_comes_back_whole_across_sections(bot: BotUnderTest) -> None:
    words = member_words(4_800)
    reply = bot.slack.command(f"log g1 {words}", user=ANN)
    assert bot.entries() == []
    (answer,) = bot.answers(reply)
    assert bot.standin.check_message(answer) == []  # Slack would show it
    pieces, sections = quoted_back(answer)
    assert "".join(pieces) == words.replace("\n", "")  # every character, in order
    assert parted_well(pieces)
    assert len(sections) >= 2
    for text in sections:
        assert len(text.encode("utf-16-le")) // 2 <= 3000
    assert bot.standin.files == []


def test_forty_thousand_characters_come_back_as_a_file_in_the_members_dm(
    bot: BotUnderTest,
) -> None:
    """A thread reply as long as Slack allows, too long for the log: the note under it says
    where the words are, and the file in the member's DM holds every one of them."""
    prompt = post_prompt(bot)
    words = member_words(40_000)[:40_000].strip()
    assert len(words) >= 39_000 and "\u0301" in words and "🇬🇧" in words
    bot.slack.event(
        bot.slack.message(words, user=ANN, channel=NETWORK_CHANNEL, thread_ts=prompt["ts"])
    )
    assert bot.entries() == []
    (note,) = bot.standin.ephemerals(ANN)
    said = message_text(note)
    assert "the learning log takes up to 4,000" in said
    assert f"all {len(words):,} characters are in a file in our DM, `your-words.txt`" in said
    assert bot.standin.check_message(note) == []
    (upload,) = bot.standin.files
    assert upload.channels == (bot.standin.dm_with(ANN),)
    assert upload.name == "your-words.txt"
    assert upload.content.decode("utf-8") == words  # every character


def test_a_long_command_that_failed_comes_back_as_a_file_too(bot: BotUnderTest) -> None:
    words = member_words(15_000)
    reply = bot.slack.command(f"log g1 {words}", user=ANN)
    (answer,) = bot.answers(reply)
    assert "are in a file in our DM" in message_text(answer)
    assert bot.standin.check_message(answer) == []
    (upload,) = bot.standin.files
    assert upload.content.decode("utf-8") == words


def test_choosing_a_goal_in_the_authors_dm_keeps_the_dm_as_it_was(bot: BotUnderTest) -> None:
    bot.standin.add_user(MORAG, name="morag")
    bot.services.settings.apply(bot.standin.team_id, {"coordinators": TAMA}, by_user=None)
    bot.slack.command("log for <@UMORAG|morag> She stayed late with a family", user=TAMA)
    (dm,) = dms_to(bot, MORAG)
    stored = bot.standin.messages_in(bot.standin.dm_with(MORAG))[-1]
    goal = button(dm, "g4 ")
    clicked = bot.slack.block_action(goal["action_id"], goal["value"], user=MORAG, message=stored)
    assert bot.entries()[0].goal_key == "systems"
    (shown,) = bot.responses(clicked)
    assert buttons(shown)[0]["text"]["text"] == "Keep"
    assert f"<@{TAMA}> logged this for you" in message_text(shown)
