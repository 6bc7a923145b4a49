"""App Home: the member's own log and the network's latest, refreshed whenever it is opened."""

from __future__ import annotations

from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot.blocks import capture
from bot.services import Services


def publish_home(services: Services, client: WebClient, team_id: str, user_id: str) -> None:
    log = services.log
    view = capture.home_view(
        log.list_mine(team_id, user_id, limit=5),
        log.latest_shared(team_id, user_id, limit=5),
        log.counts_by_goal(team_id),
        services.framework,
    )
    client.views_publish(user_id=user_id, view=view)


def register(app: App, services: Services) -> None:
    def ack_event() -> None:
        """Events are acknowledged by Bolt; the work runs after."""

    def on_home_opened(event: dict[str, Any], client: WebClient, context: dict[str, Any]) -> None:
        if event.get("tab", "home") != "home":
            return
        publish_home(services, client, context["team_id"], event["user"])

    app.event("app_home_opened")(ack=ack_event, lazy=[on_home_opened])
