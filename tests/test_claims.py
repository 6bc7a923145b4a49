"""Each scheduled post is claimed once per workspace, job and period — whoever races for it."""

from __future__ import annotations

import multiprocessing
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from bot.db import Database, database_now
from bot.models import JobClaim
from bot.workspaces import ensure_workspace
from schedules.claims import (
    DEFAULT_LEASE,
    claim,
    claim_status,
    finish,
    process_owner,
    release,
)

T1, T2 = "T0001", "T0002"
PERIOD = "2026-W48"
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


@pytest.fixture
def db(database: Database) -> Database:
    with database.session() as session:
        ensure_workspace(session, T1, now=NOW)
        ensure_workspace(session, T2, now=NOW)
    return database


def url_of(db: Database) -> str:
    return db.engine.url.render_as_string(hide_password=False)


# -- one process -------------------------------------------------------------------------------


def done(db: Database, team: str, job: str, period: str, owner: str, ts: str) -> bool:
    """Finish a claim as a post does: in a transaction of the caller's."""
    with db.session() as session:
        return finish(session, team, job, period, owner=owner, detail=ts)


def backdate(db: Database, minutes: float) -> None:
    """Make the claim look as if it had been made ``minutes`` earlier by the database's clock."""
    with db.session() as session:
        claimed_at = session.scalar(select(JobClaim.claimed_at))
        session.execute(update(JobClaim).values(claimed_at=claimed_at - timedelta(minutes=minutes)))


def test_the_first_claim_wins_and_a_second_for_the_same_week_does_not(db: Database) -> None:
    assert claim_status(db, T1, "prompt", PERIOD) is None
    assert claim(db, T1, "prompt", PERIOD, owner="a").won
    assert claim_status(db, T1, "prompt", PERIOD) == "claimed"
    second = claim(db, T1, "prompt", PERIOD, owner="b")
    assert not second.won and second.in_flight and second.holder == "a"


def test_claims_are_separate_per_workspace_job_and_week(db: Database) -> None:
    assert claim(db, T1, "prompt", PERIOD, owner="a").won
    assert claim(db, T2, "prompt", PERIOD, owner="a").won
    assert claim(db, T1, "digest", PERIOD, owner="a").won
    assert claim(db, T1, "prompt", "2026-W49", owner="a").won


def test_a_finished_post_is_never_claimed_again_not_even_after_the_lease(db: Database) -> None:
    assert claim(db, T1, "prompt", PERIOD, owner="a").won
    assert done(db, T1, "prompt", PERIOD, "a", "1700000000.000100")
    assert claim_status(db, T1, "prompt", PERIOD) == "done"
    backdate(db, minutes=60 * 24 * 2)
    again = claim(db, T1, "prompt", PERIOD, owner="b")
    assert not again.won and not again.in_flight and again.detail == "1700000000.000100"
    assert not release(db, T1, "prompt", PERIOD, owner="a", reason="failed: fatal_error")
    assert claim_status(db, T1, "prompt", PERIOD) == "done"


def test_a_failed_post_releases_its_claim_so_the_next_run_can_post_at_once(db: Database) -> None:
    assert claim(db, T1, "prompt", PERIOD, owner="a").won
    assert release(db, T1, "prompt", PERIOD, owner="a", reason="failed: fatal_error")
    assert claim_status(db, T1, "prompt", PERIOD) == "released"
    retry = claim(db, T1, "prompt", PERIOD, owner="b")
    assert retry.won and retry.status == "released" and retry.detail == "failed: fatal_error"
    assert claim_status(db, T1, "prompt", PERIOD) == "claimed"


def test_a_process_cannot_release_or_finish_a_claim_it_does_not_hold(db: Database) -> None:
    assert claim(db, T1, "prompt", PERIOD, owner="a").won
    assert not release(db, T1, "prompt", PERIOD, owner="b", reason="failed: fatal_error")
    assert not done(db, T1, "prompt", PERIOD, "b", "1700000000.000100")
    assert claim_status(db, T1, "prompt", PERIOD) == "claimed"


