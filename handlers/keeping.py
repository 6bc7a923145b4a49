"""The retention notice's button: the entries about to be deleted, exported to the coordinator
through the coordinators' file path (``handlers.coordinator_files``: the same check, file and
upload as ``/kindness export csv until DAY``)."""

from __future__ import annotations

from datetime import date, timedelta

from bot.services import Services
from handlers import coordinator_files
from handlers.answering import Answer, Click


def export_before_deletion(click: Click, services: Services) -> Answer:
    """The shared entries written before the notice's day, as a file in the coordinator's DM."""
    before = date.fromisoformat(str(click.value.get("before")))
    fmt = str(click.value.get("fmt") or "csv")
    last_day = (before - timedelta(days=1)).isoformat()
    channel_id = (click.body.get("channel") or {}).get("id", "")
    return coordinator_files.export_answer(
        services, click.team_id, click.user_id, channel_id, f"{fmt} until {last_day}"
    )
