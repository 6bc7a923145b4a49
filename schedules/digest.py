"""The weekly digest: what the network logged since the last digest, posted once a week.

The digest covers the time since the previous digest was posted (a week ago, normally) up to
the moment it is posted, so every shared entry appears in exactly one digest whatever day and
time the coordinator chose, and a change of day neither loses nor repeats entries. The trend is
by calendar week (Monday to Monday, the workspace's time zone).

The chart (setting ``digest_chart``, on by default): entries per goal over the last 12 weeks,
drawn as a PNG, uploaded privately with ``files_upload_v2`` (no channel: no second message in
the channel) and shown in the digest as an image block that refers to the file
(``slack_file``). Slack processes an upload for a moment before a message may show it, and
answers ``invalid_blocks`` ("invalid slack file") until then, so the digest waits and tries
again a few times, then goes out without the picture: the chart never holds the digest back,
and every figure in it is also in the digest's words. The upload is recorded per week, so a
digest tried again later reuses it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.blocks import rhythm
from bot.db import insert_ignoring_duplicates
from bot.models import ChartUpload, PostedDigest
from bot.report import charts, weekly_chart
from bot.services import Services
from bot.summary import WeeklySummary, weekly_figures, weekly_summary
from bot.weeks import Week, week_of
from schedules.posting import Outcome, post_once, post_to_channel

log = logging.getLogger(__name__)

JOB = "digest"
# With no earlier digest (or one long ago), a digest covers the last seven days.
LONGEST_WINDOW = timedelta(days=14)
# Seconds to wait for Slack to finish processing the chart before each new try.
FILE_WAITS = (1.0, 2.0, 4.0)


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
    settings = services.settings.get(team_id)
    message = rhythm.digest_message(summary, services.framework, settings.timezone, preview=True)
    if settings.digest_chart and charts.available():
        message["blocks"].insert(
            1, rhythm.kit.context("The digest itself also shows a chart of the last 12 weeks.")
        )
    return message


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
        summary = digest_summary(services, team_id, now, week)
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
                if chart is None or not _chart_not_ready(exc):
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
) -> rhythm.ChartImage | None:
    """The week's chart, uploaded once (None without matplotlib, or when the upload failed)."""
    if not charts.available():
        return None
    tz = services.settings.get(team_id).timezone
    figures = weekly_figures(
        services.db, team_id, [week.shifted(-n) for n in range(weekly_chart.WEEKS - 1, -1, -1)]
    )
    title = weekly_chart.title()
    alt = weekly_chart.alt_text(figures, services.framework)
    with services.db.reading() as session:
        file_id = session.scalar(
            select(ChartUpload.file_id).where(
                ChartUpload.team_id == team_id,
                ChartUpload.chart == JOB,
                ChartUpload.period == week.key,
            )
        )
    if file_id is None:
        png = weekly_chart.weekly_chart_png(figures, services.framework)
        try:
            response = client.files_upload_v2(
                content=png,
                filename=f"kindness-{week.key}.png",
                title=f"{title} ({week.key}, {tz})",
                alt_txt=alt[:1000],
            )
        except (SlackClientError, OSError) as exc:
            reason = exc.response.get("error") if isinstance(exc, SlackApiError) else repr(exc)
            log.warning("%s: chart upload failed (%s); digest sent without it", team_id, reason)
            return None
        file_id = str(response["file"]["id"])
        with services.db.session() as session:
            insert_ignoring_duplicates(
                session,
                ChartUpload,
                {
                    "team_id": team_id,
                    "chart": JOB,
                    "period": week.key,
                    "file_id": file_id,
                    "uploaded_at": now,
                },
            )
    return rhythm.ChartImage(file_id, title, alt)


def _chart_not_ready(error: SlackApiError) -> bool:
    """Slack refused the image block because it cannot show the file (yet)."""
    if error.response.get("error") != "invalid_blocks":
        return False
    details = " ".join(str(e) for e in error.response.get("errors") or [])
    return "slack_file" in details or "slack file" in details
