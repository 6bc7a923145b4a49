"""The network's own choice of its most significant stories: the round's timing, its
shortlist, the votes (secret, one each, safe when two clicks race), the job that posts and
closes it once, and what a coordinator records — on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.blocks.selection import record_request_message
from bot.config import load_config
from bot.db import Database
from bot.errors import NotOnShortlist, RoundClosed, RoundStillOpen
from bot.models import SelectionVote
from bot.selection import (
    cast_vote,
    chosen_rounds,
    latest_round,
    next_round,
    plan_shortlist,
    record_choice,
    round_view,
)
from bot.services import Services
from bot.settings import SettingsErrors
from conftest import FakeClock, message_text
from fake_slack import InMemorySlack
from schedules.manual import run_job_now
from schedules.selection import run_selection

TEAM = "T0KIND"
CHANNEL = "CNETWORK"
COORDINATOR = "UCOORD"
ANN, BEN, CAT, DEV = "UANN", "UBEN", "UCAT", "UDEV"
NOVEMBER = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)
OPENS = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)  # day 1 at the prompt's time, London = UTC


@pytest.fixture
def services(database: Database, clock: FakeClock) -> Services:
    services = Services(load_config({}), database, clock=clock)
    services.settings.apply(
        TEAM, {"channel": CHANNEL, "timezone": "Europe/London"}, by_user=COORDINATOR
    )
    return services


@pytest.fixture
def slack() -> InMemorySlack:
    slack = InMemorySlack()
    slack.add_channel(CHANNEL)
    return slack


def log(services: Services, clock: FakeClock, user: str, text: str, **kw: str) -> int:
    return services.log.add_entry(TEAM, user, text, **kw).entry.id


@pytest.fixture
def november(services: Services, clock: FakeClock) -> dict[str, int]:
    """November's entries: three shared stories, one anonymous, one private, an action."""
    clock.set(NOVEMBER)
    ids = {
        "short": log(services, clock, ANN, "We said hello first.", goal="relationships"),
        "full": log(services, clock, BEN, "A long story about listening. " * 20),
        "anonymous": log(services, clock, CAT, "A nurse stayed late.", visibility="anonymous"),
        "private": log(services, clock, DEV, "My own note.", visibility="private"),
        "action": log(services, clock, ANN, "I will ask new starters.", kind="action"),
    }
    clock.set(NOVEMBER + timedelta(days=20))  # the end of November, before the round
    return ids


def open_round(services: Services, slack: InMemorySlack, clock: FakeClock) -> None:
    clock.set(OPENS + timedelta(minutes=1))
    [opened, *_] = run_selection(services, slack, TEAM, now=clock())
    assert opened.posted, opened.message


# -- when -------------------------------------------------------------------------------------


def test_a_monthly_round_opens_on_its_day_for_the_month_just_ended(services: Services) -> None:
    settings = services.settings.get(TEAM)
    due = latest_round(settings, OPENS + timedelta(hours=1))
    assert (due.period, due.label) == ("2026-11", "November 2026")
    assert due.opens_at == OPENS and due.closes_at == OPENS + timedelta(days=7)
    assert latest_round(settings, OPENS - timedelta(minutes=1)).period == "2026-10"
    assert next_round(settings, OPENS - timedelta(minutes=1)).period == "2026-11"


def test_a_quarterly_round_judges_the_quarter_just_ended(services: Services) -> None:
    services.settings.apply(TEAM, {"selection": "quarterly", "selection_day": "5"}, by_user=None)
    settings = services.settings.get(TEAM)
    due = latest_round(settings, datetime(2027, 2, 20, tzinfo=UTC))
    assert (due.period, due.label) == ("2026-Q4", "October–December 2026")
    assert due.opens_at == datetime(2027, 1, 5, 10, 0, tzinfo=UTC)


def test_selection_settings_are_validated_like_the_others(services: Services) -> None:
    with pytest.raises(SettingsErrors) as refused:
        services.settings.apply(
            TEAM,
            {"selection": "weekly", "selection_day": "31", "selection_days": "0"},
            by_user=None,
        )
    assert set(refused.value.by_key()) == {"selection", "selection_day", "selection_days"}
    assert "monthly, quarterly, off" in refused.value.by_key()["selection"]
    saved = services.settings.apply(TEAM, {"selection": "OFF"}, by_user=None)
    assert saved.selection == "off"


# -- the round's post ----------------------------------------------------------------------------


