"""The buttons on a follow-up DM: *Still on it* and *Drop it*.

*Done — add a reflection* carries ``entries.COMPLETE_ACTION`` and is handled in
``handlers/actions.py`` (it opens the reflection modal). As there, each click's change is
committed before the ack and shown after it; the answer replaces the nudge, so its buttons
cannot be pressed twice by mistake. The service decides who may change the action (only its
author) and refuses a closed or deleted one; a refusal that makes the nudge stale (already
done, gone) replaces it too, any other is answered beside it.
"""

from __future__ import annotations

from datetime import timedelta

from bot.blocks.nudges import dropped_message, snoozed_message
from bot.errors import ActionAlreadyDone, EntryNotFound, LogError
from bot.services import Services
from handlers.answering import Answer, Click, later, reply


def still_on_it(click: Click, services: Services) -> Answer:
    delay = timedelta(days=services.settings.get(click.team_id).followup_days)
    until = services.clock() + delay
    action = services.log.snooze_action(click.team_id, click.user_id, click.entry_id, until)
    return later(reply(snoozed_message(action, until), replace=True))


def drop_it(click: Click, services: Services) -> Answer:
    action = services.log.drop_action(click.team_id, click.user_id, click.entry_id)
    return later(reply(dropped_message(action), replace=True))


def makes_the_nudge_stale(error: LogError) -> bool:
    """Already done or gone: the nudge's buttons mean nothing any more, so it is replaced."""
    return isinstance(error, ActionAlreadyDone | EntryNotFound)
