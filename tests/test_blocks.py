"""Block Kit stays inside Slack's limits whatever members write, checked by the stand-in's own
independent validator; members' text is safe to show again."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.blocks import answers, kit, modals, refusals
from bot.blocks.home import home_view
from bot.errors import EntryTooLong
from bot.goals import Framework, Goal, load_framework
from bot.learning_log import EntryView, MyLog, SearchPage
from bot.slack_text import from_plain, neutralise, to_plain, truncate
from sandbox import message_block_errors, view_errors

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
FRAMEWORK = load_framework()
# The worst a member can write: the limit, full of escapes, mentions and links.
HEAVY = ("&amp; <@U0123ABCDE> <https://example.org/a/very/long/path|a link> " * 60)[:4000]


def entry(n: int, text: str = HEAVY, **overrides: object) -> EntryView:
    values = {
        "id": n,
        "kind": "story",
        "goal_key": "relationships",
        "text": text,
        "visibility": "network",
        "source": "slash",
        "author_id": "UANN",
        "is_mine": True,
        "channel_id": "C1",
        "message_ts": "1.0",
        "permalink": "https://x.slack.com/archives/C1/p1",
        "action_status": None,
        "follow_up_at": None,
        "completed_at": None,
        "reflection_of_id": None,
        "prompt_id": None,
        "created_at": NOW,
        "updated_at": NOW,
    }
    values.update(overrides)
    return EntryView(**values)  # type: ignore[arg-type]


def twelve_long_goals() -> Framework:
    goals = tuple(Goal(f"goal-{n}", n, "T" * 60, "S" * 150, ("Q" * 300,)) for n in range(1, 13))
    return Framework("N" * 200, goals, "test")


def test_truncation_never_cuts_an_entity_or_escape() -> None:
    text = "abc <@U0123ABCDE> &amp; more"
    assert truncate(text, 8) == "abc…"
    assert truncate("abcdefg &amp; x", 11) == "abcdefg…"
    assert truncate("short", 10) == "short"
    assert len(truncate(HEAVY, 3000)) <= 3000


def test_broadcast_mentions_are_defused_and_user_mentions_kept() -> None:
    shown = neutralise("<!channel> <!here|here> <!everyone> <!subteam^S1|@leads> @here <@U1>")
    assert "<!" not in shown
    assert "@\u200bchannel" in shown and "@\u200bleads" in shown and "@\u200bhere" in shown
    assert "<@U1>" in shown


def test_plain_text_round_trip() -> None:
    raw = "Budgets < people & <always>"
    assert to_plain(from_plain(raw)) == raw
    assert to_plain("<@U1> see <https://a.b|this> &amp; <#C1|general>") == (
        "@U1 see this (https://a.b) & #general"
    )
    assert to_plain("<https://a.b|this>", markdown_links=True) == "[this](https://a.b)"


def test_fit_cuts_a_long_list_and_says_how_many_were_left_out() -> None:
    blocks = [kit.section(str(n)) for n in range(60)]
    fitted = kit.fit(blocks, 50)
    assert len(fitted) == 50 and fitted[-1]["elements"][0]["text"] == "…and 11 more"


@pytest.mark.parametrize(
    "message",
    [
        answers.mine_message(
            MyLog([entry(n) for n in range(10)], [entry(n, kind="action") for n in range(10)]),
            FRAMEWORK,
        ),
        answers.search_message(
            SearchPage(["x"] * 12, "relationships", [entry(n) for n in range(10)], True, 0),
            FRAMEWORK,
        ),
        answers.saved_message(entry(1, goal_key=None), twelve_long_goals()),
        answers.goals_message(twelve_long_goals()),
        answers.help_message(
            [answers.HelpRow("s" * 500, "e" * 300)] * 12,
            twelve_long_goals(),
            coordinators=[answers.HelpRow("s" * 500, "e" * 300)] * 4,
        ),
        refusals.error_message(EntryTooLong(9999, 4000, text=HEAVY * 3)),
        answers.undone_message(entry(1)),
        answers.thread_saved_message(entry(1), twelve_long_goals()),
        answers.done_message(entry(1, kind="action"), entry(2, kind="reflection"), FRAMEWORK),
    ],
    ids=["mine", "search", "saved", "goals", "help", "error", "undone", "thread", "done"],
)
def test_messages_stay_inside_slacks_limits(message: dict) -> None:
    assert message_block_errors(message["blocks"]) == []
    assert len(message["text"]) <= 3000


@pytest.mark.parametrize(
    "view",
    [
        modals.log_modal(
            twelve_long_goals(), text=HEAVY, source_note=HEAVY, metadata={"permalink": "h" * 500}
        ),
        modals.edit_modal(entry(1), FRAMEWORK, {"home": True}),
        modals.complete_modal(entry(1, kind="action"), FRAMEWORK, {}),
        modals.saved_view(entry(1), FRAMEWORK),
        home_view(
            MyLog([entry(n) for n in range(10)], [entry(n, kind="action") for n in range(10)]),
            [entry(n, is_mine=False) for n in range(10)],
            {f"goal-{n}": n * 1000 for n in range(1, 13)},
            twelve_long_goals(),
        ),
    ],
    ids=["log", "edit", "complete", "saved", "home"],
)
def test_views_stay_inside_slacks_limits(view: dict) -> None:
    assert view_errors(view) == []


def test_a_modal_prefilled_with_escaped_text_shows_it_plain() -> None:
    view = modals.log_modal(FRAMEWORK, text="Tea &amp; cake for &lt;everyone&gt;")
    text_input = next(b for b in view["blocks"] if b.get("block_id") == "text")["element"]
    assert text_input["initial_value"] == "Tea & cake for <everyone>"
    assert text_input["max_length"] == 3000  # Slack's cap for a text input


def test_editing_an_entry_longer_than_a_form_holds_never_shortens_it() -> None:
    view = modals.edit_modal(entry(1, text="x" * 3500), FRAMEWORK, {})
    assert "text" not in {b.get("block_id") for b in view["blocks"]}
    assert "kept as it is" in str(view["blocks"])


def test_no_optional_field_says_optional_twice() -> None:
    """Slack writes "(optional)" after an optional field's label itself."""
    from bot.blocks import modals, rhythm
    from bot.settings import WorkspaceSettings

    settings = WorkspaceSettings(
        "T1", "C1", 0, "10:00", 4, "15:00", "UTC", True, 7, 0, None, "UANN"
    )
    views = [
        modals.log_modal(FRAMEWORK),
        modals.complete_modal(entry(1, kind="action"), FRAMEWORK, {}),
        modals.edit_modal(entry(1), FRAMEWORK, {}),
        rhythm.settings_modal(settings, names_coordinators=True),
    ]
    inputs = [b for view in views for b in view["blocks"] if b["type"] == "input"]
    assert any(b.get("optional") for b in inputs)
    for block in inputs:
        if block.get("optional"):
            assert "optional" not in block["label"]["text"].lower(), block["label"]["text"]
