"""Posting a scheduled message exactly once, and what happens when Slack says no.

Every weekly post (the prompt, the digest) goes through ``post_weekly``, and so ``post_once``:
the period is claimed in the database (``schedules.claims``) *before* anything is sent, so
restarts, crashes and several schedulers sharing one database post it once. Once Slack has the
message, its record (the prompt row that replies are matched against, the digest row) and the
claim's finish are committed in one transaction: there is never a finished claim without its
record, nor a record without a finished claim. A post that fails releases its claim so that the
next run (the scheduler retries within the catch-up window) tries again; a post that went out
but cannot be recorded is withdrawn (``chat.delete``) before the claim is released, so the
retry is not a second copy.

**A post whose process died before recording it.** Every weekly post carries message metadata
naming its claim (event type ``kindness_post``, payload ``key`` = ``<job>/<week>``, with the
moment the job acted as and what its record needs — the prompt's goal and question). A claim
left "claimed" by a process that died (killed between Slack's answer and the commit) is taken
over after its lease; the new owner — like any run that takes a claim an earlier attempt may
have posted under (released after a failure) — first looks for that post in the channel
(``conversations.history`` with ``include_all_metadata``, from the start of the post's week or
the earlier attempt's claim if that began sooner, a few minutes' margin for clocks) and, when
it is there, records it as it was sent instead of posting again. So the week has one post, and
replies to it are captured. Such a found post is never withdrawn: if recording it fails, the
claim is released and the next run finds it again.

**When Slack cannot say whether it is there** (the history read fails), safety depends on why:

- a temporary failure (429s, 5xx or a dropped connection beyond the client's retries, or an
  error Slack calls temporary): nothing is posted and the claim is released as failed; the
  scheduler tries again within the catch-up window. A second copy would split the week's
  replies between two threads, one of them never captured — worse than a post minutes late.
- a refusal that will not change (``missing_scope`` on an install made before the bot asked
  for the history scopes, ``not_in_channel``, ``channel_not_found``…): the post is made, as if
  nothing were there; the post itself then meets the channel's problem if there is one. Never
  posting again would lose the week for certain; a double needs a crash *and* an unreadable
  channel.

**A post whose answer was lost.** Each try at a post is a single attempt: a 429 waits for
``Retry-After``, but after a 5xx or a dropped connection — Slack may have posted it before
failing to answer — the channel is searched for it by its metadata before it is sent again, as
``schedules.fanout`` does for DMs. How often and how far apart it is tried is the client's own
policy (``SlackPort.retry_policy``: the retry handlers of ``bot.slack.client``). If even the
search fails, the post is not sent again: the claim is released and the next run searches
first.

Slack's other answers: ``not_in_channel`` on a public channel joins it and posts again; a
channel the bot cannot post to (``CHANNEL_UNUSABLE``: private and not invited, deleted,
archived, restricted) makes the bot DM the coordinator who last saved the settings, saying
what to do.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from bot.blocks import rhythm
from bot.db import Database
from bot.models import Base
from bot.services import Services
from bot.settings import WorkspaceSettings
from bot.slack.port import (
    NO_ANSWER,
    RATE_LIMITED,
    REFUSED,
    SERVER_ERROR,
    Metadata,
    Posted,
    SlackError,
    SlackPort,
)
from bot.weeks import Week, week_of
from schedules import claims

log = logging.getLogger(__name__)

POST_EVENT = "kindness_post"  # the message metadata's event_type of a weekly post
HISTORY_PAGES = 10  # channel history pages (100 top-level messages each) searched for a post
CLOCK_MARGIN = timedelta(minutes=5)  # Slack's clock and the database's may differ a little
SETTLE_WAIT = 5.0  # seconds to wait for a process that took a claim over to settle it
# Slack's answers to a post that mean the channel itself is the problem (the coordinator is
# told; the wording is bot.blocks.rhythm's): the bot is not in it and cannot join it, it is
# gone or archived, or posting there is restricted.
CHANNEL_UNUSABLE = frozenset(
    {"not_in_channel", "channel_not_found", "is_archived", "restricted_action", "access_denied"}
)


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


@dataclass(frozen=True)
class Sent:
    """A weekly post in the channel, as it is recorded: where it is and what it carried."""

    period: str
    channel: str
    ts: str
    about: Mapping[str, str]  # its metadata's payload: the key, "at", and the job's own
    found: bool = False  # posted by an earlier attempt that died before recording it

    @property
    def posted_at(self) -> datetime:
        """The moment the job acted as when it made the post (its ``now``)."""
        return datetime.fromisoformat(self.about["at"])


# A job's ``post``: sends a message to the channel with what its record will need (``about``,
# strings; carried in the message's metadata); the new message's ts.
Post = Callable[[dict[str, Any], Mapping[str, str]], str]


class ChannelUnavailable(Exception):
    def __init__(self, channel: str, error: str) -> None:
        super().__init__(f"cannot post in {channel}: {error}")
        self.channel = channel
        self.error = error


def post_weekly(
    services: Services,
    slack: SlackPort,
    team_id: str,
    *,
    job: str,
    now: datetime,
    week: Week | None,
    send: Callable[[Week, Post], str],
    row: Callable[[Sent], Base],
) -> Outcome:
    """Post a weekly message once: nothing while the workspace is paused; else claim ``job``
    for ``week`` (the week of ``now`` by default), ``send(week, post)`` — which composes the
    message and calls ``post(message, about)`` — and record ``row(sent)`` with the claim's
    finish in one transaction."""
    settings = services.settings.get(team_id)
    if services.settings.is_paused(settings, now):
        return Outcome("paused", f"{team_id} is paused until {settings.paused_until}; no {job}")
    week = week or week_of(now, settings.timezone)

    def record(session: Session, sent: Sent) -> None:
        session.add(row(sent))
        session.flush()  # a duplicate period fails here, inside the claim's transaction

    return post_once(
        settings=settings,
        slack=slack,
        db=services.db,
        job=job,
        period=week.key,
        # People read weeks as dates; the ISO key stays in claims and metadata.
        what=f"the {job} for the week of {week.monday.day} {week.monday:%b %Y}",
        send=lambda post: send(week, post),
        record=record,
        about={"at": now.isoformat()},
        since=week.start,
    )


def post_to_channel(
    slack: SlackPort,
    channel: str,
    message: dict[str, Any],
    metadata: Metadata,
    *,
    oldest: datetime,
) -> str:
    """Post ``message`` once (see the module); join a public channel first if needed. The new
    message's ts. ``oldest``: how far back the channel is searched after a lost answer."""
    try:
        return _post(slack, channel, message, metadata, oldest)
    except SlackError as exc:
        if exc.error == "not_in_channel":
            try:
                slack.join(channel)
            except SlackError as refused:
                if refused.kind != REFUSED:
                    raise  # Slack could not answer: try again later, as for a failed post
                # A private channel cannot be joined: the bot has to be invited.
                raise ChannelUnavailable(channel, exc.error) from None
            return _post(slack, channel, message, metadata, oldest)
        if exc.error in CHANNEL_UNUSABLE:
            raise ChannelUnavailable(channel, exc.error) from None
        raise


