"""What people do in the workspace outside the bot's Web API calls: write, edit and delete
messages, join and leave channels, leave the workspace. SlackDriver and the sandbox's UI use
it to keep the stand-in's workspace in step with the requests they send the bot.

Judgement call: a channel Slack sends a request from that the stand-in did not know is added as
a public channel the bot was never invited to; one whose id starts with "D", as a DM between two
people (not with the bot, so the bot cannot see it).
"""

from __future__ import annotations

from sandbox.standin.conversations import Conversations
from sandbox.standin.protocol import json_copy
from sandbox.standin.users import Users


class People(Conversations, Users):
    """People's own doings, as SlackDriver reports them."""

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
            return json_copy(message)

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
            return json_copy(message)

    def deactivate_user(self, user_id: str) -> None:
        """A person leaves the workspace (an admin deactivates them): ``deleted`` in
        users.info and users.list, and no new conversation with them opens."""
        with self._lock:
            self._users[user_id]["deleted"] = True
            self._touch()

    def channel_of(self, ts: str) -> str | None:
        with self._lock:
            for channel, messages in self._messages.items():
                if any(m["ts"] == ts for m in messages):
                    return channel
        return None

    def record_member_message(self, channel: str, message: dict) -> None:
        with self._lock:
            self._messages.setdefault(channel, []).append(json_copy(message))
            self._touch()

    def edit_member_message(self, channel: str, ts: str, text: str, edited_ts: str) -> dict | None:
        """Returns the message as it was before the edit (None if the stand-in never saw it)."""
        with self._lock:
            for message in self._messages.get(channel, []):
                if message["ts"] == ts:
                    before = json_copy(message)
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
