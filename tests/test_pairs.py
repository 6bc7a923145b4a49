"""Peer pairs through the signed endpoint and the Slack stand-in: a member's yes, the round's
group DMs, *We met* and what it leads to, the reminder halfway, the coordinator's figures, and
every click or word that is not what it should be."""

from __future__ import annotations

import io
import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import select, update

from bot.db import database_now
from bot.models import JobClaim, Pair, PairRound
from bot.names import Directory
from bot.organisations import get_or_create_organisation, set_member_organisation
from bot.report import write_report
from bot.report.figures import build_report, report_period
from bot.slack.client import WebApiSlack, make_client
from conftest import BotUnderTest, FakeClock, message_text
from sandbox import InputValue
from schedules.pairs import OPEN_JOB, PairsOutcome, run_pairs
from schedules.runner import Rhythm
from slack_helpers import NETWORK_CHANNEL, button, buttons

ANN, BEN, CAT, DAN = "UANN", "UBEN", "UCAT", "UDAN"
# Monday 30 Nov 2026 begins a round for a workspace that holds one every 2 weeks.
MONDAY = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)


def team(bot: BotUnderTest) -> str:
    return bot.standin.team_id


def slack(bot: BotUnderTest) -> WebApiSlack:
    return WebApiSlack(make_client(bot.services.config, backoff=0.01))


def network(bot: BotUnderTest, *members: str, every: str = "2") -> None:
    """A workspace holding rounds every ``every`` weeks on Mondays; ``members`` said yes."""
    bot.standin.add_channel(NETWORK_CHANNEL, "kindness-network")
    for user in (ANN, BEN, CAT, DAN):
        bot.standin.add_user(user, name=user[1:].lower(), tz="Europe/London")
    bot.services.settings.apply(
        team(bot),
        {"channel": NETWORK_CHANNEL, "pairs_every_weeks": every, "pairs_day": "monday"},
        by_user=None,
    )
    for user in members:
        assert "Thank you for saying yes" in bot.answer_text(
            bot.slack.command("pairs on", user=user)
        )


def run(
    bot: BotUnderTest, clock: FakeClock, at: datetime = MONDAY, *, owner: str | None = None
) -> PairsOutcome:
    clock.set(at)
    return run_pairs(bot.services, slack(bot), team(bot), now=at, owner=owner)


def group_dms(bot: BotUnderTest) -> dict[str, list[dict]]:
    """The bot's group DMs, by their members (sorted, joined by commas): their messages."""
    found = {}
    for call in bot.standin.calls_to("conversations.open"):
        users = call.args.get("users", "")
        if "," in users and call.ok:
            channel = bot.standin.group_dm_with(*users.split(","))
            found[",".join(sorted(users.split(",")))] = bot.standin.messages_in(channel)
    return found


def rounds(bot: BotUnderTest) -> list[PairRound]:
    with bot.services.db.reading() as session:
        return list(session.scalars(select(PairRound).order_by(PairRound.id)))


def pairs(bot: BotUnderTest) -> list[Pair]:
    with bot.services.db.reading() as session:
        return list(session.scalars(select(Pair).order_by(Pair.id)))


# -- opting in -------------------------------------------------------------------------------


def test_a_member_says_yes_and_no_to_peer_pairs(bot: BotUnderTest) -> None:
    network(bot)
    text = bot.answer_text(bot.slack.command("pairs", user=ANN))
    assert "Nobody is paired without saying yes: `/kindness pairs on`" in text
    assert "The next round begins on *Mon 30 Nov 2026*." in text  # today is Wed 25 Nov
    assert not bot.services.members.status(team(bot), ANN).pairs
    text = bot.answer_text(bot.slack.command("pairs on", user=ANN))
    assert "Thank you for saying yes. You're in *peer pairs*" in text
    assert bot.services.members.status(team(bot), ANN).pairs
    text = bot.answer_text(bot.slack.command("pairs off", user=ANN))
    assert "You're out of peer pairs" in text and "no reminder will chase you" in text
    assert not bot.services.members.status(team(bot), ANN).pairs


