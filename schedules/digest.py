"""The weekly digest: what the network logged since the last digest, posted once a week.

What a digest holds, and the window it covers (since the previous digest, up to the moment it
is posted), is the core's rule: ``bot.summary.digest_summary``. The trend is by calendar week
(Monday to Monday, the workspace's time zone).

The chart (setting ``digest_chart``, on by default): entries per goal over the last 12 weeks,
uploaded privately once per week (``bot.slack.chart_uploads``). Slack processes an upload for a
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

from bot.blocks import rhythm
from bot.models import PostedDigest
from bot.report.weekly_chart import ChartImage
from bot.services import Services
from bot.slack.chart_uploads import DIGEST, image_refused, network_chart
from bot.slack.port import SlackError, SlackPort
from bot.summary import digest_summary
from bot.weeks import Week
from schedules.posting import Outcome, Post, Sent, post_weekly

log = logging.getLogger(__name__)

JOB = "digest"
# Seconds to wait for Slack to finish processing the chart before each new try.
FILE_WAITS = (1.0, 2.0, 4.0)


def post_weekly_digest(
    services: Services,
    slack: SlackPort,
    team_id: str,
    *,
    now: datetime,
    week: Week | None = None,
    wait: Callable[[float], None] = time.sleep,
) -> Outcome:
    def send(week: Week, post: Post) -> str:
        settings = services.settings.get(team_id)
        summary = digest_summary(services.db, services.framework, team_id, week, now)
        chart = digest_chart(services, slack, team_id, week, now) if settings.digest_chart else None
        in_channel = people_in_channel(slack, team_id, settings.channel_id)
        waits = list(FILE_WAITS)
        while True:
            message = rhythm.digest_message(
                summary, services.framework, settings.timezone, chart=chart, in_channel=in_channel
            )
            try:
                return post(message, {})
            except SlackError as exc:
                if chart is None or not image_refused(exc):
                    raise
                if waits:
                    wait(waits.pop(0))
                else:
                    log.warning("%s: the chart was not ready in time; sent without it", team_id)
                    chart = None

    def row(sent: Sent) -> PostedDigest:
        # When found after a crash, the digest's window ends where that run's did ("at").
        return PostedDigest(
            team_id=team_id,
            period=sent.period,
            channel_id=sent.channel,
            message_ts=sent.ts,
            posted_at=sent.posted_at,
        )

    return post_weekly(services, slack, team_id, job=JOB, now=now, week=week, send=send, row=row)


def people_in_channel(slack: SlackPort, team_id: str, channel: str | None) -> int | None:
    """How many people are in the network channel, the bot left out; None when Slack cannot
    say (the digest then goes out without "of the N members")."""
    if channel is None:
        return None
    try:
        return len(slack.channel_members(channel))
    except SlackError as exc:
        log.warning("%s: could not count the channel's members (%s)", team_id, exc.error)
        return None


def digest_chart(
    services: Services, slack: SlackPort, team_id: str, week: Week, now: datetime
) -> ChartImage | None:
    """The week's chart, uploaded once (None without matplotlib, or when the upload failed)."""
    return network_chart(
        services, slack, team_id, place=DIGEST, period=week.key, last_week=week, now=now
    )
