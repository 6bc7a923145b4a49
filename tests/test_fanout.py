"""Many DMs at Slack's pace, each exactly once: the fan-out against the Slack stand-in."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from slack_sdk import WebClient
from sqlalchemy import select, update

from bot.config import load_config
from bot.db import Database, database_now
from bot.models import JobClaim
from bot.slack.client import WebApiSlack, make_client
from bot.workspaces import ensure_workspace
from conftest import SIGNING_SECRET
from sandbox import SlackStandIn
from schedules import claims
from schedules.fanout import DEFAULT_CONCURRENCY, DM_EVENT, Delivery, Dm, FanOut, Pacer

T1 = "T0KIND"
NOW = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)


class VirtualTime:
    """One clock for the stand-in's rate limit and the fan-out's pacer: sleeping moves it on
    instead of waiting, so a test of pacing takes no real time. A thread's sleep ends at the
    time it last read plus the sleep, as a real one would, however many threads sleep."""

    def __init__(self) -> None:
        self.now = 5000.0
        self._lock = threading.Lock()
        self._read = threading.local()

    def __call__(self) -> float:
        with self._lock:
            self._read.at = self.now
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            start = getattr(self._read, "at", self.now)
            self.now = max(self.now, start + max(0.0, seconds))
            self._read.at = self.now


@pytest.fixture
def virtual() -> VirtualTime:
    return VirtualTime()


@pytest.fixture
def slack(virtual: VirtualTime) -> Iterator[SlackStandIn]:
    with SlackStandIn(team_id=T1, monotonic=virtual, sleep=virtual.sleep) as standin:
        yield standin


@pytest.fixture
def db(database: Database) -> Database:
    with database.session() as session:
        ensure_workspace(session, T1, now=NOW)
    return database


def client_for(slack: SlackStandIn) -> WebClient:
    """The scheduler's client, as ``make_client`` makes it (short backoff: no long waits)."""
    config = load_config(
        {
            "SLACK_BOT_TOKEN": slack.bot_token,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": slack.api_url,
        },
        require_slack=True,
    )
    return make_client(config, backoff=0.001)


def members(slack: SlackStandIn, count: int) -> list[str]:
    users = [f"UM{n:04d}" for n in range(count)]
    for user in users:
        slack.add_user(user, name=user.lower())
    return users


class Recorded:
    """What the fan-out recorded, per DM, as a job's own recorder would."""

    def __init__(self) -> None:
        self.deliveries: dict[str, Delivery] = {}
        self._lock = threading.Lock()

    def __call__(self, session, sent: list[tuple[Dm, Delivery]]) -> None:
        with self._lock:
            for dm, delivery in sent:
                assert dm.user_id not in self.deliveries, f"{dm.user_id} recorded twice"
                self.deliveries[dm.user_id] = delivery

    @staticmethod
    def dm(user: str, period: str = "2026-W48") -> Dm:
        return Dm("test", f"{period}:{user}", user, {"text": f"Hello {user}"})


def dms_in(slack: SlackStandIn, user: str) -> list[dict]:
    return [m for m in slack.messages_in(slack.dm_with(user)) if m.get("metadata")]


def fanout(
    db: Database,
    slack: SlackStandIn,
    virtual: VirtualTime,
    recorded: Recorded | None = None,
    **options,
) -> FanOut:
    return FanOut(
        db,
        WebApiSlack(client_for(slack)),
        T1,
        owner=options.pop("owner", "proc-1"),
        pacer=Pacer(clock=virtual, sleep=virtual.sleep),
        sleep=virtual.sleep,
        recorders={"test": recorded or Recorded()},
        **options,
    )


# -- pacing ------------------------------------------------------------------------------------