def test_the_round_posts_a_shortlist_of_shared_stories_once(
    services: Services, slack: InMemorySlack, clock: FakeClock, november: dict[str, int]
) -> None:
    open_round(services, slack, clock)
    again = run_selection(services, slack, TEAM, now=clock() + timedelta(hours=1))

    assert again[0].status == "already"
    [post] = slack.messages_in(CHANNEL)
    text = message_text(dict(post.message))
    assert "A long story about listening" in text  # the fullest first
    assert "A nurse stayed late." in text and "a member" in text
    assert "My own note." not in text and "I will ask new starters." not in text
    assert f"<@{CAT}>" not in text
    view = round_view(services.db, TEAM, "2026-11")
    assert [c.entry_id for c in view.candidates] == [
        november["full"],
        november["anonymous"],
        november["short"],
    ]


def test_a_period_with_no_shared_story_posts_nothing_and_says_so(
    services: Services, slack: InMemorySlack, clock: FakeClock
) -> None:
    clock.set(NOVEMBER)
    log(services, clock, DEV, "Only mine.", visibility="private")
    clock.set(OPENS + timedelta(minutes=1))
    first = run_job_now("selection", services, slack, TEAM, clock())
    second = run_job_now("selection", services, slack, TEAM, clock())

    assert first.ok and "no story or outcome was shared in November 2026" in first.message
    assert "settled already" in second.message
    assert slack.messages_in(CHANNEL) == []
    [told] = slack.dms_to(COORDINATOR)
    assert "nothing was posted" in message_text(dict(told.message))


def test_a_coordinators_picks_lead_the_shortlist(
    services: Services, slack: InMemorySlack, clock: FakeClock, november: dict[str, int]
) -> None:
    due = next_round(services.settings.get(TEAM), clock())
    kept = plan_shortlist(
        services.db,
        TEAM,
        due,
        [november["short"], november["private"], november["action"]],
        by_user=COORDINATOR,
        now=clock(),
    )
    assert kept == [november["short"]]  # never a private entry, nor an action
    open_round(services, slack, clock)
    view = round_view(services.db, TEAM, "2026-11")
    assert view.candidates[0].entry_id == november["short"]
    assert len(view.candidates) == 3


def test_stories_and_outcomes_with_a_why_it_matters_come_first(
    services: Services, slack: InMemorySlack, clock: FakeClock, november: dict[str, int]
) -> None:
    from bot.models import Entry

    clock.set(NOVEMBER)
    outcome = log(services, clock, DEV, "The ward changed its rota.", kind="outcome")
    with services.db.session() as session:
        session.get(Entry, outcome).why_it_matters = "Nurses now get their breaks."
    open_round(services, slack, clock)

    view = round_view(services.db, TEAM, "2026-11")
    assert view.candidates[0].entry_id == outcome
    assert view.candidates[0].why == "Nurses now get their breaks."
    [post] = slack.messages_in(CHANNEL)
    assert "Why it matters:_ Nurses now get their breaks." in message_text(dict(post.message))


# -- votes ------------------------------------------------------------------------------------


def test_a_second_click_moves_or_withdraws_a_vote_and_only_totals_are_kept(
    services: Services, slack: InMemorySlack, clock: FakeClock, november: dict[str, int]
) -> None:
    open_round(services, slack, clock)
    first = cast_vote(services.db, TEAM, "2026-11", ANN, november["short"], now=clock())
    moved = cast_vote(
        services.db, TEAM, "2026-11", ANN, november["full"], now=clock.advance(minutes=1)
    )
    cast_vote(services.db, TEAM, "2026-11", BEN, november["full"], now=clock())
    withdrawn = cast_vote(
        services.db, TEAM, "2026-11", BEN, november["full"], now=clock.advance(minutes=1)
    )

    assert [first.did, moved.did, withdrawn.did] == ["cast", "moved", "withdrawn"]
    view = round_view(services.db, TEAM, "2026-11")
    assert {c.entry_id: c.votes for c in view.candidates} == {
        november["full"]: 1,
        november["anonymous"]: 0,
        november["short"]: 0,
    }
    assert view.voters == 1


