"""Slack's Block Kit limits, and the complaints Slack makes when a message or view breaks one.

Used by the Web API stand-in (a message or view that breaks a limit is refused with Slack's
error, as real Slack refuses it) and by tests that check the bot's blocks directly.

Judgement calls — where Slack's documentation and recorded responses did not settle a detail:
- Complaints use the wording of real Slack responses ("must be less than 3001 characters", "no
  more than 50 items allowed", "must be more than 0 characters", "missing required field:
  text", "unsupported type: x", "must be a valid enum value"), each followed by
  `[json-pointer:/blocks/…]`. Messages answer `invalid_blocks` with the complaints in both
  `errors` and `response_metadata.messages` (prefixed "[ERROR] "), as chat.postMessage does;
  views answer `invalid_arguments` with `response_metadata.messages` only. The wording for a
  repeated block_id ("duplicate block_id: x") and for a plain_text_input `max_length` over
  3,000 is a guess, and Slack's extra "failed to match all allowed schemas" lines are left out.
- The `markdown` block's text is held to 12,000 characters (its documented cumulative limit);
  every other text object to 3,000 unless a tighter limit applies. Which block types a message
  (as opposed to a view) may hold is not checked.
"""

from __future__ import annotations

import re
from typing import Any

# ---------------------------------------------------------------------------------------------
# Block Kit limits, as Slack documents them
# ---------------------------------------------------------------------------------------------

MESSAGE_BLOCK_LIMIT = 50
VIEW_BLOCK_LIMIT = 100
MESSAGE_TEXT_LIMIT = 40_000

TEXT_LIMIT = 3_000  # any text object, unless a tighter limit below applies
SECTION_FIELD_LIMIT = 2_000
SECTION_FIELDS_MAX = 10
HEADER_TEXT_LIMIT = 150
CONTEXT_ELEMENTS_MAX = 10
ACTIONS_ELEMENTS_MAX = 25
MARKDOWN_BLOCK_LIMIT = 12_000
INPUT_LABEL_LIMIT = 2_000
INPUT_HINT_LIMIT = 2_000
IMAGE_ALT_TEXT_LIMIT = 2_000
URL_LIMIT = 3_000
ID_LIMIT = 255  # action_id, block_id, callback_id, external_id
BUTTON_TEXT_LIMIT = 75
BUTTON_VALUE_LIMIT = 2_000
PLACEHOLDER_LIMIT = 150
OPTION_TEXT_LIMIT = 75
OPTION_VALUE_LIMIT = 150
SELECT_OPTIONS_MAX = 100
RADIO_OPTIONS_MAX = 10
OVERFLOW_OPTIONS_MAX = 5
PLAIN_TEXT_INPUT_LIMIT = 3_000  # max_length, min_length, initial_value
VIEW_TITLE_LIMIT = 24  # title, submit and close
PRIVATE_METADATA_LIMIT = 3_000

BLOCK_TYPES = frozenset(
    {
        "section",
        "header",
        "divider",
        "context",
        "actions",
        "input",
        "image",
        "rich_text",
        "markdown",
    }
)

_SELECTS_WITH_OPTIONS = {"static_select", "multi_static_select"}
_OPTION_LISTS_MAX = {"radio_buttons": RADIO_OPTIONS_MAX, "checkboxes": RADIO_OPTIONS_MAX}
_OPTION_LISTS_MAX["overflow"] = OVERFLOW_OPTIONS_MAX
_ELEMENTS_WITHOUT_OPTIONS = {
    "button",
    "datepicker",
    "datetimepicker",
    "timepicker",
    "plain_text_input",
    "email_text_input",
    "url_text_input",
    "number_input",
    "rich_text_input",
    "file_input",
    "image",
    "users_select",
    "multi_users_select",
    "conversations_select",
    "multi_conversations_select",
    "channels_select",
    "multi_channels_select",
    "external_select",
    "multi_external_select",
    "workflow_button",
}
ELEMENT_TYPES = frozenset(
    _ELEMENTS_WITHOUT_OPTIONS | _SELECTS_WITH_OPTIONS | set(_OPTION_LISTS_MAX)
)


