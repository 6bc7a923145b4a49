"""Channels, DMs and group DMs: `add_channel` for tests, and the conversations.* methods.

Judgement calls:
- The bot sees a public channel, a private one it is in, and its own DMs; for anything else
  Slack says `channel_not_found`, and so does the stand-in.
- conversations.open with several people opens a group DM of them and the bot (2 to 8 people,
  as Slack allows): the same one for the same people, whatever their order.
- `conversations.history` lists top-level messages only, newest first, in pages with an opaque
  cursor, and returns message metadata only with `include_all_metadata`.
"""

from __future__ import annotations

import time

from sandbox.standin.protocol import ApiError, cursor_at, flag, json_copy, page_bounds
from sandbox.standin.workspace import Workspace


class Conversations(Workspace):
    """Conversations as the bot sees them."""

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
        return json_copy(channel)

    def members_of(self, channel_id: str) -> list[str]:
        """People in a channel (the bot counts when it is a member)."""
        with self._lock:
            people = list(self._members.get(channel_id, []))
            if self._channels.get(channel_id, {}).get("is_member"):
                people.append(self.bot_user_id)
            return people

    def dm_with(self, user_id: str) -> str:
        with self._lock:
            return self._open_dm(user_id)

    def group_dm_with(self, *users: str) -> str | None:
        """The group DM of these people, if the bot opened one."""
        with self._lock:
            return self._mpims.get(",".join(sorted(set(users))))

    def _api_conversations_info(self, args: dict) -> dict:
        channel = self._channels.get(args.get("channel", ""))
        if not self._visible(channel):
            raise ApiError("channel_not_found")
        return {"channel": json_copy(channel)}

    def _api_conversations_members(self, args: dict) -> dict:
        """The people in a channel the bot can see (the bot too, when it is in it), in pages."""
        channel_id = args.get("channel", "")
        if not self._visible(self._channels.get(channel_id)):
            raise ApiError("channel_not_found")
        people = self.members_of(channel_id)
        start, limit = page_bounds(args, len(people), default_limit=100, most=1000)
        page = people[start : start + limit] if limit else people[start:]
        after = start + len(page)
        return {
            "members": page,
            "response_metadata": {"next_cursor": cursor_at(after) if after < len(people) else ""},
        }

    def _api_conversations_open(self, args: dict) -> dict:
        if args.get("channel"):
            channel = self._channels.get(args["channel"])
            if channel is None or not channel["is_im"]:
                raise ApiError("channel_not_found")
            return {"no_op": True, "already_open": True, "channel": json_copy(channel)}
        users = [u for u in str(args.get("users") or "").split(",") if u]
        if not users:
            raise ApiError("users_list_not_supplied")
        if len(users) > 1:
            return {"channel": self._open_group_dm(users, shown=flag(args.get("return_im")))}
        if users[0] not in self._users:
            raise ApiError("user_not_found")
        already_open = users[0] in self._dms
        channel = self._channels[self._open_dm(users[0])]
        shown = json_copy(channel) if flag(args.get("return_im")) else {"id": channel["id"]}
        extra = {"no_op": True, "already_open": True} if already_open else {}
        return {**extra, "channel": shown}

    def _open_group_dm(self, users: list[str], *, shown: bool) -> dict:
        """A group DM of the bot and ``users`` (2 to 8 people, as Slack allows): the same one
        for the same people, whatever their order."""
        people = sorted(set(users))
        if len(people) > 8:
            raise ApiError("too_many_users")
        for user_id in people:
            if user_id not in self._users:
                raise ApiError("user_not_found")
            if self._users[user_id].get("deleted"):
                raise ApiError("user_disabled")
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
        return json_copy(channel) if shown else {"id": channel["id"]}

    def _api_conversations_join(self, args: dict) -> dict:
        channel = self._channels.get(args.get("channel", ""))
        if channel is None:
            raise ApiError("channel_not_found")
        if channel["is_im"] or channel["is_private"]:
            raise ApiError("method_not_supported_for_channel_type")
        if channel["is_member"]:
            warning = "already_in_channel"
            meta = {"warnings": [warning]}
            return {"channel": json_copy(channel), "warning": warning, "response_metadata": meta}
        channel["is_member"] = True
        return {"channel": json_copy(channel)}

    def _api_conversations_history(self, args: dict) -> dict:
        """A conversation's top-level messages, newest first, between `oldest` and `latest`
        (exclusive unless `inclusive`), in pages of `limit` (default 100) with a cursor.
        Message metadata is returned with `include_all_metadata`."""
        channel_id = self._dms.get(str(args.get("channel")), str(args.get("channel") or ""))
        channel = self._channels.get(channel_id)
        if not self._visible(channel):
            raise ApiError("channel_not_found")
        if not channel["is_im"] and not channel["is_member"]:
            raise ApiError("not_in_channel")
        inclusive = flag(args.get("inclusive"))
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
        start, limit = page_bounds(args, len(messages), default_limit=100, most=999)
        page = messages[start : start + limit]
        shown = []
        for message in page:
            copy = json_copy(message)
            if not flag(args.get("include_all_metadata")):
                copy.pop("metadata", None)
            shown.append(copy)
        after = start + len(page)
        more = after < len(messages)
        return {
            "messages": shown,
            "has_more": more,
            "pin_count": 0,
            "response_metadata": {"next_cursor": cursor_at(after) if more else ""},
        }
