"""A coordinator's form recording an organisation's endorsement of the goals (opened by
``/kindness orgs endorse``): the rights checked again on saving, the endorsement stored before
the form is answered, a refusal shown under its field."""

from __future__ import annotations

from datetime import date
from typing import Any

from slack_sdk import WebClient

from bot.blocks import endorsements as words
from bot.blocks import refusals, rhythm
from bot.endorsements import BadEndorsementUrl, endorse
from bot.errors import LogError
from bot.services import Services
from bot.slack.admins import CoordinatorCheckFailed, is_coordinator
from bot.weeks import local_date
from handlers.answering import Answer, field_errors, update_view
from handlers.views import field


def submit_endorsement(
    body: dict[str, Any], view: dict[str, Any], team_id: str, client: WebClient, services: Services
) -> Answer:
    user_id = body["user"]["id"]
    try:
        allowed = is_coordinator(
            services.config, client, user_id, db=services.db, team_id=team_id, within_ack=True
        )
    except CoordinatorCheckFailed:
        return field_errors({words.NAME: rhythm.ADMIN_UNCONFIRMED_IN_FORM})
    if not allowed:
        return update_view(rhythm.refusal_view())
    picked = field(view, words.DATE)
    now = services.clock()
    on = (
        date.fromisoformat(picked)
        if picked
        else local_date(now, services.settings.get(team_id).timezone)
    )
    try:
        made = endorse(
            services.db,
            team_id,
            field(view, words.NAME) or "",
            on=on,
            url=field(view, words.URL),
            now=now,
        )
    except BadEndorsementUrl as error:
        return field_errors({words.URL: refusals.explain(error)})
    except LogError as error:
        return field_errors({words.NAME: refusals.explain(error)})
    return update_view(words.endorsed_view(made))
