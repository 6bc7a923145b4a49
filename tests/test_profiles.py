"""Who a batch of DMs goes to: members' time zones asked of Slack once a day, and away dates —
against the Slack stand-in."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from slack_sdk import WebClient

from bot.db import Database
from bot.learning_log import LearningLog
from bot.members import MemberPreferences
from bot.slack.client import WebApiSlack
from bot.workspaces import ensure_workspace
from sandbox import SlackStandIn
from schedules.profiles import recipients, remember_profiles

T1, T2 = "T0KIND", "T0OTHER"
ANN, BEN = "UANN", "UBEN"
NOW = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)


@pytest.fixture
def slack() -> Iterator[SlackStandIn]:
    with SlackStandIn(team_id=T1) as standin:
        standin.add_user(ANN, name="ann", tz="America/New_York")
        standin.add_user(BEN, name="ben", tz="Asia/Kolkata")
        yield standin


@pytest.fixture
def client(slack: SlackStandIn) -> WebClient:
    return WebClient(token=slack.bot_token, base_url=slack.api_url, retry_handlers=[])


@pytest.fixture
def db(database: Database) -> Database:
    with database.session() as session:
        for team in (T1, T2):
            ensure_workspace(session, team, now=NOW)
    return database


def zones(db: Database, client: WebClient, team: str, at: datetime) -> dict[str, str]:
    found = recipients(
        db, WebApiSlack(client), team, [ANN, BEN], now=at, workspace_tz="Europe/London"
    )
    return {user: person.zone for user, person in found.items()}


def test_zones_are_asked_of_slack_once_then_remembered_for_a_day(
    db: Database, slack: SlackStandIn, client: WebClient
) -> None:
    expected = {ANN: "America/New_York", BEN: "Asia/Kolkata"}
    assert zones(db, client, T1, NOW) == expected
    assert sorted(c.args["user"] for c in slack.calls_to("users.info")) == [ANN, BEN]
    slack.clear()
    assert zones(db, client, T1, NOW + timedelta(hours=23)) == expected
    assert slack.calls == []
    slack.add_user(ANN, name="ann", tz="Europe/Paris")  # she moved
    assert zones(db, client, T1, NOW + timedelta(hours=24))[ANN] == "Europe/Paris"
    # Another workspace remembers nothing of these: it asks Slack itself.
    slack.clear()
    zones(db, client, T2, NOW)
    assert len(slack.calls_to("users.info")) == 2


def test_when_slack_cannot_say_the_cached_zone_else_the_workspaces_is_used(
    db: Database, slack: SlackStandIn, client: WebClient
) -> None:
    slack.fail_next("users.info", error="user_not_found", times=2)
    assert zones(db, client, T1, NOW) == {ANN: "Europe/London", BEN: "Europe/London"}
    remember_profiles(db, T1, {ANN: ("Pacific/Auckland", "ann")}, NOW - timedelta(days=3))
    slack.fail_next("users.info", status=500, times=2)
    assert zones(db, client, T1, NOW)[ANN] == "Pacific/Auckland"  # stale, but better than none


def test_remembering_a_profile_keeps_what_the_member_chose(
    db: Database, client: WebClient, learning_log: LearningLog
) -> None:
    learning_log.set_nudges(T1, ANN, False)
    preferences = MemberPreferences(db, clock=lambda: NOW)
    preferences.set_away(T1, ANN, date(2027, 1, 4))
    found = recipients(db, WebApiSlack(client), T1, [ANN], now=NOW, workspace_tz="UTC")
    assert found[ANN].away_until == date(2027, 1, 4) and found[ANN].away(NOW)
    assert not learning_log.nudges_enabled(T1, ANN)
