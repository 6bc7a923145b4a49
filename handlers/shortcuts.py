"""The message shortcut *Save to learning log*: any message, into the log modal.

The modal opens prefilled with the message's text and a link to it. Whose entry it becomes is
the message's: one's own message is one's own entry; another member's message is *their*
entry, saved by the one who clicked (``logged_by``, shown as "saved by"), and its author is
told by DM with *Keep* · *Make private* · *Delete* (``handlers.credit``, as for ``log for``).
Words from a DM, a group DM or a private channel (any but the network's own channel) stay
visible to their author only until the author shares them. A message in the thread of a
weekly prompt comes with the prompt's goal already chosen. Where the message is, the link and
the modal are Slack calls, made after the ack; saving is the modal's submission
(``handlers.views``).
"""

from __future__ import annotations

import logging
from typing import Any

from bot.blocks import modals
from bot.prompts import find_prompt
from bot.services import Services
from bot.slack.port import SlackError, SlackPort
from handlers.answering import AfterAck, Answer, later

log = logging.getLogger(__name__)
SAVE_TO_LOG = "save_to_learning_log"


def open_save_form(body: dict[str, Any], team_id: str, services: Services) -> Answer:
    message = body.get("message") or {}
    channel = (body.get("channel") or {}).get("id", "")
    ts = message.get("ts") or body.get("message_ts", "")
    thread_ts = message.get("thread_ts")
    prompt = find_prompt(services.db, team_id, channel, thread_ts) if thread_ts else None
    saver = body["user"]["id"]
    # A bot's message (or one with no author) is saved as the saver's own words.
    author = message.get("user") if not message.get("bot_id") else None
    network_channel = services.settings.get(team_id).channel_id

    def open_form(slack: AfterAck) -> None:
        permalink = None
        try:
            permalink = slack.port.permalink(channel, ts)
        except SlackError as error:
            log.warning("no permalink for %s/%s: %s", channel, ts, error.error)
        private_place = channel != network_channel and is_private_place(slack.port, channel)
        metadata: dict[str, Any] = {"channel": channel, "ts": ts, "permalink": permalink}
        if prompt is not None:
            metadata["prompt"] = prompt.id
        if author and author != saver:
            metadata["author"] = author
        if private_place:
            metadata["private"] = True
        slack.open_modal(
            modals.save_message_modal(
                services.framework,
                text=message.get("text") or "",
                author_id=author,
                saver_id=saver,
                permalink=permalink,
                goal=prompt.goal_key if prompt else None,
                metadata=metadata,
                private_place=private_place,
            )
        )

    return later(open_form)


def is_private_place(slack: SlackPort, channel: str) -> bool:
    """Whether a conversation is a DM, a group DM or a private channel. One the bot cannot
    look into (a DM between two people, a private channel it is not in) is private: Slack
    shows the bot every public channel."""
    if not channel or channel.startswith("D"):
        return True
    try:
        return slack.conversation(channel).private
    except SlackError as error:
        log.info("%s taken for private: %s", channel, error.error)
        return True
