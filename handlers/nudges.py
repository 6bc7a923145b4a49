"""The buttons on a follow-up DM: *Still on it* and *Drop it*.

*Done — add a reflection* carries ``capture.COMPLETE_ACTION`` and is handled in
``handlers/actions.py`` (it opens the reflection modal). As there, each click's change is
committed before the ack and shown after it; the answer replaces the nudge, so its buttons
cannot be pressed twice by mistake. The service decides who may change the action (only its
author) and refuses a closed or deleted one; a refusal that makes the nudge stale (already
done, gone) replaces it too, any other is answered beside it.
"""

from __future__ import annotations

from datetime import timedelta

from slack_bolt import App

from bot.blocks.nudges import NUDGE_DROP, NUDGE_SNOOZE, dropped_message, snoozed_message
from bot.errors import ActionAlreadyDone, EntryNotFound, LogError
from bot.services import Services
from handlers.answering import Answer, Click, button, later, reply


def register(app: App, services: Services) -> None:
    learning = services.log

    def still_on_it(click: Click) -> Answer:
        delay = timedelta(days=services.settings.get(click.team_id).followup_days)
        until = services.clock() + delay
        action = learning.snooze_action(click.team_id, click.user_id, click.entry_id, until)
        return later(reply(snoozed_message(action, until), replace=True))

    def drop_it(click: Click) -> Answer:
        action = learning.drop_action(click.team_id, click.user_id, click.entry_id)
        return later(reply(dropped_message(action), replace=True))

    for action_id, handle in ((NUDGE_SNOOZE, still_on_it), (NUDGE_DROP, drop_it)):
        app.action(action_id)(button(handle, replace_on_refusal=makes_the_nudge_stale))


def makes_the_nudge_stale(error: LogError) -> bool:
    """Already done or gone: the nudge's buttons mean nothing any more, so it is replaced."""
    return isinstance(error, ActionAlreadyDone | EntryNotFound)
