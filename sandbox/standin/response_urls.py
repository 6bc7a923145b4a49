"""Response URLs: where a slash command's or a click's later answers go, and what a person
sees of them; and the ephemeral messages Slack shows without the Web API (an acknowledgement's
answer, Slack's own "failed with the error …").

Judgement calls:
- A post answers 200 "ok"; a rejected body gets HTTP 400 with the bare error name as text
  ("invalid_blocks", "no_text", "msg_too_long", "invalid_payload"), as incoming webhooks do; an
  unknown id 404 "no_service"; a sixth use 404 "used_url" (Slack allows five).
- `replace_original` on a slash command's response_url replaces the latest answer to that
  command (its acknowledgement's message or an earlier response_url post), and on the
  response_url of a click in an ephemeral message, that message; `delete_original` likewise.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any

from sandbox.standin.chat import check_message_body
from sandbox.standin.files import Files
from sandbox.standin.protocol import Answer, ApiError, flag, json_copy
from sandbox.standin.recording import Recording


@dataclass
class _ResponseUrl:
    channel: str | None
    user: str | None
    message_ts: str | None
    # The ephemeral message that replace_original / delete_original act on: the one a button
    # was clicked in, or the latest answer to a slash command.
    ephemeral_ts: str | None = None
    uses: int = 0


_RESPONSE_URL_USES = 5


class ResponseUrls(Files, Recording):
    """The response URLs handed out, by id."""

    def _init_response_urls(self) -> None:
        self._response_urls: dict[str, _ResponseUrl] = {}

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
            return json_copy(message)

    def _answer_response_url(
        self, url_id: str, headers: Any, query: str, body: bytes
    ) -> tuple[str, dict, Answer]:
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
                return "response_url", args, Answer.text("no_service", 404, "no_service")
            if target.uses >= _RESPONSE_URL_USES:
                return "response_url", args, Answer.text("used_url", 404, "used_url")
            if not isinstance(payload, dict):
                return "response_url", args, Answer.text("invalid_payload", 400, "invalid_payload")
            if not flag(payload.get("delete_original")):
                try:
                    check_message_body(payload)
                    self._check_slack_files(payload.get("blocks"), "/blocks")
                except ApiError as refusal:
                    return "response_url", args, Answer.text(refusal.error, 400, refusal.error)
            target.uses += 1
            self._responses.append((f"{self.base_url}/response/{url_id}", json_copy(payload)))
            self._show_response(target, payload)
        return "response_url", args, Answer.text("ok")

    def _show_response(self, target: _ResponseUrl, payload: dict) -> None:
        """What a person would see after a response_url post."""
        replacing = flag(payload.get("replace_original")) or flag(payload.get("delete_original"))
        if target.ephemeral_ts is not None and replacing:
            self._change_ephemeral(target, payload)
            return
        original = None
        if target.channel is not None and target.message_ts is not None:
            messages = self._messages.get(target.channel, [])
            original = next((m for m in messages if m["ts"] == target.message_ts), None)
        if flag(payload.get("delete_original")):
            if original is not None:
                self._messages[target.channel].remove(original)
            return
        if flag(payload.get("replace_original")) and original is not None:
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
        if flag(payload.get("delete_original")):
            self._ephemerals.remove(original)
            return
        original["text"] = payload.get("text", "")
        original["blocks"] = (
            self._with_block_ids(payload["blocks"]) if payload.get("blocks") else None
        )
        original["edited"] = True
