"""The weekly prompt's goal and question: goals in order, no repeat until the bank is used."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from bot.db import Database
from bot.goals import Framework, Goal
from bot.models import PostedPrompt
from bot.prompt_rotation import PromptChoice, choose_prompt
from bot.workspaces import ensure_workspace

T1, T2 = "T0001", "T0002"
FIRST_MONDAY = datetime(2026, 9, 7, 10, 0, tzinfo=UTC)


def post(db: Database, team_id: str, goal_key: str, question: str) -> None:
    """Record a prompt as the prompt job would after posting it, one week after the last."""
    with db.session() as session:
        ensure_workspace(session, team_id, now=FIRST_MONDAY)
        count = session.scalar(
            select(func.count()).select_from(PostedPrompt).where(PostedPrompt.team_id == team_id)
        )
        posted_at = FIRST_MONDAY + timedelta(weeks=count)
        year, week, _ = posted_at.isocalendar()
        session.add(
            PostedPrompt(
                team_id=team_id,
                period=f"{year}-W{week:02d}",
                goal_key=goal_key,
                question=question,
                channel_id="C0123ABCD",
                message_ts=f"{posted_at.timestamp():.6f}",
                posted_at=posted_at,
            )
        )


def post_choice(db: Database, framework: Framework, team_id: str) -> PromptChoice:
    choice = choose_prompt(db, framework, team_id)
    post(db, team_id, choice.goal.key, choice.question)
    return choice


def one_goal_framework(questions: int) -> Framework:
    goal = Goal(
        key="listening",
        number=1,
        title="Listen first",
        summary="Hear people out before deciding.",
        questions=tuple(f"Question {n}?" for n in range(1, questions + 1)),
    )
    return Framework(name="One goal", goals=(goal,), source="test")


def test_the_first_prompt_is_the_first_goals_first_question(
    database: Database, framework: Framework
) -> None:
    choice = choose_prompt(database, framework, T1)
    assert choice.goal == framework.goals[0]
    assert (choice.question, choice.question_index) == (framework.goals[0].questions[0], 0)


def test_six_weeks_walk_through_the_six_goals_then_start_again(
    database: Database, framework: Framework
) -> None:
    numbers = [post_choice(database, framework, T1).goal.number for _ in range(7)]
    assert numbers == [1, 2, 3, 4, 5, 6, 1]


def test_the_second_round_asks_each_goals_second_question(
    database: Database, framework: Framework
) -> None:
    for _ in range(6):
        post_choice(database, framework, T1)
    second_round = [post_choice(database, framework, T1) for _ in range(6)]
    assert [c.question_index for c in second_round] == [1] * 6
    assert [c.question for c in second_round] == [g.questions[1] for g in framework.goals]


def test_no_question_repeats_until_the_bank_is_used_up_then_a_new_cycle_starts(
    database: Database,
) -> None:
    five = one_goal_framework(5)
    indexes = [post_choice(database, five, T1).question_index for _ in range(7)]
    assert indexes == [0, 1, 2, 3, 4, 0, 1]


def test_a_question_added_to_the_bank_is_asked_before_any_repeat(database: Database) -> None:
    for _ in range(3):
        post_choice(database, one_goal_framework(3), T1)
    grown = one_goal_framework(4)
    assert choose_prompt(database, grown, T1).question == "Question 4?"


def test_another_workspaces_prompts_do_not_move_this_ones_rotation(
    database: Database, framework: Framework
) -> None:
    for _ in range(3):
        post_choice(database, framework, T2)
    choice = choose_prompt(database, framework, T1)
    assert (choice.goal.number, choice.question_index) == (1, 0)


def test_after_a_pause_the_rotation_resumes_where_it_stopped(
    database: Database, framework: Framework
) -> None:
    for _ in range(2):
        post_choice(database, framework, T1)
    # Weeks without a post (a summer break) leave no trace: the next prompt is goal 3.
    assert choose_prompt(database, framework, T1).goal.number == 3


def test_a_last_goal_no_longer_in_the_framework_restarts_at_the_first_goal(
    database: Database, framework: Framework
) -> None:
    post(database, T1, "an-old-goal", "A question from the old goals file?")
    choice = choose_prompt(database, framework, T1)
    assert (choice.goal.number, choice.question_index) == (1, 0)


def test_questions_already_asked_under_the_new_goal_still_count_after_a_framework_change(
    database: Database, framework: Framework
) -> None:
    first = framework.goals[0]
    post(database, T1, first.key, first.questions[0])
    post(database, T1, "an-old-goal", "A question from the old goals file?")
    choice = choose_prompt(database, framework, T1)
    assert (choice.goal, choice.question_index) == (first, 1)