def test_pairs_with_a_typo_is_answered_with_the_choices(bot: BotUnderTest) -> None:
    network(bot)
    text = bot.answer_text(bot.slack.command("pairs onn", user=ANN))
    assert "`onn` is not an option I know. Use one of: `on`, `off`." in text
    assert "/kindness pairs on|off" in text
    assert not bot.services.members.status(team(bot), ANN).pairs
    text = bot.answer_text(bot.slack.command("pair on", user=ANN))
    assert "/kindness pairs on" in text  # did you mean…


def test_app_home_has_a_switch_for_peer_pairs(bot: BotUnderTest) -> None:
    network(bot)
    bot.slack.event(bot.slack.app_home_opened(ANN))
    home = bot.standin.home_view(ANN)
    join = button(home, "Join peer pairs")
    bot.slack.block_action(join["action_id"], join["value"], user=ANN, view=home["id"])
    assert bot.services.members.status(team(bot), ANN).pairs
    home = bot.standin.home_view(ANN)
    leave = button(home, "Leave peer pairs")
    bot.slack.block_action(leave["action_id"], leave["value"], user=ANN, view=home["id"])
    assert not bot.services.members.status(team(bot), ANN).pairs


# -- a round ---------------------------------------------------------------------------------


def test_a_round_opens_one_group_dm_per_pair_with_the_weeks_goal_and_a_question(
    bot: BotUnderTest, clock: FakeClock
) -> None:
    network(bot, ANN, BEN, CAT, DAN)
    bot.log.add_entry(team(bot), ANN, "I asked the new starters what helps", source="slash")
    bot.log.add_entry(team(bot), ANN, "My private worry", visibility="private", source="slash")
    bot.log.add_entry(team(bot), BEN, "A quiet story", visibility="anonymous", source="slash")

    outcome = run(bot, clock)

    assert outcome.status == "opened", outcome.message
    assert "4 members available; 2 group DMs opened" in outcome.message
    opened = group_dms(bot)
    assert len(opened) == 2
    everyone = sorted(u for users in opened for u in users.split(","))
    assert everyone == sorted([ANN, BEN, CAT, DAN])
    (held,) = rounds(bot)
    goal = bot.services.framework.goals[0]  # no prompt yet: the rotation's first goal
    assert (held.period, held.goal_key, held.available) == ("2026-W49", goal.key, 4)
    assert held.question in goal.questions
    for users, messages in opened.items():
        (opening,) = messages
        text = message_text(opening)
        assert f"g{goal.number} {goal.title}" in text and held.question in text
        assert [b["text"]["text"] for b in buttons(opening)] == ["We met", "Couldn't this time"]
        assert all(f"<@{user}>" in text for user in users.split(","))
        if ANN in users:
            assert "I asked the new starters what helps" in text
        assert "My private worry" not in text and "A quiet story" not in text
        assert "Find half an hour before Sun 13 Dec 2026" in text


def test_pairs_cross_organisations_and_each_member_is_introduced_with_theirs(
    bot: BotUnderTest, clock: FakeClock
) -> None:
    network(bot, ANN, BEN, CAT, DAN)
    now = clock()
    with bot.services.db.session() as session:
        for user, name in ((ANN, "Fife Council"), (BEN, "Fife Council"), (CAT, "Age Scotland")):
            org = get_or_create_organisation(session, team(bot), name, now=now)
            set_member_organisation(session, team(bot), user, org, now=now)
        org = get_or_create_organisation(session, team(bot), "Age Scotland", now=now)
        set_member_organisation(session, team(bot), DAN, org, now=now)
    run(bot, clock)
    opened = group_dms(bot)
    assert sorted(opened) in (
        [f"{ANN},{CAT}", f"{BEN},{DAN}"],
        [f"{ANN},{DAN}", f"{BEN},{CAT}"],
    )
    for messages in opened.values():
        text = message_text(messages[0])
        assert "· Fife Council" in text and "· Age Scotland" in text


