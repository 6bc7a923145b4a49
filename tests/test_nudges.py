"""Nudges by DM: a follow-up on each action, a word to quiet members — once, never at night.

The job runs against the Slack stand-in with the injected clock; members commit and click
through the signed endpoint, as they would in Slack.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta

import pytest
from slack_sdk import WebClient

from bot.followups import MAX_FOLLOW_UPS
from bot.slack.client import WebApiSlack, make_client
from conftest import BotUnderTest, FakeClock, message_text
from sandbox import InputValue
from schedules import claims
from schedules.nudges import NudgeReport, send_nudges
from slack_helpers import button, buttons

ANN, BEN, CAT = "UANN", "UBEN", "UCAT"
WEEK = timedelta(weeks=1)


@pytest.fixture
def client(bot: BotUnderTest) -> WebClient:
    """The scheduler's own client for the stand-in (short backoff: no long real waits)."""
    return make_client(bot.services.config, backoff=0.01)


# -- helpers ---------------------------------------------------------------------------------


def team(bot: BotUnderTest) -> str:
    return bot.standin.team_id


def commit(bot: BotUnderTest, user: str, text: str, goal: str = "g3") -> int:
    """A member commits to an action with ``/kindness log action …``; its entry id."""
    reply = bot.slack.command(f"log action {goal} {text}", user=user)
    assert reply.status == 200
    return bot.entries()[-1].id


def run(
    bot: BotUnderTest, client: WebClient, clock: FakeClock, at: datetime, **options: object
) -> NudgeReport:
    clock.set(at)
    return send_nudges(bot.services, WebApiSlack(client), team(bot), at, **options)  # type: ignore[arg-type]


def nudges_to(bot: BotUnderTest, user: str) -> list[dict]:
    """The DMs the job sent to ``user``, each checked as Slack accepted it (Block Kit valid)."""
    calls = [c for c in bot.standin.calls_to("chat.postMessage") if c.args["channel"] == user]
    accepted = [c for c in calls if c.ok]
    return [c.args for c in accepted]


def dm_messages(bot: BotUnderTest, client: WebClient, user: str) -> list[dict]:
    """The member's DM with the bot as their client shows it (replaced messages replaced)."""
    dm = client.conversations_open(users=user)["channel"]["id"]
    return bot.standin.messages_in(dm)


def entry(bot: BotUnderTest, entry_id: int):
    return next(e for e in bot.entries() if e.id == entry_id)


def as_utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def followup_claim(bot: BotUnderTest, entry_id: int, step: int) -> str | None:
    return claims.claim_status(
        bot.services.db, team(bot), "followup", f"entry:{entry_id}:step:{step}"
    )


def assert_every_call_accepted(bot: BotUnderTest, method: str = "chat.postMessage") -> None:
    refused = [c.error for c in bot.standin.calls_to(method) if c.status == 200 and not c.ok]
    assert not refused, refused


# -- follow-ups on actions -------------------------------------------------------------------


def test_an_action_is_followed_up_by_dm_after_seven_days_once(
    bot: BotUnderTest, client: WebClient, clock: FakeClock
) -> None:
    bot.standin.add_user(ANN, tz="Europe/London")
    committed_at = clock.now
    action_id = commit(bot, ANN, "Thank the night shift in person")

    assert run(bot, client, clock, committed_at + WEEK - timedelta(hours=1)).sent == 0
    report = run(bot, client, clock, committed_at + WEEK)
    assert (report.sent, report.failed, report.skipped_quiet_hours) == (1, 0, 0)

    (nudge,) = nudges_to(bot, ANN)
    text = message_text(nudge)
    assert "Thank the night shift in person" in text
    assert "g3 Put relationships at the centre" in text
    assert f"<!date^{int(committed_at.timestamp())}^" in text  # when it was committed
    assert "/kindness nudges off" in text
    assert "!" not in text.replace("<!date", "")
    labels = [b["text"]["text"] for b in buttons(nudge)]
    assert labels == ["Done — add a reflection", "Still on it", "Drop it"]
    assert [b["action_id"] for b in buttons(nudge)] == [
        "complete_action",
        "nudge_snooze",
        "nudge_drop",
    ]
    assert all(json.loads(b["value"]) == {"entry": action_id} for b in buttons(nudge))
    assert "confirm" in button(nudge, "Drop it")
    assert followup_claim(bot, action_id, 1) == "done"
    assert entry(bot, action_id).follow_ups_sent == 1

    # The same day, again: nothing more.
    again = run(bot, client, clock, committed_at + WEEK + timedelta(hours=3))
    assert (again.sent, again.failed) == (0, 0)
    assert len(nudges_to(bot, ANN)) == 1
    assert_every_call_accepted(bot)
    assert again.describe() == (
        f"nudges in {team(bot)}: 0 follow-ups sent, 0 quiet members nudged, "
        "0 prompts by DM, 0 held for quiet hours, 0 already sent, 0 failed"
    )