def test_votes_on_a_closed_round_or_an_entry_off_the_shortlist_are_refused(
    services: Services, slack: InMemorySlack, clock: FakeClock, november: dict[str, int]
) -> None:
    open_round(services, slack, clock)
    with pytest.raises(NotOnShortlist):
        cast_vote(services.db, TEAM, "2026-11", ANN, november["private"], now=clock())
    with pytest.raises(NotOnShortlist):
        cast_vote(services.db, TEAM, "2026-11", ANN, november["action"], now=clock())
    clock.set(OPENS + timedelta(days=7))
    with pytest.raises(RoundClosed):
        cast_vote(services.db, TEAM, "2026-11", ANN, november["full"], now=clock())
    with services.db.reading() as session:
        assert session.scalar(select(func.count()).select_from(SelectionVote)) == 0


def test_two_clicks_at_once_count_one_vote(
    services: Services, slack: InMemorySlack, clock: FakeClock, november: dict[str, int]
) -> None:
    open_round(services, slack, clock)
    start = threading.Barrier(4)
    results: list[str] = []

    def click(entry: int) -> None:
        start.wait()
        results.append(cast_vote(services.db, TEAM, "2026-11", ANN, entry, now=clock()).did)

    clicks = [threading.Thread(target=click, args=(november["full"],)) for _ in range(4)]
    for thread in clicks:
        thread.start()
    for thread in clicks:
        thread.join()

    assert results == ["cast"] * 4  # one click sent four times: still one vote
    with services.db.reading() as session:
        assert session.scalar(select(func.count()).select_from(SelectionVote)) == 1


# -- closing and the choice ---------------------------------------------------------------------


def test_the_round_closes_by_itself_posts_totals_in_its_thread_and_asks_the_coordinator(
    services: Services, slack: InMemorySlack, clock: FakeClock, november: dict[str, int]
) -> None:
    open_round(services, slack, clock)
    cast_vote(services.db, TEAM, "2026-11", ANN, november["anonymous"], now=clock())
    cast_vote(services.db, TEAM, "2026-11", BEN, november["anonymous"], now=clock())
    cast_vote(services.db, TEAM, "2026-11", CAT, november["short"], now=clock())
    with pytest.raises(RoundStillOpen):
        record_choice(
            services.db,
            TEAM,
            "2026-11",
            november["anonymous"],
            "x",
            by_user=COORDINATOR,
            now=clock(),
        )

    clock.set(OPENS + timedelta(days=7, minutes=5))
    run_selection(services, slack, TEAM, now=clock())
    run_selection(services, slack, TEAM, now=clock() + timedelta(minutes=30))

    [shortlist, totals] = slack.messages_in(CHANNEL)
    assert totals.message["thread_ts"] == shortlist.ts
    said = message_text(dict(totals.message))
    assert "3 members voted" in said and "Story 2 had the most votes" in said
    assert "2 votes" in said and f"<@{ANN}>" not in said  # totals, never who voted for what
    [asked] = slack.dms_to(COORDINATOR)
    assert "Record the network's choice" in message_text(dict(asked.message))

    view = record_choice(
        services.db,
        TEAM,
        "2026-11",
        november["anonymous"],
        "  Members said it showed kindness costs nothing but time.  ",
        by_user=COORDINATOR,
        now=clock(),
    )
    assert view.chosen.entry_id == november["anonymous"] and view.chosen.author_id is None
    assert view.reasons == "Members said it showed kindness costs nothing but time."
    [kept] = chosen_rounds(services.db, TEAM, NOVEMBER, OPENS)
    assert kept.chosen.text == "A nurse stayed late."


# -- the migration ------------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request: pytest.FixtureRequest, tmp_path):
    if request.param == "sqlite":
        db = Database(f"sqlite:///{tmp_path / 'empty.db'}")
    else:
        server = request.getfixturevalue("postgres")
        db = Database(server.create_database(f"sel_{abs(hash(tmp_path)) % 10**9}"))
    yield db
    db.dispose()


