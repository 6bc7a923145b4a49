"""``/kindness export`` and ``/kindness report``: a coordinator's file, made after the ack and
put in their DM with the bot.

Before the ack, only the words are read (a format, ``since DATE``, ``until DATE``; a bad one
is answered at once, with the usage) together with the workspace's settings (its time zone
gives the dates their meaning). After it, in order:

1. the coordinator check (Slack's admins and owners, and ``KINDNESS_ADMINS``): a member is
   refused with a clear word, and a check Slack could not answer is said as such;
2. a word that the file is on its way (a year's report takes a second or two);
3. the file, made exactly as ``kindness-bot export``/``report`` make it
   (``bot.coordinator_files``), names of mentioned members asked of Slack;
4. the upload into the DM with the bot (``files_upload_v2``: files.getUploadURLExternal +
   files.completeUploadExternal, shared with the member's id), with a line saying what it is;
5. where it went, with a link to the file.

Every failure is told to the coordinator in words that say what became of the file.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy.exc import SQLAlchemyError

from bot import audit
from bot.blocks import files
from bot.coordinator_files import (
    EXPORT,
    REPORT,
    SITE,
    CoordinatorFile,
    export_days,
    file_facts,
    make_export,
    make_report,
    make_site,
    read_request,
)
from bot.errors import FormatUnavailable
from bot.export import FORMATS as EXPORT_FORMATS
from bot.export import export_period
from bot.names import Directory
from bot.report import FORMATS as REPORT_FORMATS
from bot.report.as_pdf import MISSING as PDF_MISSING
from bot.report.as_pdf import available as pdf_available
from bot.report.figures import report_period
from bot.services import Services
from bot.slack.admins import CoordinatorCheckFailed, is_coordinator
from bot.slack.names import SlackNames
from handlers.answering import Answer, Slack, later

log = logging.getLogger(__name__)


def export_answer(
    services: Services, team_id: str, user_id: str, channel_id: str, args: str
) -> Answer:
    asked = read_request(args, EXPORT_FORMATS, default="csv")
    tz = services.settings.get(team_id).timezone
    period = export_period(tz, asked.since, asked.until)
    description = files.describe(EXPORT, asked.fmt, *export_days(period, tz))

    def make(names: Directory) -> CoordinatorFile:
        now = services.clock()
        return make_export(
            services.db, services.framework, team_id, asked.fmt, period, now=now, tz=tz, names=names
        )

    return later(deliver(services, team_id, user_id, channel_id, EXPORT, description, make))


def report_answer(
    services: Services, team_id: str, user_id: str, channel_id: str, args: str
) -> Answer:
    # A PDF where this installation can make one (WeasyPrint and Pango), else HTML.
    asked = read_request(args, REPORT_FORMATS, default="pdf" if pdf_available() else "html")
    if asked.fmt == "pdf" and not pdf_available():
        raise FormatUnavailable("PDF", PDF_MISSING, "html")
    settings = services.settings.get(team_id)
    now = services.clock()
    period = report_period(settings.timezone, now, since=asked.since, until=asked.until)
    description = files.describe(REPORT, asked.fmt, period.first_day, period.last_day)

    def make(names: Directory) -> CoordinatorFile:
        return make_report(
            services.db,
            services.framework,
            team_id,
            asked.fmt,
            period,
            now=now,
            min_group=settings.min_group,
            names=names,
        )

    return later(deliver(services, team_id, user_id, channel_id, REPORT, description, make))


def publish_answer(services: Services, team_id: str, user_id: str, channel_id: str) -> Answer:
    """``/kindness publish``: the site of consented stories, as a zip in the coordinator's DM,
    with what changed since the last one handed over."""
    description = files.describe(SITE, "zip", None, None)

    def make(names: Directory) -> CoordinatorFile:
        now = services.clock()
        return make_site(services.db, services.framework, team_id, now=now, names=names)

    return later(deliver(services, team_id, user_id, channel_id, SITE, description, make))


def deliver(
    services: Services,
    team_id: str,
    user_id: str,
    channel_id: str,
    kind: str,
    description: str,
    make: Callable[[Directory], CoordinatorFile],
) -> Callable[[Slack], None]:
    """The work after the ack: check, make, upload, say where it went (or what failed)."""

    def deliver_file(slack: Slack) -> None:
        try:
            allowed = is_coordinator(
                services.config, slack.client, user_id, db=services.db, team_id=team_id
            )
        except CoordinatorCheckFailed as error:
            slack.reply(files.coordinator_check_failed_message(kind, str(error)))
            return
        if not allowed:
            slack.reply(files.not_coordinator_message(kind))
            return
        slack.reply(files.preparing_message(description))
        try:
            made = make(Directory(services.db, team_id, SlackNames(slack.client)))
        except Exception as error:
            log.exception("could not make %s for %s", kind, team_id)
            database = isinstance(error, SQLAlchemyError)
            slack.reply(files.preparation_failed_message(description, database=database))
            return
        try:
            shared = slack.upload_to_dm(
                made.content,
                filename=made.filename,
                title=made.filename,
                comment=files.upload_comment(made),
            )
        except (SlackClientError, OSError) as error:
            answer = error.response if isinstance(error, SlackApiError) else None
            reason = str(answer.get("error")) if answer is not None else None
            needed = answer.get("needed") if answer is not None else None
            log.warning("%s: uploading %s to %s failed: %r", team_id, kind, user_id, error)
            slack.reply(files.upload_failed_message(description, reason, needed=needed))
            return
        finally:
            made.content.close()
        if made.delivered is not None:
            made.delivered()
        audit.record(
            services.db,
            team_id=team_id,
            actor=user_id,
            action=audit.EXPORTED if kind == EXPORT else audit.REPORTED,
            at=services.clock(),
            subject=made.filename,
            details=file_facts(made),
        )
        places = [*shared.get("ims", []), *shared.get("channels", [])]
        here = channel_id in places  # the command was typed in the DM the file went to
        slack.reply(files.delivered_message(made, shared.get("permalink"), here=here))

    return deliver_file
