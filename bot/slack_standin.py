"""A local stand-in for Slack, and a driver that sends the bot signed requests the way Slack does.

`SlackStandIn` serves enough of Slack's Web API on 127.0.0.1 for the bot to run against it
without a workspace: point slack_sdk's `WebClient(base_url=standin.api_url)` at it. It keeps a
small workspace (users, channels, DMs, messages, reactions, modals, Home tabs, files), answers
in Slack's response shapes and error names, enforces Block Kit's limits with Slack's wording, and
records every call so tests can assert what the bot sent. Failures can be injected per method:
HTTP 429 with `Retry-After`, 5xx, `{"ok": false}` errors, and dropped connections.

`SlackDriver` plays Slack's other half: it posts slash commands, events and interactions to the
bot's HTTP endpoint, signed with the signing secret (or deliberately not), with `response_url`s
and `trigger_id`s the stand-in knows.

    with SlackStandIn() as slack:
        slack.add_user("U1", name="ada")
        slack.add_channel("C1", "general")
        client = WebClient(token=slack.bot_token, base_url=slack.api_url)
        client.chat_postMessage(channel="C1", text="Hello")
        assert slack.last("chat.postMessage").args["text"] == "Hello"

Standard library only, so the `kindness-bot sandbox` command can use it as well as the tests.

Judgement calls — where Slack's documentation and recorded responses did not settle a detail:
- Block Kit complaints use the wording of real Slack responses ("must be less than 3001
  characters", "no more than 50 items allowed", "must be more than 0 characters", "missing
  required field: text", "unsupported type: x", "must be a valid enum value"), each followed by
  `[json-pointer:/blocks/…]`. Messages answer `invalid_blocks` with the complaints in both
  `errors` and `response_metadata.messages` (prefixed "[ERROR] "), as chat.postMessage does;
  views answer `invalid_arguments` with `response_metadata.messages` only. The wording for a
  repeated block_id ("duplicate block_id: x") and for a plain_text_input `max_length` over
  3,000 is a guess, and Slack's extra "failed to match all allowed schemas" lines are left out.
- The `markdown` block's text is held to 12,000 characters (its documented cumulative limit);
  every other text object to 3,000 unless a tighter limit applies. Which block types a message
  (as opposed to a view) may hold is not checked.
- A `trigger_id` used a second time answers `exchanged_trigger_id` (Slack's documented error,
  and what Bolt users report) rather than `expired_trigger_id`; one older than 3 seconds answers
  `expired_trigger_id`; one the stand-in never issued, `invalid_trigger_id`. Only a call that
  succeeds spends a trigger.
- An unknown method answers HTTP 200 `{"ok": false, "error": "unknown_method"}`; an injected
  500/503 carries a JSON body (`internal_error` / `service_unavailable`), not an HTML page.
- response_url: 200 "ok" on success; a rejected body gets HTTP 400 with the bare error name as
  text ("invalid_blocks", "no_text", "msg_too_long", "invalid_payload"), as incoming webhooks
  do; an unknown id 404 "no_service"; a sixth use 404 "used_url" (Slack allows five).
- The upload URL answers 200 "OK - <bytes>" and takes a raw body or multipart form data.
- Group DMs (conversations.open with several users) are not modelled and are refused.
- A user's `tz_label` is the zone's abbreviation ("BST"), not Slack's long name; `tz_offset` is
  computed from zoneinfo when users.info is called.
"""

from __future__ import annotations

import contextlib
import email.parser
import email.policy
import hashlib
import hmac
import itertools
import json
import secrets
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from zoneinfo import ZoneInfo

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
            self.chars(element.get("image_url"), URL_LIMIT, f"{at}/image_url")
            self.chars(
                self.required(element, "alt_text", at), IMAGE_ALT_TEXT_LIMIT, f"{at}/alt_text"
            )
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


# ---------------------------------------------------------------------------------------------
# What the stand-in records
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    """One request the stand-in received.

    `method` is the Web API method ("chat.postMessage"), or "response_url" for a post to a
    response URL, or "file_upload" for the bytes sent to an upload URL. `args` are the decoded
    arguments (JSON strings such as `blocks` and `view` already parsed; the token left out).
    `status` is the HTTP status answered (0 when the connection was dropped) and `error` the
    Slack error name when the answer was not ok.
    """

    method: str
    args: dict[str, Any]
    at: float
    status: int = 200
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == 200 and self.error is None


@dataclass(frozen=True)
class UploadedFile:
    """A file uploaded with files.getUploadURLExternal + files.completeUploadExternal."""

    id: str
    name: str
    title: str
    content: bytes
    channels: tuple[str, ...]
    initial_comment: str | None = None
    thread_ts: str | None = None

    @property
    def channel(self) -> str | None:
        return self.channels[0] if self.channels else None


class _ApiError(Exception):
    """A Slack error answer: `{"ok": false, "error": error, **extra}`."""

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra


@dataclass
class _Answer:
    status: int
    body: bytes
    content_type: str = "application/json; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    drop: bool = False

    @classmethod
    def json(cls, payload: dict, status: int = 200, **headers: str) -> _Answer:
        error = None if payload.get("ok", True) else payload.get("error")
        return cls(status, json.dumps(payload).encode(), headers=headers, error=error)

    @classmethod
    def text(cls, text: str, status: int = 200, error: str | None = None) -> _Answer:
        return cls(status, text.encode(), "text/plain; charset=utf-8", error=error)


@dataclass
class _Fault:
    status: int | None
    error: str | None
    retry_after: int
    drop: bool = False

    def answer(self) -> _Answer:
        if self.drop:
            return _Answer(0, b"", error="connection_dropped", drop=True)
        if self.status is None or self.status == 200:
            return _Answer.json({"ok": False, "error": self.error})
        if self.status == 429:
            body = {"ok": False, "error": self.error or "ratelimited"}
            return _Answer.json(body, 429, **{"Retry-After": str(self.retry_after)})
        default = {500: "internal_error", 503: "service_unavailable"}.get(
            self.status, "fatal_error"
        )
        return _Answer.json({"ok": False, "error": self.error or default}, self.status)


@dataclass
class _ResponseUrl:
    channel: str | None
    user: str | None
    message_ts: str | None
    uses: int = 0


# slack_sdk sends these as JSON strings inside form bodies.
_JSON_ARGS = ("blocks", "attachments", "view", "files", "metadata")
_RESPONSE_URL_USES = 5
_TRIGGER_LIFETIME_SECONDS = 3.0
_VIEW_STACK_MAX = 3


