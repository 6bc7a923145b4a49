"""The buttons of a member's own controls: *I'm back* and prompts by DM on App Home, and a
journal page's *Older entries*.

As every button (``handlers.answering.button``): the change is committed before the ack, and
what the member sees comes after it — App Home is published again, a journal page is answered
below the one clicked.
"""

from __future__ import annotations

from datetime import date

from slack_bolt import App

from bot.blocks import controls
from bot.errors import BadDate
from bot.journal import MineRequest
from bot.services import Services
from handlers.answering import Answer, Click, Slack, button, later, reply
from handlers.home import publish_home


def register(app: App, services: Services) -> None:
    members = services.members

    def refresh_home(slack: Slack) -> None:
        publish_home(services, slack.client, slack.team_id, slack.user_id)

    def back(click: Click) -> Answer:
        members.set_away(click.team_id, click.user_id, None)
        return later(refresh_home)

    def prompts(click: Click) -> Answer:
        by_dm = click.body["actions"][0].get("value") == "dm"
        status = members.set_prompts_by_dm(click.team_id, click.user_id, by_dm)
        if click.on_home:
            return later(refresh_home)
        return later(reply(controls.prompts_message(status, changed=True)))

    def older(click: Click) -> Answer:
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

    app.action(controls.MEMBER_BACK)(button(back))
    app.action(controls.PROMPTS_DM)(button(prompts))
    app.action(controls.JOURNAL_MORE)(button(older))


def _date(value: object) -> date | None:
    return date.fromisoformat(str(value)) if value else None