class _BlockKitCheck:
    """Collects Slack-worded complaints about one message or view, each with its JSON pointer."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def fail(self, pointer: str, complaint: str) -> None:
        self.errors.append(f"{complaint} [json-pointer:{pointer}]")

    def chars(self, value: Any, limit: int, pointer: str) -> None:
        if value is None:
            return
        if not isinstance(value, str):
            self.fail(pointer, "must be a string")
        elif len(value) > limit:
            self.fail(pointer, f"must be less than {limit + 1} characters")

    def required(self, obj: dict, key: str, pointer: str) -> Any:
        if obj.get(key) is None:
            self.fail(pointer, f"missing required field: {key}")
        return obj.get(key)

    def items(self, value: Any, limit: int, pointer: str, *, minimum: int = 0) -> list:
        if not isinstance(value, list):
            self.fail(pointer, "must be an array")
            return []
        if len(value) > limit:
            self.fail(pointer, f"no more than {limit} items allowed")
        if len(value) < minimum:
            self.fail(pointer, f"must provide at least {minimum} items")
        return value

    def text(self, obj: Any, pointer: str, limit: int = TEXT_LIMIT, *, plain: bool = False) -> None:
        """A text object: `{"type": "plain_text" | "mrkdwn", "text": "…"}`, non-empty."""
        if obj is None:
            return
        if not isinstance(obj, dict):
            self.fail(pointer, "must be an object")
            return
        kind = obj.get("type")
        if kind is None:
            self.fail(pointer, "missing required field: type")
        elif kind not in (("plain_text",) if plain else ("plain_text", "mrkdwn")):
            self.fail(f"{pointer}/type", "must be a valid enum value")
        value = obj.get("text")
        if value is None:
            self.fail(pointer, "missing required field: text")
        elif not isinstance(value, str):
            self.fail(f"{pointer}/text", "must be a string")
        elif not value:
            self.fail(f"{pointer}/text", "must be more than 0 characters")
        else:
            self.chars(value, limit, f"{pointer}/text")

    # -- blocks ---------------------------------------------------------------------------

    def blocks(self, blocks: Any, pointer: str, limit: int) -> None:
        block_ids: set[str] = set()
        for index, block in enumerate(self.items(blocks, limit, pointer)):
            at = f"{pointer}/{index}"
            if not isinstance(block, dict):
                self.fail(at, "must be an object")
                continue
            block_id = block.get("block_id")
            if block_id is not None:
                self.chars(block_id, ID_LIMIT, f"{at}/block_id")
                if block_id in block_ids:
                    self.fail(f"{at}/block_id", f"duplicate block_id: {block_id}")
                block_ids.add(block_id)
            kind = block.get("type")
            if kind is None:
                self.fail(at, "missing required field: type")
            elif kind not in BLOCK_TYPES:
                self.fail(f"{at}/type", f"unsupported type: {kind}")
            else:
                getattr(self, f"_{kind}_block")(block, at)

    def _section_block(self, block: dict, at: str) -> None:
        if block.get("text") is None and block.get("fields") is None:
            self.fail(at, "must define either `text` or `fields`")
        self.text(block.get("text"), f"{at}/text")
        if block.get("fields") is not None:
            fields = self.items(block["fields"], SECTION_FIELDS_MAX, f"{at}/fields", minimum=1)
            for index, item in enumerate(fields):
                self.text(item, f"{at}/fields/{index}", SECTION_FIELD_LIMIT)
        if block.get("accessory") is not None:
            self.element(block["accessory"], f"{at}/accessory")

    def _header_block(self, block: dict, at: str) -> None:
        text = self.required(block, "text", at)
        self.text(text, f"{at}/text", HEADER_TEXT_LIMIT, plain=True)

    def _divider_block(self, block: dict, at: str) -> None:
        pass

    def _context_block(self, block: dict, at: str) -> None:
        elements = self.required(block, "elements", at)
        if elements is None:
            return
        for index, item in enumerate(
            self.items(elements, CONTEXT_ELEMENTS_MAX, f"{at}/elements", minimum=1)
        ):
            if isinstance(item, dict) and item.get("type") == "image":
                self.element(item, f"{at}/elements/{index}")
            else:
                self.text(item, f"{at}/elements/{index}")

    def _actions_block(self, block: dict, at: str) -> None:
        elements = self.required(block, "elements", at)
        if elements is None:
            return
        for index, item in enumerate(
            self.items(elements, ACTIONS_ELEMENTS_MAX, f"{at}/elements", minimum=1)
        ):
            self.element(item, f"{at}/elements/{index}")

    def _input_block(self, block: dict, at: str) -> None:
        label = self.required(block, "label", at)
        self.text(label, f"{at}/label", INPUT_LABEL_LIMIT, plain=True)
        self.text(block.get("hint"), f"{at}/hint", INPUT_HINT_LIMIT, plain=True)
        element = self.required(block, "element", at)
        if element is not None:
            self.element(element, f"{at}/element")

    def _image_block(self, block: dict, at: str) -> None:
        self.element(block, at)
        self.text(block.get("title"), f"{at}/title", INPUT_LABEL_LIMIT, plain=True)

    def _rich_text_block(self, block: dict, at: str) -> None:
        elements = self.required(block, "elements", at)
        if elements is not None and not isinstance(elements, list):
            self.fail(f"{at}/elements", "must be an array")

    def _markdown_block(self, block: dict, at: str) -> None:
        text = self.required(block, "text", at)
        if isinstance(text, str) and not text:
            self.fail(f"{at}/text", "must be more than 0 characters")
        self.chars(text, MARKDOWN_BLOCK_LIMIT, f"{at}/text")

    # -- elements -------------------------------------------------------------------------

    def element(self, element: Any, at: str) -> None:
        if not isinstance(element, dict):
            self.fail(at, "must be an object")
            return
        kind = element.get("type")
        if kind is None:
            self.fail(at, "missing required field: type")
            return
        if kind not in ELEMENT_TYPES:
            self.fail(f"{at}/type", f"unsupported type: {kind}")
            return
        self.chars(element.get("action_id"), ID_LIMIT, f"{at}/action_id")
        self.text(element.get("placeholder"), f"{at}/placeholder", PLACEHOLDER_LIMIT, plain=True)
        if kind == "button":
            self.text(
                self.required(element, "text", at), f"{at}/text", BUTTON_TEXT_LIMIT, plain=True
            )
            self.chars(element.get("value"), BUTTON_VALUE_LIMIT, f"{at}/value")
            self.chars(element.get("url"), URL_LIMIT, f"{at}/url")
            if element.get("style") not in (None, "primary", "danger"):
                self.fail(f"{at}/style", "must be a valid enum value")
        elif kind == "image":
            if element.get("image_url") is None and element.get("slack_file") is None:
                self.fail(at, "missing required field: image_url")
            if element.get("image_url") is not None and element.get("slack_file") is not None:
                self.fail(at, "must provide either image_url or slack_file, not both")
            self._slack_file(element.get("slack_file"), f"{at}/slack_file")
            self.chars(element.get("image_url"), URL_LIMIT, f"{at}/image_url")
            alt_text = self.required(element, "alt_text", at)
            self.chars(alt_text, IMAGE_ALT_TEXT_LIMIT, f"{at}/alt_text")
            if isinstance(alt_text, str) and not alt_text.strip():
                # What a screen reader says instead of the picture: words, never blank.
                self.fail(f"{at}/alt_text", "must be more than 0 characters")
        elif kind == "plain_text_input":
            for key in ("initial_value", "max_length", "min_length"):
                self._text_input_limit(element.get(key), f"{at}/{key}")
        elif kind in _SELECTS_WITH_OPTIONS:
            if element.get("options") is None and element.get("option_groups") is None:
                self.fail(at, "must define either `options` or `option_groups`")
            self._options(element.get("options"), SELECT_OPTIONS_MAX, f"{at}/options", plain=True)
            groups = element.get("option_groups")
            if groups is not None:
                for index, group in enumerate(
                    self.items(groups, SELECT_OPTIONS_MAX, f"{at}/option_groups", minimum=1)
                ):
                    group_at = f"{at}/option_groups/{index}"
                    if isinstance(group, dict):
                        self.text(group.get("label"), f"{group_at}/label", OPTION_TEXT_LIMIT)
                        options = group.get("options")
                        self._options(
                            options, SELECT_OPTIONS_MAX, f"{group_at}/options", plain=True
                        )
        elif kind in _OPTION_LISTS_MAX:
            options = self.required(element, "options", at)
            self._options(options, _OPTION_LISTS_MAX[kind], f"{at}/options", plain=False)

    def _slack_file(self, value: Any, pointer: str) -> None:
        """A slack_file object: a file's id (F…) or its url, exactly one of them."""
        if value is None:
            return
        if not isinstance(value, dict):
            self.fail(pointer, "must be an object")
            return
        if (value.get("id") is None) == (value.get("url") is None):
            self.fail(pointer, "must provide exactly one of id or url")
        file_id = value.get("id")
        if file_id is not None and not (
            isinstance(file_id, str) and re.fullmatch(r"F[A-Z0-9]{8,}", file_id)
        ):
            self.fail(f"{pointer}/id", "input must match regex pattern: ^[F][A-Z0-9]{8,}$")

    def _text_input_limit(self, value: Any, pointer: str) -> None:
        if isinstance(value, int) and value > PLAIN_TEXT_INPUT_LIMIT:
            self.fail(pointer, f"must be less than {PLAIN_TEXT_INPUT_LIMIT + 1}")
        elif isinstance(value, str):
            self.chars(value, PLAIN_TEXT_INPUT_LIMIT, pointer)

    def _options(self, options: Any, limit: int, pointer: str, *, plain: bool) -> None:
        if options is None:
            return
        for index, option in enumerate(self.items(options, limit, pointer, minimum=1)):
            at = f"{pointer}/{index}"
            if not isinstance(option, dict):
                self.fail(at, "must be an object")
                continue
            self.text(
                self.required(option, "text", at), f"{at}/text", OPTION_TEXT_LIMIT, plain=plain
            )
            self.chars(self.required(option, "value", at), OPTION_VALUE_LIMIT, f"{at}/value")
            self.text(option.get("description"), f"{at}/description", OPTION_TEXT_LIMIT)