class SlackStandIn:
    """Slack's Web API, response URLs and file uploads, served on 127.0.0.1.

    State is a small believable workspace; add people and channels with `add_user` and
    `add_channel`. The bot's own user exists from the start.
    """

    def __init__(
        self,
        team_id: str = "T0KIND",
        team_name: str = "Kindness Network",
        bot_user_id: str = "UKINDBOT",
        bot_token: str = "xoxb-standin-token",
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        permalink_host: str | None = None,
    ) -> None:
        if host != "127.0.0.1":
            raise ValueError("the stand-in binds 127.0.0.1 only")
        self.team_id = team_id
        self.team_name = team_name
        self.team_domain = "-".join(team_name.lower().split())
        self.bot_user_id = bot_user_id
        self.bot_id = "B" + bot_user_id[1:]
        self.app_id = "A" + bot_user_id[1:]
        self.bot_token = bot_token
        self.permalink_host = permalink_host or f"{self.team_domain}.slack.com"
        self._host = host
        self._requested_port = port
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.RLock()
        self._ids = itertools.count(1)
        self._last_ts_micros = 0
        self._calls: list[Call] = []
        self._faults: dict[str, deque[_Fault]] = {}
        self._holds: dict[str, threading.Event] = {}
        self._users: dict[str, dict] = {}
        self._channels: dict[str, dict] = {}
        self._dms: dict[str, str] = {}  # user id -> DM channel id
        self._messages: dict[str, list[dict]] = {}  # channel id -> messages, oldest first
        self._ephemerals: list[dict] = []
        self._views: dict[str, dict] = {}  # modal view id -> view
        self._home_views: dict[str, dict] = {}  # user id -> Home tab view
        self._triggers: dict[str, tuple[float, str | None]] = {}  # id -> (issued at, view id)
        self._spent_triggers: set[str] = set()
        self._response_urls: dict[str, _ResponseUrl] = {}
        self._responses: list[tuple[str, dict]] = []  # (url, accepted body)
        self._pending_uploads: dict[str, dict] = {}  # file id -> {"filename", "length", "content"}
        self._files: list[UploadedFile] = []
        self.add_user(bot_user_id, name="kindness", real_name="Kindness Bot", tz="UTC", is_bot=True)

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> SlackStandIn:
        """Serve in a daemon thread; returns self."""
        if self._server is not None:
            return self
        handler = type("_BoundHandler", (_Handler,), {"standin": self})
        self._server = ThreadingHTTPServer((self._host, self._requested_port), handler)
        self._server.daemon_threads = True
        # A short poll interval keeps stop() quick; tests start and stop a stand-in each.
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="slack-standin", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> SlackStandIn:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the stand-in is not started")
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://{self._host}:{self.port}"

    @property
    def api_url(self) -> str:
        """The `base_url` for slack_sdk's WebClient (it appends the method name)."""
        return f"{self.base_url}/api/"

    # -- the workspace --------------------------------------------------------------------

    def add_user(
        self,
        user_id: str,
        name: str = "member",
        real_name: str | None = None,
        tz: str = "Europe/London",
        is_admin: bool = False,
        is_owner: bool = False,
        is_bot: bool = False,
    ) -> dict:
        """Add (or replace) a person; returns their users.info object."""
        ZoneInfo(tz)  # an unknown zone fails here, not in the middle of a users.info call
        real_name = real_name if real_name is not None else name
        user = {
            "id": user_id,
            "team_id": self.team_id,
            "name": name,
            "deleted": False,
            "real_name": real_name,
            "tz": tz,
            "is_admin": is_admin,
            "is_owner": is_owner,
            "is_primary_owner": is_owner,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": is_bot,
            "is_app_user": False,
            "updated": int(time.time()),
            "profile": {
                "real_name": real_name,
                "real_name_normalized": real_name,
                "display_name": name,
                "display_name_normalized": name,
                "team": self.team_id,
            },
        }
        if is_bot:
            user["profile"]["bot_id"] = self.bot_id
        with self._lock:
            self._users[user_id] = user
        return self._user_info(user_id)

    def add_channel(
        self, channel_id: str, name: str, is_private: bool = False, bot_is_member: bool = True
    ) -> dict:
        """Add (or replace) a channel; returns its conversations.info object."""
        channel = {
            "id": channel_id,
            "name": name,
            "name_normalized": name,
            "is_channel": not is_private,
            "is_group": is_private,
            "is_im": False,
            "is_mpim": False,
            "is_private": is_private,
            "is_archived": False,
            "is_general": name == "general",
            "is_member": bot_is_member,
            "created": int(time.time()),
            "creator": "",
            "topic": {"value": "", "creator": "", "last_set": 0},
            "purpose": {"value": "", "creator": "", "last_set": 0},
            "previous_names": [],
        }
        with self._lock:
            self._channels[channel_id] = channel
            self._messages.setdefault(channel_id, [])
        return _copy(channel)

    def new_response_url(
        self, *, channel: str | None = None, user: str | None = None, message_ts: str | None = None
    ) -> str:
        """A fresh response_url; `channel`, `user` and `message_ts` say where its answers land."""
        url_id = secrets.token_hex(12)
        with self._lock:
            self._response_urls[url_id] = _ResponseUrl(channel, user, message_ts)
        return f"{self.base_url}/response/{url_id}"

    def new_trigger_id(self, *, view_id: str | None = None) -> str:
        """A fresh trigger_id, good for one views.open/views.push within 3 seconds."""
        trigger_id = f"{next(self._ids)}.{int(time.time())}.{secrets.token_hex(16)}"
        with self._lock:
            self._triggers[trigger_id] = (time.monotonic(), view_id)
        return trigger_id

    # -- what the bot did -------------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        with self._lock:
            return list(self._calls)

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [call for call in self._calls if call.method == method]

    def last(self, method: str) -> Call:
        """The latest call to `method`; an AssertionError naming what was called if none."""
        calls = self.calls_to(method)
        if not calls:
            made = [call.method for call in self.calls]
            raise AssertionError(f"no call to {method}; calls made: {made or 'none'}")
        return calls[-1]

    def clear(self) -> None:
        """Forget recorded calls and response_url posts; the workspace's state stays."""
        with self._lock:
            self._calls.clear()
            self._responses.clear()

    def responses(self, url: str | None = None) -> list[dict]:
        """Bodies accepted by response URLs (one URL's, or all), oldest first."""
        with self._lock:
            return [_copy(body) for posted_to, body in self._responses if url in (None, posted_to)]

    def messages_in(self, channel: str) -> list[dict]:
        """Every message in a channel or DM (thread replies included), oldest first."""
        with self._lock:
            return _copy(self._messages.get(channel, []))

    def ephemerals(self, user: str | None = None) -> list[dict]:
        """Ephemeral messages (chat.postEphemeral and response_url), for one person or all."""
        with self._lock:
            return [_copy(m) for m in self._ephemerals if user in (None, m["user"])]

    def view(self, view_id: str) -> dict | None:
        """An open modal by id (None once closed)."""
        with self._lock:
            return _copy(self._views.get(view_id))

    def open_views(self) -> list[dict]:
        """The modals open now, oldest first."""
        with self._lock:
            return _copy(list(self._views.values()))

    def home_view(self, user: str) -> dict | None:
        """The Home tab last published for a person."""
        with self._lock:
            return _copy(self._home_views.get(user))

    @property
    def files(self) -> list[UploadedFile]:
        with self._lock:
            return list(self._files)

    # -- failure injection ------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        *,
        status: int | None = None,
        error: str | None = None,
        retry_after: int = 1,
        times: int = 1,
    ) -> None:
        """Make the next `times` calls to `method` fail.

        status=429: HTTP 429, `Retry-After: retry_after`, `{"ok": false, "error": "ratelimited"}`.
        status=500/503/…: that HTTP status with a Slack-like JSON body.
        error="not_in_channel" (no status): HTTP 200 `{"ok": false, "error": "not_in_channel"}`.
        `method` may also be "response_url" or "file_upload".
        """
        if status in (None, 200) and error is None:
            raise ValueError("give an HTTP error status, a Slack error name, or both")
        self._add_faults(method, _Fault(status, error, retry_after), times)

    def drop_next(self, method: str, times: int = 1) -> None:
        """Close the connection without answering the next `times` calls to `method`."""
        self._add_faults(method, _Fault(None, None, 0, drop=True), times)

    def hold(self, method: str) -> threading.Event:
        """Make calls to `method` wait until the returned event is set — a slow Slack.

        `method` may also be "response_url". Tests use it to show that the bot answers Slack's
        request before its slow work finishes; set the event to let the calls through.
        """
        release = threading.Event()
        with self._lock:
            self._holds[method] = release
        return release

    def _wait_if_held(self, method: str) -> None:
        with self._lock:
            release = self._holds.get(method)
        if release is not None and release.wait(timeout=30):
            with self._lock:
                if self._holds.get(method) is release:
                    del self._holds[method]

    def _add_faults(self, method: str, fault: _Fault, times: int) -> None:
        with self._lock:
            self._faults.setdefault(method, deque()).extend([fault] * times)

    def _take_fault(self, method: str) -> _Fault | None:
        with self._lock:
            queue = self._faults.get(method)
            return queue.popleft() if queue else None

    # -- HTTP -------------------------------------------------------------------------------

    def _handle(self, request: _Handler) -> None:
        path = urllib.parse.urlsplit(request.path)
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else b""
        route, _, rest = path.path.lstrip("/").partition("/")
        answerers = {
            "api": self._answer_api,
            "response": self._answer_response_url,
            "upload": self._answer_upload,
        }
        if route not in answerers:
            request.send_error(404)
            return
        try:
            method, args, answer = answerers[route](rest, request.headers, path.query, body)
        except Exception as bug:  # a stand-in bug must fail the call loudly, not hang it
            method, args = rest, {}
            answer = _Answer.json({"ok": False, "error": "standin_bug", "detail": repr(bug)}, 500)
        with self._lock:
            call = Call(method, args, time.time(), answer.status, answer.error)
            self._calls.append(call)
        if answer.drop:
            request.close_connection = True
            return
        request.send_response(answer.status)
        request.send_header("Content-Type", answer.content_type)
        request.send_header("Content-Length", str(len(answer.body)))
        for name, value in answer.headers.items():
            request.send_header(name, value)
        request.end_headers()
        request.wfile.write(answer.body)

    def _answer_api(
        self, method: str, headers: Any, query: str, body: bytes
    ) -> tuple[str, dict, _Answer]:
        try:
            args = _decode_args(headers.get("Content-Type", ""), query, body)
        except ValueError:
            return method, {}, _Answer.json({"ok": False, "error": "invalid_json"})
        token = args.pop("token", None)
        authorization = headers.get("Authorization", "")
        if authorization.startswith("Bearer "):
            token = authorization[len("Bearer ") :]
        self._wait_if_held(method)
        fault = self._take_fault(method)
        if fault is not None:
            return method, args, fault.answer()
        implementation = getattr(self, "_api_" + method.replace(".", "_"), None)
        if implementation is None:
            answer = {"ok": False, "error": "unknown_method", "req_method": method}
            return method, args, _Answer.json(answer)
        if not token:
            return method, args, _Answer.json({"ok": False, "error": "not_authed"})
        if token != self.bot_token:
            return method, args, _Answer.json({"ok": False, "error": "invalid_auth"})
        try:
            with self._lock:
                payload = implementation(args)
        except _ApiError as refusal:
            return (
                method,
                args,
                _Answer.json({"ok": False, "error": refusal.error, **refusal.extra}),
            )
        return method, args, _Answer.json({"ok": True, **payload})

    # -- Web API: identity ------------------------------------------------------------------

    def _api_auth_test(self, args: dict) -> dict:
        return {
            "url": f"https://{self.permalink_host}/",
            "team": self.team_name,
            "user": self._users[self.bot_user_id]["name"],
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _api_team_info(self, args: dict) -> dict:
        return {
            "team": {
                "id": self.team_id,
                "name": self.team_name,
                "domain": self.team_domain,
                "url": f"https://{self.permalink_host}/",
                "email_domain": "",
                "icon": {"image_default": True},
                "is_verified": False,
            }
        }

    def _api_users_info(self, args: dict) -> dict:
        if args.get("user") not in self._users:
            raise _ApiError("user_not_found")
        return {"user": self._user_info(args["user"])}

    def _user_info(self, user_id: str) -> dict:
        user = _copy(self._users[user_id])
        now = datetime.now(ZoneInfo(user["tz"]))
        offset = now.utcoffset()
        user["tz_label"] = now.tzname()
        user["tz_offset"] = int(offset.total_seconds()) if offset is not None else 0
        return user

    def _api_apps_connections_open(self, args: dict) -> dict:
        raise _ApiError("not_allowed_token_type")  # needs an app-level (xapp-) token

    # -- Web API: conversations -------------------------------------------------------------

    def _api_conversations_info(self, args: dict) -> dict:
        channel = self._channels.get(args.get("channel", ""))
        if not self._visible(channel):
            raise _ApiError("channel_not_found")
        return {"channel": _copy(channel)}

    def _visible(self, channel: dict | None) -> bool:
        """Whether the bot can see a conversation at all (Slack says channel_not_found if not)."""
        if channel is None:
            return False
        if channel["is_im"]:
            return "user" in channel  # its own DMs, not a DM between two people
        return not channel["is_private"] or channel["is_member"]

    def _api_conversations_open(self, args: dict) -> dict:
        if args.get("channel"):
            channel = self._channels.get(args["channel"])
            if channel is None or not channel["is_im"]:
                raise _ApiError("channel_not_found")
            return {"no_op": True, "already_open": True, "channel": _copy(channel)}
        users = [u for u in str(args.get("users") or "").split(",") if u]
        if not users:
            raise _ApiError("users_list_not_supplied")
        if len(users) > 1:
            # Group DMs are not modelled; say so rather than pretend.
            raise _ApiError("method_not_supported_for_channel_type")
        if users[0] not in self._users:
            raise _ApiError("user_not_found")
        already_open = users[0] in self._dms
        channel = self._channels[self._open_dm(users[0])]
        shown = _copy(channel) if _flag(args.get("return_im")) else {"id": channel["id"]}
        extra = {"no_op": True, "already_open": True} if already_open else {}
        return {**extra, "channel": shown}

    def _open_dm(self, user_id: str) -> str:
        if user_id not in self._dms:
            channel_id = f"D{next(self._ids):08d}"
            self._dms[user_id] = channel_id
            self._channels[channel_id] = {
                "id": channel_id,
                "created": int(time.time()),
                "is_im": True,
                "is_private": True,
                "is_org_shared": False,
                "user": user_id,
                "is_user_deleted": False,
                "priority": 0,
            }
            self._messages.setdefault(channel_id, [])
        return self._dms[user_id]

    def _api_conversations_join(self, args: dict) -> dict:
        channel = self._channels.get(args.get("channel", ""))
        if channel is None:
            raise _ApiError("channel_not_found")
        if channel["is_im"] or channel["is_private"]:
            raise _ApiError("method_not_supported_for_channel_type")
        if channel["is_member"]:
            warning = "already_in_channel"
            meta = {"warnings": [warning]}
            return {"channel": _copy(channel), "warning": warning, "response_metadata": meta}
        channel["is_member"] = True
        return {"channel": _copy(channel)}

    # -- Web API: messages ------------------------------------------------------------------

    def _api_chat_postMessage(self, args: dict) -> dict:
        channel = self._postable_channel(args.get("channel"))
        _check_message(args)
        message = self._bot_message(args)
        if args.get("thread_ts"):
            message["thread_ts"] = str(args["thread_ts"])
        self._messages[channel].append(message)
        return {"channel": channel, "ts": message["ts"], "message": _copy(message)}

    def _api_chat_postEphemeral(self, args: dict) -> dict:
        channel = self._postable_channel(args.get("channel"))
        if args.get("user") not in self._users:
            raise _ApiError("user_not_in_channel")
        _check_message(args)
        ts = self._next_ts()
        self._ephemerals.append(
            {
                "channel": channel,
                "user": args["user"],
                "text": args.get("text"),
                "blocks": args.get("blocks"),
                "thread_ts": args.get("thread_ts"),
                "ts": ts,
                "via": "chat.postEphemeral",
            }
        )
        return {"message_ts": ts}

    def _api_chat_update(self, args: dict) -> dict:
        channel, message = self._find_message(args.get("channel"), args.get("ts"))
        if message.get("user") != self.bot_user_id:
            raise _ApiError("cant_update_message")
        _check_message(args)
        for key in ("text", "blocks", "attachments"):
            if key in args:
                message[key] = self._with_block_ids(args[key]) if key == "blocks" else args[key]
        message["edited"] = {"user": self.bot_user_id, "ts": self._next_ts()}
        shown = _copy(message)
        return {
            "channel": channel,
            "ts": message["ts"],
            "text": message.get("text"),
            "message": shown,
        }

    def _api_chat_delete(self, args: dict) -> dict:
        channel, message = self._find_message(args.get("channel"), args.get("ts"))
        if message.get("user") != self.bot_user_id:
            raise _ApiError("cant_delete_message")
        self._messages[channel].remove(message)
        return {"channel": channel, "ts": message["ts"]}

    def _api_chat_getPermalink(self, args: dict) -> dict:
        channel, message = self._find_message(args.get("channel"), args.get("message_ts"))
        link = f"https://{self.permalink_host}/archives/{channel}/p{message['ts'].replace('.', '')}"
        thread_ts = message.get("thread_ts")
        if thread_ts and thread_ts != message["ts"]:
            link += f"?thread_ts={thread_ts}&cid={channel}"
        return {"channel": channel, "permalink": link}

    def _postable_channel(self, given: Any) -> str:
        """Where a bot message lands: a channel the bot is in, a DM, or a user id (their DM)."""
        given = str(given or "")
        if given in self._users:
            return self._open_dm(given)
        channel = self._channels.get(given) or self._channel_named(given.lstrip("#"))
        if channel is None or (channel["is_im"] and not self._visible(channel)):
            raise _ApiError("channel_not_found")
        # A private channel the bot is not in answers not_in_channel (not channel_not_found)
        # here, and so does a public one for a bot without chat:write.public.
        if not channel["is_im"] and not channel["is_member"]:
            raise _ApiError("not_in_channel")
        return channel["id"]

    def _channel_named(self, name: str) -> dict | None:
        return next((c for c in self._channels.values() if c.get("name") == name), None)

    def _find_message(self, channel_id: Any, ts: Any) -> tuple[str, dict]:
        channel_id = self._dms.get(str(channel_id), str(channel_id or ""))
        if not self._visible(self._channels.get(channel_id)):
            raise _ApiError("channel_not_found")
        for message in self._messages.get(channel_id, []):
            if message["ts"] == str(ts):
                return channel_id, message
        raise _ApiError("message_not_found")

    def _bot_message(self, args: dict) -> dict:
        message = {
            "type": "message",
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "team": self.team_id,
            "text": args.get("text", ""),
            "ts": self._next_ts(),
        }
        if args.get("blocks") is not None:
            message["blocks"] = self._with_block_ids(args["blocks"])
        if args.get("attachments") is not None:
            message["attachments"] = args["attachments"]
        return message

    def _with_block_ids(self, blocks: list) -> list:
        """Blocks as Slack stores them: every block gets a block_id if it had none."""
        stored = _copy(blocks)
        for block in stored:
            if isinstance(block, dict) and "block_id" not in block:
                block["block_id"] = secrets.token_urlsafe(4)[:5]
        return stored

    def _next_ts(self) -> str:
        """A message ts, strictly increasing like Slack's ("1700000000.000100")."""
        with self._lock:
            micros = max(int(time.time() * 1_000_000), self._last_ts_micros + 1)
            self._last_ts_micros = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    # -- Web API: reactions -----------------------------------------------------------------

    def _api_reactions_add(self, args: dict) -> dict:
        _, message = self._find_message(args.get("channel"), args.get("timestamp"))
        name = args.get("name") or ""
        if not name:
            raise _ApiError("invalid_name")
        reactions = message.setdefault("reactions", [])
        reaction = next((r for r in reactions if r["name"] == name), None)
        if reaction is None:
            reaction = {"name": name, "users": [], "count": 0}
            reactions.append(reaction)
        if self.bot_user_id in reaction["users"]:
            raise _ApiError("already_reacted")
        reaction["users"].append(self.bot_user_id)
        reaction["count"] += 1
        return {}

    def _api_reactions_remove(self, args: dict) -> dict:
        _, message = self._find_message(args.get("channel"), args.get("timestamp"))
        reactions = message.get("reactions", [])
        reaction = next((r for r in reactions if r["name"] == args.get("name")), None)
        if reaction is None or self.bot_user_id not in reaction["users"]:
            raise _ApiError("no_reaction")
        reaction["users"].remove(self.bot_user_id)
        reaction["count"] -= 1
        if not reaction["users"]:
            reactions.remove(reaction)
        return {}

    # -- Web API: views ---------------------------------------------------------------------

    def _api_views_open(self, args: dict) -> dict:
        view = self._checked_view(args.get("view"), "modal")
        self._usable_trigger(args)
        stored = self._store_modal(view, below=None)
        self._spend_trigger(args)
        return {"view": _copy(stored)}

    def _api_views_push(self, args: dict) -> dict:
        view = self._checked_view(args.get("view"), "modal")
        below = self._views.get(self._usable_trigger(args) or "")
        if below is not None and self._stack_depth(below) >= _VIEW_STACK_MAX:
            raise _ApiError("push_limit_reached")
        stored = self._store_modal(view, below=below)
        self._spend_trigger(args)
        return {"view": _copy(stored)}

    def _api_views_update(self, args: dict) -> dict:
        current = self._view_by_id_or_external_id(args.get("view_id"), args.get("external_id"))
        view = self._checked_view(args.get("view"), current["type"], replacing=current["id"])
        if args.get("hash") and args["hash"] != current["hash"]:
            raise _ApiError("hash_conflict")
        return {"view": _copy(self._replace(current, view))}

    def _api_views_publish(self, args: dict) -> dict:
        user = args.get("user_id")
        if user not in self._users:
            meta = {"messages": ["[ERROR] invalid `user_id`"]}
            raise _ApiError("invalid_arguments", response_metadata=meta)
        current = self._home_views.get(user)
        view = self._checked_view(args.get("view"), "home", replacing=(current or {}).get("id"))
        if current is not None and args.get("hash") and args["hash"] != current["hash"]:
            raise _ApiError("hash_conflict")
        if current is not None:
            return {"view": _copy(self._replace(current, view))}
        self._home_views[user] = self._view_record(view, view_id=None, below=None)
        return {"view": _copy(self._home_views[user])}

    def _checked_view(self, view: Any, expected_type: str, replacing: str | None = None) -> dict:
        errors = view_errors(view)
        if not errors and view["type"] != expected_type:
            errors = [f"must be `{expected_type}` here [json-pointer:/view/type]"]
        if errors:
            meta = {"messages": [f"[ERROR] {e}" for e in errors]}
            raise _ApiError("invalid_arguments", response_metadata=meta)
        external_id = view.get("external_id")
        others = [v for v in self._all_views() if v["id"] != replacing]
        if external_id and any(v.get("external_id") == external_id for v in others):
            raise _ApiError("duplicate_external_id")
        return view

    def _usable_trigger(self, args: dict) -> str | None:
        """Checks the call's trigger_id; returns the view it came from, if any."""
        trigger_id = args.get("trigger_id") or args.get("interactivity_pointer")
        if not trigger_id:
            meta = {"messages": ["[ERROR] missing required field: trigger_id"]}
            raise _ApiError("invalid_arguments", response_metadata=meta)
        if trigger_id not in self._triggers:
            raise _ApiError("invalid_trigger_id")
        if trigger_id in self._spent_triggers:
            raise _ApiError("exchanged_trigger_id")
        issued_at, view_id = self._triggers[trigger_id]
        if time.monotonic() - issued_at > _TRIGGER_LIFETIME_SECONDS:
            raise _ApiError("expired_trigger_id")
        return view_id

    def _spend_trigger(self, args: dict) -> None:
        self._spent_triggers.add(args.get("trigger_id") or args.get("interactivity_pointer"))

    def _store_modal(self, view: dict, *, below: dict | None) -> dict:
        stored = self._view_record(view, view_id=None, below=below)
        self._views[stored["id"]] = stored
        return stored

    def _replace(self, current: dict, view: dict) -> dict:
        """views.update, views.publish again, or response_action "update": same id and stack."""
        updated = self._view_record(view, view_id=current["id"], below=None)
        updated.update(
            root_view_id=current["root_view_id"], previous_view_id=current["previous_view_id"]
        )
        store = self._views if current["id"] in self._views else self._home_views
        key = next(k for k, v in store.items() if v["id"] == current["id"])
        store[key] = updated
        return updated

    def _view_record(self, view: dict, *, view_id: str | None, below: dict | None) -> dict:
        """A view as Slack returns it: ids, hash and empty state added to what the bot sent."""
        view_id = view_id or f"V{next(self._ids):010d}"
        return {
            "private_metadata": "",
            "callback_id": "",
            "external_id": "",
            "clear_on_close": False,
            "notify_on_close": False,
            **_copy(view),
            "id": view_id,
            "team_id": self.team_id,
            "blocks": self._with_block_ids(view["blocks"]),
            "state": {"values": {}},
            "hash": f"{int(time.time())}.{secrets.token_hex(4)}",
            "root_view_id": below["root_view_id"] if below is not None else view_id,
            "previous_view_id": below["id"] if below is not None else None,
            "app_id": self.app_id,
            "app_installed_team_id": self.team_id,
            "bot_id": self.bot_id,
        }

    def _all_views(self) -> list[dict]:
        return [*self._views.values(), *self._home_views.values()]

    def _view_by_id_or_external_id(self, view_id: Any, external_id: Any) -> dict:
        if not view_id and not external_id:
            meta = {"messages": ["[ERROR] either `view_id` or `external_id` is required"]}
            raise _ApiError("invalid_arguments", response_metadata=meta)
        for view in self._all_views():
            if (view_id and view["id"] == view_id) or (
                external_id and view.get("external_id") == external_id
            ):
                return view
        raise _ApiError("not_found")

    def _stack_depth(self, view: dict) -> int:
        depth = 1
        while view.get("previous_view_id") in self._views:
            view = self._views[view["previous_view_id"]]
            depth += 1
        return depth

    def _home_view_by_id(self, view_id: str) -> dict | None:
        with self._lock:
            return _copy(next((v for v in self._home_views.values() if v["id"] == view_id), None))

    def _close_view(self, view_id: str, *, all_of_stack: bool = False) -> None:
        """A modal closes: just this one, or (response_action "clear") its whole stack."""
        with self._lock:
            view = self._views.pop(view_id, None)
            if view is not None and all_of_stack:
                root = view["root_view_id"]
                for other in [v for v in self._views.values() if v["root_view_id"] == root]:
                    self._views.pop(other["id"], None)

    def _replace_view(self, view_id: str, view: dict) -> None:
        """A view_submission answered with response_action "update"."""
        with self._lock:
            current = self._views.get(view_id)
            if current is not None and not view_errors(view):
                self._replace(current, view)

    # -- Web API: files ---------------------------------------------------------------------

    def _api_files_getUploadURLExternal(self, args: dict) -> dict:
        if not args.get("filename"):
            raise _ApiError("invalid_arguments")
        if not str(args.get("length") or "").isdigit() or int(args["length"]) == 0:
            raise _ApiError("missing_argument")
        file_id = f"F{next(self._ids):010d}"
        self._pending_uploads[file_id] = {
            "filename": args["filename"],
            "length": int(args["length"]),
            "content": None,
        }
        return {"upload_url": f"{self.base_url}/upload/{file_id}", "file_id": file_id}

    def _api_files_completeUploadExternal(self, args: dict) -> dict:
        entries = args.get("files")
        if not isinstance(entries, list) or not entries:
            raise _ApiError("invalid_arguments")
        channels = [c for c in str(args.get("channels") or "").split(",") if c]
        if args.get("channel_id"):
            channels.insert(0, args["channel_id"])
        channels = [self._postable_channel(c) for c in channels]
        for entry in entries:
            pending = self._pending_uploads.get(entry.get("id"))
            if pending is None or pending["content"] is None:
                raise _ApiError("file_not_found")
        completed = []
        for entry in entries:
            pending = self._pending_uploads.pop(entry["id"])
            uploaded = UploadedFile(
                id=entry["id"],
                name=pending["filename"],
                title=entry.get("title") or pending["filename"],
                content=pending["content"],
                channels=tuple(channels),
                initial_comment=args.get("initial_comment"),
                thread_ts=args.get("thread_ts"),
            )
            self._files.append(uploaded)
            completed.append(
                {
                    "id": uploaded.id,
                    "name": uploaded.name,
                    "title": uploaded.title,
                    "size": len(uploaded.content),
                    "created": int(time.time()),
                    "user": self.bot_user_id,
                    "channels": list(uploaded.channels),
                }
            )
        for channel in channels:
            message = self._bot_message({"text": args.get("initial_comment") or ""})
            message["files"] = _copy(completed)
            if args.get("thread_ts"):
                message["thread_ts"] = args["thread_ts"]
            self._messages[channel].append(message)
        return {"files": completed}

    def _answer_upload(
        self, file_id: str, headers: Any, query: str, body: bytes
    ) -> tuple[str, dict, _Answer]:
        args = {"file_id": file_id, "length": len(body)}
        fault = self._take_fault("file_upload")
        if fault is not None:
            return "file_upload", args, fault.answer()
        with self._lock:
            pending = self._pending_uploads.get(file_id)
            if pending is None:
                return "file_upload", args, _Answer.text("file_not_found", 404, "file_not_found")
            content_type = headers.get("Content-Type", "")
            if content_type.startswith("multipart/form-data"):
                parts = _multipart_parts(content_type, body)
                body = next((v for v in parts.values() if isinstance(v, bytes)), b"")
                args["length"] = len(body)
            pending["content"] = body
        return "file_upload", args, _Answer.text(f"OK - {len(body)}")

    # -- response_url -----------------------------------------------------------------------

    def _answer_response_url(
        self, url_id: str, headers: Any, query: str, body: bytes
    ) -> tuple[str, dict, _Answer]:
        try:
            payload = json.loads(body or b"null")
        except ValueError:
            payload = None
        args = {**payload, "url_id": url_id} if isinstance(payload, dict) else {"url_id": url_id}
        self._wait_if_held("response_url")
        fault = self._take_fault("response_url")
        if fault is not None:
            return "response_url", args, fault.answer()
        with self._lock:
            target = self._response_urls.get(url_id)
            if target is None:
                return "response_url", args, _Answer.text("no_service", 404, "no_service")
            if target.uses >= _RESPONSE_URL_USES:
                return "response_url", args, _Answer.text("used_url", 404, "used_url")
            if not isinstance(payload, dict):
                return "response_url", args, _Answer.text("invalid_payload", 400, "invalid_payload")
            if not _flag(payload.get("delete_original")):
                try:
                    _check_message(payload)
                except _ApiError as refusal:
                    return "response_url", args, _Answer.text(refusal.error, 400, refusal.error)
            target.uses += 1
            self._responses.append((f"{self.base_url}/response/{url_id}", _copy(payload)))
            self._show_response(target, payload)
        return "response_url", args, _Answer.text("ok")

    def _show_response(self, target: _ResponseUrl, payload: dict) -> None:
        """What a person would see after a response_url post."""
        original = None
        if target.channel is not None and target.message_ts is not None:
            messages = self._messages.get(target.channel, [])
            original = next((m for m in messages if m["ts"] == target.message_ts), None)
        if _flag(payload.get("delete_original")):
            if original is not None:
                self._messages[target.channel].remove(original)
            return
        if _flag(payload.get("replace_original")) and original is not None:
            original.update(text=payload.get("text", ""), edited={"user": self.bot_user_id})
            if payload.get("blocks") is not None:
                original["blocks"] = self._with_block_ids(payload["blocks"])
            return
        if payload.get("response_type") == "in_channel" and target.channel in self._messages:
            message = self._bot_message(payload)
            if payload.get("thread_ts"):
                message["thread_ts"] = payload["thread_ts"]
            self._messages[target.channel].append(message)
            return
        self._ephemerals.append(
            {
                "channel": target.channel,
                "user": target.user,
                "text": payload.get("text"),
                "blocks": payload.get("blocks"),
                "thread_ts": payload.get("thread_ts"),
                "ts": self._next_ts(),
                "via": "response_url",
            }
        )

    # -- used by SlackDriver ----------------------------------------------------------------

    def _ensure_user(self, user_id: str, name: str | None) -> dict:
        with self._lock:
            if user_id not in self._users:
                self.add_user(user_id, name=name or user_id.lower())
            return self._users[user_id]

    def _ensure_channel(self, channel_id: str) -> dict:
        """A channel Slack sent a request from exists; one the stand-in did not know is added
        as a public channel the bot was never invited to."""
        with self._lock:
            if channel_id not in self._channels:
                if channel_id.startswith("D"):  # a DM between two people, not with the bot
                    self._channels[channel_id] = {
                        "id": channel_id,
                        "is_im": True,
                        "is_private": True,
                    }
                    self._messages.setdefault(channel_id, [])
                else:
                    self.add_channel(channel_id, channel_id.lower(), bot_is_member=False)
            return self._channels[channel_id]

    def _dm_with(self, user_id: str) -> str:
        with self._lock:
            return self._open_dm(user_id)

    def _channel_of(self, ts: str) -> str | None:
        with self._lock:
            for channel, messages in self._messages.items():
                if any(m["ts"] == ts for m in messages):
                    return channel
        return None

    def _record_member_message(self, channel: str, message: dict) -> None:
        with self._lock:
            self._messages.setdefault(channel, []).append(_copy(message))

    def _edit_member_message(self, channel: str, ts: str, text: str, edited_ts: str) -> dict | None:
        """Returns the message as it was before the edit (None if the stand-in never saw it)."""
        with self._lock:
            for message in self._messages.get(channel, []):
                if message["ts"] == ts:
                    before = _copy(message)
                    message.update(text=text, edited={"user": message.get("user"), "ts": edited_ts})
                    return before
        return None

    def _delete_member_message(self, channel: str, ts: str) -> dict | None:
        with self._lock:
            for message in self._messages.get(channel, []):
                if message["ts"] == ts:
                    self._messages[channel].remove(message)
                    return message
        return None


class _Handler(BaseHTTPRequestHandler):
    standin: SlackStandIn  # set on the subclass SlackStandIn.start makes

    def do_POST(self) -> None:
        self.standin._handle(self)

    do_GET = do_POST

    def log_message(self, format: str, *args: Any) -> None:
        pass  # tests and the sandbox read `calls`, not an access log


def _check_message(args: dict) -> None:
    """Slack's checks on a message body: blocks, text length, and that there is something."""
    blocks = args.get("blocks")
    if isinstance(blocks, str):
        raise _ApiError("invalid_blocks_format")
    if blocks is not None:
        errors = message_block_errors(blocks)
        if errors:
            meta = {"messages": [f"[ERROR] {e}" for e in errors]}
            raise _ApiError("invalid_blocks", errors=errors, response_metadata=meta)
    text = args.get("text")
    if isinstance(text, str) and len(text) > MESSAGE_TEXT_LIMIT:
        raise _ApiError("msg_too_long")
    if not text and not blocks and not args.get("attachments"):
        raise _ApiError("no_text")


def _decode_args(content_type: str, query: str, body: bytes) -> dict:
    """Web API arguments from a query string and a form, multipart or JSON body."""
    args: dict[str, Any] = {k: v[-1] for k, v in urllib.parse.parse_qs(query).items()}
    if body and content_type.startswith("application/json"):
        decoded = json.loads(body)
        if not isinstance(decoded, dict):
            raise ValueError("a JSON body must be an object")
        args.update(decoded)
    elif body and content_type.startswith("multipart/form-data"):
        args.update(_multipart_parts(content_type, body))
    elif body:
        form = urllib.parse.parse_qs(body.decode("utf-8"), keep_blank_values=True)
        args.update({key: values[-1] for key, values in form.items()})
    for key in _JSON_ARGS:
        if isinstance(args.get(key), str):
            # Left as a string when it is not JSON; the method says what is wrong with it.
            with contextlib.suppress(ValueError):
                args[key] = json.loads(args[key])
    return args


def _multipart_parts(content_type: str, body: bytes) -> dict[str, Any]:
    """Fields of a multipart/form-data body: text as str, files as bytes."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    parts: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True) or b""
        is_file = part.get_filename() is not None
        parts[str(name)] = payload if is_file else payload.decode("utf-8")
    return parts


def _flag(value: Any) -> bool:
    return value in (True, 1, "1", "true", "True")


def _copy(value: Any) -> Any:
    return json.loads(json.dumps(value)) if value is not None else None


# ---------------------------------------------------------------------------------------------
# The driver: Slack's requests to the bot
# ---------------------------------------------------------------------------------------------


@dataclass
class Reply:
    """The bot's HTTP answer to one request; `response_url`/`trigger_id` are the ones sent."""

    status: int
    body: str
    headers: dict[str, str] = field(default_factory=dict)
    response_url: str | None = None
    trigger_id: str | None = None

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body.strip() else None


class InputValue:
    """`view.state.values` entries as Slack sends them, one builder per kind of input.

    `SlackDriver.view_submission` takes `values` shaped block_id → action_id → one of these:
        {"entry": {"text": InputValue.plain_text("I learned…")},
         "goal": {"choice": InputValue.static_select("listening", "Listening")}}
    """

    @staticmethod
    def plain_text(value: str | None) -> dict:
        return {"type": "plain_text_input", "value": value}

    @staticmethod
    def static_select(value: str | None, text: str | None = None) -> dict:
        return {"type": "static_select", "selected_option": _option(value, text)}

    @staticmethod
    def radio_buttons(value: str | None, text: str | None = None) -> dict:
        return {"type": "radio_buttons", "selected_option": _option(value, text)}

    @staticmethod
    def timepicker(time_of_day: str | None, timezone: str | None = None) -> dict:
        """`time_of_day` as "HH:mm"."""
        value: dict[str, Any] = {"type": "timepicker", "selected_time": time_of_day}
        if timezone is not None:
            value["timezone"] = timezone
        return value

    @staticmethod
    def datepicker(date: str | None) -> dict:
        """`date` as "YYYY-MM-DD"."""
        return {"type": "datepicker", "selected_date": date}

    @staticmethod
    def conversations_select(conversation: str | None) -> dict:
        return {"type": "conversations_select", "selected_conversation": conversation}


def _option(value: str | None, text: str | None) -> dict | None:
    if value is None:
        return None
    return {"text": {"type": "plain_text", "text": text or value, "emoji": True}, "value": value}


class SlackDriver:
    """Sends the bot's HTTP endpoint what Slack would, signed with the signing secret.

    Every sending method takes `timestamp` (seconds; default now), `signature` (sent instead of
    the right one) and `unsigned=True` (no signature headers at all), to test the bot's checks.
    Slack only sends requests from people and channels that exist, so the driver adds an
    unknown user to the stand-in first, and an unknown channel as a public channel the bot is
    not a member of (as when someone runs a slash command where the bot was never invited).
    """

    verification_token = "standin-verification-token"  # Slack's deprecated `token` field

    def __init__(
        self,
        app_url: str,
        signing_secret: str,
        standin: SlackStandIn,
        team_id: str | None = None,
    ) -> None:
        self.app_url = app_url
        self.signing_secret = signing_secret
        self.standin = standin
        self.team_id = team_id or standin.team_id

    # -- slash commands ---------------------------------------------------------------------

    def command(
        self,
        text: str,
        *,
        user: str = "U1",
        channel: str = "C1",
        command: str = "/kindness",
        user_name: str | None = None,
        timestamp: float | None = None,
        signature: str | None = None,
        unsigned: bool = False,
    ) -> Reply:
        member = self.standin._ensure_user(user, user_name)
        place = self.standin._ensure_channel(channel)
        response_url = self.standin.new_response_url(channel=channel, user=user)
        trigger_id = self.standin.new_trigger_id()
        form = {
            "token": self.verification_token,
            "team_id": self.team_id,
            "team_domain": self.standin.team_domain,
            "channel_id": channel,
            "channel_name": "directmessage" if place.get("is_im") else place.get("name", ""),
            "user_id": user,
            "user_name": user_name or member["name"],
            "command": command,
            "text": text,
            "api_app_id": self.standin.app_id,
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": trigger_id,
        }
        reply = self._post(
            urllib.parse.urlencode(form).encode(),
            "application/x-www-form-urlencoded",
            timestamp=timestamp,
            signature=signature,
            unsigned=unsigned,
        )
        reply.response_url, reply.trigger_id = response_url, trigger_id
        return reply

    # -- events -----------------------------------------------------------------------------

    def event(
        self,
        event: dict,
        *,
        event_id: str | None = None,
        retry_num: int | None = None,
        retry_reason: str = "http_timeout",
        timestamp: float | None = None,
        signature: str | None = None,
        unsigned: bool = False,
    ) -> Reply:
        """Deliver an event (build one with `message`, `app_home_opened`…) in its envelope.

        `retry_num` marks a redelivery the way Slack does (same `event_id` to match).
        """
        envelope = {
            "token": self.verification_token,
            "team_id": self.team_id,
            "context_team_id": self.team_id,
            "context_enterprise_id": None,
            "api_app_id": self.standin.app_id,
            "event": event,
            "type": "event_callback",
            "event_id": event_id or "Ev" + secrets.token_hex(5).upper(),
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": self.team_id,
                    "user_id": self.standin.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
            "event_context": "4-" + secrets.token_urlsafe(24),
        }
        headers = {}
        if retry_num is not None:
            headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": retry_reason}
        return self._post(
            json.dumps(envelope).encode(),
            "application/json",
            headers=headers,
            timestamp=timestamp,
            signature=signature,
            unsigned=unsigned,
        )

    def message(
        self,
        text: str,
        *,
        user: str,
        channel: str,
        ts: str | None = None,
        thread_ts: str | None = None,
    ) -> dict:
        """A member's `message` event (not sent: pass it to `event`). The stand-in keeps the
        message, so the bot can react to it, link to it or reply in its thread."""
        self.standin._ensure_user(user, None)
        place = self.standin._ensure_channel(channel)
        ts = ts or self.standin._next_ts()
        message = {
            "type": "message",
            "client_msg_id": str(uuid.uuid4()),
            "text": text,
            "user": user,
            "ts": ts,
            "team": self.team_id,
            "blocks": [_rich_text(text)],
        }
        if thread_ts is not None:
            message["thread_ts"] = thread_ts
        self.standin._record_member_message(channel, message)
        return {**message, "channel": channel, "event_ts": ts, "channel_type": _kind(place)}

    def message_changed(self, text: str, *, user: str, channel: str, ts: str) -> dict:
        """The event Slack sends when a member edits their message `ts` to `text`."""
        event_ts = self.standin._next_ts()
        before = self.standin._edit_member_message(channel, ts, text, event_ts)
        before = before or {"type": "message", "user": user, "text": "", "ts": ts}
        after = {**before, "text": text, "edited": {"user": user, "ts": event_ts}}
        after["blocks"] = [_rich_text(text)]
        return {
            "type": "message",
            "subtype": "message_changed",
            "hidden": True,
            "message": after,
            "previous_message": before,
            "channel": channel,
            "ts": event_ts,
            "event_ts": event_ts,
            "channel_type": _kind(self.standin._ensure_channel(channel)),
        }

    def message_deleted(self, *, channel: str, ts: str) -> dict:
        """The event Slack sends when the message `ts` is deleted."""
        event_ts = self.standin._next_ts()
        before = self.standin._delete_member_message(channel, ts)
        event = {
            "type": "message",
            "subtype": "message_deleted",
            "hidden": True,
            "deleted_ts": ts,
            "channel": channel,
            "ts": event_ts,
            "event_ts": event_ts,
            "channel_type": _kind(self.standin._ensure_channel(channel)),
        }
        if before is not None:
            event["previous_message"] = before
        return event

    def app_home_opened(self, user: str) -> dict:
        """The event Slack sends when a member opens the bot's Home tab."""
        self.standin._ensure_user(user, None)
        event = {
            "type": "app_home_opened",
            "user": user,
            "channel": self.standin._dm_with(user),
            "tab": "home",
            "event_ts": self.standin._next_ts(),
        }
        home = self.standin.home_view(user)
        if home is not None:
            event["view"] = home
        return event

    # -- interactions -----------------------------------------------------------------------

    def block_action(
        self,
        action_id: str,
        value: str | None = None,
        *,
        user: str = "U1",
        channel: str | None = None,
        message: dict | None = None,
        view: dict | str | None = None,
        container: dict | None = None,
        response_url: bool = True,
        block_id: str | None = None,
        action_type: str = "button",
        selected_option: dict | None = None,
        timestamp: float | None = None,
        signature: str | None = None,
        unsigned: bool = False,
    ) -> Reply:
        """A click (or selection) on an element in a message (`message`, e.g. one from
        `standin.messages_in`) or a view (`view`, a dict or a view id the stand-in knows).
        The block_id is looked up from the element with `action_id` when not given.
        """
        if isinstance(view, str):
            view = self.standin.view(view) or self.standin._home_view_by_id(view)
            if view is None:
                raise ValueError("the stand-in knows no view with that id")
        if message is not None and channel is None:
            channel = self.standin._channel_of(message["ts"])
        member = self.standin._ensure_user(user, None)
        place = self.standin._ensure_channel(channel) if channel else None
        blocks = (message or view or {}).get("blocks", [])
        found_block_id, element = _find_element(blocks, action_id)
        action: dict[str, Any] = {
            "type": action_type,
            "action_id": action_id,
            "block_id": block_id or found_block_id or secrets.token_urlsafe(4)[:5],
            "action_ts": f"{time.time():.6f}",
        }
        if element is not None and "text" in element:
            action["text"] = element["text"]
        if value is not None:
            action["value"] = value
        if selected_option is not None:
            action["selected_option"] = selected_option
        trigger_id = self.standin.new_trigger_id(view_id=view["id"] if view else None)
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": _user_field(member, self.team_id),
            "api_app_id": self.standin.app_id,
            "token": self.verification_token,
            "container": container or _container(channel, message, view),
            "trigger_id": trigger_id,
            "team": {"id": self.team_id, "domain": self.standin.team_domain},
            "enterprise": None,
            "is_enterprise_install": False,
            "actions": [action],
        }
        if channel is not None:
            payload["channel"] = {"id": channel, "name": (place or {}).get("name", "")}
        if message is not None:
            payload["message"] = message
            payload["state"] = {"values": {}}
        if view is not None:
            payload["view"] = view
        url = None
        if response_url and view is None:
            message_ts = message["ts"] if message is not None else None
            url = self.standin.new_response_url(channel=channel, user=user, message_ts=message_ts)
            payload["response_url"] = url
        reply = self._post_payload(payload, timestamp, signature, unsigned)
        reply.response_url, reply.trigger_id = url, trigger_id
        return reply

    def view_submission(
        self,
        callback_id: str,
        values: dict[str, dict[str, dict]],
        *,
        user: str = "U1",
        private_metadata: str | None = None,
        view_id: str | None = None,
        hash: str | None = None,
        timestamp: float | None = None,
        signature: str | None = None,
        unsigned: bool = False,
    ) -> Reply:
        """A modal's Submit. `values` maps block_id → action_id → an `InputValue` builder's
        dict. With the `view_id` of a modal the stand-in opened, the payload carries that view
        (its blocks, title, private_metadata), and the bot's answer is applied to it: no
        `response_action` closes it, "update" replaces it, "clear" closes its stack, "errors"
        and "push" leave it open.
        """
        member = self.standin._ensure_user(user, None)
        opened = self.standin.view(view_id) if view_id else None
        view: dict[str, Any] = opened or {
            "id": view_id or f"V{secrets.token_hex(5).upper()}",
            "team_id": self.team_id,
            "type": "modal",
            "title": {"type": "plain_text", "text": "Kindness"},
            "blocks": [],
            "private_metadata": "",
            "hash": f"{int(time.time())}.{secrets.token_hex(4)}",
            "app_id": self.standin.app_id,
            "bot_id": self.standin.bot_id,
        }
        view.update(callback_id=callback_id, state={"values": values})
        if private_metadata is not None:
            view["private_metadata"] = private_metadata
        if hash is not None:
            view["hash"] = hash
        payload = {
            "type": "view_submission",
            "team": {"id": self.team_id, "domain": self.standin.team_domain},
            "user": _user_field(member, self.team_id),
            "api_app_id": self.standin.app_id,
            "token": self.verification_token,
            "trigger_id": self.standin.new_trigger_id(view_id=view["id"]),
            "view": view,
            "response_urls": [],
            "is_enterprise_install": False,
            "enterprise": None,
        }
        reply = self._post_payload(payload, timestamp, signature, unsigned)
        reply.trigger_id = payload["trigger_id"]
        if opened is not None and reply.status == 200:
            self._apply_view_answer(view["id"], reply)
        return reply

    def _apply_view_answer(self, view_id: str, reply: Reply) -> None:
        try:
            answer = reply.json or {}
        except ValueError:
            answer = {}
        action = answer.get("response_action") if isinstance(answer, dict) else None
        if action == "update" and isinstance(answer.get("view"), dict):
            self.standin._replace_view(view_id, answer["view"])
        elif action == "clear":
            self.standin._close_view(view_id, all_of_stack=True)
        elif action not in ("errors", "push"):
            self.standin._close_view(view_id)

    def message_action(
        self,
        callback_id: str,
        message: dict,
        *,
        user: str = "U1",
        channel: str = "C1",
        timestamp: float | None = None,
        signature: str | None = None,
        unsigned: bool = False,
    ) -> Reply:
        """A message shortcut run on `message` (e.g. one from `standin.messages_in`)."""
        member = self.standin._ensure_user(user, None)
        place = self.standin._ensure_channel(channel)
        response_url = self.standin.new_response_url(
            channel=channel, user=user, message_ts=message.get("ts")
        )
        trigger_id = self.standin.new_trigger_id()
        payload = {
            "type": "message_action",
            "token": self.verification_token,
            "action_ts": f"{time.time():.6f}",
            "team": {"id": self.team_id, "domain": self.standin.team_domain},
            "user": _user_field(member, self.team_id),
            "channel": {"id": channel, "name": place.get("name", "directmessage")},
            "is_enterprise_install": False,
            "enterprise": None,
            "callback_id": callback_id,
            "trigger_id": trigger_id,
            "response_url": response_url,
            "message_ts": message.get("ts"),
            "message": message,
        }
        reply = self._post_payload(payload, timestamp, signature, unsigned)
        reply.response_url, reply.trigger_id = response_url, trigger_id
        return reply

    # -- signing and sending ----------------------------------------------------------------

    def signature_for(self, body: bytes, timestamp: str) -> str:
        """Slack's v0 signature: HMAC-SHA256 of "v0:{timestamp}:{body}" with the secret."""
        base = b"v0:" + timestamp.encode() + b":" + body
        digest = hmac.new(self.signing_secret.encode(), base, hashlib.sha256).hexdigest()
        return f"v0={digest}"

    def _post_payload(
        self, payload: dict, timestamp: float | None, signature: str | None, unsigned: bool
    ) -> Reply:
        body = urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()
        return self._post(
            body,
            "application/x-www-form-urlencoded",
            timestamp=timestamp,
            signature=signature,
            unsigned=unsigned,
        )

    def _post(
        self,
        body: bytes,
        content_type: str,
        *,
        headers: dict[str, str] | None = None,
        timestamp: float | None = None,
        signature: str | None = None,
        unsigned: bool = False,
    ) -> Reply:
        sent = {"Content-Type": content_type, **(headers or {})}
        if not unsigned:
            stamp = str(int(timestamp if timestamp is not None else time.time()))
            sent["X-Slack-Request-Timestamp"] = stamp
            sent["X-Slack-Signature"] = signature or self.signature_for(body, stamp)
        request = urllib.request.Request(self.app_url, data=body, headers=sent, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                text = response.read().decode("utf-8")
                return Reply(response.status, text, dict(response.headers.items()))
        except urllib.error.HTTPError as error:
            text = error.read().decode("utf-8")
            return Reply(error.code, text, dict(error.headers.items()))


def _kind(channel: dict) -> str:
    if channel.get("is_im"):
        return "im"
    return "group" if channel.get("is_private") else "channel"


def _rich_text(text: str) -> dict:
    section = {"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}
    return {"type": "rich_text", "block_id": secrets.token_urlsafe(4)[:5], "elements": [section]}


def _user_field(member: dict, team_id: str) -> dict:
    return {
        "id": member["id"],
        "username": member["name"],
        "name": member["name"],
        "team_id": team_id,
    }


def _container(channel: str | None, message: dict | None, view: dict | None) -> dict:
    if view is not None:
        return {"type": "view", "view_id": view["id"]}
    if message is not None:
        return {
            "type": "message",
            "message_ts": message["ts"],
            "channel_id": channel,
            "is_ephemeral": False,
        }
    return {"type": "message", "channel_id": channel, "is_ephemeral": True}


def _find_element(blocks: list, action_id: str) -> tuple[str | None, dict | None]:
    """The block_id and element carrying `action_id` in a message's or view's blocks."""
    for block in blocks:
        if not isinstance(block, dict):
            continue
        candidates = list(block.get("elements") or []) if block.get("type") == "actions" else []
        candidates += [block[key] for key in ("accessory", "element") if key in block]
        for element in candidates:
            if isinstance(element, dict) and element.get("action_id") == action_id:
                return block.get("block_id"), element
    return None, None
