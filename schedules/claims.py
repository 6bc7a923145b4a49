"""Exactly once per (workspace, job, period), across any number of processes on one database.

A scheduled post is claimed in ``job_claims`` *before* it is sent; the unique key
(team_id, job, period) lets exactly one process insert the row (``ON CONFLICT DO NOTHING``, so
the loser gets "not yours" instead of an error). The winner then:
- ``finish`` — the post went out: inside the same transaction that records the post (the
  prompt row that thread replies are matched against), the claim becomes "done", so the claim
  and the record are committed together or not at all, and nobody posts that period again;
- ``release`` — the post failed: the claim becomes "released" with the reason, and the next
  caller takes it at once (the reason tells it whether the coordinator was told already).

A process that dies between claiming and finishing leaves a claim "claimed". After ``lease``
(default ten minutes) such a claim may be taken over by exactly one later caller: the row is
read ``FOR UPDATE`` (PostgreSQL; SQLite writers are serialised by ``BEGIN IMMEDIATE``), so two
callers cannot both see it expired and both take it.

Leases are judged by the **database's clock** (``bot.db.database_now``), never by the moment a
caller acts as: ``kindness-bot post prompt --at`` may pretend to be any instant of the week,
but a claim made a second ago is a second old, so a second caller never takes it over. One
clock also keeps schedulers on machines whose clocks drift apart from judging it differently.

The trade-off: a process that is still alive but hangs for longer than the lease between
claiming and finishing could post after another process took over. Only one of them can
finish (``finish`` names its ``owner``); ``schedules.posting`` withdraws the loser's message.
``release`` names its owner too, so a process whose claim was taken over cannot release the new
owner's claim.

The workspace row must exist (claims reference it).
"""

from __future__ import annotations

import os
import socket
import threading
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from bot import metrics
from bot.db import Database, database_now, insert_ignoring_duplicates
from bot.models import JobClaim

DEFAULT_LEASE = timedelta(minutes=10)
CLAIMED = "claimed"
DONE = "done"
RELEASED = "released"


@dataclass(frozen=True)
class Claim:
    """What claiming a period found: whether the caller holds it now, and how it stood."""

    won: bool
    status: str | None = None  # as found: None (nobody had it), "claimed", "released", "done"
    holder: str | None = None  # who held it
    detail: str | None = None  # a done post's message ts; a released claim's reason
    # When the claim as found was made; for a new one, now (the database's clock): no post of
    # the period can be older than the earliest claim on it.
    claimed_at: datetime | None = None

    @property
    def in_flight(self) -> bool:
        """Lost to a process that holds the claim and has not finished (or died within the
        lease): the post may still fail and be released."""
        return not self.won and self.status == CLAIMED


def process_owner() -> str:
    """Who claims, as written in the claim: ``host:pid:thread`` — enough to find the process in
    logs, and distinct for two threads of one process (a weekly run and its retry may overlap)."""
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_native_id()}"


def claim(
    db: Database,
    team_id: str,
    job: str,
    period: str,
    *,
    owner: str,
    lease: timedelta = DEFAULT_LEASE,
) -> Claim:
    """Take (team_id, job, period) unless another caller holds it or it is done.

    Won by exactly one caller while the period is new, released, or held by a claim older
    than ``lease`` on the database's clock.
    """
    taken = _take(db, team_id, job, period, owner=owner, lease=lease)
    metrics.claim(job, taken=taken.won)
    return taken


def _take(
    db: Database, team_id: str, job: str, period: str, *, owner: str, lease: timedelta
) -> Claim:
    with db.session() as session:
        now = database_now(session)
        fresh = {"status": CLAIMED, "claimed_by": owner, "claimed_at": now}
        if insert_ignoring_duplicates(
            session, JobClaim, {"team_id": team_id, "job": job, "period": period, **fresh}
        ):
            return Claim(won=True, claimed_at=now)
        row = session.execute(
            select(JobClaim.status, JobClaim.claimed_by, JobClaim.detail, JobClaim.claimed_at)
            .where(*_key(team_id, job, period))
            .with_for_update()
        ).one_or_none()
        if row is None:  # the workspace was deleted meanwhile
            return Claim(won=False)
        found = Claim(False, row.status, row.claimed_by, row.detail, row.claimed_at)
        if row.status == DONE or (row.status == CLAIMED and row.claimed_at >= now - lease):
            return found
        session.execute(
            update(JobClaim)
            .where(*_key(team_id, job, period))
            .values(**fresh, finished_at=None, detail=None)
        )
        return replace(found, won=True)


def finish(
    session: Session, team_id: str, job: str, period: str, *, owner: str, detail: str | None
) -> bool:
    """Mark one's own claim as done (``detail``: e.g. the message ts) in ``session``'s
    transaction — the one that records the post. False when the caller no longer holds it."""
    result = session.execute(
        update(JobClaim)
        .where(*_held_by(team_id, job, period, owner))
        .values(status=DONE, finished_at=database_now(session), detail=detail)
    )
    return result.rowcount == 1


def release(db: Database, team_id: str, job: str, period: str, *, owner: str, reason: str) -> bool:
    """Give up one's own claim after a failed post, so that the next run can try again.

    A "done" claim is never released, nor a claim another process has taken over.
    """
    with db.session() as session:
        result = session.execute(
            update(JobClaim)
            .where(*_held_by(team_id, job, period, owner))
            .values(status=RELEASED, finished_at=database_now(session), detail=reason)
        )
        return result.rowcount == 1


def claim_status(db: Database, team_id: str, job: str, period: str) -> str | None:
    """``"claimed"``, ``"released"``, ``"done"``, or None when nobody ever claimed it."""
    with db.reading() as session:
        return session.scalar(select(JobClaim.status).where(*_key(team_id, job, period)))


def is_done_with(db: Database, team_id: str, job: str, period: str, detail: str) -> bool:
    """The period's claim is done, finished with ``detail`` (this very message's ts): asked
    after a failed COMMIT, whose answer may have been lost rather than the commit. False when
    the database cannot say either."""
    try:
        with db.reading() as session:
            found = session.execute(
                select(JobClaim.status, JobClaim.detail).where(*_key(team_id, job, period))
            ).first()
    except SQLAlchemyError:
        return False
    return found is not None and tuple(found) == (DONE, detail)


def _key(team_id: str, job: str, period: str) -> tuple:
    return (JobClaim.team_id == team_id, JobClaim.job == job, JobClaim.period == period)


def _held_by(team_id: str, job: str, period: str, owner: str) -> tuple:
    return (*_key(team_id, job, period), JobClaim.status == CLAIMED, JobClaim.claimed_by == owner)
