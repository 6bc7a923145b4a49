"""The buttons of a member's own controls: *I'm back* and prompts by DM on App Home, and a
journal page's *Older entries*.

As every button (``handlers.answering.Listeners.button``): the change is committed before the
ack, and what the member sees comes after it — App Home is published again, a journal page is
answered below the one clicked.
"""

from __future__ import annotations

from datetime import date

from bot.blocks import controls
from bot.errors import BadDate
from bot.journal import MineRequest
from bot.services import Services
from handlers.answering import Answer, Click, later, reply
from handlers.home import refresh_home


def back(click: Click, services: Services) -> Answer:
    services.members.set_away(click.team_id, click.user_id, None)
    return later(refresh_home(services))


def prompts(click: Click, services: Services) -> Answer:
    by_dm = click.body["actions"][0].get("value") == "dm"
    status = services.members.set_prompts_by_dm(click.team_id, click.user_id, by_dm)
    if click.on_home:
        return later(refresh_home(services))
    return later(reply(controls.prompts_message(status, changed=True)))


def older(click: Click, services: Services) -> Answer:
    value = click.value
    try:
        request = MineRequest(
            since=_date(value.get("s")), until=_date(value.get("u")), goal_key=value.get("g")
        )
        offset = max(0, int(value.get("o", 0)))
    except (TypeError, ValueError):
        raise BadDate(str(value.get("s") or value.get("u") or "")) from None
    page = services.journal.page(click.team_id, click.user_id, request, offset=offset)
    return later(reply(controls.journal_message(page, services.framework)))


def _date(value: object) -> date | None:
    return date.fromisoformat(str(value)) if value else None
