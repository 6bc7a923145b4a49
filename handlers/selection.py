"""The selection round in Slack: a member's vote, and a coordinator's shortlist and choice.

A vote is stored before the ack (``bot.selection.cast_vote``) and its answer, which only the
voter sees, goes after it through the click's ``response_url``; a refused vote (a closed
round, an entry not on the shortlist) is answered with its sentence. A coordinator's forms
check their rights again when submitted, as the settings form does.
"""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient

from bot.blocks import kit, refusals, rhythm
from bot.blocks import selection as words
from bot.errors import EmptyText, EntryTooLong, LogError, RoundNotFound, ShortlistPosted
from bot.selection import (
    cast_vote,
    next_round,
    period_stories,
    plan_shortlist,
    planned_picks,
    record_choice,
    round_view,
)
from bot.services import Services
from bot.slack.admins import CoordinatorCheckFailed, is_coordinator
from handlers.answering import (
    Answer,
    Click,
    Slack,
    field_errors,
    later,
    open_modal,
    reply,
    update_view,
)


def vote(click: Click, services: Services) -> Answer:
    counted = cast_vote(
        services.db,
        click.team_id,
        str(click.value.get("period", "")),
        click.user_id,
        click.entry_id,
        now=services.clock(),
    )
    return later(reply(words.vote_answer(counted)))


def open_choice_form(click: Click, services: Services) -> Answer:
    view = round_view(services.db, click.team_id, str(click.value.get("period", "")))
    return later(open_modal(words.choice_modal(view)))


def _coordinator_in_form(
    services: Services, client: WebClient, team_id: str, user_id: str
) -> Answer | None:
    """None when the member may submit a coordinator's form; else the answer refusing it."""
    try:
        allowed = is_coordinator(
            services.config, client, user_id, db=services.db, team_id=team_id, within_ack=True
        )
    except CoordinatorCheckFailed:
        return field_errors({"story": rhythm.ADMIN_UNCONFIRMED_IN_FORM})
    return None if allowed else update_view(rhythm.refusal_view())


def submit_choice(
    body: dict[str, Any], view: dict[str, Any], team_id: str, client: WebClient, services: Services
) -> Answer:
    user_id = body["user"]["id"]
    refused = _coordinator_in_form(services, client, team_id, user_id)
    if refused is not None:
        return refused
    period = str(kit.metadata(view).get("period", ""))
    values = view["state"]["values"]
    chosen = (values.get("story", {}).get("story", {}).get("selected_option") or {}).get("value")
    reasons = values.get("reasons", {}).get("reasons", {}).get("value") or ""
    if not chosen:
        return field_errors({"story": "Choose the story the network chose."})
    try:
        recorded = record_choice(
            services.db,
            team_id,
            period,
            int(chosen),
            reasons,
            by_user=user_id,
            now=services.clock(),
        )
    except (EmptyText, EntryTooLong) as error:
        return field_errors({"reasons": refusals.explain(error)})
    except LogError as error:
        return field_errors({"story": refusals.explain(error)})

    def post_in_thread(slack: Slack) -> None:
        if recorded.channel_id and recorded.message_ts:
            slack.client.chat_postMessage(
                channel=recorded.channel_id,
                thread_ts=recorded.message_ts,
                **words.choice_message(recorded, services.framework),
            )

    return update_view(words.choice_recorded_view(recorded), post_in_thread)


def open_pick_form(services: Services, team_id: str) -> dict[str, Any]:
    """The form for the next round's shortlist, with the period's stories so far."""
    settings = services.settings.get(team_id)
    due = next_round(settings, services.clock())
    if due is None:
        raise RoundNotFound("this period (selection rounds are off)")
    stories = period_stories(services.db, team_id, due.starts_at, due.ends_at)
    return words.pick_modal(due, stories, planned_picks(services.db, team_id, due.period))


def submit_picks(
    body: dict[str, Any], view: dict[str, Any], team_id: str, client: WebClient, services: Services
) -> Answer:
    user_id = body["user"]["id"]
    refused = _coordinator_in_form(services, client, team_id, user_id)
    if refused is not None:
        return refused
    settings = services.settings.get(team_id)
    due = next_round(settings, services.clock())
    period = str(kit.metadata(view).get("period", ""))
    if due is None or due.period != period:
        return field_errors({"stories": refusals.explain(ShortlistPosted(period))})
    element = view["state"]["values"].get("stories", {}).get("stories", {})
    picked = [int(o["value"]) for o in element.get("selected_options") or []]
    try:
        kept = plan_shortlist(
            services.db, team_id, due, picked, by_user=user_id, now=services.clock()
        )
    except LogError as error:
        return field_errors({"stories": refusals.explain(error)})
    return update_view(words.picks_saved_view(due, kept))
