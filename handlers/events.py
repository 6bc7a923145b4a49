"""Thread replies to the bot's prompts become entries; edits and deletions in Slack follow.

A reply in the thread of a weekly prompt is stored under the prompt's goal as a story *before*
Slack gets its 200; the reaction, the link to the message and the ephemeral note with Undo
come after. When it cannot be stored, Slack gets a 503 and sends the event again: its retry
is the way back, and the reply's channel + ts (the entry's dedupe key) keeps a retry, or the
same message delivered under another event id, from being stored twice or noted twice.
Replies in other threads, bot messages and message subtypes that are not a member's words
are ignored.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App
from slack_sdk.errors import SlackApiError

from bot.blocks import capture
from bot.deliveries import already_handled, mark_handled
from bot.errors import EmptyText, LogError, StorageFailed
from bot.learning_log import Saved
from bot.prompts import find_prompt
from bot.services import Services
from handlers.answering import Answer, Slack, event, later, reply, send_again

log = logging.getLogger(__name__)

SAVED_REACTION = "seedling"
# Subtypes that carry a member's own new words; everything else (joins, bot posts, topic
# changes…) is not an entry.
MEMBER_SUBTYPES = (None, "thread_broadcast", "file_share")


def register(app: App, services: Services) -> None:
    learning = services.log
    framework = services.framework

    def on_message(body: dict[str, Any], event: dict[str, Any], team_id: str) -> Answer:
        subtype = event.get("subtype")
        if subtype == "message_changed":
            return message_changed(team_id, event)
        if subtype == "message_deleted":
            learning.delete_message_entry(team_id, event["channel"], event.get("deleted_ts", ""))
            return later()
        if subtype in MEMBER_SUBTYPES and not event.get("bot_id"):
            return thread_reply(team_id, event)
        return later()

    def thread_reply(team_id: str, event: dict[str, Any]) -> Answer:
        channel, ts, user = event.get("channel", ""), event.get("ts", ""), event.get("user")
        thread_ts = event.get("thread_ts")
        if not user or not thread_ts or thread_ts == ts:
            return later()
        prompt = find_prompt(services.db, team_id, channel, thread_ts)
        if prompt is None:
            return later()
        delivery = f"msg:{channel}:{ts}"
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
                dedupe_key=delivery,
            )
        except EmptyText:
            return later()  # a file or emoji-only reply: nothing to log
        except StorageFailed:
            return send_again(reply(capture.thread_not_saved_message()))
        except LogError as error:
            # The words stay in the thread; tell the member why they are not in the log.
            return later(reply(capture.error_message(error)))
        if not saved.created and already_handled(services.db, team_id, delivery):
            return later()  # Slack's retry of a reply already saved and noted
        return later(lambda slack: note_saved(slack, saved, delivery))

    def note_saved(slack: Slack, saved: Saved, delivery: str) -> None:
        """Link, react, tell the member; then remember that this reply was noted."""
        channel, ts = saved.entry.channel_id or "", saved.entry.message_ts or ""
        try:
            permalink = slack.client.chat_getPermalink(channel=channel, message_ts=ts)
            learning.attach_permalink(slack.team_id, saved.entry.id, permalink["permalink"])
        except SlackApiError as error:
            log.warning("no permalink for %s/%s: %s", channel, ts, error.response.get("error"))
        try:
            slack.client.reactions_add(channel=channel, timestamp=ts, name=SAVED_REACTION)
        except SlackApiError as error:
            if error.response.get("error") != "already_reacted":
                log.warning(
                    "could not react to %s/%s: %s", channel, ts, error.response.get("error")
                )
        slack.reply(capture.thread_saved_message(saved.entry, framework))
        mark_handled(services.db, slack.team_id, delivery, now=services.clock())

    def message_changed(team_id: str, event: dict[str, Any]) -> Answer:
        message = event.get("message") or {}
        user, ts = message.get("user"), message.get("ts", "")
        if not user or message.get("bot_id"):
            return later()
        try:
            learning.edit_message_entry(
                team_id, user, event["channel"], ts, message.get("text") or ""
            )
        except EmptyText:
            learning.delete_message_entry(team_id, event["channel"], ts)
        except StorageFailed:
            return send_again()
        except LogError as error:
            refusal = capture.error_message(error)

            def explain(slack: Slack) -> None:
                slack.client.chat_postEphemeral(
                    channel=event["channel"],
                    user=user,
                    thread_ts=message.get("thread_ts"),
                    **refusal,
                )

            return later(explain)
        return later()

    app.event("message")(event(on_message))