def test_the_selection_migration_goes_up_down_and_up_keeping_the_settings(
    empty_database: Database,
) -> None:
    from alembic import command
    from sqlalchemy import inspect, text

    from bot.db import alembic_config

    db = empty_database

    def migrate(revision: str, *, down: bool = False) -> None:
        engine = db.engine.execution_options(sqlite_immediate=True)
        with engine.connect() as connection, connection.begin():
            (command.downgrade if down else command.upgrade)(alembic_config(connection), revision)

    migrate("0009")
    with db.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO workspaces (team_id, timezone, created_at, updated_at) "
                "VALUES ('T1', 'UTC', :at, :at)"
            ),
            {"at": datetime(2026, 11, 1)},
        )
    migrate("head")
    with db.engine.connect() as connection:
        row = connection.execute(
            text("SELECT selection, selection_day, selection_days FROM workspaces")
        ).one()
    assert tuple(row) == ("monthly", 1, 7)
    assert {"selection_rounds", "selection_candidates", "selection_votes"} <= set(
        inspect(db.engine).get_table_names()
    )
    migrate("0009", down=True)
    assert "selection_rounds" not in inspect(db.engine).get_table_names()
    assert "selection" not in {c["name"] for c in inspect(db.engine).get_columns("workspaces")}
    migrate("head")
    assert "selection_votes" in inspect(db.engine).get_table_names()


# -- in Slack ------------------------------------------------------------------------------------


def test_members_vote_in_slack_and_the_coordinator_records_the_choice(bot, clock) -> None:
    from bot.slack.client import WebApiSlack, make_client
    from sandbox import InputValue
    from slack_helpers import button, buttons

    team = bot.standin.team_id
    bot.standin.add_channel(CHANNEL, "kindness-network")
    for user in (ANN, BEN, CAT, DEV, COORDINATOR):
        bot.standin.add_user(user, name=user.lower())
    bot.services.settings.apply(
        team, {"channel": CHANNEL, "coordinators": COORDINATOR}, by_user=None
    )
    clock.set(NOVEMBER)
    ids = [
        bot.log.add_entry(team, ANN, "We said hello first.").entry.id,
        bot.log.add_entry(team, BEN, "A nurse stayed late.", visibility="anonymous").entry.id,
        bot.log.add_entry(team, DEV, "My own note.", visibility="private").entry.id,
    ]
    clock.set(OPENS + timedelta(hours=1))
    port = WebApiSlack(make_client(bot.services.config, backoff=0.01))
    assert run_job_now("selection", bot.services, port, team, clock()).ok

    [shortlist] = bot.standin.messages_in(CHANNEL)
    assert [b["text"]["text"] for b in buttons(shortlist)] == ["Vote for 1", "Vote for 2"]
    second = button(shortlist, "Vote for 2")
    reply = bot.slack.block_action(
        second["action_id"], second["value"], user=CAT, message=shortlist
    )
    assert "Your vote is on story 2" in bot.answer_text(reply)
    clock.advance(minutes=1)
    again = bot.slack.block_action(
        second["action_id"], second["value"], user=CAT, message=shortlist
    )
    assert "withdrawn" in bot.answer_text(again)
    bot.slack.block_action(second["action_id"], second["value"], user=CAT, message=shortlist)

    # A forged click for the private entry's id counts nothing and says so.
    forged = {**second, "value": f'{{"period":"2026-11","entry":{ids[2]}}}'}
    refused = bot.slack.block_action(
        forged["action_id"], forged["value"], user=ANN, message=shortlist
    )
    assert f"Entry #{ids[2]} is not on the 2026-11 shortlist" in bot.answer_text(refused)

    clock.set(OPENS + timedelta(days=7, minutes=1))
    run_job_now("selection", bot.services, port, team, clock())
    late = bot.slack.block_action(second["action_id"], second["value"], user=ANN, message=shortlist)
    assert "has closed, so your vote was not counted" in bot.answer_text(late)
    totals = bot.standin.messages_in(CHANNEL)[-1]
    assert "1 member voted" in message_text(totals)

    [asked] = bot.standin.messages_in(bot.standin.dm_with(COORDINATOR))
    record = button(asked, "Record the network's choice")
    bot.slack.block_action(record["action_id"], record["value"], user=COORDINATOR, message=asked)
    form = bot.standin.last("views.open").args["view"]
    assert form["callback_id"] == "selection_choice"
    values = {
        "story": {"story": InputValue.static_select(str(ids[1]))},
        "reasons": {"reasons": InputValue.plain_text("   ")},
    }
    empty = bot.slack.view_submission(
        "selection_choice", values, user=COORDINATOR, private_metadata=form["private_metadata"]
    )
    assert "reasons" in empty.json["errors"]
    values["reasons"] = {"reasons": InputValue.plain_text("It showed what time given means.")}
    not_a_coordinator = bot.slack.view_submission(
        "selection_choice", values, user=ANN, private_metadata=form["private_metadata"]
    )
    assert round_view(bot.services.db, team, "2026-11").chosen is None
    assert not_a_coordinator.json["response_action"] == "update"
    bot.slack.view_submission(
        "selection_choice", values, user=COORDINATOR, private_metadata=form["private_metadata"]
    )

    kept = round_view(bot.services.db, team, "2026-11")
    assert (kept.chosen.entry_id, kept.reasons) == (ids[1], "It showed what time given means.")
    choice = bot.standin.messages_in(CHANNEL)[-1]
    said = message_text(choice)
    assert "The network's choice" in said and "A nurse stayed late." in said
    assert "a member" in said and f"<@{BEN}>" not in said