def test_never_at_night_in_the_members_own_time_zone(
    bot: BotUnderTest, client: WebClient, clock: FakeClock
) -> None:
    bot.standin.add_user(ANN, tz="America/New_York")
    bot.standin.add_user(BEN, tz="Asia/Kolkata")
    in_new_york = commit(bot, ANN, "Call the volunteer who left")
    in_kolkata = commit(bot, BEN, "Ask the team what would help")

    # 03:00 UTC: 22:00 the evening before in New York, 08:30 in Kolkata.
    night = datetime(2026, 12, 3, 3, 0, tzinfo=UTC)
    report = run(bot, client, clock, night)
    assert (report.sent, report.skipped_quiet_hours) == (1, 1)
    assert len(nudges_to(bot, BEN)) == 1 and nudges_to(bot, ANN) == []
    assert followup_claim(bot, in_new_york, 1) is None  # still due, unclaimed

    # 07:00 in New York: still too early; Kolkata's is not sent twice.
    report = run(bot, client, clock, datetime(2026, 12, 3, 12, 0, tzinfo=UTC))
    assert (report.sent, report.skipped_quiet_hours) == (0, 1)
    # 08:00 in New York: now.
    report = run(bot, client, clock, datetime(2026, 12, 3, 13, 0, tzinfo=UTC))
    assert (report.sent, report.skipped_quiet_hours) == (1, 0)
    assert len(nudges_to(bot, ANN)) == 1 and len(nudges_to(bot, BEN)) == 1
    assert followup_claim(bot, in_kolkata, 1) == "done"
    # Each member's zone was asked of Slack once, then remembered.
    assert sorted(c.args["user"] for c in bot.standin.calls_to("users.info")) == [ANN, BEN]


def test_when_slack_cannot_say_the_members_zone_the_workspaces_is_used(
    bot: BotUnderTest, client: WebClient, clock: FakeClock
) -> None:
    bot.standin.add_user(BEN, tz="Asia/Kolkata")
    commit(bot, BEN, "Ask the team what would help")
    bot.standin.fail_next("users.info", error="user_not_found")
    # 08:30 in Kolkata but 03:00 in the workspace's zone (UTC): held, and the run goes on.
    report = run(bot, client, clock, datetime(2026, 12, 3, 3, 0, tzinfo=UTC))
    assert (report.sent, report.skipped_quiet_hours, report.failed) == (0, 1, 0)
    # Slack answers again later; the member's own zone is used from then on.
    report = run(bot, client, clock, datetime(2026, 12, 3, 4, 0, tzinfo=UTC))
    assert report.sent == 1


def test_members_who_turned_nudges_off_get_nothing(
    bot: BotUnderTest, client: WebClient, clock: FakeClock
) -> None:
    commit(bot, ANN, "Thank the night shift")
    commit(bot, BEN, "Rewrite the rejection letter")
    reply = bot.slack.command("nudges off", user=BEN)
    assert "Nudges are *off*" in bot.answer_text(reply)
    report = run(bot, client, clock, clock.now + WEEK)
    assert report.sent == 1
    assert len(nudges_to(bot, ANN)) == 1 and nudges_to(bot, BEN) == []


def test_nothing_is_nudged_in_a_workspace_that_turned_nudges_off(
    bot: BotUnderTest, client: WebClient, clock: FakeClock
) -> None:
    commit(bot, ANN, "Thank the night shift")
    bot.services.settings.apply(team(bot), {"nudges": "off", "quiet_weeks": "2"}, by_user=None)
    report = run(bot, client, clock, clock.now + 4 * WEEK)
    assert report == NudgeReport(team(bot))
    assert bot.standin.calls_to("chat.postMessage") == []


