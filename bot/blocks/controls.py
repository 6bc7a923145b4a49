"""What members and coordinators see of their everyday controls: away until a date, prompts
by DM, the journal over a range and its file, logging for someone, the welcome to the
channel, and participation for coordinators.

Action ids here are the contract with ``handlers/controls.py``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from typing import Any

from bot.blocks import kit
from bot.blocks.entries import (
    KIND_LABELS,
    UNDO_ENTRY,
    entry_actions,
    entry_block,
    entry_value,
    goal_name,
    goal_picker,
    log_buttons,
)
from bot.blocks.kit import Block
from bot.blocks.organisations import welcome_line
from bot.goals import Framework
from bot.journal import EXPORT_FORMATS, JournalPage, MyExport
from bot.learning_log import EntryView
from bot.members import MemberStatus
from bot.participation import Participation
from bot.words import count

MEMBER_BACK = "member_back"  # App Home: away off
PROMPTS_DM = "prompts_dm"  # App Home: prompts by DM on (value "dm") or off ("channel")
JOURNAL_MORE = "journal_more"  # a journal page's "Older entries"
MAX_NAMES = 25  # members named in one participation list before "…and N more"


def day(value: date) -> str:
    """``Mon 4 Jan 2027``: a calendar date, the same for every reader."""
    return f"{value:%a} {value.day} {value:%b %Y}"


# -- away and prompts by DM ----------------------------------------------------------------------


def away_message(status: MemberStatus, *, changed: bool) -> dict[str, Any]:
    if status.away_until is not None:
        text = (
            f"You're away until *{day(status.away_until)}*: no DMs from me before then — no "
            "nudges, no follow-ups, no prompts by DM. It ends by itself; "
            "`/kindness away off` ends it now."
        )
        if changed:
            text = "Noted. " + text
    elif changed:
        text = "Welcome back: DMs are on again (nudges and follow-ups" + (
            ", and the weekly prompt by DM)." if status.prompts_by_dm else ")."
        )
    else:
        text = (
            "You're not away. `/kindness away until 2027-01-04` (or `away for 2 weeks`) pauses "
            "every DM from me until that date."
        )
    return kit.notice(text)


def prompts_message(status: MemberStatus, *, changed: bool) -> dict[str, Any]:
    if status.prompts_by_dm:
        text = (
            "You get the weekly prompt *by DM* as well as in the network channel — at a kind "
            "hour in your time zone. Reply to it in our DM and your answer goes into the log "
            "under its goal. `/kindness prompts channel` stops the DM."
        )
        if changed:
            text += " If this week's prompt is out already, it comes within half an hour."
    else:
        text = (
            "You see the weekly prompt *in the network channel*. `/kindness prompts dm` sends "
            "it to you by DM as well."
        )
    if status.away_until is not None and status.prompts_by_dm:
        text += f" (You're away until {day(status.away_until)}: nothing comes before then.)"
    return kit.notice(text)


def member_settings_blocks(status: MemberStatus) -> list[Block]:
    """App Home's "your settings": nudges, away, prompts — each with how to change it."""
    lines = [f"*Nudges by DM:* {'on' if status.nudges else 'off'} · `/kindness nudges on|off`"]
    if status.away_until is not None:
        lines.append(f"*Away until* {day(status.away_until)}: no DMs before then")
    else:
        lines.append("*Away:* no · `/kindness away until YYYY-MM-DD` pauses every DM")
    lines.append(
        "*Weekly prompt:* "
        + ("by DM and in the channel" if status.prompts_by_dm else "in the network channel")
    )
    buttons: list[Block] = []
    if status.away_until is not None:
        buttons.append(kit.button("I'm back", MEMBER_BACK, "back", style="primary"))
    buttons.append(
        kit.button("Prompts in the channel only", PROMPTS_DM, "channel")
        if status.prompts_by_dm
        else kit.button("Get prompts by DM", PROMPTS_DM, "dm")
    )
    return [
        kit.section("*Your settings*\n" + "\n".join(lines)),
        kit.actions(*buttons, block_id="home_member_settings"),
    ]


