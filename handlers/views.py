"""Modal submissions: log an entry, edit one, close an action.

The entry is stored *before* the modal is answered, inside Slack's 3 seconds (a database write,
no Slack call). A refusal or a failed write answers ``response_action: errors`` on the right
field, so the modal stays open with the member's words still in it — nothing is lost. Success
turns the modal into a short confirmation. A modal submitted twice stores one entry: the view
id is the entry's dedupe key.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.admins import CoordinatorCheckFailed, is_coordinator
from bot.blocks import capture, kit, rhythm
from bot.errors import (
    ActionAlreadyDone,
    EmptyText,
    EntryTooLong,
    LogError,
    StorageFailed,
    UnknownGoal,
    UnknownKind,
    UnknownVisibility,
)
from bot.learning_log import EntryView
from bot.services import Services
from bot.settings import KNOWN_KEYS, SettingsErrors
from bot.slack_text import from_plain
from handlers.home import publish_home

ADMIN_CHECK_FAILED = (
    "Slack did not confirm in time that you are a coordinator; nothing was saved. Press Save again."
)
SAVE_FAILED = "Could not save just now — your words are still here. Press the button again."


def field(view: dict[str, Any], block_id: str) -> str | None:
    """The value of the input in ``block_id`` (its action id is the same by convention)."""
    element = view["state"]["values"].get(block_id, {}).get(block_id, {})
    kind = element.get("type")
    if kind in ("static_select", "radio_buttons"):
        return (element.get("selected_option") or {}).get("value")
    return element.get(_SELECTED.get(kind, "value"))


_SELECTED = {
    "conversations_select": "selected_conversation",
    "timepicker": "selected_time",
    "datepicker": "selected_date",
}


def field_of(error: LogError) -> str:
    """The modal block a refusal belongs to."""
    if isinstance(error, UnknownGoal):
        return "goal"
    if isinstance(error, UnknownKind):
        return "kind"
    if isinstance(error, UnknownVisibility):
        return "visibility"
    return "text"


def refusal(error: LogError) -> dict[str, str]:
    if isinstance(error, StorageFailed):
        return {"text": SAVE_FAILED}
    if isinstance(error, EmptyText | EntryTooLong):
        return {"text": capture.explain(error)}
    return {field_of(error): capture.explain(error)}


def make_ready_to_post(client: WebClient, channel: str, coordinator: str) -> None:
    """Join the network channel now rather than at the first post; a private channel needs an
    invitation, which only a member can give — so say so to the coordinator who chose it."""
    try:
        client.conversations_join(channel=channel)
    except SlackApiError:
        try:
            member = client.conversations_info(channel=channel)["channel"].get("is_member")
        except SlackApiError:
            member = False
        if not member:
            client.chat_postMessage(channel=coordinator, **rhythm.invite_needed_message(channel))


def register(app: App, services: Services) -> None:
    learning = services.log
    framework = services.framework

    def entry_fields(view: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
        """The submitted entry, and the errors by block id (Slack's rule) when it is not valid."""
        has_text = "text" in view["state"]["values"]  # absent when a long text is kept as is
        submitted = {
            "kind": field(view, "kind") or "story",
            "goal": field(view, "goal"),
            "text": from_plain(field(view, "text") or "") if has_text else None,
            "visibility": capture.visibility_of(field(view, "visibility")),
        }
        errors: dict[str, str] = {}
        if not submitted["goal"]:
            errors["goal"] = "Choose the goal this is for."
        if has_text or view.get("callback_id") != capture.EDIT_MODAL:
            try:
                learning.check_text(submitted["text"])
            except LogError as error:
                errors.update(refusal(error))
        return submitted, errors

    def store_then_answer(
        ack: Ack, view: dict[str, Any], store: Callable[[dict[str, Any]], EntryView], verb: str
    ) -> None:
        """Check the fields, store, then turn the modal into a confirmation — or keep it open
        with the refusal on its field."""
        submitted, errors = entry_fields(view)
        if errors:
            ack(response_action="errors", errors=errors)
            return
        try:
            entry = store(submitted)
        except LogError as error:
            ack(response_action="errors", errors=refusal(error))
            return
        ack(response_action="update", view=capture.saved_view(entry, framework, verb=verb))

    def submit_log(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], context: dict[str, Any]
    ) -> None:
        meta = kit.metadata(view)

        def store(submitted: dict[str, Any]) -> EntryView:
            return learning.add_entry(
                context.get("team_id") or body["team"]["id"],
                body["user"]["id"],
                submitted["text"],
                kind=submitted["kind"],
                goal=submitted["goal"],
                visibility=submitted["visibility"],
                source="shortcut" if meta.get("ts") else "modal",
                channel_id=meta.get("channel"),
                message_ts=meta.get("ts"),
                permalink=meta.get("permalink"),
                prompt_id=meta.get("prompt"),
                dedupe_key=f"view:{view['id']}",
            ).entry

        store_then_answer(ack, view, store, "Saved")

    def submit_edit(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], context: dict[str, Any]
    ) -> None:
        def store(submitted: dict[str, Any]) -> EntryView:
            return learning.edit_entry(
                context.get("team_id") or body["team"]["id"],
                body["user"]["id"],
                int(kit.metadata(view).get("entry", 0)),
                text=submitted["text"],
                kind=submitted["kind"],
                goal=submitted["goal"],
                visibility=submitted["visibility"],
            )

        store_then_answer(ack, view, store, "Changes saved")

    def submit_complete(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], context: dict[str, Any]
    ) -> None:
        team_id = context.get("team_id") or body["team"]["id"]
        user_id = body["user"]["id"]
        entry_id = int(kit.metadata(view).get("entry", 0))
        reflection = from_plain(field(view, "text") or "").strip() or None
        try:
            action, note = learning.complete_action(
                team_id, user_id, entry_id, reflection, dedupe_key=f"view:{view['id']}"
            )
        except ActionAlreadyDone:
            # Submitted twice, or closed elsewhere meanwhile: the action is done either way.
            action, note = learning.get_entry(team_id, user_id, entry_id), None
        except LogError as error:
            ack(response_action="errors", errors=refusal(error))
            return
        shown = note or action
        ack(response_action="update", view=capture.saved_view(shown, framework, verb="Action done"))

    def after_submit(
        body: dict[str, Any], view: dict[str, Any], client: WebClient, context: dict[str, Any]
    ) -> None:
        if kit.metadata(view).get("home"):
            publish_home(
                services, client, context.get("team_id") or body["team"]["id"], body["user"]["id"]
            )

    def submit_settings(
        ack: Ack,
        body: dict[str, Any],
        view: dict[str, Any],
        client: WebClient,
        context: dict[str, Any],
    ) -> None:
        team_id = context.get("team_id") or body["team"]["id"]
        user_id = body["user"]["id"]
        try:
            allowed = is_coordinator(services.config, client, user_id, within_ack=True)
        except CoordinatorCheckFailed:
            ack(response_action="errors", errors={"channel": ADMIN_CHECK_FAILED})
            return
        if not allowed:
            ack(response_action="update", view=rhythm.refusal_view())
            return
        raw = {key: field(view, key) for key in KNOWN_KEYS}
        raw["paused_until"] = raw["paused_until"] or "off"
        try:
            saved = services.settings.apply(team_id, raw, by_user=user_id)
        except SettingsErrors as errors:
            ack(response_action="errors", errors=errors.by_key())
            return
        today = services.clock().astimezone(ZoneInfo(saved.timezone)).date()
        ack(response_action="update", view=rhythm.settings_saved_view(saved, today))

    def after_settings(
        body: dict[str, Any], view: dict[str, Any], client: WebClient, context: dict[str, Any]
    ) -> None:
        team_id = context.get("team_id") or body["team"]["id"]
        saved = services.settings.get(team_id)
        if saved.configured_by != body["user"]["id"]:
            return  # the submission was refused
        if services.settings_changed is not None:
            services.settings_changed(team_id)
        if saved.channel_id:
            make_ready_to_post(client, saved.channel_id, body["user"]["id"])

    app.view(capture.LOG_MODAL)(ack=submit_log, lazy=[after_submit])
    app.view(rhythm.SETTINGS_MODAL)(ack=submit_settings, lazy=[after_settings])
    app.view(capture.EDIT_MODAL)(ack=submit_edit, lazy=[after_submit])
    app.view(capture.COMPLETE_MODAL)(ack=submit_complete, lazy=[after_submit])
