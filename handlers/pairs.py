"""Peer pairs' buttons and form: *We met*, *Couldn't this time*, *What will you try?*, and App
Home's switch.

As every button (``handlers.answering.Listeners.button``): the answer is committed before the
ack, and what the pair sees comes after it. The service decides who may click (only a member
of that pair, only while its round runs); a refusal is answered to the clicker alone.
"""

from __future__ import annotations

from typing import Any

from bot.blocks import kit, modals
from bot.blocks import pairs as words
from bot.errors import LogError
from bot.pairs import MET, MISSED
from bot.services import Services
from bot.slack_text import from_plain
from handlers.answering import (
    AfterAck,
    Answer,
    Click,
    field_errors,
    later,
    open_modal,
    update_view,
)
from handlers.home import refresh_home
from handlers.views import field


def _pair_of(click: Click) -> int:
    try:
        return int(click.value.get("pair", 0))
    except (TypeError, ValueError):
        return 0


def met(click: Click, services: Services) -> Answer:
    answered = services.pairs.answer(click.team_id, _pair_of(click), click.user_id, MET)
    goal = services.framework.get(answered.goal_key)
    channel = click.body.get("channel", {}).get("id")

    def tell_the_pair(slack: AfterAck) -> None:
        if goal is not None:
            slack.open_modal(words.try_modal(answered.pair_id, goal))
            if channel:
                message = words.met_message(answered.pair_id, click.user_id, goal)
                slack.port.post(channel, message)

    return later(tell_the_pair)


def missed(click: Click, services: Services) -> Answer:
    answered = services.pairs.answer(click.team_id, _pair_of(click), click.user_id, MISSED)
    channel = click.body.get("channel", {}).get("id")

    def tell_the_pair(slack: AfterAck) -> None:
        if channel:
            slack.port.post(channel, words.missed_message(answered.by))

    return later(tell_the_pair)


def what_will_you_try(click: Click, services: Services) -> Answer:
    pair_id = _pair_of(click)
    goal_key = services.pairs.goal_for_action(click.team_id, pair_id, click.user_id)
    goal = services.framework.get(goal_key)
    if goal is None:
        return later()
    return later(open_modal(words.try_modal(pair_id, goal)))


def switch(click: Click, services: Services) -> Answer:
    on = click.body["actions"][0].get("value") == "on"
    services.members.set_pairs(click.team_id, click.user_id, on)
    return later(refresh_home(services))


def submit_try(
    body: dict[str, Any], view: dict[str, Any], team_id: str, services: Services
) -> Answer:
    """*What will you try?*: an action under the round's goal, source ``pair``, followed up
    like any other. The view id makes a second submission the same entry."""
    user_id = body["user"]["id"]
    try:
        pair_id = int(kit.metadata(view).get("pair", 0))
        goal_key = services.pairs.goal_for_action(team_id, pair_id, user_id)
        saved = services.log.add_entry(
            team_id,
            user_id,
            from_plain(field(view, "text") or ""),
            kind="action",
            goal=goal_key,
            visibility=modals.visibility_of(field(view, "visibility")),
            source="pair",
            dedupe_key=f"view:{view['id']}",
        )
    except LogError as error:
        return field_errors(modals.entry_form_errors(error))
    return update_view(modals.saved_view(saved.entry, services.framework, verb="Action saved"))
