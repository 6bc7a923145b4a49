"""The nudges members get by DM, and what a nudge turns into once its buttons are used.

Action ids here are the contract with ``handlers/nudges.py``. *Done — add a reflection* reuses
``entries.COMPLETE_ACTION`` so that the existing handler opens the same reflection modal as
``/kindness mine`` does: one way to close an action, wherever the button sits.

Wording: warm, short, plain British English, no exclamation marks. Every nudge ends with a
context line saying how to turn nudges off, so a member never has to look that up. A nudge is
a question, not a telling-off: it says when the action was committed and leaves the member
three easy answers; the last follow-up says it is the last, so silence is a fine answer too.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.blocks import entries, kit
from bot.followups import MAX_FOLLOW_UPS, FollowUp
from bot.goals import Framework
from bot.learning_log import EntryView
from bot.slack_text import one_line
from bot.words import count

NUDGE_SNOOZE = "nudge_snooze"
NUDGE_DROP = "nudge_drop"

TURN_OFF = "Rather not have these? `/kindness nudges off` turns them off."
_NOTIFICATION_PREVIEW = 100


def followup_message(
    followup: FollowUp, framework: Framework, step: int, followup_days: int
) -> dict[str, Any]:
    """The follow-up DM on one open action: what it was, when, and three answers."""
    goal = (
        f" under *{entries.goal_name(framework, followup.goal_key)}*" if followup.goal_key else ""
    )
    value = entries.entry_value(followup.entry_id)
    later = f"in {count(followup_days, 'day')}"
    if step >= MAX_FOLLOW_UPS:
        when_next = (
            "This is the last time I'll ask about this one, "
            f"unless you choose *Still on it* — then I'll ask once more {later}."
        )
    else:
        when_next = f"Choose *Still on it* and I'll ask again {later}."
    blocks = [
        kit.section(
            f"On {entries.slack_date(followup.committed_at)} you committed to an action{goal}:\n"
            + kit.quote(followup.text)
            + "\nHow is it going?"
        ),
        kit.actions(
            kit.button("Done — add a reflection", entries.COMPLETE_ACTION, value, style="primary"),
            kit.button("Still on it", NUDGE_SNOOZE, value),
            kit.button(
                "Drop it",
                NUDGE_DROP,
                value,
                style="danger",
                confirm=kit.confirm_dialog(
                    "Drop this action?",
                    "No more reminders about it. It stays in your learning log, marked dropped.",
                    "Drop it",
                    "Keep it",
                ),
            ),
            block_id=f"nudge_{followup.entry_id}_{step}",
        ),
        kit.context(when_next, TURN_OFF),
    ]
    preview = one_line(followup.text, _NOTIFICATION_PREVIEW)
    return kit.message(blocks, f"How is it going with your action: {preview}")


def quiet_message(weeks: int) -> dict[str, Any]:
    """The one gentle word to a member who has logged nothing for more than ``weeks`` weeks."""
    blocks = [
        kit.section(
            f"It has been more than {count(weeks, 'week')} since you last added to the network's "
            "learning log. If something has happened since — however small — the network "
            "would be glad to hear it: a story, an action you are taking, or something you "
            "learnt."
        ),
        entries.log_buttons(block_id="quiet_log"),
        kit.context("I won't ask again until you next log something.", TURN_OFF),
    ]
    return kit.message(blocks, "Anything to share with the network this week?")


def snoozed_message(entry: EntryView, until: datetime) -> dict[str, Any]:
    """The nudge after *Still on it*."""
    blocks = [
        kit.section(
            f"Noted — you're still on it. I'll ask again on {entries.slack_date(until)}.\n"
            + kit.quote(one_line(entry.text, entries.PREVIEW))
        ),
        kit.context(f"Done sooner? `/kindness done {entry.id} what you learnt` closes it."),
    ]
    return kit.message(blocks, "Noted — you're still on it")


def dropped_message(entry: EntryView) -> dict[str, Any]:
    """The nudge after *Drop it*."""
    blocks = [
        kit.section(
            "Dropped: no more reminders about this one. "
            "It stays in your learning log, marked dropped.\n"
            + kit.quote(one_line(entry.text, entries.PREVIEW))
        ),
    ]
    return kit.message(blocks, "Dropped: no more reminders about this action")
