"""The selection round's words: the shortlist in the channel, a voter's private answer, the
totals in the thread, the coordinator's DM and forms, and the network's choice."""

from __future__ import annotations

import json
from typing import Any

from bot.blocks import kit
from bot.blocks.entries import goal_name, slack_date
from bot.blocks.kit import Block
from bot.blocks.sharing import ask_button, may_ask
from bot.goals import Framework
from bot.selection import Candidate, RoundTime, RoundView, Vote
from bot.slack_text import one_line
from bot.words import count

VOTE = "selection_vote"  # a story's button on the shortlist (prefix: one id per story)
RECORD_CHOICE = "selection_record"  # the coordinator's button in the DM: opens the form
CHOICE_MODAL = "selection_choice"
PICK_MODAL = "selection_pick"
STORY_LENGTH = 600
WHY_LENGTH = 400
KIND_WORDS = {"story": "Story", "outcome": "Outcome"}


def _who(candidate: Candidate) -> str:
    return f"<@{candidate.author_id}>" if candidate.author_id else "a member"


def _story(candidate: Candidate, framework: Framework, number: int) -> str:
    kind = KIND_WORDS.get(candidate.kind, candidate.kind.capitalize())
    lines = [
        f"*{number}. {kind}* · {goal_name(framework, candidate.goal_key)} · "
        f"{_who(candidate)} · {slack_date(candidate.created_at)}",
        kit.quote(one_line(candidate.text, STORY_LENGTH)),
    ]
    if candidate.why:
        lines.append(f"_Why it matters:_ {one_line(candidate.why, WHY_LENGTH)}")
    return "\n".join(lines)


def vote_value(period: str, entry_id: int) -> str:
    return json.dumps({"period": period, "entry": entry_id}, separators=(",", ":"))


def round_message(
    due: RoundTime, candidates: list[Candidate], framework: Framework
) -> dict[str, Any]:
    """The shortlist in the channel: each story with its *Vote* button."""
    blocks: list[Block] = [
        kit.header(f"Which story mattered most? · {due.label}"),
        kit.section(
            f"Here are {count(len(candidates), 'story')} the network shared in "
            f"{due.label}. Read them, then vote for the one that made the most significant "
            f"difference — what changed, and for whom. Voting closes {slack_date(due.closes_at)}."
        ),
    ]
    for number, candidate in enumerate(candidates, start=1):
        blocks.append(
            kit.section(
                _story(candidate, framework, number),
                accessory=kit.button(
                    f"Vote for {number}",
                    f"{VOTE}:{candidate.entry_id}",
                    vote_value(due.period, candidate.entry_id),
                ),
            )
        )
    blocks.append(
        kit.context(
            "One vote each; click another story to move your vote, or the same one again to "
            "withdraw it. Votes are secret: only the totals are posted here when voting closes. "
            "Private entries are never shortlisted; anonymous ones are shown as “a member”."
        )
    )
    return kit.message(
        blocks,
        f"Which story mattered most in {due.label}? "
        f"{count(len(candidates), 'story')} to vote on until {due.closes_at:%d %b}.",
    )


def vote_answer(vote: Vote) -> dict[str, Any]:
    """What the voter alone sees after a click."""
    if vote.did == "withdrawn":
        return kit.notice(
            f"Your vote for story {vote.position} is withdrawn. Click any story to vote again."
        )
    moved = " (moved from the story you chose before)" if vote.did == "moved" else ""
    return kit.notice(
        f"Your vote is on story {vote.position}{moved}. Only you see this; the totals are "
        "posted when voting closes. Click it again to withdraw it."
    )


def _total_line(number: int, candidate: Candidate) -> str:
    return f"{number}. {count(candidate.votes, 'vote')} — {one_line(candidate.text, 80)}"


def _totals_lines(view: RoundView) -> str:
    lines = [_total_line(number, c) for number, c in enumerate(view.candidates, start=1)]
    return "\n".join(lines)


def totals_message(view: RoundView) -> dict[str, Any]:
    """The totals, posted in the round's thread when it closes."""
    top = max((c.votes for c in view.candidates), default=0)
    leaders = [n for n, c in enumerate(view.candidates, start=1) if top and c.votes == top]
    if not top:
        lead = "Nobody voted this time; a coordinator will choose with the network."
    elif len(leaders) == 1:
        lead = f"Story {leaders[0]} had the most votes."
    else:
        lead = f"Stories {', '.join(map(str, leaders))} tied with the most votes."
    blocks = [
        kit.section(f"*Voting has closed.* {count(view.voters, 'member')} voted. {lead}"),
        kit.section(_totals_lines(view)),
        kit.context("A coordinator will now record the network's choice and its reasons here."),
    ]
    return kit.message(blocks, f"Voting has closed: {count(view.voters, 'member')} voted. {lead}")


