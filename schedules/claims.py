"""Exactly once per (workspace, job, period), across any number of processes on one database.

A scheduled post is claimed in ``job_claims`` *before* it is sent; the unique key
(team_id, job, period) lets exactly one process insert the row (``ON CONFLICT DO NOTHING``, so
the loser gets "not yours" instead of an error). The winner then:
- ``finish`` — the post went out: the claim becomes "done" (with e.g. the message ts) and no
  process will ever post that period again;
- ``release`` — the post failed: the claim is deleted so that a later run may try again.

A process that dies between claiming and finishing leaves a claim "claimed" for ever. After
``lease`` (default ten minutes) such a claim may be taken over, by exactly one later caller:
the takeover is a single ``UPDATE … WHERE status = 'claimed' AND claimed_at < now - lease``
whose row count says who won (PostgreSQL re-checks the WHERE clause against the row a
concurrent winner just committed; SQLite writers are serialised by ``BEGIN IMMEDIATE``).

The trade-off: a process that is still alive but hangs for longer than the lease between
claiming and posting could post after another process took over — a double post. The lease is
far longer than a Slack call with all its retries (seconds to a minute or two), so that takes
a stall of many minutes; the alternative, never taking over, would lose the week's post for
good whenever a process is killed mid-post. ``release`` and the takeover name their ``owner``,
so a process whose claim was taken over cannot release the new owner's claim.

The workspace row must exist (claims reference it).
"""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update

from bot import metrics
from bot.db import Database, insert_ignoring_duplicates
from bot.models import JobClaim

DEFAULT_LEASE = timedelta(minutes=10)
CLAIMED = "claimed"
DONE = "done"


def process_owner() -> str:
    """Who claims, as written in the claim: ``host:pid`` — enough to find the process in logs."""
    return f"{socket.gethostname()}:{os.getpid()}"


def claim(
    db: Database,
    team_id: str,
    job: str,
    period: str,
    *,
    now: datetime,
    owner: str,
    lease: timedelta = DEFAULT_LEASE,
) -> bool:
    """True for exactly one caller per (team_id, job, period) — until released or expired."""
    with db.session() as session:
        inserted = insert_ignoring_duplicates(
            session,
            JobClaim,
            {
                "team_id": team_id,
                "job": job,
                "period": period,
                "status": CLAIMED,
                "claimed_by": owner,
                "claimed_at": now,
            },
        )
        if inserted:
            metrics.claim(job, taken=True)
            return True
        taken_over = session.execute(
            update(JobClaim)
            .where(
                *_key(team_id, job, period),
                JobClaim.status == CLAIMED,
                JobClaim.claimed_at < now - lease,
            )
            .values(claimed_by=owner, claimed_at=now)
        )
        metrics.claim(job, taken=taken_over.rowcount == 1)
        return taken_over.rowcount == 1


def finish(
    db: Database, team_id: str, job: str, period: str, *, now: datetime, detail: str | None = None
) -> bool:
    """Mark a claimed post as sent (``detail``: e.g. the message ts); False if not claimed."""
    with db.session() as session:
        result = session.execute(
            update(JobClaim)
            .where(*_key(team_id, job, period), JobClaim.status == CLAIMED)
            .values(status=DONE, finished_at=now, detail=detail)
        )
        return result.rowcount == 1


def release(db: Database, team_id: str, job: str, period: str, *, owner: str) -> bool:
    """Give up one's own claim after a failed post, so that a later run can try again.

    A "done" claim is never released, nor a claim another process has taken over.
    """
    with db.session() as session:
        result = session.execute(
            delete(JobClaim).where(
                *_key(team_id, job, period),
                JobClaim.status == CLAIMED,
                JobClaim.claimed_by == owner,
            )
        )
        return result.rowcount == 1


def claim_status(db: Database, team_id: str, job: str, period: str) -> str | None:
    """``"claimed"``, ``"done"``, or None when nobody holds the period."""
    with db.reading() as session:
        return session.scalar(select(JobClaim.status).where(*_key(team_id, job, period)))


def _key(team_id: str, job: str, period: str) -> tuple:
    return (JobClaim.team_id == team_id, JobClaim.job == job, JobClaim.period == period)
