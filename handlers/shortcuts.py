"""The message shortcut *Save to learning log*: any message, into the log modal.

The modal opens prefilled with the message's text and a link to it; the member who saves it
is the entry's author (they may trim or rewrite the words before saving). A message in the
thread of a weekly prompt comes with the prompt's goal already chosen. The link and the modal
are Slack calls, made after the ack; saving is the modal's submission (``handlers.views``).
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.blocks import modals
from bot.prompts import find_prompt
from bot.services import Services
from handlers.answering import Answer, Slack, later

log = logging.getLogger(__name__)
SAVE_TO_LOG = "save_to_learning_log"


def open_save_form(body: dict[str, Any], team_id: str, services: Services) -> Answer:
    message = body.get("message") or {}
    channel = (body.get("channel") or {}).get("id", "")
    ts = message.get("ts") or body.get("message_ts", "")
    thread_ts = message.get("thread_ts")
    prompt = find_prompt(services.db, team_id, channel, thread_ts) if thread_ts else None

    def open_form(slack: Slack) -> None:
        permalink = None
        try:
            permalink = slack.client.chat_getPermalink(channel=channel, message_ts=ts)["permalink"]
        except SlackApiError as error:
            log.warning("no permalink for %s/%s: %s", channel, ts, error.response.get("error"))
        metadata = {"channel": channel, "ts": ts, "permalink": permalink}
        if prompt is not None:
            metadata["prompt"] = prompt.id
        slack.open_modal(
            modals.save_message_modal(
                services.framework,
                text=message.get("text") or "",
                author_id=message.get("user"),
                permalink=permalink,
                goal=prompt.goal_key if prompt else None,
                metadata=metadata,
            )
        )

    return later(open_form)
