"""Coordinators kept in the database, the welcome setting, and participation figures — the
core a coordinator's Slack controls stand on."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta

import pytest

from bot.blocks.settings import describe, field_errors, reason_words
from bot.coordinators import (
    SettingsRights,
    is_listed_coordinator,
    parse_user_list,
    settings_rights,
)
from bot.db import Database
from bot.errors import InvalidSetting
from bot.learning_log import LearningLog
from bot.members import MemberPreferences
from bot.participation import DEFAULT_QUIET_WEEKS, participation
from bot.settings import SettingsErrors, SettingsStore, parse_assignments
from bot.weeks import week_of
from conftest import FakeClock

T1, T2 = "T0001", "T0002"
ANN, BEN, CAT, DAN, EVE = "UANN", "UBEN", "UCAT", "UDAN", "UEVE"


@pytest.fixture
def store(database: Database, clock: FakeClock) -> SettingsStore:
    return SettingsStore(database, clock=clock, default_timezone="Europe/London")


# -- coordinators ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "users"),
    [
        ("U0AAA,U0BBB", ("U0AAA", "U0BBB")),
        ("u0aaa  <@U0BBB|ben>, W0CCC", ("U0AAA", "U0BBB", "W0CCC")),
        ("U0AAA U0AAA", ("U0AAA",)),
        ("", ()),
        ("none", ()),
    ],
)
def test_coordinators_are_named_by_id_or_mention(value: str, users: tuple[str, ...]) -> None:
    assert parse_user_list(value) == users


def test_a_name_is_refused_with_where_to_find_the_id() -> None:
    with pytest.raises(ValueError) as refused:
        parse_user_list("U0AAA @ann")
    assert isinstance(refused.value, InvalidSetting)
    words = reason_words("coordinators", refused.value.problem, refused.value.details)
    assert re.search(r"'@ann' is not a member id.*profile", words)


def test_coordinators_set_from_the_shell_are_stored_replaced_and_logged(
    store: SettingsStore, database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.coordinators")
    saved = store.apply(T1, parse_assignments(["coordinators=UANN,UBEN"]), by_user=None)
    assert saved.coordinators == (ANN, BEN)
    assert is_listed_coordinator(database, T1, ANN)
    assert not is_listed_coordinator(database, T2, ANN)  # per workspace

    saved = store.apply(T1, {"coordinators": "<@UBEN|ben> UCAT"}, by_user="UADMIN")
    assert saved.coordinators == (BEN, CAT)
    assert not is_listed_coordinator(database, T1, ANN)
    assert "added UANN, UBEN; removed nobody" in caplog.text
    assert "changed by UADMIN: added UCAT; removed UANN" in caplog.text
    assert dict(describe(saved))["Coordinators"] == "UBEN, UCAT"

    assert store.apply(T1, {"coordinators": "none"}, by_user=None).coordinators == ()


def test_only_an_admin_may_change_the_coordinators(store: SettingsStore) -> None:
    store.apply(T1, {"coordinators": "UANN"}, by_user=None)
    with pytest.raises(SettingsErrors) as refused:
        store.apply(
            T1,
            {"coordinators": "UANN,UBEN", "prompt_time": "09:00"},
            by_user=ANN,
            coordinators_allowed=False,
        )
    assert set(field_errors(refused.value)) == {"coordinators"}
    said = field_errors(refused.value)["coordinators"]
    assert "only the workspace's admins and owners" in said and "KINDNESS_ADMINS" not in said
    unchanged = store.get(T1)
    assert unchanged.coordinators == (ANN,) and unchanged.prompt_time == "10:00"
    # A coordinator saving the same list (the modal sends it back as it was) changes nothing.
    kept = store.apply(
        T1,
        {"coordinators": "UANN", "prompt_time": "09:00"},
        by_user=ANN,
        coordinators_allowed=False,
    )
    assert kept.prompt_time == "09:00" and kept.coordinators == (ANN,)


class Asked:
    """A check that answers ``answer`` and remembers being asked (or fails like Slack)."""

    def __init__(self, answer: bool | Exception) -> None:
        self.answer, self.times = answer, 0

    def __call__(self) -> bool:
        self.times += 1
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


@pytest.mark.parametrize(
    ("admin", "listed", "rights"),
    [
        (True, False, SettingsRights(may_save=True, may_name_coordinators=True)),
        (True, True, SettingsRights(may_save=True, may_name_coordinators=True)),
        (False, True, SettingsRights(may_save=True, may_name_coordinators=False)),
        (False, False, SettingsRights(may_save=False, may_name_coordinators=False)),
    ],
)
def test_only_an_admin_may_save_a_form_that_changes_the_coordinators(
    admin: bool, listed: bool, rights: SettingsRights
) -> None:
    asked_admin, asked_listed = Asked(admin), Asked(listed)
    found = settings_rights(names_coordinators=True, admin=asked_admin, listed=asked_listed)
    assert found == rights
    # Slack is always asked (only an admin may change the list); the list only if needed.
    assert (asked_admin.times, asked_listed.times) == (1, 0 if admin else 1)


@pytest.mark.parametrize(("admin", "listed"), [(True, False), (False, True), (False, False)])
def test_any_coordinator_may_save_a_form_without_the_coordinators(
    admin: bool, listed: bool
) -> None:
    asked_admin, asked_listed = Asked(admin), Asked(listed)
    found = settings_rights(names_coordinators=False, admin=asked_admin, listed=asked_listed)
    assert found == SettingsRights(may_save=admin or listed, may_name_coordinators=False)
    # A coordinator the bot knows is not asked about on Slack.
    assert (asked_listed.times, asked_admin.times) == (1, 0 if listed else 1)


def test_an_admin_check_that_fails_is_not_taken_for_an_answer() -> None:
    class SlackCouldNotSay(Exception):
        pass

    for names_coordinators in (True, False):
        with pytest.raises(SlackCouldNotSay):
            settings_rights(
                names_coordinators=names_coordinators,
                admin=Asked(SlackCouldNotSay()),
                listed=Asked(False),
            )
    # A listed coordinator saving a form without the list never needs Slack.
    rights = settings_rights(
        names_coordinators=False, admin=Asked(SlackCouldNotSay()), listed=Asked(True)
    )
    assert rights.may_save and not rights.may_name_coordinators


def test_a_bad_coordinator_is_reported_with_every_other_problem(store: SettingsStore) -> None:
    with pytest.raises(SettingsErrors) as refused:
        store.apply(T1, {"coordinators": "@ann", "welcome": "maybe"}, by_user=None)
    assert set(field_errors(refused.value)) == {"coordinators", "welcome"}


def test_the_welcome_is_on_until_a_coordinator_turns_it_off(store: SettingsStore) -> None:
    assert store.get(T1).welcome_enabled
    assert not store.apply(T1, {"welcome": "off"}, by_user=None).welcome_enabled
    assert store.get(T2).welcome_enabled
    assert dict(describe(store.get(T1)))["Welcome to newcomers"] == "off"


# -- participation --------------------------------------------------------------------------------


def _log(log: LearningLog, clock: FakeClock, at: datetime, user: str, visibility: str) -> None:
    clock.set(at)
    log.add_entry(T1, user, f"{user} {visibility} at {at:%Y-%m-%d}", visibility=visibility)


def test_participation_counts_sharers_names_first_timers_and_lists_the_quiet(
    learning_log: LearningLog, database: Database, clock: FakeClock
) -> None:
    now = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)  # Wednesday of week 48
    long_ago = now - timedelta(weeks=10)
    _log(learning_log, clock, long_ago, ANN, "network")  # Ann: a regular …
    _log(learning_log, clock, now - timedelta(days=1), ANN, "network")  # … this week too
    _log(learning_log, clock, now - timedelta(days=2), BEN, "network")  # Ben: first time
    _log(learning_log, clock, long_ago, CAT, "private")  # Cat: private before …
    _log(learning_log, clock, now - timedelta(days=1), CAT, "network")  # … shares now: first
    _log(learning_log, clock, now - timedelta(days=1), DAN, "anonymous")  # Dan: anonymous
    _log(learning_log, clock, long_ago, EVE, "network")  # Eve: quiet since
    _log(learning_log, clock, now - timedelta(days=1), EVE, "private")  # (privately active)
    _log(learning_log, clock, now - timedelta(weeks=6), "UFAY", "anonymous")  # Fay: quiet
    MemberPreferences(database, clock=clock).set_away(T1, EVE, datetime(2027, 1, 4).date())
    learning_log.add_entry(T2, "UGUS", "Another workspace")

    week = week_of(now, "UTC")
    figures = participation(database, T1, week, now=now)
    assert figures.participants == 4  # Ann, Ben, Cat, Dan (anonymous counted, not named)
    assert sorted(figures.first_timers) == [BEN, CAT]  # never Dan: his entry is anonymous
    assert figures.quiet_weeks == DEFAULT_QUIET_WEEKS
    assert [(q.user_id, q.away_until) for q in figures.quiet] == [
        (EVE, datetime(2027, 1, 4).date()),
        ("UFAY", None),
    ]
    # With the workspace's own setting of 8 quiet weeks, Fay (6 weeks) is not quiet yet.
    assert [q.user_id for q in participation(database, T1, week, now=now, quiet_weeks=8).quiet] == [
        EVE
    ]


def test_an_empty_workspace_has_no_participation(database: Database) -> None:
    now = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)
    figures = participation(database, T1, week_of(now, "UTC"), now=now)
    assert (figures.participants, figures.first_timers, figures.quiet) == (0, [], [])
