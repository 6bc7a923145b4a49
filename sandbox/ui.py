"""What Slack's own app does for a person in the sandbox page, and nothing the bot does.

`SlackUi` turns what a person does in the page (types a message or a slash command, clicks a
button, submits a modal, opens App Home, joins a channel) into exactly the request Slack would
send the bot — through `SlackDriver`, signed — and `view_for` returns what that person would
see: the channels, the bot's messages and ephemeral answers, their modals and Home tab. All
bot behaviour stays in the bot; this module only plays Slack.

Slack's rules followed here, from the app's manifest (as Slack reads the app's configuration):
- only the slash commands and message shortcuts the manifest declares exist; another command
  gets Slack's "is not a valid command" from Slackbot;
- events go only where the manifest subscribes to them, and message events only from
  conversations the bot is in (Slack sends none from channels the app was not added to);
- a read-only Messages tab (`messages_tab_read_only_enabled`) cannot be written in.
Slack's own checks before a modal reaches the app (a required input left empty, a text under
its `min_length`) are made by the page, as Slack's client makes them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from bot.manifest import manifest
from sandbox.driver import Reply, SlackDriver
from sandbox.standin import SlackStandIn

NOT_A_MEMBER = "You are not in this channel: join it first."
READ_ONLY_DM = "Sending messages to this app has been turned off."
# Slack's own wording for a command no installed app provides.
NOT_A_COMMAND = (
    '{command} is not a valid command. In Slack, all messages that start with the "/" '
    "character are interpreted as commands."
)
_MESSAGE_EVENTS = {"channel": "message.channels", "group": "message.groups", "im": "message.im"}
_SPECIAL_MENTIONS = {"@here": "<!here>", "@channel": "<!channel>", "@everyone": "<!everyone>"}


@dataclass
class Outcome:
    """What the page tells the person beyond what shows in the conversation: a warning
    (the app did not answer in time, Slack refused something) or nothing."""

    warning: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"warning": self.warning, **self.detail}


class SlackUi:
    def __init__(self, driver: SlackDriver, app_manifest: dict[str, Any] | None = None) -> None:
        self.driver = driver
        self.standin: SlackStandIn = driver.standin
        self.manifest = app_manifest or manifest()
        features = self.manifest.get("features", {})
        self.commands = [c["command"] for c in features.get("slash_commands", [])]
        self.shortcuts = [
            {"name": s["name"], "callback_id": s["callback_id"]}
            for s in features.get("shortcuts", [])
            if s.get("type") == "message"
        ]
        home = features.get("app_home", {})
        self.home_tab = bool(home.get("home_tab_enabled"))
        self.messages_read_only = bool(
            not home.get("messages_tab_enabled") or home.get("messages_tab_read_only_enabled")
        )
        subscriptions = self.manifest.get("settings", {}).get("event_subscriptions", {})
        self.events = set(subscriptions.get("bot_events", []))

    # -- typing -----------------------------------------------------------------------------

    def send(self, user: str, channel: str, text: str, thread_ts: str | None = None) -> Outcome:
        """The composer's Enter: a slash command, or a message (in a thread when given)."""
        text = text.strip()
        if not text:
            return Outcome()
        if text.startswith("/"):
            return self.command(user, channel, text)
        refusal = self._cannot_write(user, channel)
        if refusal:
            return Outcome(refusal)
        event = self.driver.message(
            _as_slack_text(text, self.standin.users()),
            user=user,
            channel=channel,
            thread_ts=thread_ts,
        )
        return self._deliver_message_event(event, channel)

    def command(self, user: str, channel: str, text: str) -> Outcome:
        command, _, rest = text.partition(" ")
        if command not in self.commands:
            self.standin.show_ephemeral(
                channel, user, {"text": NOT_A_COMMAND.format(command=command)}, via="slack"
            )
            return Outcome()
        reply = self.driver.command(rest.strip(), user=user, channel=channel, command=command)
        return _late_or_failed(reply, f"{command} {rest}".strip())

    def edit_message(self, user: str, channel: str, ts: str, text: str) -> Outcome:
        message = self.standin.message(channel, ts)
        if message is None or message.get("user") != user or message.get("subtype"):
            return Outcome("You can only edit your own messages.")
        if not text.strip():
            return self.delete_message(user, channel, ts)
        event = self.driver.message_changed(
            _as_slack_text(text.strip(), self.standin.users()), user=user, channel=channel, ts=ts
        )
        return self._deliver_message_event(event, channel)

    def delete_message(self, user: str, channel: str, ts: str) -> Outcome:
        message = self.standin.message(channel, ts)
        if message is None or message.get("user") != user or message.get("subtype"):
            return Outcome("You can only delete your own messages.")
        event = self.driver.message_deleted(channel=channel, ts=ts)
        return self._deliver_message_event(event, channel)

    def _cannot_write(self, user: str, channel: str) -> str | None:
        place = next((c for c in self.standin.conversations() if c["id"] == channel), None)
        if place is None:
            return "There is no such conversation."
        if place.get("is_im"):
            if place.get("user") != user:
                return "There is no such conversation."
            return READ_ONLY_DM if self.messages_read_only else None
        if user not in self.standin.members_of(channel):
            return NOT_A_MEMBER
        return None

    def _deliver_message_event(self, event: dict[str, Any], channel: str) -> Outcome:
        subscription = _MESSAGE_EVENTS.get(event.get("channel_type", ""))
        if subscription not in self.events or not self._bot_hears(channel):
            return Outcome()
        return _late_or_failed(self.driver.event(event), "the message event")

    def _bot_hears(self, channel: str) -> bool:
        place = next((c for c in self.standin.conversations() if c["id"] == channel), {})
        if place.get("is_im"):
            return place.get("user") is not None  # a DM with the bot
        return bool(place.get("is_member"))

    # -- clicking and submitting ------------------------------------------------------------

    def click(
        self,
        user: str,
        action: dict[str, Any],
        *,
        channel: str | None = None,
        message_ts: str | None = None,
        ephemeral_ts: str | None = None,
        view_id: str | None = None,
        state: dict[str, Any] | None = None,
    ) -> Outcome:
        """An interactive element used in a message, an ephemeral message, a modal or Home.
        `action` is what the element reports (action_id, block_id, type, value or selection)."""
        extra = {
            k: v
            for k, v in action.items()
            if k not in ("action_id", "block_id", "type", "value", "selected_option")
        }
        common: dict[str, Any] = {
            "user": user,
            "block_id": action.get("block_id"),
            "action_type": action.get("type", "button"),
            "selected_option": action.get("selected_option"),
            "action_fields": extra,
            "state": state,
        }
        if view_id is not None:
            reply = self.driver.block_action(
                action["action_id"], action.get("value"), view=view_id, **common
            )
        elif ephemeral_ts is not None:
            ephemeral = self.standin.ephemeral(user, ephemeral_ts)
            if ephemeral is None:
                return Outcome("That message is gone.")
            reply = self.driver.block_action(
                action["action_id"], action.get("value"), ephemeral=ephemeral, **common
            )
        else:
            message = self.standin.message(channel or "", message_ts or "")
            if message is None:
                return Outcome("That message is gone.")
            reply = self.driver.block_action(
                action["action_id"],
                action.get("value"),
                message=message,
                channel=channel,
                **common,
            )
        return _late_or_failed(reply, "the button")

    def submit(self, user: str, view_id: str, values: dict[str, Any]) -> Outcome:
        view = self.standin.view(view_id)
        if view is None:
            return Outcome("That form is closed.")
        self.driver.view_submission(view.get("callback_id", ""), values, user=user, view_id=view_id)
        return Outcome()

    def close(self, user: str, view_id: str, *, everything: bool = False) -> Outcome:
        self.driver.view_closed(view_id, user=user, is_cleared=everything)
        return Outcome()

    def shortcut(self, user: str, channel: str, ts: str, callback_id: str) -> Outcome:
        if callback_id not in {s["callback_id"] for s in self.shortcuts}:
            return Outcome("This app has no such shortcut.")
        message = self.standin.message(channel, ts)
        if message is None:
            return Outcome("That message is gone.")
        reply = self.driver.message_action(callback_id, message, user=user, channel=channel)
        return _late_or_failed(reply, "the shortcut")

    # -- places -----------------------------------------------------------------------------

    def open_app(self, user: str, tab: str) -> Outcome:
        """The person opens the app's Home or Messages tab: Slack tells the app each time."""
        self.standin.dm_with(user)
        if "app_home_opened" not in self.events:
            return Outcome()
        return _late_or_failed(self.driver.event(self.driver.app_home_opened(user, tab)), "Home")

    def join(self, user: str, channel: str) -> Outcome:
        if user in self.standin.members_of(channel):
            return Outcome()
        hears = self._bot_hears(channel)
        if "member_joined_channel" in self.events and hears:
            event = self.driver.member_joined_channel(user=user, channel=channel)
            outcome = _late_or_failed(self.driver.event(event), "the join event")
        else:
            self.standin.join_channel(channel, user)
            outcome = Outcome()
        joined = self.standin.messages_in(channel)[-1]
        if joined.get("subtype") == "channel_join" and "message.channels" in self.events and hears:
            self.driver.event(
                {**joined, "channel": channel, "event_ts": joined["ts"], "channel_type": "channel"}
            )
        return outcome

    def leave(self, user: str, channel: str) -> Outcome:
        hears = self._bot_hears(channel)
        left = self.standin.leave_channel(channel, user)
        if left is None:
            return Outcome()
        if "member_left_channel" in self.events and hears:
            event = {
                "type": "member_left_channel",
                "user": user,
                "channel": channel,
                "channel_type": "C",
                "team": self.standin.team_id,
                "event_ts": left["ts"],
            }
            return _late_or_failed(self.driver.event(event), "the leave event")
        return Outcome()


