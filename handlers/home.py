"""App Home: the member's own log, the network's latest and its chart, refreshed whenever it is
opened (after the event's ack: it reads and publishes; it stores nothing but the record of the
day's chart upload)."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks import controls
from bot.blocks import pairs as pair_blocks
from bot.blocks.home import home_view
from bot.blocks.organisations import organisation_line
from bot.report.weekly_chart import ChartImage
from bot.services import Services
from bot.slack.admins import is_coordinator_without_slack
from bot.slack.chart_uploads import HOME, image_refused, network_chart
from bot.slack.client import WebApiSlack
from bot.weeks import local_date, local_midnight, week_of
from handlers.answering import Answer, Slack, SlackWork, later


def publish_home(services: Services, client: WebClient, team_id: str, user_id: str) -> None:
    """The member's Home tab, with the network's chart of the last 12 weeks up to yesterday
    (one upload per workspace and day; the figures above it are live). A chart Slack cannot
    show yet (a fresh upload still processing) is left out rather than held for: the next
    visit shows it."""
    log = services.log
    now = services.clock()
    tz = services.settings.get(team_id).timezone
    today = local_date(now, tz)
    chart = network_chart(
        services,
        WebApiSlack(client),
        team_id,
        place=HOME,
        period=today.isoformat(),
        last_week=week_of(now, tz),
        now=now,
        until=local_midnight(today, tz),
    )

    coordinator = is_coordinator_without_slack(services.config, services.db, team_id, user_id)
    status = services.members.status(team_id, user_id)

    def view(shown: ChartImage | None) -> dict[str, Any]:
        return home_view(
            log.list_mine(team_id, user_id, limit=5),
            log.latest_shared(team_id, user_id, limit=5),
            log.counts_by_goal(team_id),
            services.framework,
            chart=shown,
            coordinator=coordinator,
            member=[
                *organisation_line(services.organisations.current(team_id, user_id)),
                *controls.member_settings_blocks(status),
                *pair_blocks.pairs_home_blocks(status),
            ],
        )

    try:
        client.views_publish(user_id=user_id, view=view(chart))
    except SlackApiError as error:
        if chart is None or not image_refused(error):
            raise
        client.views_publish(user_id=user_id, view=view(None))


def refresh_home(services: Services) -> SlackWork:
    """After the ack: the Home tab of the member who clicked or submitted, published again."""

    def publish(slack: Slack) -> None:
        publish_home(services, slack.client, slack.team_id, slack.user_id)

    publish.__qualname__ = "refresh_home"
    return publish


def on_home_opened(event: dict[str, Any], team_id: str, services: Services) -> Answer:
    if event.get("tab", "home") != "home" or not event.get("user"):
        return later()

    def refresh(slack: Slack) -> None:
        publish_home(services, slack.client, team_id, event["user"])

    return later(refresh)
