"""The scheduled jobs over the in-memory Slack (``bot.slack.port.InMemorySlack``): what was
posted, where, to whom, and exactly once — without HTTP. (The same jobs against the Slack
stand-in over HTTP: test_rhythm, test_nudges, test_dm_job, test_fanout.)"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from bot.config import load_config
from bot.db import Database, database_now
from bot.models import JobClaim, PostedDigest, PostedPrompt
from bot.report import charts
from bot.services import Services
from bot.slack.port import NO_ANSWER, SERVER_ERROR, Metadata, Posted, RetryPolicy
from conftest import FakeClock, failing_inserts, message_text
from fake_slack import InMemorySlack, SentMessage
from schedules import claims
from schedules.digest import post_weekly_digest
from schedules.fanout import DM_EVENT, Dm, FanOut, Pacer
from schedules.manual import run_job_now
from schedules.nudges import send_nudges
from schedules.posting import POST_EVENT
from schedules.profiles import recipients
from schedules.prompt import post_weekly_prompt

TEAM = "T0KIND"
CHANNEL = "CNETWORK"
COORDINATOR = "UCOORD"
ANN, BEN = "UANN", "UBEN"
MONDAY_10 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
FRIDAY_15 = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)


@pytest.fixture
def services(sqlite_db: Database, clock: FakeClock) -> Services:
    services = Services(load_config({}), sqlite_db, clock=clock)
    services.settings.apply(
        TEAM, {"channel": CHANNEL, "timezone": "Europe/London"}, by_user=COORDINATOR
    )
    return services


@pytest.fixture
def slack() -> InMemorySlack:
    slack = InMemorySlack()
    slack.add_channel(CHANNEL)
    return slack


def claim_of(services: Services, job: str, period: str) -> JobClaim:
    with services.db.reading() as session:
        return session.scalars(
            select(JobClaim).where(JobClaim.job == job, JobClaim.period == period)
        ).one()


def prompts(services: Services) -> list[PostedPrompt]:
    with services.db.reading() as session:
        return list(session.scalars(select(PostedPrompt)))


def backdate_claims(services: Services, by: timedelta) -> None:
    """As if every claim had been made ``by`` earlier on the database's clock."""
    with services.db.session() as session:
        session.execute(update(JobClaim).values(claimed_at=database_now(session) - by))


class Killed(BaseException):
    """The process dies here: nothing after it runs, no handler catches it."""


def killed_after_posting(services: Services, slack: InMemorySlack) -> None:
    """The week's prompt, by a process killed as soon as Slack has taken it: the claim is left
    taken, nothing is recorded."""
    post = slack.post

    def post_then_die(*args: Any, **kwargs: Any) -> Posted:
        post(*args, **kwargs)
        raise Killed

    slack.post = post_then_die  # type: ignore[method-assign]
    try:
        with pytest.raises(Killed):
            post_weekly_prompt(services, slack, TEAM, now=MONDAY_10)
    finally:
        del slack.post


# -- the weekly prompt ------------------------------------------------------------------------


def test_the_prompt_goes_to_the_channel_once_with_its_claim_in_its_metadata(
    services: Services, slack: InMemorySlack
) -> None:
    outcome = post_weekly_prompt(services, slack, TEAM, now=MONDAY_10)
    again = post_weekly_prompt(services, slack, TEAM, now=MONDAY_10 + timedelta(days=2))

    assert outcome.posted and again.status == "already"
    [sent] = slack.messages_in(CHANNEL)
    goal = services.framework.goals[0]
    assert f"g{goal.number} {goal.title}" in message_text(dict(sent.message))
    assert sent.message["unfurl_links"] is False
    assert sent.metadata == Metadata(
        POST_EVENT,
        {
            "key": "prompt/2026-W48",
            "at": MONDAY_10.isoformat(),
            "goal": goal.key,
            "question": goal.questions[0],
        },
    )
    [record] = prompts(services)
    assert (record.channel_id, record.message_ts, record.goal_key) == (CHANNEL, sent.ts, goal.key)
    assert claim_of(services, "prompt", "2026-W48").detail == sent.ts
    assert slack.calls == ["post"]  # nothing else was asked of Slack: not even a look back


def test_a_public_channel_the_bot_is_not_in_is_joined_then_posted_in(
    services: Services, slack: InMemorySlack
) -> None:
    slack.add_channel(CHANNEL, member=False)
    assert post_weekly_prompt(services, slack, TEAM, now=MONDAY_10).posted
    assert slack.calls == ["post", "join", "post"]
    assert len(slack.messages_in(CHANNEL)) == 1


