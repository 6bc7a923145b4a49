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
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

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


class NameLookup(Protocol):
    """Names for the ids in mentions: a member's display name, a channel's name."""

    def user(self, user_id: str) -> str | None: ...

    def channel(self, channel_id: str) -> str | None: ...


@dataclass(frozen=True)
class Segment:
    """A piece of a message: ``text`` (words, entities decoded) or one ``<…>`` entity.

    ``kind`` is ``text``, ``user`` (``target`` a member id), ``channel`` (a channel id),
    ``broadcast`` (``target`` "here", "channel", "everyone" or a user group), ``link``
    (``target`` the address) or ``date``. For an entity, ``text`` is what Slack put after
    ``|``, decoded (empty when there was none).
    """

    kind: str
    text: str
    target: str = ""


def segments(text: str) -> list[Segment]:
    """Slack's message format split into words and entities, every ``&…;`` decoded."""
    pieces: list[Segment] = []
    position = 0
    for match in _ENTITY.finditer(text):
        if match.start() > position:
            pieces.append(Segment("text", _decode(text[position : match.start()])))
        pieces.append(_entity(match.group(1)))
        position = match.end()
    if position < len(text):
        pieces.append(Segment("text", _decode(text[position:])))
    return pieces


def _entity(body: str) -> Segment:
    target, _, label = body.partition("|")
    label = _decode(label)
    if target.startswith("@"):
        return Segment("user", label, target[1:])
    if target.startswith("#"):
        return Segment("channel", label, target[1:])
    if target.startswith("!date^"):
        return Segment("date", label or _date_of(target), target)
    if target.startswith("!subteam^"):
        return Segment("broadcast", label.lstrip("@") or "group", target[1:])
    if target.startswith("!"):
        return Segment("broadcast", label.lstrip("@") or target[1:], target[1:])
    return Segment("link", label, _decode(target))


def _date_of(target: str) -> str:
    """``!date^1700000000^{date_short}`` without a fallback label: the date, in UTC."""
    stamp = target.split("^")[1] if target.count("^") >= 1 else ""
    try:
        return datetime.fromtimestamp(int(stamp), UTC).strftime("%d %b %Y")
    except (ValueError, OverflowError, OSError):
        return ""


def _decode(text: str) -> str:
    # &lt; and &gt; first, so that a literal "&lt;" (stored as "&amp;lt;") survives.
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def user_name(segment: Segment, names: NameLookup | None) -> str:
    """The name a user mention is shown with: the member's display name when known, else the
    label Slack sent with it, else the member id."""
    found = names.user(segment.target) if names is not None else None
    return found or segment.text or segment.target


def channel_name(segment: Segment, names: NameLookup | None) -> str:
    found = segment.text or (names.channel(segment.target) if names is not None else None)
    return found or segment.target


def link_label(segment: Segment) -> str | None:
    """A link's words when they differ from its address (``mailto:`` left out), else None."""
    address = segment.target.removeprefix("mailto:")
    return segment.text if segment.text and segment.text not in (address, segment.target) else None


def shown_address(segment: Segment) -> str:
    return segment.target.removeprefix("mailto:")


def plain_piece(segment: Segment, names: NameLookup | None = None) -> str:
    """One segment as plain text (see ``to_plain``)."""
    if segment.kind == "user":
        return "@" + user_name(segment, names)
    if segment.kind == "channel":
        return "#" + channel_name(segment, names)
    if segment.kind == "broadcast":
        return "@" + segment.text
    if segment.kind == "link":
        label = link_label(segment)
        address = shown_address(segment)
        return address if label is None else f"{label} ({address})"
    return segment.text


def to_plain(text: str, *, names: NameLookup | None = None, markdown_links: bool = False) -> str:
    """Slack's format as plain text: mentions as ``@display name`` and ``#channel`` (ids when
    no name is known), links as "words (address)", every entity decoded."""
    out = []
    for segment in segments(text):
        label = link_label(segment) if segment.kind == "link" else None
        if markdown_links and label is not None:
            out.append(f"[{label}]({segment.target})")
        else:
            out.append(plain_piece(segment, names))
    return "".join(out)


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
