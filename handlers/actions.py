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

from bot.blocks import answers, modals
from bot.blocks.organisations import organisation_field
from bot.services import Services
from handlers.answering import Answer, Click, later, open_modal, reply
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
    return later(reply(answers.saved_message(entry, services.framework), replace=True))


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
    return later(reply(answers.search_message(page, services.framework)))


def forget_me(click: Click, services: Services) -> Answer:
    deleted = services.log.forget_me(click.team_id, click.user_id)
    shown = reply(answers.forgotten_message(deleted), replace=True)
    return later(shown, refresh_home(services)) if click.on_home else later(shown)
