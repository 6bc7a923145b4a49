"""The DM job beyond follow-ups: the weekly prompt by DM, members away until a date, and
member time zones from one ``users.list`` walk — against the Slack stand-in."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from slack_sdk import WebClient
from sqlalchemy import select

from bot.members import MemberPreferences
from bot.models import DmPrompt
from bot.slack.client import WebApiSlack, make_client
from conftest import BotUnderTest, FakeClock, message_text
from schedules.nudges import NudgeReport, send_nudges
from schedules.prompt import post_weekly_prompt
from schedules.runner import Rhythm
from slack_helpers import NETWORK_CHANNEL, buttons

ANN, BEN, CAT = "UANN", "UBEN", "UCAT"
MONDAY = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)  # the week's prompt goes out


@pytest.fixture
def client(bot: BotUnderTest) -> WebClient:
    return make_client(bot.services.config, backoff=0.01)


def team(bot: BotUnderTest) -> str:
    return bot.standin.team_id


def run(bot: BotUnderTest, client: WebClient, clock: FakeClock, at: datetime) -> NudgeReport:
    clock.set(at)
    return send_nudges(bot.services, WebApiSlack(client), team(bot), at)


def preferences(bot: BotUnderTest) -> MemberPreferences:
    return MemberPreferences(bot.services.db, clock=bot.services.clock)


def dms_to(bot: BotUnderTest, user: str) -> list[dict]:
    return [
        c.args
        for c in bot.standin.calls_to("chat.postMessage")
        if c.args["channel"] == user and c.ok
    ]


def post_the_weeks_prompt(bot: BotUnderTest, client: WebClient, clock: FakeClock) -> str:
    bot.standin.add_channel(NETWORK_CHANNEL, "kindness-network")
    bot.services.settings.apply(team(bot), {"channel": NETWORK_CHANNEL}, by_user=None)
    clock.set(MONDAY)
    outcome = post_weekly_prompt(bot.services, WebApiSlack(client), team(bot), now=MONDAY)
    assert outcome.posted
    prompt = bot.standin.messages_in(NETWORK_CHANNEL)[-1]
    return prompt["blocks"][1]["text"]["text"].strip("*")  # the question


# -- the weekly prompt by DM ---------------------------------------------------------------------


def test_a_member_who_asked_gets_the_weeks_prompt_by_dm_once(
    bot: BotUnderTest, client: WebClient, clock: FakeClock
) -> None:
    for user in (ANN, BEN):
        bot.standin.add_user(user, tz="Europe/London")
    preferences(bot).set_prompts_by_dm(team(bot), ANN, True)
    question = post_the_weeks_prompt(bot, client, clock)

    report = run(bot, client, clock, MONDAY + timedelta(minutes=5))
    assert (report.prompts_sent, report.failed) == (1, 0)
    (dm,) = dms_to(bot, ANN)
    text = message_text(dm)
    assert question in text and "Reply here" in text and "/kindness prompts channel" in text
    assert [b["text"]["text"] for b in buttons(dm)] == [
        "Share a story",
        "Commit to an action",
        "Reflect",
        "A change we saw",
    ]
    assert dms_to(bot, BEN) == []  # the channel prompt stays the default
    with bot.services.db.reading() as session:
        kept = session.scalars(select(DmPrompt)).one()
    assert kept.user_id == ANN and kept.channel_id == bot.standin.dm_with(ANN)
    assert kept.message_ts == bot.standin.messages_in(kept.channel_id)[-1]["ts"]

    # Later runs that week, and the follow-ups' half-hourly runs, send it no more.
    assert run(bot, client, clock, MONDAY + timedelta(hours=3)).prompts_sent == 0
    assert len(dms_to(bot, ANN)) == 1


def test_a_member_who_switches_mid_week_gets_that_weeks_prompt(
    bot: BotUnderTest, client: WebClient, clock: FakeClock
) -> None:
    bot.standin.add_user(ANN, tz="Europe/London")
    post_the_weeks_prompt(bot, client, clock)
    assert run(bot, client, clock, MONDAY + timedelta(hours=1)).prompts_sent == 0
    preferences(bot).set_prompts_by_dm(team(bot), ANN, True)
    assert run(bot, client, clock, MONDAY + timedelta(days=2)).prompts_sent == 1
    # Switching back stops next week's.
    preferences(bot).set_prompts_by_dm(team(bot), ANN, False)
    clock.set(MONDAY + timedelta(weeks=1))
    post_weekly_prompt(bot.services, WebApiSlack(client), team(bot), now=clock.now)
    assert run(bot, client, clock, clock.now + timedelta(minutes=5)).prompts_sent == 0


def test_a_dm_prompt_waits_for_the_members_morning(
    bot: BotUnderTest, client: WebClient, clock: FakeClock
) -> None:
    bot.standin.add_user(ANN, tz="America/Los_Angeles")  # 02:00 there at 10:00 UTC
    preferences(bot).set_prompts_by_dm(team(bot), ANN, True)
    post_the_weeks_prompt(bot, client, clock)
    report = run(bot, client, clock, MONDAY + timedelta(minutes=5))
    assert (report.prompts_sent, report.skipped_quiet_hours) == (0, 1)
    assert run(bot, client, clock, MONDAY + timedelta(hours=6)).prompts_sent == 1  # 08:00


def test_no_dm_prompt_without_a_prompt_this_week_or_while_paused(
    bot: BotUnderTest, client: WebClient, clock: FakeClock
) -> None:
    bot.standin.add_user(ANN, tz="Europe/London")
    preferences(bot).set_prompts_by_dm(team(bot), ANN, True)
    assert run(bot, client, clock, MONDAY).prompts_sent == 0  # nothing posted yet
    post_the_weeks_prompt(bot, client, clock)
    bot.services.settings.apply(team(bot), {"paused_until": "2026-12-07"}, by_user=None)
    assert run(bot, client, clock, MONDAY + timedelta(minutes=5)).prompts_sent == 0


def test_dm_prompts_stay_in_their_workspace(
    bot: BotUnderTest, client: WebClient, clock: FakeClock
) -> None:
    bot.standin.add_user(ANN, tz="Europe/London")
    preferences(bot).set_prompts_by_dm("T0OTHER", ANN, True)  # asked in another workspace
    post_the_weeks_prompt(bot, client, clock)
    assert run(bot, client, clock, MONDAY + timedelta(minutes=5)).prompts_sent == 0
    assert dms_to(bot, ANN) == []


# -- away ----------------------------------------------------------------------------------------


def test_a_member_away_gets_no_dm_until_the_day_they_are_back(
    bot: BotUnderTest, client: WebClient, clock: FakeClock
) -> None:
    bot.standin.add_user(ANN, tz="Europe/London")
    bot.standin.add_user(BEN, tz="Europe/London")
    reply = bot.slack.command("log action g3 Thank the night shift", user=ANN)
    assert reply.status == 200
    bot.slack.command("log action g3 Call the family back", user=BEN)
    preferences(bot).set_away(team(bot), ANN, date(2026, 12, 10))
    preferences(bot).set_prompts_by_dm(team(bot), ANN, True)
    post_the_weeks_prompt(bot, client, clock)  # Monday 30 Nov: both actions due since the 2nd

    report = run(bot, client, clock, datetime(2026, 12, 2, 14, 0, tzinfo=UTC))
    assert (report.sent, report.prompts_sent, report.skipped_away) == (1, 0, 2)
    assert dms_to(bot, ANN) == [] and len(dms_to(bot, BEN)) == 1
    assert "held while away" in report.describe()

    # Back on the 10th: Ann's follow-up is still due and goes (with Ben's second); the week
    # of that prompt has passed.
    report = run(bot, client, clock, datetime(2026, 12, 10, 9, 0, tzinfo=UTC))
    assert (report.sent, report.prompts_sent, report.skipped_away) == (2, 0, 0)
    assert len(dms_to(bot, ANN)) == 1 and len(dms_to(bot, BEN)) == 2


# -- time zones ----------------------------------------------------------------------------------


def test_many_members_zones_come_from_one_users_list_walk_then_from_the_cache(
    bot: BotUnderTest, client: WebClient, clock: FakeClock
) -> None:
    members = [f"UWALK{n:02d}" for n in range(14)]
    for number, member in enumerate(members):
        # Half of them are in Sydney: 01:00 there when it is 14:00 in London.
        zone = "Australia/Sydney" if number % 2 else "Europe/London"
        bot.standin.add_user(member, tz=zone)
        bot.slack.command(f"log action g3 Something kind, {member}", user=member)
    bot.standin.clear()
    report = run(bot, client, clock, clock.now + timedelta(weeks=1))
    assert (report.sent, report.skipped_quiet_hours) == (7, 7)
    assert len(bot.standin.calls_to("users.list")) == 1  # 200 a page: one call for everyone
    assert bot.standin.calls_to("users.info") == []
    bot.standin.clear()
    # Later that day (08:00 in Sydney): cached zones, no Slack call but the DMs.
    report = run(bot, client, clock, clock.now + timedelta(hours=7))
    assert (report.sent, report.skipped_quiet_hours) == (7, 0)
    assert {c.method for c in bot.standin.calls} == {"chat.postMessage"}


def test_the_scheduler_sends_the_dm_prompts_as_soon_as_the_prompt_is_posted(
    bot: BotUnderTest, client: WebClient, clock: FakeClock
) -> None:
    bot.standin.add_user(ANN, tz="Europe/London")
    bot.standin.add_channel(NETWORK_CHANNEL, "kindness-network")
    bot.services.settings.apply(team(bot), {"channel": NETWORK_CHANNEL}, by_user=None)
    preferences(bot).set_prompts_by_dm(team(bot), ANN, True)
    clock.set(MONDAY)  # the default rhythm: Monday 10:00
    scheduler = Rhythm(
        bot.services, lambda team_id: WebApiSlack(client), BackgroundScheduler(timezone="UTC")
    )
    outcome = scheduler.run_prompt(team(bot))
    assert outcome is not None and outcome.posted
    (dm,) = dms_to(bot, ANN)  # at once, not at the DM job's next half-hour
    assert "Reply here" in message_text(dm)
