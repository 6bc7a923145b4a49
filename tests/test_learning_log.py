"""The learning-log service: what members can store, see, change and delete."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, text

from bot.errors import (
    ActionAlreadyDone,
    EmptySearch,
    EmptyText,
    EntryNotFound,
    EntryTooLong,
    NotAnAction,
    NotYourEntry,
    StorageFailed,
    UnknownGoal,
    UnknownKind,
    UnknownVisibility,
)
from bot.learning_log import MAX_TEXT, LearningLog
from bot.models import Entry, Member, Workspace

T1, T2 = "T0001", "T0002"
ANN, BEN, CAT = "UANN", "UBEN", "UCAT"


def test_a_story_is_stored_trimmed_with_its_goal_and_defaults(learning_log: LearningLog) -> None:
    saved = learning_log.add_entry(
        T1, ANN, "  We rewrote the rejection letter together.  ", goal="g3"
    )
    assert saved.created
    entry = learning_log.get_entry(T1, ANN, saved.entry.id)
    assert entry.text == "We rewrote the rejection letter together."
    assert (entry.kind, entry.goal_key, entry.visibility, entry.source) == (
        "story",
        "relationships",
        "network",
        "slash",
    )
    assert entry.author_id == ANN and entry.is_mine


def test_the_first_entry_creates_the_workspace_with_default_settings(
    learning_log: LearningLog,
) -> None:
    learning_log.add_entry(T1, ANN, "First words")
    with learning_log.db.reading() as session:
        workspace = session.get(Workspace, T1)
    assert workspace is not None
    assert (workspace.prompt_day, workspace.prompt_time) == (0, "10:00")
    assert (workspace.digest_day, workspace.digest_time) == (4, "15:00")
    assert workspace.nudges_enabled and workspace.followup_days == 7
    assert workspace.channel_id is None


@pytest.mark.parametrize("goal", ["g6", "6", "evidence", "EVIDENCE", " g6 "])
def test_a_goal_may_be_given_by_number_or_key(learning_log: LearningLog, goal: str) -> None:
    saved = learning_log.add_entry(T1, ANN, "Counted the thank-you cards", goal=goal)
    assert saved.entry.goal_key == "evidence"


def test_an_entry_without_a_goal_is_kept_until_one_is_chosen(learning_log: LearningLog) -> None:
    saved = learning_log.add_entry(T1, ANN, "Not sure which goal this is")
    assert saved.entry.goal_key is None
    edited = learning_log.edit_entry(T1, ANN, saved.entry.id, goal="g2")
    assert edited.goal_key == "leadership"


def test_an_action_is_open_with_a_follow_up_after_the_workspace_delay(
    learning_log: LearningLog, clock
) -> None:
    saved = learning_log.add_entry(T1, ANN, "Ask the team what slows them down", kind="action")
    assert saved.entry.action_status == "open"
    assert saved.entry.follow_up_at == clock.now + timedelta(days=7)


# -- each validation error is its own, and quotes the text back -------------------------------


def test_empty_text_is_refused(learning_log: LearningLog) -> None:
    with pytest.raises(EmptyText):
        learning_log.add_entry(T1, ANN, "   \n ")


def test_text_over_the_limit_is_refused_with_its_length(learning_log: LearningLog) -> None:
    words = "k" * (MAX_TEXT + 1)
    with pytest.raises(EntryTooLong) as refused:
        learning_log.add_entry(T1, ANN, words)
    assert (refused.value.length, refused.value.limit) == (MAX_TEXT + 1, MAX_TEXT)
    assert refused.value.text == words


def test_text_at_the_limit_is_accepted(learning_log: LearningLog) -> None:
    assert learning_log.add_entry(T1, ANN, "k" * MAX_TEXT).created


def test_an_unknown_kind_is_refused_with_the_choices(learning_log: LearningLog) -> None:
    with pytest.raises(UnknownKind) as refused:
        learning_log.add_entry(T1, ANN, "My words", kind="anecdote")
    assert refused.value.choices == ["story", "action", "reflection", "outcome"]
    assert refused.value.text == "My words"


def test_an_unknown_goal_is_refused_with_the_choices(learning_log: LearningLog) -> None:
    with pytest.raises(UnknownGoal) as refused:
        learning_log.add_entry(T1, ANN, "My words", goal="g9")
    assert "g1" in refused.value.choices and "evidence" in refused.value.choices
    assert refused.value.text == "My words"


def test_an_unknown_visibility_is_refused(learning_log: LearningLog) -> None:
    with pytest.raises(UnknownVisibility) as refused:
        learning_log.add_entry(T1, ANN, "My words", visibility="secret")
    assert refused.value.choices == ["network", "anonymous", "private"]


def test_nothing_is_stored_when_validation_fails(learning_log: LearningLog) -> None:
    with pytest.raises(UnknownGoal):
        learning_log.add_entry(T1, ANN, "My words", goal="nope")
    assert learning_log.list_mine(T1, ANN).entries == []


def test_a_database_failure_is_a_storage_error_quoting_the_text(
    sqlite_db, framework, clock
) -> None:
    learning = LearningLog(sqlite_db, framework, clock=clock)
    with sqlite_db.engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE entries_fts")
    with pytest.raises(StorageFailed) as failed:
        learning.add_entry(T1, ANN, "Words that must not vanish")
    assert failed.value.text == "Words that must not vanish"


# -- repeated deliveries ---------------------------------------------------------------------


def test_the_same_delivery_twice_stores_one_entry(learning_log: LearningLog) -> None:
    first = learning_log.add_entry(T1, ANN, "Once only", dedupe_key="view:V123")
    second = learning_log.add_entry(T1, ANN, "Once only", dedupe_key="view:V123")
    assert first.created and not second.created
    assert second.entry.id == first.entry.id
    assert len(learning_log.list_mine(T1, ANN).entries) == 1


def test_dedupe_keys_are_per_workspace(learning_log: LearningLog) -> None:
    assert learning_log.add_entry(T1, ANN, "Here", dedupe_key="msg:C1:1.0").created
    assert learning_log.add_entry(T2, ANN, "There", dedupe_key="msg:C1:1.0").created


def test_a_delivery_again_says_whether_its_member_was_told_already(
    learning_log: LearningLog,
) -> None:
    first = learning_log.add_entry(T1, ANN, "Noted once", dedupe_key="msg:C1:2.0")
    assert first.created and not first.noted
    again = learning_log.add_entry(T1, ANN, "Noted once", dedupe_key="msg:C1:2.0")
    assert not again.created and not again.noted  # stored, but the note never went out
    learning_log.mark_noted(T2, first.entry.id)  # scoped to its workspace: not this one
    assert not learning_log.add_entry(T1, ANN, "Noted once", dedupe_key="msg:C1:2.0").noted
    learning_log.mark_noted(T1, first.entry.id)
    third = learning_log.add_entry(T1, ANN, "Noted once", dedupe_key="msg:C1:2.0")
    assert not third.created and third.noted
    assert learning_log.add_entry(T2, ANN, "Noted once", dedupe_key="msg:C1:2.0").created


# -- own entries only --------------------------------------------------------------------------


def test_a_member_edits_their_own_entry(learning_log: LearningLog, clock) -> None:
    saved = learning_log.add_entry(T1, ANN, "First draft", goal="g1")
    clock.advance(minutes=5)
    edited = learning_log.edit_entry(
        T1, ANN, saved.entry.id, text="Second draft", visibility="anonymous"
    )
    assert (edited.text, edited.visibility, edited.goal_key) == (
        "Second draft",
        "anonymous",
        "purpose",
    )
    assert edited.updated_at == clock.now and edited.created_at < clock.now


def test_editing_another_members_entry_is_refused(learning_log: LearningLog) -> None:
    saved = learning_log.add_entry(T1, ANN, "Ann's story")
    with pytest.raises(NotYourEntry) as refused:
        learning_log.edit_entry(T1, BEN, saved.entry.id, text="Ben's rewrite")
    assert refused.value.text == "Ben's rewrite"
    assert learning_log.get_entry(T1, ANN, saved.entry.id).text == "Ann's story"


def test_deleting_another_members_entry_is_refused(learning_log: LearningLog) -> None:
    saved = learning_log.add_entry(T1, ANN, "Ann's story")
    with pytest.raises(NotYourEntry):
        learning_log.delete_entry(T1, BEN, saved.entry.id)
    assert learning_log.get_entry(T1, ANN, saved.entry.id)


def test_another_members_private_entry_is_not_found_rather_than_refused(
    learning_log: LearningLog,
) -> None:
    saved = learning_log.add_entry(T1, ANN, "My journal", visibility="private")
    with pytest.raises(EntryNotFound):
        learning_log.edit_entry(T1, BEN, saved.entry.id, text="x")
    with pytest.raises(EntryNotFound):
        learning_log.get_entry(T1, BEN, saved.entry.id)


def test_a_member_deletes_their_entry(learning_log: LearningLog) -> None:
    saved = learning_log.add_entry(T1, ANN, "Second thoughts")
    learning_log.delete_entry(T1, ANN, saved.entry.id)
    with pytest.raises(EntryNotFound):
        learning_log.get_entry(T1, ANN, saved.entry.id)


def test_changing_an_action_into_a_story_clears_its_follow_up(learning_log: LearningLog) -> None:
    saved = learning_log.add_entry(T1, ANN, "Will do", kind="action")
    story = learning_log.edit_entry(T1, ANN, saved.entry.id, kind="story")
    assert (story.kind, story.action_status, story.follow_up_at) == ("story", None, None)


# -- two workspaces ----------------------------------------------------------------------------


def test_two_workspaces_never_see_each_others_entries(learning_log: LearningLog) -> None:
    mine = learning_log.add_entry(T1, ANN, "kindness in Leeds").entry
    learning_log.add_entry(T2, ANN, "kindness in Glasgow")
    assert [e.text for e in learning_log.search(T1, ANN, "kindness").entries] == [
        "kindness in Leeds"
    ]
    assert [e.text for e in learning_log.list_mine(T2, ANN).entries] == ["kindness in Glasgow"]
    with pytest.raises(EntryNotFound):
        learning_log.get_entry(T2, ANN, mine.id)
    with pytest.raises(EntryNotFound):
        learning_log.delete_entry(T2, ANN, mine.id)
    assert learning_log.latest_shared(T2, None)[0].text == "kindness in Glasgow"


# -- listing and searching -------------------------------------------------------------------


def test_mine_lists_my_entries_newest_first_and_my_open_actions(
    learning_log: LearningLog, clock
) -> None:
    learning_log.add_entry(T1, ANN, "Old story")
    clock.advance(hours=1)
    action = learning_log.add_entry(T1, ANN, "Open action", kind="action").entry
    clock.advance(hours=1)
    learning_log.add_entry(T1, ANN, "Private note", visibility="private")
    learning_log.add_entry(T1, BEN, "Ben's story")
    mine = learning_log.list_mine(T1, ANN)
    assert [e.text for e in mine.entries] == ["Private note", "Open action", "Old story"]
    assert [e.id for e in mine.open_actions] == [action.id]


def test_search_shows_private_entries_only_to_their_author(learning_log: LearningLog) -> None:
    learning_log.add_entry(T1, ANN, "a quiet kindness", visibility="private")
    learning_log.add_entry(T1, BEN, "a public kindness")
    assert {e.text for e in learning_log.search(T1, ANN, "kindness").entries} == {
        "a quiet kindness",
        "a public kindness",
    }
    assert [e.text for e in learning_log.search(T1, BEN, "kindness").entries] == [
        "a public kindness"
    ]
    assert [e.text for e in learning_log.search(T1, None, "kindness").entries] == [
        "a public kindness"
    ]


def test_search_shows_anonymous_entries_without_their_author(learning_log: LearningLog) -> None:
    learning_log.add_entry(T1, ANN, "an anonymous kindness", visibility="anonymous")
    seen_by_ben = learning_log.search(T1, BEN, "anonymous").entries
    assert [(e.text, e.author_id) for e in seen_by_ben] == [("an anonymous kindness", None)]
    seen_by_ann = learning_log.search(T1, ANN, "anonymous").entries
    assert seen_by_ann[0].author_id == ANN and seen_by_ann[0].is_mine


def test_search_matches_every_word_as_a_prefix_newest_first(learning_log: LearningLog) -> None:
    learning_log.add_entry(T1, ANN, "Volunteers listened to families")
    learning_log.add_entry(T1, BEN, "We listened, then changed the form")
    learning_log.add_entry(T1, CAT, "Changed a form without listening")
    page = learning_log.search(T1, ANN, "listen form")
    assert [e.text for e in page.entries] == [
        "Changed a form without listening",
        "We listened, then changed the form",
    ]
    assert page.words == ["listen", "form"]


def test_search_is_case_and_accent_insensitive(learning_log: LearningLog) -> None:
    learning_log.add_entry(T1, ANN, "Le café du coin")
    assert len(learning_log.search(T1, BEN, "CAFE").entries) == 1


def test_search_filters_by_goal_and_pages(learning_log: LearningLog) -> None:
    for n in range(5):
        learning_log.add_entry(T1, ANN, f"trust story {n}", goal="g2")
    learning_log.add_entry(T1, ANN, "trust elsewhere", goal="g4")
    first = learning_log.search(T1, BEN, "trust", goal="leadership", limit=3)
    assert [e.text for e in first.entries] == ["trust story 4", "trust story 3", "trust story 2"]
    assert first.has_more
    second = learning_log.search(T1, BEN, "trust", goal="g2", limit=3, offset=3)
    assert [e.text for e in second.entries] == ["trust story 1", "trust story 0"]
    assert not second.has_more


def test_search_ignores_punctuation_that_would_break_the_query(learning_log: LearningLog) -> None:
    learning_log.add_entry(T1, ANN, "what's next")
    assert len(learning_log.search(T1, ANN, 'what\'s "next" (*) -').entries) == 1


def test_an_empty_search_is_refused(learning_log: LearningLog) -> None:
    with pytest.raises(EmptySearch):
        learning_log.search(T1, ANN, " ?! ")


def test_search_follows_edits_and_deletes(learning_log: LearningLog) -> None:
    entry = learning_log.add_entry(T1, ANN, "first wording").entry
    learning_log.edit_entry(T1, ANN, entry.id, text="second phrasing")
    assert learning_log.search(T1, ANN, "wording").entries == []
    assert len(learning_log.search(T1, ANN, "phrasing").entries) == 1
    learning_log.delete_entry(T1, ANN, entry.id)
    assert learning_log.search(T1, ANN, "phrasing").entries == []


# -- actions -------------------------------------------------------------------------------------


def test_closing_an_action_with_a_reflection_links_them(learning_log: LearningLog, clock) -> None:
    action = learning_log.add_entry(
        T1, ANN, "Hold a listening session", kind="action", goal="g3", visibility="anonymous"
    ).entry
    clock.advance(days=3)
    done, reflection = learning_log.complete_action(T1, ANN, action.id, "People came back twice")
    assert (done.action_status, done.completed_at, done.follow_up_at) == ("done", clock.now, None)
    assert reflection is not None
    assert (reflection.kind, reflection.goal_key, reflection.visibility) == (
        "reflection",
        "relationships",
        "anonymous",
    )
    assert reflection.reflection_of_id == action.id


def test_closing_an_action_without_a_reflection(learning_log: LearningLog) -> None:
    action = learning_log.add_entry(T1, ANN, "Do the thing", kind="action").entry
    done, reflection = learning_log.complete_action(T1, ANN, action.id)
    assert done.action_status == "done" and reflection is None


def test_closing_a_story_is_refused(learning_log: LearningLog) -> None:
    story = learning_log.add_entry(T1, ANN, "A story").entry
    with pytest.raises(NotAnAction) as refused:
        learning_log.complete_action(T1, ANN, story.id, "my reflection")
    assert refused.value.text == "my reflection"


def test_closing_an_action_twice_is_refused_and_adds_no_reflection(
    learning_log: LearningLog,
) -> None:
    action = learning_log.add_entry(T1, ANN, "Do it", kind="action").entry
    learning_log.complete_action(T1, ANN, action.id)
    with pytest.raises(ActionAlreadyDone):
        learning_log.complete_action(T1, ANN, action.id, "again")
    assert [e.kind for e in learning_log.list_mine(T1, ANN).entries] == ["action"]


def test_closing_another_members_action_is_refused(learning_log: LearningLog) -> None:
    action = learning_log.add_entry(T1, ANN, "Ann's action", kind="action").entry
    with pytest.raises(NotYourEntry):
        learning_log.complete_action(T1, BEN, action.id)
    assert learning_log.get_entry(T1, ANN, action.id).action_status == "open"


def test_dropping_and_snoozing_an_action(learning_log: LearningLog, clock) -> None:
    action = learning_log.add_entry(T1, ANN, "Maybe later", kind="action").entry
    later = clock.now + timedelta(days=7)
    assert learning_log.snooze_action(T1, ANN, action.id, later).follow_up_at == later
    dropped = learning_log.drop_action(T1, ANN, action.id)
    assert (dropped.action_status, dropped.follow_up_at) == ("dropped", None)
    assert learning_log.list_mine(T1, ANN).open_actions == []


# -- thread replies edited or deleted in Slack -----------------------------------------------


def test_a_thread_reply_edited_in_slack_updates_its_entry(learning_log: LearningLog) -> None:
    learning_log.add_entry(
        T1, ANN, "typo here", source="thread", channel_id="C1", message_ts="1.000100"
    )
    assert learning_log.edit_message_entry(T1, BEN, "C1", "1.000100", "hijack") is None
    edited = learning_log.edit_message_entry(T1, ANN, "C1", "1.000100", "no typo here")
    assert edited is not None and edited.text == "no typo here"
    removed = learning_log.delete_message_entry(T1, "C1", "1.000100")
    assert removed is not None
    assert learning_log.list_mine(T1, ANN).entries == []
    assert learning_log.delete_message_entry(T1, "C1", "1.000100") is None


# -- forget me and preferences ---------------------------------------------------------------


def test_forget_me_deletes_every_entry_of_mine_and_nothing_else(
    learning_log: LearningLog,
) -> None:
    learning_log.add_entry(T1, ANN, "one")
    learning_log.add_entry(T1, ANN, "two", visibility="private")
    learning_log.add_entry(T2, ANN, "other workspace")
    learning_log.add_entry(T1, BEN, "Ben's")
    learning_log.set_nudges(T1, ANN, False)
    assert learning_log.forget_me(T1, ANN) == 2
    assert learning_log.list_mine(T1, ANN).entries == []
    assert len(learning_log.list_mine(T2, ANN).entries) == 1
    assert len(learning_log.list_mine(T1, BEN).entries) == 1
    with learning_log.db.reading() as session:
        assert session.scalar(select(Member).where(Member.user_id == ANN)) is None


def test_nudges_preference_is_remembered(learning_log: LearningLog) -> None:
    assert learning_log.nudges_enabled(T1, ANN)
    learning_log.set_nudges(T1, ANN, False)
    assert not learning_log.nudges_enabled(T1, ANN)
    learning_log.set_nudges(T1, ANN, True)
    assert learning_log.nudges_enabled(T1, ANN)


def test_stored_times_are_utc_whatever_the_store(learning_log: LearningLog, clock) -> None:
    entry = learning_log.add_entry(T1, ANN, "timely").entry
    with learning_log.db.reading() as session:
        raw = session.execute(text("SELECT created_at FROM entries")).scalar_one()
        stored = session.scalar(select(Entry.created_at).where(Entry.id == entry.id))
    assert stored == clock.now and stored.utcoffset() == timedelta(0)
    assert str(raw).startswith("2026-11-25 14:00:00")


def test_a_first_write_that_was_refused_leaves_a_new_workspace_able_to_log(
    learning_log: LearningLog, database
) -> None:
    # The first write of a new workspace makes its row in the same transaction. Refused (here:
    # a reflection on an entry that does not exist), that transaction is rolled back — and the
    # next entry must not be written as if the workspace's row were there.
    with pytest.raises(EntryNotFound):
        learning_log.add_entry(
            "TNEWNET", "UANN", "What I learnt", kind="reflection", reflection_of=999_999
        )
    saved = learning_log.add_entry("TNEWNET", "UANN", "We asked first, then helped", goal="g1")
    assert saved.created
    with database.session() as session:
        assert session.get(Workspace, "TNEWNET") is not None
        stored = session.scalars(select(Entry.text).where(Entry.team_id == "TNEWNET")).all()
    assert stored == ["We asked first, then helped"]
