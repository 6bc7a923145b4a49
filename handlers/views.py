"""Modal submissions: log an entry, edit one, close an action, say why a story matters, save the
settings.

The entry is stored *before* the modal is answered, inside Slack's 3 seconds (a database write,
no Slack call). A refusal or a failed write answers ``response_action: errors`` on the right
field, so the modal stays open with the member's words still in it — nothing is lost. Success
turns the modal into a short confirmation (``update_view``); refreshing App Home, joining the
network channel and the like run after the answer. A modal submitted twice stores one entry:
the view id is the entry's dedupe key.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks import controls, kit, modals, refusals, rhythm
from bot.blocks import organisations as organisation_blocks
from bot.blocks.organisations import ORG_FIELD
from bot.errors import ActionAlreadyDone, LogError, PrivateNotShareable
from bot.learning_log import OUTCOME_KINDS, EntryView
from bot.services import Services
from bot.settings import COORDINATORS, KNOWN_KEYS, SettingsErrors
from bot.slack.admins import (
    CoordinatorCheckFailed,
    is_admin,
    is_coordinator,
    is_coordinator_without_slack,
)
from bot.slack_text import from_plain
from bot.weeks import local_date
from handlers.answering import Answer, Slack, SlackWork, field_errors, reply, update_view
from handlers.credit import tell_the_author
from handlers.home import refresh_home
from handlers.organisations import (
    organisation_field_error,
    take_organisation_from_log_form,
    typed_organisation,
)


def field(view: dict[str, Any], block_id: str) -> str | None:
    """The value of the input in ``block_id`` (its action id is the same by convention); the
    people of a multi-select as ids separated by commas."""
    element = view["state"]["values"].get(block_id, {}).get(block_id, {})
    kind = element.get("type")
    if kind == "checkboxes":
        return ",".join(o.get("value", "") for o in element.get("selected_options") or [])
    if kind in ("static_select", "radio_buttons"):
        return (element.get("selected_option") or {}).get("value")
    value = element.get(_SELECTED.get(kind, "value"))
    return ",".join(value) if isinstance(value, list) else value


_SELECTED = {
    "conversations_select": "selected_conversation",
    "multi_users_select": "selected_users",
    "timepicker": "selected_time",
    "datepicker": "selected_date",
}


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


def entry_fields(view: dict[str, Any], services: Services) -> tuple[dict[str, Any], dict[str, str]]:
    """The submitted entry, and the errors by block id (Slack's rule) when it is not valid."""
    has_text = "text" in view["state"]["values"]  # absent when a long text is kept as is
    values = view["state"]["values"]
    submitted = {
        "kind": field(view, "kind") or "story",
        "goal": field(view, "goal"),
        "text": from_plain(field(view, "text") or "") if has_text else None,
        "visibility": modals.visibility_of(field(view, "visibility")),
        "share": bool(field(view, modals.SHARE)),
        # Absent from a form opened before these fields were added: left as they are.
        "why_it_matters": from_plain(field(view, "why") or "") if "why" in values else None,
        "who_changed": field(view, "who_changed"),
        "how_we_know": field(view, "how_we_know"),
        "organisation": typed_organisation(view),
    }
    if submitted["kind"] not in OUTCOME_KINDS:
        # A menu cannot be emptied once chosen: an outcome's answers, chosen before the member
        # chose another kind, are let go rather than refused.
        submitted["who_changed"] = submitted["how_we_know"] = None
    errors: dict[str, str] = {}
    if submitted["share"] and submitted["visibility"] == "private":
        errors[modals.SHARE] = refusals.explain(PrivateNotShareable())
    if not submitted["goal"]:
        errors["goal"] = refusals.GOAL_MISSING
    if has_text or view.get("callback_id") != modals.EDIT_MODAL:
        try:
            services.log.check_text(submitted["text"])
        except LogError as error:
            errors.update(modals.entry_form_errors(error))
    try:
        services.log.check_why(submitted["why_it_matters"], submitted["kind"])
        services.log.check_outcome(
            submitted["who_changed"], submitted["how_we_know"], submitted["kind"]
        )
    except LogError as error:
        errors.update(modals.entry_form_errors(error))
    organisation_error = organisation_field_error(submitted["organisation"])
    if organisation_error:
        errors[ORG_FIELD] = organisation_error
    return submitted, errors


def refresh_home_if_opened_there(view: dict[str, Any], services: Services) -> tuple[SlackWork, ...]:
    return (refresh_home(services),) if kit.metadata(view).get("home") else ()


def store_then_answer(
    view: dict[str, Any],
    store: Callable[[dict[str, Any]], tuple[EntryView, tuple[SlackWork, ...]]],
    verb: str,
    services: Services,
) -> Answer:
    """Check the fields, store, then turn the modal into a confirmation — or keep it open
    with the refusal on its field. ``store`` returns the entry and any Slack work for after."""
    submitted, errors = entry_fields(view, services)
    if errors:
        return field_errors(errors)
    try:
        entry, then = store(submitted)
    except LogError as error:
        return field_errors(modals.entry_form_errors(error))
    confirmation = modals.saved_view(entry, services.framework, verb=verb)
    return update_view(confirmation, *then, *refresh_home_if_opened_there(view, services))


def submit_log(
    body: dict[str, Any], view: dict[str, Any], team_id: str, services: Services
) -> Answer:
    """A new entry from the log form. Opened by the shortcut on another member's message
    (``author`` in its metadata), the entry is theirs, saved by the one who submits it, and
    they are told by DM; from a private conversation (``private``) it stays theirs alone
    until they share it."""
    meta = kit.metadata(view)
    saver = body["user"]["id"]
    author = str(meta.get("author") or saver)
    has_visibility = "visibility" in view["state"]["values"]
    submitted, errors = entry_fields(view, services)
    if errors:
        return field_errors(errors)
    if not has_visibility:
        submitted["visibility"] = "private" if meta.get("private") else "network"
    try:
        # The organisation first, so that the entry carries it (the saver's own form only:
        # a message saved for its author never changes the saver's organisation).
        offer = (
            take_organisation_from_log_form(submitted["organisation"], team_id, saver, services)
            if author == saver
            else None
        )
        saved = services.log.add_entry(
            team_id,
            author,
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
            logged_by=saver if author != saver else None,
            share=submitted["share"] and author == saver,
            why_it_matters=submitted["why_it_matters"],
            who_changed=submitted["who_changed"],
            how_we_know=submitted["how_we_know"],
        )
    except LogError as error:
        return field_errors(modals.entry_form_errors(error))
    then = refresh_home_if_opened_there(view, services)
    if offer is not None:
        # A name a typo away from a known one: asked by DM, the entry taking the answer too.
        then = (*then, reply(organisation_blocks.choice_message(offer, entry_id=saved.entry.id)))
    note = None
    if author != saver:
        told = tell_the_author(services, team_id, author, saved.entry.id)
        note = controls.told_author(author, told.away_until)
        if saved.created:  # the form submitted twice: told once
            then = (*then, *told.then)
    confirmation = modals.saved_view(saved.entry, services.framework, verb="Saved", note=note)
    return update_view(confirmation, *then)


def submit_edit(
    body: dict[str, Any], view: dict[str, Any], team_id: str, services: Services
) -> Answer:
    def store(submitted: dict[str, Any]) -> tuple[EntryView, tuple[SlackWork, ...]]:
        outcome: dict[str, Any] = {}
        if submitted["why_it_matters"] is not None:  # the form holds the new fields
            outcome = {
                "why_it_matters": submitted["why_it_matters"],
                "who_changed": submitted["who_changed"],
                "how_we_know": submitted["how_we_know"],
            }
        entry = services.log.edit_entry(
            team_id,
            body["user"]["id"],
            int(kit.metadata(view).get("entry", 0)),
            text=submitted["text"],
            kind=submitted["kind"],
            goal=submitted["goal"],
            visibility=submitted["visibility"],
            **outcome,
        )
        return entry, ()

    return store_then_answer(view, store, "Changes saved", services)


def submit_why(
    body: dict[str, Any], view: dict[str, Any], team_id: str, services: Services
) -> Answer:
    """*Add why it matters* under a saved thread reply."""
    why = from_plain(field(view, "why") or "")
    try:
        entry = services.log.set_why_it_matters(
            team_id, body["user"]["id"], int(kit.metadata(view).get("entry", 0)), why
        )
    except LogError as error:
        return field_errors({"why": refusals.explain(error)})
    confirmation = modals.saved_view(entry, services.framework, verb="Saved")
    return update_view(confirmation, *refresh_home_if_opened_there(view, services))


def submit_complete(
    body: dict[str, Any], view: dict[str, Any], team_id: str, services: Services
) -> Answer:
    user_id = body["user"]["id"]
    entry_id = int(kit.metadata(view).get("entry", 0))
    reflection = from_plain(field(view, "text") or "").strip() or None
    try:
        action, note = services.log.complete_action(
            team_id, user_id, entry_id, reflection, dedupe_key=f"view:{view['id']}"
        )
    except ActionAlreadyDone:
        # Submitted twice, or closed elsewhere meanwhile: the action is done either way.
        action, note = services.log.get_entry(team_id, user_id, entry_id), None
    except LogError as error:
        return field_errors(modals.entry_form_errors(error))
    confirmation = modals.saved_view(note or action, services.framework, verb="Action done")
    return update_view(confirmation, *refresh_home_if_opened_there(view, services))


def submit_settings(
    body: dict[str, Any],
    view: dict[str, Any],
    team_id: str,
    client: WebClient,
    services: Services,
) -> Answer:
    user_id = body["user"]["id"]
    values = view["state"]["values"]
    names_coordinators = COORDINATORS in values
    # The one Slack call before an answer: a coordinator's rights are checked again on
    # saving, once and briefly (``within_ack``), since they may have changed meanwhile.
    # Changing the list of coordinators takes an admin, so then Slack is always asked.
    try:
        if names_coordinators:
            admin = is_admin(services.config, client, user_id, within_ack=True)
            allowed = admin or is_coordinator_without_slack(
                services.config, services.db, team_id, user_id
            )
        else:
            admin = False
            allowed = is_coordinator(
                services.config,
                client,
                user_id,
                db=services.db,
                team_id=team_id,
                within_ack=True,
            )
    except CoordinatorCheckFailed:
        return field_errors({"channel": rhythm.ADMIN_UNCONFIRMED_IN_FORM})
    if not allowed:
        return update_view(rhythm.refusal_view())
    # Only the fields the form holds: a form opened before an upgrade that added a
    # setting lacks that field, and the list of coordinators is offered to admins only;
    # saving leaves a setting the form did not hold as it is.
    raw = {key: field(view, key) for key in (*KNOWN_KEYS, "welcome", COORDINATORS) if key in values}
    if "paused_until" in raw:
        raw["paused_until"] = raw["paused_until"] or "off"  # the date was cleared
    try:
        saved = services.settings.apply(team_id, raw, by_user=user_id, coordinators_allowed=admin)
    except SettingsErrors as errors:
        return field_errors(errors.by_key())
    today = local_date(services.clock(), saved.timezone)

    def get_ready(slack: Slack) -> None:
        if services.settings_changed is not None:
            services.settings_changed(team_id)
        if saved.channel_id:
            make_ready_to_post(slack.client, saved.channel_id, user_id)

    return update_view(rhythm.settings_saved_view(saved, today), get_ready)