def _post(
    slack: SlackPort, channel: str, message: dict[str, Any], metadata: Metadata, oldest: datetime
) -> str:
    once = slack.without_retries()
    unfurled = {**message, "unfurl_links": False, "unfurl_media": False}
    waited = 0
    tried = {SERVER_ERROR: 0, NO_ANSWER: 0}
    while True:
        try:
            return once.post(channel, unfurled, metadata=metadata).ts
        except SlackError as failure:
            if failure.rate_limited and waited < slack.retry_policy(RATE_LIMITED).retries:
                waited += 1
                time.sleep(failure.wait)  # nothing was posted: send it again
                continue
            if not failure.outcome_unknown:
                raise
            try:
                found = _find(slack, channel, metadata, oldest)
            except SlackError:
                raise failure from None  # cannot tell: the next run searches before posting
            if found is not None:
                return found.ts
            policy = slack.retry_policy(failure.kind)
            if tried[failure.kind] >= policy.retries:
                raise
            time.sleep(policy.delay(tried[failure.kind]))
            tried[failure.kind] += 1


def _find(slack: SlackPort, channel: str, metadata: Metadata, oldest: datetime) -> Posted | None:
    """The post carrying ``metadata``'s key in the channel since ``oldest``, if it is there."""
    key = metadata.key or ""
    return slack.find_message(channel, POST_EVENT, key, oldest=oldest, pages=HISTORY_PAGES)


