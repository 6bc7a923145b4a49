"""The buttons on a follow-up DM: *Still on it* and *Drop it*.

*Done — add a reflection* carries ``capture.COMPLETE_ACTION`` and is handled in
``handlers/actions.py`` (it opens the reflection modal). As there, each click is acknowledged
at once and handled after the ack; the answer replaces the nudge, so its buttons cannot be
pressed twice by mistake. The service decides who may change the action (only its author) and
refuses a closed or deleted one; a refusal that makes the nudge stale (already done, gone)
replaces it too, any other is answered beside it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.blocks import capture
from bot.blocks.nudges import NUDGE_DROP, NUDGE_SNOOZE, dropped_message, snoozed_message
from bot.errors import ActionAlreadyDone, EntryNotFound, LogError
from bot.services import Services
from handlers.actions import Click, answer


def register(app: App, services: Services) -> None:
    learning = services.log

    def ack_click(ack: Ack) -> None:
        ack()

    def refuse(click: Click, respond: Respond, client: WebClient, error: LogError) -> None:
        stale = isinstance(error, ActionAlreadyDone | EntryNotFound)
        answer(click, respond, client, capture.error_message(error), replace=stale)

    def still_on_it(
        body: dict[str, Any], respond: Respond, client: WebClient, context: dict[str, Any]
    ) -> None:
        click = Click(body, context)
        delay = timedelta(days=services.settings.get(click.team_id).followup_days)
        until = services.clock() + delay
        try:
            action = learning.snooze_action(click.team_id, click.user_id, click.entry_id, until)
        except LogError as error:
            refuse(click, respond, client, error)
            return
        answer(click, respond, client, snoozed_message(action, until), replace=True)

    def drop_it(
        body: dict[str, Any], respond: Respond, client: WebClient, context: dict[str, Any]
    ) -> None:
        click = Click(body, context)
        try:
            action = learning.drop_action(click.team_id, click.user_id, click.entry_id)
        except LogError as error:
            refuse(click, respond, client, error)
            return
        answer(click, respond, client, dropped_message(action), replace=True)

    app.action(NUDGE_SNOOZE)(ack=ack_click, lazy=[still_on_it])
    app.action(NUDGE_DROP)(ack=ack_click, lazy=[drop_it])
