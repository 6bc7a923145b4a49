"""A coordinator's settings: what may be written (shell or modal alike), stored and shown."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.blocks.settings import describe, error_words, errors_words, field_errors
from bot.db import Database
from bot.settings import (
    ALL_KEYS,
    SettingsErrors,
    SettingsStore,
    WorkspaceSettings,
    parse_assignments,
    validate_changes,
)

T1, T2 = "T0001", "T0002"


@pytest.fixture
def store(database: Database, clock) -> SettingsStore:
    return SettingsStore(database, clock=clock, default_timezone="Europe/London")


def only_error(excinfo: pytest.ExceptionInfo[SettingsErrors]) -> str:
    assert len(excinfo.value.errors) == 1
    return error_words(excinfo.value.errors[0])


# -- the shell's key=value words ---------------------------------------------------------------


def test_an_operator_writes_settings_as_key_value_words() -> None:
    assert parse_assignments(["channel=C0123", "prompt_time=09:30", "Timezone=Europe/London"]) == {
        "channel": "C0123",
        "prompt_time": "09:30",
        "timezone": "Europe/London",
    }


def test_an_empty_value_is_kept_so_a_pause_can_be_cleared() -> None:
    assert parse_assignments(["paused_until="]) == {"paused_until": ""}


def test_a_word_without_equals_and_a_misspelt_key_are_both_reported_with_the_known_keys() -> None:
    with pytest.raises(SettingsErrors) as excinfo:
        parse_assignments(["channel", "promt_time=09:30", "nudges=on"])
    first, second = (error_words(error) for error in excinfo.value.errors)
    assert "'channel'" in first and "key=value" in first
    assert "promt_time" in second and "did you mean prompt_time?" in second
    assert ", ".join(ALL_KEYS) in second


def test_a_key_given_twice_is_an_error_not_a_silent_choice() -> None:
    with pytest.raises(SettingsErrors) as excinfo:
        parse_assignments(["prompt_time=09:30", "prompt_time=10:30"])
    assert "given twice" in only_error(excinfo)


# -- each setting's values ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "stored"),
    [("C0123ABCD", "C0123ABCD"), ("c0123abcd", "C0123ABCD"), ("G01ABC", "G01ABC")],
)
def test_the_channel_is_a_slack_channel_id(given: str, stored: str) -> None:
    assert validate_changes({"channel": given}) == {"channel": stored}


def test_a_channel_mentioned_in_slack_gives_its_id() -> None:
    assert validate_changes({"channel": "<#C0123ABCD|kindness>"}) == {"channel": "C0123ABCD"}


def test_a_channel_name_is_refused_with_how_to_find_the_id() -> None:
    with pytest.raises(SettingsErrors) as excinfo:
        validate_changes({"channel": "#kindness"})
    message = only_error(excinfo)
    assert "channel '#kindness'" in message and "only ids" in message and "C0123ABCD" in message


@pytest.mark.parametrize(
    ("given", "day"), [("monday", 0), ("Mon", 0), ("FRIDAY", 4), ("sun", 6), (" wed ", 2)]
)
def test_days_are_names_in_any_case(given: str, day: int) -> None:
    assert validate_changes({"prompt_day": given, "digest_day": given}) == {
        "prompt_day": day,
        "digest_day": day,
    }


def test_a_day_number_is_refused_because_it_is_ambiguous() -> None:
    with pytest.raises(SettingsErrors) as excinfo:
        validate_changes({"digest_day": "1"})
    assert "write a day name" in only_error(excinfo)


@pytest.mark.parametrize(
    ("given", "stored"),
    [("09:30", "09:30"), ("9:30", "09:30"), ("00:00", "00:00"), ("23:59", "23:59")],
)
def test_times_are_24_hour_and_stored_as_hh_mm(given: str, stored: str) -> None:
    assert validate_changes({"prompt_time": given}) == {"prompt_time": stored}


@pytest.mark.parametrize("given", ["25:00", "24:00", "9:60", "9.30", "9am", "", "0930"])
def test_an_impossible_time_names_the_key_the_value_and_the_format(given: str) -> None:
    with pytest.raises(SettingsErrors) as excinfo:
        validate_changes({"digest_time": given})
    message = only_error(excinfo)
    assert f"digest_time {given!r}" in message and "HH:MM" in message


def test_a_time_zone_is_an_iana_name_and_its_case_is_forgiven() -> None:
    assert validate_changes({"timezone": "Pacific/Auckland"}) == {"timezone": "Pacific/Auckland"}
    assert validate_changes({"timezone": "europe/london"}) == {"timezone": "Europe/London"}


@pytest.mark.parametrize("given", ["Europe/Londn", "Mars/Olympus", "localtime", "../etc/passwd"])
def test_an_unknown_time_zone_is_refused(given: str) -> None:
    with pytest.raises(SettingsErrors) as excinfo:
        validate_changes({"timezone": given})
    assert "not a known time zone" in only_error(excinfo)


def test_a_misspelt_time_zone_suggests_the_right_one() -> None:
    with pytest.raises(SettingsErrors) as excinfo:
        validate_changes({"timezone": "Europe/Londn"})
    assert "did you mean Europe/London" in only_error(excinfo)


@pytest.mark.parametrize(
    ("given", "enabled"),
    [("on", True), ("YES", True), ("true", True), ("off", False), ("No", False), ("false", False)],
)
def test_nudges_are_switched_on_or_off(given: str, enabled: bool) -> None:
    assert validate_changes({"nudges": given}) == {"nudges": enabled}


def test_a_follow_up_comes_after_1_to_90_days() -> None:
    assert validate_changes({"followup_days": "14"}) == {"followup_days": 14}
    for bad in ("0", "91", "-3", "seven", "1.5"):
        with pytest.raises(SettingsErrors) as excinfo:
            validate_changes({"followup_days": bad})
        assert "from 1 to 90" in only_error(excinfo)


def test_quiet_weeks_zero_turns_the_quiet_member_nudge_off() -> None:
    assert validate_changes({"quiet_weeks": "0"}) == {"quiet_weeks": 0}
    assert validate_changes({"quiet_weeks": "4"}) == {"quiet_weeks": 4}
    with pytest.raises(SettingsErrors) as excinfo:
        validate_changes({"quiet_weeks": "27"})
    assert "from 0 to 26" in only_error(excinfo) and "0 turns" in only_error(excinfo)


def test_a_pause_is_a_date_and_off_none_or_nothing_clears_it() -> None:
    assert validate_changes({"paused_until": "2027-01-04"}) == {"paused_until": date(2027, 1, 4)}
    for clear in ("off", "None", ""):
        assert validate_changes({"paused_until": clear}) == {"paused_until": None}


@pytest.mark.parametrize("given", ["04/01/2027", "2027-13-01", "next week", "20270104"])
def test_a_pause_that_is_not_a_date_says_how_to_write_one(given: str) -> None:
    with pytest.raises(SettingsErrors) as excinfo:
        validate_changes({"paused_until": given})
    assert "YYYY-MM-DD" in only_error(excinfo)


def test_a_pause_ending_in_the_past_is_refused_when_today_is_known() -> None:
    today = date(2026, 11, 25)
    assert validate_changes({"paused_until": "2026-11-25"}, today=today)
    with pytest.raises(SettingsErrors) as excinfo:
        validate_changes({"paused_until": "2026-11-24"}, today=today)
    assert "in the past (today is 2026-11-25)" in only_error(excinfo)


def test_a_pause_more_than_a_year_ahead_is_taken_for_a_typo() -> None:
    with pytest.raises(SettingsErrors) as excinfo:
        validate_changes({"paused_until": "2207-01-04"}, today=date(2026, 11, 25))
    assert "more than a year" in only_error(excinfo)


def test_every_bad_setting_is_reported_at_once() -> None:
    with pytest.raises(SettingsErrors) as excinfo:
        validate_changes(
            {"channel": "#general", "prompt_time": "25:00", "timezone": "Nowhere", "nudges": "on"}
        )
    assert set(field_errors(excinfo.value)) == {"channel", "prompt_time", "timezone"}
    assert len(errors_words(excinfo.value)) == 3


# -- the stored settings -----------------------------------------------------------------------


def test_a_new_workspace_has_the_products_defaults_in_the_configured_time_zone(
    store: SettingsStore,
) -> None:
    settings = store.get(T1)
    assert settings == WorkspaceSettings(
        team_id=T1,
        channel_id=None,
        prompt_day=0,
        prompt_time="10:00",
        digest_day=4,
        digest_time="15:00",
        timezone="Europe/London",
        nudges_enabled=True,
        followup_days=7,
        quiet_nudge_weeks=0,
        paused_until=None,
        configured_by=None,
    )


def test_a_coordinators_change_is_stored_with_who_made_it(store: SettingsStore) -> None:
    changes = validate_changes(
        {
            "channel": "C0123ABCD",
            "prompt_day": "tuesday",
            "prompt_time": "9:30",
            "digest_time": "16:00",
            "timezone": "Pacific/Auckland",
            "nudges": "off",
            "followup_days": "10",
            "quiet_weeks": "3",
            "paused_until": "2027-01-04",
        }
    )
    updated = store.update(T1, changes, by_user="UADMIN")
    assert updated == store.get(T1)
    assert (updated.channel_id, updated.prompt_day, updated.prompt_time) == (
        "C0123ABCD",
        1,
        "09:30",
    )
    assert (updated.digest_day, updated.digest_time) == (4, "16:00")
    assert updated.timezone == "Pacific/Auckland"
    assert not updated.nudges_enabled
    assert (updated.followup_days, updated.quiet_nudge_weeks) == (10, 3)
    assert updated.paused_until == date(2027, 1, 4)
    assert updated.configured_by == "UADMIN"


def test_a_change_from_the_shell_keeps_the_admin_who_configured_slack(
    store: SettingsStore,
) -> None:
    store.update(T1, {"channel": "C0123ABCD"}, by_user="UADMIN")
    updated = store.update(T1, {"prompt_time": "11:00"}, by_user=None)
    assert updated.configured_by == "UADMIN" and updated.prompt_time == "11:00"


def test_a_pause_is_cleared_by_storing_none(store: SettingsStore) -> None:
    store.update(T1, {"paused_until": date(2027, 1, 4)}, by_user="UADMIN")
    assert (
        store.update(T1, validate_changes({"paused_until": "off"}), by_user="UADMIN").paused_until
        is None
    )


def test_each_workspace_keeps_its_own_settings(store: SettingsStore) -> None:
    store.update(T2, {"timezone": "Asia/Kolkata"}, by_user=None)
    store.update(T1, {"timezone": "America/New_York"}, by_user=None)
    assert [(s.team_id, s.timezone) for s in store.all()] == [
        (T1, "America/New_York"),
        (T2, "Asia/Kolkata"),
    ]


def test_an_unknown_key_cannot_be_stored(store: SettingsStore) -> None:
    with pytest.raises(SettingsErrors):
        store.update(T1, {"colour": "blue"}, by_user=None)


def test_the_rhythm_is_paused_until_the_local_date_it_resumes(store: SettingsStore) -> None:
    settings = store.update(
        T1, {"timezone": "Pacific/Auckland", "paused_until": date(2027, 1, 4)}, by_user=None
    )
    # 3 Jan 10:59 UTC is 3 Jan 23:59 in Auckland: still paused.
    assert store.is_paused(settings, datetime(2027, 1, 3, 10, 59, tzinfo=UTC))
    # 3 Jan 11:00 UTC is already 4 Jan 00:00 in Auckland: the rhythm is back.
    assert not store.is_paused(settings, datetime(2027, 1, 3, 11, 0, tzinfo=UTC))
    assert not store.is_paused(store.get(T2), datetime(2027, 1, 3, 11, 0, tzinfo=UTC))


# -- how settings read -------------------------------------------------------------------------


def test_settings_read_as_sentences_a_coordinator_understands(store: SettingsStore) -> None:
    settings = store.update(
        T1,
        {"channel": "C0123ABCD", "quiet_weeks": 3, "paused_until": date(2027, 1, 4)},
        by_user="UADMIN",
    )
    assert describe(settings) == [
        ("Channel", "C0123ABCD"),
        ("Weekly prompt", "Monday 10:00 Europe/London"),
        ("Weekly digest", "Friday 15:00 Europe/London"),
        ("Nudges", "on"),
        ("Action follow-up", "7 days after an action"),
        ("Quiet-member nudge", "after 3 quiet weeks"),
        ("Paused", "until Mon 4 Jan 2027"),
        ("Report threshold", "off (every figure shown)"),
        ("Digest chart", "on"),
        (
            "Most significant stories",
            "monthly: the round for the month just ended opens on day 1 at 10:00; "
            "members vote for 7 days",
        ),
        ("Peer pairs", "off"),
        ("Welcome to newcomers", "on"),
        ("Entries kept", "forever"),
        ("Coordinators", "Slack admins only"),
        ("Last changed by", "UADMIN"),
    ]


def test_peer_pairs_are_set_and_validated_like_any_setting(store: SettingsStore) -> None:
    assert store.get(T1).pairs_every_weeks == 0  # off until a coordinator turns them on
    with pytest.raises(SettingsErrors) as excinfo:
        store.apply(
            T1, parse_assignments(["pairs_every_weeks=13", "pairs_day=funday"]), by_user=None
        )
    assert field_errors(excinfo.value) == {
        "pairs_every_weeks": "pairs_every_weeks '13': write a whole number from 0 to 12 "
        "(0 turns peer pairs off; 2 is a good start)",
        "pairs_day": "pairs_day 'funday': is not a day; write a day name such as monday or mon",
    }
    settings = store.apply(
        T1, parse_assignments(["pairs_every_weeks=2", "pairs_day=Tue"]), by_user=None
    )
    assert (settings.pairs_every_weeks, settings.pairs_day) == (2, 1)
    assert dict(describe(settings))["Peer pairs"] == "every 2 weeks, Tuesday 10:00 Europe/London"


def test_a_fresh_workspace_reads_as_waiting_for_a_channel(store: SettingsStore) -> None:
    lines = dict(describe(store.get(T1)))
    assert lines["Channel"].startswith("not set")
    assert lines["Quiet-member nudge"] == "off"
    assert lines["Paused"] == "no"
    assert lines["Last changed by"] == "nobody yet"


def test_a_pause_that_has_ended_reads_as_not_paused(store: SettingsStore) -> None:
    settings = store.update(T1, {"paused_until": date(2027, 1, 4)}, by_user=None)
    assert dict(describe(settings, today=date(2027, 1, 3)))["Paused"] == "until Mon 4 Jan 2027"
    assert dict(describe(settings, today=date(2027, 1, 4)))["Paused"] == "no"


# -- the one path both the shell and the modal take ----------------------------------------------


def test_settings_set_from_the_shell_are_validated_and_stored(store: SettingsStore) -> None:
    words = ["channel=C0123ABCD", "prompt_time=9:30", "timezone=Europe/London"]
    updated = store.apply(T1, parse_assignments(words), by_user=None)
    assert (updated.channel_id, updated.prompt_time, updated.timezone) == (
        "C0123ABCD",
        "09:30",
        "Europe/London",
    )


def test_an_empty_modal_field_clears_the_pause(store: SettingsStore) -> None:
    store.update(T1, {"paused_until": date(2027, 1, 4)}, by_user="UADMIN")
    assert store.apply(T1, {"paused_until": None}, by_user="UADMIN").paused_until is None


def test_a_pause_is_judged_against_today_in_the_time_zone_being_set(
    store: SettingsStore, clock
) -> None:
    # 25 Nov 14:00 UTC is still the 25th in London but already the 26th in Auckland.
    assert clock.now == datetime(2026, 11, 25, 14, 0, tzinfo=UTC)
    assert store.apply(T1, {"paused_until": "2026-11-25"}, by_user=None).paused_until
    with pytest.raises(SettingsErrors) as excinfo:
        store.apply(
            T1, {"timezone": "Pacific/Auckland", "paused_until": "2026-11-25"}, by_user=None
        )
    assert "today is 2026-11-26" in only_error(excinfo)


def test_a_change_with_any_bad_setting_stores_none_of_it(store: SettingsStore) -> None:
    with pytest.raises(SettingsErrors) as excinfo:
        store.apply(
            T1,
            {"prompt_time": "08:00", "timezone": "Nowhere/Land", "paused_until": "2020-01-01"},
            by_user="UADMIN",
        )
    assert set(field_errors(excinfo.value)) == {"timezone", "paused_until"}
    unchanged = store.get(T1)
    assert (unchanged.prompt_time, unchanged.configured_by) == ("10:00", None)


def test_the_report_threshold_and_digest_chart_are_set_like_any_setting(
    store: SettingsStore,
) -> None:
    saved = store.apply(T1, {"min_group": "5", "digest_chart": "off"}, by_user="UADMIN")
    assert (saved.min_group, saved.digest_chart) == (5, False)
    assert store.apply(T1, {"min_group": "off"}, by_user=None).min_group == 0
    with pytest.raises(SettingsErrors) as refused:
        store.apply(T1, {"min_group": "1", "digest_chart": "maybe"}, by_user=None)
    messages = field_errors(refused.value)
    assert "from 2 to 100, or off" in messages["min_group"]
    assert "write on or off" in messages["digest_chart"]
    assert store.get(T1).min_group == 0  # nothing was changed