# -- my journal ----------------------------------------------------------------------------------


def journal_message(page: JournalPage, framework: Framework) -> dict[str, Any]:
    """A page of the member's own entries in a range, newest first, with "Older entries"."""
    scope = _range_words(page, framework)
    if page.total == 0:
        text = f"You have no entries {scope}." if scope else "You have not logged anything yet."
        return kit.message([kit.section(text)], text)
    first = page.offset + 1
    last = page.offset + len(page.entries)
    entries = count(page.total, "entry")
    lead = f"*Your journal{' ' + scope if scope else ''}*: {entries}, newest first ({first}–{last})"
    blocks: list[Block] = [kit.section(lead)]
    for entry in page.entries:
        blocks += [entry_block(entry, framework), entry_actions(entry)]
    if page.has_more:
        value = json.dumps(
            {
                "s": page.since.isoformat() if page.since else None,
                "u": page.until.isoformat() if page.until else None,
                "g": page.goal_key,
                "o": last,
            },
            separators=(",", ":"),
        )
        blocks.append(kit.actions(kit.button("Older entries", JOURNAL_MORE, value)))
    blocks.append(
        kit.context(
            "Private entries are included: only you see this. "
            "`/kindness mine export` sends all of it to you as a file."
        )
    )
    return kit.message(blocks, f"Your journal: {entries}")


def _range_words(page: JournalPage, framework: Framework) -> str:
    words = []
    if page.goal_key:
        words.append(f"under {goal_name(framework, page.goal_key)}")
    if page.since and page.until:
        words.append(f"from {day(page.since)} to {day(page.until)}")
    elif page.since:
        words.append(f"since {day(page.since)}")
    elif page.until:
        words.append(f"until {day(page.until)}")
    return " ".join(words)


def export_on_its_way_message(fmt: str) -> dict[str, Any]:
    others = ", ".join(f"`{f}`" for f in EXPORT_FORMATS if f != fmt)
    return kit.notice(
        f"Your whole learning log, private entries included, is on its way to our DM as a "
        f"{fmt.upper()} file. Only you can see it there. (Also: {others}.)"
    )


def export_comment(export: MyExport) -> str:
    return (
        f"Your learning log: {count(export.count, 'entry')}, private ones included — yours alone. "
        "`/kindness forget-me` deletes them from the log."
    )


# -- logging for someone -------------------------------------------------------------------------


def logged_for_message(
    entry: EntryView, framework: Framework, member_id: str, away_until: date | None
) -> dict[str, Any]:
    """What the coordinator sees after logging a member's story."""
    kind = KIND_LABELS[entry.kind].lower()
    told = (
        f"<@{member_id}> is away until {day(away_until)}, so I did not DM them; they will "
        "find it with `/kindness mine`."
        if away_until is not None
        else f"I've let <@{member_id}> know by DM; it is theirs to edit or delete."
    )
    blocks: list[Block] = [
        kit.section(f"Saved a {kind} for <@{member_id}> to the learning log. {told}"),
        entry_block(entry, framework),
    ]
    if entry.goal_key is None:
        blocks.append(kit.context("They can choose its goal; so can you with *Edit* — theirs now."))
    blocks.append(kit.actions(kit.button("Undo", UNDO_ENTRY, entry_value(entry.id))))
    return kit.message(blocks, f"Saved a {kind} for a member (#{entry.id})")


def member_not_told_message(member_id: str, reason: str) -> dict[str, Any]:
    return kit.notice(
        f"The story is saved, but I could not DM <@{member_id}> (`{reason}`) to say so; "
        "they will find it with `/kindness mine`."
    )