def test_the_round_takes_the_goal_of_the_weeks_prompt(bot: BotUnderTest, clock: FakeClock) -> None:
    from schedules.prompt import post_weekly_prompt

    network(bot, ANN, BEN)
    clock.set(MONDAY)
    assert post_weekly_prompt(bot.services, slack(bot), team(bot), now=MONDAY).posted
    prompt = bot.standin.messages_in(NETWORK_CHANNEL)[-1]
    run(bot, clock, MONDAY + timedelta(minutes=1))
    (held,) = rounds(bot)
    goal = bot.services.framework.get(held.goal_key)
    assert f"g{goal.number} {goal.title}" in message_text(prompt)
    assert held.question not in message_text(prompt)  # another question of the same bank


def test_nobody_is_paired_without_saying_yes_nor_while_away(
    bot: BotUnderTest, clock: FakeClock
) -> None:
    network(bot, ANN, BEN, CAT)
    bot.slack.command("away until 2026-12-07", user=CAT)
    run(bot, clock)
    assert list(group_dms(bot)) == [f"{ANN},{BEN}"]


def test_a_round_is_made_and_opened_once_however_often_it_runs(
    bot: BotUnderTest, clock: FakeClock
) -> None:
    network(bot, ANN, BEN, CAT, DAN)
    run(bot, clock)
    again = run(bot, clock, MONDAY + timedelta(hours=2))
    assert "no group DM opened by this run" in again.message
    assert len(rounds(bot)) == 1 and len(pairs(bot)) == 2
    assert all(len(messages) == 1 for messages in group_dms(bot).values())
    # A member who says yes later waits for the next round.
    bot.slack.command("pairs on", user="UEVE")
    run(bot, clock, MONDAY + timedelta(days=1))
    assert len(pairs(bot)) == 2


def test_a_round_holds_every_few_weeks_on_its_day(bot: BotUnderTest, clock: FakeClock) -> None:
    network(bot, ANN, BEN)
    early = run_pairs(
        bot.services, slack(bot), team(bot), now=MONDAY - timedelta(hours=1), on_time=True
    )
    assert early.status == "not_yet" and rounds(bot) == []
    off_week = run(bot, clock, MONDAY + timedelta(weeks=1))
    assert off_week.status == "not_yet"
    assert "the next begins on Mon 14 Dec 2026" in off_week.message
    assert rounds(bot) == []
    run(bot, clock, MONDAY)
    run(bot, clock, MONDAY + timedelta(weeks=2))
    assert [r.period for r in rounds(bot)] == ["2026-W49", "2026-W51"]


def test_pairs_are_off_until_a_coordinator_sets_how_often(
    bot: BotUnderTest, clock: FakeClock
) -> None:
    network(bot, ANN, BEN, every="0")
    outcome = run(bot, clock)
    assert outcome.status == "off" and "pairs_every_weeks" in outcome.message
    assert group_dms(bot) == {}


def test_a_paused_workspace_holds_no_round(bot: BotUnderTest, clock: FakeClock) -> None:
    network(bot, ANN, BEN)
    clock.set(MONDAY - timedelta(days=3))
    bot.services.settings.apply(team(bot), {"paused_until": "2026-12-02"}, by_user=None)
    assert run(bot, clock).status == "paused"
    assert group_dms(bot) == {} and rounds(bot) == []


def test_a_round_with_nobody_sends_nothing_and_says_why(
    bot: BotUnderTest, clock: FakeClock
) -> None:
    network(bot)
    outcome = run(bot, clock)
    assert outcome.status == "too_few"
    assert "nobody to pair: no member of" in outcome.message and "nothing sent" in outcome.message
    assert bot.standin.calls_to("chat.postMessage") == []


