"""Block Kit primitives that cannot exceed Slack's limits.

Slack rejects a whole message or view (``invalid_blocks``) when one element is over a limit, so
each builder here truncates text to its limit (never mid-entity, see ``bot.slack_text``) and the
containers (``message``, ``modal``, ``home``) cut block lists to size with a closing
"…and N more" line. Member text passes through ``neutralise`` wherever it is shown, so a
re-posted ``<!channel>`` cannot ping anybody.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable, Sequence
from typing import Any

from bot.slack_text import neutralise, to_plain, truncate

Block = dict[str, Any]

MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
SECTION_TEXT = 3000
FIELD_TEXT = 2000
FIELDS = 10
HEADER_TEXT = 150
CONTEXT_ELEMENTS = 10
ACTIONS_ELEMENTS = 25
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
VIEW_TITLE = 24
PRIVATE_METADATA = 3000
OPTION_TEXT = 75
OPTION_VALUE = 150
OPTIONS = 100
ID_LENGTH = 255
INPUT_LABEL = 2000
INPUT_MAX_LENGTH = 3000
INPUT_HINT = 2000
PLACEHOLDER = 150
CONFIRM_TITLE = 100
CONFIRM_TEXT = 300
# Notification fallback text: Slack allows 40,000, but a notification is read at a glance.
FALLBACK_TEXT = 3000
# The text of all a message's blocks together: Slack refuses more (``msg_blocks_too_long``).
# Undocumented; others found it near 13,200 characters, so a message keeps below 12,000.
MESSAGE_BLOCKS_TEXT = 12_000


def mrkdwn(text: str, limit: int = SECTION_TEXT) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": truncate(text, limit) or " "}


def plain(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": truncate(to_plain(text), limit) or " ", "emoji": True}


def quote(member_text: str, limit: int = SECTION_TEXT) -> str:
    """A member's words as a mrkdwn block quote, defused and within ``limit``."""
    lines = truncate(neutralise(member_text), limit - 64).splitlines() or [""]
    return "\n".join("&gt; " + line for line in lines)


def quote_sections(member_text: str, lead: str = "") -> list[Block]:
    """A member's words as mrkdwn block quotes, every character of them, in as many sections
    as it takes (``lead`` on the first line): a section ends between lines where it can, else
    at a space, else between two characters that are not one (never inside an emoji, before a
    combining mark, inside a ``<…>`` entity or an ``&…;`` escape). Defused as ``quote``."""
    room = SECTION_TEXT - 8  # counted in UTF-16 units, as Slack may count an emoji as two
    sections: list[str] = []
    current = lead
    for line in neutralise(member_text).split("\n"):
        for piece in _pieces(line, room - len("&gt; ")):
            quoted = "&gt; " + piece
            if current and _size(current) + 1 + _size(quoted) > room:
                sections.append(current)
                current = quoted
            else:
                current = f"{current}\n{quoted}" if current else quoted
    sections.append(current)
    return [section(text) for text in sections]


def quoted_size(member_text: str) -> int:
    """How much of a message ``quote_sections`` takes, in Slack's characters."""
    return sum(_size(block["text"]["text"]) for block in quote_sections(member_text))