@pytest.mark.parametrize(
    ("channel", "error"),
    [
        ({"member": False, "private": True}, "not_in_channel"),
        ({"archived": True}, "is_archived"),
        (None, "channel_not_found"),
    ],
)
def test_a_channel_the_bot_cannot_post_in_is_told_to_the_coordinator_once(
    services: Services, channel: dict | None, error: str
) -> None:
    slack = InMemorySlack()
    if channel is not None:
        slack.add_channel(CHANNEL, **channel)
    first = post_weekly_prompt(services, slack, TEAM, now=MONDAY_10)
    retry = post_weekly_prompt(services, slack, TEAM, now=MONDAY_10 + timedelta(minutes=5))

    assert first.status == retry.status == "unavailable" and error in first.message
    [told] = slack.dms_to(COORDINATOR)  # once, not at every retry
    assert f"<#{CHANNEL}>" in message_text(dict(told.message))
    assert slack.messages_in(CHANNEL) == [] and prompts(services) == []
    assert claim_of(services, "prompt", "2026-W48").status == claims.RELEASED


def test_a_join_slack_cannot_answer_is_a_failure_to_retry_not_a_channel_problem(
    services: Services, slack: InMemorySlack
) -> None:
    slack.add_channel(CHANNEL, member=False)
    slack.fail("join", "service_unavailable", kind=SERVER_ERROR)
    outcome = post_weekly_prompt(services, slack, TEAM, now=MONDAY_10)
    assert outcome.status == "failed" and slack.dms_to(COORDINATOR) == []
    assert post_weekly_prompt(services, slack, TEAM, now=MONDAY_10).posted


@pytest.mark.parametrize(
    "failure",
    [
        {"error": "ratelimited", "kind": "rate_limited", "retry_after": 30.0},
        {"error": "internal_error", "kind": SERVER_ERROR},
        {"error": "ConnectionResetError", "kind": NO_ANSWER},
        {"error": "fatal_error"},
    ],
)
def test_a_post_slack_did_not_take_releases_the_claim_and_the_retry_posts_once(
    services: Services, slack: InMemorySlack, failure: dict
) -> None:
    slack.fail("post", **failure)
    outcome = post_weekly_prompt(services, slack, TEAM, now=MONDAY_10)
    assert outcome.status == "failed" and failure["error"] in outcome.message
    assert claim_of(services, "prompt", "2026-W48").detail == f"failed: {failure['error']}"
    assert slack.messages_in(CHANNEL) == [] and prompts(services) == []

    assert post_weekly_prompt(services, slack, TEAM, now=MONDAY_10).posted
    [sent] = slack.messages_in(CHANNEL)
    assert [p.message_ts for p in prompts(services)] == [sent.ts]


def test_a_paused_workspace_gets_no_prompt(services: Services, slack: InMemorySlack) -> None:
    services.settings.apply(TEAM, {"paused_until": "2026-12-01"}, by_user=COORDINATOR)
    outcome = post_weekly_prompt(services, slack, TEAM, now=MONDAY_10)
    assert outcome.status == "paused" and slack.calls == []


def test_a_prompt_posted_by_a_process_that_died_is_found_and_recorded_not_posted_again(
    services: Services, slack: InMemorySlack
) -> None:
    killed_after_posting(services, slack)
    assert claim_of(services, "prompt", "2026-W48").status == claims.CLAIMED
    assert prompts(services) == []

    # Within the lease: the claim's holder may still be posting.
    assert post_weekly_prompt(services, slack, TEAM, now=MONDAY_10).status == "in_progress"
    backdate_claims(services, claims.DEFAULT_LEASE + timedelta(minutes=1))
    outcome = post_weekly_prompt(services, slack, TEAM, now=MONDAY_10 + timedelta(minutes=11))

    assert outcome.posted and outcome.message.startswith(
        "found the prompt for the week of 23 Nov 2026"
    )
    [sent] = slack.messages_in(CHANNEL)  # one prompt: the dead process's
    [record] = prompts(services)
    assert (record.message_ts, record.goal_key, record.posted_at) == (
        sent.ts,
        services.framework.goals[0].key,
        MONDAY_10,
    )
    assert slack.calls.count("post") == 1 and "find_message" in slack.calls


