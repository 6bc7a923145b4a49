"""The Slack listeners, one module per kind, and ``register``: every listener wired here, once.

A listener is a plain module-level function: it names what it needs (``services``, ``body``,
``click``, ``view``, ``event``…), does its database work, and returns what to answer
(``handlers.answering``). Each is wrapped here by ``Listeners`` — the same refusals, failures
and logging for all — so a test can import one and call it directly, and a reader finds every
command, button, modal, shortcut and event the app answers in the one function below.
"""

from __future__ import annotations

import re

from slack_bolt import App

from bot.blocks import controls as control_blocks
from bot.blocks import entries, modals, rhythm
from bot.blocks import organisations as organisation_blocks
from bot.blocks import pairs as pair_blocks
from bot.blocks.answers import FORGET_ME_CONFIRMED, SEARCH_MORE
from bot.blocks.nudges import NUDGE_DROP, NUDGE_SNOOZE
from bot.services import Services


def register(app: App, services: Services) -> None:
    """Every listener of the app, wrapped once, on ``app``."""
    # Imported here, not above: ``python -m handlers.commands`` (the README's table) runs that
    # module as __main__, which must not already have been imported by this package.
    from handlers import (
        actions,
        commands,
        controls,
        events,
        home,
        lifecycle,
        nudges,
        organisations,
        pairs,
        shortcuts,
        views,
    )
    from handlers.answering import Listeners

    on = Listeners(
        services,
        after_ack=app.listener_runner.listener_executor,
        installation_store=app.installation_store,
    )
    app.use(lifecycle.OrganisationMemory(services).remember_organisation)

    app.command(commands.COMMAND)(on.command(commands.answer_command))

    # Buttons. Some ids carry a suffix (``set_goal:relationships``) to stay unique within a
    # block, so each id matches as a prefix.
    for action_id, handle in (
        (entries.OPEN_LOG_MODAL, actions.open_log_modal),
        (entries.SET_GOAL, actions.set_goal),
        (entries.EDIT_ENTRY, actions.edit_entry),
        (entries.DELETE_ENTRY, actions.delete_entry),
        (entries.COMPLETE_ACTION, actions.complete_action),
        (entries.ADD_WHY, actions.open_why_modal),
        (organisation_blocks.ORG_USE, organisations.use_organisation),
        (organisation_blocks.ORG_NEW, organisations.new_organisation),
        (organisation_blocks.ORG_OPEN, organisations.open_organisation_form),
        (SEARCH_MORE, actions.search_more),
        (FORGET_ME_CONFIRMED, actions.forget_me),
    ):
        app.action(re.compile(rf"^{re.escape(action_id)}(:.*)?$"))(on.button(handle))
    # Undo replaces its note even when refused: the entry is gone either way.
    app.action(entries.UNDO_ENTRY)(on.button(actions.undo_entry, replace_on_refusal=_always))
    for action_id, handle in ((NUDGE_SNOOZE, nudges.still_on_it), (NUDGE_DROP, nudges.drop_it)):
        app.action(action_id)(on.button(handle, replace_on_refusal=nudges.makes_the_nudge_stale))
    app.action(control_blocks.MEMBER_BACK)(on.button(controls.back))
    app.action(control_blocks.PROMPTS_DM)(on.button(controls.prompts))
    app.action(control_blocks.JOURNAL_MORE)(on.button(controls.older))
    app.action(pair_blocks.PAIR_MET)(on.button(pairs.met))
    app.action(pair_blocks.PAIR_MISSED)(on.button(pairs.missed))
    app.action(pair_blocks.PAIR_TRY)(on.button(pairs.what_will_you_try))
    app.action(pair_blocks.PAIR_SWITCH)(on.button(pairs.switch))

    app.view(modals.LOG_MODAL)(on.submission(views.submit_log, error_field="text"))
    app.view(rhythm.SETTINGS_MODAL)(on.submission(views.submit_settings, error_field="channel"))
    app.view(modals.EDIT_MODAL)(on.submission(views.submit_edit, error_field="text"))
    app.view(modals.COMPLETE_MODAL)(on.submission(views.submit_complete, error_field="text"))
    app.view(pair_blocks.TRY_MODAL)(on.submission(pairs.submit_try, error_field="text"))
    app.view(modals.WHY_MODAL)(on.submission(views.submit_why, error_field="why"))
    app.view(organisation_blocks.ORG_MODAL)(
        on.submission(organisations.submit_organisation, error_field=organisation_blocks.ORG_FIELD)
    )

    app.shortcut(shortcuts.SAVE_TO_LOG)(on.shortcut(shortcuts.open_save_form))

    app.event("message")(on.event(events.on_message))
    app.event("member_joined_channel")(on.event(events.on_member_joined))
    app.event("app_home_opened")(on.event(home.on_home_opened))
    app.event("app_uninstalled")(on.event(lifecycle.on_app_uninstalled))
    app.event("tokens_revoked")(on.event(lifecycle.on_tokens_revoked))


def _always(error: Exception) -> bool:
    return True
