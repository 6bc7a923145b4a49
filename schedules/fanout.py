"""Many DMs at once — follow-ups, quiet nudges, weekly prompts, peer pairs' group DMs — at
Slack's pace, each once.

``FanOut.send(dms)`` claims, sends and records a batch of DMs. Decisions:

- **Concurrently, paced to the limit.** ``concurrency`` threads send at once (Slack's answers
  take tens to hundreds of milliseconds; one at a time, 1,000 DMs take minutes). Slack does not
  publish chat.postMessage's workspace-wide limit, so the ``Pacer`` learns it: it sends
  unpaced until the first 429, then paces every thread to the rate that burst showed, and
  every thread waits out the ``Retry-After`` together (one thread sleeping through it while
  the others keep hitting the limit would only earn more 429s). Later 429s lower the pace, a
  quiet spell raises it (see ``Pacer``). A 429 costs nothing but time: the DM is sent again
  after the wait.
- **Exactly once per member and period.** Each DM is claimed in ``job_claims`` — (workspace,
  job, period) — before it is sent, a chunk at a time just ahead of the senders, so any number
  of processes and reruns send it once. Once sent, the claim is finished *in the same
  transaction* as the DM's own record (the follow-up counted, the quiet nudge noted, the DM
  prompt kept), batched so that a thousand DMs cost a few dozen transactions.
- **Across crashes.** Every DM carries message metadata naming its claim. A claim left
  "claimed" by a process that died is taken over after the lease (``schedules.claims``); the
  new owner first looks in the member's DM for a message carrying that claim and, if one is
  there, records it instead of sending it again. The same check follows every answer that
  leaves the outcome unknown (a 5xx, a dropped connection): Slack may have posted before it
  failed to answer. So a DM is sent once even when the process dies between sending and
  recording, or Slack drops the connection after posting. How often and how long apart such
  sends are retried is the port's own policy (``SlackPort.retry_policy``: the client's
  server-error and connection-error retry handlers, ``bot.slack.client``), only with the
  check in between; the sends themselves are single attempts (``without_retries``).
- **Failures.** Answers that will not change on a later run (the member is gone or cannot be
  written to) close the claim as undeliverable; any other failure releases it so that the next
  run tries again. Slack's error name is logged, never a token or a payload.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import islice
from typing import Any

from sqlalchemy import and_, bindparam, or_, select, update
from sqlalchemy.orm import Session

from bot import metrics
from bot.db import Database, database_now, insert_many_ignoring_duplicates
from bot.models import JobClaim
from bot.slack.port import NO_ANSWER, SERVER_ERROR, Metadata, SlackError, SlackPort
from schedules import claims

log = logging.getLogger(__name__)

DM_EVENT = "kindness_dm"  # the message metadata's event_type
DEFAULT_CONCURRENCY = 32
HEADROOM = 0.98  # pace to this share of the rate Slack is reckoned to allow
LOWER_TO = 0.85  # a 429 while paced: the new pace, as a share of the old
RAISE_EVERY = 5.0  # seconds without a 429 before the pace is raised …
RAISE_BY = 0.02  # … by this share of the first pace learnt
BURST_SHARE = 0.9  # after a wait, this share of what the limit refilled meanwhile goes at once
CLAIM_AHEAD = 4  # DMs claimed ahead of the senders, per sender
RECORD_EVERY = 0.25  # seconds between batched writes of what was sent
RECORD_BATCH = 100
MAX_RATE_LIMITED = 50  # 429s for one DM before it is left for the next run
HISTORY_PAGES = 2  # DM history pages searched for a DM sent by a run that died

# Answers that will not change on a later run: the member left or was deactivated, or cannot
# be written to.
UNDELIVERABLE = frozenset(
    {
        "user_not_found",
        "account_inactive",
        "user_disabled",
        "user_not_visible",
        "cannot_dm_bot",
        "not_allowed",
        "is_archived",
    }
)


@dataclass(frozen=True)
class Delivery:
    """What became of one DM."""

    user_id: str
    channel: str | None  # the DM's channel id, when sent
    ts: str | None
    undeliverable: str | None = None  # Slack's error name when the member cannot be written to
    recovered: bool = False  # sent by an earlier run that died before recording it


@dataclass(frozen=True)
class Dm:
    """One DM to send once; ``about`` is what its job's recorder needs to record it.

    By default it goes to ``user_id``'s DM with the bot. ``group``: to the group DM of these
    members instead (opened with them; peer pairs), ``user_id`` naming the first; ``channel``:
    into a conversation already open (a pair's reminder).
    """

    job: str
    period: str
    user_id: str
    message: dict[str, Any]
    about: Any = None
    group: tuple[str, ...] = ()
    channel: str | None = None

    @property
    def key(self) -> str:
        return f"{self.job}/{self.period}"


# A job's record of what was sent: called with a batch of its DMs (undeliverable ones too, with
# ``delivery.undeliverable`` set) in the transaction that finishes their claims.
Recorder = Callable[[Session, list[tuple[Dm, Delivery]]], None]


@dataclass
class FanOutReport:
    """Counts per job: ``sent`` (recovered included), ``already``, ``failed``, ``undeliverable``."""

    sent: Counter[str] = field(default_factory=Counter)
    already: Counter[str] = field(default_factory=Counter)
    failed: Counter[str] = field(default_factory=Counter)
    undeliverable: Counter[str] = field(default_factory=Counter)
    recovered: int = 0
    rate_limited: int = 0  # 429 answers waited out
    seconds: float = 0.0


class Pacer:
    """Spaces sends across threads to a rate learnt from Slack's 429s (see the module).

    Slack's limits allow short bursts, so the first 429 comes after a burst: what went through
    in the second before it is the limit's worth plus whatever burst allowance the workspace
    had. Taking that allowance to be about a second's worth (as for Slack's per-channel limit),
    the rate is what went through divided by one second plus the time the burst lasted (from
    the first answer, so that time spent connecting does not count), less a small margin.
    Then a later 429 lowers the pace by 15%, and every few seconds without one raise it a
    little, so an estimate that came out low recovers and one that came out high costs one
    more wait. A limit refills while everyone waits out a ``Retry-After``, so most of what it
    refilled (up to a second's worth) goes at once when the wait is over.
    """

    def __init__(
        self,
        rate: float | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.rate = rate  # sends per second; None until Slack first says "too many"
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next_slot = 0.0
        self._resume_at = 0.0
        self._burst_started: float | None = None
        self._learnt_at = float("-inf")
        self._raised_at = 0.0
        self._step = 0.0
        self._burst_left = 0
        self._recent: deque[float] = deque()

    def wait(self) -> float:
        """Block until this thread may send; the moment it may (pass it to ``limited``)."""
        with self._lock:
            now = self._clock()
            if self._burst_left > 0:
                # Right after a wait, what the limit refilled meanwhile goes at once.
                self._burst_left -= 1
                slot = max(now, self._resume_at)
                self._next_slot = max(self._next_slot, slot)
            else:
                slot = max(now, self._next_slot, self._resume_at)
                if self.rate:
                    if slot - self._raised_at >= RAISE_EVERY:
                        self.rate += self._step
                        self._raised_at = slot
                    self._next_slot = slot + 1 / self.rate
        if slot > now:
            self._sleep(slot - now)
        return slot

    def sent(self) -> None:
        with self._lock:
            now = self._clock()
            if self._burst_started is None:
                self._burst_started = now
            self._recent.append(now)
            while self._recent and self._recent[0] <= now - 1:
                self._recent.popleft()

    def limited(self, started: float, retry_after: float) -> None:
        """Slack answered 429 to a send that started at ``started``: everyone waits
        ``retry_after``; the first such answer since the pace last changed changes it."""
        with self._lock:
            now = self._clock()
            self._resume_at = max(self._resume_at, now + retry_after)
            self._next_slot = max(self._next_slot, self._resume_at)
            if started <= self._learnt_at:
                return  # refused in the same burst: already accounted for
            if self.rate is None:
                went_through = sum(1 for moment in self._recent if moment > now - 1)
                lasted = min(1.0, now - (self._burst_started or now))
                self.rate = max(1.0, went_through / (1 + lasted) * HEADROOM)
                self._step = self.rate * RAISE_BY
            else:
                self.rate = max(1.0, self.rate * LOWER_TO)
            self._learnt_at = now
            self._raised_at = self._resume_at
            self._burst_left = int(self.rate * min(1.0, retry_after) * BURST_SHARE)
            log.info("Slack rate-limited DMs; pacing them at %.1f a second", self.rate)


class FanOut:
    def __init__(
        self,
        db: Database,
        slack: SlackPort,
        team_id: str,
        *,
        owner: str,
        concurrency: int = DEFAULT_CONCURRENCY,
        pacer: Pacer | None = None,
        lease: timedelta = claims.DEFAULT_LEASE,
        sleep: Callable[[float], None] = time.sleep,
        recorders: Mapping[str, Recorder] | None = None,
    ) -> None:
        self.db = db
        self.recorders = dict(recorders or {})
        self.retries = {kind: slack.retry_policy(kind) for kind in (SERVER_ERROR, NO_ANSWER)}
        # The fan-out handles 429s, 5xx and dropped connections itself (see the module), so
        # its Slack retries nothing on its own.
        self.slack = slack.without_retries()
        self.team_id = team_id
        self.owner = owner
        self.concurrency = max(1, concurrency)
        self.pacer = pacer or Pacer()
        self.lease = lease
        self.sleep = sleep
        self.report = FanOutReport()
        self._reasons: dict[str, str] = {}  # why a DM was not sent, by key

    # -- the run -------------------------------------------------------------------------------

    def send(self, dms: Sequence[Dm]) -> FanOutReport:
        started = time.monotonic()
        if not dms:
            return self.report
        work: queue.Queue[tuple[Dm, bool] | None] = queue.Queue()
        results: queue.Queue[tuple[Dm, Delivery | None]] = queue.Queue()
        workers = [
            threading.Thread(target=self._work, args=(work, results), name=f"dm-{n}", daemon=True)
            for n in range(min(self.concurrency, len(dms)))
        ]
        for worker in workers:
            worker.start()
        pending = iter(dms)
        exhausted = False
        outstanding = 0
        done: list[tuple[Dm, Delivery | None]] = []
        last_record = time.monotonic()
        try:
            while True:
                # Claim a chunk at a time, a little ahead of the senders (so they never wait
                # for the database): a crash leaves few claims waiting for their lease.
                while not exhausted and outstanding < self.concurrency * CLAIM_AHEAD:
                    chunk = list(islice(pending, self.concurrency * CLAIM_AHEAD))
                    exhausted = len(chunk) < self.concurrency * CLAIM_AHEAD
                    for dm, taken_over in self._claim(chunk):
                        work.put((dm, taken_over))
                        outstanding += 1
                if outstanding == 0:
                    break
                try:
                    done.append(results.get(timeout=RECORD_EVERY))
                    outstanding -= 1
                    while True:
                        done.append(results.get_nowait())
                        outstanding -= 1
                except queue.Empty:
                    pass
                if (
                    len(done) >= RECORD_BATCH
                    or outstanding == 0
                    or time.monotonic() - last_record >= RECORD_EVERY
                ):
                    self._record(done)
                    done = []
                    last_record = time.monotonic()
        finally:
            for _ in workers:
                work.put(None)
            for worker in workers:
                worker.join()
            while not results.empty():
                done.append(results.get_nowait())
            self._record(done)
        self.report.seconds = time.monotonic() - started
        return self.report

    def _work(
        self,
        work: queue.Queue[tuple[Dm, bool] | None],
        results: queue.Queue[tuple[Dm, Delivery | None]],
    ) -> None:
        for item in iter(work.get, None):
            dm, taken_over = item
            try:
                delivery = self._deliver(dm, taken_over)
            except Exception as bug:  # a bug must not stop the other DMs, nor hide
                log.exception("DM %s to %s in %s failed", dm.key, dm.user_id, self.team_id)
                self._reasons[dm.key] = f"failed: {type(bug).__name__}"
                delivery = None
            results.put((dm, delivery))

    # -- one DM ----------------------------------------------------------------------------------

    def _deliver(self, dm: Dm, taken_over: bool) -> Delivery | None:
        """Send once: the delivery, or None when it failed and should be tried again later."""
        if taken_over:
            found = self._find_sent(dm)
            if found is not None:
                return found
        retries = {SERVER_ERROR: 0, NO_ANSWER: 0}
        limited = 0
        metadata = Metadata(DM_EVENT, {"key": dm.key})
        where = dm.channel
        while True:
            started = self.pacer.wait()
            try:
                if dm.group and where is None:
                    where = self.slack.open_group(dm.group)
                if where is not None:
                    sent = self.slack.post(where, dm.message, metadata=metadata)
                else:
                    sent = self.slack.dm(dm.user_id, dm.message, metadata=metadata)
            except SlackError as error:
                if error.rate_limited and limited < MAX_RATE_LIMITED:
                    limited += 1
                    self.report.rate_limited += 1
                    self.pacer.limited(started, error.wait)
                    continue
                if error.error in UNDELIVERABLE:
                    return Delivery(dm.user_id, None, None, undeliverable=error.error)
                if not error.outcome_unknown:
                    self._failed(dm, error.error)
                    return None
                # No answer, or a 5xx: Slack may have posted it all the same.
                found = self._find_sent(dm)
                if found is not None:
                    return found
                policy = self.retries[error.kind]
                if retries[error.kind] >= policy.retries:
                    self._failed(dm, error.error)
                    return None
                self.sleep(policy.delay(retries[error.kind]))
                retries[error.kind] += 1
            else:
                self.pacer.sent()
                return Delivery(dm.user_id, sent.channel, sent.ts)

    def _find_sent(self, dm: Dm) -> Delivery | None:
        """The DM if it is already in the member's DM (sent by a run that died, or by a call
        whose answer was lost), found by its metadata; None if it is not, or if Slack cannot
        say (then it is sent: a rare double beats a certain loss)."""
        try:
            channel = dm.channel or (
                self.slack.open_group(dm.group) if dm.group else self.slack.open_dm(dm.user_id)
            )
            found = self.slack.find_message(channel, DM_EVENT, dm.key, pages=HISTORY_PAGES)
        except SlackError as error:
            log.warning(
                "could not check %s's DM for %s (%s); sending", dm.user_id, dm.key, error.error
            )
            return None
        if found is None:
            return None
        self.report.recovered += 1
        return Delivery(dm.user_id, channel, found.ts, recovered=True)

    def _failed(self, dm: Dm, reason: str) -> None:
        self._reasons[dm.key] = reason  # the claim is released with it
        log.warning(
            "DM %s to %s in %s not sent (%s); a later run will try again",
            dm.key,
            dm.user_id,
            self.team_id,
            reason,
        )

    # -- the database ----------------------------------------------------------------------------

    def _claim(self, chunk: list[Dm]) -> list[tuple[Dm, bool]]:
        """The DMs of ``chunk`` this run now holds, each with whether it was taken over — from
        a run whose lease ran out (on the database's clock, as ``schedules.claims`` judges it)
        or that released it after a failure: either may have left it in the member's DM. One
        transaction, a few statements per job: new claims inserted, old ones taken over, then
        what this run holds read back."""
        won: list[tuple[Dm, bool]] = []
        by_job: dict[str, list[Dm]] = defaultdict(list)
        for dm in chunk:
            by_job[dm.job].append(dm)
        table = JobClaim.__table__
        with self.db.session() as session:
            now = database_now(session)
            for job, dms in by_job.items():
                fresh_claim = {
                    "status": claims.CLAIMED,
                    "claimed_by": self.owner,
                    "claimed_at": now,
                }
                insert_many_ignoring_duplicates(
                    session,
                    JobClaim,
                    [
                        {"team_id": self.team_id, "job": job, "period": dm.period, **fresh_claim}
                        for dm in dms
                    ],
                )
                fresh = self._held(session, job, [dm.period for dm in dms])
                rest = [dm for dm in dms if dm.period not in fresh]
                if rest:
                    session.execute(
                        update(table)
                        .where(
                            table.c.team_id == self.team_id,
                            table.c.job == job,
                            table.c.period == bindparam("b_period"),
                            or_(
                                table.c.status == claims.RELEASED,
                                and_(
                                    table.c.status == claims.CLAIMED,
                                    table.c.claimed_at < now - self.lease,
                                ),
                            ),
                        )
                        .values(**fresh_claim, finished_at=None, detail=None),
                        [{"b_period": dm.period} for dm in rest],
                    )
                taken = self._held(session, job, [dm.period for dm in rest]) if rest else set()
                for dm in dms:
                    if dm.period in fresh:
                        won.append((dm, False))
                    elif dm.period in taken:
                        won.append((dm, True))
                    else:
                        self.report.already[job] += 1
                    metrics.claim(job, taken=dm.period in fresh or dm.period in taken)
        return won

    def _record(self, done: list[tuple[Dm, Delivery | None]]) -> None:
        """Finish the claims of what was sent together with each job's record of it; release
        the rest with the reason. One transaction for the batch, a few statements per job."""
        if not done:
            return
        by_job: dict[str, list[tuple[Dm, Delivery]]] = defaultdict(list)
        failed: dict[str, list[Dm]] = defaultdict(list)
        for dm, delivery in done:
            if delivery is None:
                failed[dm.job].append(dm)
            else:
                by_job[dm.job].append((dm, delivery))
        table = JobClaim.__table__
        mine = (
            table.c.team_id == self.team_id,
            table.c.job == bindparam("b_job"),
            table.c.period == bindparam("b_period"),
            table.c.status == claims.CLAIMED,
            table.c.claimed_by == self.owner,
        )
        with self.db.session() as session:
            now = database_now(session)
            for job, sent in by_job.items():
                held = self._held(session, job, [dm.period for dm, _ in sent])
                for dm, _ in sent:
                    if dm.period not in held:
                        # Taken over meanwhile (this run stalled past its lease): the new owner
                        # finds the DM by its metadata and records it; this run records nothing.
                        log.warning("lost the claim on %s while sending it", dm.key)
                sent = [(dm, delivery) for dm, delivery in sent if dm.period in held]
                if not sent:
                    continue
                session.execute(
                    update(table)
                    .where(*mine)
                    .values(status=claims.DONE, finished_at=now, detail=bindparam("b_detail")),
                    [
                        {"b_job": job, "b_period": dm.period, "b_detail": _detail(delivery)}
                        for dm, delivery in sent
                    ],
                )
                if job in self.recorders:
                    self.recorders[job](session, sent)
                for dm, delivery in sent:
                    if delivery.undeliverable is None:
                        self.report.sent[job] += 1
                        continue
                    self.report.undeliverable[job] += 1
                    log.info(
                        "DM %s to %s in %s: %s; not retried",
                        dm.key,
                        dm.user_id,
                        self.team_id,
                        delivery.undeliverable,
                    )
            for job, dms in failed.items():
                session.execute(
                    update(table)
                    .where(*mine)
                    .values(status=claims.RELEASED, finished_at=now, detail=bindparam("b_why")),
                    [
                        {
                            "b_job": job,
                            "b_period": dm.period,
                            "b_why": self._reasons.get(dm.key, "failed"),
                        }
                        for dm in dms
                    ],
                )
                self.report.failed[job] += len(dms)

    def _held(self, session: Session, job: str, periods: list[str]) -> set[str]:
        """Which of ``periods`` this run still holds (locked until the transaction ends)."""
        return set(
            session.scalars(
                select(JobClaim.period)
                .where(
                    JobClaim.team_id == self.team_id,
                    JobClaim.job == job,
                    JobClaim.period.in_(periods),
                    JobClaim.status == claims.CLAIMED,
                    JobClaim.claimed_by == self.owner,
                )
                .with_for_update()
            )
        )


def _detail(delivery: Delivery) -> str | None:
    if delivery.undeliverable is not None:
        return f"undeliverable: {delivery.undeliverable}"
    return delivery.ts


def _key(team_id: str, dm: Dm) -> tuple:
    return (JobClaim.team_id == team_id, JobClaim.job == dm.job, JobClaim.period == dm.period)
