"""Buttons: open the log modal, pick a goal, edit, delete, undo, close an action, page a search.

Each click's change is committed before the ack (``handlers.answering.button``); what the
member sees comes after it: the answer replaces the message the button was on (through its
``response_url``) where that keeps the conversation tidy, and a button on App Home refreshes
the Home tab instead. Who may act on an entry is checked at the click, before anything opens.
Repeated clicks are harmless: every change is either idempotent (setting a goal) or refused
the second time with a clear word (deleting, closing), so a double click never stores
anything twice.
"""

from __future__ import annotations

import re

from slack_bolt import App

from bot.blocks import capture
from bot.services import Services
from handlers.answering import Answer, Click, Slack, button, later, open_modal, reply
from handlers.home import publish_home


def register(app: App, services: Services) -> None:
    framework = services.framework
    learning = services.log

    def refresh_home(slack: Slack) -> None:
        publish_home(services, slack.client, slack.team_id, slack.user_id)

    def open_log_modal(click: Click) -> Answer:
        view = capture.log_modal(
            framework,
            kind=click.value.get("kind") or "story",
            goal=click.value.get("goal"),
            metadata={"home": True} if click.on_home else None,
        )
        return later(open_modal(view))

    def set_goal(click: Click) -> Answer:
        entry = learning.edit_entry(
            click.team_id, click.user_id, click.entry_id, goal=click.value.get("goal")
        )
        return later(reply(capture.saved_message(entry, framework), replace=True))

    def edit_entry(click: Click) -> Answer:
        entry = learning.own_entry(click.team_id, click.user_id, click.entry_id)
        return later(open_modal(capture.edit_modal(entry, framework, {"home": click.on_home})))

    def delete_entry(click: Click) -> Answer:
        removed = learning.delete_entry(click.team_id, click.user_id, click.entry_id)
        if click.on_home:
            return later(refresh_home)
        mine = learning.list_mine(click.team_id, click.user_id)
        note = f"Deleted #{removed.id} from the learning log."
        return later(reply(capture.mine_message(mine, framework, note=note), replace=True))

    def undo_entry(click: Click) -> Answer:
        removed = learning.delete_entry(click.team_id, click.user_id, click.entry_id)
        return later(reply(capture.undone_message(removed), replace=True))

    def complete_action(click: Click) -> Answer:
        action = learning.own_open_action(click.team_id, click.user_id, click.entry_id)
        view = capture.complete_modal(action, framework, {"home": click.on_home})
        return later(open_modal(view))

    def search_more(click: Click) -> Answer:
        page = learning.search(
            click.team_id,
            click.user_id,
            str(click.value.get("q", "")),
            goal=click.value.get("g"),
            offset=int(click.value.get("o", 0)),
        )
        return later(reply(capture.search_message(page, framework)))

    def forget_me(click: Click) -> Answer:
        deleted = learning.forget_me(click.team_id, click.user_id)
        shown = reply(capture.forgotten_message(deleted), replace=True)
        return later(shown, refresh_home) if click.on_home else later(shown)

    handlers = {
        capture.OPEN_LOG_MODAL: open_log_modal,
        capture.SET_GOAL: set_goal,
        capture.EDIT_ENTRY: edit_entry,
        capture.DELETE_ENTRY: delete_entry,
        capture.COMPLETE_ACTION: complete_action,
        capture.SEARCH_MORE: search_more,
        capture.FORGET_ME_CONFIRMED: forget_me,
    }
    for action_id, handle in handlers.items():
        # Some ids carry a suffix (``set_goal:relationships``) to stay unique within a block.
        pattern = re.compile(rf"^{re.escape(action_id)}(:.*)?$")
        app.action(pattern)(button(handle))
    # Undo replaces its note even when refused: the entry is gone either way.
    app.action(capture.UNDO_ENTRY)(button(undo_entry, replace_on_refusal=lambda error: True))
