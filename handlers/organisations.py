"""A member's organisation (``/kindness org``, the offer's buttons, App Home's form) and the
coordinators' list (``/kindness orgs``).

As everywhere: the change is committed before the ack; what the member sees travels in the
ack (a command, a form) or replaces the message clicked (a button).
"""

from __future__ import annotations

from typing import Any

from bot.blocks import organisations as blocks
from bot.blocks.refusals import explain
from bot.errors import LogError
from bot.organisations import Choice, OrganisationInfo, clean_name
from bot.services import Services
from handlers.answering import Answer, Click, field_errors, later, open_modal, reply
from handlers.home import refresh_home


def use_organisation(click: Click, services: Services) -> Answer:
    """*Use NHS Fife*: the known organisation offered."""
    chosen = services.organisations.use(
        click.team_id, click.user_id, int(click.value.get("org", 0)), entry_id=_entry(click)
    )
    return _after_click(click, services, chosen)


def new_organisation(click: Click, services: Services) -> Answer:
    """*No, mine is …*: the name as the member typed it, a new organisation if need be."""
    chosen = services.organisations.create_and_use(
        click.team_id, click.user_id, str(click.value.get("name", "")), entry_id=_entry(click)
    )
    return _after_click(click, services, chosen)


def open_organisation_form(click: Click, services: Services) -> Answer:
    current = services.organisations.current(click.team_id, click.user_id)
    return later(open_modal(blocks.organisation_modal(current)))


def submit_organisation(
    body: dict[str, Any], view: dict[str, Any], team_id: str, services: Services
) -> Answer:
    """App Home's form: empty clears; a name a typo from a known one is offered by DM."""
    user_id = body["user"]["id"]
    typed = typed_organisation(view) or "none"
    try:
        choice = services.organisations.choose(team_id, user_id, typed)
    except LogError as error:
        return field_errors({blocks.ORG_FIELD: explain(error)})
    if choice.outcome == "offer":
        return Answer({"response_action": "clear"}, (reply(blocks.choice_message(choice)),))
    return Answer({"response_action": "clear"}, (refresh_home(services),))


def typed_organisation(view: dict[str, Any]) -> str | None:
    """The organisation field of a form (the log modal's, App Home's): None when the form has
    none, "" when it was left empty."""
    values = view["state"]["values"]
    if blocks.ORG_FIELD not in values:
        return None
    return ((values[blocks.ORG_FIELD].get(blocks.ORG_FIELD) or {}).get("value") or "").strip()


def organisation_field_error(typed: str | None) -> str | None:
    """Checked with the log modal's other fields, before anything is stored."""
    if not typed:
        return None
    try:
        clean_name(typed)
    except LogError as error:
        return explain(error)
    return None


def take_organisation_from_log_form(
    typed: str | None, team_id: str, user_id: str, services: Services
) -> Choice | None:
    """Before the entry is stored, so that it carries the organisation: a new or known name
    is taken (an emptied field clears it); a name a typo from a known one is returned, to be
    offered once the entry is stored. Unchanged, nothing is written."""
    if typed is None:
        return None
    current = services.organisations.current(team_id, user_id)
    if (current.name if current else "") == typed:
        return None
    choice = services.organisations.choose(team_id, user_id, typed or "none")
    return choice if choice.outcome == "offer" else None


def _after_click(click: Click, services: Services, chosen: OrganisationInfo) -> Answer:
    if click.on_home:
        return later(refresh_home(services))
    return later(reply(blocks.chosen_message(chosen), replace=True))


def _entry(click: Click) -> int | None:
    return click.entry_id or None
