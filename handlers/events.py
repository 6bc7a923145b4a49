"""Thread replies to the bot's prompts become entries; edits and deletions in Slack follow.

A reply in the thread of a weekly prompt is stored under the prompt's goal as a story, then
acknowledged with a reaction and an ephemeral note with Undo. Replies in other threads, bot
messages and message subtypes that are not a member's words are ignored. Slack's retries of an
event store nothing twice (see ``bot.deliveries`` and the entry's dedupe key).
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks import capture
from bot.deliveries import already_handled, mark_handled
from bot.errors import EmptyText, LogError
from bot.prompts import find_prompt
from bot.services import Services

log = logging.getLogger(__name__)

SAVED_REACTION = "seedling"
# Subtypes that carry a member's own new words; everything else (joins, bot posts, topic
# changes…) is not an entry.
MEMBER_SUBTYPES = (None, "thread_broadcast", "file_share")


def register(app: App, services: Services) -> None:
    learning = services.log
    framework = services.framework

    def ack_event() -> None:
        """Bolt acknowledges events itself; the work runs after."""

    def on_message(
        body: dict[str, Any], event: dict[str, Any], client: WebClient, context: dict[str, Any]
    ) -> None:
        team_id = context.get("team_id") or body.get("team_id", "")
        event_id = body.get("event_id")
        if event_id and already_handled(services.db, team_id, event_id):
            log.info("event %s was handled already (Slack retry); skipped", event_id)
            return
        subtype = event.get("subtype")
        if subtype == "message_changed":
            message_changed(team_id, event, client)
        elif subtype == "message_deleted":
            learning.delete_message_entry(team_id, event["channel"], event.get("deleted_ts", ""))
        elif subtype in MEMBER_SUBTYPES and not event.get("bot_id"):
            thread_reply(team_id, event, client)
        if event_id:
            mark_handled(services.db, team_id, event_id, now=services.clock())

    def thread_reply(team_id: str, event: dict[str, Any], client: WebClient) -> None:
        channel, ts, user = event.get("channel", ""), event.get("ts", ""), event.get("user")
        thread_ts = event.get("thread_ts")
        if not user or not thread_ts or thread_ts == ts:
            return
        prompt = find_prompt(services.db, team_id, channel, thread_ts)
        if prompt is None:
            return
        try:
            saved = learning.add_entry(
                team_id,
                user,
                event.get("text") or "",
                goal=prompt.goal_key,
                source="thread",
                channel_id=channel,
                message_ts=ts,
                prompt_id=prompt.id,
                dedupe_key=f"msg:{channel}:{ts}",
            )
        except EmptyText:
            return  # a file or emoji-only reply: nothing to log
        except LogError as error:
            # The words stay in the thread; tell the member why they are not in the log.
            client.chat_postEphemeral(
                channel=channel, user=user, thread_ts=thread_ts, **capture.error_message(error)
            )
            return
        if not saved.created:
            return
        try:
            permalink = client.chat_getPermalink(channel=channel, message_ts=ts)["permalink"]
            learning.attach_permalink(team_id, saved.entry.id, permalink)
        except SlackApiError as error:
            log.warning("no permalink for %s/%s: %s", channel, ts, error.response.get("error"))
        try:
            client.reactions_add(channel=channel, timestamp=ts, name=SAVED_REACTION)
        except SlackApiError as error:
            if error.response.get("error") != "already_reacted":
                log.warning(
                    "could not react to %s/%s: %s", channel, ts, error.response.get("error")
                )
        client.chat_postEphemeral(
            channel=channel,
            user=user,
            thread_ts=thread_ts,
            **capture.thread_saved_message(saved.entry, framework),
        )

    def message_changed(team_id: str, event: dict[str, Any], client: WebClient) -> None:
        message = event.get("message") or {}
        user, ts = message.get("user"), message.get("ts", "")
        if not user or message.get("bot_id"):
            return
        try:
            learning.edit_message_entry(
                team_id, user, event["channel"], ts, message.get("text") or ""
            )
        except EmptyText:
            learning.delete_message_entry(team_id, event["channel"], ts)
        except LogError as error:
            client.chat_postEphemeral(
                channel=event["channel"],
                user=user,
                thread_ts=message.get("thread_ts"),
                **capture.error_message(error),
            )

    app.event("message")(ack=ack_event, lazy=[on_message])