def test_the_pacer_sends_freely_until_slack_says_too_many_then_keeps_to_what_went_through(
    virtual: VirtualTime,
) -> None:
    pacer = Pacer(clock=virtual, sleep=virtual.sleep)
    first = pacer.wait()
    # A burst: 60 go through in a quarter of a second, unpaced, then Slack says 429.
    for _ in range(60):
        assert pacer.wait() == virtual()
        pacer.sent()
        virtual.sleep(0.25 / 60)
    refused_at = pacer.wait()
    pacer.limited(refused_at, retry_after=1)
    # 60 in the second before, a burst that lasted 0.25 s: about 48 a second, less a margin.
    assert refused_at - first == pytest.approx(0.25)
    assert pacer.rate == pytest.approx(60 / 1.25 * 0.98)
    rate = pacer.rate
    # Other sends of that burst, refused too, do not lower the pace again.
    pacer.limited(refused_at, retry_after=1)
    assert pacer.rate == rate
    # Everyone waits out the Retry-After; then 90% of the second's worth the limit refilled
    # meanwhile goes at once, and the rest one every 1/rate s.
    burst = int(rate * 0.9)
    after = [pacer.wait() for _ in range(burst + 3)]
    assert after[:burst] == [pytest.approx(refused_at + 1)] * burst
    assert after[burst + 1] - after[burst] == pytest.approx(1 / rate)
    assert after[burst + 2] - after[burst + 1] == pytest.approx(1 / rate)
    # A 429 to a send started since lowers the pace by 15%.
    pacer.limited(pacer.wait(), retry_after=2)
    assert pacer.rate == pytest.approx(rate * 0.85)
    # Five quiet seconds after the wait raise it by 2% of the first pace learnt.
    lowered = pacer.rate
    virtual.sleep(2 + 5)
    for _ in range(int(lowered * 0.9) + 1):  # the burst after the wait, then a paced send
        pacer.wait()
    assert pacer.rate == pytest.approx(lowered + rate * 0.02)


def test_hundreds_of_dms_under_a_workspace_rate_limit_all_go_once(
    db: Database, slack: SlackStandIn, virtual: VirtualTime
) -> None:
    users = members(slack, 300)
    slack.rate_limit("chat.postMessage", 50)
    recorded = Recorded()
    report = fanout(db, slack, virtual, recorded).send([recorded.dm(u) for u in users])

    assert report.sent["test"] == 300 and not report.failed and not report.already
    assert set(recorded.deliveries) == set(users)
    assert all(len(dms_in(slack, u)) == 1 for u in users)
    # Slack was asked too often only while the pace was learnt (the senders in flight then),
    # and every 429 was waited out and sent again. (How close to the floor: bench/fanout.py.)
    assert 1 <= report.rate_limited <= 2 * DEFAULT_CONCURRENCY
    statuses = Counter(c.status for c in slack.calls_to("chat.postMessage"))
    assert statuses == {200: 300, 429: report.rate_limited}
    assert all(
        claims.claim_status(db, T1, "test", f"2026-W48:{u}") == claims.DONE for u in users[:5]
    )


def test_concurrent_sends_overlap_a_slow_slack(db: Database) -> None:
    """With 50 ms answers and no limit, DMs go out many at a time, not one after another."""
    in_flight = 0
    most = 0
    lock = threading.Lock()
    entered = threading.Event()

    def slow(seconds: float) -> None:
        nonlocal in_flight, most
        with lock:
            in_flight += 1
            most = max(most, in_flight)
            if in_flight >= 8:
                entered.set()
        entered.wait(timeout=5)  # hold each answer until eight are waiting at once
        with lock:
            in_flight -= 1

    with SlackStandIn(team_id=T1, sleep=slow) as standin:
        users = members(standin, 32)
        standin.latency(0.05, "chat.postMessage")
        report = FanOut(db, WebApiSlack(client_for(standin)), T1, owner="p", concurrency=16).send(
            [Recorded().dm(u) for u in users]
        )
    assert report.sent["test"] == 32
    assert most >= 8


# -- exactly once --------------------------------------------------------------------------------


