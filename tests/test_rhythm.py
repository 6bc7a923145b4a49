"""The network's rhythm: weekly prompts and digests, exactly once, in the workspace's time zone.

Jobs run against the Slack stand-in with an injected clock; nothing sleeps for real time.
"""

from __future__ import annotations

import json
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import event, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from bot.db import Database
from bot.models import JobClaim, PostedDigest, PostedPrompt
from bot.report import charts
from bot.services import Services
from bot.slack.client import WebApiSlack, make_client
from conftest import BotUnderTest, FakeClock, failing_inserts, message_text
from processes import SCRIPT, clean_environment
from sandbox import message_block_errors
from schedules import claims
from schedules.digest import post_weekly_digest
from schedules.posting import Outcome
from schedules.prompt import post_weekly_prompt
from schedules.runner import Rhythm
from serving import SIGNING_SECRET
from slack_helpers import settings_form

CHANNEL = "CNETWORK"
# Monday 23 November 2026, 10:00 in London (GMT) is 10:00 UTC.
MONDAY_10 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
FRIDAY_15 = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)


def configure(bot: BotUnderTest, **settings: str) -> str:
    team = bot.standin.team_id
    bot.standin.add_channel(CHANNEL, "kindness-network")
    bot.services.settings.apply(
        team,
        {"channel": CHANNEL, "timezone": "Europe/London", **settings},
        by_user="UCOORD",
    )
    return team


def client(bot: BotUnderTest) -> WebApiSlack:
    return WebApiSlack(make_client(bot.services.config, backoff=0.01))


@pytest.fixture(autouse=True)
def _stop_schedulers() -> Iterator[None]:
    yield
    for scheduler in _started:
        scheduler.shutdown(wait=False)
    _started.clear()


_started: list[BackgroundScheduler] = []


def rhythm(bot: BotUnderTest, services: Services | None = None) -> Rhythm:
    """A scheduler whose jobs are registered but never fire on their own (tests run them)."""
    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.start(paused=True)
    _started.append(scheduler)
    return Rhythm(services or bot.services, lambda team: client(bot), scheduler)


def posted(bot: BotUnderTest) -> list[dict]:
    return [c.args for c in bot.standin.calls_to("chat.postMessage") if c.ok]


def retry_time(scheduler: Rhythm, team: str, job: str) -> datetime:
    """When the scheduler will try a failed or held-up post again (the job must exist)."""
    job_entry = scheduler.scheduler.get_job(f"{team}:{job}:retry")
    assert job_entry is not None, f"no retry of the {job} is scheduled"
    return job_entry.trigger.run_date


# -- the weekly prompt ----------------------------------------------------------------------------


def test_the_prompt_is_posted_at_its_time_with_a_question_and_buttons(
    bot: BotUnderTest, clock: FakeClock
) -> None:
    team = configure(bot)
    clock.set(MONDAY_10)
    outcome = rhythm(bot).run_prompt(team)
    assert outcome is not None and outcome.posted
    [message] = posted(bot)
    assert message["channel"] == CHANNEL
    text = message_text(message)
    assert "This week · g1 Make kindness an explicit value" in text
    first_question = bot.services.framework.goals[0].questions[0]
    assert first_question in text
    labels = [
        e["text"]["text"]
        for b in message["blocks"]
        for e in b.get("elements", [])
        if e.get("type") == "button"
    ]
    assert labels == ["Share a story", "Commit to an action", "Reflect", "A change we saw"]


def test_prompts_rotate_through_the_goals_and_never_repeat_a_question_early(
    bot: BotUnderTest, clock: FakeClock
) -> None:
    team = configure(bot)
    framework = bot.services.framework
    weeks = len(framework.goals) * (len(framework.goals[0].questions) + 1)
    for week in range(weeks):
        clock.set(MONDAY_10 + timedelta(weeks=week))
        assert post_weekly_prompt(bot.services, client(bot), team, now=clock.now).posted
    with bot.services.db.reading() as session:
        rows = session.query(PostedPrompt).order_by(PostedPrompt.posted_at).all()
    goals = [r.goal_key for r in rows]
    assert goals[:7] == [g.key for g in framework.goals] + ["purpose"]
    purpose = [r.question for r in rows if r.goal_key == "purpose"]
    bank = list(framework.goals[0].questions)
    assert purpose[: len(bank)] == bank  # every question once before any repeats
    assert purpose[len(bank)] == bank[0]


def test_a_second_run_for_the_same_week_posts_nothing(bot: BotUnderTest, clock: FakeClock) -> None:
    team = configure(bot)
    clock.set(MONDAY_10)
    assert post_weekly_prompt(bot.services, client(bot), team, now=clock.now).posted
    again = post_weekly_prompt(bot.services, client(bot), team, now=clock.now + timedelta(hours=1))
    assert again.status == "already" and "posted already" in again.message
    assert len(posted(bot)) == 1


def test_a_restart_inside_the_grace_window_catches_the_prompt_up(
    bot: BotUnderTest, clock: FakeClock
) -> None:
    configure(bot)
    clock.set(MONDAY_10 + timedelta(hours=5, minutes=59))  # down since before 10:00
    outcomes = rhythm(bot).catch_up()
    # The prompt is caught up; last Friday's digest, three days late, is not.
    assert [o.status for o in outcomes] == ["posted", "skipped"]
    assert "missed the 2026-W47 digest by 3d" in outcomes[1].message
    [message] = posted(bot)
    assert "g1 Make kindness" in message_text(message)


