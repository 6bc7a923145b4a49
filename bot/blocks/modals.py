"""The modals members log with: a new entry, an edit, closing an action — what they turn into
once saved, and a refusal shown under the field it is about.

Callback ids are the contract with ``handlers/views.py``; block ids are the field names
(``kind``, ``goal``, ``text``, ``visibility``), so an error lands on its field.
"""

from __future__ import annotations

from typing import Any

from bot.blocks import kit
from bot.blocks.entries import (
    KIND_LABELS,
    PREVIEW,
    SHOWN_IN_FORM,
    entry_block,
    visibility_buttons,
    who_can_see,
)
from bot.blocks.kit import Block
from bot.blocks.refusals import SAVE_FAILED, explain
from bot.blocks.sharing import withdrawn_note
from bot.errors import (
    LogError,
    NotForThisKind,
    PrivateNotShareable,
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
SHARE = "share"  # the consent checkbox's block, action and value
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
    text_label: str = "In your words",
    with_visibility: bool = True,
    why_it_matters: str | None = None,
    who_changed: str | None = None,
    how_we_know: str | None = None,
    organisation: Block | None = None,
    share_option: bool = True,
) -> dict[str, Any]:
    """The log modal: kind, goal, text, why it matters, an outcome's who changed and how we
    know, visibility, the member's organisation when ``organisation`` is given (the field,
    prefilled), and the author's consent to share it beyond the network (``share_option``;
    never ticked for them) — prefilled where known, everything after the text optional.

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
                text_label,
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
        blocks += kit.quote_sections(text or "", f"*{text_label}*")
        blocks.append(
            kit.context("This text is longer than a form can hold, so it is kept as it is.")
        )
    blocks += outcome_fields(why_it_matters, who_changed, how_we_know)
    if with_visibility:
        blocks.append(_visibility_field(visibility))
    # Consent is the author's alone: no box on a form saving somebody else's message.
    if share_option and with_visibility:
        blocks.append(
            kit.input_block(
                "Beyond the network",
                kit.checkboxes(
                    SHARE,
                    [
                        kit.option(
                            "It may be shared beyond the network",
                            SHARE,
                            "on the network's public site; anonymously if you chose Anonymous",
                        )
                    ],
                ),
                block_id=SHARE,
                optional=True,
                hint="Never a private entry. You can withdraw it at any time.",
            )
        )
    if organisation is not None:
        blocks.append(organisation)
    return kit.modal(
        title, blocks, callback_id=callback_id, submit=submit, private_metadata=metadata
    )


def _visibility_field(visibility: str) -> Block:
    return kit.input_block(
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
        share_option=False,
    )


def complete_modal(
    action: EntryView, framework: Framework, metadata: dict[str, Any]
) -> dict[str, Any]:
    blocks = [
        kit.section(f"*Closing action #{action.id}*\n" + kit.quote(one_line(action.text, PREVIEW))),
        kit.input_block(
            "What did you learn?",
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


def saved_view(
    entry: EntryView, framework: Framework, *, verb: str = "Saved", note: str | None = None
) -> dict[str, Any]:
    """What the modal turns into once its entry is stored: who can see it, and (to its author)
    a click to change that. ``note``: what else was done (the author told…)."""
    blocks = [
        kit.section(f"*{verb}.* Thank you for adding to the network's learning."),
        entry_block(entry, framework),
        kit.section(who_can_see(entry)),
    ]
    withdrawn = withdrawn_note(entry)
    if withdrawn:
        blocks.append(kit.section(withdrawn))
    if entry.is_mine:
        blocks.append(kit.actions(*visibility_buttons(entry, SHOWN_IN_FORM)))
    if note:
        blocks.append(kit.section(note))
    blocks.append(kit.context("Find it again with `/kindness mine`."))
    return kit.modal(
        verb, blocks, callback_id="saved", close="Close", private_metadata={"verb": verb}
    )


def visibility_of(value: str | None) -> str:
    return value if value in VISIBILITIES else "network"


def save_message_modal(
    framework: Framework,
    *,
    text: str,
    author_id: str | None,
    saver_id: str,
    permalink: str | None,
    goal: str | None,
    metadata: dict[str, Any],
    private_place: bool = False,
) -> dict[str, Any]:
    """The log modal opened by *Save to learning log* on a message: its words prefilled, a
    line saying whose message it is (with a link when Slack gave one).

    Another member's message is saved as *their* entry: who can see it is theirs to choose
    (they are told by DM), so the form has no such field and says what it will be. Words from
    a DM, a group DM or a private channel (``private_place``) stay visible to their author only
    until the author shares them."""
    where = "a message in a private conversation" if private_place else "a message"
    where = f"<{permalink}|{where}>" if permalink else where
    theirs = author_id is not None and author_id != saver_id
    if not theirs:
        note = f"Saving {where} of yours. Edit the words as you like before saving."
        if private_place:
            note += " Words from a private conversation are kept for you alone unless you choose."
        return log_modal(
            framework,
            goal=goal,
            text=text,
            visibility="private" if private_place else "network",
            source_note=note,
            metadata=metadata,
        )
    if private_place:
        seen = f"only <@{author_id}> will see it, until they share it"
    else:
        seen = f"the network will see it with <@{author_id}>'s name"
    note = (
        f"Saving {where} by <@{author_id}>. It will be *their* entry, saved by you: {seen}. "
        "They are told by DM and can keep it, make it private or delete it."
    )
    return log_modal(
        framework,
        goal=goal,
        text=text,
        source_note=note,
        metadata=metadata,
        text_label="In their words",
        with_visibility=False,
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
    if isinstance(error, PrivateNotShareable):
        return {SHARE: explain(error)}
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
