"""Organisations: one per name however it is typed, close names offered, and a coordinator's
list, rename, merge and description — on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.db import Database
from bot.models import Entry, Member, Organisation
from bot.organisations import (
    MergeIntoItself,
    OrganisationExists,
    OrganisationNameRefused,
    OrganisationNotFound,
    UnknownSector,
    clean_name,
    describe_organisation,
    find_organisation,
    get_or_create_organisation,
    list_organisations,
    merge_organisations,
    name_key,
    organisation_names,
    organisation_of,
    parse_sector,
    rename_organisation,
    set_member_organisation,
    similar_organisation,
)

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def test_a_name_is_compared_without_case_spacing_or_punctuation() -> None:
    assert name_key("NHS Fife") == name_key("nhs  fife") == name_key(" N.H.S. Fife ") == "nhs fife"
    assert name_key("Barnardo’s") == name_key("barnardos")
    assert name_key("Smith & Jones") == name_key("Smith and Jones")
    assert name_key("Comhairle nan Eilean Siar") == name_key("comhairle-nan-eilean-siar")
    assert name_key("Café Lumière") == "cafe lumiere"


@pytest.mark.parametrize(
    ("given", "reason"),
    [
        ("", "blank"),
        ("   ", "blank"),
        ("<@U123ABC>", "names a person"),
        ("@alex", "names a person"),
        ("<!channel>", "names a person"),
        ("https://example.org", "link"),
        ("<https://example.org|Example>", "link"),
        ("www.example.org", "link"),
        ("x" * 500, "500 characters; the limit is 100"),
        (":tada: :heart:", "no letters or digits"),
        ("🎉🎉", "no letters or digits"),
        ("!!!", "no letters or digits"),
    ],
)
def test_a_name_that_is_not_an_organisations_is_refused_saying_why(given: str, reason: str) -> None:
    with pytest.raises(OrganisationNameRefused) as refused:
        clean_name(given)
    assert reason in str(refused.value)


def test_a_name_is_kept_with_its_spacing_tidied() -> None:
    assert clean_name("  NHS   Fife ") == "NHS Fife"
    assert clean_name("St. Mungo's") == "St. Mungo's"


def test_one_organisation_however_its_name_is_typed(database: Database) -> None:
    with database.session() as session:
        first = get_or_create_organisation(session, "T1", "NHS Fife", now=NOW)
        again = get_or_create_organisation(session, "T1", "nhs  fife", now=NOW)
        elsewhere = get_or_create_organisation(session, "T2", "NHS Fife", now=NOW)
    assert first.id == again.id != elsewhere.id
    with database.reading() as session:
        assert organisation_names(session, "T1") == {first.id: "NHS Fife"}
        assert find_organisation(session, "T1", "N.H.S. FIFE").id == first.id
        assert find_organisation(session, "T1", "NHS Tayside") is None


def test_a_refused_name_stores_nothing(database: Database) -> None:
    with pytest.raises(OrganisationNameRefused), database.session() as session:
        get_or_create_organisation(session, "T1", "<@U1>", now=NOW)
    with database.reading() as session:
        assert session.scalars(select(Organisation)).all() == []


@pytest.mark.parametrize(
    ("typed", "offered"),
    [
        ("nhs fife", "NHS Fife"),
        ("NHS Fiffe", "NHS Fife"),
        ("NHSFife", "NHS Fife"),
        ("Fife Councl", "Fife Council"),
        ("Barnados Scotland", "Barnardo's Scotland"),
        ("NHS Tayside", None),
        ("Fife", None),
        ("Oxfam", None),
    ],
)
def test_a_close_name_is_offered_as_the_known_one(
    database: Database, typed: str, offered: str | None
) -> None:
    with database.session() as session:
        for name in ("NHS Fife", "Fife Council", "Barnardo's Scotland", "Oxfordshire CC"):
            get_or_create_organisation(session, "T1", name, now=NOW)
    with database.reading() as session:
        found = similar_organisation(session, "T1", typed)
        assert (found.name if found else None) == offered
        assert similar_organisation(session, "T2", typed) is None


def test_a_member_says_where_they_are_from_and_can_clear_it(database: Database) -> None:
    with database.session() as session:
        fife = get_or_create_organisation(session, "T1", "NHS Fife", now=NOW)
        set_member_organisation(session, "T1", "U1", fife, now=NOW)
    with database.reading() as session:
        assert organisation_of(session, "T1", "U1").name == "NHS Fife"
        assert organisation_of(session, "T1", "U2") is None
        assert organisation_of(session, "T2", "U1") is None
    with database.session() as session:
        set_member_organisation(session, "T1", "U1", None, now=NOW)
    with database.reading() as session:
        assert organisation_of(session, "T1", "U1") is None


def _entry(session, user: str, organisation_id: int | None, words: str) -> None:
    session.add(
        Entry(
            team_id="T1",
            user_id=user,
            kind="story",
            text=words,
            visibility="network",
            source="slash",
            organisation_id=organisation_id,
            created_at=NOW,
            updated_at=NOW,
        )
    )


def test_coordinators_list_rename_and_merge(database: Database) -> None:
    with database.session() as session:
        fife = get_or_create_organisation(session, "T1", "NHS Fife", now=NOW)
        typo = get_or_create_organisation(session, "T1", "Fife NHS Board", now=NOW)
        council = get_or_create_organisation(session, "T1", "Fife Council", now=NOW)
        describe_organisation(session, "T1", "Fife NHS Board", sector="public", place="Fife")
        set_member_organisation(session, "T1", "U1", fife, now=NOW)
        set_member_organisation(session, "T1", "U2", typo, now=NOW)
        _entry(session, "U1", fife.id, "one")
        _entry(session, "U2", typo.id, "two")
        _entry(session, "U2", typo.id, "three")
    with database.reading() as session:
        listed = {
            o.name: (o.members, o.entries, o.sector) for o in list_organisations(session, "T1")
        }
    assert listed == {
        "Fife Council": (0, 0, None),
        "Fife NHS Board": (1, 2, "public"),
        "NHS Fife": (1, 1, None),
    }

    with database.session() as session:
        merged = merge_organisations(session, "T1", "fife nhs board", "NHS Fife")
        assert (merged.sector, merged.place) == ("public", "Fife")
    with database.session() as session:
        rename_organisation(session, "T1", "NHS Fife", "NHS Fife Health Board")
    with database.reading() as session:
        listed = {o.name: (o.members, o.entries) for o in list_organisations(session, "T1")}
        members = dict(session.execute(select(Member.user_id, Member.organisation_id)).all())
    assert listed == {"Fife Council": (0, 0), "NHS Fife Health Board": (2, 3)}
    assert members == {"U1": fife.id, "U2": fife.id}
    assert council.id not in members.values()


def test_a_merge_into_itself_and_a_rename_onto_another_name_are_refused(
    database: Database,
) -> None:
    with database.session() as session:
        get_or_create_organisation(session, "T1", "NHS Fife", now=NOW)
        get_or_create_organisation(session, "T1", "Fife Council", now=NOW)
    with pytest.raises(MergeIntoItself), database.session() as session:
        merge_organisations(session, "T1", "NHS Fife", "nhs  fife")
    with pytest.raises(OrganisationExists) as exists, database.session() as session:
        rename_organisation(session, "T1", "NHS Fife", "fife council")
    assert "merge" in str(exists.value)
    with pytest.raises(OrganisationNotFound), database.session() as session:
        merge_organisations(session, "T1", "Oxfam", "NHS Fife")
    with pytest.raises(OrganisationNameRefused), database.session() as session:
        rename_organisation(session, "T1", "NHS Fife", "https://nhs.scot")
    with database.session() as session:  # a rename that only changes the spelling is fine
        rename_organisation(session, "T1", "NHS Fife", "NHS FIFE")
    with database.reading() as session:
        assert sorted(organisation_names(session, "T1").values()) == ["Fife Council", "NHS FIFE"]


def test_a_sector_is_one_of_five() -> None:
    assert parse_sector("Voluntary") == "voluntary"
    assert parse_sector("none") is None
    with pytest.raises(UnknownSector) as unknown:
        parse_sector("charity")
    assert "public, voluntary, private, community, other" in str(unknown.value)


def test_an_entry_and_a_member_let_go_of_a_deleted_organisation(database: Database) -> None:
    with database.session() as session:
        fife = get_or_create_organisation(session, "T1", "NHS Fife", now=NOW)
        set_member_organisation(session, "T1", "U1", fife, now=NOW)
        _entry(session, "U1", fife.id, "kept")
    with database.session() as session:
        session.delete(session.get(Organisation, fife.id))
    with database.reading() as session:
        assert session.scalar(select(Entry.organisation_id)) is None
        assert session.scalar(select(Member.organisation_id)) is None
        assert session.scalar(select(Entry.text)) == "kept"


def test_an_entry_keeps_the_organisation_its_author_had_when_writing_it(
    learning_log, database: Database
) -> None:
    first = learning_log.add_entry("T1", "U1", "before I said where I am from").entry
    with database.session() as session:
        fife = get_or_create_organisation(session, "T1", "NHS Fife", now=NOW)
        set_member_organisation(session, "T1", "U1", fife, now=NOW)
    second = learning_log.add_entry("T1", "U1", "from Fife").entry
    action = learning_log.add_entry("T1", "U1", "call the ward", kind="action").entry
    with database.session() as session:
        council = get_or_create_organisation(session, "T1", "Fife Council", now=NOW)
        set_member_organisation(session, "T1", "U1", council, now=NOW)
    third = learning_log.add_entry("T1", "U1", "from the council", dedupe_key="view:V1").entry
    other = learning_log.add_entry("T1", "U2", "someone else").entry
    with database.reading() as session:
        stamped = dict(session.execute(select(Entry.id, Entry.organisation_id)).all())
    assert stamped == {
        first.id: None,
        second.id: fife.id,
        action.id: fife.id,
        third.id: council.id,
        other.id: None,
    }


def test_a_reflection_closing_an_action_carries_the_organisation_of_now(
    learning_log, database: Database
) -> None:
    action = learning_log.add_entry("T1", "U1", "call the ward", kind="action").entry
    with database.session() as session:
        fife = get_or_create_organisation(session, "T1", "NHS Fife", now=NOW)
        set_member_organisation(session, "T1", "U1", fife, now=NOW)
    _, reflection = learning_log.complete_action("T1", "U1", action.id, "They were glad")
    with database.reading() as session:
        stamped = dict(session.execute(select(Entry.id, Entry.organisation_id)).all())
    assert stamped == {action.id: None, reflection.id: fife.id}
