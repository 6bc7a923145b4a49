"""The network's chart in Slack: shared entries per goal over the last 12 weeks, drawn as a
PNG, uploaded privately and shown in an image block that refers to the file (``slack_file``).

The upload goes through ``files_upload_v2`` with no channel (``SlackPort.upload_file``), so it
posts no message anywhere.
Each upload is recorded in ``chart_uploads`` by workspace, place and period — the digest's by
week (a digest tried again reuses its picture), App Home's by local day (one picture per
workspace and day, not one per visit) — and reused while the period lasts.

Without matplotlib, or when the upload fails (logged), there is no chart: a picture never
holds back what it illustrates, whose figures are also in its words (``alt_text``).
"""

from __future__ import annotations

import logging
from datetime import datetime

from slack_sdk.errors import SlackApiError
from sqlalchemy import select

from bot.db import insert_ignoring_duplicates
from bot.models import ChartUpload
from bot.report import charts, weekly_chart
from bot.report.weekly_chart import ChartImage
from bot.services import Services
from bot.slack.port import SlackError, SlackPort
from bot.summary import first_shared_at, weekly_figures
from bot.weeks import Week, weeks_ending

log = logging.getLogger(__name__)

DIGEST = "digest"
HOME = "home"


def network_chart(
    services: Services,
    slack: SlackPort,
    team_id: str,
    *,
    place: str,
    period: str,
    last_week: Week,
    now: datetime,
    until: datetime | None = None,
) -> ChartImage | None:
    """The chart of the ``weekly_chart.WEEKS`` weeks up to ``last_week`` (and before
    ``until``, when given), uploaded once per ``place`` (DIGEST, HOME) and ``period``; None
    without matplotlib or when Slack refused it. A picture reused during its period must show
    what its words say, so its figures must not change during the period: App Home's chart,
    one a day, stops at ``until``, the start of the day."""
    if not charts.available():
        return None
    first = first_shared_at(services.db, team_id)
    if first is None or (until is not None and first >= until):
        return None  # nothing shared yet: no picture of empty weeks
    # A young network's chart starts with its first week, not with weeks before anyone shared.
    weeks = [w for w in weeks_ending(last_week, weekly_chart.WEEKS) if w.end > first]
    figures = weekly_figures(services.db, team_id, weeks, until=until)
    title = weekly_chart.title(len(weeks)) + (" (to yesterday)" if until is not None else "")
    alt = weekly_chart.alt_text(figures, services.framework)
    with services.db.reading() as session:
        file_id = session.scalar(
            select(ChartUpload.file_id).where(
                ChartUpload.team_id == team_id,
                ChartUpload.chart == place,
                ChartUpload.period == period,
            )
        )
    if file_id is None:
        png = weekly_chart.weekly_chart_png(figures, services.framework)
        tz = services.settings.get(team_id).timezone
        try:
            file_id = slack.upload_file(
                png,
                filename=f"kindness-{place}-{period}.png",
                title=f"{title} ({period}, {tz})",
                alt_text=alt[:1000],
            )
        except SlackError as exc:
            log.warning("%s: the %s chart was not uploaded (%s)", team_id, place, exc.error)
            return None
        with services.db.session() as session:
            insert_ignoring_duplicates(
                session,
                ChartUpload,
                {
                    "team_id": team_id,
                    "chart": place,
                    "period": period,
                    "file_id": file_id,
                    "uploaded_at": now,
                },
            )
    return ChartImage(file_id, title, alt)


def image_refused(error: SlackApiError | SlackError) -> bool:
    """Slack refused a message or view because it cannot show the chart's file (yet): it is
    still processing a fresh upload, or the file is gone."""
    if isinstance(error, SlackError):
        name, details = error.error, list(error.details)
    else:
        name = error.response.get("error")
        details = list(error.response.get("errors") or [])
        details += (error.response.get("response_metadata") or {}).get("messages") or []
    if name not in ("invalid_blocks", "invalid_arguments"):
        return False
    text = " ".join(str(detail) for detail in details)
    return "slack_file" in text or "slack file" in text