def test_the_third_follow_up_says_it_is_the_last_and_there_is_no_fourth(
    bot: BotUnderTest, client: WebClient, clock: FakeClock
) -> None:
    start = clock.now
    action_id = commit(bot, ANN, "Walk the wards on Fridays")
    for step in range(1, MAX_FOLLOW_UPS + 1):
        assert run(bot, client, clock, start + step * WEEK).sent == 1
    first, second, third = (message_text(m) for m in nudges_to(bot, ANN))
    assert "last time" not in first and "last time" not in second
    assert "This is the last time I'll ask about this one" in third
    assert followup_claim(bot, action_id, 3) == "done"
    for later in (4 * WEEK, 8 * WEEK):
        assert run(bot, client, clock, start + later).sent == 0
    assert len(nudges_to(bot, ANN)) == 3
    assert_every_call_accepted(bot)


def test_a_long_action_with_mentions_makes_a_valid_nudge_that_pings_nobody(
    bot: BotUnderTest, client: WebClient, clock: FakeClock
) -> None:
    bot.standin.add_user(ANN)
    text = "<!channel> " + "\n".join(f"Line {n} of a long plan for the team." for n in range(110))
    bot.log.add_entry(team(bot), ANN, text[:4000], kind="action", goal="g3")
    assert run(bot, client, clock, clock.now + WEEK).sent == 1
    assert_every_call_accepted(bot)
    (nudge,) = nudges_to(bot, ANN)
    assert "<!channel>" not in json.dumps(nudge)


# -- exactly once, across processes --------------------------------------------------------------


