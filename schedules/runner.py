"""APScheduler wiring: four jobs per workspace, in the workspace's own time zone.

APScheduler only *wakes* the jobs; the database decides whether anything is posted (claims in
``schedules.posting``), so any number of schedulers, restarts and catch-ups post each prompt
and digest once. Per workspace:

- the weekly prompt and the weekly digest: cron triggers on the configured day and time in the
  workspace's time zone (APScheduler follows daylight-saving changes);
- nudges (and the weekly prompt by DM, ``schedules.nudges``): every 30 minutes, since quiet
  hours depend on each member's own time zone, and right after the weekly prompt is posted;
- the selection round (``schedules.selection``): every 30 minutes too, opening the round when
  it is due and closing those whose voting is over (a monthly job needs no cron of its own:
  its claim keeps it to once a period, and a round missed while the bot was down opens late
  for as long as its voting would still be open).
- peer pairs (``schedules.pairs``): every 30 minutes, opening a round once its day and time
  have come and reminding pairs halfway through it.
- retention (``schedules.retention``): every hour, doing its work once per local day.

With ``KINDNESS_BACKUP_DIR`` set, the nightly backup (``schedules.backups``) too: every hour,
taken once a night after 02:00 UTC.

Jobs are coalesced, run one instance at a time, and keep a misfire grace equal to the catch-up
window (APScheduler's default of one second would silently drop a run the machine was too busy
to start on time). On start, every workspace's latest prompt and digest are caught up if they
were missed by less than the grace window (``KINDNESS_CATCHUP_HOURS``, default 6); older ones
are skipped and logged. A post that fails (Slack down beyond the client's retries, a channel
the bot cannot post to) is tried again inside the same window, at pauses that grow with its
lateness (5 to 30 minutes), so a short outage costs minutes, not the week's post. Settings
changed in this process reschedule at once; a scheduler in another process re-reads settings
every minute.

The process around it (``kindness-bot scheduler``, and the scheduler inside ``kindness-bot
run``) is ``runtime.scheduler``: it gives ``Rhythm`` its Slack (each workspace's
``bot.slack.port.SlackPort``) and its APScheduler, and stops it on a signal.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import suppress
from datetime import datetime, timedelta
from pathlib import Path

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot import metrics
from bot.models import BackupRun
from bot.retention import RetentionRun
from bot.services import Services
from bot.settings import WorkspaceSettings
from bot.slack.port import SlackPort
from bot.weeks import week_of
from schedules import claims
from schedules.backups import JOB as BACKUP
from schedules.backups import run_nightly_backup
from schedules.digest import JOB as DIGEST
from schedules.digest import post_weekly_digest
from schedules.dm_prompts import anyone_takes_prompts_by_dm
from schedules.nudges import NudgeReport, send_nudges
from schedules.pairs import PairsOutcome, run_pairs
from schedules.posting import Outcome
from schedules.prompt import JOB as PROMPT
from schedules.prompt import post_weekly_prompt
from schedules.retention import JOB as RETENTION
from schedules.retention import run_retention
from schedules.selection import JOB as SELECTION
from schedules.selection import run_selection
from schedules.timing import RETRY_FIRST, Due, Missed, due, retry_at

log = logging.getLogger(__name__)

CRON_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
NUDGE_EVERY = timedelta(minutes=30)
SYNC_EVERY = timedelta(minutes=1)
RETENTION_EVERY = timedelta(hours=1)
BACKUP_EVERY = timedelta(hours=1)
# Added to a lease before checking whether another process's claim has run out: this process's
# clock and the database's may differ a little.
SKEW = timedelta(minutes=1)

SlackFor = Callable[[str], SlackPort]  # a workspace's Slack, as the jobs use it


class Rhythm:
    def __init__(
        self,
        services: Services,
        slack_for: SlackFor,
        scheduler: BaseScheduler | None = None,
    ) -> None:
        self.services = services
        self.slack_for = slack_for
        self.grace = timedelta(hours=services.config.catchup_hours)
        self.scheduler = scheduler or BackgroundScheduler(timezone="UTC")
        self._job_options = {
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": max(int(self.grace.total_seconds()), 60),
            "replace_existing": True,
        }
        self._scheduled: dict[str, tuple] = {}

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self, *, catch_up: bool = True) -> None:
        self.services.settings_changed = self.reschedule
        self.sync()
        self.scheduler.add_job(
            self.sync,
            IntervalTrigger(seconds=SYNC_EVERY.total_seconds()),
            id="sync",
            **self._job_options,
        )
        if self.services.config.backup_dir:
            # Hourly; the night's row makes it once a night (schedules.backups).
            self.scheduler.add_job(
                self.run_backup,
                IntervalTrigger(seconds=BACKUP_EVERY.total_seconds()),
                id=BACKUP,
                **self._job_options,
            )
        if catch_up:
            self.catch_up()
        log.info("scheduler started for %d workspace(s)", len(self._scheduled))
        self.scheduler.start()

    def shutdown(self) -> None:
        self.services.settings_changed = None
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    # -- jobs per workspace ------------------------------------------------------------------------

    def sync(self) -> None:
        """(Re)schedule every workspace whose settings differ from what is scheduled; stop
        the jobs of workspaces the app was uninstalled from."""
        installed = self.services.settings.all()
        for settings in installed:
            self.schedule(settings)
        for team in set(self._scheduled) - {s.team_id for s in installed}:
            self.unschedule(team)

    def reschedule(self, team_id: str) -> None:
        settings = self.services.settings.get(team_id)
        if settings.installed:
            self.schedule(settings)
        else:
            self.unschedule(team_id)

    def unschedule(self, team_id: str) -> None:
        if self._scheduled.pop(team_id, None) is None:
            return
        for job in (PROMPT, DIGEST, "nudges", SELECTION, "pairs", RETENTION):
            if self.scheduler.get_job(f"{team_id}:{job}") is not None:
                self.scheduler.remove_job(f"{team_id}:{job}")
        log.info("unscheduled %s: the app is no longer installed there", team_id)

    def schedule(self, settings: WorkspaceSettings) -> None:
        team = settings.team_id
        fingerprint = (
            settings.prompt_day,
            settings.prompt_time,
            settings.digest_day,
            settings.digest_time,
            settings.timezone,
        )
        if self._scheduled.get(team) == fingerprint:
            return
        self._scheduled[team] = fingerprint
        for job, day, at, run in (
            (PROMPT, settings.prompt_day, settings.prompt_time, self.run_prompt),
            (DIGEST, settings.digest_day, settings.digest_time, self.run_digest),
        ):
            hour, minute = (int(part) for part in at.split(":"))
            trigger = CronTrigger(
                day_of_week=CRON_DAYS[day], hour=hour, minute=minute, timezone=settings.timezone
            )
            self.scheduler.add_job(
                run,
                trigger,
                args=[team],
                id=f"{team}:{job}",
                name=f"{job} for {team}",
                **self._job_options,
            )
        # Jobs that look every so often whether something is due; their claims make each piece of
        # work once. Nudges, the selection round and peer pairs every half hour (a round opens
        # at the first run after its day and time; pairs get their reminder halfway); retention
        # hourly, so that a scheduler down at any given hour still runs it that day.
        every = (
            (self.run_nudges, NUDGE_EVERY, "nudges", "nudges"),
            (self.run_selection, NUDGE_EVERY, SELECTION, "selection round"),
            (self.run_pairs, NUDGE_EVERY, "pairs", "peer pairs"),
            (self.run_retention, RETENTION_EVERY, RETENTION, "retention"),
        )
        for run_job, interval, job, what in every:
            self.scheduler.add_job(
                run_job,
                IntervalTrigger(seconds=interval.total_seconds()),
                args=[team],
                id=f"{team}:{job}",
                name=f"{what} for {team}",
                **self._job_options,
            )
        log.info(
            "scheduled %s: prompt %s %s, digest %s %s (%s)",
            team,
            CRON_DAYS[settings.prompt_day],
            settings.prompt_time,
            CRON_DAYS[settings.digest_day],
            settings.digest_time,
            settings.timezone,
        )

    def run_prompt(self, team_id: str) -> Outcome | None:
        outcome = self._run_weekly(team_id, PROMPT, post_weekly_prompt)
        if (
            outcome is not None
            and outcome.posted
            and anyone_takes_prompts_by_dm(self.services.db, team_id)
        ):
            # Members who take the prompt by DM get it now, not at the next half-hour.
            self.run_nudges(team_id)
        return outcome

    def run_digest(self, team_id: str) -> Outcome | None:
        return self._run_weekly(team_id, DIGEST, post_weekly_digest)

    def _run_weekly(self, team_id: str, job: str, post: Callable[..., Outcome]) -> Outcome | None:
        settings = self.services.settings.get(team_id)
        now = self.services.clock()
        day, at = (
            (settings.prompt_day, settings.prompt_time)
            if job == PROMPT
            else (settings.digest_day, settings.digest_time)
        )
        when = due(
            day, at, settings.timezone, now, grace=self.grace, paused_until=settings.paused_until
        )
        if when is None or not settings.installed:
            return None
        if isinstance(when, Missed):
            # Worth a warning only if it would have been posted: a workspace with no channel
            # yet (one just set up) missed nothing.
            posted = claims.claim_status(self.services.db, team_id, job, when.period) == "done"
            if settings.channel_id and not posted:
                log.warning("%s: %s", team_id, when.describe(job))
            metrics.job_ran(job, "skipped")
            return Outcome("skipped", when.describe(job))
        week = week_of(when.scheduled_at, settings.timezone)
        try:
            outcome = post(self.services, self.slack_for(team_id), team_id, now=now, week=week)
        except LookupError as exc:  # OAuth: the app was uninstalled from the workspace
            log.warning("%s: %s", team_id, exc)
            metrics.job_ran(job, "failed")
            return Outcome("failed", str(exc))
        log.info("%s: %s", team_id, outcome.message)
        metrics.job_ran(job, outcome.status)
        self._retry_if_needed(team_id, job, when, now, outcome)
        return outcome

    def _retry_if_needed(
        self, team_id: str, job: str, when: Due, now: datetime, outcome: Outcome
    ) -> None:
        """A post that failed (its claim released) is tried again within the catch-up window,
        not a week later; so is one another process is still holding, in case that process
        died (its claim can be taken over once the lease has run out)."""
        retry_id = f"{team_id}:{job}:retry"
        unsettled = outcome.status in ("failed", "unavailable", "in_progress")
        wait = claims.DEFAULT_LEASE + SKEW if outcome.status == "in_progress" else RETRY_FIRST
        at = retry_at(when.scheduled_at, now, self.grace, wait=wait) if unsettled else None
        if at is not None:
            self.scheduler.add_job(
                self.run_prompt if job == PROMPT else self.run_digest,
                DateTrigger(at),
                args=[team_id],
                id=retry_id,
                name=f"{job} retry for {team_id}",
                **self._job_options,
            )
            log.info("%s: the %s %s will be tried again at %s", team_id, when.period, job, at)
            return
        with suppress(JobLookupError):  # posted, settled elsewhere, or too late: nothing to retry
            self.scheduler.remove_job(retry_id)
        if unsettled:
            log.warning(
                "%s: the %s %s is not tried again: its catch-up window has closed",
                team_id,
                when.period,
                job,
            )

    def run_nudges(self, team_id: str) -> NudgeReport | None:
        try:
            report = send_nudges(
                self.services, self.slack_for(team_id), team_id, self.services.clock()
            )
        except LookupError as exc:
            log.warning("%s: %s", team_id, exc)
            metrics.job_ran("nudges", "failed")
            return None
        log.info(report.describe())
        metrics.job_ran("nudges", "failed" if report.failed else "ran")
        metrics.nudges_sent("follow_up", report.sent)
        metrics.nudges_sent("quiet", report.quiet_sent)
        metrics.nudges_sent("dm_prompt", report.prompts_sent)
        return report

    def run_selection(self, team_id: str) -> list[Outcome]:
        """Open the selection round when it is due; close those whose voting is over."""
        if not self.services.settings.get(team_id).installed:
            return []
        try:
            outcomes = run_selection(
                self.services, self.slack_for(team_id), team_id, now=self.services.clock()
            )
        except LookupError as exc:
            log.warning("%s: %s", team_id, exc)
            metrics.job_ran(SELECTION, "failed")
            return []
        for outcome in outcomes:
            if outcome.status != "skipped":
                log.info("%s: %s", team_id, outcome.message)
            metrics.job_ran(SELECTION, outcome.status)
        return outcomes

    def run_pairs(self, team_id: str) -> PairsOutcome | None:
        settings = self.services.settings.get(team_id)
        if settings.pairs_every_weeks <= 0 or not settings.installed:
            return None
        try:
            outcome = run_pairs(
                self.services,
                self.slack_for(team_id),
                team_id,
                now=self.services.clock(),
                on_time=True,
            )
        except LookupError as exc:
            log.warning("%s: %s", team_id, exc)
            metrics.job_ran("pairs", "failed")
            return None
        if outcome.status != "not_yet" or outcome.reminded:
            log.info("%s: %s", team_id, outcome.message)
        metrics.job_ran("pairs", "failed" if not outcome.ok else outcome.status)
        return outcome

    def run_retention(self, team_id: str) -> RetentionRun | None:
        try:
            run = run_retention(
                self.services, self.slack_for(team_id), team_id, self.services.clock()
            )
        except LookupError as exc:
            log.warning("%s: %s", team_id, exc)
            return None
        except Exception:
            log.exception(
                "%s: the retention job failed; it is tried again within the hour", team_id
            )
            metrics.job_ran(RETENTION, "failed")
            return None
        if run is not None:
            metrics.job_ran(RETENTION, "ran")
        return run

    def run_backup(self) -> BackupRun | None:
        config = self.services.config
        assert config.backup_dir is not None
        run = run_nightly_backup(
            self.services.db,
            Path(config.backup_dir),
            keep=config.backup_keep,
            now=self.services.clock(),
        )
        if run is not None:
            metrics.job_ran(BACKUP, "ran" if run.status == "done" else "failed")
        return run

    def catch_up(self) -> list[Outcome]:
        """Posts missed while no scheduler ran: made within the grace window, else skipped."""
        outcomes = []
        for settings in self.services.settings.all():
            for run in (self.run_prompt, self.run_digest):
                outcome = run(settings.team_id)
                if outcome is not None:
                    outcomes.append(outcome)
            outcomes += [o for o in self.run_selection(settings.team_id) if o.status != "skipped"]
        return outcomes