def test_a_run_that_died_after_sending_is_recovered_not_sent_again(
    db: Database, slack: SlackStandIn, virtual: VirtualTime
) -> None:
    users = members(slack, 5)
    client = client_for(slack)
    dead = Recorded()
    # A run claimed all five two minutes ago, sent three, and died before recording any.
    with db.session() as session:
        claimed_at = database_now(session) - timedelta(minutes=2)
        for user in users:
            session.add(
                JobClaim(
                    team_id=T1,
                    job="test",
                    period=f"2026-W48:{user}",
                    status=claims.CLAIMED,
                    claimed_by="dead-process",
                    claimed_at=claimed_at,
                )
            )
    for user in users[:3]:
        dm = dead.dm(user)
        client.chat_postMessage(
            channel=user,
            metadata={"event_type": DM_EVENT, "event_payload": {"key": dm.key}},
            **dm.message,
        )
    slack.clear()

    # Within the lease (on the database's clock) nobody touches them …
    early = fanout(db, slack, virtual, owner="proc-2")
    assert early.send([Recorded().dm(u) for u in users]).already["test"] == 5
    # … once it has run out (the claims are as old as ten minutes and more)
    with db.session() as session:
        session.execute(
            update(JobClaim).values(claimed_at=database_now(session) - timedelta(minutes=11))
        )
    # … after it, the new run finds the three that went out and sends only the other two.
    recorded = Recorded()
    report = fanout(db, slack, virtual, recorded, owner="proc-2").send(
        [recorded.dm(u) for u in users]
    )
    assert (report.sent["test"], report.recovered) == (5, 3)
    assert len(slack.calls_to("chat.postMessage")) == 2
    assert all(len(dms_in(slack, u)) == 1 for u in users)
    assert {u for u, d in recorded.deliveries.items() if d.recovered} == set(users[:3])


def test_an_answer_lost_after_slack_posted_is_not_sent_twice(
    db: Database, slack: SlackStandIn, virtual: VirtualTime
) -> None:
    (user,) = members(slack, 1)
    slack.drop_next("chat.postMessage", after_effect=True)
    recorded = Recorded()
    report = fanout(db, slack, virtual, recorded).send([recorded.dm(user)])
    assert (report.sent["test"], report.recovered, report.failed["test"]) == (1, 1, 0)
    assert len(dms_in(slack, user)) == 1
    assert recorded.deliveries[user].ts == dms_in(slack, user)[0]["ts"]


def test_an_answer_lost_before_slack_posted_is_sent_again(
    db: Database, slack: SlackStandIn, virtual: VirtualTime
) -> None:
    (user,) = members(slack, 1)
    slack.fail_next("chat.postMessage", status=500)
    report = fanout(db, slack, virtual).send([Recorded().dm(user)])
    assert (report.sent["test"], report.recovered) == (1, 0)
    assert len(dms_in(slack, user)) == 1
    assert [c.status for c in slack.calls_to("chat.postMessage")] == [500, 200]


def test_two_processes_fanning_out_the_same_dms_send_each_once(
    db: Database, slack: SlackStandIn, virtual: VirtualTime
) -> None:
    users = members(slack, 60)
    recorded = Recorded()
    barrier = threading.Barrier(2)
    reports = []
    errors: list[BaseException] = []

    def process(owner: str) -> None:
        try:
            run = fanout(db, slack, virtual, recorded, owner=owner)
            barrier.wait(timeout=10)
            reports.append(run.send([recorded.dm(u) for u in users]))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=process, args=(f"proc-{n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert sum(r.sent["test"] for r in reports) == 60
    assert sum(r.already["test"] for r in reports) == 60
    assert all(len(dms_in(slack, u)) == 1 for u in users)
    with db.reading() as session:
        statuses = Counter(session.scalars(select(JobClaim.status)))
    assert statuses == {claims.DONE: 60}


def test_a_member_who_cannot_be_written_to_is_recorded_as_undeliverable(
    db: Database, slack: SlackStandIn, virtual: VirtualTime
) -> None:
    users = members(slack, 2)
    slack.fail_next("chat.postMessage", error="account_inactive")
    recorded = Recorded()
    report = fanout(db, slack, virtual, recorded, concurrency=1).send(
        [recorded.dm(u) for u in users]
    )
    assert (report.sent["test"], report.undeliverable["test"]) == (1, 1)
    assert recorded.deliveries[users[0]].undeliverable == "account_inactive"
    assert claims.claim_status(db, T1, "test", f"2026-W48:{users[0]}") == claims.DONE