def test_a_claim_left_by_a_dead_process_is_taken_over_after_the_lease(db: Database) -> None:
    assert claim(db, T1, "prompt", PERIOD, owner="dead").won
    backdate(db, minutes=DEFAULT_LEASE.total_seconds() / 60 - 1)
    assert claim(db, T1, "prompt", PERIOD, owner="b").in_flight
    backdate(db, minutes=2)  # now a minute past the lease
    assert claim(db, T1, "prompt", PERIOD, owner="b").won
    # The dead process, should it wake up, can neither give the claim away nor finish it.
    assert not release(db, T1, "prompt", PERIOD, owner="dead", reason="failed: fatal_error")
    assert not done(db, T1, "prompt", PERIOD, "dead", "1700000000.000100")
    assert done(db, T1, "prompt", PERIOD, "b", "1700000000.000200")
    assert claim_status(db, T1, "prompt", PERIOD) == "done"


def test_claims_are_timed_by_the_databases_clock(db: Database) -> None:
    with db.reading() as session:
        before = database_now(session)
    assert claim(db, T1, "prompt", PERIOD, owner="a").won
    with db.reading() as session:
        claimed_at = session.scalar(select(JobClaim.claimed_at))
        after = database_now(session)
    assert before <= claimed_at <= after
    assert abs(after - datetime.now(UTC)) < timedelta(minutes=1)


def test_finishing_a_claim_nobody_holds_changes_nothing(db: Database) -> None:
    assert not done(db, T1, "prompt", PERIOD, "a", "1700000000.000100")
    assert claim_status(db, T1, "prompt", PERIOD) is None


def test_the_owner_names_the_host_process_and_thread() -> None:
    host, pid, thread = process_owner().rsplit(":", 2)
    assert host and pid.isdigit() and thread.isdigit()
    other: list[str] = []
    worker = threading.Thread(target=lambda: other.append(process_owner()))
    worker.start()
    worker.join()
    assert other[0] != process_owner()


# -- racing threads ----------------------------------------------------------------------------


def race_in_threads(db: Database, count: int) -> list[str]:
    barrier = threading.Barrier(count)
    winners: list[str] = []
    errors: list[BaseException] = []

    def racer(owner: str) -> None:
        try:
            barrier.wait(timeout=30)
            if claim(db, T1, "prompt", PERIOD, owner=owner).won:
                winners.append(owner)
        except BaseException as exc:  # reported below, in the test's own thread
            errors.append(exc)

    threads = [threading.Thread(target=racer, args=(f"thread-{i}",)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return winners


def test_eight_threads_racing_for_the_weeks_prompt_post_it_once(db: Database) -> None:
    assert len(race_in_threads(db, 8)) == 1


def test_eight_threads_racing_to_take_over_a_dead_claim_yield_one_winner(db: Database) -> None:
    assert claim(db, T1, "prompt", PERIOD, owner="dead").won
    backdate(db, minutes=30)
    assert len(race_in_threads(db, 8)) == 1


# -- racing processes, each with its own connection pool ---------------------------------------


def _claim_in_a_process(url: str, barrier, results, owner: str) -> None:
    db = Database(url)
    try:
        barrier.wait(timeout=60)
        results.put((owner, claim(db, T1, "prompt", PERIOD, owner=owner).won))
    except BaseException as exc:
        results.put((owner, repr(exc)))
    finally:
        db.dispose()


def race_in_processes(db: Database) -> list[str]:
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(2)
    results = context.Queue()
    processes = [
        context.Process(
            target=_claim_in_a_process,
            args=(url_of(db), barrier, results, f"process-{i}"),
        )
        for i in range(2)
    ]
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0
    assert all(isinstance(won, bool) for _, won in outcomes), outcomes
    return [owner for owner, won in outcomes if won]


def test_two_schedulers_on_one_database_claim_the_prompt_once(db: Database) -> None:
    winners = race_in_processes(db)
    assert len(winners) == 1
    assert claim_status(db, T1, "prompt", PERIOD) == "claimed"


def test_two_schedulers_taking_over_a_dead_claim_yield_one_winner(db: Database) -> None:
    assert claim(db, T1, "prompt", PERIOD, owner="dead").won
    backdate(db, minutes=60)
    assert len(race_in_processes(db)) == 1
