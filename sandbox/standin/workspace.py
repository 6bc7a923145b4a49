"""The stand-in's workspace: the state every Web API family works on, under one lock.

`Workspace` holds who the workspace is (team, bot user, app), its people, channels, DMs and
their messages and ephemeral messages, the ids and message timestamps it hands out, and the
`version` the sandbox page polls. It also keeps the few rules several families apply alike:
which conversations the bot can see, where a bot message may land (a channel it is in, a DM, or
a user id meaning their DM), how a bot message and its blocks are stored.

Judgement calls:
- Message timestamps come from the injected `clock` and strictly increase, like Slack's
  ("1700000000.000100"); a block without a `block_id` gets a random one, as Slack stores it.
- A private channel the bot is not in answers `not_in_channel` to a post (not
  `channel_not_found`), and so does a public one: the bot has no `chat:write.public`.
"""

from __future__ import annotations

import itertools
import secrets
import threading
import time
from collections.abc import Callable
from typing import Any

from sandbox.standin.protocol import ApiError, json_copy


class Workspace:
    """Who the workspace is and what is in it; the families below add their own state."""

    def _init_workspace(
        self,
        team_id: str,
        team_name: str,
        bot_user_id: str,
        *,
        permalink_host: str | None,
        clock: Callable[[], float],
    ) -> None:
        self.team_id = team_id
        self.team_name = team_name
        self.team_domain = "-".join(team_name.lower().split())
        self.bot_user_id = bot_user_id
        self.bot_id = "B" + bot_user_id[1:]
        self.app_id = "A" + bot_user_id[1:]
        self.permalink_host = permalink_host or f"{self.team_domain}.slack.com"
        self._clock = clock
        self._version = 0
        self._lock = threading.RLock()
        self._ids = itertools.count(1)
        self._last_ts_micros = 0
        self._users: dict[str, dict] = {}
        self._channels: dict[str, dict] = {}
        self._dms: dict[str, str] = {}  # user id -> DM channel id
        self._mpims: dict[str, str] = {}  # the sorted user ids, joined by commas -> group DM id
        self._messages: dict[str, list[dict]] = {}  # channel id -> messages, oldest first
        self._ephemerals: list[dict] = []
        self._members: dict[str, list[str]] = {}  # channel id -> people in it

    @property
    def base_url(self) -> str:
        """Where the stand-in is served; upload and response URLs point there (`Server`)."""
        raise NotImplementedError

    @property
    def version(self) -> int:
        """Goes up whenever anything a person could see may have changed."""
        with self._lock:
            return self._version

    def _touch(self) -> None:
        with self._lock:
            self._version += 1

    def next_ts(self) -> str:
        """A message ts, strictly increasing like Slack's ("1700000000.000100")."""
        with self._lock:
            micros = max(int(self._clock() * 1_000_000), self._last_ts_micros + 1)
            self._last_ts_micros = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def messages_in(self, channel: str) -> list[dict]:
        """Every message in a channel or DM (thread replies included), oldest first."""
        with self._lock:
            return json_copy(self._messages.get(channel, []))

    def message(self, channel: str, ts: str) -> dict | None:
        with self._lock:
            found = next((m for m in self._messages.get(channel, []) if m["ts"] == ts), None)
            return json_copy(found)

    def ephemerals(self, user: str | None = None) -> list[dict]:
        """Ephemeral messages (chat.postEphemeral and response_url), for one person or all."""
        with self._lock:
            return [json_copy(m) for m in self._ephemerals if user in (None, m["user"])]

    def ephemeral(self, user: str, ts: str) -> dict | None:
        with self._lock:
            found = next((m for m in self._ephemerals if m["user"] == user and m["ts"] == ts), None)
            return json_copy(found)

    def conversations(self) -> list[dict]:
        """Every channel and DM the stand-in knows."""
        with self._lock:
            return json_copy(list(self._channels.values()))

    def _visible(self, channel: dict | None) -> bool:
        """Whether the bot can see a conversation at all (Slack says channel_not_found if not)."""
        if channel is None:
            return False
        if channel["is_im"]:
            return "user" in channel  # its own DMs, not a DM between two people
        return not channel["is_private"] or channel["is_member"]

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

    def _postable_channel(self, given: Any) -> str:
        """Where a bot message lands: a channel the bot is in, a DM, or a user id (their DM)."""
        given = str(given or "")
        if given in self._users:
            return self._open_dm(given)
        channel = self._channels.get(given) or self._channel_named(given.lstrip("#"))
        if channel is None or (channel["is_im"] and not self._visible(channel)):
            raise ApiError("channel_not_found")
        # A private channel the bot is not in answers not_in_channel (not channel_not_found)
        # here, and so does a public one for a bot without chat:write.public.
        if not channel["is_im"] and not channel["is_member"]:
            raise ApiError("not_in_channel")
        return channel["id"]

    def _channel_named(self, name: str) -> dict | None:
        return next((c for c in self._channels.values() if c.get("name") == name), None)

    def _find_message(self, channel_id: Any, ts: Any) -> tuple[str, dict]:
        channel_id = self._dms.get(str(channel_id), str(channel_id or ""))
        if not self._visible(self._channels.get(channel_id)):
            raise ApiError("channel_not_found")
        for message in self._messages.get(channel_id, []):
            if message["ts"] == str(ts):
                return channel_id, message
        raise ApiError("message_not_found")

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
        stored = json_copy(blocks)
        for block in stored:
            if isinstance(block, dict) and "block_id" not in block:
                block["block_id"] = secrets.token_urlsafe(4)[:5]
        return stored
