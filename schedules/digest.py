"""The weekly digest: what the network logged since the last digest, posted once a week.

What a digest holds, and the window it covers (since the previous digest, up to the moment it
is posted), is the core's rule: ``bot.summary.digest_summary``. The trend is by calendar week
(Monday to Monday, the workspace's time zone).

The chart (setting ``digest_chart``, on by default): entries per goal over the last 12 weeks,
uploaded privately once per week (``bot.chart_uploads``). Slack processes an upload for a
moment before a message may show it, and answers ``invalid_blocks`` ("invalid slack file")
until then, so the digest waits and tries again a few times, then goes out without the
picture: the chart never holds the digest back, and every figure in it is also in the
digest's words.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from bot.blocks import rhythm
from bot.chart_uploads import DIGEST, image_refused, network_chart
from bot.models import PostedDigest
from bot.report.weekly_chart import ChartImage
from bot.services import Services
from bot.summary import digest_summary
from bot.weeks import Week, week_of
from schedules.posting import Outcome, post_once, post_to_channel

log = logging.getLogger(__name__)

JOB = "digest"
# Seconds to wait for Slack to finish processing the chart before each new try.
FILE_WAITS = (1.0, 2.0, 4.0)


def post_weekly_digest(
    services: Services,
    client: WebClient,
    team_id: str,
    *,
    now: datetime,
    week: Week | None = None,
    wait: Callable[[float], None] = time.sleep,
) -> Outcome:
    settings = services.settings.get(team_id)
    if services.settings.is_paused(settings, now):
        return Outcome("paused", f"{team_id} is paused until {settings.paused_until}; no digest")
    week = week or week_of(now, settings.timezone)

    def send(channel: str) -> str:
        summary = digest_summary(services.db, services.framework, team_id, week, now)
        chart = (
            digest_chart(services, client, team_id, week, now) if settings.digest_chart else None
        )
        waits = list(FILE_WAITS)
        while True:
            message = rhythm.digest_message(
                summary, services.framework, settings.timezone, chart=chart
            )
            try:
                return post_to_channel(client, channel, message)
            except SlackApiError as exc:
                if chart is None or not image_refused(exc):
                    raise
                if waits:
                    wait(waits.pop(0))
                else:
                    log.warning("%s: the chart was not ready in time; sent without it", team_id)
                    chart = None

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


def digest_chart(
    services: Services, client: WebClient, team_id: str, week: Week, now: datetime
) -> ChartImage | None:
    """The week's chart, uploaded once (None without matplotlib, or when the upload failed)."""
    return network_chart(
        services, client, team_id, place=DIGEST, period=week.key, last_week=week, now=now
    )
