"""What a member is told when they log, list, search, close or delete entries: the answers to
``/kindness`` and to the buttons under them, and the notes under a thread reply the log took.

Refusals and failures are worded in ``refusals``; the modals in ``modals``; App Home in
``home``. Action ids used only here (``SEARCH_MORE``, ``FORGET_ME_CONFIRMED``) are the contract
with ``handlers/actions.py``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.blocks import kit
from bot.blocks.entries import (
    KIND_LABELS,
    OPEN_LOG_MODAL,
    SHOWN_AFTER_LOG,
    SHOWN_UNDER_REPLY,
    edit_or_undo,
    entry_actions,
    entry_block,
    goal_name,
    goal_picker,
    log_buttons,
    open_action_block,
    who_can_see,
)
from bot.blocks.kit import Block
from bot.blocks.sharing import ask_button, may_ask
from bot.goals import Framework
from bot.learning_log import EntryView, MyLog, SearchPage
from bot.slack_text import to_plain
from bot.words import count

SEARCH_MORE = "search_more"
FORGET_ME_CONFIRMED = "forget_me_confirmed"
# The reaction on a thread reply once the log holds it (the note under it names it too).
SAVED_REACTION = "seedling"


@dataclass(frozen=True)
class HelpRow:
    """One command as help shows it: what it does, in a plain sentence, and one example."""

    summary: str
    example: str


def help_message(
    members: Sequence[HelpRow],
    framework: Framework,
    *,
    coordinators: Sequence[HelpRow] = (),
    preface: str | None = None,
) -> dict[str, Any]:
    """Members' commands first; the coordinators' section only when ``coordinators`` is given
    (help shows it to coordinators alone)."""
    goals = ", ".join(f"g{g.number} {g.title}" for g in framework.goals)
    blocks = [kit.section(preface)] if preface else []
    blocks += [
        kit.header("What you can do"),
        kit.section(
            "Share stories, commit to actions and reflect, against the network's goals. "
            "Everything you log goes into a shared learning log the network can search "
            "and write up — unless you choose *anonymous* or *private*."
        ),
        *_help_rows(members),
        kit.context(f"Goals: {goals}"),
        log_buttons(),
    ]
    if coordinators:
        blocks += coordinators_help_blocks(coordinators)
    return kit.message(blocks, "What you can do with /kindness")


def coordinators_help_blocks(rows: Sequence[HelpRow]) -> list[Block]:
    return [kit.divider(), kit.header("For coordinators"), *_help_rows(rows)]


def coordinators_help_message(rows: Sequence[HelpRow]) -> dict[str, Any]:
    """The coordinators' section on its own, after the members' help (once Slack said the
    member is an admin)."""
    return kit.message(coordinators_help_blocks(rows), "What coordinators can do with /kindness")


def _help_rows(rows: Sequence[HelpRow]) -> list[Block]:
    return [kit.section(f"{_sentence(row.summary)}\ne.g. `{row.example}`") for row in rows]


def _sentence(summary: str) -> str:
    text = summary[:1].upper() + summary[1:]
    return text if text.endswith((".", "?", "!")) else text + "."


def goals_message(framework: Framework) -> dict[str, Any]:
    blocks: list[Block] = [kit.header(framework.name)]
    for goal in framework.goals:
        blocks.append(
            kit.section(
                f"*g{goal.number} · {goal.title}*\n{goal.summary}",
                accessory=kit.button(
                    f"Log for g{goal.number}",
                    f"{OPEN_LOG_MODAL}:goal",
                    json.dumps({"kind": "story", "goal": goal.key}),
                ),
            )
        )
    return kit.message(blocks, f"{framework.name}: {count(len(framework.goals), 'goal')}")


def saved_message(
    entry: EntryView, framework: Framework, *, note: str | None = None
) -> dict[str, Any]:
    """Confirmation after a quick log: who can see the entry, with a click to change it; asks
    for the goal when it is missing."""
    kind = KIND_LABELS[entry.kind].lower()
    blocks: list[Block] = [kit.section(f"Saved your {kind} to the learning log.")]
    blocks.append(entry_block(entry, framework))
    blocks.append(kit.section(who_can_see(entry)))
    if note:
        blocks.append(kit.context(note))
    if entry.goal_key is None:
        blocks.append(kit.section("*Which goal is it for?*"))
        blocks.append(goal_picker(entry.id, framework))
    blocks.append(edit_or_undo(entry, SHOWN_AFTER_LOG))
    return kit.message(blocks, f"Saved your {kind} (#{entry.id}) to the learning log")


def read_as_visibility_note(word: str) -> str:
    """Under a one-line log whose leading word was read as who can see it."""
    return (
        f"`{word}` was read as who can see it, not as part of your words; "
        "*Edit* puts it back if you meant it as a word."
    )


def done_message(
    action: EntryView, reflection: EntryView | None, framework: Framework
) -> dict[str, Any]:
    blocks = [
        kit.section(f"Action #{action.id} is done. Well done."),
        entry_block(action, framework),
    ]
    if reflection is not None:
        blocks.append(kit.section(f"Your reflection is saved as #{reflection.id}."))
        blocks.append(entry_block(reflection, framework))
    else:
        blocks.append(
            kit.context(f"What did you learn? `/kindness log reflection {action.goal_key or ''} …`")
        )
    return kit.message(blocks, f"Action #{action.id} is done")


def mine_message(mine: MyLog, framework: Framework, *, note: str | None = None) -> dict[str, Any]:
    blocks: list[Block] = [kit.section(note)] if note else []
    blocks.append(kit.header("Your learning log"))
    if not mine.entries and not mine.open_actions:
        blocks.append(kit.section("You have not logged anything yet."))
        blocks.append(log_buttons())
        empty = "Your learning log is empty"
        return kit.message(blocks, f"{note} {empty}" if note else empty)
    if mine.open_actions:
        blocks.append(kit.section(f"*Open actions ({len(mine.open_actions)})*"))
        blocks += [open_action_block(action, framework) for action in mine.open_actions]
    blocks.append(kit.section("*Recent entries*"))
    for entry in mine.entries:
        blocks.append(entry_block(entry, framework))
        blocks.append(entry_actions(entry))
    blocks.append(
        kit.context("Close an action by typing `/kindness done <number> [what you learnt]`.")
    )
    summary = (
        f"Your learning log: {count(len(mine.entries), 'recent entry')}, "
        f"{count(len(mine.open_actions), 'open action')}"
    )
    return kit.message(blocks, f"{note} {summary}" if note else summary)


def deleted_message(removed: EntryView, mine: MyLog, framework: Framework) -> dict[str, Any]:
    """After *Delete* under ``/kindness mine``: the list again, without the entry."""
    note = f"Deleted #{removed.id} from the learning log."
    return mine_message(mine, framework, note=note)


def search_message(
    page: SearchPage, framework: Framework, *, coordinator: bool = False
) -> dict[str, Any]:
    """``coordinator``: each entry not yet shared beyond the network, nor asked about, has an
    *Ask to share* button beside it."""
    query = f"*{' '.join(page.words)}*" if page.words else "anything"
    scope = f" in {goal_name(framework, page.goal_key)}" if page.goal_key else ""
    if not page.entries:
        text = (
            f"Nothing in the learning log matches {query}{scope}."
            if page.offset == 0
            else f"No more entries match {query}{scope}."
        )
        return kit.message([kit.section(text)], f"No entries match {to_plain(query)}")
    first = page.offset + 1
    last = page.offset + len(page.entries)
    lead = f"Entries matching {query}{scope}" if page.words else f"Entries{scope}"
    blocks: list[Block] = [kit.section(f"{lead}, newest first ({first}–{last}):")]
    blocks += [
        entry_block(
            e, framework, accessory=ask_button(e.id) if coordinator and may_ask(e) else None
        )
        for e in page.entries
    ]
    if page.has_more:
        value = json.dumps({"q": query, "g": page.goal_key, "o": last}, separators=(",", ":"))
        blocks.append(kit.actions(kit.button("More results", SEARCH_MORE, value)))
    matching = f" matching {' '.join(page.words)}" if page.words else ""
    return kit.message(blocks, f"{count(len(page.entries), 'entry')}{matching}{scope}")


def nudges_message(enabled: bool, *, changed: bool, usage: str) -> dict[str, Any]:
    """``/kindness nudges``: whether follow-up DMs are on; ``usage`` says how to change it."""
    if not changed:
        state = "on" if enabled else "off"
        return kit.notice(f"Your nudges are *{state}*. Turn them on or off with `{usage}`.")
    if enabled:
        return kit.notice(
            "Nudges are *on*: I'll check in by DM on the actions you commit to "
            "(never at night in your time zone)."
        )
    return kit.notice(
        "Nudges are *off*: no more DMs about your actions. "
        "Turn them back on with `/kindness nudges on`."
    )


def forget_me_message(total: int) -> dict[str, Any]:
    if total == 0:
        return kit.message(
            [kit.section("You have no entries in the learning log.")], "Nothing to delete"
        )
    yours = f"all {total} of your entries" if total > 1 else "your one entry"
    blocks = [
        kit.section(
            f"This deletes *{yours}* from the learning log — stories, actions, reflections and "
            "outcomes, private ones included — and what the bot knows of you. It cannot be "
            "undone."
        ),
        kit.actions(
            kit.button(
                f"Delete all {total} entries" if total > 1 else "Delete your entry",
                FORGET_ME_CONFIRMED,
                "confirm",
                style="danger",
                confirm=kit.confirm_dialog(
                    "Delete everything?",
                    f"{yours[0].upper()}{yours[1:]} will be deleted.",
                    "Delete all",
                ),
            )
        ),
    ]
    return kit.message(blocks, f"Delete {yours}?")


def undone_message(removed: EntryView) -> dict[str, Any]:
    blocks = kit.quote_sections(
        removed.text,
        f"Removed #{removed.id} from the learning log. Your words, in case you want them:",
    )
    return kit.message(blocks, f"Removed #{removed.id} from the learning log")


def forgotten_message(deleted: int) -> dict[str, Any]:
    return kit.notice(
        f"Done: deleted {count(deleted, 'entry')} and what the bot knew "
        "of you. You can start again any time with `/kindness log`."
    )


# -- under a thread reply ------------------------------------------------------------------------


def thread_saved_message(entry: EntryView, framework: Framework) -> dict[str, Any]:
    """The ephemeral note under a thread reply that went into the log: who can see it, with a
    click to change it."""
    blocks = [
        kit.section(
            f"Saved your reply to the learning log as #{entry.id} under "
            f"*{goal_name(framework, entry.goal_key)}*. {who_can_see(entry)} "
            "Editing or deleting your message updates the log too."
        ),
        edit_or_undo(entry, SHOWN_UNDER_REPLY),
    ]
    return kit.message(blocks, f"Saved your reply to the learning log as #{entry.id}")


def thread_not_saved_message() -> dict[str, Any]:
    """The ephemeral note under a thread reply the log could not store just now."""
    return kit.notice(
        "I could not save your reply to the learning log just now. Your words are safe in "
        "the thread: Slack will send them to me again shortly, and "
        f":{SAVED_REACTION}: shows once they are saved."
    )