def logged_for_you_message(entry: EntryView, framework: Framework) -> dict[str, Any]:
    """The DM to the member a coordinator logged a story for."""
    blocks: list[Block] = [
        kit.section(
            f"<@{entry.logged_by}> logged this for you in the network's learning log — "
            "perhaps something you shared in a meeting. It is yours: change its words, its "
            "goal or who can see it, or delete it."
        ),
        entry_block(entry, framework),
    ]
    if entry.goal_key is None:
        blocks.append(kit.section("*Which goal is it for?*"))
        blocks.append(goal_picker(entry.id, framework))
    blocks.append(entry_actions(entry))
    return kit.message(blocks, "A coordinator logged a story for you in the learning log")


# -- the welcome ---------------------------------------------------------------------------------


def welcome_message(framework: Framework, channel: str) -> dict[str, Any]:
    """The ephemeral welcome to someone who joins the network channel."""
    goals = ", ".join(f"g{g.number} {g.title}" for g in framework.goals[:6])
    more = f" and {len(framework.goals) - 6} more" if len(framework.goals) > 6 else ""
    blocks: list[Block] = [
        kit.section(
            f"*Welcome to <#{channel}>.* This is where the network keeps learning together "
            f"between meetings, around its goals: {goals}{more}."
        ),
        kit.section(
            "*How to take part* — each week a prompt appears here; reply in its thread and "
            "your answer goes into the shared learning log. Or log any time: "
            f"`/kindness log g{framework.goals[0].number} what happened`, or the buttons below."
        ),
        kit.section(
            "*Privacy* — an entry is shared with the network under your name unless you "
            'choose *anonymous* (shown as "a member") or *private* (only you ever see it). '
            "`/kindness mine` shows yours; `/kindness forget-me` deletes them all."
        ),
        kit.section(welcome_line()),
        log_buttons(block_id="welcome_log"),
        kit.context("Only you can see this welcome. `/kindness help` lists everything."),
    ]
    return kit.message(blocks, f"Welcome to the network's channel, <#{channel}>")


# -- participation (coordinators) ----------------------------------------------------------------


def participation_blocks(part: Participation) -> list[Block]:
    """Who took part this week and who has gone quiet: for a coordinator's eyes only (below
    the figures of ``/kindness stats``, or on their own)."""
    members = count(part.participants, "member")
    lines = [f"*This week, {members} shared something* (anonymous entries counted, not named)."]
    if part.first_timers:
        lines.append("*Shared for the first time:* " + _names(part.first_timers))
    quiet = [
        f"<@{q.user_id}>" + (f" (away until {day(q.away_until)})" if q.away_until else "")
        for q in part.quiet
    ]
    weeks = count(part.quiet_weeks, "week")
    if quiet:
        lines.append(f"*Quiet for {weeks} or more:* " + _names(quiet, mentions=False))
    else:
        lines.append(f"Nobody who shared before has been quiet for {weeks}.")
    return [
        kit.section("*Participation — coordinators only*\n" + "\n".join(lines)),
        kit.context(
            "Only coordinators see this, and never in the channel: a nudge to reach out "
            "personally. Private entries are not counted, so someone who journals privately "
            "reads as quiet."
        ),
    ]


def _names(users: Sequence[str], *, mentions: bool = True) -> str:
    shown = [f"<@{u}>" if mentions else u for u in users[:MAX_NAMES]]
    more = len(users) - len(shown)
    return ", ".join(shown) + (f" …and {more} more" if more > 0 else "")


def participation_message(part: Participation, *more: Block) -> dict[str, Any]:
    """Participation for a coordinator; ``more``: other coordinators-only figures below it."""
    return kit.message([*participation_blocks(part), *more], "Participation, for coordinators")


# -- DMs -----------------------------------------------------------------------------------------


def dm_not_a_reply_message() -> dict[str, Any]:
    """A message in the bot's DM that answers no prompt: said where it goes instead."""
    return kit.notice(
        "I keep what you write here when it answers a weekly prompt I sent you (in the last "
        "week). To log something now, type `/kindness log your words` — or "
        "`/kindness prompts dm` to get the weekly prompt here."
    )
