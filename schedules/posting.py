"""Posting a scheduled message exactly once, and what happens when Slack says no.

Every scheduled post goes through ``post_once``: the period is claimed in the database
(``schedules.claims``) *before* anything is sent, so restarts, crashes and several schedulers
sharing one database post it once. Once Slack has the message, its record (the prompt row
that replies are matched against, the digest row) and the claim's finish are committed in one
transaction: there is never a finished claim without its record, nor a record without a
finished claim. A post that fails releases its claim so that the next run (the scheduler
retries within the catch-up window) tries again; a post that went out but cannot be recorded
is withdrawn (``chat.delete``) before the claim is released, so the retry is not a second copy.

Slack's answers: 429s and 5xx are retried by the client's handlers (bot.slack_client);
``not_in_channel`` on a public channel joins it and posts again; a channel the bot cannot post
to (private and not invited, deleted, archived) makes the bot DM the coordinator who last saved
the settings, saying what to do.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from bot.blocks import rhythm
from bot.db import Database
from bot.settings import WorkspaceSettings
from schedules import claims

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    """What a run of a job did, in words an operator reads in a log or a shell."""

    # posted | already | in_progress | paused | no_channel | unavailable | failed | skipped
    status: str
    message: str
    ts: str | None = None

    @property
    def posted(self) -> bool:
        return self.status == "posted"


class ChannelUnavailable(Exception):
    def __init__(self, channel: str, error: str) -> None:
        super().__init__(f"cannot post in {channel}: {error}")
        self.channel = channel
        self.error = error


def post_to_channel(client: WebClient, channel: str, message: dict[str, Any]) -> str:
    """Post ``message``; join a public channel first if needed. The new message's ts."""
    try:
        return _post(client, channel, message)
    except SlackApiError as exc:
        error = exc.response.get("error", "")
        if error == "not_in_channel":
            try:
                client.conversations_join(channel=channel)
            except SlackApiError:
                # A private channel cannot be joined: the bot has to be invited.
                raise ChannelUnavailable(channel, error) from None
            return _post(client, channel, message)
        if error in rhythm.CHANNEL_ADVICE or error in ("restricted_action", "access_denied"):
            raise ChannelUnavailable(channel, error) from None
        raise


def _post(client: WebClient, channel: str, message: dict[str, Any]) -> str:
    response = client.chat_postMessage(
        channel=channel, unfurl_links=False, unfurl_media=False, **message
    )
    return str(response["ts"])


def post_once(
    *,
    settings: WorkspaceSettings,
    client: WebClient,
    db: Database,
    job: str,
    period: str,
    what: str,
    send: Callable[[str], str],
    record: Callable[[Session, str, str], None],
) -> Outcome:
    """Claim (team, job, period), ``send(channel) -> ts``, then ``record(session, channel, ts)``
    and finish the claim in one transaction.

    ``what`` names the post for people ("the 2026-W48 prompt").
    """
    team_id = settings.team_id
    channel = settings.channel_id
    if channel is None:
        return Outcome(
            "no_channel",
            f"no channel is set for {team_id}; {what} not posted "
            "(a coordinator sets one with /kindness settings)",
        )
    attempt = _Attempt(db, client, team_id, job, period, what, claims.process_owner())
    held = claims.claim(db, team_id, job, period, owner=attempt.owner)
    if held.in_flight:
        return Outcome("in_progress", f"{what} is being posted by {held.holder}; nothing posted")
    if not held.won:
        return Outcome("already", f"{what} was posted already; nothing posted")
    try:
        ts = send(channel)
    except ChannelUnavailable as problem:
        reason = f"unavailable: {problem}"
        attempt.release(reason)
        # Every retry in the catch-up window meets the same problem: tell the coordinator once.
        if not (held.status == claims.RELEASED and held.detail == reason):
            tell_coordinator(client, settings, what, problem)
        return Outcome("unavailable", f"{what} not posted: {problem}")
    except (SlackApiError, OSError) as exc:
        attempt.release(f"failed: {_reason(exc)}")
        log.error("%s not posted in %s (%s); it will be tried again", what, team_id, _reason(exc))
        return Outcome("failed", f"{what} not posted ({_reason(exc)}); it will be tried again")
    return attempt.record(channel, ts, record)


