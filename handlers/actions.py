"""Buttons: open the log modal, pick a goal, edit, delete, undo, close an action, say why a story
matters, page a search.

Each click's change is committed before the ack (``handlers.answering.Listeners.button``); what
the member sees comes after it: the answer replaces the message the button was on (through its
``response_url``) where that keeps the conversation tidy, and a button on App Home refreshes
the Home tab instead. Who may act on an entry is checked at the click, before anything opens.
Repeated clicks are harmless: every change is either idempotent (setting a goal) or refused
the second time with a clear word (deleting, closing), so a double click never stores
anything twice.
"""

from __future__ import annotations

from typing import Any

from bot.blocks import answers, controls, entries, modals
from bot.blocks.organisations import organisation_field
from bot.goals import Framework
from bot.learning_log import EntryView
from bot.services import Services
from bot.slack.admins import is_coordinator_without_slack
from handlers.answering import Answer, Click, Slack, later, open_modal, reply
from handlers.home import refresh_home


def open_log_modal(click: Click, services: Services) -> Answer:
    current = services.organisations.current(click.team_id, click.user_id)
    view = modals.log_modal(
        services.framework,
        kind=click.value.get("kind") or "story",
        goal=click.value.get("goal"),
        metadata={"home": True} if click.on_home else None,
        organisation=organisation_field(current),
    )
    return later(open_modal(view))


def open_why_modal(click: Click, services: Services) -> Answer:
    """*Why it matters* under a saved story or outcome: the one question, for that entry."""
    entry = services.log.own_entry(click.team_id, click.user_id, click.entry_id)
    return later(open_modal(modals.why_modal(entry, {"home": click.on_home})))


def set_goal(click: Click, services: Services) -> Answer:
    entry = services.log.edit_entry(
        click.team_id, click.user_id, click.entry_id, goal=click.value.get("goal")
    )
    message = _shown_again(click.value.get("at"), entry, services.framework)
    return later(reply(message, replace=True))


def edit_entry(click: Click, services: Services) -> Answer:
    entry = services.log.own_entry(click.team_id, click.user_id, click.entry_id)
    view = modals.edit_modal(entry, services.framework, {"home": click.on_home})
    return later(open_modal(view))


def delete_entry(click: Click, services: Services) -> Answer:
    removed = services.log.delete_entry(click.team_id, click.user_id, click.entry_id)
    if click.on_home:
        return later(refresh_home(services))
    mine = services.log.list_mine(click.team_id, click.user_id)
    message = answers.deleted_message(removed, mine, services.framework)
    return later(reply(message, replace=True))


def undo_entry(click: Click, services: Services) -> Answer:
    removed = services.log.delete_entry(click.team_id, click.user_id, click.entry_id)
    return later(reply(answers.undone_message(removed), replace=True))


def complete_action(click: Click, services: Services) -> Answer:
    action = services.log.own_open_action(click.team_id, click.user_id, click.entry_id)
    view = modals.complete_modal(action, services.framework, {"home": click.on_home})
    return later(open_modal(view))


def search_more(click: Click, services: Services) -> Answer:
    page = services.log.search(
        click.team_id,
        click.user_id,
        str(click.value.get("q", "")),
        goal=click.value.get("g"),
        offset=int(click.value.get("o", 0)),
    )
    coordinator = is_coordinator_without_slack(
        services.config, services.db, click.team_id, click.user_id
    )
    return later(reply(answers.search_message(page, services.framework, coordinator=coordinator)))


def forget_me(click: Click, services: Services) -> Answer:
    deleted = services.log.forget_me(click.team_id, click.user_id)
    shown = reply(answers.forgotten_message(deleted), replace=True)
    return later(shown, refresh_home(services)) if click.on_home else later(shown)


def set_visibility(click: Click, services: Services) -> Answer:
    """One click changes who can see an entry — its author's only (checked here, at the
    click) — and the confirmation it was on is shown again, changed."""
    entry = services.log.edit_entry(
        click.team_id, click.user_id, click.entry_id, visibility=str(click.value.get("v", ""))
    )
    framework = services.framework
    if click.modal_id is not None:
        verb = str(click.modal_metadata.get("verb") or "Saved")
        view = modals.saved_view(entry, framework, verb=verb)
        modal_id = click.modal_id

        def show(slack: Slack) -> None:
            slack.update_modal(modal_id, view)

        return later(show)
    return later(reply(_shown_again(click.value.get("at"), entry, framework), replace=True))


def _shown_again(shown: object, entry: EntryView, framework: Framework) -> dict[str, Any]:
    if shown == entries.SHOWN_UNDER_REPLY:
        return answers.thread_saved_message(entry, framework)
    if shown == entries.SHOWN_TO_AUTHOR:
        return controls.logged_for_you_message(entry, framework)
    return answers.saved_message(entry, framework)


def keep_entry(click: Click, services: Services) -> Answer:
    """*Keep*, on words somebody else saved for the member: theirs, so nothing changes; the
    DM loses its buttons."""
    entry = services.log.own_entry(click.team_id, click.user_id, click.entry_id)
    return later(reply(controls.kept_message(entry, services.framework), replace=True))
