"""Slack's other half: signed slash commands, events and interactions sent to the bot.

`SlackDriver` posts to the bot's HTTP endpoint what Slack would, with `response_url`s and
`trigger_id`s the stand-in knows; `InputValue` builds a modal's submitted state.

Judgement calls — what Slack shows a person when the app fails, where Slack's documentation
did not settle a detail: `/kindness failed with the error "…"` for a slash command
(`operation_timeout` past 3 seconds, `dispatch_failed` for an error status, the Web API's error
name for a body Slack would refuse, followed here by the Block Kit complaints a developer
needs), and "We had some trouble connecting. Try again?" atop a modal. A modal's
`response_action` that Slack would refuse (errors keyed by a block that is not an input, a view
breaking a limit, an unknown action) leaves the modal as it was with a banner saying why; real
Slack says less. Slack's client-side check of required inputs ("Please complete this required
field.") is the page's, as it is Slack's client's.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from typing import Any

from sandbox.standin import SlackStandIn

# Slack waits this long for an acknowledgement, then tells the person the app failed.
ACK_SECONDS = 3.0
# What Slack shows atop a modal whose submission failed or was answered too late.
TROUBLE_CONNECTING = "We had some trouble connecting. Try again?"

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
    seconds: float = 0.0  # how long the bot took to answer
    ack_seconds: float = ACK_SECONDS  # how long Slack waited

    @property
    def in_time(self) -> bool:
        """Answered 200 within Slack's 3 seconds (else Slack reports a failure)."""
        return self.status == 200 and self.seconds <= self.ack_seconds

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
    def multi_users_select(users: list[str]) -> dict:
        return {"type": "multi_users_select", "selected_users": list(users)}

    @staticmethod
    def conversations_select(conversation: str | None) -> dict:
        return {"type": "conversations_select", "selected_conversation": conversation}

    @staticmethod
    def checkboxes(options: list[tuple[str, str]]) -> dict:
        """`options` as (value, text) pairs."""
        return {"type": "checkboxes", "selected_options": [_option(v, t) for v, t in options]}


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
        *,
        ack_seconds: float = ACK_SECONDS,
    ) -> None:
        """`ack_seconds`: how long Slack waits for the bot's answer (tests shorten it)."""
        self.app_url = app_url
        self.signing_secret = signing_secret
        self.standin = standin
        self.team_id = team_id or standin.team_id
        self.ack_seconds = ack_seconds

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
        member = self.standin.ensure_user(user, user_name)
        place = self.standin.ensure_channel(channel)
        response_url = self.standin.new_response_url(channel=channel, user=user)
        trigger_id = self.standin.new_trigger_id(user=user)
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
        if not unsigned and signature is None:
            self._show_command_answer(reply, command, channel, user)
        return reply

    def _show_command_answer(self, reply: Reply, command: str, channel: str, user: str) -> None:
        """What Slack shows the person after a slash command: the acknowledgement's message
        (ephemeral unless `response_type` is "in_channel"), or Slack's own failure notice."""
        if not reply.in_time:
            error = "operation_timeout" if reply.status == 200 else "dispatch_failed"
            self._slack_says(f'{command} failed with the error "{error}"', channel, user)
            return
        if not reply.body.strip():
            return
        try:
            answer = json.loads(reply.body)
        except ValueError:
            answer = {"text": reply.body}  # a plain-text body is shown as it is
        if not isinstance(answer, dict):
            self._slack_says(f'{command} failed with the error "invalid_payload"', channel, user)
            return
        if not answer.get("text") and not answer.get("blocks"):
            return  # e.g. {"response_type": "ephemeral"} alone: nothing to show
        problems = self.standin.check_message(answer)
        if problems:
            detail = "; ".join(problems[1:])
            note = f'{command} failed with the error "{problems[0]}"' + (
                f" ({detail})" if detail else ""
            )
            self._slack_says(note, channel, user)
            return
        if answer.get("response_type") == "in_channel":
            self.standin.post_as_app(channel, answer)
            return
        self.standin.show_ephemeral(
            channel, user, answer, via="command_ack", response_url=reply.response_url
        )

    def _slack_says(self, text: str, channel: str | None, user: str) -> None:
        self.standin.show_ephemeral(channel, user, {"text": text}, via="slack")

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
        self.standin.ensure_user(user, None)
        place = self.standin.ensure_channel(channel)
        ts = ts or self.standin.next_ts()
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
        self.standin.record_member_message(channel, message)
        return {**message, "channel": channel, "event_ts": ts, "channel_type": _kind(place)}

    def message_changed(self, text: str, *, user: str, channel: str, ts: str) -> dict:
        """The event Slack sends when a member edits their message `ts` to `text`."""
        event_ts = self.standin.next_ts()
        before = self.standin.edit_member_message(channel, ts, text, event_ts)
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
            "channel_type": _kind(self.standin.ensure_channel(channel)),
        }

    def message_deleted(self, *, channel: str, ts: str) -> dict:
        """The event Slack sends when the message `ts` is deleted."""
        event_ts = self.standin.next_ts()
        before = self.standin.delete_member_message(channel, ts)
        event = {
            "type": "message",
            "subtype": "message_deleted",
            "hidden": True,
            "deleted_ts": ts,
            "channel": channel,
            "ts": event_ts,
            "event_ts": event_ts,
            "channel_type": _kind(self.standin.ensure_channel(channel)),
        }
        if before is not None:
            event["previous_message"] = before
        return event

    def member_joined_channel(self, *, user: str, channel: str) -> dict:
        """The event Slack sends when someone joins a channel the bot is in (the stand-in
        records the join and Slack's "has joined the channel" message)."""
        self.standin.ensure_user(user, None)
        place = self.standin.ensure_channel(channel)
        self.standin.join_channel(channel, user)
        return {
            "type": "member_joined_channel",
            "user": user,
            "channel": channel,
            "channel_type": "G" if place.get("is_private") else "C",
            "team": self.team_id,
            "event_ts": self.standin.next_ts(),
        }

    def app_home_opened(self, user: str, tab: str = "home") -> dict:
        """The event Slack sends when a member opens the bot's Home (or Messages) tab."""
        self.standin.ensure_user(user, None)
        event = {
            "type": "app_home_opened",
            "user": user,
            "channel": self.standin.dm_with(user),
            "tab": tab,
            "event_ts": self.standin.next_ts(),
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
        ephemeral: dict | None = None,
        container: dict | None = None,
        response_url: bool = True,
        block_id: str | None = None,
        action_type: str = "button",
        selected_option: dict | None = None,
        action_fields: dict | None = None,
        state: dict | None = None,
        timestamp: float | None = None,
        signature: str | None = None,
        unsigned: bool = False,
    ) -> Reply:
        """A click (or selection) on an element in a message (`message`, e.g. one from
        `standin.messages_in`), an ephemeral message (`ephemeral`, one from
        `standin.ephemerals`: Slack sends no `message` then, and its response_url acts on that
        ephemeral) or a view (`view`, a dict or a view id the stand-in knows). The block_id is
        looked up from the element with `action_id` when not given. `action_fields` adds
        fields to the action (`selected_date`, `selected_options`…); `state` is the input
        state of the view or message (block_id → action_id → value), as Slack sends it.
        """
        if isinstance(view, str):
            view = self.standin.view(view) or self.standin.home_view_by_id(view)
            if view is None:
                raise ValueError("the stand-in knows no view with that id")
        if message is not None and channel is None:
            channel = self.standin.channel_of(message["ts"])
        if ephemeral is not None and channel is None:
            channel = ephemeral.get("channel")
        member = self.standin.ensure_user(user, None)
        place = self.standin.ensure_channel(channel) if channel else None
        blocks = (message or view or ephemeral or {}).get("blocks") or []
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
        action.update(action_fields or {})
        trigger_id = self.standin.new_trigger_id(view_id=view["id"] if view else None, user=user)
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": _user_field(member, self.team_id),
            "api_app_id": self.standin.app_id,
            "token": self.verification_token,
            "container": container or _container(channel, message, view, ephemeral),
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
        if message is not None or ephemeral is not None:
            payload["state"] = {"values": state or {}}
        if view is not None:
            view = {**view, "state": {"values": state or {}}}
            payload["view"] = view
        url = None
        if response_url and view is None:
            url = self.standin.new_response_url(
                channel=channel,
                user=user,
                message_ts=message["ts"] if message is not None else None,
                ephemeral_ts=ephemeral["ts"] if ephemeral is not None else None,
            )
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
        (its blocks, title, private_metadata), and the bot's answer is applied to it as Slack
        applies it: no `response_action` closes it, "update" replaces it, "push" puts a new
        view on top, "clear" closes its stack, "errors" shows each error under its input; an
        answer Slack would refuse, a failure or a late answer leaves it open with Slack's
        banner.
        """
        member = self.standin.ensure_user(user, None)
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
            "trigger_id": self.standin.new_trigger_id(view_id=view["id"], user=user),
            "view": view,
            "response_urls": [],
            "is_enterprise_install": False,
            "enterprise": None,
        }
        reply = self._post_payload(payload, timestamp, signature, unsigned)
        reply.trigger_id = payload["trigger_id"]
        if opened is not None and not unsigned and signature is None:
            self._apply_view_answer(view["id"], reply)
        return reply

    def _apply_view_answer(self, view_id: str, reply: Reply) -> None:
        if not reply.in_time:
            self.standin.set_view_banner(view_id, TROUBLE_CONNECTING)
            return
        try:
            answer = reply.json or {}
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            self.standin.set_view_banner(view_id, TROUBLE_CONNECTING)
            return
        action = answer.get("response_action")
        if action == "update":
            self.standin.replace_view(view_id, answer.get("view"))
        elif action == "push":
            self.standin.push_view(view_id, answer.get("view"))
        elif action == "errors":
            self.standin.set_view_errors(view_id, answer.get("errors"))
        elif action == "clear":
            self.standin.close_view(view_id, all_of_stack=True)
        elif action is None:
            self.standin.close_view(view_id)
        else:
            banner = f"Slack refused the app's answer: unknown response_action `{action}`"
            self.standin.set_view_banner(view_id, banner)

    def view_closed(
        self, view_id: str, *, user: str = "U1", is_cleared: bool = False
    ) -> Reply | None:
        """The person closes a modal (Cancel or ×). Slack closes it at once and tells the app
        only when the view asked for it (`notify_on_close`); returns the app's reply then."""
        view = self.standin.view(view_id)
        if view is None:
            return None
        self.standin.close_view(view_id, all_of_stack=is_cleared)
        if not view.get("notify_on_close"):
            return None
        member = self.standin.ensure_user(user, None)
        payload = {
            "type": "view_closed",
            "team": {"id": self.team_id, "domain": self.standin.team_domain},
            "user": _user_field(member, self.team_id),
            "api_app_id": self.standin.app_id,
            "token": self.verification_token,
            "view": view,
            "is_cleared": is_cleared,
            "is_enterprise_install": False,
            "enterprise": None,
        }
        return self._post_payload(payload, None, None, False)

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
        member = self.standin.ensure_user(user, None)
        place = self.standin.ensure_channel(channel)
        response_url = self.standin.new_response_url(
            channel=channel, user=user, message_ts=message.get("ts")
        )
        trigger_id = self.standin.new_trigger_id(user=user)
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
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                text = response.read().decode("utf-8")
                reply = Reply(response.status, text, dict(response.headers.items()))
        except urllib.error.HTTPError as error:
            text = error.read().decode("utf-8")
            reply = Reply(error.code, text, dict(error.headers.items()))
        except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
            reply = Reply(0, str(error))  # no answer at all: Slack sees a failure
        reply.seconds = time.monotonic() - started
        reply.ack_seconds = self.ack_seconds
        return reply


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


def _container(
    channel: str | None, message: dict | None, view: dict | None, ephemeral: dict | None
) -> dict:
    if view is not None:
        return {"type": "view", "view_id": view["id"]}
    if message is not None:
        return {
            "type": "message",
            "message_ts": message["ts"],
            "channel_id": channel,
            "is_ephemeral": False,
        }
    container = {"type": "message", "channel_id": channel, "is_ephemeral": True}
    if ephemeral is not None:
        container["message_ts"] = ephemeral["ts"]
    return container


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