def test_a_found_prompt_that_cannot_be_recorded_is_left_in_place_for_the_next_try(
    services: Services, slack: InMemorySlack
) -> None:
    killed_after_posting(services, slack)
    backdate_claims(services, claims.DEFAULT_LEASE + timedelta(minutes=1))

    with failing_inserts(services.db, "posted_prompts"):
        outcome = post_weekly_prompt(services, slack, TEAM, now=MONDAY_10)
    assert outcome.status == "failed" and "was found" in outcome.message
    assert slack.deleted == [] and len(slack.messages_in(CHANNEL)) == 1

    assert post_weekly_prompt(services, slack, TEAM, now=MONDAY_10).posted
    [sent] = slack.messages_in(CHANNEL)
    assert [p.message_ts for p in prompts(services)] == [sent.ts]


def test_a_post_whose_answer_was_lost_is_looked_for_before_it_is_sent_again(
    services: Services,
) -> None:
    slack = InMemorySlack(retries=RetryPolicy(3, lambda n: 0.0))
    slack.add_channel(CHANNEL)
    slack.fail("post", "internal_error", kind=SERVER_ERROR)  # not posted
    slack.fail("post", "ConnectionResetError", kind=NO_ANSWER, after_effect=True)  # posted
    outcome = post_weekly_prompt(services, slack, TEAM, now=MONDAY_10)
    assert outcome.posted
    [sent] = slack.messages_in(CHANNEL)
    assert [p.message_ts for p in prompts(services)] == [sent.ts]
    assert slack.calls == ["post", "find_message", "post", "find_message"]


def test_a_lost_answer_slack_cannot_look_behind_is_not_sent_blind(services: Services) -> None:
    slack = InMemorySlack(retries=RetryPolicy(3, lambda n: 0.0))
    slack.add_channel(CHANNEL)
    slack.fail("post", "ConnectionResetError", kind=NO_ANSWER, after_effect=True)
    slack.fail("find_message", "ConnectionResetError", kind=NO_ANSWER)
    outcome = post_weekly_prompt(services, slack, TEAM, now=MONDAY_10)
    assert outcome.status == "failed" and len(slack.messages_in(CHANNEL)) == 1
    # The next run looks first, finds it, and records it.
    again = post_weekly_prompt(services, slack, TEAM, now=MONDAY_10)
    assert again.posted and again.message.startswith("found")
    [sent] = slack.messages_in(CHANNEL)
    assert [p.message_ts for p in prompts(services)] == [sent.ts]


def test_while_slack_cannot_say_whether_an_earlier_attempt_posted_nothing_is_posted(
    services: Services, slack: InMemorySlack
) -> None:
    assert claims.claim(services.db, TEAM, "prompt", "2026-W48", owner="dead:1:1").won
    backdate_claims(services, claims.DEFAULT_LEASE + timedelta(minutes=1))
    slack.fail("find_message", "service_unavailable", kind=SERVER_ERROR)
    outcome = post_weekly_prompt(services, slack, TEAM, now=MONDAY_10)
    assert outcome.status == "failed" and "could not say" in outcome.message
    assert slack.messages_in(CHANNEL) == []
    assert claim_of(services, "prompt", "2026-W48").status == claims.RELEASED

    assert post_weekly_prompt(services, slack, TEAM, now=MONDAY_10).posted
    assert len(slack.messages_in(CHANNEL)) == 1


def test_a_post_for_another_week_or_job_is_not_taken_for_this_one(
    services: Services, slack: InMemorySlack
) -> None:
    slack.post(
        CHANNEL, {"text": "last week"}, metadata=Metadata(POST_EVENT, {"key": "prompt/2026-W47"})
    )
    slack.post(
        CHANNEL, {"text": "digest"}, metadata=Metadata(POST_EVENT, {"key": "digest/2026-W48"})
    )
    assert claims.claim(services.db, TEAM, "prompt", "2026-W48", owner="dead:1:1").won
    backdate_claims(services, claims.DEFAULT_LEASE + timedelta(minutes=1))
    outcome = post_weekly_prompt(services, slack, TEAM, now=MONDAY_10)
    assert outcome.posted and outcome.message.startswith("posted")
    assert len(slack.messages_in(CHANNEL)) == 3


# -- the weekly digest ------------------------------------------------------------------------


def test_the_digest_goes_to_the_channel_once_with_what_was_shared(
    services: Services, slack: InMemorySlack, clock: FakeClock
) -> None:
    clock.set(FRIDAY_15 - timedelta(days=2))
    services.log.add_entry(TEAM, ANN, "We rewrote the letter with a family", goal="g3")
    services.settings.apply(TEAM, {"digest_chart": "off"}, by_user=COORDINATOR)
    assert post_weekly_digest(services, slack, TEAM, now=FRIDAY_15).posted
    assert post_weekly_digest(services, slack, TEAM, now=FRIDAY_15).status == "already"

    [sent] = slack.messages_in(CHANNEL)
    assert "We rewrote the letter with a family" in message_text(dict(sent.message))
    assert sent.metadata is not None and sent.metadata.key == "digest/2026-W48"
    with services.db.reading() as session:
        [record] = session.scalars(select(PostedDigest)).all()
    assert (record.message_ts, record.posted_at) == (sent.ts, FRIDAY_15)
    assert slack.uploads == []


