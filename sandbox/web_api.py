"""Slack's Web API, response URLs and file uploads, served on 127.0.0.1 (`SlackStandIn`).

See the package's docstring for what it models and the judgement calls behind it.
"""

from __future__ import annotations

import base64
import contextlib
import email.parser
import email.policy
import itertools
import json
import math
import mimetypes
import secrets
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from zoneinfo import ZoneInfo

from bot.manifest import bot_scopes
from sandbox.blockkit import (
    MESSAGE_TEXT_LIMIT,
    message_block_errors,
    slack_file_references,
    view_errors,
)

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
    Slack error name when the answer was not ok. `token` is the token the call was made with.
    """

    method: str
    args: dict[str, Any]
    at: float
    status: int = 200
    error: str | None = None
    token: str | None = None

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

    @property
    def mimetype(self) -> str:
        return mimetypes.guess_type(self.name)[0] or "application/octet-stream"


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
    token: str | None = None  # the caller's token, for the record

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
    after_effect: bool = False  # the call does what it asks first, then the answer is lost

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


class _TokenBucket:
    """A workspace-wide rate limit: `burst` calls at once, refilled at `rate` per second."""

    def __init__(self, rate: float, burst: int | None, now: float) -> None:
        if rate <= 0:
            raise ValueError("a rate limit must allow some calls per second")
        self.rate = rate
        self.capacity = float(burst if burst is not None else max(1, round(rate)))
        self.tokens = self.capacity
        self.updated = now

    def take(self, now: float) -> float:
        """0 when a call may go now (and spends its token), else the seconds until one may."""
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


@dataclass(frozen=True)
class TokenHolder:
    """Whom a token belongs to: a workspace's bot (or an org-wide install's), or the app
    itself (an app-level ``xapp-`` token, for Socket Mode)."""

    kind: str  # "bot" | "app"
    team_id: str | None
    team_name: str | None = None
    enterprise_id: str | None = None
    bot_user_id: str | None = None


@dataclass
class _ResponseUrl:
    channel: str | None
    user: str | None
    message_ts: str | None
    # The ephemeral message that replace_original / delete_original act on: the one a button
    # was clicked in, or the latest answer to a slash command.
    ephemeral_ts: str | None = None
    uses: int = 0


# slack_sdk sends these as JSON strings inside form bodies.
_JSON_ARGS = ("blocks", "attachments", "view", "files", "metadata")
# Methods that take the app's client id and secret instead of a token, and those that take an
# app-level token.
_CLIENT_CREDENTIAL_METHODS = frozenset({"oauth.v2.access"})
_APP_TOKEN_METHODS = frozenset({"apps.connections.open"})
_RESPONSE_URL_USES = 5
_TRIGGER_LIFETIME_SECONDS = 3.0
_VIEW_STACK_MAX = 3
# Slack shows only these as images (the slack_file object's documented limit).
_IMAGE_TYPES = (".png", ".jpg", ".jpeg", ".gif")


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
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """`clock` (seconds since the epoch) stamps messages; the sandbox moves it forward."""
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
        self._clock = clock
        self._version = 0
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.RLock()
        self._ids = itertools.count(1)
        self._last_ts_micros = 0
        self._calls: list[Call] = []
        self._faults: dict[str, deque[_Fault]] = {}
        # method -> (release, at most, after the call's effect)
        self._holds: dict[str, tuple[threading.Event, float, bool]] = {}
        # Rate limits and latency run on these (tests inject a clock instead of waiting).
        self._monotonic = monotonic
        self._sleep = sleep
        self._limits: dict[str, _TokenBucket] = {}  # method -> workspace-wide rate limit
        self._latency: dict[str | None, float] = {}  # method (None: every method) -> seconds
        self._users: dict[str, dict] = {}
        self._channels: dict[str, dict] = {}
        self._dms: dict[str, str] = {}  # user id -> DM channel id
        self._mpims: dict[str, str] = {}  # the sorted user ids, joined by commas -> group DM id
        self._messages: dict[str, list[dict]] = {}  # channel id -> messages, oldest first
        self._ephemerals: list[dict] = []
        self._views: dict[str, dict] = {}  # modal view id -> view
        self._home_views: dict[str, dict] = {}  # user id -> Home tab view
        # trigger id -> (issued at, the view it came from, the person who acted)
        self._triggers: dict[str, tuple[float, str | None, str | None]] = {}
        self._spent_triggers: set[str] = set()
        self._response_urls: dict[str, _ResponseUrl] = {}
        self._responses: list[tuple[str, dict]] = []  # (url, accepted body)
        self._pending_uploads: dict[str, dict] = {}  # file id -> {"filename", "length", "content"}
        self._files: list[UploadedFile] = []
        self._view_owners: dict[str, str] = {}  # modal view id -> the person who sees it
        self._view_errors: dict[str, dict[str, str]] = {}  # modal view id -> block_id -> error
        self._view_banners: dict[str, str] = {}  # modal view id -> what Slack says atop it
        self._members: dict[str, list[str]] = {}  # channel id -> people in it
        self._processing_for = 0  # messages a new upload is refused in (see delay_file_processing)
        self._processing: dict[str, int] = {}  # file id -> refusals left
        self._tokens: dict[str, TokenHolder] = {
            bot_token: TokenHolder("bot", team_id, team_name, None, bot_user_id)
        }
        self._caller: TokenHolder | None = None  # whose token the current call carries
        self._caller_token: str | None = None
        self._oauth_apps: dict[str, str] = {}  # client id -> client secret
        # Token rotation (``rotate_tokens``): seconds a new bot token lives (None: forever),
        # each rotating token's expiry on `clock`, and the refresh tokens not yet used.
        self._token_lifetime: float | None = None
        self._expiries: dict[str, float] = {}
        self._refresh_tokens: dict[str, TokenHolder] = {}
        self._install_codes: dict[str, dict] = {}  # code -> the install a person approved
        self._socket_urls: dict[str, Any] = {}  # app-level token -> callable giving a wss URL
        # What Slack's `x-oauth-scopes` answer header says a bot token carries: the manifest's
        # scopes, unless a test takes some away (an app not updated from a newer manifest).
        self.bot_scopes: list[str] = bot_scopes()
        self.add_user(bot_user_id, name="kindness", real_name="Kindness Bot", tz="UTC", is_bot=True)

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> SlackStandIn:
        """Serve in a daemon thread; returns self."""
        if self._server is not None:
            return self
        handler = type("_BoundHandler", (_Handler,), {"standin": self})
        self._server = _Server((self._host, self._requested_port), handler)
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
        team_id: str | None = None,
        display_name: str | None = None,
    ) -> dict:
        """Add (or replace) a person; returns their users.info object. ``name`` is the handle;
        ``display_name`` what Slack shows (the handle when not given). `team_id`: a member of
        another organisation, met in a channel shared with it (Slack Connect): users.info
        answers for them, users.list (this workspace's people) does not list them."""
        ZoneInfo(tz)  # an unknown zone fails here, not in the middle of a users.info call
        real_name = real_name if real_name is not None else name
        display_name = display_name if display_name is not None else name
        team_id = team_id or self.team_id
        user = {
            "id": user_id,
            "team_id": team_id,
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
                "display_name": display_name,
                "display_name_normalized": display_name,
                "team": team_id,
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

    def join_channel(self, channel_id: str, user_id: str, *, announce: bool = True) -> dict | None:
        """A person joins a channel; returns the "has joined the channel" message Slack posts
        (None when they were in it already, or with `announce=False`: members from the
        start)."""
        with self._lock:
            members = self._members.setdefault(channel_id, [])
            if user_id in members:
                return None
            members.append(user_id)
            if not announce:
                self._touch()
                return None
            message = {
                "type": "message",
                "subtype": "channel_join",
                "user": user_id,
                "text": f"<@{user_id}> has joined the channel",
                "ts": self.next_ts(),
            }
            self._messages.setdefault(channel_id, []).append(message)
            self._touch()
            return _copy(message)

    def leave_channel(self, channel_id: str, user_id: str) -> dict | None:
        """A person leaves a channel; returns Slack's "has left the channel" message."""
        with self._lock:
            members = self._members.get(channel_id, [])
            if user_id not in members:
                return None
            members.remove(user_id)
            message = {
                "type": "message",
                "subtype": "channel_leave",
                "user": user_id,
                "text": f"<@{user_id}> has left the channel",
                "ts": self.next_ts(),
            }
            self._messages.setdefault(channel_id, []).append(message)
            self._touch()
            return _copy(message)

    def members_of(self, channel_id: str) -> list[str]:
        """People in a channel (the bot counts when it is a member)."""
        with self._lock:
            people = list(self._members.get(channel_id, []))
            if self._channels.get(channel_id, {}).get("is_member"):
                people.append(self.bot_user_id)
            return people

    def new_response_url(
        self,
        *,
        channel: str | None = None,
        user: str | None = None,
        message_ts: str | None = None,
        ephemeral_ts: str | None = None,
    ) -> str:
        """A fresh response_url; `channel`, `user` and `message_ts` say where its answers land,
        `ephemeral_ts` the ephemeral message (clicked in) that replace/delete_original act on."""
        url_id = secrets.token_hex(12)
        with self._lock:
            self._response_urls[url_id] = _ResponseUrl(channel, user, message_ts, ephemeral_ts)
        return f"{self.base_url}/response/{url_id}"

    def new_trigger_id(self, *, view_id: str | None = None, user: str | None = None) -> str:
        """A fresh trigger_id, good for one views.open/views.push within 3 seconds; the modal
        it opens is shown to `user`."""
        trigger_id = f"{next(self._ids)}.{int(time.time())}.{secrets.token_hex(16)}"
        with self._lock:
            self._triggers[trigger_id] = (time.monotonic(), view_id, user)
        return trigger_id

    def show_ephemeral(
        self,
        channel: str | None,
        user: str,
        payload: dict,
        *,
        via: str,
        response_url: str | None = None,
    ) -> dict:
        """An ephemeral message the bot did not send through the Web API: a slash command's
        answer in its acknowledgement, or Slack's own word ("failed with the error …",
        `via="slack"`). With `response_url`, later replace_original posts to it replace it."""
        with self._lock:
            message = {
                "channel": channel,
                "user": user,
                "text": payload.get("text"),
                "blocks": self._with_block_ids(payload.get("blocks") or []) or None,
                "thread_ts": payload.get("thread_ts"),
                "ts": self.next_ts(),
                "via": via,
            }
            self._ephemerals.append(message)
            if response_url is not None:
                target = self._response_urls.get(response_url.rsplit("/", 1)[-1])
                if target is not None:
                    target.ephemeral_ts = message["ts"]
            self._touch()
            return _copy(message)

    def post_as_app(self, channel: str, payload: dict) -> dict:
        """A message the app posts without the Web API (an "in_channel" command answer)."""
        with self._lock:
            message = self._bot_message(payload)
            self._messages.setdefault(channel, []).append(message)
            self._touch()
            return _copy(message)

    def check_message(self, payload: dict) -> list[str]:
        """What Slack would refuse in a message body (an acknowledgement's, say): the error
        name followed by Block Kit's complaints; empty when Slack would take it."""
        try:
            _check_message(payload)
        except _ApiError as refusal:
            return [refusal.error, *refusal.extra.get("errors", [])]
        return []

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

    def modal_stack(self, user: str) -> list[dict]:
        """The modals open for `user`, bottom of the stack first, each with what Slack shows
        around it: `errors` (block_id → text, from response_action "errors") and `banner`."""
        with self._lock:
            stack = []
            for view in self._views.values():
                if self._view_owners.get(view["id"]) == user:
                    shown = _copy(view)
                    shown["errors"] = dict(self._view_errors.get(view["id"], {}))
                    shown["banner"] = self._view_banners.get(view["id"])
                    stack.append(shown)
            return stack

    def ephemeral(self, user: str, ts: str) -> dict | None:
        with self._lock:
            found = next((m for m in self._ephemerals if m["user"] == user and m["ts"] == ts), None)
            return _copy(found)

    def message(self, channel: str, ts: str) -> dict | None:
        with self._lock:
            found = next((m for m in self._messages.get(channel, []) if m["ts"] == ts), None)
            return _copy(found)

    def users(self) -> list[dict]:
        with self._lock:
            return [self._user_info(user_id) for user_id in self._users]

    def conversations(self) -> list[dict]:
        """Every channel and DM the stand-in knows."""
        with self._lock:
            return _copy(list(self._channels.values()))

    def file(self, file_id: str) -> UploadedFile | None:
        with self._lock:
            return next((f for f in self._files if f.id == file_id), None)

    @property
    def version(self) -> int:
        """Goes up whenever anything a person could see may have changed."""
        with self._lock:
            return self._version

    def _touch(self) -> None:
        with self._lock:
            self._version += 1

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

    # -- keeping the workspace between runs (the sandbox) ---------------------------------

    def snapshot(self) -> dict:
        """The workspace as JSON-ready data: people, channels, messages, Home tabs, files.
        Open modals, triggers and response URLs are moments, not kept."""
        with self._lock:
            return {
                "next_id": next(self._ids),
                "last_ts_micros": self._last_ts_micros,
                "users": _copy(self._users),
                "channels": _copy(self._channels),
                "dms": dict(self._dms),
                "mpims": dict(self._mpims),
                "members": _copy(self._members),
                "messages": _copy(self._messages),
                "ephemerals": _copy(self._ephemerals),
                "home_views": _copy(self._home_views),
                "files": [
                    {
                        "id": f.id,
                        "name": f.name,
                        "title": f.title,
                        "content": base64.b64encode(f.content).decode("ascii"),
                        "channels": list(f.channels),
                        "initial_comment": f.initial_comment,
                        "thread_ts": f.thread_ts,
                    }
                    for f in self._files
                ],
            }

    def restore(self, snapshot: dict) -> None:
        """Take back a `snapshot` (the bot's own user is kept as this stand-in made it)."""
        with self._lock:
            self._ids = itertools.count(int(snapshot["next_id"]))
            self._last_ts_micros = int(snapshot["last_ts_micros"])
            self._users.update(snapshot["users"])
            self._channels = snapshot["channels"]
            self._dms = snapshot["dms"]
            self._mpims = snapshot.get("mpims", {})
            self._members = snapshot["members"]
            self._messages = snapshot["messages"]
            self._ephemerals = snapshot["ephemerals"]
            self._home_views = snapshot["home_views"]
            self._files = [
                UploadedFile(
                    id=f["id"],
                    name=f["name"],
                    title=f["title"],
                    content=base64.b64decode(f["content"]),
                    channels=tuple(f["channels"]),
                    initial_comment=f.get("initial_comment"),
                    thread_ts=f.get("thread_ts"),
                )
                for f in snapshot["files"]
            ]
            self._touch()

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

    def delay_file_processing(self, references: int = 1) -> None:
        """Files uploaded from now on are "still processing" for their first `references`
        uses in an image block: Slack then refuses the message with `invalid_blocks`
        ("invalid slack file"), as it does for a moment after a real upload."""
        with self._lock:
            self._processing_for = references

    def drop_next(self, method: str, times: int = 1, *, after_effect: bool = False) -> None:
        """Close the connection without answering the next `times` calls to `method`.

        `after_effect=True`: each call takes effect first (the message is posted) and only its
        answer is lost — the case where a client cannot know whether to send again.
        """
        self._add_faults(method, _Fault(None, None, 0, drop=True, after_effect=after_effect), times)

    def hold(
        self, method: str, *, at_most: float = 30, after_effect: bool = False
    ) -> threading.Event:
        """Make calls to `method` wait until the returned event is set — a slow Slack.

        `method` may also be "response_url". Tests use it to show that the bot answers Slack's
        request before its slow work finishes; set the event to let the calls through. A call
        held for `at_most` seconds goes through anyway, so a forgotten hold cannot hang a test.
        `after_effect=True`: each call takes effect first (the message is posted) and only its
        answer waits — so a caller can be stopped after Slack did what it asked, before it
        heard so.
        """
        release = threading.Event()
        with self._lock:
            self._holds[method] = (release, at_most, after_effect)
        return release

    def rate_limit(
        self, method: str, per_second: float | None, *, burst: int | None = None
    ) -> None:
        """Limit `method` to `per_second` calls across the whole workspace (None: no limit).

        A token bucket holding `burst` calls (default: one second's worth) and refilled at
        `per_second`: a call that finds it empty is answered HTTP 429 with `Retry-After` in
        whole seconds (at least 1, as Slack sends it) and does nothing.
        """
        with self._lock:
            if per_second is None:
                self._limits.pop(method, None)
            else:
                self._limits[method] = _TokenBucket(per_second, burst, self._monotonic())

    def latency(self, seconds: float, method: str | None = None) -> None:
        """Answer every call (or only calls to `method`) `seconds` late — a distant Slack.

        Calls wait concurrently, as they would on the network; 0 removes the delay.
        """
        with self._lock:
            if seconds > 0:
                self._latency[method] = seconds
            else:
                self._latency.pop(method, None)

    def _delay(self, method: str) -> None:
        with self._lock:
            seconds = self._latency.get(method, self._latency.get(None, 0.0))
        if seconds:
            self._sleep(seconds)

    def _rate_limited(self, method: str) -> _Answer | None:
        with self._lock:
            bucket = self._limits.get(method)
            wait = bucket.take(self._monotonic()) if bucket is not None else 0.0
        if not wait:
            return None
        retry_after = max(1, math.ceil(wait))
        body = {"ok": False, "error": "ratelimited"}
        return _Answer.json(body, 429, **{"Retry-After": str(retry_after)})

    def _wait_if_held(self, method: str, *, after_effect: bool = False) -> None:
        with self._lock:
            release, at_most, after = self._holds.get(method, (None, 0, False))
        if release is None or after != after_effect:
            return
        if release.wait(timeout=at_most):
            with self._lock:
                if self._holds.get(method, (None,))[0] is release:
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
            call = Call(method, args, time.time(), answer.status, answer.error, answer.token)
            self._calls.append(call)
            self._version += 1
        if answer.drop:
            request.close_connection = True
            return
        try:
            request.send_response(answer.status)
            request.send_header("Content-Type", answer.content_type)
            request.send_header("Content-Length", str(len(answer.body)))
            for name, value in answer.headers.items():
                request.send_header(name, value)
            request.end_headers()
            request.wfile.write(answer.body)
        except (BrokenPipeError, ConnectionResetError):
            request.close_connection = True  # the caller is gone (a test killed it): no answer

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
        client = _client_credentials(authorization, args)
        self._wait_if_held(method)
        self._delay(method)
        fault = self._take_fault(method)
        if fault is not None and not fault.after_effect:
            return method, args, fault.answer()
        limited = self._rate_limited(method)
        if limited is not None:
            return method, args, limited
        implementation = getattr(self, "_api_" + method.replace(".", "_"), None)
        if implementation is None:
            answer = {"ok": False, "error": "unknown_method", "req_method": method}
            return method, args, _Answer.json(answer)
        refused, caller = self._authenticate(method, token, client)
        if refused is not None:
            answer = _Answer.json({"ok": False, "error": refused})
        else:
            try:
                with self._lock:
                    self._caller, self._caller_token = caller, token
                    payload = implementation(args)
                answer = _Answer.json({"ok": True, **payload})
            except _ApiError as refusal:
                answer = _Answer.json({"ok": False, "error": refusal.error, **refusal.extra})
            if caller is not None and caller.kind == "bot":
                answer.headers["x-oauth-scopes"] = ",".join(self.bot_scopes)
            if answer.error is None:
                self._wait_if_held(method, after_effect=True)
                if fault is not None:  # it took effect; now the answer is lost
                    return method, args, fault.answer()
        answer.token = token
        return method, args, answer

    def _authenticate(
        self, method: str, token: str | None, client: tuple[str, str] | None
    ) -> tuple[str | None, TokenHolder | None]:
        """(Slack's error name or None, the token's holder)."""
        if method in _CLIENT_CREDENTIAL_METHODS:
            if client is None or client[0] not in self._oauth_apps:
                return "invalid_client_id", None
            if self._oauth_apps[client[0]] != client[1]:
                return "bad_client_secret", None
            return None, None
        if not token:
            return "not_authed", None
        with self._lock:
            holder = self._tokens.get(token)
            expires_at = self._expiries.get(token)
        if holder is None:
            return "invalid_auth", None
        if expires_at is not None and self._clock() >= expires_at:
            return "token_expired", None
        if (holder.kind == "app") != (method in _APP_TOKEN_METHODS):
            return "not_allowed_token_type", None
        return None, holder

    # -- Web API: identity ------------------------------------------------------------------

    def _api_auth_test(self, args: dict) -> dict:
        holder = self._caller
        if holder is None or holder.team_id == self.team_id or holder.bot_user_id is None:
            return {
                "url": f"https://{self.permalink_host}/",
                "team": self.team_name,
                "user": self._users[self.bot_user_id]["name"],
                "team_id": self.team_id,
                "user_id": self.bot_user_id,
                "bot_id": self.bot_id,
                "is_enterprise_install": False,
            }
        identity = {
            "url": f"https://{(holder.team_name or 'org').lower().replace(' ', '-')}.slack.com/",
            "team": holder.team_name,
            "user": "kindness",
            "team_id": holder.team_id,
            "user_id": holder.bot_user_id,
            "bot_id": "B" + holder.bot_user_id[1:],
            "is_enterprise_install": holder.team_id is None,
        }
        if holder.enterprise_id:
            identity["enterprise_id"] = holder.enterprise_id
        return identity

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

    def _api_users_list(self, args: dict) -> dict:
        """Every person of the workspace (the bot and deactivated people included; members of
        other organisations met in shared channels not), in pages of `limit`."""
        ids = sorted(u for u, user in self._users.items() if user["team_id"] == self.team_id)
        start, limit = _page(args, len(ids), default_limit=0, most=1000)
        page = ids[start : start + limit] if limit else ids[start:]
        after = start + len(page)
        return {
            "members": [self._user_info(user_id) for user_id in page],
            "cache_ts": int(time.time()),
            "response_metadata": {"next_cursor": _cursor(after) if after < len(ids) else ""},
        }

    def _user_info(self, user_id: str) -> dict:
        user = _copy(self._users[user_id])
        now = datetime.now(ZoneInfo(user["tz"]))
        offset = now.utcoffset()
        user["tz_label"] = now.tzname()
        user["tz_offset"] = int(offset.total_seconds()) if offset is not None else 0
        return user

    def _api_apps_connections_open(self, args: dict) -> dict:
        # Only app-level tokens get here (see _authenticate); each was given with its socket.
        return {"url": self._socket_urls[self._caller_token]()}

    # -- Web API: installs in several workspaces (OAuth) -------------------------------------

    def add_app_token(self, token: str, socket_url: Any) -> None:
        """Accept an app-level token (``xapp-…``): apps.connections.open answers with
        ``socket_url()``, a fresh websocket URL for each connection (sandbox.socket_mode)."""
        with self._lock:
            self._tokens[token] = TokenHolder("app", None)
            self._socket_urls[token] = socket_url

    def add_oauth_app(self, client_id: str, client_secret: str) -> None:
        """The app's credentials, as on its Basic Information page, for oauth.v2.access."""
        with self._lock:
            self._oauth_apps[client_id] = client_secret

    def approve_install(
        self,
        client_id: str,
        *,
        team_id: str | None = None,
        team_name: str | None = None,
        enterprise_id: str | None = None,
        enterprise_name: str | None = None,
        installer: str = "UINSTALLER",
        scopes: str = "commands,chat:write",
    ) -> str:
        """What Slack's authorize page does when a person approves the install: the ``code``
        Slack sends to the app's redirect URL. ``enterprise_id`` without ``team_id`` is an
        org-wide install (Enterprise Grid)."""
        if team_id is None and enterprise_id is None:
            raise ValueError("an install is into a workspace (team_id) or an organisation")
        code = f"{next(self._ids)}.{secrets.token_hex(12)}"
        with self._lock:
            self._install_codes[code] = {
                "client_id": client_id,
                "team_id": team_id,
                "team_name": team_name or team_id,
                "enterprise_id": enterprise_id,
                "enterprise_name": enterprise_name or enterprise_id,
                "installer": installer,
                "scopes": scopes,
            }
        return code

    def rotate_tokens(self, lifetime: float | None = 12 * 3600) -> None:
        """Token rotation turned on in the app's settings: bot tokens issued from now on expire
        `lifetime` seconds later (on `clock`), answering ``token_expired`` after that, and come
        with a refresh token. ``oauth.v2.access`` with ``grant_type=refresh_token`` issues a new
        token and a new refresh token, and revokes the one it was given
        (``invalid_refresh_token`` the second time). None turns it off."""
        with self._lock:
            self._token_lifetime = lifetime

    def refreshes(self) -> list[Call]:
        """The token refreshes asked for (``oauth.v2.access`` calls with a refresh token)."""
        return [c for c in self.calls_to("oauth.v2.access") if c.args.get("refresh_token")]

    def bot_token_of(self, *, team_id: str | None = None, enterprise_id: str | None = None) -> str:
        """The bot token an install issued (a workspace's, or an organisation's org-wide): the
        newest, when its token was refreshed."""
        with self._lock:
            for token, holder in reversed(self._tokens.items()):
                if holder.kind == "bot" and (holder.team_id, holder.enterprise_id) == (
                    team_id,
                    enterprise_id,
                ):
                    return token
        raise LookupError(f"no bot token for team {team_id} / enterprise {enterprise_id}")

    def revoke_tokens(
        self, *, team_id: str | None = None, enterprise_id: str | None = None
    ) -> None:
        """The app is uninstalled: its bot tokens there stop working (``invalid_auth``)."""
        with self._lock:
            for token, holder in list(self._tokens.items()):
                if holder.kind == "bot" and (holder.team_id, holder.enterprise_id) == (
                    team_id,
                    enterprise_id,
                ):
                    del self._tokens[token]
            for refresh, holder in list(self._refresh_tokens.items()):
                if (holder.team_id, holder.enterprise_id) == (team_id, enterprise_id):
                    del self._refresh_tokens[refresh]

    def _issue_bot_token(self, holder: TokenHolder) -> dict:
        """A new bot token for `holder`; with rotation on, its lifetime and refresh token."""
        where = holder.team_id or holder.enterprise_id
        token = f"xoxb-{where}-{secrets.token_hex(8)}"
        self._tokens[token] = holder
        if self._token_lifetime is None:
            return {"access_token": token, "token_type": "bot"}
        refresh = f"xoxe-1-{secrets.token_hex(12)}"
        self._refresh_tokens[refresh] = holder
        self._expiries[token] = self._clock() + self._token_lifetime
        return {
            "access_token": token,
            "token_type": "bot",
            "refresh_token": refresh,
            "expires_in": int(self._token_lifetime),
        }

    def _api_oauth_v2_access(self, args: dict) -> dict:
        if args.get("grant_type") == "refresh_token":
            return self._refresh(args)
        install = self._install_codes.pop(str(args.get("code") or ""), None)
        if install is None:
            raise _ApiError("invalid_code")
        if install["client_id"] != args.get("client_id", install["client_id"]):
            raise _ApiError("invalid_client_id")
        bot_user_id = f"U{next(self._ids):08d}"
        issued = self._issue_bot_token(
            TokenHolder(
                "bot",
                install["team_id"],
                install["team_name"],
                install["enterprise_id"],
                bot_user_id,
            )
        )
        enterprise = None
        if install["enterprise_id"]:
            enterprise = {"id": install["enterprise_id"], "name": install["enterprise_name"]}
        team = None
        if install["team_id"]:
            team = {"id": install["team_id"], "name": install["team_name"]}
        return {
            **issued,
            "scope": install["scopes"],
            "bot_user_id": bot_user_id,
            "app_id": self.app_id,
            "team": team,
            "enterprise": enterprise,
            "authed_user": {"id": install["installer"]},
            "is_enterprise_install": install["team_id"] is None,
        }

    def _refresh(self, args: dict) -> dict:
        """A refresh token exchanged for a new token and a new refresh token; the one given
        is revoked (Slack's "using token rotation" guide)."""
        holder = self._refresh_tokens.pop(str(args.get("refresh_token") or ""), None)
        if holder is None:
            raise _ApiError("invalid_refresh_token")
        issued = self._issue_bot_token(holder)
        return {
            **issued,
            "scope": "commands,chat:write",
            "bot_user_id": holder.bot_user_id,
            "app_id": self.app_id,
            "team": {"id": holder.team_id, "name": holder.team_name} if holder.team_id else None,
            "enterprise": {"id": holder.enterprise_id} if holder.enterprise_id else None,
            "is_enterprise_install": holder.team_id is None,
        }

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

    def _api_conversations_members(self, args: dict) -> dict:
        """The people in a channel the bot can see (the bot too, when it is in it), in pages."""
        channel_id = args.get("channel", "")
        if not self._visible(self._channels.get(channel_id)):
            raise _ApiError("channel_not_found")
        people = self.members_of(channel_id)
        start, limit = _page(args, len(people), default_limit=100, most=1000)
        page = people[start : start + limit] if limit else people[start:]
        after = start + len(page)
        return {
            "members": page,
            "response_metadata": {"next_cursor": _cursor(after) if after < len(people) else ""},
        }

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
            return {"channel": self._open_group_dm(users, shown=_flag(args.get("return_im")))}
        if users[0] not in self._users:
            raise _ApiError("user_not_found")
        already_open = users[0] in self._dms
        channel = self._channels[self._open_dm(users[0])]
        shown = _copy(channel) if _flag(args.get("return_im")) else {"id": channel["id"]}
        extra = {"no_op": True, "already_open": True} if already_open else {}
        return {**extra, "channel": shown}

    def _open_group_dm(self, users: list[str], *, shown: bool) -> dict:
        """A group DM of the bot and ``users`` (2 to 8 people, as Slack allows): the same one
        for the same people, whatever their order."""
        people = sorted(set(users))
        if len(people) > 8:
            raise _ApiError("too_many_users")
        for user_id in people:
            if user_id not in self._users:
                raise _ApiError("user_not_found")
            if self._users[user_id].get("deleted"):
                raise _ApiError("user_disabled")
        key = ",".join(people)
        if key not in self._mpims:
            channel_id = f"G{next(self._ids):08d}"
            self._mpims[key] = channel_id
            self._channels[channel_id] = {
                "id": channel_id,
                "name": "mpdm-" + "--".join(self._users[u]["name"] for u in people) + "-1",
                "created": int(time.time()),
                "is_channel": False,
                "is_group": False,
                "is_im": False,
                "is_mpim": True,
                "is_private": True,
                "is_archived": False,
                "is_member": True,
                "priority": 0,
            }
            self._members[channel_id] = [*people, self.bot_user_id]
            self._messages.setdefault(channel_id, [])
        channel = self._channels[self._mpims[key]]
        return _copy(channel) if shown else {"id": channel["id"]}

    def group_dm_with(self, *users: str) -> str | None:
        """The group DM of these people, if the bot opened one."""
        with self._lock:
            return self._mpims.get(",".join(sorted(set(users))))

    def deactivate_user(self, user_id: str) -> None:
        """A person leaves the workspace (an admin deactivates them): ``deleted`` in
        users.info and users.list, and no new conversation with them opens."""
        with self._lock:
            self._users[user_id]["deleted"] = True
            self._touch()

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

    def _api_conversations_history(self, args: dict) -> dict:
        """A conversation's top-level messages, newest first, between `oldest` and `latest`
        (exclusive unless `inclusive`), in pages of `limit` (default 100) with a cursor.
        Message metadata is returned with `include_all_metadata`."""
        channel_id = self._dms.get(str(args.get("channel")), str(args.get("channel") or ""))
        channel = self._channels.get(channel_id)
        if not self._visible(channel):
            raise _ApiError("channel_not_found")
        if not channel["is_im"] and not channel["is_member"]:
            raise _ApiError("not_in_channel")
        inclusive = _flag(args.get("inclusive"))
        oldest = float(args.get("oldest") or 0)
        latest = float(args.get("latest") or "inf")

        def within(ts: float) -> bool:
            if inclusive:
                return oldest <= ts <= latest
            return oldest < ts < latest

        messages = [
            m
            for m in reversed(self._messages.get(channel_id, []))
            if within(float(m["ts"])) and m.get("thread_ts") in (None, m["ts"])
        ]
        start, limit = _page(args, len(messages), default_limit=100, most=999)
        page = messages[start : start + limit]
        shown = []
        for message in page:
            copy = _copy(message)
            if not _flag(args.get("include_all_metadata")):
                copy.pop("metadata", None)
            shown.append(copy)
        after = start + len(page)
        more = after < len(messages)
        return {
            "messages": shown,
            "has_more": more,
            "pin_count": 0,
            "response_metadata": {"next_cursor": _cursor(after) if more else ""},
        }

    # -- Web API: messages ------------------------------------------------------------------

    def _api_chat_postMessage(self, args: dict) -> dict:
        channel = self._postable_channel(args.get("channel"))
        _check_message(args)
        self._check_slack_files(args.get("blocks"), "/blocks")
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
        self._check_slack_files(args.get("blocks"), "/blocks")
        ts = self.next_ts()
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
        self._check_slack_files(args.get("blocks"), "/blocks")
        for key in ("text", "blocks", "attachments"):
            if key in args:
                message[key] = self._with_block_ids(args[key]) if key == "blocks" else args[key]
        message["edited"] = {"user": self.bot_user_id, "ts": self.next_ts()}
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
            "ts": self.next_ts(),
        }
        if args.get("blocks") is not None:
            message["blocks"] = self._with_block_ids(args["blocks"])
        if args.get("attachments") is not None:
            message["attachments"] = args["attachments"]
        metadata = args.get("metadata")
        if isinstance(metadata, dict) and metadata.get("event_type"):
            message["metadata"] = {
                "event_type": metadata["event_type"],
                "event_payload": metadata.get("event_payload") or {},
            }
        return message

    def _with_block_ids(self, blocks: list) -> list:
        """Blocks as Slack stores them: every block gets a block_id if it had none."""
        stored = _copy(blocks)
        for block in stored:
            if isinstance(block, dict) and "block_id" not in block:
                block["block_id"] = secrets.token_urlsafe(4)[:5]
        return stored

    def next_ts(self) -> str:
        """A message ts, strictly increasing like Slack's ("1700000000.000100")."""
        with self._lock:
            micros = max(int(self._clock() * 1_000_000), self._last_ts_micros + 1)
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
        stored = self._store_modal(view, below=None, owner=self._trigger_user(args))
        self._spend_trigger(args)
        return {"view": _copy(stored)}

    def _api_views_push(self, args: dict) -> dict:
        view = self._checked_view(args.get("view"), "modal")
        below = self._views.get(self._usable_trigger(args) or "")
        if below is not None and self._stack_depth(below) >= _VIEW_STACK_MAX:
            raise _ApiError("push_limit_reached")
        stored = self._store_modal(view, below=below, owner=self._trigger_user(args))
        self._spend_trigger(args)
        return {"view": _copy(stored)}

    def _trigger_user(self, args: dict) -> str | None:
        trigger_id = args.get("trigger_id") or args.get("interactivity_pointer")
        return self._triggers.get(trigger_id, (0.0, None, None))[2]

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
        self._check_slack_files(view.get("blocks"), "/view/blocks", error="invalid_arguments")
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
        issued_at, view_id, _ = self._triggers[trigger_id]
        if time.monotonic() - issued_at > _TRIGGER_LIFETIME_SECONDS:
            raise _ApiError("expired_trigger_id")
        return view_id

    def _spend_trigger(self, args: dict) -> None:
        self._spent_triggers.add(args.get("trigger_id") or args.get("interactivity_pointer"))

    def _store_modal(self, view: dict, *, below: dict | None, owner: str | None) -> dict:
        stored = self._view_record(view, view_id=None, below=below)
        self._views[stored["id"]] = stored
        owner = owner or (self._view_owners.get(below["id"]) if below is not None else None)
        if owner is not None:
            self._view_owners[stored["id"]] = owner
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
        self._view_errors.pop(current["id"], None)
        self._view_banners.pop(current["id"], None)
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

    def home_view_by_id(self, view_id: str) -> dict | None:
        with self._lock:
            return _copy(next((v for v in self._home_views.values() if v["id"] == view_id), None))

    def close_view(self, view_id: str, *, all_of_stack: bool = False) -> None:
        """A modal closes: just this one, or (response_action "clear") its whole stack."""
        with self._lock:
            view = self._views.get(view_id)
            if view is None:
                return
            closing = [view]
            if all_of_stack:
                root = view["root_view_id"]
                closing = [v for v in self._views.values() if v["root_view_id"] == root]
            for gone in closing:
                self._views.pop(gone["id"], None)
                self._view_owners.pop(gone["id"], None)
                self._view_errors.pop(gone["id"], None)
                self._view_banners.pop(gone["id"], None)
            self._touch()

    def replace_view(self, view_id: str, view: Any) -> list[str]:
        """A view_submission answered with response_action "update"; returns Slack's
        complaints about the new view (then the old one stays, with Slack's banner)."""
        with self._lock:
            current = self._views.get(view_id)
            if current is None:
                return []
            problems = self._modal_problems(view)
            if problems:
                self._view_banners[view_id] = _refused_banner(problems)
            else:
                self._replace(current, view)
            self._touch()
            return problems

    def push_view(self, view_id: str, view: Any) -> list[str]:
        """A view_submission answered with response_action "push": `view` goes on top."""
        with self._lock:
            below = self._views.get(view_id)
            if below is None:
                return []
            problems = self._modal_problems(view)
            if not problems and self._stack_depth(below) >= _VIEW_STACK_MAX:
                problems = ["push_limit_reached"]
            if problems:
                self._view_banners[view_id] = _refused_banner(problems)
            else:
                self._view_errors.pop(view_id, None)
                self._view_banners.pop(view_id, None)
                self._store_modal(view, below=below, owner=None)
            self._touch()
            return problems

    def set_view_errors(self, view_id: str, errors: Any) -> list[str]:
        """A view_submission answered with response_action "errors": each error shows under
        its input block. Slack takes errors keyed by the block_id of an input block only."""
        with self._lock:
            view = self._views.get(view_id)
            if view is None:
                return []
            inputs = {b.get("block_id") for b in view["blocks"] if b.get("type") == "input"}
            problems = []
            if not isinstance(errors, dict) or not errors:
                problems = ["`errors` must be an object of block_id → message"]
            else:
                problems = [
                    f"no input block with block_id `{key}` in this view"
                    for key in errors
                    if key not in inputs
                ]
            if problems:
                self._view_banners[view_id] = _refused_banner(problems)
            else:
                self._view_errors[view_id] = {str(k): str(v) for k, v in errors.items()}
                self._view_banners.pop(view_id, None)
            self._touch()
            return problems

    def set_view_banner(self, view_id: str, text: str | None) -> None:
        """What Slack shows atop a modal when the app did not answer its submission well."""
        with self._lock:
            if text is None:
                self._view_banners.pop(view_id, None)
            elif view_id in self._views:
                self._view_banners[view_id] = text
            self._touch()

    def _modal_problems(self, view: Any) -> list[str]:
        problems = view_errors(view)
        if not problems and view.get("type") != "modal":
            problems = ["must be `modal` here [json-pointer:/view/type]"]
        return problems

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
            if self._processing_for:
                self._processing[uploaded.id] = self._processing_for
            completed.append(
                {
                    "id": uploaded.id,
                    "name": uploaded.name,
                    "title": uploaded.title,
                    "size": len(uploaded.content),
                    "created": int(time.time()),
                    "user": self.bot_user_id,
                    "channels": list(uploaded.channels),
                    "permalink": self.file_permalink(uploaded),
                    "url_private": self.file_url_private(uploaded),
                }
            )
        for channel in channels:
            message = self._bot_message({"text": args.get("initial_comment") or ""})
            message["files"] = _copy(completed)
            if args.get("thread_ts"):
                message["thread_ts"] = args["thread_ts"]
            self._messages[channel].append(message)
        return {"files": completed}

    def _check_slack_files(self, blocks: Any, pointer: str, error: str = "invalid_blocks") -> None:
        """Images that show an uploaded file: Slack refuses a file it does not know, one that is
        not an image (png, jpg, jpeg, gif), and one it is still processing after the upload."""
        problems = []
        for at, reference in slack_file_references(blocks, pointer):
            uploaded = self._file_by_reference(reference)
            if uploaded is None or not uploaded.name.lower().endswith(_IMAGE_TYPES):
                problems.append(f"invalid slack file [json-pointer:{at}]")
            elif self._processing.get(uploaded.id, 0) > 0:
                self._processing[uploaded.id] -= 1
                problems.append(f"invalid slack file [json-pointer:{at}]")
        if problems:
            meta = {"messages": [f"[ERROR] {p}" for p in problems]}
            if error == "invalid_blocks":
                raise _ApiError(error, errors=problems, response_metadata=meta)
            raise _ApiError(error, response_metadata=meta)

    def _file_by_reference(self, reference: dict) -> UploadedFile | None:
        for uploaded in self._files:
            if reference.get("id") == uploaded.id or reference.get("url") in (
                self.file_permalink(uploaded),
                self.file_url_private(uploaded),
            ):
                return uploaded
        return None

    def file_permalink(self, uploaded: UploadedFile) -> str:
        return (
            f"https://{self.permalink_host}/files/{self.bot_user_id}/{uploaded.id}/{uploaded.name}"
        )

    def file_url_private(self, uploaded: UploadedFile) -> str:
        return f"https://files.slack.com/files-pri/{self.team_id}-{uploaded.id}/{uploaded.name}"

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
                    self._check_slack_files(payload.get("blocks"), "/blocks")
                except _ApiError as refusal:
                    return "response_url", args, _Answer.text(refusal.error, 400, refusal.error)
            target.uses += 1
            self._responses.append((f"{self.base_url}/response/{url_id}", _copy(payload)))
            self._show_response(target, payload)
        return "response_url", args, _Answer.text("ok")

    def _show_response(self, target: _ResponseUrl, payload: dict) -> None:
        """What a person would see after a response_url post."""
        replacing = _flag(payload.get("replace_original")) or _flag(payload.get("delete_original"))
        if target.ephemeral_ts is not None and replacing:
            self._change_ephemeral(target, payload)
            return
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
        ephemeral = {
            "channel": target.channel,
            "user": target.user,
            "text": payload.get("text"),
            "blocks": self._with_block_ids(payload["blocks"]) if payload.get("blocks") else None,
            "thread_ts": payload.get("thread_ts"),
            "ts": self.next_ts(),
            "via": "response_url",
        }
        self._ephemerals.append(ephemeral)
        if target.message_ts is None:
            # A slash command's URL: a later replace_original replaces this answer.
            target.ephemeral_ts = ephemeral["ts"]

    def _change_ephemeral(self, target: _ResponseUrl, payload: dict) -> None:
        """replace_original / delete_original on an ephemeral message (only its reader sees
        it, so only the response_url of a click in it, or of its command, can change it)."""
        original = next(
            (
                m
                for m in self._ephemerals
                if m["ts"] == target.ephemeral_ts and m["user"] == target.user
            ),
            None,
        )
        if original is None:
            return
        if _flag(payload.get("delete_original")):
            self._ephemerals.remove(original)
            return
        original["text"] = payload.get("text", "")
        original["blocks"] = (
            self._with_block_ids(payload["blocks"]) if payload.get("blocks") else None
        )
        original["edited"] = True

    # -- used by SlackDriver ----------------------------------------------------------------

    def ensure_user(self, user_id: str, name: str | None) -> dict:
        with self._lock:
            if user_id not in self._users:
                self.add_user(user_id, name=name or user_id.lower())
            return self._users[user_id]

    def ensure_channel(self, channel_id: str) -> dict:
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

    def dm_with(self, user_id: str) -> str:
        with self._lock:
            return self._open_dm(user_id)

    def channel_of(self, ts: str) -> str | None:
        with self._lock:
            for channel, messages in self._messages.items():
                if any(m["ts"] == ts for m in messages):
                    return channel
        return None

    def record_member_message(self, channel: str, message: dict) -> None:
        with self._lock:
            self._messages.setdefault(channel, []).append(_copy(message))
            self._touch()

    def edit_member_message(self, channel: str, ts: str, text: str, edited_ts: str) -> dict | None:
        """Returns the message as it was before the edit (None if the stand-in never saw it)."""
        with self._lock:
            for message in self._messages.get(channel, []):
                if message["ts"] == ts:
                    before = _copy(message)
                    message.update(text=text, edited={"user": message.get("user"), "ts": edited_ts})
                    message.pop("blocks", None)
                    self._touch()
                    return before
        return None

    def delete_member_message(self, channel: str, ts: str) -> dict | None:
        with self._lock:
            for message in self._messages.get(channel, []):
                if message["ts"] == ts:
                    self._messages[channel].remove(message)
                    self._touch()
                    return message
        return None


class _Server(ThreadingHTTPServer):
    # socketserver's default backlog of 5 drops connection attempts when a client sends many
    # calls at once (the kernel drops the SYN and the client retries a second later); Slack
    # takes them all.
    request_queue_size = 128


class _Handler(BaseHTTPRequestHandler):
    standin: SlackStandIn  # set on the subclass SlackStandIn.start makes

    def do_POST(self) -> None:
        self.standin._handle(self)

    do_GET = do_POST

    def log_message(self, format: str, *args: Any) -> None:
        pass  # tests and the sandbox read `calls`, not an access log


def _client_credentials(authorization: str, args: dict) -> tuple[str, str] | None:
    """The app's client id and secret: HTTP Basic auth (as slack_sdk sends them) or form
    fields. The secret is taken out of ``args`` so that no recorded call holds it."""
    if authorization.startswith("Basic "):
        try:
            decoded = base64.b64decode(authorization[len("Basic ") :]).decode("utf-8")
        except ValueError:
            return None
        client_id, _, secret = decoded.partition(":")
        return client_id, secret
    if "client_secret" in args:
        return str(args.get("client_id") or ""), str(args.pop("client_secret"))
    return None


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
    if blocks and not (isinstance(text, str) and text.strip()):
        # Stricter than Slack, which only warns: a screen reader reads a message's top-level
        # text, not its blocks, so the stand-in refuses blocks without it.
        raise _ApiError("no_text_for_screen_readers")


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


def _page(args: dict, total: int, *, default_limit: int, most: int) -> tuple[int, int]:
    """(start, limit) from a request's `cursor` and `limit` (0: everything, where allowed)."""
    cursor = str(args.get("cursor") or "")
    try:
        start = int(base64.urlsafe_b64decode(cursor.encode()).decode().removeprefix("next:"))
    except ValueError:
        if cursor:
            raise _ApiError("invalid_cursor") from None
        start = 0
    if not 0 <= start <= total:
        raise _ApiError("invalid_cursor")
    raw_limit = str(args.get("limit") or "")
    limit = int(raw_limit) if raw_limit.isdigit() else default_limit
    return start, min(limit, most)


def _cursor(position: int) -> str:
    return base64.urlsafe_b64encode(f"next:{position}".encode()).decode()


def _refused_banner(problems: list[str]) -> str:
    return "Slack refused the app's answer: " + "; ".join(problems)


def _flag(value: Any) -> bool:
    return value in (True, 1, "1", "true", "True")


def _copy(value: Any) -> Any:
    return json.loads(json.dumps(value)) if value is not None else None
