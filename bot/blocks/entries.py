"""An entry as members see it wherever it appears — in an answer, a modal, App Home, a digest,
a nudge — and the buttons that come with it: log, edit, delete, undo, close, choose a goal.

The action ids below are the contract with ``handlers/actions.py``: a button built here is
answered there. Ids that carry a suffix (``set_goal:relationships``) stay unique within a
block; the handler matches the prefix.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from bot.blocks import kit
from bot.blocks.kit import Block
from bot.goals import Framework, Goal
from bot.learning_log import WHY_KINDS, EntryView
from bot.models import KINDS
from bot.slack_text import neutralise, one_line
from bot.words import HOW_WE_KNOW_WORDS, WHO_CHANGED_WORDS

OPEN_LOG_MODAL = "open_log_modal"
SET_GOAL = "set_goal"
EDIT_ENTRY = "edit_entry"
DELETE_ENTRY = "delete_entry"
UNDO_ENTRY = "undo_entry"
ADD_WHY = "add_why_it_matters"
COMPLETE_ACTION = "complete_action"

KIND_LABELS = {
    "story": "Story",
    "action": "Action",
    "reflection": "Reflection",
    "outcome": "Outcome",
}
KIND_PROMPTS = {
    "story": "Share a story",
    "action": "Commit to an action",
    "reflection": "Reflect",
    "outcome": "A change we saw",
}
PREVIEW = 280


def slack_date(moment: datetime) -> str:
    """A date Slack shows in each reader's own time zone."""
    fallback = moment.strftime("%d %b %Y")
    return f"<!date^{int(moment.timestamp())}^{{date_short}}|{fallback}>"


def goal_name(framework: Framework, key: str | None) -> str:
    goal = framework.get(key) if key else None
    if goal is None:
        return "_no goal yet_" if key is None else key
    return f"g{goal.number} {goal.title}"


def author(entry: EntryView) -> str:
    if entry.is_mine:
        return "you"
    if entry.author_id is None:
        return "a member"
    return f"<@{entry.author_id}>"


def entry_heading(entry: EntryView, framework: Framework) -> str:
    """``#12 · Story · g3 Put relationships at the centre · 25 Nov · you``."""
    parts = [f"*#{entry.id} · {KIND_LABELS[entry.kind]}*", goal_name(framework, entry.goal_key)]
    parts.append(slack_date(entry.created_at))
    parts.append(author(entry))
    if entry.organisation:  # never set for an anonymous entry
        parts.append(entry.organisation)
    if entry.logged_by and entry.author_id is not None:
        # Never beside an anonymous entry: who logged it would hint at whose it is.
        parts.append(f"logged by <@{entry.logged_by}>")
    if entry.kind == "action":
        parts.append(
            {"open": "open", "done": "done ✓", "dropped": "dropped"}[entry.action_status or "open"]
        )
    if entry.visibility != "network":
        parts.append("🔒 private" if entry.visibility == "private" else "anonymous")
    if entry.permalink:
        parts.append(f"<{entry.permalink}|message>")
    return " · ".join(parts)


def entry_text(entry: EntryView, framework: Framework, *, preview: int = PREVIEW) -> str:
    """The heading, the words, and under them why it matters and an outcome's answers."""
    lines = [entry_heading(entry, framework), kit.quote(one_line(entry.text, preview))]
    if entry.why_it_matters:
        lines.append("_Why it matters:_ " + one_line(neutralise(entry.why_it_matters), preview))
    answers = outcome_answers(entry)
    if answers:
        lines.append(answers)
    return "\n".join(lines)


def outcome_answers(entry: EntryView) -> str:
    """``Who changed: staff · How we know: we have figures`` (what was answered)."""
    parts = []
    if entry.who_changed:
        parts.append("_Who changed:_ " + WHO_CHANGED_WORDS.get(entry.who_changed, ""))
    if entry.how_we_know:
        parts.append("_How we know:_ " + HOW_WE_KNOW_WORDS.get(entry.how_we_know, ""))
    return " · ".join(parts)


def entry_block(entry: EntryView, framework: Framework, *, accessory: Block | None = None) -> Block:
    return kit.section(entry_text(entry, framework), accessory=accessory)


def open_action_block(action: EntryView, framework: Framework) -> Block:
    """An open action with its *Done* button (which opens the reflection modal)."""
    done = kit.button("Done", COMPLETE_ACTION, entry_value(action.id), style="primary")
    return entry_block(action, framework, accessory=done)


def entry_value(entry_id: int, **extra: Any) -> str:
    return json.dumps({"entry": entry_id, **extra}, separators=(",", ":"))


def _log_buttons(goal: Goal | None = None) -> list[Block]:
    return [
        kit.button(
            KIND_PROMPTS[kind],
            f"{OPEN_LOG_MODAL}:{kind}",
            json.dumps({"kind": kind, "goal": goal.key if goal else None}),
            style="primary" if kind == "story" else None,
        )
        for kind in KINDS
    ]


def log_buttons(goal: Goal | None = None, *, block_id: str | None = None) -> Block:
    """Share a story / Commit to an action / Reflect — each opens the log modal."""
    return kit.actions(*_log_buttons(goal), block_id=block_id)


def goal_picker(entry_id: int, framework: Framework) -> Block:
    return kit.actions(
        *[
            kit.button(
                f"g{g.number} {g.title}", f"{SET_GOAL}:{g.key}", entry_value(entry_id, goal=g.key)
            )
            for g in framework.goals
        ],
        block_id=f"goal_picker_{entry_id}",
    )


def edit_or_undo(entry: EntryView) -> Block:
    """Under a just-saved entry: say why it matters (a story or an outcome without it), change
    it, or take it back."""
    buttons = []
    if entry.kind in WHY_KINDS and not entry.why_it_matters:
        buttons.append(kit.button("Why it matters", ADD_WHY, entry_value(entry.id)))
    return kit.actions(
        *buttons,
        kit.button("Edit", EDIT_ENTRY, entry_value(entry.id)),
        kit.button("Undo", UNDO_ENTRY, entry_value(entry.id)),
    )


def entry_actions(entry: EntryView) -> Block:
    return kit.actions(
        kit.button("Edit", EDIT_ENTRY, entry_value(entry.id)),
        kit.button(
            "Delete",
            DELETE_ENTRY,
            entry_value(entry.id),
            style="danger",
            confirm=kit.confirm_dialog(
                "Delete this entry?", "It leaves the learning log for good.", "Delete"
            ),
        ),
        block_id=f"entry_{entry.id}",
    )
