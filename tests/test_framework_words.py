"""A network with a framework of its own never sees the default framework's words: usage
lines, help, examples, the digest's title, prompts and answers all come from its goals."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.db import Database
from bot.goals import load_framework
from bot.slack.client import WebApiSlack, make_client
from conftest import BotUnderTest, FakeClock, _make_bot, message_text
from handlers.commands import SUBCOMMANDS
from schedules.nudges import send_nudges
from schedules.prompt import post_weekly_prompt
from slack_helpers import NETWORK_CHANNEL

ANN, COORD = "UANN", "UCOORD"
THREE_GOALS = """
name = "Community Care Circle"

[[goals]]
key = "listen"
number = 1
title = "Listen first"
summary = "Hear people out before deciding anything for them."
questions = ["Who did you really hear this week?"]

[[goals]]
key = "include"
number = 2
title = "Nobody left out"
summary = "Notice who is missing and bring them in."
questions = ["Who was missing from a conversation this week?"]

[[goals]]
key = "follow-through"
number = 3
title = "Follow through"
summary = "Do what we said we would, and say when we cannot."
questions = ["What did you follow through on this week?"]
"""


@pytest.fixture
def bot(sqlite_db: Database, clock: FakeClock, tmp_path: Path) -> Iterator[BotUnderTest]:
    goals = tmp_path / "ours.toml"
    goals.write_text(THREE_GOALS)
    yield from _make_bot(sqlite_db, clock, KINDNESS_GOALS_FILE=str(goals))


def default_words() -> list[str]:
    """What only the default framework says: its titles, its keys as typed, its name, the
    goal numbers a three-goal network does not have, and the default digest title."""
    default = load_framework()
    words = [g.title for g in default.goals] + [f"`{g.key}`" for g in default.goals]
    return [*words, default.name, "g1..g6", "The week in kindness"]


def assert_none_of_the_defaults(text: str) -> None:
    for word in default_words():
        assert word not in text, f"the default framework's {word!r} shows"
    assert not re.search(r"\bg[4-9]\b", text), re.search(r".{40}\bg[4-9]\b.{40}", text)


def test_every_usage_example_and_answer_speaks_of_the_networks_own_goals(
    bot: BotUnderTest, clock: FakeClock
) -> None:
    framework = bot.services.framework
    assert framework.numbers_hint() == "g1..g3" and framework.example.number == 3
    bot.services.settings.apply(bot.standin.team_id, {"coordinators": COORD}, by_user=None)
    help_text = bot.answer_text(bot.slack.command("help", user=ANN))
    assert "g3 Follow through" in help_text and "search listening g3" in help_text
    seen = [help_text]
    for sub in SUBCOMMANDS:
        for user in (ANN, COORD):
            reply = bot.slack.command(
                sub.example_in(framework).removeprefix("/kindness "), user=user
            )
            seen.append(bot.answer_text(reply))
    for text in seen:
        assert_none_of_the_defaults(text)
    # Refusals name the network's goals too (after quoting what the member typed).
    for typed in ("log g9 Something", "mine g7", "search g5"):
        refusal = bot.answer_text(bot.slack.command(typed, user=ANN))
        assert "Use one of: `g1`, `g2`, `g3`, `listen`, `include`, `follow-through`." in refusal
        assert "g1..g6" not in refusal and "`g4`" not in refusal


def test_the_digest_prompt_and_welcome_use_the_networks_name_and_goals(
    bot: BotUnderTest, clock: FakeClock
) -> None:
    team = bot.standin.team_id
    bot.standin.add_channel(NETWORK_CHANNEL, "care-circle")
    bot.standin.add_user(ANN, name="ann", tz="Europe/London")
    bot.services.settings.apply(team, {"channel": NETWORK_CHANNEL}, by_user=None)
    bot.slack.command("prompts dm", user=ANN)
    for number in (1, 2, 3):
        bot.slack.command(f"log g{number} A story for goal {number}", user=ANN)
    client = WebApiSlack(make_client(bot.services.config, backoff=0.01))
    monday = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
    clock.set(monday)
    post_weekly_prompt(bot.services, client, team, now=monday)
    clock.set(monday + timedelta(minutes=5))
    send_nudges(bot.services, client, team, clock.now)
    bot.slack.event(bot.slack.member_joined_channel(user="UNEW", channel=NETWORK_CHANNEL))

    digest = bot.answer_text(bot.slack.command("digest", user=ANN))  # the preview
    assert "Community Care Circle · " in digest
    shown = [
        digest,
        *(message_text(m) for m in bot.standin.messages_in(NETWORK_CHANNEL)),
        *(message_text(m) for m in bot.standin.messages_in(bot.standin.dm_with(ANN))),
        *(message_text(e) for e in bot.standin.ephemerals()),
    ]
    assert any("Listen first" in text for text in shown[1:])  # the prompt, in both places
    for text in shown:
        assert_none_of_the_defaults(text)


def test_a_framework_whose_goals_are_not_numbered_from_one_lists_each_number(
    tmp_path: Path,
) -> None:
    goals = tmp_path / "gaps.toml"
    goals.write_text(
        THREE_GOALS.replace("number = 3", "number = 9")
        .replace("number = 2", "number = 5")
        .replace("number = 1", "number = 2")
    )
    framework = load_framework(str(goals))
    assert framework.numbers_hint() == "g2|g5|g9"
    assert framework.example.number == 9
    assert framework.digest_title == "Community Care Circle"  # the name, when not given


def test_a_framework_names_its_digest(tmp_path: Path) -> None:
    goals = tmp_path / "titled.toml"
    goals.write_text(
        THREE_GOALS.replace(
            'name = "Community Care Circle"', 'name = "C"\ndigest_title = "Circle news"'
        )
    )
    assert load_framework(str(goals)).digest_title == "Circle news"
    assert load_framework().digest_title == "The week in kindness"
