"""The weekly digest: what the network logged since the last digest, posted once a week.

The digest covers the time since the previous digest was posted (a week ago, normally) up to
the moment it is posted, so every shared entry appears in exactly one digest whatever day and
time the coordinator chose, and a change of day neither loses nor repeats entries. The trend is
by calendar week (Monday to Monday, the workspace's time zone).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.blocks import rhythm
from bot.models import PostedDigest
from bot.services import Services
from bot.summary import WeeklySummary, weekly_summary
from bot.weeks import Week, week_of
from schedules.posting import Outcome, post_once, post_to_channel

JOB = "digest"
# With no earlier digest (or one long ago), a digest covers the last seven days.
LONGEST_WINDOW = timedelta(days=14)


def digest_summary(
    services: Services, team_id: str, now: datetime, week: Week | None = None
) -> WeeklySummary:
    """The summary of everything shared since the previous digest, up to ``now``.

    ``week`` is the digest's own week (the week of ``now`` by default): a digest caught up
    late, after midnight on Sunday, still shows its own week's trend, not the next one's.
    """
    with services.db.reading() as session:
        previous = session.scalar(
            select(PostedDigest.posted_at)
            .where(PostedDigest.team_id == team_id, PostedDigest.posted_at < now)
            .order_by(PostedDigest.posted_at.desc())
            .limit(1)
        )
    start = previous if previous and now - previous <= LONGEST_WINDOW else now - timedelta(days=7)
    week = week or week_of(now, services.settings.get(team_id).timezone)
    return weekly_summary(services.db, services.framework, team_id, week, start=start, end=now)


def digest_preview(services: Services, team_id: str, now: datetime) -> dict[str, Any]:
    """``/kindness digest``: the digest as it would be posted now, for one member's eyes."""
    summary = digest_summary(services, team_id, now)
    tz = services.settings.get(team_id).timezone
    return rhythm.digest_message(summary, services.framework, tz, preview=True)


def post_weekly_digest(
    services: Services, client: WebClient, team_id: str, *, now: datetime, week: Week | None = None
) -> Outcome:
    settings = services.settings.get(team_id)
    if services.settings.is_paused(settings, now):
        return Outcome("paused", f"{team_id} is paused until {settings.paused_until}; no digest")
    week = week or week_of(now, settings.timezone)

    def send(channel: str) -> str:
        summary = digest_summary(services, team_id, now, week)
        message = rhythm.digest_message(summary, services.framework, settings.timezone)
        return post_to_channel(client, channel, message)

    def record(session: Session, channel: str, ts: str) -> None:
        session.add(
            PostedDigest(
                team_id=team_id,
                period=week.key,
                channel_id=channel,
                message_ts=ts,
                posted_at=now,
            )
        )
        session.flush()  # a duplicate period fails here, inside post_once's transaction

    return post_once(
        settings=settings,
        client=client,
        db=services.db,
        job=JOB,
        period=week.key,
        what=f"the {week.key} digest",
        send=send,
        record=record,
    )
