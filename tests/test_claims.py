"""Each scheduled post is claimed once per workspace, job and period — whoever races for it."""

from __future__ import annotations

import multiprocessing
import threading
from datetime import UTC, datetime, timedelta

import pytest

from bot.db import Database
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


def test_the_first_claim_wins_and_a_second_for_the_same_week_does_not(db: Database) -> None:
    assert claim_status(db, T1, "prompt", PERIOD) is None
    assert claim(db, T1, "prompt", PERIOD, now=NOW, owner="a")
    assert claim_status(db, T1, "prompt", PERIOD) == "claimed"
    assert not claim(db, T1, "prompt", PERIOD, now=NOW + timedelta(minutes=1), owner="b")


def test_claims_are_separate_per_workspace_job_and_week(db: Database) -> None:
    assert claim(db, T1, "prompt", PERIOD, now=NOW, owner="a")
    assert claim(db, T2, "prompt", PERIOD, now=NOW, owner="a")
    assert claim(db, T1, "digest", PERIOD, now=NOW, owner="a")
    assert claim(db, T1, "prompt", "2026-W49", now=NOW, owner="a")


def test_a_finished_post_is_never_claimed_again_not_even_after_the_lease(db: Database) -> None:
    assert claim(db, T1, "prompt", PERIOD, now=NOW, owner="a")
    assert finish(db, T1, "prompt", PERIOD, now=NOW, detail="1700000000.000100")
    assert claim_status(db, T1, "prompt", PERIOD) == "done"
    later = NOW + timedelta(days=2)
    assert not claim(db, T1, "prompt", PERIOD, now=later, owner="b")
    assert not release(db, T1, "prompt", PERIOD, owner="a")
    assert claim_status(db, T1, "prompt", PERIOD) == "done"


def test_a_failed_post_releases_its_claim_so_a_later_run_can_post(db: Database) -> None:
    assert claim(db, T1, "prompt", PERIOD, now=NOW, owner="a")
    assert release(db, T1, "prompt", PERIOD, owner="a")
    assert claim_status(db, T1, "prompt", PERIOD) is None
    assert claim(db, T1, "prompt", PERIOD, now=NOW + timedelta(minutes=5), owner="b")


def test_a_process_cannot_release_a_claim_it_does_not_hold(db: Database) -> None:
    assert claim(db, T1, "prompt", PERIOD, now=NOW, owner="a")
    assert not release(db, T1, "prompt", PERIOD, owner="b")
    assert claim_status(db, T1, "prompt", PERIOD) == "claimed"


def test_a_claim_left_by_a_dead_process_is_taken_over_after_the_lease(db: Database) -> None:
    assert claim(db, T1, "prompt", PERIOD, now=NOW, owner="dead")
    within = NOW + DEFAULT_LEASE
    assert not claim(db, T1, "prompt", PERIOD, now=within, owner="b")
    after = NOW + DEFAULT_LEASE + timedelta(seconds=1)
    assert claim(db, T1, "prompt", PERIOD, now=after, owner="b")
    # The dead process, should it wake up, can no longer give the claim away.
    assert not release(db, T1, "prompt", PERIOD, owner="dead")
    assert finish(db, T1, "prompt", PERIOD, now=after, detail="ts")
    assert claim_status(db, T1, "prompt", PERIOD) == "done"


def test_finishing_a_claim_nobody_holds_changes_nothing(db: Database) -> None:
    assert not finish(db, T1, "prompt", PERIOD, now=NOW)
    assert claim_status(db, T1, "prompt", PERIOD) is None


def test_the_owner_names_the_host_and_process() -> None:
    host, pid = process_owner().rsplit(":", 1)
    assert host and pid.isdigit()


# -- racing threads ----------------------------------------------------------------------------


def race_in_threads(db: Database, count: int, now: datetime) -> list[str]:
    barrier = threading.Barrier(count)
    winners: list[str] = []
    errors: list[BaseException] = []

    def racer(owner: str) -> None:
        try:
            barrier.wait(timeout=30)
            if claim(db, T1, "prompt", PERIOD, now=now, owner=owner):
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
    assert len(race_in_threads(db, 8, NOW)) == 1


def test_eight_threads_racing_to_take_over_a_dead_claim_yield_one_winner(db: Database) -> None:
    assert claim(db, T1, "prompt", PERIOD, now=NOW, owner="dead")
    assert len(race_in_threads(db, 8, NOW + timedelta(minutes=30))) == 1


# -- racing processes, each with its own connection pool ---------------------------------------


def _claim_in_a_process(url: str, barrier, results, owner: str, now_iso: str) -> None:
    db = Database(url)
    try:
        barrier.wait(timeout=60)
        won = claim(db, T1, "prompt", PERIOD, now=datetime.fromisoformat(now_iso), owner=owner)
        results.put((owner, won))
    except BaseException as exc:
        results.put((owner, repr(exc)))
    finally:
        db.dispose()


def race_in_processes(db: Database, now: datetime) -> list[str]:
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(2)
    results = context.Queue()
    processes = [
        context.Process(
            target=_claim_in_a_process,
            args=(url_of(db), barrier, results, f"process-{i}", now.isoformat()),
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
    winners = race_in_processes(db, NOW)
    assert len(winners) == 1
    assert claim_status(db, T1, "prompt", PERIOD) == "claimed"


def test_two_schedulers_taking_over_a_dead_claim_yield_one_winner(db: Database) -> None:
    assert claim(db, T1, "prompt", PERIOD, now=NOW, owner="dead")
    assert len(race_in_processes(db, NOW + timedelta(hours=1))) == 1