def message_block_errors(blocks: Any, pointer: str = "/blocks") -> list[str]:
    """Slack's complaints about a message's blocks (empty when Slack would accept them)."""
    check = _BlockKitCheck()
    check.blocks(blocks, pointer, MESSAGE_BLOCK_LIMIT)
    return check.errors


def view_errors(view: Any) -> list[str]:
    """Slack's complaints about a modal or Home tab view (empty when Slack would accept it)."""
    check = _BlockKitCheck()
    if not isinstance(view, dict):
        check.fail("/view", "must be an object")
        return check.errors
    kind = view.get("type")
    if kind not in ("modal", "home"):
        check.fail("/view/type", "must be a valid enum value")
    if kind == "modal":
        check.text(
            check.required(view, "title", "/view"), "/view/title", VIEW_TITLE_LIMIT, plain=True
        )
        for key in ("submit", "close"):
            check.text(view.get(key), f"/view/{key}", VIEW_TITLE_LIMIT, plain=True)
    check.chars(view.get("private_metadata"), PRIVATE_METADATA_LIMIT, "/view/private_metadata")
    check.chars(view.get("callback_id"), ID_LIMIT, "/view/callback_id")
    check.chars(view.get("external_id"), ID_LIMIT, "/view/external_id")
    blocks = check.required(view, "blocks", "/view")
    if blocks is not None:
        check.blocks(blocks, "/view/blocks", VIEW_BLOCK_LIMIT)
        has_input = any(isinstance(b, dict) and b.get("type") == "input" for b in blocks or [])
        if kind == "modal" and has_input and view.get("submit") is None:
            check.fail("/view/submit", "must define `submit` to use an `input` block in modals")
    return check.errors


def slack_file_references(blocks: Any, pointer: str = "/blocks") -> list[tuple[str, dict]]:
    """(JSON pointer, slack_file object) of every image in blocks that refers to a Slack file."""
    found: list[tuple[str, dict]] = []

    def walk(node: Any, at: str) -> None:
        if isinstance(node, dict):
            if node.get("type") == "image" and isinstance(node.get("slack_file"), dict):
                found.append((f"{at}/slack_file", node["slack_file"]))
            for key, value in node.items():
                walk(value, f"{at}/{key}")
        elif isinstance(node, list):
            for index, item in enumerate(node):
                walk(item, f"{at}/{index}")

    walk(blocks, pointer)
    return found
