"""Outcomes and why a story matters, in the learning log's rules (both stores)."""

from __future__ import annotations

import pytest

from bot.errors import (
    NotForThisKind,
    NotYourEntry,
    UnknownHowWeKnow,
    UnknownWhoChanged,
    WhyTooLong,
)
from bot.learning_log import MAX_WHY, LearningLog

T1, ANN, BEN = "T1", "UANN", "UBEN"


def test_an_outcome_keeps_who_changed_how_we_know_and_why_it_matters(
    learning_log: LearningLog,
) -> None:
    saved = learning_log.add_entry(
        T1,
        ANN,
        "Ward staff now ask patients first",
        kind="outcome",
        goal="g3",
        why_it_matters="  Patients are heard before decisions  ",
        who_changed="Staff",
        how_we_know="figures",
    ).entry
    found = learning_log.get_entry(T1, BEN, saved.id)
    assert (found.kind, found.who_changed, found.how_we_know) == ("outcome", "staff", "figures")
    assert found.why_it_matters == "Patients are heard before decisions"


def test_each_field_is_optional(learning_log: LearningLog) -> None:
    saved = learning_log.add_entry(T1, ANN, "A change", kind="outcome", why_it_matters="  ")
    assert (saved.entry.why_it_matters, saved.entry.who_changed, saved.entry.how_we_know) == (
        None,
        None,
        None,
    )


@pytest.mark.parametrize(
    ("kind", "fields", "refused"),
    [
        ("action", {"why_it_matters": "because"}, NotForThisKind),
        ("reflection", {"who_changed": "staff"}, NotForThisKind),
        ("story", {"how_we_know": "seen"}, NotForThisKind),
        ("outcome", {"who_changed": "everyone"}, UnknownWhoChanged),
        ("outcome", {"how_we_know": "a hunch"}, UnknownHowWeKnow),
        ("story", {"why_it_matters": "x" * (MAX_WHY + 1)}, WhyTooLong),
    ],
)
def test_a_field_for_another_kind_or_outside_its_choices_is_refused_and_nothing_stored(
    learning_log: LearningLog, kind: str, fields: dict, refused: type
) -> None:
    with pytest.raises(refused):
        learning_log.add_entry(T1, ANN, "Words", kind=kind, **fields)
    assert learning_log.count_mine(T1, ANN) == 0


def test_why_it_matters_is_added_later_by_its_author_only(learning_log: LearningLog) -> None:
    story = learning_log.add_entry(T1, ANN, "A story").entry
    action = learning_log.add_entry(T1, ANN, "An action", kind="action").entry
    assert learning_log.set_why_it_matters(
        T1, ANN, story.id, "It changed how we meet"
    ).why_it_matters
    with pytest.raises(NotYourEntry):
        learning_log.set_why_it_matters(T1, BEN, story.id, "Not mine to say")
    with pytest.raises(NotForThisKind):
        learning_log.set_why_it_matters(T1, ANN, action.id, "Actions have no why")
    assert learning_log.set_why_it_matters(T1, ANN, story.id, "").why_it_matters is None


def test_an_outcome_turned_into_a_story_lets_go_of_its_outcome_answers(
    learning_log: LearningLog,
) -> None:
    outcome = learning_log.add_entry(
        T1, ANN, "A change", kind="outcome", who_changed="partners", why_it_matters="For them"
    ).entry
    story = learning_log.edit_entry(T1, ANN, outcome.id, kind="story")
    assert (story.kind, story.who_changed, story.why_it_matters) == ("story", None, "For them")
