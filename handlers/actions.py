"""Buttons: open the log modal, pick a goal, edit, delete, undo, close an action, page a search.

Each click is acknowledged at once and handled after the ack. Answers replace the message the
button was on (through its ``response_url``) where that keeps the conversation tidy; a button
on App Home refreshes the Home tab instead. Repeated clicks are harmless: every change is
either idempotent (setting a goal) or refused the second time with a clear word (deleting,
closing), so a double click never stores anything twice.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.blocks import capture
from bot.errors import ActionAlreadyDone, LogError, NotYourEntry
from bot.services import Services
from handlers.home import publish_home

log = logging.getLogger(__name__)


class Click:
    """One button press: who, where, and the value the button carried."""

    def __init__(self, body: dict[str, Any], context: dict[str, Any]) -> None:
        self.body = body
        self.team_id: str = context.get("team_id") or body["team"]["id"]
        self.user_id: str = body["user"]["id"]
        self.trigger_id: str = body.get("trigger_id", "")
        action = body["actions"][0]
        raw = action.get("value") or "{}"
        try:
            decoded = json.loads(raw)
        except ValueError:
            decoded = {}
        self.value: dict[str, Any] = decoded if isinstance(decoded, dict) else {}
        self.on_home = (body.get("view") or {}).get("type") == "home"
        self.has_response_url = bool(body.get("response_url"))

    @property
    def entry_id(self) -> int:
        return int(self.value.get("entry", 0))


def answer(
    click: Click,
    respond: Respond,
    client: WebClient,
    message: dict[str, Any],
    *,
    replace: bool = False,
) -> None:
    """Reply where the member clicked: over the message, or by DM when there is no message."""
    if click.has_response_url:
        respond(**message, replace_original=replace, response_type="ephemeral")
    else:
        client.chat_postMessage(channel=click.user_id, **message)


Handler = Callable[[Click, Respond, WebClient], None]


def on_click(
    handle: Handler, *, replace_on_refusal: Callable[[LogError], bool] = lambda error: False
) -> Callable[..., None]:
    """A Bolt lazy listener from ``handle(click, respond, client)``; a refusal from the
    service (``LogError``) is answered with its one clear sentence."""

    def listener(
        body: dict[str, Any], respond: Respond, client: WebClient, context: dict[str, Any]
    ) -> None:
        click = Click(body, context)
        try:
            handle(click, respond, client)
        except LogError as error:
            message = capture.error_message(error)
            answer(click, respond, client, message, replace=replace_on_refusal(error))

    return listener


def ack_click(ack: Ack) -> None:
    ack()


def register(app: App, services: Services) -> None:
    framework = services.framework
    learning = services.log

    def refresh(click: Click, client: WebClient) -> None:
        if click.on_home:
            publish_home(services, client, click.team_id, click.user_id)

    def open_log_modal(click: Click, respond: Respond, client: WebClient) -> None:
        client.views_open(
            trigger_id=click.trigger_id,
            view=capture.log_modal(
                framework,
                kind=click.value.get("kind") or "story",
                goal=click.value.get("goal"),
                metadata={"home": True} if click.on_home else None,
            ),
        )

    def set_goal(click: Click, respond: Respond, client: WebClient) -> None:
        entry = learning.edit_entry(
            click.team_id, click.user_id, click.entry_id, goal=click.value.get("goal")
        )
        answer(click, respond, client, capture.saved_message(entry, framework), replace=True)

    def edit_entry(click: Click, respond: Respond, client: WebClient) -> None:
        entry = learning.get_entry(click.team_id, click.user_id, click.entry_id)
        if not entry.is_mine:
            raise NotYourEntry(entry.id)
        client.views_open(
            trigger_id=click.trigger_id,
            view=capture.edit_modal(entry, framework, {"home": click.on_home}),
        )

    def delete_entry(click: Click, respond: Respond, client: WebClient) -> None:
        removed = learning.delete_entry(click.team_id, click.user_id, click.entry_id)
        if click.on_home:
            refresh(click, client)
            return
        mine = learning.list_mine(click.team_id, click.user_id)
        note = f"Deleted #{removed.id} from the learning log."
        message = capture.mine_message(mine, framework, note=note)
        answer(click, respond, client, message, replace=True)

    def undo_entry(click: Click, respond: Respond, client: WebClient) -> None:
        removed = learning.delete_entry(click.team_id, click.user_id, click.entry_id)
        answer(click, respond, client, capture.undone_message(removed), replace=True)

    def complete_action(click: Click, respond: Respond, client: WebClient) -> None:
        action = learning.get_entry(click.team_id, click.user_id, click.entry_id)
        if action.action_status == "done":
            raise ActionAlreadyDone(action.id)
        client.views_open(
            trigger_id=click.trigger_id,
            view=capture.complete_modal(action, framework, {"home": click.on_home}),
        )

    def search_more(click: Click, respond: Respond, client: WebClient) -> None:
        page = learning.search(
            click.team_id,
            click.user_id,
            str(click.value.get("q", "")),
            goal=click.value.get("g"),
            offset=int(click.value.get("o", 0)),
        )
        answer(click, respond, client, capture.search_message(page, framework))

    def forget_me(click: Click, respond: Respond, client: WebClient) -> None:
        deleted = learning.forget_me(click.team_id, click.user_id)
        answer(click, respond, client, capture.forgotten_message(deleted), replace=True)
        refresh(click, client)

    handlers: dict[str, Handler] = {
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
        app.action(pattern)(ack=ack_click, lazy=[on_click(handle)])
    # Undo replaces its note even when refused: the entry is gone either way.
    app.action(capture.UNDO_ENTRY)(
        ack=ack_click, lazy=[on_click(undo_entry, replace_on_refusal=lambda error: True)]
    )
