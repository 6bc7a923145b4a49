"""The modals members log with: a new entry, an edit, closing an action — what they turn into
once saved, and a refusal shown under the field it is about.

Callback ids are the contract with ``handlers/views.py``; block ids are the field names
(``kind``, ``goal``, ``text``, ``visibility``), so an error lands on its field.
"""

from __future__ import annotations

from typing import Any

from bot.blocks import kit
from bot.blocks.entries import KIND_LABELS, PREVIEW, entry_block
from bot.blocks.kit import Block
from bot.blocks.refusals import SAVE_FAILED, explain
from bot.errors import (
    LogError,
    NotForThisKind,
    StorageFailed,
    UnknownGoal,
    UnknownHowWeKnow,
    UnknownKind,
    UnknownVisibility,
    UnknownWhoChanged,
    WhyTooLong,
)
from bot.goals import Framework
from bot.learning_log import MAX_WHY, EntryView
from bot.models import KINDS, VISIBILITIES
from bot.slack_text import one_line, to_plain
from bot.words import HOW_WE_KNOW_WORDS, WHO_CHANGED_WORDS

LOG_MODAL = "log_entry"
EDIT_MODAL = "edit_entry_modal"
COMPLETE_MODAL = "complete_action_modal"
WHY_MODAL = "why_it_matters_modal"
# The question that asks a story or an outcome what it changed.
WHY_QUESTION = "Why does this matter — what changed, and for whom?"
WHY_HINT = "Optional, for stories and outcomes: what is different now, and for whom."
WHO_CHANGED_QUESTION = "Who changed? (outcomes)"
HOW_WE_KNOW_QUESTION = "How do we know? (outcomes)"

VISIBILITY_LABELS = {
    "network": ("The network", "shown with your name"),
    "anonymous": ("Anonymous", 'shown as "a member"'),
    "private": ("Private", "only you ever see it"),
}


def goal_options(framework: Framework) -> list[Block]:
    return [kit.option(f"g{g.number} · {g.title}", g.key) for g in framework.goals]


def log_modal(
    framework: Framework,
    *,
    kind: str = "story",
    goal: str | None = None,
    text: str | None = None,
    visibility: str = "network",
    source_note: str | None = None,
    metadata: dict[str, Any] | None = None,
    callback_id: str = LOG_MODAL,
    title: str = "Log to the network",
    submit: str = "Save",
    text_editable: bool = True,
    why_it_matters: str | None = None,
    who_changed: str | None = None,
    how_we_know: str | None = None,
    organisation: Block | None = None,
) -> dict[str, Any]:
    """The log modal: kind, goal, text, why it matters, an outcome's who changed and how we
    know, visibility, and the member's organisation when ``organisation`` is given (the
    field, prefilled) — prefilled where known, everything after the text optional.

    Slack caps a text input at 3,000 characters, below the log's 4,000. A longer text is
    prefilled cut, with a visible note; when editing such an entry the text is shown but not
    editable (``text_editable=False``), so saving the form can never shorten it.
    """
    blocks: list[Block] = []
    if source_note:
        blocks.append(kit.context(source_note))
    plain_text = to_plain(text) if text else None
    if plain_text and len(plain_text) > kit.INPUT_MAX_LENGTH and text_editable:
        blocks.append(
            kit.context(
                f"The text is {len(plain_text):,} characters; this form holds "
                f"{kit.INPUT_MAX_LENGTH:,}, so only the beginning is below."
            )
        )
    blocks += [
        kit.input_block(
            "What kind of entry?",
            kit.radio_buttons("kind", [kit.option(KIND_LABELS[k], k) for k in KINDS], initial=kind),
            block_id="kind",
        ),
        kit.input_block(
            "Which goal?",
            kit.static_select(
                "goal", goal_options(framework), initial=goal, placeholder="Choose a goal"
            ),
            block_id="goal",
        ),
    ]
    if text_editable:
        blocks.append(
            kit.input_block(
                "In your words",
                kit.text_input(
                    "text",
                    multiline=True,
                    max_length=kit.INPUT_MAX_LENGTH,
                    initial=plain_text,
                    placeholder="What happened, what will you do, or what did you learn?",
                ),
                block_id="text",
                hint=f"Up to {kit.INPUT_MAX_LENGTH:,} characters.",
            )
        )
    else:
        blocks.append(kit.section("*In your words*\n" + kit.quote(text or "")))
        blocks.append(
            kit.context("This text is longer than a form can hold, so it is kept as it is.")
        )
    blocks += outcome_fields(why_it_matters, who_changed, how_we_know)
    blocks.append(
        kit.input_block(
            "Who can see it?",
            kit.radio_buttons(
                "visibility",
                [
                    kit.option(label, v, description)
                    for v, (label, description) in VISIBILITY_LABELS.items()
                ],
                initial=visibility,
            ),
            block_id="visibility",
        )
    )
    if organisation is not None:
        blocks.append(organisation)
    return kit.modal(
        title, blocks, callback_id=callback_id, submit=submit, private_metadata=metadata
    )