def record_request_message(view: RoundView, label: str) -> dict[str, Any]:
    """The DM asking a coordinator to record the network's choice: the totals, with *Ask to
    share* beside each story its author may still be asked to share beyond the network."""
    blocks = [
        kit.section(
            f"The {label} selection round has closed ({count(view.voters, 'member')} voted). "
            "Please record the story the network chose and its reasons — they go into the "
            "impact report as its *most significant change*."
        ),
        *(
            kit.section(
                _total_line(number, c),
                accessory=ask_button(c.entry_id) if may_ask(c) else None,
            )
            for number, c in enumerate(view.candidates, start=1)
        ),
        kit.actions(
            kit.button(
                "Record the network's choice",
                RECORD_CHOICE,
                json.dumps({"period": view.period}, separators=(",", ":")),
                style="primary",
            )
        ),
    ]
    return kit.message(blocks, f"The {label} selection round has closed: record the choice.")


def choice_modal(view: RoundView) -> dict[str, Any]:
    """The coordinator's form: which story, and why the network chose it."""
    options = [
        kit.option(
            f"{number}. {one_line(c.text, 60)}",
            str(c.entry_id),
            description=f"{count(c.votes, 'vote')}",
        )
        for number, c in enumerate(view.candidates, start=1)
    ]
    leader = max(view.candidates, key=lambda c: c.votes, default=None)
    initial = view.chosen.entry_id if view.chosen else (leader.entry_id if leader else None)
    blocks = [
        kit.input_block(
            "The story the network chose",
            kit.static_select(
                "story", options, initial=str(initial) if initial is not None else None
            ),
            block_id="story",
        ),
        kit.input_block(
            "Why the network chose it",
            kit.text_input(
                "reasons",
                multiline=True,
                max_length=3000,
                initial=view.reasons,
                placeholder="What members said: what changed, for whom, and why it matters most",
            ),
            block_id="reasons",
        ),
    ]
    return kit.modal(
        "The network's choice",
        blocks,
        callback_id=CHOICE_MODAL,
        submit="Record",
        private_metadata={"period": view.period},
    )


def choice_recorded_view(view: RoundView) -> dict[str, Any]:
    return kit.modal(
        "The network's choice",
        [kit.section("Recorded. It is posted in the round's thread and goes into the report.")],
        callback_id=f"{CHOICE_MODAL}_done",
        close="Done",
    )


def choice_message(view: RoundView, framework: Framework) -> dict[str, Any]:
    """The network's choice, posted in the round's thread."""
    chosen = view.chosen
    assert chosen is not None
    number = next(
        (n for n, c in enumerate(view.candidates, start=1) if c.entry_id == chosen.entry_id), 0
    )
    blocks = [
        kit.section("*The network's choice*\n" + _story(chosen, framework, number)),
        kit.section(f"*Why the network chose it:* {one_line(view.reasons or '', 2500)}"),
    ]
    return kit.message(blocks, f"The network chose story {number}.")


def nothing_to_choose_message(due: RoundTime) -> dict[str, Any]:
    return kit.notice(
        f"No selection round for {due.label}: nothing was shared as a story or an outcome "
        "in that period (private entries are never shortlisted), so nothing was posted."
    )


def pick_modal(due: RoundTime, stories: list[Candidate], picked: list[int]) -> dict[str, Any]:
    """A coordinator picks the shortlist before the round opens."""
    if not stories:
        return kit.modal(
            "Shortlist",
            [
                kit.section(
                    f"Nothing has been shared as a story or an outcome in {due.label} yet. "
                    "Come back when members have shared some."
                )
            ],
            callback_id=f"{PICK_MODAL}_empty",
            close="Close",
        )
    options = [
        kit.option(f"#{s.entry_id} {one_line(s.text, 60)}", str(s.entry_id)) for s in stories
    ]
    blocks = [
        kit.section(
            f"The round for {due.label} opens {slack_date(due.opens_at)}. Pick up to five "
            "stories for its shortlist; if you pick fewer, the rest are chosen as usual "
            "(with a *why it matters* first)."
        ),
        kit.input_block(
            "Shortlist",
            kit.multi_static_select(
                "stories", options, initial=[str(i) for i in picked], max_selected=5
            ),
            block_id="stories",
            optional=True,
        ),
    ]
    return kit.modal(
        "Shortlist",
        blocks,
        callback_id=PICK_MODAL,
        submit="Save",
        private_metadata={"period": due.period},
    )


def picks_saved_view(due: RoundTime, kept: list[int]) -> dict[str, Any]:
    text = (
        f"Saved: {count(len(kept), 'story')} will lead the {due.label} shortlist."
        if kept
        else f"No picks: the {due.label} shortlist will be chosen as usual."
    )
    return kit.modal(
        "Shortlist", [kit.section(text)], callback_id=f"{PICK_MODAL}_done", close="Done"
    )