def test_the_only_member_who_said_yes_is_told_kindly_once(
    bot: BotUnderTest, clock: FakeClock
) -> None:
    network(bot, ANN)
    outcome = run(bot, clock)
    assert outcome.status == "too_few"
    assert "only one member available (UANN)" in outcome.message
    assert "no group DM was opened; they were told kindly" in outcome.message
    run(bot, clock, MONDAY + timedelta(hours=1))
    (told,) = bot.standin.messages_in(bot.standin.dm_with(ANN))
    assert "you're the only one who said yes" in message_text(told)
    assert "The next round begins on Mon 14 Dec 2026" in message_text(told)
    assert group_dms(bot) == {}


# -- the buttons -----------------------------------------------------------------------------


@pytest.fixture
def opened(bot: BotUnderTest, clock: FakeClock) -> dict:
    """Ann and Ben are a pair this round: their opening message (in their group DM)."""
    network(bot, ANN, BEN)
    run(bot, clock)
    ((users, (opening,)),) = group_dms(bot).items()
    assert users == f"{ANN},{BEN}"
    return opening


def click(bot: BotUnderTest, message: dict, label: str, user: str):
    pressed = button(message, label)
    channel = bot.standin.channel_of(message["ts"])
    return bot.slack.block_action(
        pressed["action_id"], pressed["value"], user=user, channel=channel, message=message
    )


def test_we_met_offers_each_of_them_what_will_you_try_which_logs_a_followed_action(
    bot: BotUnderTest, clock: FakeClock, opened: dict
) -> None:
    clock.advance(days=3)
    click(bot, opened, "We met", ANN)
    (pair,) = pairs(bot)
    assert (pair.outcome, pair.answered_by) == ("met", ANN)
    (modal,) = bot.standin.modal_stack(ANN)
    assert modal["title"]["text"] == "What will you try?"
    channel = bot.standin.channel_of(opened["ts"])
    follow = bot.standin.messages_in(channel)[-1]
    assert "<@UANN> says you met" in message_text(follow)

    # Ben takes the offer from the group DM; Ann saves hers from the modal she was given.
    click(bot, follow, "What will you try?", BEN)
    (bens,) = bot.standin.modal_stack(BEN)
    for user, view, words in ((ANN, modal, "Start meetings with a check-in"), (BEN, bens, "Ask")):
        reply = bot.slack.view_submission(
            "pair_try_modal",
            {
                "text": {"text": InputValue.plain_text(words)},
                "visibility": {"visibility": InputValue.radio_buttons("network")},
            },
            user=user,
            view_id=view["id"],
        )
        assert reply.status == 200
    actions = [e for e in bot.entries() if e.source == "pair"]
    (held,) = rounds(bot)
    assert [(e.user_id, e.kind, e.goal_key, e.text) for e in actions] == [
        (ANN, "action", held.goal_key, "Start meetings with a check-in"),
        (BEN, "action", held.goal_key, "Ask"),
    ]
    due = clock() + timedelta(days=7)
    assert all(e.action_status == "open" and e.follow_up_at == due for e in actions)


def test_couldnt_this_time_is_noted_without_fuss(
    bot: BotUnderTest, clock: FakeClock, opened: dict
) -> None:
    click(bot, opened, "Couldn't this time", BEN)
    (pair,) = pairs(bot)
    assert (pair.outcome, pair.answered_by) == ("missed", BEN)
    last = bot.standin.messages_in(bot.standin.channel_of(opened["ts"]))[-1]
    assert "couldn't meet this time" in message_text(last)
    assert bot.standin.modal_stack(BEN) == []


def test_someone_outside_the_pair_cannot_answer_for_it(
    bot: BotUnderTest, clock: FakeClock, opened: dict
) -> None:
    reply = click(bot, opened, "We met", CAT)
    assert "These buttons are for the members of this pair" in bot.answer_text(reply)
    (pair,) = pairs(bot)
    assert pair.outcome is None and bot.standin.modal_stack(CAT) == []


def test_a_past_rounds_buttons_change_nothing(
    bot: BotUnderTest, clock: FakeClock, opened: dict
) -> None:
    run(bot, clock, MONDAY + timedelta(weeks=2))  # the next round
    reply = click(bot, opened, "We met", ANN)
    assert "The 2026-W49 round of pairs has ended, so nothing was changed" in bot.answer_text(reply)
    assert all(pair.outcome is None for pair in pairs(bot))
    assert bot.standin.modal_stack(ANN) == []


