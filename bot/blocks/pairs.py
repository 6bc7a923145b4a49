"""Every word of peer pairs: a member's yes or no, the group DM's opening, its reminder, the
answers to *We met* and *Couldn't this time*, *What will you try?*, and the coordinator's
figures — which never say who met whom.

Action ids here are the contract with ``handlers/pairs.py``; each button carries its pair as
``{"pair": id}``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from bot.blocks import kit
from bot.blocks.controls import day
from bot.blocks.kit import Block
from bot.blocks.modals import VISIBILITY_LABELS
from bot.goals import Goal
from bot.members import MemberStatus
from bot.pairs import Introduction, PairFigures
from bot.slack_text import neutralise, one_line
from bot.words import count

PAIR_MET = "pair_met"
PAIR_MISSED = "pair_missed"
PAIR_TRY = "pair_try"  # opens *What will you try?*
PAIR_SWITCH = "pair_switch"  # App Home: value "on" or "off"
TRY_MODAL = "pair_try_modal"
SHARED_PREVIEW = 200


def _value(pair_id: int) -> str:
    return f'{{"pair":{pair_id}}}'


# -- a member's yes or no --------------------------------------------------------------------


def pairs_message(
    status: MemberStatus, *, changed: bool, next_round: date | None
) -> dict[str, Any]:
    """``/kindness pairs [on|off]``: where the member stands, and what happens next."""
    when = f" The next round begins on *{day(next_round)}*." if next_round else ""
    if status.pairs:
        text = (
            "You're in *peer pairs*: each round I introduce you to another member — from "
            "another organisation where I can — in a group DM, with a question on the week's "
            f"goal.{when or ' The coordinators have not set a day for rounds yet.'} "
            "`/kindness pairs off` stops it."
        )
        if changed:
            text = "Thank you for saying yes. " + text
        if status.away_until is not None:
            text += f" (You're away until {day(status.away_until)}: no round before then.)"
    elif changed:
        text = (
            "You're out of peer pairs: nobody will be paired with you, and no reminder will "
            "chase you. `/kindness pairs on` brings you back."
        )
    else:
        text = (
            "*Peer pairs*: every round, two members — from different organisations where "
            "possible — meet for support and challenge on the week's goal. Nobody is paired "
            f"without saying yes: `/kindness pairs on`.{when}"
        )
    return kit.notice(text)


def pairs_home_blocks(status: MemberStatus) -> list[Block]:
    """App Home's switch."""
    if status.pairs:
        line = "*Peer pairs:* you're in · a group DM each round with another member"
        switch = kit.button("Leave peer pairs", PAIR_SWITCH, "off")
    else:
        line = "*Peer pairs:* not yet · meet another member each round, across organisations"
        switch = kit.button("Join peer pairs", PAIR_SWITCH, "on", style="primary")
    return [kit.section(line, accessory=switch, block_id="home_pairs")]


# -- the group DM ----------------------------------------------------------------------------


def _answer_buttons(pair_id: int) -> Block:
    return kit.actions(
        kit.button("We met", PAIR_MET, _value(pair_id), style="primary"),
        kit.button("Couldn't this time", PAIR_MISSED, _value(pair_id)),
        block_id=f"pair_answer_{pair_id}",
    )


def _introduction(person: Introduction) -> str:
    who = f"*Meet* <@{person.user_id}>"
    if person.organisation:
        who += f" · {neutralise(person.organisation)}"
    if person.last_shared:
        return who + "\nLast shared:\n" + kit.quote(one_line(person.last_shared, SHARED_PREVIEW))
    return who


