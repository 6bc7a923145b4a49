"""Sharing beyond the network: what an author is told when they share or stop sharing an
entry, a coordinator's *Ask to share* and the DM it sends, and the answers to it.

The action ids are the contract with ``handlers/sharing.py``.
"""

from __future__ import annotations

from typing import Any, Protocol

from bot.blocks import kit
from bot.blocks.entries import entry_block, entry_value
from bot.blocks.kit import Block
from bot.goals import Framework
from bot.learning_log import EntryView
from bot.sharing import ANONYMOUS, NAMED, NONE, is_shared

ASK_TO_SHARE = "ask_to_share"
SHARE_ANSWER = "share_answer"

HOW = {NAMED: "with your name", ANONYMOUS: "anonymously, without your name"}


class Askable(Protocol):
    """An entry as search, App Home or a selection round shows it to a coordinator."""

    @property
    def visibility(self) -> str: ...
    @property
    def share_consent(self) -> str: ...
    @property
    def share_asked(self) -> bool: ...


def may_ask(entry: Askable) -> bool:
    """A coordinator may ask about a network or anonymous entry not yet shared nor asked."""
    return entry.visibility != "private" and entry.share_consent == NONE and not entry.share_asked


def ask_button(entry_id: int) -> Block:
    return kit.button("Ask to share", ASK_TO_SHARE, entry_value(entry_id))


def shared_message(entry: EntryView, framework: Framework) -> dict[str, Any]:
    how = HOW.get(entry.share_consent, "")
    lines = [
        f"Thank you: #{entry.id} may be shared beyond the network, {how}. It appears on the "
        "network's site when a coordinator next publishes it.",
    ]
    blocks: list[Block] = [kit.section(lines[0]), entry_block(entry, framework)]
    tip = f"Changed your mind? `/kindness unshare {entry.id}` takes it off at the next build."
    if entry.share_consent == NAMED:
        tip += f" Without your name: `/kindness share {entry.id} anonymously`."
    blocks.append(kit.context(tip))
    return kit.message(blocks, f"#{entry.id} may be shared beyond the network, {how}")


def unshared_message(entry: EntryView, framework: Framework) -> dict[str, Any]:
    text = (
        f"#{entry.id} is no longer shared beyond the network: it stays in the learning log, "
        "and leaves the network's site at its next build."
    )
    return kit.message([kit.section(text), entry_block(entry, framework)], text)


def withdrawn_note(entry: EntryView) -> str | None:
    """Said after an edit that withdrew the author's consent to share the entry."""
    if not entry.share_withdrawn:
        return None
    return (
        f"#{entry.id} was shared beyond the network; after this change it is not, until you "
        f"agree again: `/kindness share {entry.id}`."
    )


def share_request_message(entry: EntryView, framework: Framework) -> dict[str, Any]:
    """The DM a coordinator's *Ask to share* sends the entry's author."""
    lead = (
        f"A coordinator of the network would like to share your {entry.kind} #{entry.id} "
        "beyond the network — on its public site, so that others can learn from it. "
        "May they? Nothing is shared unless you say yes, and you can withdraw at any time "
        f"(`/kindness unshare {entry.id}`)."
    )
    buttons = []
    if entry.visibility == "network":
        buttons.append(
            kit.button(
                "Yes, with my name",
                SHARE_ANSWER,
                entry_value(entry.id, answer=NAMED),
                style="primary",
            )
        )
    buttons.append(
        kit.button("Yes, anonymously", SHARE_ANSWER, entry_value(entry.id, answer=ANONYMOUS))
    )
    buttons.append(kit.button("No", SHARE_ANSWER, entry_value(entry.id, answer=NONE)))
    blocks = [
        kit.section(lead),
        entry_block(entry, framework),
        kit.actions(*buttons, block_id=f"share_request_{entry.id}"),
    ]
    return kit.message(blocks, f"May the network share your {entry.kind} #{entry.id} beyond it?")


def share_answered_message(entry: EntryView, framework: Framework) -> dict[str, Any]:
    """What the request turns into once its author answered."""
    if is_shared(entry.share_consent):
        return shared_message(entry, framework)
    text = (
        f"Understood: #{entry.id} stays within the network. You will not be asked about it again."
    )
    return kit.message([kit.section(text), entry_block(entry, framework)], text)


def asked_message(entry: EntryView) -> dict[str, Any]:
    """To the coordinator who asked."""
    return kit.notice(
        f"I have asked the author of #{entry.id} by DM whether it may be shared beyond the "
        "network. It is published only if they say yes."
    )


def not_asked_message(entry_id: int, reason: str) -> dict[str, Any]:
    return kit.notice(
        f"I could not send the request about #{entry_id} (`{reason}`), so its author can be "
        "asked again."
    )