def _late_or_failed(reply: Reply, what: str) -> Outcome:
    if reply.in_time:
        return Outcome()
    if reply.status == 200:
        return Outcome(f"The app took {reply.seconds:.1f} s to answer {what}; Slack gives up at 3.")
    if reply.status == 0:
        return Outcome(f"The app did not answer {what} at all.")
    return Outcome(f"The app answered {what} with HTTP {reply.status}.")


def _as_slack_text(typed: str, users: list[dict[str, Any]]) -> str:
    """What Slack's composer sends for typed text: &, < and > escaped, and @mentions of
    people (by their name) and of @here/@channel/@everyone as Slack's mention tokens."""
    text = typed.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    names = {u["name"].lower(): u["id"] for u in users if not u.get("is_bot")}

    def mention(match: re.Match[str]) -> str:
        word = match.group(0)
        if word.lower() in _SPECIAL_MENTIONS:
            return _SPECIAL_MENTIONS[word.lower()]
        user_id = names.get(word[1:].lower())
        return f"<@{user_id}>" if user_id else word

    return re.sub(r"(?<![\w@])@[\w.-]+", mention, text)


def view_for(ui: SlackUi, user: str, *, api_calls: int = 80) -> dict[str, Any]:
    """Everything `user` would see in Slack now, as JSON for the page."""
    standin = ui.standin
    people = {u["id"]: u for u in standin.users()}
    conversations = []
    for place in standin.conversations():
        if place.get("is_im"):
            if place.get("user") != user:
                continue  # only this person's own DM with the bot
            name = "Kindness"
        else:
            name = place.get("name", place["id"])
        members = standin.members_of(place["id"]) if not place.get("is_im") else []
        if place.get("is_mpim"):
            if user not in members:
                continue  # a group DM is seen by its members only
            # As Slack lists one: the other people in it, the bot first.
            others = list(
                dict.fromkeys(people[m]["name"] for m in members if m != user and m in people)
            )
            name = ", ".join(sorted(others, key=lambda n: n != "kindness"))
        conversations.append(
            {
                "id": place["id"],
                "name": name,
                "kind": "im"
                if place.get("is_im")
                else ("private" if place.get("is_private") else "channel"),
                "bot_is_member": bool(place.get("is_member")) or bool(place.get("is_im")),
                "is_member": bool(place.get("is_im")) or user in members,
                "member_count": len(members),
                "messages": standin.messages_in(place["id"]),
            }
        )
    files = {
        f.id: {
            "id": f.id,
            "name": f.name,
            "title": f.title,
            "size": len(f.content),
            "mimetype": f.mimetype,
        }
        for f in standin.files
    }
    calls = [
        {
            "method": c.method,
            "ok": c.ok,
            "status": c.status,
            "error": c.error,
            "at": c.at,
            "summary": _call_summary(c.args),
        }
        for c in standin.calls[-api_calls:]
    ]
    return {
        "version": standin.version,
        "team": {"id": standin.team_id, "name": standin.team_name},
        "bot": {"id": standin.bot_user_id, "name": people[standin.bot_user_id]["real_name"]},
        "me": people.get(user),
        "people": list(people.values()),
        "conversations": conversations,
        "ephemerals": standin.ephemerals(user),
        "home": standin.home_view(user),
        "modals": standin.modal_stack(user),
        "files": files,
        "app": {
            "commands": ui.commands,
            "shortcuts": ui.shortcuts,
            "home_tab": ui.home_tab,
            "messages_read_only": ui.messages_read_only,
        },
        "api_calls": calls,
    }


def _call_summary(args: dict[str, Any]) -> str:
    """A few words on what a Web API call was about, for the page's log of calls."""
    shown = []
    for key in ("channel", "user", "user_id", "ts", "name", "filename", "view_id", "url_id"):
        if args.get(key):
            shown.append(f"{key}={args[key]}")
    text = args.get("text")
    if isinstance(text, str) and text:
        shown.append(repr(text[:60] + ("…" if len(text) > 60 else "")))
    return " ".join(shown)