def test_the_coordinators_dm_offers_ask_to_share_beside_stories_not_yet_agreed(bot, clock) -> None:
    """The report quotes the chosen story: the coordinator asks its author from the round."""
    from bot.slack.client import WebApiSlack, make_client
    from slack_helpers import buttons

    team = bot.standin.team_id
    bot.standin.add_channel(CHANNEL, "kindness-network")
    for user in (ANN, BEN, CAT, COORDINATOR):
        bot.standin.add_user(user, name=user.lower())
    bot.services.settings.apply(
        team, {"channel": CHANNEL, "coordinators": COORDINATOR}, by_user=None
    )
    clock.set(NOVEMBER)
    asked_for = bot.log.add_entry(team, ANN, "We said hello first.").entry.id
    bot.log.add_entry(team, BEN, "A nurse stayed late.", visibility="anonymous")
    agreed = bot.log.add_entry(team, CAT, "We walked her home.").entry.id
    bot.log.share_entry(team, CAT, agreed)
    clock.set(OPENS + timedelta(hours=1))
    port = WebApiSlack(make_client(bot.services.config, backoff=0.01))
    assert run_job_now("selection", bot.services, port, team, clock()).ok
    [shortlist] = bot.standin.messages_in(CHANNEL)
    assert "Ask to share" not in [b["text"]["text"] for b in buttons(shortlist)]
    clock.set(OPENS + timedelta(days=7, minutes=1))
    assert run_job_now("selection", bot.services, port, team, clock()).ok

    [asked] = bot.standin.messages_in(bot.standin.dm_with(COORDINATOR))
    beside = {
        b["text"]["text"]: b["accessory"]
        for b in asked["blocks"]
        if b["type"] == "section" and "accessory" in b
    }
    # Ann's and the anonymous story may be asked about; Cat agreed already, so no button.
    assert sorted(line.split(" — ")[1] for line in beside) == [
        "A nurse stayed late.",
        "We said hello first.",
    ]
    assert {a["text"]["text"] for a in beside.values()} == {"Ask to share"}
    ask = next(a for line, a in beside.items() if "We said hello first." in line)

    reply = bot.slack.block_action(ask["action_id"], ask["value"], user=COORDINATOR, message=asked)
    assert f"I have asked the author of #{asked_for}" in bot.answer_text(reply)
    [request] = bot.standin.messages_in(bot.standin.dm_with(ANN))
    assert f"May the network share your story #{asked_for}" in request["text"]
    assert [b["text"]["text"] for b in buttons(request)] == [
        "Yes, with my name",
        "Yes, anonymously",
        "No",
    ]

    # Asked once: the same button again is refused, and Ann gets no second DM.
    again = bot.slack.block_action(ask["action_id"], ask["value"], user=COORDINATOR, message=asked)
    assert f"The author of #{asked_for} has been asked already" in bot.answer_text(again)
    assert len(bot.standin.messages_in(bot.standin.dm_with(ANN))) == 1
    # A member who is not a coordinator is refused and nobody is asked.
    other = beside[next(line for line in beside if "A nurse stayed late." in line)]
    refused = bot.slack.block_action(other["action_id"], other["value"], user=ANN, message=asked)
    assert "Only the network's coordinators" in bot.answer_text(refused)
    assert bot.standin.messages_in(bot.standin.dm_with(BEN)) == []

    # The DM a round closing now would send has no button for the story already asked about.
    again_dm = record_request_message(round_view(bot.services.db, team, "2026-11"), "November")
    offered = [b["text"]["text"] for b in again_dm["blocks"] if "accessory" in b]
    assert len(offered) == 1 and "A nurse stayed late." in offered[0]