def post_once(
    *,
    settings: WorkspaceSettings,
    slack: SlackPort,
    db: Database,
    job: str,
    period: str,
    what: str,
    send: Callable[[Post], str],
    record: Callable[[Session, Sent], None],
    about: Mapping[str, str],
    since: datetime,
) -> Outcome:
    """Claim (team, job, period); if an earlier attempt may have posted it, look for that post
    first; else ``send(post) -> ts``. Then ``record(session, sent)`` and finish the claim in
    one transaction.

    ``what`` names the post for people ("the 2026-W48 prompt"); ``about`` goes into every
    post's metadata; ``since``: the earliest moment a post of this period is looked for.
    """
    team_id = settings.team_id
    channel = settings.channel_id
    if channel is None:
        return Outcome(
            "no_channel",
            f"no channel is set for {team_id}; {what} not posted "
            "(a coordinator sets one with /kindness settings)",
        )
    attempt = _Attempt(db, slack, team_id, job, period, what, claims.process_owner())
    held = claims.claim(db, team_id, job, period, owner=attempt.owner)
    if held.in_flight:
        return Outcome("in_progress", f"{what} is being posted by {held.holder}; nothing posted")
    if not held.won:
        return Outcome("already", f"{what} was posted already; nothing posted")
    key = f"{job}/{period}"
    # No post of this period is older than its earliest claim, nor (usually) its week's start.
    oldest = min(since, held.claimed_at or since) - CLOCK_MARGIN
    if _may_have_posted(held):
        try:
            found = _find(slack, channel, Metadata(POST_EVENT, {"key": key}), oldest)
        except SlackError as exc:
            if exc.retryable:
                attempt.release(f"failed: could not look for an earlier post ({exc.error})")
                log.warning(
                    "%s: could not look for an earlier post of %s (%s)", team_id, what, exc.error
                )
                return Outcome(
                    "failed",
                    f"{what} not posted: Slack could not say whether an earlier attempt posted "
                    f"it ({exc.error}); it will be tried again",
                )
            log.warning(
                "%s: cannot look for an earlier post of %s in %s (%s); posting",
                team_id,
                what,
                channel,
                exc.error,
            )
            found = None
        if found is not None and found.metadata is not None:
            log.warning(
                "%s: %s was posted by a run that stopped before recording it", team_id, what
            )
            return attempt.record(
                Sent(period, channel, found.ts, found.metadata.payload, True), record
            )
    carried: dict[str, str] = {}

    def post(message: dict[str, Any], extra: Mapping[str, str]) -> str:
        carried.clear()
        carried.update({**extra, **about, "key": key})
        metadata = Metadata(POST_EVENT, dict(carried))
        return post_to_channel(slack, channel, message, metadata, oldest=oldest)

    try:
        ts = send(post)
    except ChannelUnavailable as problem:
        reason = f"unavailable: {problem}"
        attempt.release(reason)
        # Every retry in the catch-up window meets the same problem: tell the coordinator once.
        if not (held.status == claims.RELEASED and held.detail == reason):
            tell_coordinator(slack, settings, what, problem)
        return Outcome("unavailable", f"{what} not posted: {problem}")
    except SlackError as exc:
        attempt.release(f"failed: {exc.error}")
        log.error("%s not posted in %s (%s); it will be tried again", what, team_id, exc.error)
        return Outcome("failed", f"{what} not posted ({exc.error}); it will be tried again")
    return attempt.record(Sent(period, channel, ts, dict(carried)), record)


def _may_have_posted(held: claims.Claim) -> bool:
    """An earlier attempt at this claim may have left its post in the channel: it was taken
    over from a process that stopped (or stalled) mid-post, or released after a failure — all
    but a channel the bot could not post to, which Slack refused outright."""
    if held.status == claims.CLAIMED:
        return True
    return held.status == claims.RELEASED and not (held.detail or "").startswith("unavailable")


class _TakenOver(Exception):
    """The claim passed to another process while this one was posting."""


