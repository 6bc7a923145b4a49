"""Who gets a nudge: follow-ups on actions, a word to quiet members, never to the opted out."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.db import Database
from bot.followups import (
    MAX_FOLLOW_UPS,
    due_followups,
    quiet_members,
    record_followups_sent,
    record_quiet_nudge,
)
from bot.learning_log import LearningLog
from bot.models import Entry
from bot.settings import SettingsStore

T1, T2 = "T0001", "T0002"
ANN, BEN, CAT = "UANN", "UBEN", "UCAT"
WEEK = timedelta(weeks=1)


@pytest.fixture
def db(learning_log: LearningLog) -> Database:
    return learning_log.db


@pytest.fixture
def settings(db: Database, clock) -> SettingsStore:
    return SettingsStore(db, clock=clock)


def sent_followup(
    db: Database,
    team_id: str,
    entry_id: int,
    *,
    now: datetime,
    next_at: datetime | None,
    step: int | None = None,
) -> bool:
    """Record a follow-up as the nudges job does, in a transaction of its own; whether it was
    recorded (the entry's count of follow-ups went up)."""

    def count() -> int | None:
        with db.session() as session:
            return session.scalar(
                select(Entry.follow_ups_sent).where(Entry.team_id == team_id, Entry.id == entry_id)
            )

    before = count()
    with db.session() as session:
        record_followups_sent(session, team_id, [(entry_id, step, next_at)], now=now)
    return before is not None and count() == before + 1


def sent_quiet_nudge(db: Database, *args) -> None:
    with db.session() as session:
        record_quiet_nudge(session, *args)


def commit(learning_log: LearningLog, user: str, text: str, team: str = T1, **kw: object) -> int:
    return learning_log.add_entry(team, user, text, kind="action", **kw).entry.id


# -- follow-ups on actions ---------------------------------------------------------------------


def test_an_action_is_followed_up_after_the_workspaces_delay(
    learning_log: LearningLog, db: Database, clock
) -> None:
    committed_at = clock.now
    entry_id = commit(learning_log, ANN, "Thank the night shift in person", goal="g2")
    assert due_followups(db, T1, clock.advance(days=6, hours=23)) == []
    (followup,) = due_followups(db, T1, clock.advance(hours=1))
    assert (followup.entry_id, followup.user_id, followup.step) == (entry_id, ANN, 1)
    assert (followup.text, followup.goal_key) == ("Thank the night shift in person", "leadership")
    assert followup.committed_at == committed_at
    assert followup.follow_up_at == committed_at + WEEK


def test_stories_reflections_and_closed_actions_are_never_followed_up(
    learning_log: LearningLog, db: Database, clock
) -> None:
    learning_log.add_entry(T1, ANN, "A story", kind="story")
    learning_log.add_entry(T1, ANN, "A reflection", kind="reflection")
    done = commit(learning_log, ANN, "Done already")
    dropped = commit(learning_log, BEN, "Not for now")
    learning_log.complete_action(T1, ANN, done)
    learning_log.drop_action(T1, BEN, dropped)
    assert due_followups(db, T1, clock.advance(weeks=4)) == []


def test_follow_ups_come_oldest_first_and_only_from_this_workspace(
    learning_log: LearningLog, db: Database, clock
) -> None:
    first = commit(learning_log, ANN, "First")
    clock.advance(hours=1)
    second = commit(learning_log, BEN, "Second")
    commit(learning_log, CAT, "Elsewhere", team=T2)
    assert [f.entry_id for f in due_followups(db, T1, clock.advance(weeks=2))] == [first, second]


def test_a_member_who_opted_out_gets_no_follow_up_and_others_still_do(
    learning_log: LearningLog, db: Database, clock
) -> None:
    commit(learning_log, ANN, "Ann's action")
    commit(learning_log, BEN, "Ben's action")
    learning_log.set_nudges(T1, ANN, False)
    assert [f.user_id for f in due_followups(db, T1, clock.advance(weeks=1))] == [BEN]


def test_no_follow_ups_in_a_workspace_that_turned_nudges_off(
    learning_log: LearningLog, db: Database, settings: SettingsStore, clock
) -> None:
    commit(learning_log, ANN, "An action")
    settings.update(T1, {"nudges": False}, by_user="UADMIN")
    assert due_followups(db, T1, clock.advance(weeks=1)) == []


def test_no_follow_ups_while_paused_and_they_come_once_the_pause_ends(
    learning_log: LearningLog, db: Database, settings: SettingsStore, clock
) -> None:
    commit(learning_log, ANN, "An action")  # Wednesday 25 November 2026
    settings.update(T1, {"paused_until": date(2026, 12, 7)}, by_user="UADMIN")
    assert due_followups(db, T1, clock.advance(weeks=1)) == []
    assert len(due_followups(db, T1, clock.advance(weeks=1))) == 1


def test_an_action_gets_at_most_three_follow_ups_spaced_by_the_delay(
    learning_log: LearningLog, db: Database, clock
) -> None:
    entry_id = commit(learning_log, ANN, "Start meetings with a check-in")
    steps = []
    for _ in range(MAX_FOLLOW_UPS + 1):
        now = clock.advance(weeks=1)
        for followup in due_followups(db, T1, now):
            steps.append(followup.step)
            sent_followup(db, T1, followup.entry_id, now=now, next_at=now + WEEK)
    assert steps == [1, 2, 3]
    assert learning_log.get_entry(T1, ANN, entry_id).follow_up_at is None
    assert due_followups(db, T1, clock.advance(weeks=10)) == []


def test_still_on_it_after_the_last_follow_up_asks_exactly_once_more(
    learning_log: LearningLog, db: Database, clock
) -> None:
    entry_id = commit(learning_log, ANN, "Rewrite the complaints letter")
    for step in range(1, MAX_FOLLOW_UPS + 1):
        now = clock.advance(weeks=1)
        sent_followup(db, T1, entry_id, now=now, next_at=now + WEEK, step=step)
    learning_log.snooze_action(T1, ANN, entry_id, until=clock.now + WEEK)
    now = clock.advance(weeks=1)
    (followup,) = due_followups(db, T1, now)
    assert followup.step == MAX_FOLLOW_UPS + 1
    sent_followup(db, T1, entry_id, now=now, next_at=now + WEEK, step=followup.step)
    assert due_followups(db, T1, clock.advance(weeks=5)) == []


def test_the_same_follow_up_step_is_never_recorded_twice(
    learning_log: LearningLog, db: Database, clock
) -> None:
    entry_id = commit(learning_log, ANN, "An action")
    now = clock.advance(weeks=1)
    assert sent_followup(db, T1, entry_id, now=now, next_at=now + WEEK, step=1)
    assert not sent_followup(db, T1, entry_id, now=now, next_at=now + WEEK, step=1)
    (followup,) = due_followups(db, T1, clock.advance(weeks=1))
    assert followup.step == 2


def test_a_follow_up_for_an_action_closed_meanwhile_records_nothing(
    learning_log: LearningLog, db: Database, clock
) -> None:
    entry_id = commit(learning_log, ANN, "An action")
    now = clock.advance(weeks=1)
    learning_log.complete_action(T1, ANN, entry_id, "It went well")
    assert not sent_followup(db, T1, entry_id, now=now, next_at=now + WEEK)
    assert not sent_followup(db, T2, entry_id, now=now, next_at=now + WEEK)


def test_a_next_follow_up_that_is_not_in_the_future_is_refused(
    learning_log: LearningLog, db: Database, clock
) -> None:
    entry_id = commit(learning_log, ANN, "An action")
    now = clock.advance(weeks=1)
    with pytest.raises(ValueError, match="later than now"):
        sent_followup(db, T1, entry_id, now=now, next_at=now)


# -- quiet members -----------------------------------------------------------------------------


def test_a_member_quiet_for_the_set_weeks_is_due_a_gentle_nudge(
    learning_log: LearningLog, db: Database, clock
) -> None:
    learning_log.add_entry(T1, ANN, "Ann's last story")
    clock.advance(weeks=2)
    learning_log.add_entry(T1, BEN, "Ben's recent story")
    now = clock.advance(weeks=2, seconds=1)
    assert quiet_members(db, T1, now, weeks=4) == [ANN]
    assert quiet_members(db, T1, now, weeks=2) == [ANN, BEN]


def test_somebody_who_never_logged_is_not_a_quiet_member(
    learning_log: LearningLog, db: Database, clock
) -> None:
    learning_log.set_nudges(T1, CAT, True)  # a member row, but no entry
    assert quiet_members(db, T1, clock.advance(weeks=10), weeks=4) == []


def test_the_quiet_member_nudge_is_off_at_zero_weeks(
    learning_log: LearningLog, db: Database, clock
) -> None:
    learning_log.add_entry(T1, ANN, "A story")
    assert quiet_members(db, T1, clock.advance(weeks=10), weeks=0) == []


def test_a_private_entry_counts_as_taking_part(
    learning_log: LearningLog, db: Database, clock
) -> None:
    learning_log.add_entry(T1, ANN, "An old story")
    clock.advance(weeks=5)
    learning_log.add_entry(T1, ANN, "A note to myself", visibility="private")
    assert quiet_members(db, T1, clock.advance(days=1), weeks=4) == []


def test_a_quiet_member_who_opted_out_is_left_alone(
    learning_log: LearningLog, db: Database, clock
) -> None:
    learning_log.add_entry(T1, ANN, "A story")
    learning_log.set_nudges(T1, ANN, False)
    assert quiet_members(db, T1, clock.advance(weeks=5), weeks=4) == []


def test_no_quiet_member_nudges_where_nudges_are_off(
    learning_log: LearningLog, db: Database, settings: SettingsStore, clock
) -> None:
    learning_log.add_entry(T1, ANN, "A story")
    settings.update(T1, {"nudges": False}, by_user=None)
    assert quiet_members(db, T1, clock.advance(weeks=5), weeks=4) == []


def test_a_quiet_member_is_nudged_once_per_silence(
    learning_log: LearningLog, db: Database, clock
) -> None:
    learning_log.add_entry(T1, ANN, "A story")
    now = clock.advance(weeks=5)
    assert quiet_members(db, T1, now, weeks=4) == [ANN]
    sent_quiet_nudge(db, T1, ANN, now)
    assert quiet_members(db, T1, clock.advance(days=1), weeks=4) == []
    # Still quiet months later: no second nudge for the same silence.
    assert quiet_members(db, T1, clock.advance(weeks=12), weeks=4) == []
    # They log again, then fall quiet again: a new silence, a new gentle nudge.
    learning_log.add_entry(T1, ANN, "Back with a story")
    assert quiet_members(db, T1, clock.advance(weeks=5), weeks=4) == [ANN]


def test_quiet_members_are_counted_per_workspace(
    learning_log: LearningLog, db: Database, clock
) -> None:
    learning_log.add_entry(T2, ANN, "A story elsewhere")
    learning_log.add_entry(T1, BEN, "A story here")
    assert quiet_members(db, T1, clock.advance(weeks=5), weeks=4) == [BEN]
