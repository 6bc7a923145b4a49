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

from slack_bolt import App, Respond
from slack_sdk import WebClient

from bot.blocks.nudges import NUDGE_DROP, NUDGE_SNOOZE, dropped_message, snoozed_message
from bot.errors import ActionAlreadyDone, EntryNotFound, LogError
from bot.services import Services
from handlers.actions import Click, ack_click, answer, on_click


def register(app: App, services: Services) -> None:
    learning = services.log

    def still_on_it(click: Click, respond: Respond, client: WebClient) -> None:
        delay = timedelta(days=services.settings.get(click.team_id).followup_days)
        until = services.clock() + delay
        action = learning.snooze_action(click.team_id, click.user_id, click.entry_id, until)
        answer(click, respond, client, snoozed_message(action, until), replace=True)

    def drop_it(click: Click, respond: Respond, client: WebClient) -> None:
        action = learning.drop_action(click.team_id, click.user_id, click.entry_id)
        answer(click, respond, client, dropped_message(action), replace=True)

    for action_id, handle in ((NUDGE_SNOOZE, still_on_it), (NUDGE_DROP, drop_it)):
        app.action(action_id)(
            ack=ack_click, lazy=[on_click(handle, replace_on_refusal=makes_the_nudge_stale)]
        )


def makes_the_nudge_stale(error: LogError) -> bool:
    """Already done or gone: the nudge's buttons mean nothing any more, so it is replaced."""
    return isinstance(error, ActionAlreadyDone | EntryNotFound)