@dataclass(frozen=True)
class _Attempt:
    """One process's attempt at one period's post, after it won the claim."""

    db: Database
    slack: SlackPort
    team_id: str
    job: str
    period: str
    what: str
    owner: str

    def record(self, sent: Sent, record: Callable[[Session, Sent], None]) -> Outcome:
        """Record the post and finish its claim together. A post this attempt made that cannot
        be recorded is withdrawn, so that the period's retry is not a second copy and no
        message lives in the channel without its record (replies to an unrecorded prompt are
        never captured). A post it found is left where it is, for the next attempt to find."""
        done = (
            f"found {self.what} in {sent.channel}, posted by an attempt that stopped before "
            "recording it, and recorded it"
            if sent.found
            else f"posted {self.what} in {sent.channel}"
        )
        try:
            with self.db.session() as session:
                if not claims.finish(
                    session, self.team_id, self.job, self.period, owner=self.owner, detail=sent.ts
                ):
                    raise _TakenOver
                record(session, sent)
        except _TakenOver:
            # This process stalled past the lease, and another one took the post over: it
            # either found this very post (and records it) or made its own.
            if self._settled_with(sent.ts):
                return Outcome("posted", f"{done} (recorded by another process)", sent.ts)
            if not sent.found:
                self.withdraw(sent)
            log.warning("%s: posted by another process meanwhile; copy withdrawn", self.what)
            return Outcome("already", f"{self.what} was posted already; this copy was withdrawn")
        except IntegrityError:
            # The period's record exists though its claim was never finished (a store written
            # by an older version): it was posted; settle the claim so nobody tries again.
            if not sent.found:
                self.withdraw(sent)
            with self.db.session() as session:
                claims.finish(
                    session, self.team_id, self.job, self.period, owner=self.owner, detail=None
                )
            return Outcome("already", f"{self.what} was posted already; this copy was withdrawn")
        except Exception as exc:
            # Withdrawing a post that was recorded after all would cost the week's post;
            # keeping one that was not leaves a message whose replies go nowhere, and a second
            # copy after the retry. When the database cannot say, withdraw — unless the post
            # was found: then the next attempt finds it again.
            if claims.is_done_with(self.db, self.team_id, self.job, self.period, sent.ts):
                log.warning("%s: recorded after all, despite %s", self.what, type(exc).__name__)
                return Outcome("posted", done, sent.ts)
            log.exception("%s was posted in %s but could not be recorded", self.what, self.team_id)
            self.release(f"not recorded: {type(exc).__name__}")
            if sent.found:
                return Outcome(
                    "failed",
                    f"{self.what} was found in {sent.channel} but could not be recorded "
                    f"({type(exc).__name__}); it will be tried again",
                )
            self.withdraw(sent)
            return Outcome(
                "failed",
                f"{self.what} not posted: it could not be recorded ({type(exc).__name__}), so "
                "the message was withdrawn; it will be tried again",
            )
        return Outcome("posted", done, sent.ts)

    def release(self, reason: str) -> None:
        try:
            claims.release(
                self.db, self.team_id, self.job, self.period, owner=self.owner, reason=reason
            )
        except SQLAlchemyError:
            # The claim stays taken; another run takes it over once its lease has run out,
            # and finds the post by its metadata if it is still in the channel.
            log.exception("could not release the claim on %s of %s", self.what, self.team_id)

    def withdraw(self, sent: Sent) -> None:
        """Delete a post the bot made but could not keep; say so if even that fails."""
        try:
            self.slack.delete(sent.channel, sent.ts)
        except SlackError as exc:
            log.error(
                "%s in %s (ts %s) could not be withdrawn (%s); please delete it in Slack",
                self.what,
                sent.channel,
                sent.ts,
                exc.error,
            )

    def _settled_with(self, ts: str) -> bool:
        """The process that took the claim over finished it with this very post (it found it
        in the channel). Waits a moment for it to settle: finding and recording are quick."""
        deadline = time.monotonic() + SETTLE_WAIT
        while True:
            status = claims.claim_status(self.db, self.team_id, self.job, self.period)
            if status != claims.CLAIMED or time.monotonic() >= deadline:
                return claims.is_done_with(self.db, self.team_id, self.job, self.period, ts)
            time.sleep(0.1)


def tell_coordinator(
    slack: SlackPort, settings: WorkspaceSettings, what: str, problem: ChannelUnavailable
) -> None:
    log.warning("%s: cannot post in %s (%s)", settings.team_id, problem.channel, problem.error)
    if not settings.configured_by:
        return
    message = rhythm.channel_problem_message(what, problem.channel, problem.error)
    try:
        slack.dm(settings.configured_by, message)
    except SlackError as exc:
        log.warning("could not tell the coordinator either: %s", exc.error)
