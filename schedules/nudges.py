"""The DM job: follow-ups on members' actions, a gentle word to quiet members, and the weekly
prompt for members who take it by DM — each once, never at night, never while away.

``bot.followups`` decides *who* is due a nudge (opted-out members, paused workspaces,
the three follow-ups per action, one nudge per silence), ``schedules.dm_prompts`` who is due
the week's prompt; this module holds back whoever is asleep or away, and hands the rest to
``schedules.fanout``, which sends them all at Slack's pace, each exactly once. Decisions:

- **Exactly once per step.** Each DM is claimed — (workspace, "followup",
  ``entry:<id>:step:<n>``), (workspace, "quiet", ``<user>:<week>``) or (workspace,
  "dm_prompt", ``<week>:<user>``) — before it is sent; the follow-up's count, the quiet nudge's
  date or the DM prompt's place are recorded in the transaction that finishes the claim. A
  Slack failure releases the claim and the next run tries again; the member simply hears a
  little later. How a crash between sending and recording stays a single DM: see
  ``schedules.fanout``.
- **Never at night for the member.** Quiet hours are 20:00–08:00 in the member's own Slack
  time zone (``schedules.profiles``: one ``users.list`` walk for many members, cached for a
  day). A member in quiet hours is skipped, not queued: the DM stays due, and the first run
  after their 08:00 sends it (the scheduler wakes the job every 30 minutes).
- **Never while away** (``/kindness away until …``): follow-ups stay due and go out on the
  member's return; a quiet nudge waits too; a week's DM prompt is sent if they are back
  within its week.
- **Where the DM goes:** ``chat.postMessage(channel=<user id>)``. Slack delivers a bot's
  message addressed to a user id into the bot's DM with them (the app's Messages tab) — the
  same conversation ``conversations.open`` returns — so each DM costs one Web API call.
- The quiet nudge's week is the workspace's local week, so "once per silence" (decided in
  ``quiet_members``) is backed by a claim that two schedulers cannot both win.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.blocks.nudges import followup_message, quiet_message
from bot.blocks.rhythm import prompt_message
from bot.followups import (
    FollowUp,
    due_followups,
    quiet_members,
    record_followups_sent,
    record_quiet_nudge,
)
from bot.services import Services
from bot.settings import WorkspaceSettings
from bot.slack.port import SlackPort
from bot.weeks import week_of
from bot.words import count
from schedules import claims
from schedules.dm_prompts import JOB as DM_PROMPT_JOB
from schedules.dm_prompts import DuePrompt, due_dm_prompts, record_dm_prompts
from schedules.fanout import Delivery, Dm, FanOut, Recorder
from schedules.profiles import Recipient, recipients
from schedules.timing import in_quiet_hours

log = logging.getLogger(__name__)

FOLLOWUP_JOB = "followup"
QUIET_JOB = "quiet"


@dataclass
class NudgeReport:
    """What one run of the DM job did in one workspace."""

    team_id: str
    sent: int = 0  # follow-ups on actions
    skipped_quiet_hours: int = 0  # DMs held until the member's morning
    skipped_away: int = 0  # DMs held until the member is back
    already_sent: int = 0  # claimed by another run or process
    failed: int = 0  # Slack refused or did not answer; released for a later run
    undeliverable: int = 0  # the member cannot be written to (deactivated, gone): given up
    quiet_sent: int = 0  # gentle nudges to quiet members
    prompts_sent: int = 0  # weekly prompts by DM
    rate_limited: int = 0  # 429s waited out
    seconds: float = 0.0

    def describe(self) -> str:
        """One line for logs and the CLI."""
        return (
            f"nudges in {self.team_id}: {count(self.sent, 'follow-up')} sent, "
            f"{count(self.quiet_sent, 'quiet member')} nudged, "
            f"{count(self.prompts_sent, 'prompt')} by DM, "
            f"{self.skipped_quiet_hours} held for quiet hours, "
            + (f"{self.skipped_away} held while away, " if self.skipped_away else "")
            + f"{self.already_sent} already sent, {self.failed} failed"
            + (f", {self.undeliverable} undeliverable" if self.undeliverable else "")
        )


def send_nudges(
    services: Services,
    slack: SlackPort,
    team_id: str,
    now: datetime,
    *,
    owner: str | None = None,
    concurrency: int | None = None,
) -> NudgeReport:
    """Send the DMs due at ``now``: follow-ups, quiet nudges (if the workspace wants them) and
    this week's prompt to members who take it by DM.

    ``owner`` names the claimant (default ``host:pid``); tests give racing threads their own.
    ``concurrency``: DMs in flight at once (``schedules.fanout``'s default when None).
    """
    settings = services.settings.get(team_id)
    report = NudgeReport(team_id)
    followups = due_followups(services.db, team_id, now)
    quiet = (
        quiet_members(services.db, team_id, now, settings.quiet_nudge_weeks)
        if settings.quiet_nudge_weeks > 0
        else []
    )
    prompts = (
        []
        if services.settings.is_paused(settings, now)
        else due_dm_prompts(services.db, team_id, now, settings.timezone)
    )
    users = [f.user_id for f in followups] + quiet + [p.user_id for p in prompts]
    if not users:
        return report
    people = recipients(services.db, slack, team_id, users, now=now, workspace_tz=settings.timezone)

    def reachable(user_id: str) -> bool:
        person: Recipient = people[user_id]
        if person.away(now):
            report.skipped_away += 1
            return False
        if in_quiet_hours(now, person.zone):
            report.skipped_quiet_hours += 1
            return False
        return True

    week = week_of(now, settings.timezone).key
    dms = [_followup_dm(services, settings, f) for f in followups if reachable(f.user_id)]
    dms += [_quiet_dm(settings, user_id, week) for user_id in quiet if reachable(user_id)]
    dms += [_prompt_dm(services, p) for p in prompts if reachable(p.user_id)]
    fanout = FanOut(
        services.db,
        slack,
        team_id,
        owner=owner or claims.process_owner(),
        recorders=_recorders(settings, now),
        **({"concurrency": concurrency} if concurrency else {}),
    )
    sent = fanout.send(dms)
    report.sent = sent.sent[FOLLOWUP_JOB]
    report.quiet_sent = sent.sent[QUIET_JOB]
    report.prompts_sent = sent.sent[DM_PROMPT_JOB]
    report.already_sent = sum(sent.already.values())
    report.failed = sum(sent.failed.values())
    report.undeliverable = sum(sent.undeliverable.values())
    report.rate_limited = sent.rate_limited
    report.seconds = sent.seconds
    return report


def _followup_dm(services: Services, settings: WorkspaceSettings, followup: FollowUp) -> Dm:
    return Dm(
        FOLLOWUP_JOB,
        f"entry:{followup.entry_id}:step:{followup.step}",
        followup.user_id,
        followup_message(followup, services.framework, followup.step, settings.followup_days),
        followup,
    )


def _quiet_dm(settings: WorkspaceSettings, user_id: str, week: str) -> Dm:
    message = quiet_message(settings.quiet_nudge_weeks)
    return Dm(QUIET_JOB, f"{user_id}:{week}", user_id, message)


def _prompt_dm(services: Services, due: DuePrompt) -> Dm:
    goal = services.framework.get(due.goal_key)
    message = (
        prompt_message(goal, due.question, by_dm=True)
        if goal is not None
        else {"text": due.question}  # the goal left the framework since: the question alone
    )
    return Dm(DM_PROMPT_JOB, due.claim_period, due.user_id, message, due)


def _recorders(settings: WorkspaceSettings, now: datetime) -> dict[str, Recorder]:
    """What each job records once its DMs are sent, in the claims' own transaction."""
    team_id = settings.team_id
    delay = timedelta(days=settings.followup_days)

    def followups(session: Session, sent: list[tuple[Dm, Delivery]]) -> None:
        record_followups_sent(
            session,
            team_id,
            [
                # Nobody to follow up with any more: the action is left alone from now on.
                (dm.about.entry_id, dm.about.step, None if delivery.undeliverable else now + delay)
                for dm, delivery in sent
            ],
            now=now,
        )

    def quiet(session: Session, sent: list[tuple[Dm, Delivery]]) -> None:
        for dm, delivery in sent:
            if not delivery.undeliverable:
                record_quiet_nudge(session, team_id, dm.user_id, now)

    def prompts(session: Session, sent: list[tuple[Dm, Delivery]]) -> None:
        record_dm_prompts(
            session,
            team_id,
            [
                (dm.about, delivery.channel, delivery.ts)
                for dm, delivery in sent
                if delivery.channel and delivery.ts
            ],
            now=now,
        )

    return {FOLLOWUP_JOB: followups, QUIET_JOB: quiet, DM_PROMPT_JOB: prompts}