def why_input(initial: str | None = None) -> Block:
    return kit.input_block(
        WHY_QUESTION,
        kit.text_input(
            "why",
            multiline=True,
            max_length=MAX_WHY,
            initial=to_plain(initial) if initial else None,
        ),
        block_id="why",
        optional=True,
        hint=WHY_HINT,
    )


def outcome_fields(
    why_it_matters: str | None, who_changed: str | None, how_we_know: str | None
) -> list[Block]:
    """Why it matters (stories and outcomes), who changed and how we know (outcomes)."""
    return [
        why_input(why_it_matters),
        kit.input_block(
            WHO_CHANGED_QUESTION,
            kit.static_select(
                "who_changed",
                [kit.option(words, key) for key, words in WHO_CHANGED_WORDS.items()],
                initial=who_changed,
                placeholder="Choose who changed",
            ),
            block_id="who_changed",
            optional=True,
        ),
        kit.input_block(
            HOW_WE_KNOW_QUESTION,
            kit.static_select(
                "how_we_know",
                [kit.option(words, key) for key, words in HOW_WE_KNOW_WORDS.items()],
                initial=how_we_know,
                placeholder="Choose how we know",
            ),
            block_id="how_we_know",
            optional=True,
        ),
    ]


def why_modal(entry: EntryView, metadata: dict[str, Any] | None = None) -> dict[str, Any]:
    """*Add why it matters* under a saved thread reply: the one question, for that entry."""
    blocks = [
        kit.section(f"*#{entry.id}*\n" + kit.quote(one_line(entry.text, PREVIEW))),
        why_input(entry.why_it_matters),
    ]
    return kit.modal(
        "Why it matters",
        blocks,
        callback_id=WHY_MODAL,
        submit="Save",
        private_metadata={**(metadata or {}), "entry": entry.id},
    )


def edit_modal(entry: EntryView, framework: Framework, metadata: dict[str, Any]) -> dict[str, Any]:
    return log_modal(
        framework,
        kind=entry.kind,
        goal=entry.goal_key,
        text=entry.text,
        visibility=entry.visibility,
        why_it_matters=entry.why_it_matters,
        who_changed=entry.who_changed,
        how_we_know=entry.how_we_know,
        metadata={**metadata, "entry": entry.id},
        callback_id=EDIT_MODAL,
        title=f"Edit entry #{entry.id}",
        text_editable=len(to_plain(entry.text)) <= kit.INPUT_MAX_LENGTH,
    )


def complete_modal(
    action: EntryView, framework: Framework, metadata: dict[str, Any]
) -> dict[str, Any]:
    blocks = [
        kit.section(f"*Closing action #{action.id}*\n" + kit.quote(one_line(action.text, PREVIEW))),
        kit.input_block(
            "What did you learn? (optional)",
            kit.text_input("text", multiline=True, max_length=kit.INPUT_MAX_LENGTH),
            block_id="text",
            optional=True,
            hint="Saved as a reflection under the same goal.",
        ),
    ]
    return kit.modal(
        "Mark action done",
        blocks,
        callback_id=COMPLETE_MODAL,
        submit="Mark done",
        private_metadata={**metadata, "entry": action.id},
    )


def saved_view(entry: EntryView, framework: Framework, *, verb: str = "Saved") -> dict[str, Any]:
    """What the modal turns into once its entry is stored."""
    blocks = [
        kit.section(f"*{verb}.* Thank you for adding to the network's learning."),
        entry_block(entry, framework),
        kit.context("Find it again with `/kindness mine`."),
    ]
    return kit.modal(verb, blocks, callback_id="saved", close="Close")


def visibility_of(value: str | None) -> str:
    return value if value in VISIBILITIES else "network"


def save_message_modal(
    framework: Framework,
    *,
    text: str,
    author_id: str | None,
    permalink: str | None,
    goal: str | None,
    metadata: dict[str, Any],
) -> dict[str, Any]:
    """The log modal opened by *Save to learning log* on a message: its words prefilled, a
    line saying whose message it is (with a link when Slack gave one)."""
    by = f" by <@{author_id}>" if author_id else ""
    where = f"<{permalink}|a message>" if permalink else "a message"
    return log_modal(
        framework,
        goal=goal,
        text=text,
        source_note=f"Saving {where}{by}. Edit the words as you like before saving.",
        metadata=metadata,
    )


def entry_form_errors(error: LogError) -> dict[str, str]:
    """A refusal of an entry's modal, keyed by the block it is about (Slack's rule)."""
    if isinstance(error, StorageFailed):
        return {"text": SAVE_FAILED}
    if isinstance(error, UnknownGoal):
        return {"goal": explain(error)}
    if isinstance(error, UnknownKind):
        return {"kind": explain(error)}
    if isinstance(error, UnknownVisibility):
        return {"visibility": explain(error)}
    if isinstance(error, WhyTooLong):
        return {"why": explain(error)}
    if isinstance(error, UnknownWhoChanged):
        return {"who_changed": explain(error)}
    if isinstance(error, UnknownHowWeKnow):
        return {"how_we_know": explain(error)}
    if isinstance(error, NotForThisKind):
        return {
            "why" if error.field == "why it matters" else error.field.replace(" ", "_"): explain(
                error
            )
        }
    return {"text": explain(error)}
