"""Members' words as the published site shows them: plain text for a template to escape,
with nothing of the private workspace in it.

Mentions become names (a member's display name, else "a member"; a channel's name, else "a
channel"), never a Slack id; links become text — their words, or an outside address written
out, never a link to the workspace (a permalink) and never an email address, which is left
out wherever it appears.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from bot.slack_text import NameLookup, segments

EMAIL = re.compile(r"(?:mailto:)?[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
EMAIL_SHOWN = "[email address]"
UNKNOWN_MEMBER = "a member"
UNKNOWN_CHANNEL = "a channel"


def _is_workspace_address(address: str) -> bool:
    host = (urlsplit(address).hostname or "").lower()
    return host == "slack.com" or host.endswith(".slack.com") or host.endswith(".slack-edge.com")


def public_text(text: str, names: NameLookup | None = None) -> str:
    """An entry's words (Slack's message format) as plain public text."""
    out: list[str] = []
    for piece in segments(text):
        if piece.kind == "user":
            found = names.user(piece.target) if names is not None else None
            out.append("@" + (found or UNKNOWN_MEMBER))
        elif piece.kind == "channel":
            found = piece.text or (names.channel(piece.target) if names is not None else None)
            out.append("#" + (found or UNKNOWN_CHANNEL))
        elif piece.kind == "broadcast":
            out.append("@" + piece.text)
        elif piece.kind == "link":
            out.append(_link_as_text(piece.text, piece.target))
        else:
            out.append(piece.text)
    return EMAIL.sub(EMAIL_SHOWN, "".join(out))


def _link_as_text(label: str, address: str) -> str:
    if address.startswith("mailto:"):
        return label if label and not EMAIL.fullmatch(label) else EMAIL_SHOWN
    if _is_workspace_address(address):
        return label if label and label != address else "a Slack message"
    if label and label != address:
        return f"{label} ({address})"
    return address


def paragraphs(text: str) -> list[str]:
    """Blank-line separated paragraphs, single line breaks kept within them."""
    return [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]


def excerpt(text: str, limit: int = 280) -> str:
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    return flat[: limit - 1].rsplit(" ", 1)[0] + "…"
