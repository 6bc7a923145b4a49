"""Sharing beyond the network: the buttons under one's own entries, a coordinator's *Ask to
share* and the author's answer to it (``/kindness share`` and ``unshare`` are in the table of
subcommands, ``handlers.commands``).

The author's consent (or its withdrawal) is committed before the ack, like every member's
change. *Ask to share* is a coordinator's: their rights may take Slack to confirm, so the
check, the record that the author was asked (once per entry) and the DM all run after the
ack; a DM Slack refused is un-recorded, so the author can be asked again.
"""

from __future__ import annotations

from slack_sdk.errors import SlackApiError

from bot.blocks import refusals, sharing
from bot.errors import CoordinatorUnconfirmed, LogError, NotACoordinator
from bot.services import Services
from bot.slack.admins import CoordinatorCheckFailed, is_coordinator
from handlers.answering import Answer, Click, Slack, later, reply
from handlers.home import refresh_home


def _after_change(click: Click, services: Services, message: dict) -> Answer:
    if click.on_home:
        return later(refresh_home(services))
    return later(reply(message))


def share_entry(click: Click, services: Services) -> Answer:
    """*Share beyond the network* under one's own entry: with the author's name, or
    anonymously for an anonymous entry."""
    entry = services.log.own_entry(click.team_id, click.user_id, click.entry_id)
    shared = services.log.share_entry(
        click.team_id,
        click.user_id,
        click.entry_id,
        anonymously=entry.visibility == "anonymous",
    )
    return _after_change(click, services, sharing.shared_message(shared, services.framework))


def unshare_entry(click: Click, services: Services) -> Answer:
    entry = services.log.unshare_entry(click.team_id, click.user_id, click.entry_id)
    return _after_change(click, services, sharing.unshared_message(entry, services.framework))


def answer_request(click: Click, services: Services) -> Answer:
    """*Yes, with my name* · *Yes, anonymously* · *No* in the DM a coordinator's request sent."""
    answer = str(click.value.get("answer") or "")
    if answer not in ("named", "anonymous", "none"):
        answer = "none"
    entry = services.log.answer_share_request(click.team_id, click.user_id, click.entry_id, answer)
    message = sharing.share_answered_message(entry, services.framework)
    return later(reply(message, replace=True))


def ask_to_share(click: Click, services: Services) -> Answer:
    """A coordinator's *Ask to share*: checked, recorded and sent after the ack."""
    entry_id = click.entry_id

    def ask(slack: Slack) -> None:
        try:
            allowed = is_coordinator(
                services.config, slack.client, click.user_id, db=services.db, team_id=click.team_id
            )
        except CoordinatorCheckFailed:
            slack.reply(refusals.error_message(CoordinatorUnconfirmed()))
            return
        if not allowed:
            slack.reply(refusals.error_message(NotACoordinator("ask an author to share")))
            return
        try:
            author, entry = services.log.ask_to_share(click.team_id, click.user_id, entry_id)
        except LogError as error:
            slack.reply(refusals.error_message(error))
            return
        try:
            slack.client.chat_postMessage(
                channel=author, **sharing.share_request_message(entry, services.framework)
            )
        except SlackApiError as error:
            services.log.forget_share_request(click.team_id, entry_id)
            reason = str(error.response.get("error") or error.response.status_code)
            slack.reply(sharing.not_asked_message(entry_id, reason))
            return
        slack.reply(sharing.asked_message(entry))

    return later(ask)