def test_a_restart_outside_the_grace_window_skips_and_says_so(
    bot: BotUnderTest, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    team = configure(bot)
    clock.set(MONDAY_10 + timedelta(hours=6, minutes=1))
    outcomes = rhythm(bot).catch_up()
    assert [o.status for o in outcomes] == ["skipped", "skipped"]
    assert posted(bot) == []
    assert f"{team}: missed the 2026-W48 prompt by 6h" in caplog.text


def test_a_restart_after_the_post_was_made_posts_nothing_more(
    bot: BotUnderTest, clock: FakeClock
) -> None:
    team = configure(bot)
    clock.set(MONDAY_10)
    rhythm(bot).run_prompt(team)
    clock.advance(hours=2)
    assert [o.status for o in rhythm(bot).catch_up()] == ["already", "skipped"]
    assert len(posted(bot)) == 1


def test_the_prompt_follows_local_time_across_daylight_saving(
    bot: BotUnderTest, clock: FakeClock
) -> None:
    team = configure(bot)
    scheduler = rhythm(bot)
    scheduler.sync()
    trigger = scheduler.scheduler.get_job(f"{team}:prompt").trigger
    # London changes to summer time on Sunday 29 March 2026.
    before = trigger.get_next_fire_time(None, datetime(2026, 3, 20, tzinfo=UTC))
    after = trigger.get_next_fire_time(None, datetime(2026, 3, 28, tzinfo=UTC))
    assert before.astimezone(UTC) == datetime(2026, 3, 23, 10, 0, tzinfo=UTC)
    assert after.astimezone(UTC) == datetime(2026, 3, 30, 9, 0, tzinfo=UTC)
    clock.set(datetime(2026, 3, 30, 9, 0, tzinfo=UTC))  # 10:00 BST: due
    assert scheduler.run_prompt(team).posted
    clock.set(datetime(2026, 3, 30, 8, 59, tzinfo=UTC))
    assert len(posted(bot)) == 1


def test_a_paused_network_gets_nothing_and_resumes_where_it_stopped(
    bot: BotUnderTest, clock: FakeClock
) -> None:
    team = configure(bot)
    clock.set(MONDAY_10)
    rhythm(bot).run_prompt(team)  # g1
    bot.services.settings.apply(team, {"paused_until": "2026-12-14"}, by_user="UCOORD")
    for week in (1, 2):
        clock.set(MONDAY_10 + timedelta(weeks=week))
        assert rhythm(bot).run_prompt(team) is None
        assert post_weekly_prompt(bot.services, client(bot), team, now=clock.now).status == "paused"
    clock.set(MONDAY_10 + timedelta(weeks=3))  # Monday 14 December
    assert rhythm(bot).run_prompt(team).posted
    assert [m["text"].split(")")[0] for m in posted(bot)] == [
        "This week's prompt (g1 Make kindness an explicit value",
        "This week's prompt (g2 Lead with kindness",
    ]


def test_a_changed_setting_reschedules_at_once(bot: BotUnderTest, clock: FakeClock) -> None:
    team = configure(bot)
    scheduler = rhythm(bot)
    scheduler.sync()
    bot.services.settings_changed = scheduler.reschedule
    bot.services.settings.apply(
        team, {"prompt_day": "wednesday", "prompt_time": "08:15"}, by_user="UCOORD"
    )
    bot.services.settings_changed(team)
    trigger = scheduler.scheduler.get_job(f"{team}:prompt").trigger
    fire = trigger.get_next_fire_time(None, MONDAY_10)
    assert fire.astimezone(UTC) == datetime(2026, 11, 25, 8, 15, tzinfo=UTC)


# -- Slack says no --------------------------------------------------------------------------------


def test_a_rate_limit_is_waited_out_and_the_prompt_posted(
    bot: BotUnderTest, clock: FakeClock
) -> None:
    team = configure(bot)
    clock.set(MONDAY_10)
    bot.standin.fail_next("chat.postMessage", status=429, retry_after=0)
    assert rhythm(bot).run_prompt(team).posted
    assert [c.status for c in bot.standin.calls_to("chat.postMessage")] == [429, 200]


def test_not_in_a_public_channel_joins_it_and_posts(bot: BotUnderTest, clock: FakeClock) -> None:
    team = configure(bot)
    bot.standin.add_channel(CHANNEL, "kindness-network", bot_is_member=False)
    clock.set(MONDAY_10)
    assert rhythm(bot).run_prompt(team).posted
    assert bot.standin.last("conversations.join").args["channel"] == CHANNEL
    assert [c.error for c in bot.standin.calls_to("chat.postMessage")] == ["not_in_channel", None]


def test_a_private_channel_the_bot_is_not_in_tells_the_coordinator_and_retries_later(
    bot: BotUnderTest, clock: FakeClock
) -> None:
    team = configure(bot)
    bot.standin.add_channel(CHANNEL, "kindness-network", is_private=True, bot_is_member=False)
    bot.standin.add_user("UCOORD", name="coordinator")
    clock.set(MONDAY_10)
    scheduler = rhythm(bot)
    outcome = scheduler.run_prompt(team)
    assert outcome.status == "unavailable"
    # The retries meet the same problem; the coordinator is told once, not at every retry.
    clock.set(retry_time(scheduler, team, "prompt"))
    assert scheduler.run_prompt(team).status == "unavailable"
    dm = [c.args for c in bot.standin.calls_to("chat.postMessage") if c.args["channel"] == "UCOORD"]
    assert len(dm) == 1 and "/invite @kindness" in message_text(dm[0])
    # Invited later the same morning: the next retry posts, because the claim was released.
    bot.standin.add_channel(CHANNEL, "kindness-network", is_private=True, bot_is_member=True)
    clock.set(retry_time(scheduler, team, "prompt"))
    assert scheduler.run_prompt(team).posted


def test_no_channel_set_posts_nothing_and_says_how_to_set_one(
    bot: BotUnderTest, clock: FakeClock
) -> None:
    team = bot.standin.team_id
    clock.set(MONDAY_10)
    outcome = post_weekly_prompt(bot.services, client(bot), team, now=clock.now)
    assert outcome.status == "no_channel" and "/kindness settings" in outcome.message


def test_a_persistent_server_error_releases_the_claim_and_is_retried_within_minutes(
    bot: BotUnderTest, clock: FakeClock
) -> None:
    bot.expect_errors = True  # the failed post is logged as an error
    team = configure(bot)
    clock.set(MONDAY_10)
    scheduler = rhythm(bot)
    bot.standin.fail_next("chat.postMessage", status=500, times=4)  # every retry fails too
    assert scheduler.run_prompt(team).status == "failed"
    assert len(bot.standin.calls_to("chat.postMessage")) == 4
    assert claims.claim_status(bot.services.db, team, "prompt", "2026-W48") == "released"
    clock.set(retry_time(scheduler, team, "prompt"))
    assert clock.now == MONDAY_10 + timedelta(minutes=5)
    assert scheduler.run_prompt(team).posted
    assert len(posted(bot)) == 1
    assert scheduler.scheduler.get_job(f"{team}:prompt:retry") is None  # nothing more to retry


# -- the weekly digest ----------------------------------------------------------------------------


def fixture_week(bot: BotUnderTest, clock: FakeClock) -> None:
    team = bot.standin.team_id
    log = bot.log
    clock.set(datetime(2026, 11, 18, 9, 0, tzinfo=UTC))
    action = log.add_entry(team, "UANN", "Start a kindness huddle", kind="action", goal="g2").entry
    clock.set(datetime(2026, 11, 24, 10, 0, tzinfo=UTC))
    log.add_entry(
        team,
        "UANN",
        "We rewrote the letter with a family",
        goal="g3",
        permalink="https://kindness-network.slack.com/archives/C1/p1",
    )
    log.add_entry(team, "UBEN", "Phone three carers", kind="action", goal="g3")
    log.add_entry(team, "UCAT", "Said without a name", goal="g3", visibility="anonymous")
    log.add_entry(team, "UDEV", "Kept to myself entirely", goal="g4", visibility="private")
    log.add_entry(team, "UEVE", "Numbers hid the real story", kind="reflection", goal="g6")
    clock.set(datetime(2026, 11, 26, 9, 0, tzinfo=UTC))
    log.complete_action(team, "UANN", action.id, "The huddle stuck")
    clock.set(FRIDAY_15)


def test_the_digest_of_a_fixture_week(bot: BotUnderTest, clock: FakeClock) -> None:
    team = configure(bot)
    fixture_week(bot, clock)
    outcome = rhythm(bot).run_digest(team)
    assert outcome is not None and outcome.posted
    [message] = posted(bot)
    text = message_text(message)
    assert "The week in kindness · 20–27 Nov 2026" in text
    assert "*5 entries* from *4 members*" in text
    assert "1 action completed" in text
    assert "g3 Put relationships at the centre* — 2 stories, 1 action" in text
    assert "We rewrote the letter with a family" in text and "<@UANN>" in text
    assert "|message>" in text  # a link to the original message
    assert "Said without a name\n      — a member" in text and "<@UCAT>" not in text
    assert "Kept to myself" not in text and "UDEV" not in text
    assert "✓ Start a kindness huddle" in text
    assert "*Quiet this week:* g1 Make kindness an explicit value" in text
    assert "Entries per week, last 8 weeks" in text
    assert message_block_errors(message["blocks"]) == []


def test_every_entry_appears_in_exactly_one_digest(bot: BotUnderTest, clock: FakeClock) -> None:
    team = configure(bot)
    clock.set(FRIDAY_15)
    post_weekly_digest(bot.services, client(bot), team, now=clock.now)
    clock.set(FRIDAY_15 + timedelta(hours=2))  # Friday evening, after the digest
    bot.log.add_entry(team, "UANN", "Logged after the digest went out", goal="g1")
    clock.set(FRIDAY_15 + timedelta(weeks=1))
    post_weekly_digest(bot.services, client(bot), team, now=clock.now)
    first, second = posted(bot)
    assert "Logged after the digest" not in message_text(first)
    assert "Logged after the digest" in message_text(second)


def test_a_week_of_500_entries_stays_inside_every_block_kit_limit(
    bot: BotUnderTest, clock: FakeClock
) -> None:
    team = configure(bot)
    clock.set(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    long_text = "A long and heartfelt story about the team " * 90  # ~3,800 characters
    for n in range(500):
        bot.log.add_entry(
            team,
            f"U{n % 60:04d}",
            f"{n} {long_text}"[:4000],
            kind=("story", "action", "reflection")[n % 3],
            goal=f"g{n % 6 + 1}",
            visibility="anonymous" if n % 7 == 0 else "network",
            permalink=f"https://kindness-network.slack.com/archives/C1/p{n}",
        )
        clock.advance(minutes=10)
    clock.set(FRIDAY_15)
    assert post_weekly_digest(bot.services, client(bot), team, now=clock.now).posted
    [message] = posted(bot)
    assert message_block_errors(message["blocks"]) == []
    assert len(message["blocks"]) <= 50
    assert all(len(b.get("text", {}).get("text", "")) <= 3000 for b in message["blocks"])
    text = message_text(message)
    assert "*500 entries*" in text
    assert "…and 81 more — see them with `/kindness search g1`" in text


def test_an_empty_week_says_so_kindly(bot: BotUnderTest, clock: FakeClock) -> None:
    team = configure(bot)
    clock.set(FRIDAY_15)
    post_weekly_digest(bot.services, client(bot), team, now=clock.now)
    assert "Nothing was shared in the learning log this time" in message_text(posted(bot)[0])


# -- members and coordinators in Slack ------------------------------------------------------------


def test_digest_preview_is_private_to_the_member(bot: BotUnderTest, clock: FakeClock) -> None:
    configure(bot)
    fixture_week(bot, clock)
    reply = bot.slack.command("digest", user="UANN")
    text = bot.answer_text(reply)
    assert "Preview — only you can see this" in text and "*5 entries*" in text
    assert posted(bot) == []


def test_stats_show_figures_per_goal_over_twelve_weeks(bot: BotUnderTest, clock: FakeClock) -> None:
    configure(bot)
    fixture_week(bot, clock)
    text = bot.answer_text(bot.slack.command("stats", user="UANN"))
    assert "last 12 weeks" in text
    table = text.split("```")[1]
    rows = {line.split()[0]: line.split() for line in table.strip().splitlines()[2:]}
    assert rows["g3"][-1] == "3" and rows["g2"][-1] == "2"  # totals over the 12 weeks
    assert rows["g4"][-1] == "0"  # the private entry is not counted
    assert rows["done"][-1] == "1"


def test_settings_show_is_for_everyone(bot: BotUnderTest) -> None:
    configure(bot, prompt_time="09:30")
    text = bot.answer_text(bot.slack.command("settings show", user="UANN"))
    assert f"<#{CHANNEL}>" in text and "Monday 09:30 Europe/London" in text


def test_a_member_who_is_not_an_admin_cannot_open_settings(bot: BotUnderTest) -> None:
    bot.standin.add_user("UANN", name="ann")
    text = bot.answer_text(bot.slack.command("settings", user="UANN"))
    assert "Only the network's coordinators" in text
    assert bot.standin.calls_to("views.open") == []


def test_an_admin_opens_and_saves_settings(bot: BotUnderTest) -> None:
    bot.standin.add_user("UBOSS", name="boss", is_admin=True)
    bot.standin.add_channel(CHANNEL, "kindness-network", bot_is_member=False)
    bot.slack.command("settings", user="UBOSS")
    view = bot.standin.last("views.open").args["view"]
    assert view["callback_id"] == "settings_modal"
    view_id = bot.standin.open_views()[-1]["id"]
    reply = bot.slack.view_submission(
        "settings_modal", settings_form(), user="UBOSS", view_id=view_id
    )
    assert reply.json["response_action"] == "update"
    saved = bot.services.settings.get(bot.standin.team_id)
    assert (saved.channel_id, saved.prompt_day, saved.prompt_time, saved.timezone) == (
        CHANNEL,
        1,
        "09:30",
        "Europe/Paris",
    )
    assert (saved.followup_days, saved.quiet_nudge_weeks, saved.configured_by) == (10, 3, "UBOSS")
    assert bot.standin.last("conversations.join").args["channel"] == CHANNEL


def test_settings_errors_land_on_their_fields(bot: BotUnderTest) -> None:
    bot.standin.add_user("UBOSS", name="boss", is_owner=True)
    from sandbox import InputValue

    values = settings_form(
        timezone={"timezone": InputValue.plain_text("Mars/Olympus")},
        followup_days={"followup_days": InputValue.plain_text("400")},
    )
    reply = bot.slack.view_submission("settings_modal", values, user="UBOSS")
    errors = reply.json["errors"]
    assert reply.json["response_action"] == "errors"
    assert set(errors) == {"timezone", "followup_days"}
    assert bot.services.settings.get(bot.standin.team_id).channel_id is None  # nothing saved


def test_a_settings_form_opened_before_an_upgrade_saves_what_it_shows(bot: BotUnderTest) -> None:
    """A form opened before new settings were added lacks their fields: it saves the fields
    it has and leaves the others as they were."""
    team = bot.standin.team_id
    bot.standin.add_user("UBOSS", name="boss", is_admin=True)
    bot.services.settings.apply(
        team, {"min_group": "5", "digest_chart": "off", "paused_until": "2026-12-01"}, by_user=None
    )
    old_form = settings_form()
    for added in ("min_group", "digest_chart", "paused_until"):
        del old_form[added]
    reply = bot.slack.view_submission("settings_modal", old_form, user="UBOSS")
    assert reply.json["response_action"] == "update"
    saved = bot.services.settings.get(team)
    assert (saved.prompt_day, saved.followup_days) == (1, 10)  # what the form showed
    assert (saved.min_group, saved.digest_chart) == (5, False)  # what it did not
    assert saved.paused_until == date(2026, 12, 1)


def test_the_settings_form_shows_the_report_threshold_and_digest_chart(bot: BotUnderTest) -> None:
    team = bot.standin.team_id
    bot.standin.add_user("UBOSS", name="boss", is_admin=True)
    bot.services.settings.apply(team, {"min_group": "7", "digest_chart": "off"}, by_user=None)
    bot.slack.command("settings", user="UBOSS")
    blocks = {b["block_id"]: b for b in bot.standin.last("views.open").args["view"]["blocks"]}
    threshold = blocks["min_group"]["element"]
    assert threshold["initial_option"]["value"] == "7"
    assert threshold["initial_option"]["text"]["text"] == "Fewer than 7 members"
    assert blocks["digest_chart"]["element"]["initial_option"]["value"] == "off"


def test_a_non_admin_submitting_settings_is_refused_on_submit(bot: BotUnderTest) -> None:
    """Checked again on submit: a forged or stale submission changes nothing."""
    bot.standin.add_user("UANN", name="ann")
    reply = bot.slack.view_submission("settings_modal", settings_form(), user="UANN")
    assert reply.json["response_action"] == "update"
    assert "Only the network's coordinators" in json.dumps(reply.json["view"])
    assert bot.services.settings.get(bot.standin.team_id).channel_id is None


def test_kindness_admins_are_coordinators_too(tmp_path, sqlite_db, clock) -> None:
    from conftest import _make_bot

    for bot in _make_bot(sqlite_db, clock, KINDNESS_ADMINS="UANN"):
        bot.standin.add_user("UANN", name="ann")
        bot.slack.command("settings", user="UANN")
        assert bot.standin.last("views.open").args["view"]["callback_id"] == "settings_modal"


def test_an_admin_check_slack_cannot_answer_in_time_refuses_without_retrying(
    bot: BotUnderTest,
) -> None:
    """The check on submit must fit in Slack's 3 seconds: one try, no retry waits."""
    bot.standin.add_user("UBOSS", name="boss", is_admin=True)
    bot.standin.fail_next("users.info", status=503)
    reply = bot.slack.view_submission("settings_modal", settings_form(), user="UBOSS")
    assert reply.json["response_action"] == "errors"  # the form stays open, values intact
    assert "Press Save again" in reply.json["errors"]["channel"]
    assert len(bot.standin.calls_to("users.info")) == 1
    assert bot.services.settings.get(bot.standin.team_id).channel_id is None


# -- exactly once, with no holes ----------------------------------------------------------------


def the_claim(bot: BotUnderTest, job: str, period: str) -> JobClaim:
    with bot.services.db.reading() as session:
        return session.scalars(
            select(JobClaim).where(JobClaim.job == job, JobClaim.period == period)
        ).one()


def prompt_records(bot: BotUnderTest) -> list[PostedPrompt]:
    with bot.services.db.reading() as session:
        return list(session.scalars(select(PostedPrompt).order_by(PostedPrompt.id)))


def assert_one_recorded_prompt(bot: BotUnderTest) -> None:
    """One prompt in the channel, recorded (so replies to it are captured), its claim done."""
    [message] = bot.standin.messages_in(CHANNEL)
    [record] = prompt_records(bot)
    claim = the_claim(bot, "prompt", "2026-W48")
    assert record.message_ts == message["ts"] == claim.detail and claim.status == "done"


def wait_until(condition: Callable[[], bool], what: str) -> None:
    """Wait for another thread to reach a state the test can see (never for a length of time)."""
    deadline = time.monotonic() + 30
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        time.sleep(0.01)


def test_a_prompt_that_cannot_be_recorded_is_withdrawn_then_posted_once_with_its_record(
    bot_on_each_store: BotUnderTest, clock: FakeClock
) -> None:
    bot = bot_on_each_store
    bot.expect_errors = True  # the failed record is logged with its traceback
    team = configure(bot)
    clock.set(MONDAY_10)
    scheduler = rhythm(bot)
    with failing_inserts(bot.services.db, "posted_prompts"):
        outcome = scheduler.run_prompt(team)
    assert outcome.status == "failed" and "could not be recorded" in outcome.message
    # Neither a prompt without its record (its replies would be lost) nor a claim left taken.
    assert bot.standin.messages_in(CHANNEL) == []
    assert [c.ok for c in bot.standin.calls_to("chat.delete")] == [True]
    assert prompt_records(bot) == []
    assert the_claim(bot, "prompt", "2026-W48").status == "released"

    clock.set(retry_time(scheduler, team, "prompt"))
    assert scheduler.run_prompt(team).posted
    assert_one_recorded_prompt(bot)


@contextmanager
def commit_answer_lost(table: str) -> Iterator[None]:
    """The transaction that writes into ``table`` commits, but its caller hears an error (the
    connection dropped while the database was answering COMMIT)."""

    def note(session: Session, _context: object) -> None:
        if any(getattr(row, "__tablename__", None) == table for row in session.new):
            session.info["lose_commit_answer"] = True

    def lose(session: Session) -> None:
        if session.info.pop("lose_commit_answer", False):
            raise OperationalError("COMMIT", {}, ConnectionResetError("injected"))

    event.listen(Session, "after_flush", note)
    event.listen(Session, "after_commit", lose)
    try:
        yield
    finally:
        event.remove(Session, "after_flush", note)
        event.remove(Session, "after_commit", lose)


def test_a_prompt_whose_commit_answer_was_lost_stays_posted(
    bot_on_each_store: BotUnderTest, clock: FakeClock
) -> None:
    bot = bot_on_each_store
    team = configure(bot)
    clock.set(MONDAY_10)
    with commit_answer_lost("posted_prompts"):
        outcome = rhythm(bot).run_prompt(team)
    assert outcome.posted
    assert_one_recorded_prompt(bot)
    assert bot.standin.calls_to("chat.delete") == []


def test_a_prompt_posted_after_its_claim_was_taken_over_is_withdrawn(
    bot_on_each_store: BotUnderTest, clock: FakeClock
) -> None:
    """A scheduler stalls mid-post past its lease; another takes over. One prompt remains."""
    bot = bot_on_each_store
    team = configure(bot)
    clock.set(MONDAY_10)
    slack_answers = bot.standin.hold("chat.postMessage")
    outcomes: dict[str, Outcome] = {}

    def post(name: str) -> None:
        outcomes[name] = post_weekly_prompt(bot.services, client(bot), team, now=clock.now)

    stalled = threading.Thread(target=post, args=("stalled",))
    stalled.start()
    wait_until(lambda: claim_held(bot), "the first scheduler holds the claim")
    first_holder = the_claim(bot, "prompt", "2026-W48").claimed_by
    backdate_claim(bot, claims.DEFAULT_LEASE + timedelta(minutes=1))
    taker = threading.Thread(target=post, args=("taker",))
    taker.start()
    wait_until(
        lambda: the_claim(bot, "prompt", "2026-W48").claimed_by != first_holder,
        "the second scheduler has taken the claim over",
    )
    # It looked for the first one's post (not in the channel yet), and is posting its own.
    wait_until(
        lambda: bool(bot.standin.calls_to("conversations.history")),
        "the second scheduler has looked for an earlier post",
    )
    slack_answers.set()  # both posts reach Slack now
    stalled.join(timeout=30)
    taker.join(timeout=30)

    assert outcomes["taker"].posted
    assert outcomes["stalled"].status == "already" and "withdrawn" in outcomes["stalled"].message
    assert_one_recorded_prompt(bot)


def test_a_prompt_recorded_without_its_claim_finished_is_not_posted_again(
    bot_on_each_store: BotUnderTest, clock: FakeClock
) -> None:
    """A store left by an older version: the week's prompt row exists, its claim does not."""
    bot = bot_on_each_store
    team = configure(bot)
    clock.set(MONDAY_10)
    with bot.services.db.session() as session:
        session.add(
            PostedPrompt(
                team_id=team,
                period="2026-W48",
                goal_key="purpose",
                question="What did kindness change this week?",
                channel_id=CHANNEL,
                message_ts="1700000000.000100",
                posted_at=MONDAY_10,
            )
        )
    outcome = rhythm(bot).run_prompt(team)
    assert outcome.status == "already" and "withdrawn" in outcome.message
    assert bot.standin.messages_in(CHANNEL) == []
    assert the_claim(bot, "prompt", "2026-W48").status == "done"
    assert [r.message_ts for r in prompt_records(bot)] == ["1700000000.000100"]


def claim_held(bot: BotUnderTest) -> bool:
    return claims.claim_status(bot.services.db, bot.standin.team_id, "prompt", "2026-W48") == (
        "claimed"
    )


def backdate_claim(bot: BotUnderTest, by: timedelta) -> None:
    """As if the claim had been made ``by`` earlier on the database's clock."""
    with bot.services.db.session() as session:
        claim = session.scalars(select(JobClaim)).one()
        claim.claimed_at -= by


def test_two_schedulers_on_one_database_post_once_and_the_loser_checks_back_after_the_lease(
    bot_on_each_store: BotUnderTest, clock: FakeClock
) -> None:
    bot = bot_on_each_store
    team = configure(bot)
    clock.set(MONDAY_10)
    url = bot.services.db.engine.url.render_as_string(hide_password=False)
    schedulers = [
        rhythm(bot, Services(bot.services.config, Database(url), clock=clock)) for _ in range(2)
    ]
    slack_answers = bot.standin.hold("chat.postMessage")  # the winner is still posting…
    start = threading.Barrier(2)
    results: dict[int, Outcome] = {}

    def run(number: int) -> None:
        start.wait(timeout=30)
        results[number] = schedulers[number].run_prompt(team)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    wait_until(lambda: len(results) == 1, "the loser has answered")
    [(loser, lost)] = results.items()
    assert lost.status == "in_progress" and "is being posted by" in lost.message
    slack_answers.set()  # …and now it has posted
    for thread in threads:
        thread.join(timeout=30)
    assert results[1 - loser].posted
    assert len(posted(bot)) == 1
    # Had the winner died mid-post, the loser would take the post over once the lease ran out.
    check = retry_time(schedulers[loser], team, "prompt")
    assert check == MONDAY_10 + claims.DEFAULT_LEASE + timedelta(minutes=1)
    clock.set(check)
    assert schedulers[loser].run_prompt(team).status == "already"
    assert len(posted(bot)) == 1
    for scheduler in schedulers:
        scheduler.services.db.dispose()


def test_a_caller_acting_as_a_later_moment_cannot_take_over_a_fresh_claim(
    bot_on_each_store: BotUnderTest, clock: FakeClock
) -> None:
    """Leases run on the database's clock: `post --at` a day later is not a day later."""
    bot = bot_on_each_store
    team = configure(bot)
    assert claims.claim(bot.services.db, team, "prompt", "2026-W48", owner="elsewhere:1:1").won
    later_that_week = MONDAY_10 + timedelta(days=6)
    outcome = post_weekly_prompt(bot.services, client(bot), team, now=later_that_week)
    assert outcome.status == "in_progress"
    assert (
        outcome.message
        == "the prompt for the week of 23 Nov 2026 is being posted by elsewhere:1:1; nothing posted"
    )
    assert posted(bot) == []


# -- a post whose process died before recording it ----------------------------------------------


def reply_is_captured_under(bot: BotUnderTest, prompt_ts: str, goal_key: str) -> None:
    """A member's reply in the prompt's thread is logged under the prompt's goal."""
    reply = bot.slack.message(
        "We listened first", user="UANN", channel=CHANNEL, thread_ts=prompt_ts
    )
    assert bot.slack.event(reply).status == 200
    [entry] = bot.entries()
    assert (entry.source, entry.goal_key, entry.text) == ("thread", goal_key, "We listened first")
    assert entry.prompt_id == prompt_records(bot)[0].id


def test_a_prompt_posted_by_a_process_killed_before_recording_it_is_found_not_posted_again(
    bot_on_each_store: BotUnderTest, clock: FakeClock, tmp_path: Path
) -> None:
    """`kindness-bot post prompt` is killed (SIGKILL) once Slack has the prompt but before it
    hears so: the claim is left taken and nothing is recorded. The scheduler takes the claim
    over after its lease, finds the prompt by its metadata, records it — and replies count."""
    bot = bot_on_each_store
    team = configure(bot)
    url = bot.services.db.engine.url.render_as_string(hide_password=False)
    env = clean_environment(
        DATABASE_URL=url,
        SLACK_BOT_TOKEN=bot.standin.bot_token,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=bot.standin.api_url,
    )
    slack_answers = bot.standin.hold("chat.postMessage", after_effect=True)
    killed = subprocess.Popen(
        [SCRIPT, "post", "prompt", "--at", MONDAY_10.isoformat()],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until(lambda: bool(bot.standin.messages_in(CHANNEL)), "Slack has the prompt")
        killed.kill()
        assert killed.wait(timeout=30) == -signal.SIGKILL
    finally:
        slack_answers.set()
        if killed.poll() is None:
            killed.kill()
            killed.wait(timeout=30)
    [orphan] = bot.standin.messages_in(CHANNEL)
    assert orphan["metadata"]["event_payload"]["key"] == "prompt/2026-W48"
    assert prompt_records(bot) == [] and the_claim(bot, "prompt", "2026-W48").status == "claimed"

    backdate_claim(bot, claims.DEFAULT_LEASE + timedelta(minutes=1))
    clock.set(MONDAY_10 + claims.DEFAULT_LEASE + timedelta(minutes=1))  # the scheduler's retry
    outcome = rhythm(bot).run_prompt(team)
    assert outcome is not None and outcome.posted
    assert outcome.message == (
        f"found the prompt for the week of 23 Nov 2026 in {CHANNEL}, posted by an attempt that "
        "stopped before recording it, and recorded it (g1 Make kindness an explicit value)"
    )
    assert_one_recorded_prompt(bot)
    assert [c.ok for c in bot.standin.calls_to("chat.postMessage")] == [True]  # the first only
    first_goal = bot.services.framework.goals[0]
    [record] = prompt_records(bot)
    assert (record.goal_key, record.question) == (first_goal.key, first_goal.questions[0])
    assert record.posted_at == MONDAY_10  # the moment the killed run acted as
    reply_is_captured_under(bot, orphan["ts"], first_goal.key)


def test_a_prompt_neither_recorded_nor_withdrawn_is_found_by_the_retry(
    bot_on_each_store: BotUnderTest, clock: FakeClock
) -> None:
    """The record fails and so does the withdrawal: the prompt stays in the channel without a
    record. The retry finds it and records it instead of posting a second one."""
    bot = bot_on_each_store
    bot.expect_errors = True  # the failed record and the failed withdrawal are logged
    team = configure(bot)
    clock.set(MONDAY_10)
    scheduler = rhythm(bot)
    bot.standin.fail_next("chat.delete", status=500, times=4)  # every retry fails too
    with failing_inserts(bot.services.db, "posted_prompts"):
        assert scheduler.run_prompt(team).status == "failed"
    [orphan] = bot.standin.messages_in(CHANNEL)
    assert prompt_records(bot) == [] and the_claim(bot, "prompt", "2026-W48").status == "released"

    clock.set(retry_time(scheduler, team, "prompt"))
    outcome = scheduler.run_prompt(team)
    assert outcome is not None and outcome.posted and outcome.message.startswith("found")
    assert_one_recorded_prompt(bot)
    assert len(posted(bot)) == 1
    reply_is_captured_under(bot, orphan["ts"], bot.services.framework.goals[0].key)


def test_a_stalled_process_keeps_its_prompt_when_the_taker_found_it(
    bot_on_each_store: BotUnderTest, clock: FakeClock
) -> None:
    """A scheduler stalls after Slack took its prompt; another takes the claim over, finds that
    prompt and records it. The stalled one, waking, sees its own prompt recorded: it is kept."""
    bot = bot_on_each_store
    team = configure(bot)
    clock.set(MONDAY_10)
    slack_answers = bot.standin.hold("chat.postMessage", after_effect=True)
    outcomes: dict[str, Outcome] = {}

    def post(name: str) -> None:
        outcomes[name] = post_weekly_prompt(bot.services, client(bot), team, now=clock.now)

    stalled = threading.Thread(target=post, args=("stalled",))
    stalled.start()
    try:
        wait_until(lambda: bool(bot.standin.messages_in(CHANNEL)), "Slack has the prompt")
        backdate_claim(bot, claims.DEFAULT_LEASE + timedelta(minutes=1))
        post("taker")
    finally:
        slack_answers.set()
        stalled.join(timeout=30)
    assert outcomes["taker"].posted and outcomes["taker"].message.startswith("found")
    assert outcomes["stalled"].posted
    assert "recorded by another process" in outcomes["stalled"].message
    assert_one_recorded_prompt(bot)
    assert bot.standin.calls_to("chat.delete") == []


def test_a_prompt_whose_answer_was_lost_after_slack_posted_it_is_not_posted_twice(
    bot_on_each_store: BotUnderTest, clock: FakeClock
) -> None:
    """Slack posts the prompt, then the connection drops before its answer: the bot looks in
    the channel before sending it again, finds it, and records it."""
    bot = bot_on_each_store
    bot.expect_errors = True  # slack_sdk logs the dropped connection
    team = configure(bot)
    clock.set(MONDAY_10)
    bot.standin.drop_next("chat.postMessage", after_effect=True)
    outcome = rhythm(bot).run_prompt(team)
    assert outcome is not None and outcome.posted
    assert_one_recorded_prompt(bot)
    assert [c.status for c in bot.standin.calls_to("chat.postMessage")] == [0]  # sent once
    assert len(bot.standin.calls_to("conversations.history")) == 1


def test_a_prompt_slack_failed_before_posting_is_sent_again_after_a_look(
    bot: BotUnderTest, clock: FakeClock
) -> None:
    team = configure(bot)
    clock.set(MONDAY_10)
    bot.standin.fail_next("chat.postMessage", status=503, times=2)
    assert rhythm(bot).run_prompt(team).posted
    assert [c.status for c in bot.standin.calls_to("chat.postMessage")] == [503, 503, 200]
    assert len(bot.standin.calls_to("conversations.history")) == 2
    assert_one_recorded_prompt(bot)


def test_while_slack_cannot_say_whether_a_prompt_went_out_none_is_posted(
    bot: BotUnderTest, clock: FakeClock
) -> None:
    """A claim taken over from a dead process, and the channel's history cannot be read (Slack
    failing): posting blind could make a second prompt, so the post waits for the next retry."""
    team = configure(bot)
    clock.set(MONDAY_10)
    assert claims.claim(bot.services.db, team, "prompt", "2026-W48", owner="dead:1:1").won
    backdate_claim(bot, claims.DEFAULT_LEASE + timedelta(minutes=1))
    scheduler = rhythm(bot)
    bot.standin.fail_next("conversations.history", status=503, times=4)  # every retry fails too
    outcome = scheduler.run_prompt(team)
    assert outcome is not None and outcome.status == "failed"
    assert "could not say whether an earlier attempt posted it" in outcome.message
    assert posted(bot) == [] and the_claim(bot, "prompt", "2026-W48").status == "released"

    clock.set(retry_time(scheduler, team, "prompt"))
    assert scheduler.run_prompt(team).posted  # the channel is read: nothing there; posted
    assert_one_recorded_prompt(bot)


def test_a_channel_whose_history_the_bot_may_not_read_still_gets_its_prompt(
    bot: BotUnderTest, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    """An install made before the bot asked for the history scopes: Slack will never say, so
    the prompt is posted rather than never again."""
    team = configure(bot)
    clock.set(MONDAY_10)
    assert claims.claim(bot.services.db, team, "prompt", "2026-W48", owner="dead:1:1").won
    backdate_claim(bot, claims.DEFAULT_LEASE + timedelta(minutes=1))
    bot.standin.fail_next("conversations.history", error="missing_scope")
    outcome = rhythm(bot).run_prompt(team)
    assert outcome is not None and outcome.posted
    assert_one_recorded_prompt(bot)
    assert (
        "cannot look for an earlier post of the prompt for the week of 23 Nov 2026" in caplog.text
    )


def test_a_digest_found_after_a_crash_keeps_the_window_it_was_posted_with(
    bot: BotUnderTest, clock: FakeClock
) -> None:
    """The digest's record says when its window ended — the moment the dead run acted as, not
    the moment it was found — so the next digest neither skips nor repeats an entry."""
    team = configure(bot)
    clock.set(FRIDAY_15)
    slack_answers = bot.standin.hold("chat.postMessage", after_effect=True)
    crashed = threading.Thread(target=crash_after_posting, args=(bot, FRIDAY_15))
    crashed.start()
    try:
        wait_until(lambda: bool(bot.standin.messages_in(CHANNEL)), "Slack has the digest")
    finally:
        slack_answers.set()
        crashed.join(timeout=30)
    clock.set(FRIDAY_15 + timedelta(minutes=5))
    bot.log.add_entry(team, "UANN", "Logged while nobody knew the digest was out", goal="g1")
    backdate_claim(bot, claims.DEFAULT_LEASE + timedelta(minutes=1))
    clock.set(FRIDAY_15 + timedelta(minutes=20))
    outcome = rhythm(bot).run_digest(team)
    assert outcome is not None and outcome.posted and outcome.message.startswith("found")
    with bot.services.db.reading() as session:
        [record] = session.scalars(select(PostedDigest)).all()
    assert record.posted_at == FRIDAY_15
    clock.set(FRIDAY_15 + timedelta(weeks=1))
    assert rhythm(bot).run_digest(team).posted
    later = message_text(posted(bot)[-1])
    assert "Logged while nobody knew the digest was out" in later


class Killed(BaseException):
    """The process dies here: nothing after it runs, no handler catches it."""


def crash_after_posting(bot: BotUnderTest, now: datetime) -> None:
    """The digest job, in a process that dies as soon as Slack has accepted the post."""

    class DiesAfterPosting(WebApiSlack):
        def post(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            super().post(*args, **kwargs)
            raise Killed

        def without_retries(self) -> WebApiSlack:
            return DiesAfterPosting(super().without_retries().client)

    with suppress(Killed):
        post_weekly_digest(
            bot.services, DiesAfterPosting(client(bot).client), bot.standin.team_id, now=now
        )


def test_retries_stay_inside_the_catch_up_window(
    bot: BotUnderTest, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    bot.expect_errors = True
    team = configure(bot)
    scheduler = rhythm(bot)
    clock.set(MONDAY_10 + timedelta(hours=5, minutes=50))
    bot.standin.fail_next("chat.postMessage", status=500, times=4)
    assert scheduler.run_prompt(team).status == "failed"
    last_try = retry_time(scheduler, team, "prompt")
    assert last_try == MONDAY_10 + timedelta(hours=5, minutes=59)  # a minute inside the window
    clock.set(last_try)
    bot.standin.fail_next("chat.postMessage", status=500, times=4)
    assert scheduler.run_prompt(team).status == "failed"
    assert scheduler.scheduler.get_job(f"{team}:prompt:retry") is None
    assert "the 2026-W48 prompt is not tried again: its catch-up window has closed" in caplog.text


def test_a_late_digest_shows_the_trend_of_its_own_week(
    bot_on_each_store: BotUnderTest, clock: FakeClock
) -> None:
    """Due on Sunday 22:00, caught up at 01:00 on Monday: still the week that just ended."""
    bot = bot_on_each_store
    team = configure(bot, digest_day="sunday", digest_time="22:00")
    clock.set(datetime(2026, 6, 1, 12, 0, tzinfo=UTC))  # long before the trend's weeks
    bot.log.add_entry(team, "UANN", "Where it began", goal="g1")
    clock.set(datetime(2026, 11, 25, 12, 0, tzinfo=UTC))
    for member in ("UANN", "UBEN", "UCAT"):
        bot.log.add_entry(team, member, f"A story from {member}", goal="g3")
    clock.set(datetime(2026, 11, 30, 1, 0, tzinfo=UTC))  # Monday of the next week
    outcomes = rhythm(bot).catch_up()
    assert [o.status for o in outcomes] == ["skipped", "posted"]
    [digest] = posted(bot)
    text = message_text(digest)
    assert "*3 entries* from *3 members*" in text
    # The trend ends with the digest's own (busy) week, not the new empty one.
    assert "Entries per week, last 8 weeks: ▁▁▁▁▁▁▁█ — the first busy week in a while." in text
    with bot.services.db.reading() as session:
        assert session.scalars(select(PostedDigest.period)).all() == ["2026-W48"]


def test_the_digest_counts_those_taking_part_out_of_the_channels_members(
    bot_on_each_store: BotUnderTest, clock: FakeClock
) -> None:
    bot = bot_on_each_store
    team = configure(bot)
    for member in ("UANN", "UBEN", "UCAT", "UDAN"):
        bot.standin.join_channel(CHANNEL, member, announce=False)
    clock.set(datetime(2026, 11, 25, 12, 0, tzinfo=UTC))
    bot.log.add_entry(team, "UANN", "A story from Ann", goal="g3")
    bot.log.add_entry(team, "UBEN", "A story from Ben", goal="g2")
    clock.set(datetime(2026, 11, 27, 15, 0, tzinfo=UTC))
    assert rhythm(bot).run_digest(team).status == "posted"
    [digest] = posted(bot)
    # Four people and the bot are in the channel: the bot is not a member of the network.
    assert "*2 entries* from *2 of the 4 members* of the channel" in message_text(digest)


def test_a_digest_whose_channel_slack_will_not_count_still_goes_out(
    bot: BotUnderTest, clock: FakeClock
) -> None:
    team = configure(bot)
    bot.standin.fail_next("conversations.members", error="missing_scope")
    clock.set(datetime(2026, 11, 25, 12, 0, tzinfo=UTC))
    bot.log.add_entry(team, "UANN", "A story from Ann", goal="g3")
    clock.set(datetime(2026, 11, 27, 15, 0, tzinfo=UTC))
    assert rhythm(bot).run_digest(team).status == "posted"
    [digest] = posted(bot)
    assert "*1 entry* from *1 member*" in message_text(digest)


def test_a_new_networks_first_digest_says_it_is_the_first_week(
    bot_on_each_store: BotUnderTest, clock: FakeClock
) -> None:
    bot = bot_on_each_store
    team = configure(bot)
    clock.set(datetime(2026, 11, 25, 12, 0, tzinfo=UTC))
    bot.log.add_entry(team, "UANN", "Our very first story", goal="g3")
    bot.log.add_entry(team, "UBEN", "Kept to myself", goal="g3", visibility="private")
    clock.set(datetime(2026, 11, 27, 15, 0, tzinfo=UTC))
    assert rhythm(bot).run_digest(team).status == "posted"
    [digest] = posted(bot)
    text = message_text(digest)
    assert "The network's first week in the learning log" in text
    assert "in a while" not in text and "Entries per week" not in text


# -- the digest's chart ---------------------------------------------------------------------------


def _image_blocks(message: dict) -> list[dict]:
    return [b for b in message["blocks"] if b["type"] == "image"]


@pytest.mark.skipif(not charts.available(), reason="matplotlib is not installed")
def test_the_digest_shows_the_12_week_chart_uploaded_privately(
    bot: BotUnderTest, clock: FakeClock
) -> None:
    team = configure(bot)
    now = clock.now
    clock.set(now - timedelta(days=200))  # the network's first entry, long ago
    bot.log.add_entry(team, "UANN", "Where it began", goal="g1")
    clock.set(now)
    fixture_week(bot, clock)
    assert post_weekly_digest(bot.services, client(bot), team, now=clock.now).posted
    [uploaded] = bot.standin.files
    assert uploaded.content.startswith(b"\x89PNG") and uploaded.channels == ()  # no 2nd message
    [message] = posted(bot)
    [image] = _image_blocks(message)
    assert image["slack_file"] == {"id": uploaded.id}
    assert image["alt_text"].startswith("Entries per goal, last 12 weeks")
    assert "By goal: g1 0, g2 2, g3 3" in image["alt_text"]  # the figures, for screen readers
    assert "*5 entries* from *4 members*" in message_text(message)  # and still in words


@pytest.mark.skipif(not charts.available(), reason="matplotlib is not installed")
def test_the_digest_waits_for_slack_to_process_the_chart_then_goes_without_it(
    bot: BotUnderTest, clock: FakeClock
) -> None:
    team = configure(bot)
    fixture_week(bot, clock)
    waits: list[float] = []
    bot.standin.delay_file_processing(references=2)
    outcome = post_weekly_digest(bot.services, client(bot), team, now=clock.now, wait=waits.append)
    assert outcome.posted and waits == [1.0, 2.0]
    assert len(_image_blocks(posted(bot)[0])) == 1

    bot.standin.delay_file_processing(references=10)
    clock.set(FRIDAY_15 + timedelta(weeks=1))
    waits.clear()
    outcome = post_weekly_digest(bot.services, client(bot), team, now=clock.now, wait=waits.append)
    assert outcome.posted and waits == [1.0, 2.0, 4.0]
    assert _image_blocks(posted(bot)[1]) == []  # the digest went out all the same


def test_a_failed_upload_or_the_setting_off_leaves_the_digest_in_words(
    bot: BotUnderTest, clock: FakeClock
) -> None:
    team = configure(bot)
    fixture_week(bot, clock)
    bot.standin.fail_next("files.getUploadURLExternal", error="missing_scope")
    assert post_weekly_digest(bot.services, client(bot), team, now=clock.now).posted
    assert _image_blocks(posted(bot)[0]) == []

    bot.services.settings.apply(team, {"digest_chart": "off"}, by_user=None)
    bot.standin.clear()
    clock.set(FRIDAY_15 + timedelta(weeks=1))
    assert post_weekly_digest(bot.services, client(bot), team, now=clock.now).posted
    assert bot.standin.calls_to("files.getUploadURLExternal") == []
    assert _image_blocks(posted(bot)[0]) == []
