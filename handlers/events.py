"""Thread replies to the bot's prompts become entries; edits and deletions in Slack follow.

A reply in the thread of a weekly prompt is stored under the prompt's goal as a story *before*
Slack gets its 200; the reaction, the link to the message and the ephemeral note with Undo
come after, and the entry records that they were sent (``LearningLog.mark_noted``). When it
cannot be stored, Slack gets a 503 and sends the event again: its retry is the way back, and
the reply's channel + ts (the entry's dedupe key) keeps a retry, or the same message delivered
under another event id, from being stored twice or noted twice.
Replies in other threads, bot messages and message subtypes that are not a member's words
are ignored.

A message in a member's DM with the bot answers the weekly prompt sent there (to members who
take prompts by DM): in the DM prompt's thread, or outside any thread while it is the latest
one and less than a week old (``bot.prompts.find_dm_prompt``). It is stored exactly as a
thread reply, and noted with a reaction and a private note. A DM that answers no prompt is
left as it is, with a word on where it would go.

Someone joining the network channel gets the welcome, privately, when the workspace has it
on (the ``welcome`` setting).
"""

from __future__ import annotations

import logging
from typing import Any

from bot.blocks import answers, controls, refusals
from bot.errors import EmptyText, LogError, StorageFailed
from bot.learning_log import Saved
from bot.prompts import PromptRef, find_dm_prompt, find_prompt
from bot.selection import react
from bot.services import Services
from bot.slack.port import SlackError
from handlers.answering import AfterAck, Answer, later, refusal, reply, send_again, words_back

log = logging.getLogger(__name__)

# Subtypes that carry a member's own new words; everything else (joins, bot posts, topic
# changes…) is not an entry.
MEMBER_SUBTYPES = (None, "thread_broadcast", "file_share")


def on_message(event: dict[str, Any], team_id: str, services: Services) -> Answer:
    subtype = event.get("subtype")
    if subtype == "message_changed":
        return message_changed(team_id, event, services)
    if subtype == "message_deleted":
        services.log.delete_message_entry(team_id, event["channel"], event.get("deleted_ts", ""))
        return later()
    if subtype in MEMBER_SUBTYPES and not event.get("bot_id"):
        if event.get("channel_type") == "im":
            return dm_reply(team_id, event, services)
        return thread_reply(team_id, event, services)
    return later()


def thread_reply(team_id: str, event: dict[str, Any], services: Services) -> Answer:
    channel, ts, user = event.get("channel", ""), event.get("ts", ""), event.get("user")
    thread_ts = event.get("thread_ts")
    if not user or not thread_ts or thread_ts == ts:
        return later()
    prompt = find_prompt(services.db, team_id, channel, thread_ts)
    if prompt is None:
        return later()
    return store_reply(team_id, event, prompt, services)


def dm_reply(team_id: str, event: dict[str, Any], services: Services) -> Answer:
    channel, ts, user = event.get("channel", ""), event.get("ts", ""), event.get("user")
    thread_ts = event.get("thread_ts")
    in_thread = bool(thread_ts) and thread_ts != ts
    if not user:
        return later()
    prompt = find_dm_prompt(
        services.db,
        team_id,
        channel,
        thread_ts=thread_ts if in_thread else None,
        at=services.clock(),
    )
    if prompt is not None:
        return store_reply(team_id, event, prompt, services)
    if in_thread:
        return later()  # a thread under some other message of the bot's: left alone

    def say_where_it_goes(slack: AfterAck) -> None:
        slack.port.ephemeral(channel, user, controls.dm_not_a_reply_message())

    return later(say_where_it_goes)


def store_reply(
    team_id: str, event: dict[str, Any], prompt: PromptRef, services: Services
) -> Answer:
    channel, ts, user = event.get("channel", ""), event.get("ts", ""), event["user"]
    delivery = f"msg:{channel}:{ts}"
    try:
        saved = services.log.add_entry(
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
        return send_again(reply(answers.thread_not_saved_message()))
    except LogError as error:
        # The words stay in the thread; tell the member why they are not in the log.
        return refusal(error)
    if saved.noted:
        return later()  # Slack's retry of a reply already saved and noted

    def note(slack: AfterAck) -> None:
        note_saved(slack, saved, services)

    return later(note)


def note_saved(slack: AfterAck, saved: Saved, services: Services) -> None:
    """Link, react, tell the member; then remember that this reply was noted."""
    channel, ts = saved.entry.channel_id or "", saved.entry.message_ts or ""
    try:
        permalink = slack.port.permalink(channel, ts)
        services.log.attach_permalink(slack.team_id, saved.entry.id, permalink)
    except SlackError as error:
        log.warning("no permalink for %s/%s: %s", channel, ts, error.error)
    try:
        slack.port.react(channel, ts, answers.SAVED_REACTION)
    except SlackError as error:
        if error.error != "already_reacted":
            log.warning("could not react to %s/%s: %s", channel, ts, error.error)
    note = answers.thread_saved_message(saved.entry, services.framework)
    if slack.channel_id and slack.channel_id.startswith("D") and not slack.thread_ts:
        # Outside a thread in the DM: privately, right there.
        slack.port.ephemeral(channel, slack.user_id, note)
    else:
        slack.reply(note)
    services.log.mark_noted(slack.team_id, saved.entry.id)


def message_changed(team_id: str, event: dict[str, Any], services: Services) -> Answer:
    message = event.get("message") or {}
    user, ts = message.get("user"), message.get("ts", "")
    if not user or message.get("bot_id"):
        return later()
    try:
        services.log.edit_message_entry(
            team_id, user, event["channel"], ts, message.get("text") or ""
        )
    except EmptyText:
        services.log.delete_message_entry(team_id, event["channel"], ts)
    except StorageFailed:
        return send_again()
    except LogError as error:
        refusal = refusals.error_message(error)

        def explain(slack: AfterAck) -> None:
            slack.port.ephemeral(
                event["channel"], user, refusal, thread_ts=message.get("thread_ts")
            )

        return later(explain, *words_back(error.text))
    return later()


def on_member_joined(
    body: dict[str, Any], event: dict[str, Any], team_id: str, services: Services
) -> Answer:
    user, channel = event.get("user"), event.get("channel")
    bots = {a.get("user_id") for a in body.get("authorizations") or [] if a.get("is_bot")}
    if not user or not channel or user in bots:
        return later()
    settings = services.settings.get(team_id)
    if channel != settings.channel_id or not settings.welcome_enabled:
        return later()

    def welcome(slack: AfterAck) -> None:
        slack.port.ephemeral(channel, user, controls.welcome_message(services.framework, channel))

    return later(welcome)


def on_reaction(event: dict[str, Any], team_id: str, services: Services) -> Answer:
    """A reaction added to (or removed from) a message: counted when the message is an
    entry's (``bot.selection.react``), before the 200, so Slack's retry is the recovery."""
    item = event.get("item") or {}
    user, reaction = event.get("user"), event.get("reaction")
    if item.get("type") != "message" or not (user and reaction and item.get("channel")):
        return later()
    react(
        services.db,
        team_id,
        item["channel"],
        str(item.get("ts", "")),
        user,
        reaction,
        added=event.get("type") == "reaction_added",
        now=services.clock(),
    )
    return later()