def test_two_schedulers_at_once_send_each_step_once(
    bot_on_each_store: BotUnderTest, clock: FakeClock
) -> None:
    bot = bot_on_each_store
    members = [f"UMEMBER{n}" for n in range(6)]
    for member in members:
        commit(bot, member, f"Something kind, by {member}")
    due = clock.now + WEEK
    clock.set(due)
    barrier = threading.Barrier(2)
    reports: list[NudgeReport] = []
    errors: list[BaseException] = []

    def scheduler(owner: str) -> None:
        try:
            client = WebApiSlack(make_client(bot.services.config, backoff=0.01))
            barrier.wait(timeout=30)
            reports.append(send_nudges(bot.services, client, team(bot), due, owner=owner))
        except BaseException as exc:  # reported below, in the test's own thread
            errors.append(exc)

    threads = [threading.Thread(target=scheduler, args=(f"proc-{n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert sum(r.sent for r in reports) == len(members)
    assert sum(r.failed for r in reports) == 0
    for member in members:
        assert len(nudges_to(bot, member)) == 1, member
    assert all(e.follow_ups_sent == 1 for e in bot.entries())


# -- the buttons ---------------------------------------------------------------------------------


def nudged(bot: BotUnderTest, client: WebClient, clock: FakeClock, user: str = ANN) -> tuple:
    """ANN commits, a week passes, the follow-up arrives: (action id, the DM as Slack holds it)."""
    action_id = commit(bot, user, "Hand the agenda to the team", goal="g2")
    assert run(bot, client, clock, clock.now + WEEK).sent == 1
    return action_id, dm_messages(bot, client, user)[-1]


def test_done_opens_the_reflection_modal_and_submitting_it_closes_the_action(
    bot: BotUnderTest, client: WebClient, clock: FakeClock
) -> None:
    action_id, nudge = nudged(bot, client, clock)
    done = button(nudge, "Done")
    bot.slack.block_action(done["action_id"], done["value"], user=ANN, message=nudge)
    view = bot.standin.last("views.open").args["view"]
    assert view["callback_id"] == "complete_action_modal"
    view_id = bot.standin.open_views()[-1]["id"]
    values = {"text": {"text": InputValue.plain_text("They ran it better than I do")}}
    reply = bot.slack.view_submission("complete_action_modal", values, user=ANN, view_id=view_id)
    assert reply.json["response_action"] == "update"
    assert entry(bot, action_id).action_status == "done"
    assert bot.entries()[-1].reflection_of_id == action_id
    assert run(bot, client, clock, clock.now + 4 * WEEK).sent == 0


def test_still_on_it_asks_again_after_the_delay(
    bot: BotUnderTest, client: WebClient, clock: FakeClock
) -> None:
    action_id, nudge = nudged(bot, client, clock)
    clicked_at = clock.advance(hours=2)
    snooze = button(nudge, "Still on it")
    reply = bot.slack.block_action(snooze["action_id"], snooze["value"], user=ANN, message=nudge)
    assert reply.status == 200
    assert as_utc(entry(bot, action_id).follow_up_at) == clicked_at + WEEK
    assert entry(bot, action_id).action_status == "open"
    # The nudge itself now says so (no buttons left to press twice).
    (shown,) = [m for m in dm_messages(bot, client, ANN) if m["ts"] == nudge["ts"]]
    assert "still on it" in shown["text"] and buttons(shown) == []
    assert "Hand the agenda to the team" in message_text(shown)

    assert run(bot, client, clock, clicked_at + WEEK - timedelta(minutes=30)).sent == 0
    assert run(bot, client, clock, clicked_at + WEEK).sent == 1
    assert len(nudges_to(bot, ANN)) == 2
    assert followup_claim(bot, action_id, 2) == "done"


def test_drop_it_drops_the_action_and_its_follow_ups(
    bot: BotUnderTest, client: WebClient, clock: FakeClock
) -> None:
    action_id, nudge = nudged(bot, client, clock)
    drop = button(nudge, "Drop it")
    bot.slack.block_action(drop["action_id"], drop["value"], user=ANN, message=nudge)
    assert entry(bot, action_id).action_status == "dropped"
    assert entry(bot, action_id).follow_up_at is None
    (shown,) = [m for m in dm_messages(bot, client, ANN) if m["ts"] == nudge["ts"]]
    assert "Dropped" in shown["text"] and buttons(shown) == []
    assert run(bot, client, clock, clock.now + 4 * WEEK).sent == 0


def test_a_click_on_another_members_action_is_refused(
    bot: BotUnderTest, client: WebClient, clock: FakeClock
) -> None:
    action_id, nudge = nudged(bot, client, clock)
    before = entry(bot, action_id)
    for label in ("Still on it", "Drop it"):
        pressed = button(nudge, label)
        reply = bot.slack.block_action(pressed["action_id"], pressed["value"], user=BEN)
        assert "belongs to another member" in bot.answer_text(reply)
    after = entry(bot, action_id)
    assert (after.action_status, after.follow_up_at) == (before.action_status, before.follow_up_at)


def test_still_on_it_on_an_action_already_done_says_so(
    bot: BotUnderTest, client: WebClient, clock: FakeClock
) -> None:
    action_id, nudge = nudged(bot, client, clock)
    bot.slack.command(f"done {action_id}", user=ANN)
    snooze = button(nudge, "Still on it")
    reply = bot.slack.block_action(snooze["action_id"], snooze["value"], user=ANN, message=nudge)
    assert f"Action #{action_id} is already done" in bot.answer_text(reply)
    assert entry(bot, action_id).action_status == "done"


# -- Slack failing -------------------------------------------------------------------------------


def test_a_rate_limited_dm_waits_and_is_sent(
    bot: BotUnderTest, client: WebClient, clock: FakeClock
) -> None:
    action_id = commit(bot, ANN, "Thank the night shift")
    bot.standin.fail_next("chat.postMessage", status=429, retry_after=0)
    report = run(bot, client, clock, clock.now + WEEK)
    assert (report.sent, report.failed) == (1, 0)
    statuses = [c.status for c in bot.standin.calls_to("chat.postMessage")]
    assert statuses == [429, 200]
    assert followup_claim(bot, action_id, 1) == "done"


@pytest.mark.parametrize(
    "failure",
    [{"error": "fatal_error"}, {"status": 500, "times": 4}],
    ids=["slack-error", "server-error-that-persists"],
)
def test_a_failed_dm_is_released_and_the_next_run_sends_it(
    bot: BotUnderTest, client: WebClient, clock: FakeClock, failure: dict
) -> None:
    action_id = commit(bot, ANN, "Thank the night shift")
    commit(bot, BEN, "Rewrite the rejection letter")
    # ANN's nudge (the older action, so first in line when sent one at a time) fails; BEN's
    # still goes.
    bot.standin.fail_next("chat.postMessage", **failure)
    report = run(bot, client, clock, clock.now + WEEK, concurrency=1)
    assert (report.sent, report.failed) == (1, 1)
    assert nudges_to(bot, ANN) == [] and len(nudges_to(bot, BEN)) == 1
    assert followup_claim(bot, action_id, 1) == "released"
    assert entry(bot, action_id).follow_ups_sent == 0

    report = run(bot, client, clock, clock.now + timedelta(minutes=30))
    assert (report.sent, report.failed) == (1, 0)
    assert len(nudges_to(bot, ANN)) == 1
    assert followup_claim(bot, action_id, 1) == "done"


def test_a_member_who_cannot_be_written_to_is_not_retried_for_ever(
    bot: BotUnderTest, client: WebClient, clock: FakeClock
) -> None:
    """A deactivated member: the step is closed, and the action gets no more follow-ups."""
    action_id = commit(bot, ANN, "Thank the night shift")
    bot.standin.fail_next("chat.postMessage", error="account_inactive")
    report = run(bot, client, clock, clock.now + WEEK)
    assert (report.sent, report.failed, report.undeliverable) == (0, 0, 1)
    assert followup_claim(bot, action_id, 1) == "done"
    assert entry(bot, action_id).follow_up_at is None
    later = run(bot, client, clock, clock.now + WEEK + timedelta(minutes=30))
    assert (later.sent, later.failed, later.already_sent) == (0, 0, 0)
    assert len(bot.standin.calls_to("chat.postMessage")) == 1


def test_a_dropped_connection_is_retried_then_counted_as_failed(
    bot: BotUnderTest, client: WebClient, clock: FakeClock
) -> None:
    bot.expect_errors = True  # slack_sdk logs each dropped connection as an error itself
    action_id = commit(bot, ANN, "Thank the night shift")
    bot.standin.drop_next("chat.postMessage", times=3)  # the first try and both retries
    report = run(bot, client, clock, clock.now + WEEK)
    assert (report.sent, report.failed) == (0, 1)
    assert followup_claim(bot, action_id, 1) == "released"
    assert run(bot, client, clock, clock.now + timedelta(minutes=30)).sent == 1


# -- quiet members -------------------------------------------------------------------------------


def test_a_quiet_member_gets_one_gentle_nudge_per_silence(
    bot: BotUnderTest, client: WebClient, clock: FakeClock
) -> None:
    start = clock.now
    bot.services.settings.apply(team(bot), {"quiet_weeks": "3"}, by_user=None)
    bot.slack.command("log g1 We said kindness out loud in the board meeting", user=ANN)
    bot.slack.command("log g2 A story from Ben", user=BEN)

    assert run(bot, client, clock, start + 3 * WEEK - timedelta(hours=1)).quiet_sent == 0
    clock.set(start + 3 * WEEK - timedelta(minutes=30))
    bot.slack.command("log g2 Ben again, still active", user=BEN)

    report = run(bot, client, clock, start + 3 * WEEK + timedelta(hours=1))
    assert report.quiet_sent == 1
    (nudge,) = nudges_to(bot, ANN)
    assert nudges_to(bot, BEN) == []
    text = message_text(nudge)
    assert "more than 3 weeks" in text and "/kindness nudges off" in text
    assert [b["text"]["text"] for b in buttons(nudge)] == [
        "Share a story",
        "Commit to an action",
        "Reflect",
        "A change we saw",
    ]
    # Not again while the silence lasts, in this week or any later one.
    for later in (timedelta(hours=5), WEEK, 5 * WEEK):
        run(bot, client, clock, start + 3 * WEEK + later)
    assert len(nudges_to(bot, ANN)) == 1
    assert len(nudges_to(bot, BEN)) == 1  # quiet for three weeks by then, so nudged once too

    # ANN logs again, then goes quiet again: one more nudge, three weeks on.
    logged_again = clock.advance(hours=1)
    bot.slack.command("log g1 Back with a story", user=ANN)
    assert run(bot, client, clock, logged_again + 3 * WEEK + timedelta(hours=1)).quiet_sent == 1
    assert len(nudges_to(bot, ANN)) == 2
    assert_every_call_accepted(bot)


def test_quiet_member_nudges_also_wait_for_the_morning(
    bot: BotUnderTest, client: WebClient, clock: FakeClock
) -> None:
    bot.standin.add_user(ANN, tz="America/New_York")
    bot.services.settings.apply(team(bot), {"quiet_weeks": "2"}, by_user=None)
    bot.slack.command("log g1 A story", user=ANN)
    night = datetime(2026, 12, 10, 3, 0, tzinfo=UTC)  # 22:00 in New York
    report = run(bot, client, clock, night)
    assert (report.quiet_sent, report.skipped_quiet_hours) == (0, 1)
    assert run(bot, client, clock, night + timedelta(hours=10)).quiet_sent == 1


def test_no_quiet_member_nudges_unless_the_workspace_asks_for_them(
    bot: BotUnderTest, client: WebClient, clock: FakeClock
) -> None:
    bot.slack.command("log g1 A story", user=ANN)
    assert run(bot, client, clock, clock.now + 10 * WEEK) == NudgeReport(team(bot))