@pytest.mark.skipif(not charts.available(), reason="charts need matplotlib")
def test_the_digest_waits_for_its_chart_then_goes_without_it(
    services: Services, slack: InMemorySlack, clock: FakeClock
) -> None:
    clock.set(FRIDAY_15 - timedelta(days=2))
    services.log.add_entry(TEAM, ANN, "We rewrote the letter with a family", goal="g3")
    refused = ("[ERROR] invalid slack file",)
    slack.fail("post", "invalid_blocks", times=4, details=refused)
    waits: list[float] = []
    assert post_weekly_digest(services, slack, TEAM, now=FRIDAY_15, wait=waits.append).posted
    assert waits == [1.0, 2.0, 4.0]
    [upload] = slack.uploads  # uploaded once, tried four times
    assert upload.filename == "kindness-digest-2026-W48.png"
    [sent] = slack.messages_in(CHANNEL)
    assert upload.file_id not in str(sent.message)  # sent without the picture


# -- DMs: follow-ups, quiet nudges, prompts by DM ---------------------------------------------


def test_a_due_follow_up_goes_to_its_member_once(
    services: Services, slack: InMemorySlack, clock: FakeClock
) -> None:
    slack.add_person(ANN, tz="Europe/London", name="ann")
    slack.add_person(BEN, tz="Europe/London", name="ben")
    clock.set(MONDAY_10)
    services.log.add_entry(TEAM, ANN, "Thank the night shift in person", kind="action", goal="g3")
    week_later = MONDAY_10 + timedelta(weeks=1)

    first = send_nudges(services, slack, TEAM, week_later)
    again = send_nudges(services, slack, TEAM, week_later + timedelta(hours=1))

    assert (first.sent, again.sent) == (1, 0)
    [dm] = slack.dms_to(ANN)
    assert "Thank the night shift in person" in message_text(dict(dm.message))
    assert dm.metadata is not None and dm.metadata.event_type == DM_EVENT
    assert slack.dms_to(BEN) == []
    assert slack.calls.count("person") == 1  # the time zone, asked once and remembered


def test_a_member_who_cannot_be_written_to_is_not_tried_again(
    services: Services, slack: InMemorySlack, clock: FakeClock
) -> None:
    slack.add_person(ANN, tz="Europe/London")
    clock.set(MONDAY_10)
    services.log.add_entry(TEAM, ANN, "Phone three carers", kind="action", goal="g3")
    slack.fail("dm", "account_inactive")
    report = send_nudges(services, slack, TEAM, MONDAY_10 + timedelta(weeks=1))
    assert (report.sent, report.undeliverable) == (0, 1)
    assert send_nudges(services, slack, TEAM, MONDAY_10 + timedelta(weeks=2)).sent == 0
    assert slack.calls.count("dm") == 1


def test_the_weeks_prompt_by_dm_goes_once_to_whoever_asked_for_it(
    services: Services, slack: InMemorySlack, clock: FakeClock
) -> None:
    slack.add_person(ANN, tz="Europe/London")
    services.members.set_prompts_by_dm(TEAM, ANN, True)
    clock.set(MONDAY_10)
    assert run_job_now("prompt", services, slack, TEAM, MONDAY_10).ok
    assert run_job_now("nudges", services, slack, TEAM, MONDAY_10).ok
    assert run_job_now("nudges", services, slack, TEAM, MONDAY_10 + timedelta(hours=1)).ok
    [dm] = slack.dms_to(ANN)
    [prompt] = slack.messages_in(CHANNEL)
    assert services.framework.goals[0].questions[0] in message_text(dict(dm.message))
    assert services.framework.goals[0].questions[0] in message_text(dict(prompt.message))
    second = run_job_now("prompt", services, slack, TEAM, MONDAY_10)
    assert second.ok and "posted already" in second.message


# -- the fan-out: pacing and exactly once -----------------------------------------------------


class VirtualTime:
    """A clock that sleeping moves on, for the pacer: no real waits."""

    def __init__(self) -> None:
        self.now = 1000.0
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.now += max(0.0, seconds)