def opening_message(
    pair_id: int,
    people: Sequence[Introduction],
    goal: Goal,
    question: str,
    *,
    ends_on: date,
) -> dict[str, Any]:
    """The first message in a pair's group DM."""
    three = len(people) > 2
    blocks: list[Block] = [
        kit.header("Your peer pair this round" if not three else "Your peer trio this round"),
        kit.section(
            "Hello! You said yes to peer pairs, so I'm introducing you to each other — "
            "someone to support you, and to ask the question that helps you act."
        ),
        *[kit.section(_introduction(person)) for person in people],
        kit.divider(),
        kit.section(f"*This round's goal · g{goal.number} {goal.title}*\n{goal.summary}"),
        kit.section(f"*Support and challenge:* {question}\nAnd then: what will each of you try?"),
        kit.context(
            f"Find half an hour before {day(ends_on)} — a call, a walk, a coffee. "
            "Then tell me how it went:"
        ),
        _answer_buttons(pair_id),
    ]
    names = " and ".join(f"<@{p.user_id}>" for p in people)
    return kit.message(
        blocks, f"Your peer pair this round: {names}, on g{goal.number} {goal.title}. {question}"
    )


def alone_message(goal: Goal, next_round: date | None) -> dict[str, Any]:
    """To the only member who said yes this round."""
    later = f" The next round begins on {day(next_round)}." if next_round else ""
    return kit.notice(
        "This round of peer pairs, you're the only one who said yes — so there is nobody to "
        f"pair you with this time. Thank you for being ready.{later} Meanwhile this round's "
        f"goal is *g{goal.number} {goal.title}*: `/kindness log action g{goal.number} …` "
        "keeps what you will try."
    )


def reminder_message(pair_id: int, goal: Goal, ends_on: date) -> dict[str, Any]:
    text = (
        f"A gentle nudge: half the round has gone. If you haven't met yet, there is still "
        f"time before {day(ends_on)} to talk about g{goal.number} {goal.title}. "
        "And if it didn't work out this time, that's fine — just say so."
    )
    return kit.message([kit.section(text), _answer_buttons(pair_id)], text)


def met_message(pair_id: int, user_id: str, goal: Goal) -> dict[str, Any]:
    """After *We met*: each member of the pair may log what they will try."""
    text = (
        f"<@{user_id}> says you met — thank you both. Each of you: what will you try on "
        f"g{goal.number} {goal.title}? I'll follow it up with you, like any action."
    )
    return kit.message(
        [
            kit.section(text),
            kit.actions(
                kit.button("What will you try?", PAIR_TRY, _value(pair_id), style="primary"),
                block_id=f"pair_try_{pair_id}",
            ),
        ],
        text,
    )


def missed_message(user_id: str) -> dict[str, Any]:
    return kit.notice(
        f"<@{user_id}> says you couldn't meet this time. No matter — life is busy. You'll be "
        "paired again next round."
    )


def try_modal(pair_id: int, goal: Goal) -> dict[str, Any]:
    blocks = [
        kit.section(f"*g{goal.number} {goal.title}*\n{goal.summary}"),
        kit.input_block(
            "What will you try?",
            kit.text_input(
                "text",
                multiline=True,
                max_length=kit.INPUT_MAX_LENGTH,
                placeholder="One practical thing, before the network next meets.",
            ),
            block_id="text",
        ),
        kit.input_block(
            "Who can see it?",
            kit.radio_buttons(
                "visibility",
                [kit.option(label, v, text) for v, (label, text) in VISIBILITY_LABELS.items()],
                initial="network",
            ),
            block_id="visibility",
        ),
        kit.context("Saved as an action under this goal; I'll ask you how it went."),
    ]
    return kit.modal(
        "What will you try?",
        blocks,
        callback_id=TRY_MODAL,
        submit="Save",
        private_metadata={"pair": pair_id},
    )


# -- what a coordinator sees -----------------------------------------------------------------


def figures_lines(figures: PairFigures) -> str:
    """Rounds, pairs, the share that met and actions from pairs: never who met whom."""
    if not figures.rounds:
        return "*Peer pairs:* no round in this period."
    share = figures.met_share
    met = f"{share:.0%} said they met" if share is not None else "none said they met"
    return (
        f"*Peer pairs:* {count(figures.rounds, 'round')}, {count(figures.pairs, 'pair')}; "
        f"{met}; {count(figures.actions, 'action')} logged from pairs."
    )
