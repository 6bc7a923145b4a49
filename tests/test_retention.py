"""Retention: entries older than ``keep_years`` are deleted by a daily job — only after its
coordinators were told by DM a month ahead, with the export offered."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot import audit
from bot.blocks.keeping import RETENTION_EXPORT
from bot.config import load_config
from bot.db import Database
from bot.goals import Framework
from bot.learning_log import LearningLog
from bot.models import Entry
from bot.retention import apply_retention, years_before
from bot.services import Services
from bot.settings import SettingsErrors, SettingsStore
from conftest import BotUnderTest, FakeClock, message_text
from fake_slack import InMemorySlack
from sandbox import InputValue
from schedules.retention import run_retention
from slack_helpers import NETWORK_CHANNEL, settings_form

TEAM = "T1"
TODAY = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)
COORD, BOSS, ANN = "UCOORD", "UBOSS", "UANN"


def written(db: Database, framework: Framework, *ages_in_days: int, team: str = TEAM) -> None:
    """One entry written each of ``ages_in_days`` before TODAY."""
    for age in ages_in_days:
        moment = TODAY - timedelta(days=age)
        LearningLog(db, framework, clock=lambda moment=moment: moment).add_entry(
            team, ANN, f"written {age} days ago", goal="g1"
        )


def ages(db: Database, team: str = TEAM) -> list[int]:
    with db.reading() as session:
        made = session.scalars(
            select(Entry.created_at).where(Entry.team_id == team).order_by(Entry.created_at)
        ).all()
    return [(TODAY - moment).days for moment in made]


def test_nothing_is_deleted_before_a_month_after_the_notice(
    database: Database, framework: Framework
) -> None:
    two_years = (TODAY.date() - years_before(TODAY.date(), 2)).days  # 730
    written(database, framework, 5 * 365, two_years + 10, two_years - 10, two_years - 40, 3)
    written(database, framework, 5 * 365, team="TOTHER")  # another workspace keeps everything

    run = apply_retention(database, TEAM, keep_years=2, tz="UTC", now=TODAY)
    assert run.deleted == 0  # set today on a five-year-old log: nothing goes at once
    assert run.notice is not None
    # Older than two years 30 days from now: the first three.
    assert (run.notice.entries, run.notice.deleted_from) == (3, (TODAY + timedelta(30)).date())
    assert run.notice.written_before == years_before((TODAY + timedelta(30)).date(), 2)

    later = apply_retention(database, TEAM, keep_years=2, tz="UTC", now=TODAY + timedelta(29))
    assert (later.deleted, later.notice) == (0, None)  # no second notice within the month

    month = apply_retention(database, TEAM, keep_years=2, tz="UTC", now=TODAY + timedelta(30))
    assert month.deleted == 3
    assert ages(database) == [two_years - 40, 3]
    assert ages(database, "TOTHER") == [5 * 365]
    assert month.notice is not None and month.notice.entries == 1  # the next month's

    trail = audit.audit_trail(database, team_id=TEAM)
    assert [(line.actor, line.action) for line in trail] == [
        (audit.SCHEDULER, audit.RETENTION_NOTICE),
        (audit.SCHEDULER, audit.RETENTION_DELETED),
        (audit.SCHEDULER, audit.RETENTION_NOTICE),
    ]
    assert trail[1].details == {
        "entries": 3,
        "written before": years_before((TODAY + timedelta(30)).date(), 2).isoformat(),
        "keep_years": 2,
    }


def test_a_longer_keep_years_deletes_nothing_the_new_setting_keeps(
    database: Database, framework: Framework
) -> None:
    written(database, framework, 3 * 365, 800)
    apply_retention(database, TEAM, keep_years=2, tz="UTC", now=TODAY)
    run = apply_retention(database, TEAM, keep_years=3, tz="UTC", now=TODAY + timedelta(31))
    assert run.deleted == 1  # only the one older than three years
    assert ages(database) == [800]


def test_keep_years_is_a_setting_validated_like_the_others(
    database: Database, clock: FakeClock
) -> None:
    store = SettingsStore(database, clock=clock)
    assert store.get(TEAM).keep_years == 0  # forever, by default
    assert store.apply(TEAM, {"keep_years": "7"}, by_user=BOSS).keep_years == 7
    for bad in ("-1", "seven", "101", "2.5"):
        with pytest.raises(SettingsErrors) as caught:
            store.apply(TEAM, {"keep_years": bad}, by_user=None)
        assert "write a whole number from 0 to 100 (0 keeps entries forever)" in str(caught.value)
    assert store.get(TEAM).keep_years == 7


def _services(db: Database, now: datetime) -> Services:
    return Services(load_config({}), db, clock=lambda: now)


def test_the_daily_job_tells_each_coordinator_once_with_an_export_button(
    database: Database, framework: Framework
) -> None:
    written(database, framework, 800, 790, 10)
    services = _services(database, TODAY)
    services.settings.apply(TEAM, {"keep_years": "2", "coordinators": COORD}, by_user=BOSS)
    slack = InMemorySlack()

    run = run_retention(services, slack, TEAM, TODAY)
    assert run is not None and run.notice is not None and run.notice.entries == 2
    assert run_retention(services, slack, TEAM, TODAY + timedelta(hours=3)) is None  # same day
    for user in (COORD, BOSS):
        [dm] = slack.dms_to(user)
        text = message_text(dm.message)
        assert "2 entries written before" in text and "will be deleted" in text
        assert "keeps entries for 2 years" in text
        [button] = [
            element
            for block in dm.message["blocks"]
            if block["type"] == "actions"
            for element in block["elements"]
        ]
        assert button["action_id"] == RETENTION_EXPORT
        assert json.loads(button["value"])["before"] == run.notice.written_before.isoformat()
    assert slack.dms_to(ANN) == []


def test_a_workspace_that_keeps_everything_is_left_alone(
    database: Database, framework: Framework
) -> None:
    written(database, framework, 30 * 365)
    slack = InMemorySlack()
    assert run_retention(_services(database, TODAY), slack, TEAM, TODAY) is None
    assert ages(database) == [30 * 365] and slack.messages == []


def test_the_notices_button_sends_the_coordinator_the_entries_to_be_deleted(
    bot: BotUnderTest,
) -> None:
    team = bot.standin.team_id
    bot.standin.add_user(COORD, name="Coord")
    bot.standin.add_user(ANN, name="Ann")
    for age in (800, 790, 10):
        bot.services.clock.set(TODAY - timedelta(days=age))
        bot.log.add_entry(team, ANN, f"written {age} days ago", goal="g1")
    bot.services.clock.set(TODAY)
    bot.services.settings.apply(team, {"keep_years": "2", "coordinators": COORD}, by_user=None)
    run = run_retention(bot.services, InMemorySlack(), team, TODAY)
    assert run is not None and run.notice is not None
    value = json.dumps({"fmt": "csv", "before": run.notice.written_before.isoformat()})

    bot.slack.block_action(RETENTION_EXPORT, value, user=COORD, channel="DCOORD")
    [uploaded] = [f for f in bot.standin.files if f.channels == (bot.standin.dm_with(COORD),)]
    rows = list(csv.DictReader(io.StringIO(uploaded.content.decode("utf-8-sig"))))
    assert [row["text"] for row in rows] == ["written 800 days ago", "written 790 days ago"]
    assert audit.audit_trail(bot.services.db, team_id=team)[-1].action == audit.EXPORTED

    bot.slack.block_action(RETENTION_EXPORT, value, user=ANN, channel="DANN")
    assert [f for f in bot.standin.files if f.channels == (bot.standin.dm_with(ANN),)] == []


def test_the_settings_form_sets_how_long_entries_are_kept(bot: BotUnderTest) -> None:
    bot.standin.add_user(BOSS, name="boss", is_admin=True)
    bot.standin.add_channel(NETWORK_CHANNEL, "kindness-network")
    bot.slack.command("settings", user=BOSS)
    view = bot.standin.last("views.open").args["view"]
    [field] = [b for b in view["blocks"] if b.get("block_id") == "keep_years"]
    assert field["element"]["initial_option"]["value"] == "0"
    assert "Forever" in json.dumps(field)
    values = settings_form(keep_years={"keep_years": InputValue.static_select("5")})
    bot.slack.view_submission("settings_modal", values, user=BOSS)
    assert bot.services.settings.get(bot.standin.team_id).keep_years == 5
    text = bot.answer_text(bot.slack.command("settings show", user=BOSS))
    assert "5 years, then deleted" in text
