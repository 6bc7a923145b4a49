"""Members' words in Slack's message format, and safe ways to show them again.

Entries are stored in Slack's message format — what a slash command or a message event
delivers: ``&``, ``<`` and ``>`` escaped as ``&amp;`` ``&lt;`` ``&gt;``, mentions and links as
``<@U123>`` and ``<https://…|label>``. Text typed into a modal arrives raw, so it is escaped on
the way in (``from_plain``). Shown again in mrkdwn it is therefore safe as stored, except for
broadcast mentions, which ``neutralise`` defuses so that the bot can never ping a whole channel
or group with a member's words. Exports and plain-text fields use ``to_plain``.
"""

from __future__ import annotations

import re

# <!channel>, <!here>, <!everyone>, <!subteam^S123>, each with an optional |label.
_BROADCAST = re.compile(r"<!(channel|here|everyone|subteam\^[A-Z0-9]+)(?:\|([^>]*))?>")
# Plain "@channel" is only a ping with link_names, which the bot never sets; defused anyway.
_AT_WORD = re.compile(r"@(channel|here|everyone)\b", re.IGNORECASE)
_ENTITY = re.compile(r"<([^<>]*)>")
_ZERO_WIDTH = "\u200b"


def from_plain(text: str) -> str:
    """Raw text (from a modal) in Slack's message format."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def neutralise(text: str) -> str:
    """Text safe to re-post: broadcast mentions shown, but unable to notify anybody."""

    def defuse(match: re.Match[str]) -> str:
        label = match.group(2) or (
            "@" + match.group(1) if not match.group(1).startswith("subteam") else "@group"
        )
        if not label.startswith("@"):
            label = "@" + label
        return "@" + _ZERO_WIDTH + label[1:]

    text = _BROADCAST.sub(defuse, text)
    return _AT_WORD.sub(lambda m: "@" + _ZERO_WIDTH + m.group(1), text)


def to_plain(text: str, *, markdown_links: bool = False) -> str:
    """Slack's format as plain text: mentions as @U123, links as their label (and address)."""

    def entity(match: re.Match[str]) -> str:
        body = match.group(1)
        target, _, label = body.partition("|")
        if target.startswith("@"):
            return f"@{label}" if label else target
        if target.startswith("#"):
            return f"#{label}" if label else target
        if target.startswith("!"):
            name = target[1:].split("^")[0]
            return f"@{label.lstrip('@')}" if label else f"@{name}"
        if label and label != target:
            return f"[{label}]({target})" if markdown_links else f"{label} ({target})"
        return target

    plain = _ENTITY.sub(entity, text)
    return plain.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def truncate(text: str, limit: int, *, ellipsis: str = "…") -> str:
    """At most ``limit`` characters, never cutting a ``<…>`` entity or an ``&…;`` escape."""
    if len(text) <= limit:
        return text
    cut = max(limit - len(ellipsis), 0)
    head = text[:cut]
    opened = head.rfind("<")
    if opened > head.rfind(">"):
        head = head[:opened]
    amp = head.rfind("&")
    if amp != -1 and ";" not in head[amp:] and len(head) - amp <= 6:
        head = head[:amp]
    return head.rstrip() + ellipsis


def one_line(text: str, limit: int) -> str:
    """A text's first words on one line, for lists and button-sized previews."""
    return truncate(" ".join(text.split()), limit)
