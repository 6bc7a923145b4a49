"""The daily retention job: a workspace's entries older than ``keep_years`` deleted, its
coordinators told a month ahead (the rule is the core's: ``bot.retention``).

Once per workspace and local day, across any number of schedulers: the day is claimed
(``schedules.claims``) before anything is deleted. The notice goes by DM to every coordinator
the bot knows without asking Slack — those named in the database, ``KINDNESS_ADMINS``, and the
admin who last saved the settings — with a button that sends the export of the entries it
announces through the coordinators' file path (``handlers/keeping.py``). A DM that fails is
logged; the notice stands (it is in the audit trail, and the next one comes a month later).
"""

from __future__ import annotations

import logging
from datetime import datetime

from bot.blocks.keeping import retention_notice_message
from bot.coordinators import coordinators_of
from bot.retention import RetentionRun, apply_retention
from bot.services import Services
from bot.slack.port import SlackError, SlackPort
from bot.weeks import local_date
from schedules import claims

log = logging.getLogger(__name__)

JOB = "retention"


def run_retention(
    services: Services, slack: SlackPort, team_id: str, now: datetime
) -> RetentionRun | None:
    """Apply the workspace's retention once for its local day; None when there is nothing to
    do (kept forever, not installed) or another run took the day."""
    settings = services.settings.get(team_id)
    if not settings.keep_years or not settings.installed:
        return None
    day = local_date(now, settings.timezone).isoformat()
    owner = claims.process_owner()
    if not claims.claim(services.db, team_id, JOB, day, owner=owner).won:
        return None
    try:
        run = apply_retention(
            services.db,
            team_id,
            keep_years=settings.keep_years,
            tz=settings.timezone,
            now=now,
        )
    except Exception as exc:
        claims.release(services.db, team_id, JOB, day, owner=owner, reason=type(exc).__name__)
        raise
    with services.db.session() as session:
        claims.finish(session, team_id, JOB, day, owner=owner, detail=f"deleted {run.deleted}")
        told = sorted(
            {*coordinators_of(session, team_id), *services.config.admins}
            | ({settings.configured_by} if settings.configured_by else set())
        )
    if run.deleted:
        log.info(
            "%s: deleted %d entries older than %d years", team_id, run.deleted, settings.keep_years
        )
    if run.notice is not None:
        message = retention_notice_message(
            run.notice.entries,
            run.notice.keep_years,
            run.notice.written_before,
            run.notice.deleted_from,
        )
        for user_id in told:
            try:
                slack.dm(user_id, message)
            except SlackError as exc:
                log.warning("%s: could not tell %s of deletions ahead: %s", team_id, user_id, exc)
        if not told:
            log.warning(
                "%s: %d entries will be deleted in a month, but no coordinator is named to "
                "be told (settings: coordinators)",
                team_id,
                run.notice.entries,
            )
    return run