# -- halfway ---------------------------------------------------------------------------------


def reminders_in(bot: BotUnderTest, channel: str) -> list[dict]:
    return [m for m in bot.standin.messages_in(channel) if "A gentle nudge" in message_text(m)]


def test_halfway_one_gentle_reminder_goes_to_a_pair_that_has_not_answered(
    bot: BotUnderTest, clock: FakeClock
) -> None:
    network(bot, ANN, BEN, CAT, DAN)
    run(bot, clock)
    first, second = pairs(bot)
    channel_of = {p.id: p.channel_id for p in (first, second)}
    opening = bot.standin.messages_in(channel_of[first.id])[0]
    click(bot, opening, "We met", first.members[0])
    assert run(bot, clock, MONDAY + timedelta(days=6)).reminded == 0  # not halfway yet
    assert run(bot, clock, MONDAY + timedelta(days=6, hours=20)).reminded == 0  # due, 06:00
    outcome = run(bot, clock, MONDAY + timedelta(days=7))
    assert outcome.reminded == 1
    run(bot, clock, MONDAY + timedelta(days=8))
    assert reminders_in(bot, channel_of[first.id]) == []
    (reminder,) = reminders_in(bot, channel_of[second.id])
    assert [b["text"]["text"] for b in buttons(reminder)] == ["We met", "Couldn't this time"]


def test_a_member_who_turned_pairs_off_or_left_is_not_chased(
    bot: BotUnderTest, clock: FakeClock
) -> None:
    network(bot, ANN, BEN, CAT, DAN)
    run(bot, clock)
    first, second = pairs(bot)
    bot.slack.command("pairs off", user=first.members[1])
    bot.standin.deactivate_user(second.members[0])
    assert run(bot, clock, MONDAY + timedelta(days=7)).reminded == 0
    assert reminders_in(bot, first.channel_id) == reminders_in(bot, second.channel_id) == []


# -- what a coordinator sees -----------------------------------------------------------------


def test_stats_count_rounds_pairs_the_share_that_met_and_actions_never_who_met_whom(
    bot: BotUnderTest, clock: FakeClock
) -> None:
    network(bot, ANN, BEN, CAT, DAN)
    bot.services.settings.apply(team(bot), {"coordinators": "UBOSS"}, by_user=None)
    run(bot, clock)
    first, _ = pairs(bot)
    opening = bot.standin.messages_in(first.channel_id)[0]
    click(bot, opening, "We met", first.members[0])
    (modal,) = bot.standin.modal_stack(first.members[0])
    bot.slack.view_submission(
        "pair_try_modal",
        {
            "text": {"text": InputValue.plain_text("Try a kinder rota")},
            "visibility": {"visibility": InputValue.radio_buttons("private")},
        },
        user=first.members[0],
        view_id=modal["id"],
    )
    text = bot.answer_text(bot.slack.command("stats", user="UBOSS"))
    assert "*Peer pairs:* 1 round, 2 pairs; 50% said they met; 1 action logged from pairs." in text
    for user in (ANN, BEN, CAT, DAN):
        assert user not in text


# -- exactly once, on both stores ------------------------------------------------------------


def test_two_schedulers_racing_make_one_round_and_open_each_pair_once(
    bot_on_each_store: BotUnderTest, clock: FakeClock
) -> None:
    bot = bot_on_each_store
    network(bot, ANN, BEN, CAT, DAN)
    clock.set(MONDAY)
    outcomes: list[PairsOutcome] = []

    def scheduler(owner: str) -> None:
        outcomes.append(
            run_pairs(bot.services, slack(bot), team(bot), now=MONDAY, on_time=True, owner=owner)
        )

    racers = [threading.Thread(target=scheduler, args=(f"proc-{n}",)) for n in range(3)]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join()
    assert len(rounds(bot)) == 1 and len(pairs(bot)) == 2
    assert all(p.opened_at is not None and p.channel_id for p in pairs(bot))
    assert sorted(len(m) for m in group_dms(bot).values()) == [1, 1]
    assert len([c for c in bot.standin.calls_to("chat.postMessage") if c.ok]) == 2