def fan_out(services: Services, slack: InMemorySlack, virtual: VirtualTime, **options) -> FanOut:
    return FanOut(
        services.db,
        slack,
        TEAM,
        owner=options.pop("owner", "proc-1"),
        pacer=Pacer(clock=virtual, sleep=virtual.sleep),
        sleep=virtual.sleep,
        **options,
    )


def dm(user: str) -> Dm:
    return Dm("test", f"2026-W48:{user}", user, {"text": f"Hello {user}"})


def test_dms_slack_rate_limits_are_waited_out_and_sent_once(services: Services) -> None:
    slack, virtual = InMemorySlack(), VirtualTime()
    slack.rate_limit("dm", retry_after=3.0, times=2)
    report = fan_out(services, slack, virtual, concurrency=1).send([dm(ANN), dm(BEN)])
    assert (report.sent["test"], report.rate_limited) == (2, 2)
    assert virtual.now >= 1000.0 + 6.0  # each Retry-After waited out
    assert [len(slack.dms_to(u)) for u in (ANN, BEN)] == [1, 1]


def test_a_dm_whose_answer_was_lost_after_it_was_posted_is_not_sent_twice(
    services: Services,
) -> None:
    slack, virtual = InMemorySlack(), VirtualTime()
    slack.fail("dm", "ConnectionResetError", kind=NO_ANSWER, after_effect=True)
    report = fan_out(services, slack, virtual).send([dm(ANN)])
    assert (report.sent["test"], report.recovered) == (1, 1)
    assert len(slack.dms_to(ANN)) == 1


def test_a_dm_slack_failed_is_retried_by_the_ports_policy_then_left_for_the_next_run(
    services: Services,
) -> None:
    slack = InMemorySlack(retries=RetryPolicy(2, lambda n: 0.5 * 2**n))
    virtual = VirtualTime()
    slack.fail("dm", "internal_error", kind=SERVER_ERROR, times=3)
    report = fan_out(services, slack, virtual).send([dm(ANN)])
    assert report.failed["test"] == 1 and slack.dms_to(ANN) == []
    assert slack.calls.count("dm") == 3 and slack.calls.count("find_message") == 3
    assert virtual.now == pytest.approx(1000.0 + 0.5 + 1.0)
    assert claim_of(services, "test", f"2026-W48:{ANN}").detail == "internal_error"

    again = fan_out(services, slack, virtual).send([dm(ANN)])
    assert again.sent["test"] == 1 and len(slack.dms_to(ANN)) == 1


# -- members' time zones ----------------------------------------------------------------------


def test_a_few_zones_are_asked_one_by_one_and_many_in_one_walk(services: Services) -> None:
    slack = InMemorySlack()
    users = [f"UM{n:03d}" for n in range(13)]
    for user in users:
        slack.add_person(user, tz="Asia/Kolkata")
    few = recipients(services.db, slack, TEAM, users[:2], now=MONDAY_10, workspace_tz="UTC")
    many = recipients(services.db, slack, TEAM, users, now=MONDAY_10, workspace_tz="UTC")
    assert {p.zone for p in [*few.values(), *many.values()]} == {"Asia/Kolkata"}
    assert slack.calls == ["person", "person", "people"]


def test_when_slack_cannot_say_the_workspaces_zone_is_used(services: Services) -> None:
    slack = InMemorySlack()
    slack.fail("person", "user_not_found")
    found = recipients(services.db, slack, TEAM, [ANN], now=MONDAY_10, workspace_tz="Europe/Paris")
    assert found[ANN].zone == "Europe/Paris"


# -- the in-memory Slack itself ---------------------------------------------------------------


@pytest.fixture
def memory() -> Iterator[InMemorySlack]:
    slack = InMemorySlack()
    slack.add_channel(CHANNEL)
    yield slack


def test_find_message_looks_only_as_far_back_as_asked(memory: InMemorySlack) -> None:
    key = Metadata(POST_EVENT, {"key": "prompt/2026-W48"})
    sent = memory.post(CHANNEL, {"text": "prompt"}, metadata=key)
    posted_at = datetime.fromtimestamp(float(sent.ts), UTC)
    assert memory.find_message(CHANNEL, POST_EVENT, "prompt/2026-W48") == sent
    later = posted_at + timedelta(seconds=1)
    assert memory.find_message(CHANNEL, POST_EVENT, "prompt/2026-W48", oldest=later) is None
    memory.delete(CHANNEL, sent.ts)
    assert memory.find_message(CHANNEL, POST_EVENT, "prompt/2026-W48") is None
    assert memory.messages == [SentMessage(CHANNEL, sent.ts, {"text": "prompt"}, key)]