def _size(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _pieces(line: str, room: int) -> list[str]:
    pieces = []
    while _size(line) > room:
        cut = _cut_at(line, room)
        pieces.append(line[:cut])
        line = line[cut:]
    return [*pieces, line]


def _cut_at(line: str, room: int) -> int:
    """Where to end a piece of ``line`` that fits ``room``: after a space in its last fifth,
    else at the last boundary between two characters that may be parted."""
    end = 0
    size = 0
    for index, char in enumerate(line):
        size += _size(char)
        if size > room:
            break
        end = index + 1
    space = line.rfind(" ", end * 4 // 5, end)
    cut = space + 1 if space > 0 else end
    while cut > 1 and not _may_part(line, cut):
        cut -= 1
    opened = line.rfind("<", 0, cut)
    if opened > line.rfind(">", 0, cut) and opened > 0:
        cut = opened
    amp = line.rfind("&", 0, cut)
    if amp > 0 and ";" not in line[amp:cut] and cut - amp <= 8:
        cut = amp
    return max(cut, 1)


_JOINERS = {"\u200d", "\u20e3", "\ufe0e", "\ufe0f"}


def _may_part(text: str, at: int) -> bool:
    """Whether ``text`` may be cut before ``text[at]``: not inside what reads as one character
    (a base and its combining marks, an emoji sequence joined by ZWJ, a skin tone, a flag)."""
    before, after = text[at - 1], text[at]
    if unicodedata.category(after) in ("Mn", "Mc", "Me") or after in _JOINERS or before == "\u200d":
        return False
    if "\U0001f3fb" <= after <= "\U0001f3ff" or "\U000e0020" <= after <= "\U000e007f":
        return False  # a skin tone, a tag (subdivision flags)
    if _regional(before) and _regional(after):
        # Flags are pairs of regional indicators: part only after an even run of them.
        run = 0
        while at - 1 - run >= 0 and _regional(text[at - 1 - run]):
            run += 1
        return run % 2 == 0
    return True


def _regional(char: str) -> bool:
    return "\U0001f1e6" <= char <= "\U0001f1ff"


def section(text: str, *, accessory: Block | None = None, block_id: str | None = None) -> Block:
    block: Block = {"type": "section", "text": mrkdwn(text)}
    if accessory is not None:
        block["accessory"] = accessory
    if block_id is not None:
        block["block_id"] = block_id[:ID_LENGTH]
    return block


def fields(*texts: str) -> Block:
    return {"type": "section", "fields": [mrkdwn(t, FIELD_TEXT) for t in texts[:FIELDS]]}


def header(text: str) -> Block:
    return {"type": "header", "text": plain(text, HEADER_TEXT)}


def divider() -> Block:
    return {"type": "divider"}


def context(*texts: str) -> Block:
    return {"type": "context", "elements": [mrkdwn(t) for t in texts[:CONTEXT_ELEMENTS]]}


def actions(*elements: Block, block_id: str | None = None) -> Block:
    block: Block = {"type": "actions", "elements": list(elements[:ACTIONS_ELEMENTS])}
    if block_id is not None:
        block["block_id"] = block_id[:ID_LENGTH]
    return block


def button(
    text: str,
    action_id: str,
    value: str | None = None,
    *,
    style: str | None = None,
    confirm: Block | None = None,
) -> Block:
    element: Block = {
        "type": "button",
        "text": plain(text, BUTTON_TEXT),
        "action_id": action_id[:ID_LENGTH],
    }
    if value is not None:
        if len(value) > BUTTON_VALUE:
            raise ValueError(f"button value of {len(value)} characters (limit {BUTTON_VALUE})")
        element["value"] = value
    if style is not None:
        element["style"] = style
    if confirm is not None:
        element["confirm"] = confirm
    return element


def confirm_dialog(title: str, text: str, yes: str, no: str = "Cancel") -> Block:
    return {
        "title": plain(title, CONFIRM_TITLE),
        "text": {"type": "plain_text", "text": truncate(text, CONFIRM_TEXT)},
        "confirm": plain(yes, VIEW_TITLE),
        "deny": plain(no, VIEW_TITLE),
        "style": "danger",
    }


def option(text: str, value: str, description: str | None = None) -> Block:
    if len(value) > OPTION_VALUE:
        raise ValueError(f"option value of {len(value)} characters (limit {OPTION_VALUE})")
    item: Block = {"text": plain(text, OPTION_TEXT), "value": value}
    if description:
        item["description"] = plain(description, OPTION_TEXT)
    return item


def static_select(
    action_id: str,
    options: Sequence[Block],
    *,
    initial: str | None = None,
    placeholder: str = "Choose…",
) -> Block:
    element: Block = {
        "type": "static_select",
        "action_id": action_id,
        "placeholder": plain(placeholder, PLACEHOLDER),
        "options": list(options[:OPTIONS]),
    }
    chosen = next((o for o in element["options"] if o["value"] == initial), None)
    if chosen is not None:
        element["initial_option"] = chosen
    return element


def radio_buttons(action_id: str, options: Sequence[Block], *, initial: str | None = None) -> Block:
    element: Block = {
        "type": "radio_buttons",
        "action_id": action_id,
        "options": list(options[:10]),
    }
    chosen = next((o for o in element["options"] if o["value"] == initial), None)
    if chosen is not None:
        element["initial_option"] = chosen
    return element


def checkboxes(action_id: str, options: Sequence[Block], *, initial: Sequence[str] = ()) -> Block:
    element: Block = {"type": "checkboxes", "action_id": action_id, "options": list(options[:10])}
    chosen = [o for o in element["options"] if o["value"] in initial]
    if chosen:
        element["initial_options"] = chosen
    return element


def timepicker(action_id: str, *, initial: str | None = None) -> Block:
    element: Block = {"type": "timepicker", "action_id": action_id}
    if initial:
        element["initial_time"] = initial
    return element


def datepicker(action_id: str, *, initial: str | None = None) -> Block:
    element: Block = {"type": "datepicker", "action_id": action_id}
    if initial:
        element["initial_date"] = initial
    return element


def conversations_select(action_id: str, *, initial: str | None = None) -> Block:
    element: Block = {
        "type": "conversations_select",
        "action_id": action_id,
        "placeholder": plain("Choose a channel", PLACEHOLDER),
        "filter": {"include": ["public", "private"], "exclude_bot_users": True},
    }
    if initial:
        element["initial_conversation"] = initial
    return element


def multi_static_select(
    action_id: str,
    options: Sequence[Block],
    *,
    initial: Sequence[str] = (),
    max_selected: int | None = None,
    placeholder: str = "Choose…",
) -> Block:
    element: Block = {
        "type": "multi_static_select",
        "action_id": action_id,
        "placeholder": plain(placeholder, PLACEHOLDER),
        "options": list(options[:OPTIONS]),
    }
    chosen = [o for o in element["options"] if o["value"] in set(initial)]
    if chosen:
        element["initial_options"] = chosen
    if max_selected is not None:
        element["max_selected_items"] = max_selected
    return element


def multi_users_select(action_id: str, *, initial: list[str] | None = None) -> Block:
    element: Block = {
        "type": "multi_users_select",
        "action_id": action_id,
        "placeholder": plain("Choose people", PLACEHOLDER),
    }
    if initial:
        element["initial_users"] = list(initial)
    return element


def text_input(
    action_id: str,
    *,
    multiline: bool = False,
    max_length: int | None = None,
    initial: str | None = None,
    placeholder: str | None = None,
) -> Block:
    element: Block = {"type": "plain_text_input", "action_id": action_id, "multiline": multiline}
    if max_length is not None:
        element["max_length"] = min(max_length, INPUT_MAX_LENGTH)
    if initial:
        element["initial_value"] = initial[: element.get("max_length", INPUT_MAX_LENGTH)]
    if placeholder:
        element["placeholder"] = plain(placeholder, PLACEHOLDER)
    return element


def input_block(
    label: str,
    element: Block,
    *,
    block_id: str,
    optional: bool = False,
    hint: str | None = None,
) -> Block:
    block: Block = {
        "type": "input",
        "block_id": block_id,
        "label": plain(label, INPUT_LABEL),
        "element": element,
        "optional": optional,
    }
    if hint:
        block["hint"] = plain(hint, INPUT_HINT)
    return block


IMAGE_ALT_TEXT = 2000
IMAGE_TITLE = 2000


def image(slack_file_id: str, alt_text: str, title: str | None = None) -> Block:
    """An image the bot uploaded to Slack (``slack_file``), with its words for screen readers
    and for clients that cannot show it."""
    block: Block = {
        "type": "image",
        "slack_file": {"id": slack_file_id},
        "alt_text": truncate(alt_text, IMAGE_ALT_TEXT),
    }
    if title:
        block["title"] = plain(title, IMAGE_TITLE)
    return block


def preformatted(text: str) -> Block:
    """A monospace section (a table of figures); cut to the section limit."""
    return section("```\n" + truncate(text, SECTION_TEXT - 8) + "\n```")


def fit(
    blocks: Sequence[Block], limit: int, more: Callable[[int], str] | None = None
) -> list[Block]:
    """At most ``limit`` blocks; when cut, the last one says how many were left out."""
    if len(blocks) <= limit:
        return list(blocks)
    kept = list(blocks[: limit - 1])
    left_out = len(blocks) - len(kept)
    kept.append(context(more(left_out) if more else f"…and {left_out} more"))
    return kept


def message(blocks: Sequence[Block], text: str) -> dict[str, Any]:
    """Keyword arguments for chat.postMessage / respond: blocks plus notification text."""
    return {
        "blocks": fit(blocks, MESSAGE_BLOCKS),
        "text": truncate(neutralise(to_plain(text)), FALLBACK_TEXT),
    }


def notice(text: str) -> dict[str, Any]:
    """A one-section message: the text is also its notification."""
    return message([section(text)], text)


def modal(
    title: str,
    blocks: Sequence[Block],
    *,
    callback_id: str,
    submit: str | None = None,
    close: str = "Cancel",
    private_metadata: dict[str, Any] | None = None,
    external_id: str | None = None,
) -> dict[str, Any]:
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain(title, VIEW_TITLE),
        "close": plain(close, VIEW_TITLE),
        "blocks": fit(blocks, VIEW_BLOCKS),
    }
    if submit is not None:
        view["submit"] = plain(submit, VIEW_TITLE)
    if private_metadata:
        encoded = json.dumps(private_metadata, separators=(",", ":"))
        if len(encoded) > PRIVATE_METADATA:
            raise ValueError(f"private_metadata of {len(encoded)} characters")
        view["private_metadata"] = encoded
    if external_id is not None:
        view["external_id"] = external_id[:ID_LENGTH]
    return view


def home(blocks: Sequence[Block]) -> dict[str, Any]:
    return {"type": "home", "blocks": fit(blocks, VIEW_BLOCKS)}


def metadata(view: dict[str, Any]) -> dict[str, Any]:
    """The private_metadata a ``modal`` stored, decoded (empty when none)."""
    raw = view.get("private_metadata") or ""
    try:
        decoded = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    return decoded if isinstance(decoded, dict) else {}