def test_a_run_killed_after_slack_took_the_openings_is_finished_without_doubles(
    bot_on_each_store: BotUnderTest, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot = bot_on_each_store
    network(bot, ANN, BEN, CAT, DAN)
    real = type(bot.services.pairs).record_opened

    def die(*args: object, **kwargs: object) -> None:
        raise SystemExit("killed before recording")  # as SIGKILL: nothing is written

    monkeypatch.setattr(type(bot.services.pairs), "record_opened", die)
    with pytest.raises(SystemExit):
        run(bot, clock, owner="killed-process")
    assert all(p.opened_at is None for p in pairs(bot))
    assert sorted(len(m) for m in group_dms(bot).values()) == [1, 1]  # Slack has them
    monkeypatch.setattr(type(bot.services.pairs), "record_opened", real)

    # Within the lease another run leaves them alone; after it, it finds them and records.
    within = run(bot, clock, MONDAY + timedelta(minutes=1), owner="proc-2")
    assert "no group DM opened by this run; 2 opened already" in within.message
    with bot.services.db.session() as session:
        session.execute(
            update(JobClaim)
            .where(JobClaim.job == OPEN_JOB)
            .values(claimed_at=database_now(session) - timedelta(minutes=11))
        )
    outcome = run(bot, clock, MONDAY + timedelta(minutes=12), owner="proc-2")
    assert "2 group DMs opened" in outcome.message, outcome.message
    assert sorted(len(m) for m in group_dms(bot).values()) == [1, 1]
    assert all(p.opened_at is not None and p.channel_id for p in pairs(bot))


def test_the_impact_report_counts_pairs_never_who_met_whom(
    bot_on_each_store: BotUnderTest, clock: FakeClock
) -> None:
    bot = bot_on_each_store
    network(bot, ANN, BEN, CAT, DAN)
    run(bot, clock)
    first, _ = pairs(bot)
    click(bot, bot.standin.messages_in(first.channel_id)[0], "We met", first.members[1])
    clock.set(MONDAY + timedelta(days=3))
    period = report_period("UTC", clock(), since=date(2026, 11, 2), until=date(2026, 12, 3))
    report = build_report(bot.services.db, bot.services.framework, team(bot), period, now=clock())
    for fmt in ("md", "html"):
        out = io.StringIO()
        write_report(
            report, bot.services.framework, fmt, out, names=Directory(bot.services.db, team(bot))
        )
        text = out.getvalue()
        assert (
            "1 round of peer pairs matched members across organisations into 2 pairs; 50% of "
            "pairs said they met, and 0 actions came from pairs. Who met whom is not reported."
        ) in text
        assert not any(user in text for user in (ANN, BEN, CAT, DAN))


def test_the_scheduler_opens_the_round_once_its_day_and_time_have_come(
    bot: BotUnderTest, clock: FakeClock
) -> None:
    network(bot, ANN, BEN)
    rhythm = Rhythm(bot.services, lambda team_id: slack(bot), BackgroundScheduler(timezone="UTC"))
    rhythm.sync()
    assert rhythm.scheduler.get_job(f"{team(bot)}:pairs") is not None
    clock.set(MONDAY - timedelta(minutes=30))  # Monday 09:30: not yet
    assert rhythm.run_pairs(team(bot)).status == "not_yet"
    clock.set(MONDAY + timedelta(minutes=30))
    assert rhythm.run_pairs(team(bot)).status == "opened"
    assert list(group_dms(bot)) == [f"{ANN},{BEN}"]
    bot.services.settings.apply(team(bot), {"pairs_every_weeks": "0"}, by_user=None)
    assert rhythm.run_pairs(team(bot)) is None  # turned off: the job does nothing