def test_reactions_on_an_entrys_message_rank_the_shortlist(bot, clock) -> None:
    from bot.models import EntryReaction
    from bot.selection import shortlist_for

    team = bot.standin.team_id
    bot.services.settings.apply(team, {"channel": CHANNEL}, by_user=None)
    clock.set(NOVEMBER)
    quiet = bot.log.add_entry(
        team, ANN, "A quiet one.", source="thread", channel_id=CHANNEL, message_ts="1.1"
    ).entry.id
    loved = bot.log.add_entry(
        team, BEN, "A loved one.", source="thread", channel_id=CHANNEL, message_ts="1.2"
    ).entry.id

    def reaction(kind: str, user: str, ts: str, emoji: str = "heart") -> dict:
        return {
            "type": kind,
            "user": user,
            "reaction": emoji,
            "item": {"type": "message", "channel": CHANNEL, "ts": ts},
            "event_ts": "2.0",
        }

    for user in (CAT, DEV):
        assert bot.slack.event(reaction("reaction_added", user, "1.2")).status == 200
    bot.slack.event(reaction("reaction_added", CAT, "1.2"), retry_num=1)  # Slack's retry
    bot.slack.event(reaction("reaction_added", CAT, "1.1"))
    bot.slack.event(reaction("reaction_added", DEV, "1.1"))
    bot.slack.event(reaction("reaction_removed", DEV, "1.1"))
    bot.slack.event(reaction("reaction_added", CAT, "9.9"))  # not an entry's message

    with bot.services.db.reading() as session:
        counts = {
            entry: session.scalar(select(func.count()).where(EntryReaction.entry_id == entry))
            for entry in (quiet, loved)
        }
    assert counts == {quiet: 1, loved: 2}
    due = latest_round(bot.services.settings.get(team), OPENS + timedelta(hours=1))
    assert [c.entry_id for c in shortlist_for(bot.services.db, team, due)] == [loved, quiet]


# -- the scheduler, the command line and the sandbox's clock -------------------------------------


def test_the_scheduler_opens_a_round_missed_while_down_and_closes_it_on_time(
    services: Services, slack: InMemorySlack, clock: FakeClock, november: dict[str, int]
) -> None:
    from apscheduler.schedulers.background import BackgroundScheduler

    from schedules.runner import Rhythm

    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.start(paused=True)
    try:
        rhythm = Rhythm(services, lambda team: slack, scheduler)
        rhythm.sync()
        assert scheduler.get_job(f"{TEAM}:selection") is not None
        clock.set(OPENS + timedelta(days=2))  # the bot was down on the 1st
        [opened] = [o for o in rhythm.catch_up() if "selection" in o.message]
        assert opened.posted and "2026-11 selection round" in opened.message
        clock.set(OPENS + timedelta(days=7, minutes=30))
        [again, closed] = rhythm.run_selection(TEAM)
        assert again.status == "skipped" and closed.posted  # voting is over: not again
    finally:
        scheduler.shutdown(wait=False)
    assert len(slack.messages_in(CHANNEL)) == 2


def test_a_round_is_not_opened_once_its_voting_would_be_over(
    services: Services, slack: InMemorySlack, clock: FakeClock, november: dict[str, int]
) -> None:
    clock.set(OPENS + timedelta(days=8))
    run = run_job_now("selection", services, slack, TEAM, clock())
    assert run.ok and "no selection round is open now" in run.message
    assert "the next opens 2027-01-01 10:00 UTC" in run.message
    assert slack.messages_in(CHANNEL) == []
    services.settings.apply(TEAM, {"selection": "off"}, by_user=None)
    clock.set(OPENS + timedelta(minutes=5))
    assert (
        "selection rounds are off"
        in run_job_now("selection", services, slack, TEAM, clock()).message
    )
    assert slack.messages_in(CHANNEL) == []


def test_kindness_bot_post_selection_and_settings_from_the_shell(tmp_path) -> None:
    from test_cli import run

    from sandbox import SlackStandIn

    with SlackStandIn() as standin:
        standin.add_channel(CHANNEL, "kindness-network")
        slack = {
            "SLACK_BOT_TOKEN": standin.bot_token,
            "SLACK_SIGNING_SECRET": "8f742231b10e8888abcd99yyyzzz85a5",
            "SLACK_API_URL": standin.api_url,
        }
        bad = run(tmp_path, "settings", "set", f"channel={CHANNEL}", "selection=weekly", **slack)
        assert bad.returncode != 0 and "write one of monthly, quarterly, off" in bad.stderr
        setup = run(tmp_path, "settings", "set", f"channel={CHANNEL}", "selection_days=3", **slack)
        assert setup.returncode == 0, setup.stderr
        assert "members vote for 3 days" in setup.stdout
        empty = run(tmp_path, "post", "selection", "--at", "2026-12-01T10:05+00:00", **slack)
    assert empty.returncode == 0, empty.stderr
    assert "no story or outcome was shared in November 2026" in empty.stdout