class _TakenOver(Exception):
    """The claim passed to another process while this one was posting."""


@dataclass(frozen=True)
class _Attempt:
    """One process's attempt at one period's post, after it won the claim."""

    db: Database
    client: WebClient
    team_id: str
    job: str
    period: str
    what: str
    owner: str

    def record(self, channel: str, ts: str, record: Callable[[Session, str, str], None]) -> Outcome:
        """Record the post and finish its claim together. A post that cannot be recorded is
        withdrawn, so that the period's retry is not a second copy and no message lives in
        the channel without its record (replies to an unrecorded prompt are never captured)."""
        try:
            with self.db.session() as session:
                if not claims.finish(
                    session, self.team_id, self.job, self.period, owner=self.owner, detail=ts
                ):
                    raise _TakenOver
                record(session, channel, ts)
        except _TakenOver:
            # This process stalled past the lease, and another one took the post over.
            withdraw(self.client, channel, ts, self.what)
            log.warning("%s: posted by another process meanwhile; copy withdrawn", self.what)
            return Outcome("already", f"{self.what} was posted already; this copy was withdrawn")
        except IntegrityError:
            # The period's record exists though its claim was never finished (a store written
            # by an older version): it was posted; settle the claim so nobody tries again.
            withdraw(self.client, channel, ts, self.what)
            with self.db.session() as session:
                claims.finish(
                    session, self.team_id, self.job, self.period, owner=self.owner, detail=None
                )
            return Outcome("already", f"{self.what} was posted already; this copy was withdrawn")
        except Exception as exc:
            # Withdrawing a post that was recorded after all would cost the week's post;
            # keeping one that was not leaves a message whose replies go nowhere, and a second
            # copy after the retry. When the database cannot say, withdraw.
            if claims.is_done_with(self.db, self.team_id, self.job, self.period, ts):
                log.warning("%s: recorded after all, despite %s", self.what, type(exc).__name__)
                return Outcome("posted", f"posted {self.what} in {channel}", ts)
            log.exception("%s was posted in %s but could not be recorded", self.what, self.team_id)
            withdraw(self.client, channel, ts, self.what)
            self.release(f"not recorded: {type(exc).__name__}")
            return Outcome(
                "failed",
                f"{self.what} not posted: it could not be recorded ({type(exc).__name__}), so "
                "the message was withdrawn; it will be tried again",
            )
        return Outcome("posted", f"posted {self.what} in {channel}", ts)

    def release(self, reason: str) -> None:
        try:
            claims.release(
                self.db, self.team_id, self.job, self.period, owner=self.owner, reason=reason
            )
        except SQLAlchemyError:
            # The claim stays taken; another run takes it over once its lease has run out.
            log.exception("could not release the claim on %s of %s", self.what, self.team_id)


def withdraw(client: WebClient, channel: str, ts: str, what: str) -> None:
    """Delete a post the bot made but could not keep; say so if even that fails."""
    try:
        client.chat_delete(channel=channel, ts=ts)
    except (SlackApiError, OSError) as exc:
        log.error(
            "%s in %s (ts %s) could not be withdrawn (%s); please delete it in Slack",
            what,
            channel,
            ts,
            _reason(exc),
        )


def _reason(exc: SlackApiError | OSError) -> str:
    """Slack's error name (``channel_not_found``), or the failure's class (``TimeoutError``)."""
    if isinstance(exc, SlackApiError):
        return str(exc.response.get("error") or exc.response.status_code)
    return type(exc).__name__


def tell_coordinator(
    client: WebClient, settings: WorkspaceSettings, what: str, problem: ChannelUnavailable
) -> None:
    log.warning("%s: cannot post in %s (%s)", settings.team_id, problem.channel, problem.error)
    if not settings.configured_by:
        return
    message = rhythm.channel_problem_message(what, problem.channel, problem.error)
    try:
        client.chat_postMessage(channel=settings.configured_by, **message)
    except SlackApiError as exc:
        log.warning("could not tell the coordinator either: %s", exc.response.get("error"))
