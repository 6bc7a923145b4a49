"""A member's own controls in the core: away until a date, prompts by DM, the journal over a
range and the "download my data" file, and entries a coordinator logs on a member's behalf."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.db import Database
from bot.errors import (
    BadDate,
    BadRange,
    DateOutOfRange,
    EntryNotFound,
    GivenTwice,
    NoSuchMember,
    NotYourEntry,
    UnknownGoal,
    UnknownOption,
)
from bot.goals import Framework
from bot.journal import Journal, MineRequest, parse_mine
from bot.learning_log import LearningLog
from bot.members import MemberPreferences, is_away, parse_away
from bot.models import Member
from bot.quicklog import parse_log_for, parse_quick_log
from conftest import FakeClock
from schedules.profiles import remember_profiles

T1, T2 = "T0001", "T0002"
ANN, BEN, COORD = "UANN", "UBEN", "UCOORD"


@pytest.fixture
def preferences(database: Database, clock: FakeClock) -> MemberPreferences:
    return MemberPreferences(database, clock=clock)


@pytest.fixture
def journal(database: Database, framework: Framework, clock: FakeClock) -> Journal:
    return Journal(database, framework, clock=clock)


# -- away ----------------------------------------------------------------------------------------

TODAY = date(2026, 11, 25)


@pytest.mark.parametrize(
    ("typed", "back_on"),
    [
        ("until 2027-01-04", date(2027, 1, 4)),
        ("2027-01-04", date(2027, 1, 4)),
        ("UNTIL 2027-01-04", date(2027, 1, 4)),
        ("for 2 weeks", date(2026, 12, 9)),
        ("for 1 day", date(2026, 11, 26)),
        ("off", None),
        ("back", None),
    ],
)
def test_away_reads_the_ways_a_member_writes_it(typed: str, back_on: date | None) -> None:
    assert parse_away(typed, TODAY) == back_on


@pytest.mark.parametrize("typed", ["until 4/1/2027", "until next week", "2027-02-30", "until"])
def test_away_refuses_what_is_not_a_date(typed: str) -> None:
    with pytest.raises(BadDate):
        parse_away(typed, TODAY)


@pytest.mark.parametrize("typed", ["until 2026-11-25", "until 2026-01-01", "until 2028-01-04"])
def test_away_refuses_today_the_past_and_more_than_a_year_ahead(typed: str) -> None:
    with pytest.raises(DateOutOfRange) as refused:
        parse_away(typed, TODAY)
    assert (refused.value.earliest, refused.value.latest) == ("2026-11-26", "2027-11-26")


def test_away_ends_by_itself_on_the_members_own_date() -> None:
    back = date(2027, 1, 4)
    # 3 Jan 23:30 in Auckland is still the 3rd there: away; half an hour later it is over.
    assert is_away(back, "Pacific/Auckland", datetime(2027, 1, 3, 10, 30, tzinfo=UTC))
    assert not is_away(back, "Pacific/Auckland", datetime(2027, 1, 3, 11, 0, tzinfo=UTC))
    assert not is_away(None, "UTC", datetime(2027, 1, 3, tzinfo=UTC))


def test_a_member_goes_away_and_comes_back(
    preferences: MemberPreferences, clock: FakeClock
) -> None:
    assert preferences.status(T1, ANN).away_until is None
    status = preferences.set_away(T1, ANN, date(2027, 1, 4))
    assert status.away_until == date(2027, 1, 4)
    assert preferences.status(T2, ANN).away_until is None  # another workspace: not away
    clock.set(datetime(2027, 1, 4, 9, 0, tzinfo=UTC))
    assert preferences.status(T1, ANN).away_until is None  # over by itself
    preferences.set_away(T1, ANN, date(2027, 2, 1))
    assert preferences.set_away(T1, ANN, None).away_until is None


def test_away_counts_days_in_the_members_own_time_zone(
    database: Database, preferences: MemberPreferences, clock: FakeClock
) -> None:
    # 25 Nov 14:00 UTC is already 26 Nov in Auckland: "back on the 26th" is not ahead there.
    clock.set(datetime(2026, 11, 25, 14, 0, tzinfo=UTC))
    preferences.set_prompts_by_dm(T1, ANN, False)  # the member's first contact
    remember_profiles(database, T1, {ANN: ("Pacific/Auckland", "ann")}, clock.now)
    with pytest.raises(DateOutOfRange):
        preferences.set_away(T1, ANN, date(2026, 11, 26))
    assert preferences.set_away(T1, BEN, date(2026, 11, 26)).away_until == date(2026, 11, 26)


def test_prompts_by_dm_is_a_members_own_choice(preferences: MemberPreferences) -> None:
    assert not preferences.status(T1, ANN).prompts_by_dm
    assert preferences.set_prompts_by_dm(T1, ANN, True).prompts_by_dm
    assert not preferences.status(T1, BEN).prompts_by_dm
    assert not preferences.set_prompts_by_dm(T1, ANN, False).prompts_by_dm


def test_nudges_are_a_preference_like_the_others(
    preferences: MemberPreferences, learning_log: LearningLog
) -> None:
    assert preferences.nudges_enabled(T1, ANN) and preferences.status(T1, ANN).nudges
    status = preferences.set_nudges(T1, ANN, False)
    assert not status.nudges and not status.prompts_by_dm and status.away_until is None
    assert not preferences.nudges_enabled(T1, ANN)
    assert preferences.nudges_enabled(T1, BEN) and preferences.nudges_enabled(T2, ANN)
    # The learning log's own calls read and write the same preference.
    assert not learning_log.nudges_enabled(T1, ANN)
    learning_log.set_nudges(T1, ANN, True)
    assert preferences.status(T1, ANN).nudges


def test_forget_me_forgets_the_members_preferences_too(
    database: Database, preferences: MemberPreferences, learning_log: LearningLog
) -> None:
    preferences.set_away(T1, ANN, date(2027, 1, 4))
    preferences.set_prompts_by_dm(T1, ANN, True)
    learning_log.forget_me(T1, ANN)
    with database.reading() as session:
        assert session.query(Member).filter_by(team_id=T1, user_id=ANN).count() == 0
    status = preferences.status(T1, ANN)
    assert (status.away_until, status.prompts_by_dm) == (None, False)


# -- my journal over a range ---------------------------------------------------------------------


def test_mine_reads_since_until_and_a_goal_in_any_order(framework: Framework) -> None:
    assert parse_mine("since 2026-09-01 until 2026-10-31 g3", framework) == MineRequest(
        since=date(2026, 9, 1), until=date(2026, 10, 31), goal_key="relationships"
    )
    assert parse_mine("evidence from 2026-09-01", framework) == MineRequest(
        since=date(2026, 9, 1), goal_key="evidence"
    )
    assert parse_mine("", framework) == MineRequest()
    assert parse_mine("export", framework).export == "csv"
    assert parse_mine("export MD", framework).export == "md"


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("since yesterday", BadDate),
        ("since", BadDate),
        ("g9", UnknownGoal),
        ("sometime", UnknownOption),
        ("g3 g4", GivenTwice),
        ("export pdf", UnknownOption),
        ("since 2026-11-01 until 2026-10-01", BadRange),
    ],
)
def test_mine_refuses_what_it_cannot_read(framework: Framework, typed: str, error: type) -> None:
    with pytest.raises(error):
        parse_mine(typed, framework)


def test_my_journal_pages_through_my_entries_in_a_range_private_ones_included(
    learning_log: LearningLog, journal: Journal, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 9, 30, 12, 0, tzinfo=UTC))
    learning_log.add_entry(T1, ANN, "September, before the range", goal="g3")
    clock.set(datetime(2026, 10, 1, 0, 30, tzinfo=UTC))
    first = learning_log.add_entry(T1, ANN, "Private, first day", goal="g3", visibility="private")
    for day in range(2, 15):
        clock.set(datetime(2026, 10, day, 12, 0, tzinfo=UTC))
        learning_log.add_entry(T1, ANN, f"Day {day}", goal="g3" if day % 2 else "g1")
    clock.set(datetime(2026, 11, 1, 0, 30, tzinfo=UTC))
    learning_log.add_entry(T1, ANN, "November, after the range", goal="g3")
    learning_log.add_entry(T1, BEN, "Ben's own, in range", goal="g3")
    learning_log.add_entry(T2, ANN, "Another workspace", goal="g3")

    october = MineRequest(since=date(2026, 10, 1), until=date(2026, 10, 31))
    page = journal.page(T1, ANN, october)
    assert page.total == 14 and page.has_more and len(page.entries) == 10
    assert [e.text for e in page.entries][:2] == ["Day 14", "Day 13"]  # newest first
    rest = journal.page(T1, ANN, october, offset=10)
    assert not rest.has_more
    assert rest.entries[-1].id == first.entry.id and rest.entries[-1].visibility == "private"
    assert all(e.is_mine for e in page.entries + rest.entries)

    odd_days = journal.page(
        T1, ANN, MineRequest(goal_key="relationships", until=date(2026, 10, 31))
    )
    assert {e.goal_key for e in odd_days.entries} == {"relationships"}
    assert odd_days.total == 1 + 1 + 6  # September, the private one, days 3, 5 … 13


def test_my_journal_dates_are_my_own_local_dates(
    database: Database, learning_log: LearningLog, journal: Journal, clock: FakeClock
) -> None:
    # 23:30 UTC on 31 Oct is already 1 Nov in Auckland.
    clock.set(datetime(2026, 10, 31, 23, 30, tzinfo=UTC))
    learning_log.add_entry(T1, ANN, "Late on Halloween in London, November in Auckland")
    remember_profiles(database, T1, {ANN: ("Pacific/Auckland", "ann")}, clock.now)
    assert journal.page(T1, ANN, MineRequest(since=date(2026, 11, 1))).total == 1
    assert journal.page(T1, ANN, MineRequest(until=date(2026, 10, 31))).total == 0


def test_my_export_holds_everything_of_mine_and_nothing_of_anybody_else(
    learning_log: LearningLog, journal: Journal
) -> None:
    learning_log.add_entry(T1, ANN, 'Shared, with a comma, and "quotes"', goal="g3")
    learning_log.add_entry(T1, ANN, "My private journal", visibility="private")
    learning_log.add_entry(T1, ANN, "Anonymous", kind="action", goal="g6", visibility="anonymous")
    learning_log.add_entry(T1, BEN, "Ben's private words", visibility="private")
    learning_log.add_entry(T2, ANN, "Ann in another workspace")

    as_csv = journal.export(T1, ANN, "csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.content.decode())))
    assert as_csv.count == 3 and as_csv.filename.endswith(".csv")
    assert [r["text"] for r in rows] == [
        'Shared, with a comma, and "quotes"',
        "My private journal",
        "Anonymous",
    ]
    assert [r["visibility"] for r in rows] == ["network", "private", "anonymous"]
    assert rows[2]["action_status"] == "open" and rows[2]["goal_number"] == "6"

    document = json.loads(journal.export(T1, ANN, "json").content)
    assert document["member"] == ANN and len(document["entries"]) == 3

    markdown = journal.export(T1, ANN, "md").content.decode()
    assert "My private journal" in markdown and "3 entries" in markdown
    for text in (journal.export(T1, ANN, f).content.decode() for f in ("csv", "json", "md")):
        assert "Ben's private words" not in text and "another workspace" not in text


def test_an_empty_export_is_a_file_that_says_so(journal: Journal) -> None:
    export = journal.export(T1, ANN, "md")
    assert export.count == 0 and "0 entries" in export.content.decode()


# -- logging for someone --------------------------------------------------------------------------


def test_log_for_reads_the_member_slack_sent_and_leaves_the_rest(framework: Framework) -> None:
    found = parse_log_for("for <@UANN|ann> action g3 Call the family back")
    assert found is not None and found.member_id == "UANN"
    parsed = parse_quick_log(found.rest, framework)
    assert (parsed.kind, parsed.goal, parsed.text) == (
        "action",
        "relationships",
        "Call the family back",
    )
    assert parse_log_for("for <@W0B2|ben> story").member_id == "W0B2"
    # "for" starting ordinary words is just text.
    assert parse_log_for("for the first time we asked") is None
    assert parse_log_for("g3 We asked") is None


def test_log_for_a_name_slack_did_not_resolve_is_refused_quoting_the_words() -> None:
    with pytest.raises(NoSuchMember) as refused:
        parse_log_for("for @ann g3 She sat with the family for an hour")
    assert refused.value.given == "@ann"
    assert refused.value.text == "g3 She sat with the family for an hour"


def test_an_entry_logged_for_a_member_is_theirs(learning_log: LearningLog) -> None:
    saved = learning_log.add_entry(T1, ANN, "Told in the meeting", goal="g3", logged_by=COORD)
    assert saved.entry.logged_by == COORD
    assert not saved.entry.is_mine  # shown to the coordinator as somebody else's
    mine = learning_log.get_entry(T1, ANN, saved.entry.id)
    assert mine.is_mine and mine.author_id == ANN and mine.logged_by == COORD
    # The member edits it as their own; the coordinator cannot.
    learning_log.edit_entry(T1, ANN, saved.entry.id, text="Told in the meeting, in my words")
    with pytest.raises(NotYourEntry):
        learning_log.edit_entry(T1, COORD, saved.entry.id, text="Changed by the coordinator")
    assert [e.id for e in learning_log.list_mine(T1, ANN).entries] == [saved.entry.id]
    assert learning_log.list_mine(T1, COORD).entries == []


def test_the_coordinator_may_take_back_what_they_logged_unless_the_member_made_it_private(
    learning_log: LearningLog,
) -> None:
    first = learning_log.add_entry(T1, ANN, "Logged by mistake", logged_by=COORD)
    assert learning_log.delete_entry(T1, COORD, first.entry.id).id == first.entry.id
    second = learning_log.add_entry(T1, ANN, "Now private", logged_by=COORD)
    learning_log.edit_entry(T1, ANN, second.entry.id, visibility="private")
    with pytest.raises(EntryNotFound):
        learning_log.delete_entry(T1, COORD, second.entry.id)
    other = learning_log.add_entry(T1, BEN, "Ben's own")
    with pytest.raises(NotYourEntry):
        learning_log.delete_entry(T1, COORD, other.entry.id)
    assert learning_log.delete_entry(T1, ANN, second.entry.id).id == second.entry.id


def test_logging_for_oneself_is_an_ordinary_entry(learning_log: LearningLog) -> None:
    saved = learning_log.add_entry(T1, COORD, "My own", logged_by=COORD)
    assert saved.entry.logged_by is None and saved.entry.is_mine


def test_a_repeated_log_for_stores_one_entry(learning_log: LearningLog, clock: FakeClock) -> None:
    first = learning_log.add_entry(T1, ANN, "Once", logged_by=COORD, dedupe_key="cmd:1")
    clock.advance(seconds=timedelta(seconds=2).total_seconds())
    again = learning_log.add_entry(T1, ANN, "Once", logged_by=COORD, dedupe_key="cmd:1")
    assert not again.created and again.entry.id == first.entry.id