def test_the_sandboxs_clock_panel_runs_the_selection_round(tmp_path) -> None:
    from test_sandbox import MORAG, START, call

    from runtime.sandbox import Sandbox

    with Sandbox(tmp_path, port=0, env={}, start_at=START) as sandbox:
        call(sandbox, "examples", user=MORAG)
        too_early = call(sandbox, "job", user=MORAG, job="selection")
        assert "no selection round is open now" in too_early["message"]
        call(sandbox, "clock", user=MORAG, step="week")  # into December: November's round
        opened = call(sandbox, "job", user=MORAG, job="selection")
        assert "posted the 2026-11 selection round" in opened["message"], opened
        shortlist = sandbox.standin.messages_in(sandbox_channel())[-1]
        assert "Which story mattered most? · November 2026" in str(shortlist["blocks"])


def sandbox_channel() -> str:
    from sandbox.examples import NETWORK_CHANNEL

    return NETWORK_CHANNEL


def test_a_coordinator_picks_the_shortlist_in_slack_before_the_day(bot, clock) -> None:
    team = bot.standin.team_id
    bot.standin.add_user(COORDINATOR, name="coord")
    bot.standin.add_user(ANN, name="ann")
    bot.services.settings.apply(
        team, {"channel": CHANNEL, "coordinators": COORDINATOR}, by_user=None
    )
    clock.set(NOVEMBER)
    ids = [bot.log.add_entry(team, ANN, f"Story {n}").entry.id for n in range(3)]
    private = bot.log.add_entry(team, ANN, "Mine only", visibility="private").entry.id

    refused = bot.slack.command("selection", user=ANN)
    assert "Only the network's coordinators" in bot.answer_text(refused)
    bot.slack.command("selection", user=COORDINATOR)
    form = bot.standin.last("views.open").args["view"]
    offered = [o["value"] for o in form["blocks"][1]["element"]["options"]]
    assert offered == [str(i) for i in reversed(ids)]  # newest first, never the private one
    picked = {
        "stories": {
            "stories": {
                "type": "multi_static_select",
                "selected_options": [
                    {"value": str(ids[2]), "text": {"type": "plain_text", "text": "x"}},
                    {"value": str(private), "text": {"type": "plain_text", "text": "forged"}},
                ],
            }
        }
    }
    meta = form["private_metadata"]
    by_member = bot.slack.view_submission("selection_pick", picked, user=ANN, private_metadata=meta)
    assert by_member.json["response_action"] == "update"
    bot.slack.view_submission("selection_pick", picked, user=COORDINATOR, private_metadata=meta)
    from bot.selection import planned_picks

    assert planned_picks(bot.services.db, team, "2026-11") == [ids[2]]


def test_the_settings_form_shows_and_saves_the_selection_round(bot) -> None:
    from sandbox import InputValue
    from slack_helpers import settings_form

    team = bot.standin.team_id
    bot.standin.add_user("UBOSS", name="boss", is_admin=True)
    bot.services.settings.apply(team, {"selection": "quarterly"}, by_user=None)
    bot.slack.command("settings", user="UBOSS")
    blocks = {b["block_id"]: b for b in bot.standin.last("views.open").args["view"]["blocks"]}
    assert blocks["selection"]["element"]["initial_option"]["value"] == "quarterly"
    assert blocks["selection_days"]["element"]["initial_value"] == "7"
    bad = settings_form(selection_day={"selection_day": InputValue.plain_text("30")})
    refused = bot.slack.view_submission("settings_modal", bad, user="UBOSS")
    assert set(refused.json["errors"]) == {"selection_day"}
    values = settings_form(
        selection={"selection": InputValue.static_select("monthly")},
        selection_day={"selection_day": InputValue.plain_text("3")},
        selection_days={"selection_days": InputValue.plain_text("10")},
    )
    bot.slack.view_submission("settings_modal", values, user="UBOSS")
    saved = bot.services.settings.get(team)
    assert (saved.selection, saved.selection_day, saved.selection_days) == ("monthly", 3, 10)
