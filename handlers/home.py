"""App Home: the member's own log and the network's latest, refreshed whenever it is opened
(after the event's ack: it reads and publishes, and stores nothing)."""

from __future__ import annotations

from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot.blocks import capture, controls
from bot.services import Services
from handlers.answering import Answer, Slack, later
from handlers.answering import event as answering_event


def publish_home(services: Services, client: WebClient, team_id: str, user_id: str) -> None:
    log = services.log
    view = capture.home_view(
        log.list_mine(team_id, user_id, limit=5),
        log.latest_shared(team_id, user_id, limit=5),
        log.counts_by_goal(team_id),
        services.framework,
        member=controls.member_settings_blocks(services.members.status(team_id, user_id)),
    )
    client.views_publish(user_id=user_id, view=view)


def register(app: App, services: Services) -> None:
    def on_home_opened(body: dict[str, Any], event: dict[str, Any], team_id: str) -> Answer:
        if event.get("tab", "home") != "home" or not event.get("user"):
            return later()

        def refresh(slack: Slack) -> None:
            publish_home(services, slack.client, team_id, event["user"])

        return later(refresh)

    app.event("app_home_opened")(answering_event(on_home_opened))
