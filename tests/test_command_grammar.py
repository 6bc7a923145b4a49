"""How the words after a subcommand are read (bot/command_grammar.py), without Slack: an entry's
number, a search's goal, ``done``'s reflection, ``share``'s ``anonymously`` and two
organisations' names. The answers members see are tested through Slack in
test_slack_commands.py."""

from __future__ import annotations

import pytest

from bot.command_grammar import (
    parse_done,
    parse_entry_id,
    parse_share,
    split_goal_filter,
    two_names,
    unescaped,
)
from bot.errors import EntryNotFound, UnknownGoal, UnknownOption
from bot.goals import Framework
from bot.organisations import TwoNamesNeeded


@pytest.mark.parametrize(
    ("typed", "entry_id"),
    [("12", 12), ("#12", 12), (" #7 ", 7), ("123456789012", 123456789012)],
)
def test_an_entry_is_its_number_with_or_without_a_hash(typed: str, entry_id: int) -> None:
    assert parse_entry_id(typed) == entry_id


@pytest.mark.parametrize("typed", ["", "#", "twelve", "12a", "1234567890123", "-3", "1.5"])
def test_anything_else_is_no_entry(typed: str) -> None:
    assert parse_entry_id(typed) is None


def test_done_takes_an_entry_and_what_was_learnt_as_typed() -> None:
    assert parse_done("12 People opened up  once") == (12, "People opened up  once")
    assert parse_done("#12") == (12, None)
    assert parse_done(" 12   ") == (12, None)


def test_done_without_an_entry_is_refused_quoting_the_reflection() -> None:
    with pytest.raises(EntryNotFound) as refused:
        parse_done("yesterday People opened up")
    assert refused.value.text == "People opened up"
    with pytest.raises(EntryNotFound):
        parse_done("")


def test_share_takes_an_entry_and_perhaps_anonymously() -> None:
    assert parse_share("12", anonymously_allowed=True) == (12, False)
    assert parse_share("#12 Anonymously", anonymously_allowed=True) == (12, True)
    assert parse_share("12", anonymously_allowed=False) == (12, False)


@pytest.mark.parametrize(
    ("typed", "allowed", "refusal"),
    [
        ("", True, EntryNotFound),
        ("first", True, EntryNotFound),
        ("12 with my name", True, UnknownOption),
        ("12 anonymously", False, UnknownOption),
    ],
)
def test_share_refuses_what_it_cannot_read(typed: str, allowed: bool, refusal: type) -> None:
    with pytest.raises(refusal):
        parse_share(typed, anonymously_allowed=allowed)


def test_a_goal_number_narrows_a_search(framework: Framework) -> None:
    goal = framework.goals[2]
    assert split_goal_filter(f"listening g{goal.number}", framework) == ("listening", goal.key)
    assert split_goal_filter(f"G{goal.number}", framework) == ("", goal.key)
    assert split_goal_filter("listening well", framework) == ("listening well", None)


def test_a_second_goal_number_is_searched_for_as_a_word(framework: Framework) -> None:
    first, second = framework.goals[0], framework.goals[1]
    typed = f"g{first.number} team g{second.number}"
    assert split_goal_filter(typed, framework) == (f"team g{second.number}", first.key)


def test_a_goal_key_is_searched_for_as_a_word(framework: Framework) -> None:
    key = framework.goals[0].key
    assert split_goal_filter(key, framework) == (key, None)


def test_a_goal_number_that_names_no_goal_is_refused(framework: Framework) -> None:
    with pytest.raises(UnknownGoal) as refused:
        split_goal_filter("listening g9", framework)
    assert refused.value.given == "g9"


@pytest.mark.parametrize(
    "typed",
    ["Fife NHS > NHS Fife", "Fife NHS->NHS Fife", "Fife NHS &gt; NHS Fife", "Fife NHS → NHS Fife"],
)
def test_two_names_around_an_arrow(typed: str) -> None:
    assert two_names(typed, "merge") == ("Fife NHS", "NHS Fife")


@pytest.mark.parametrize("typed", ["", "Fife NHS", "> NHS Fife", "Fife NHS >"])
def test_two_names_are_needed(typed: str) -> None:
    with pytest.raises(TwoNamesNeeded):
        two_names(typed, "rename")


def test_slacks_escapes_are_undone() -> None:
    assert two_names("A &amp; B &gt; A&amp;B", "merge") == ("A & B", "A&B")
    assert unescaped(" Health &lt;Fife&gt; ") == "Health <Fife>"
