"""The nudges job: follow-ups on members' actions, and a gentle word to quiet members, by DM.

``schedules.followups`` decides *who* is due (opted-out members, paused workspaces, the three
follow-ups per action, one nudge per silence); this module only sends, once, at a kind hour.
Decisions:

- **Exactly once per step.** Each DM is claimed in the database — (workspace, "followup",
  ``entry:<id>:step:<n>``) or (workspace, "quiet", ``<user>:<week>``) — *before* it is sent,
  so any number of schedulers and reruns send it once. Then the DM goes out, and the
  follow-up's record (which moves ``follow_up_at`` on) and the claim's finish are committed in
  one transaction; a DM that cannot be recorded is withdrawn. A Slack failure releases the
  claim so that the next run tries again; the member simply hears a little later. A process
  that dies between sending and recording leaves its claim "claimed": after the claims' lease
  (ten minutes) a later run takes it over and sends again — the trade-off
  ``schedules.claims`` explains, chosen over losing the follow-up for good.
- **Never at night for the member.** Quiet hours are 20:00–08:00 in the member's own Slack
  time zone. A member in quiet hours is skipped, not queued: the follow-up stays due, and the
  first run after their 08:00 sends it (the scheduler wakes the job every 30 minutes).
- **Time zones** come from users.info, cached on the member row for a day
  (``profile_is_fresh``), and looked up at most once per member per run. When users.info
  fails the cached zone is used, else the workspace's: one member's profile never stops the
  run, and the fallback can only be wrong by the member's distance from the workspace.
- **Where the DM goes:** ``chat.postMessage(channel=<user id>)``. Slack delivers a bot's
  message addressed to a user id into the bot's DM with them (the app's Messages tab) — the
  same conversation ``conversations.open`` returns — so each nudge costs one Web API call
  instead of two. Mass DMs are rate-limited per workspace; half the calls is half the waiting.
- **Pacing:** members are sent to one after another in this thread. A 429 waits for
  ``Retry-After`` and a 5xx or dropped connection is retried with backoff by the client's
  retry handlers (``bot.slack_client``); what still fails after them is counted as failed,
  logged as a warning (the Slack error name only — never a token or a payload) and released.
- The quiet nudge's week is the workspace's local week, so "once per silence" (decided in
  ``quiet_members``) is backed by a claim that two schedulers cannot both win.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from http.client import HTTPException

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from bot.blocks.nudges import followup_message, quiet_message
from bot.services import Services
from bot.settings import WorkspaceSettings
from bot.weeks import week_of
from schedules import claims
from schedules.followups import (
    FollowUp,
    due_followups,
    member_tz,
    profile_is_fresh,
    quiet_members,
    record_followup_sent,
    record_quiet_nudge,
    remember_profile,
)
from schedules.posting import withdraw
from schedules.timing import in_quiet_hours, zone_for

log = logging.getLogger(__name__)

FOLLOWUP_JOB = "followup"
QUIET_JOB = "quiet"

# What a Web API call raises once slack_sdk's retry handlers have given up: Slack's error
# answer, or the connection's own failure (urllib's errors are OSErrors or HTTPExceptions).
SLACK_FAILURES = (SlackClientError, OSError, HTTPException)
# Answers that will not change on a later run: the member left or was deactivated, or cannot
# be written to. The step is closed rather than retried every 30 minutes for ever.
UNDELIVERABLE = frozenset(
    {"user_not_found", "account_inactive", "user_disabled", "cannot_dm_bot", "not_allowed"}
)


@dataclass
class NudgeReport:
    """What one run of the nudges job did in one workspace."""

    team_id: str
    sent: int = 0  # follow-ups on actions
    skipped_quiet_hours: int = 0  # follow-ups and quiet nudges held until the member's morning
    already_sent: int = 0  # claimed by another run or process
    failed: int = 0  # Slack refused or did not answer; released for a later run
    undeliverable: int = 0  # the member cannot be written to (deactivated, gone): given up
    quiet_sent: int = 0  # gentle nudges to quiet members

    def describe(self) -> str:
        """One line for logs and the CLI."""
        return (
            f"nudges in {self.team_id}: {_count(self.sent, 'follow-up')} sent, "
            f"{_count(self.quiet_sent, 'quiet member')} nudged, "
            f"{self.skipped_quiet_hours} held for quiet hours, "
            f"{self.already_sent} already sent, {self.failed} failed"
            + (f", {self.undeliverable} undeliverable" if self.undeliverable else "")
        )


def send_nudges(
    services: Services,
    client: WebClient,
    team_id: str,
    now: datetime,
    *,
    owner: str | None = None,
) -> NudgeReport:
    """Send the follow-ups due at ``now`` and, if the workspace wants them, the quiet nudges.

    ``owner`` names the claimant (default ``host:pid``); tests give racing threads their own.
    """
    settings = services.settings.get(team_id)
    run = _NudgeRun(services, client, settings, now, owner or claims.process_owner())
    for followup in due_followups(services.db, team_id, now):
        run.follow_up(followup)
    if settings.quiet_nudge_weeks > 0:
        for user_id in quiet_members(services.db, team_id, now, settings.quiet_nudge_weeks):
            run.quiet_nudge(user_id)
    return run.report


class _NudgeRun:
    """One run in one workspace: its settings, its report and the zones looked up so far."""

    def __init__(
        self,
        services: Services,
        client: WebClient,
        settings: WorkspaceSettings,
        now: datetime,
        owner: str,
    ) -> None:
        self.services = services
        self.db = services.db
        self.client = client
        self.settings = settings
        self.team_id = settings.team_id
        self.now = now
        self.owner = owner
        self.report = NudgeReport(settings.team_id)
        self._zones: dict[str, str] = {}

    def follow_up(self, followup: FollowUp) -> None:
        if self._asleep(followup.user_id, followup.member_tz):
            return
        period = f"entry:{followup.entry_id}:step:{followup.step}"
        message = followup_message(
            followup, self.services.framework, followup.step, self.settings.followup_days
        )
        sent = self._claim_and_send(FOLLOWUP_JOB, period, followup.user_id, message)
        if sent is None:
            return
        # Nobody to follow up with any more: the action is left alone from now on.
        next_at = (
            None if sent.undelivered else self.now + timedelta(days=self.settings.followup_days)
        )

        def record(session: Session) -> None:
            record_followup_sent(
                session,
                self.team_id,
                followup.entry_id,
                now=self.now,
                next_at=next_at,
                step=followup.step,
            )

        if self._record(FOLLOWUP_JOB, period, sent, record) and not sent.undelivered:
            self.report.sent += 1

    def quiet_nudge(self, user_id: str) -> None:
        if self._asleep(user_id, member_tz(self.db, self.team_id, user_id)):
            return
        period = f"{user_id}:{week_of(self.now, self.settings.timezone).key}"
        message = quiet_message(self.settings.quiet_nudge_weeks)
        sent = self._claim_and_send(QUIET_JOB, period, user_id, message)
        if sent is None:
            return

        def record(session: Session) -> None:
            if not sent.undelivered:
                record_quiet_nudge(session, self.team_id, user_id, self.now)

        if self._record(QUIET_JOB, period, sent, record) and not sent.undelivered:
            self.report.quiet_sent += 1

    def _asleep(self, user_id: str, cached_tz: str | None) -> bool:
        """In the member's quiet hours now (counted as skipped)."""
        if in_quiet_hours(self.now, self._zone(user_id, cached_tz)):
            self.report.skipped_quiet_hours += 1
            return True
        return False

    def _zone(self, user_id: str, cached_tz: str | None) -> str:
        if user_id not in self._zones:
            fresh = profile_is_fresh(self.db, self.team_id, user_id, self.now)
            tz = cached_tz if fresh else self._fetch_tz(user_id, cached_tz)
            self._zones[user_id] = zone_for(tz, self.settings.timezone)
        return self._zones[user_id]

    def _fetch_tz(self, user_id: str, cached_tz: str | None) -> str | None:
        """The member's zone from users.info (and cache their profile); the cached one if not."""
        try:
            user = self.client.users_info(user=user_id)["user"]
        except SLACK_FAILURES as error:
            log.warning(
                "users.info for %s in %s failed (%s); using %s",
                user_id,
                self.team_id,
                _error_name(error),
                "the cached time zone" if cached_tz else "the workspace's time zone",
            )
            return cached_tz
        profile = user.get("profile") or {}
        tz = user.get("tz") or None
        remember_profile(
            self.db,
            self.team_id,
            user_id,
            tz=tz,
            display_name=profile.get("display_name") or user.get("real_name") or None,
            now=self.now,
        )
        return tz

    def _claim_and_send(self, job: str, period: str, user_id: str, message: dict) -> _Sent | None:
        """Claim, then DM: what was sent, or None when claimed elsewhere or failed."""
        if not claims.claim(self.db, self.team_id, job, period, owner=self.owner).won:
            self.report.already_sent += 1
            return None
        try:
            response = self.client.chat_postMessage(channel=user_id, **message)
        except SLACK_FAILURES as error:
            if _error_name(error) in UNDELIVERABLE:
                self.report.undeliverable += 1
                log.info(
                    "%s nudge %s to %s in %s: %s; not retried",
                    job,
                    period,
                    user_id,
                    self.team_id,
                    _error_name(error),
                )
                return _Sent(detail=f"undeliverable: {_error_name(error)}")
            self._release(job, period, _error_name(error))
            log.warning(
                "%s nudge %s to %s in %s not sent (%s); a later run will try again",
                job,
                period,
                user_id,
                self.team_id,
                _error_name(error),
            )
            return None
        return _Sent(
            detail=str(response.get("ts") or ""), channel=str(response.get("channel") or user_id)
        )

    def _record(
        self, job: str, period: str, sent: _Sent, record: Callable[[Session], None]
    ) -> bool:
        """Record the DM and finish its claim in one transaction. A DM that cannot be recorded
        is withdrawn and its claim released, so the next run's DM is not a second copy."""
        try:
            with self.db.session() as session:
                record(session)
                claims.finish(
                    session, self.team_id, job, period, owner=self.owner, detail=sent.detail
                )
        except Exception as exc:
            if claims.is_done_with(self.db, self.team_id, job, period, sent.detail):
                return True  # the answer to COMMIT was lost, not the commit
            log.exception("%s nudge %s in %s was sent but not recorded", job, period, self.team_id)
            if sent.channel is not None:
                withdraw(self.client, sent.channel, sent.detail, f"the {job} nudge {period}")
            self._release(job, period, f"not recorded: {type(exc).__name__}")
            return False
        return True

    def _release(self, job: str, period: str, reason: str) -> None:
        self.report.failed += 1
        try:
            claims.release(self.db, self.team_id, job, period, owner=self.owner, reason=reason)
        except SQLAlchemyError:
            # The claim stays taken; a later run takes it over once its lease has run out.
            log.exception("could not release the %s claim %s in %s", job, period, self.team_id)


@dataclass(frozen=True)
class _Sent:
    """A DM sent (``detail`` its ts, ``channel`` the DM), or one Slack will never deliver."""

    detail: str
    channel: str | None = None

    @property
    def undelivered(self) -> bool:
        return self.channel is None


def _error_name(error: Exception) -> str:
    """Slack's error name (``ratelimited``, ``user_not_found``), or the exception's class."""
    if isinstance(error, SlackApiError):
        return str(error.response.get("error") or error.response.status_code)
    return type(error).__name__


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"
