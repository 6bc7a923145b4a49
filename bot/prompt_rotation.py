"""Which goal and which question the weekly prompt carries — derived from what was posted.

Nothing but ``posted_prompts`` is consulted, so the rotation needs no state of its own:
- the goal is the one after the goal of this workspace's most recently posted prompt, in the
  framework's order, wrapping round; the first goal when nothing was posted yet. A pause
  therefore resumes where it stopped (weeks without a post do not advance the rotation). A
  last goal that is no longer in the framework (the network changed its goals file) restarts
  the rotation at the first goal;
- the question is the first of that goal's bank, in bank order, that this workspace has been
  asked the fewest times, so no question repeats until the whole bank has been used and then
  a new cycle starts in the same order. Questions are matched by text: an edited question
  counts as a new one, and a removed one simply stops counting.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from bot.db import Database
from bot.goals import Framework, Goal
from bot.models import PostedPrompt


@dataclass(frozen=True)
class PromptChoice:
    goal: Goal
    question: str
    question_index: int  # position in the goal's bank, from 0


def choose_prompt(db: Database, framework: Framework, team_id: str) -> PromptChoice:
    with db.reading() as session:
        last_goal_key = session.scalar(
            select(PostedPrompt.goal_key)
            .where(PostedPrompt.team_id == team_id)
            .order_by(PostedPrompt.posted_at.desc(), PostedPrompt.id.desc())
            .limit(1)
        )
        goal = _goal_after(framework, last_goal_key)
        asked = dict(
            session.execute(
                select(PostedPrompt.question, func.count())
                .where(PostedPrompt.team_id == team_id, PostedPrompt.goal_key == goal.key)
                .group_by(PostedPrompt.question)
            ).all()
        )
    # min() keeps the first of equals, so ties go to bank order.
    index = min(range(len(goal.questions)), key=lambda i: asked.get(goal.questions[i], 0))
    return PromptChoice(goal=goal, question=goal.questions[index], question_index=index)


def _goal_after(framework: Framework, goal_key: str | None) -> Goal:
    keys = [goal.key for goal in framework.goals]
    if goal_key not in keys:
        return framework.goals[0]
    return framework.goals[(keys.index(goal_key) + 1) % len(keys)]
