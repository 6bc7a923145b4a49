"""Who is due the week's prompt by DM (bot/dm_prompts.py), on each store, without Slack: the DM
job that sends them is tested against the stand-in in test_dm_job.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.db import Database
from bot.dm_prompts import DuePrompt, anyone_takes_prompts_by_dm, due_dm_prompts, record_dm_prompts
from bot.members import MemberPreferences
from bot.models import PostedPrompt
from bot.weeks import week_of
from conftest import FakeClock

T1, T2 = "T0001", "T0002"
ANN, BEN, CAT = "UANN", "UBEN", "UCAT"
MONDAY = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)


def post_prompt(db: Database, team_id: str, at: datetime) -> int:
    with db.session() as session:
        prompt = PostedPrompt(
            team_id=team_id,
            period=week_of(at, "UTC").key,
            goal_key="relationships",
            question="Who did you listen to?",
            channel_id="CNETWORK",
            message_ts="1.0",
            posted_at=at,
        )
        session.add(prompt)
        session.flush()
        return prompt.id


def test_members_who_take_prompts_by_dm_are_due_the_weeks_prompt_once(
    database: Database, clock: FakeClock
) -> None:
    clock.set(MONDAY)
    members = MemberPreferences(database, clock=clock)
    members.set_prompts_by_dm(T1, BEN, True)
    members.set_prompts_by_dm(T1, ANN, True)
    members.set_prompts_by_dm(T1, CAT, False)
    members.set_nudges(T1, CAT, True)  # a member row, prompts in the channel
    assert anyone_takes_prompts_by_dm(database, T1)

    assert due_dm_prompts(database, T1, MONDAY, "UTC") == []  # nothing posted this week yet
    prompt_id = post_prompt(database, T1, MONDAY)
    later = MONDAY + timedelta(minutes=30)
    due = due_dm_prompts(database, T1, later, "UTC")
    week = week_of(MONDAY, "UTC").key
    assert due == [
        DuePrompt(user, prompt_id, week, "relationships", "Who did you listen to?")
        for user in (ANN, BEN)
    ]
    assert due[0].claim_period == f"{week}:{ANN}"

    with database.session() as session:
        record_dm_prompts(session, T1, [(due[0], "DANN", "2.0")], now=later)
        # Recorded twice (a retry): kept once.
        record_dm_prompts(session, T1, [(due[0], "DANN", "2.0")], now=later)
    assert [d.user_id for d in due_dm_prompts(database, T1, later, "UTC")] == [BEN]


def test_another_workspace_and_another_week_are_not_due(
    database: Database, clock: FakeClock
) -> None:
    clock.set(MONDAY)
    MemberPreferences(database, clock=clock).set_prompts_by_dm(T1, ANN, True)
    post_prompt(database, T1, MONDAY)
    assert not anyone_takes_prompts_by_dm(database, T2)
    assert due_dm_prompts(database, T2, MONDAY, "UTC") == []
    # Next week's prompt is not posted yet: last week's is not sent again.
    assert due_dm_prompts(database, T1, MONDAY + timedelta(weeks=1), "UTC") == []
