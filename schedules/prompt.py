"""The weekly prompt: this week's goal and question, posted once to the network's channel."""

from __future__ import annotations

from datetime import datetime

from bot.blocks import rhythm
from bot.models import PostedPrompt
from bot.services import Services
from bot.slack.port import SlackPort
from bot.weeks import Week
from schedules.posting import Outcome, Post, Sent, post_weekly
from schedules.rotation import choose_prompt

JOB = "prompt"


def post_weekly_prompt(
    services: Services, slack: SlackPort, team_id: str, *, now: datetime, week: Week | None = None
) -> Outcome:
    """Post the prompt of ``week`` (the week of ``now`` by default) unless it was posted."""
    goals: list[str] = []

    def send(week: Week, post: Post) -> str:
        # Chosen after the claim, so two schedulers can never pick for the same week.
        choice = choose_prompt(services.db, services.framework, team_id)
        message = rhythm.prompt_message(choice.goal, choice.question)
        # The goal and question travel with the post, so that a run that finds it after a
        # crash records what it asked.
        return post(message, {"goal": choice.goal.key, "question": choice.question})

    def row(sent: Sent) -> PostedPrompt:
        goals.append(sent.about["goal"])
        return PostedPrompt(
            team_id=team_id,
            period=sent.period,
            goal_key=sent.about["goal"],
            question=sent.about["question"],
            channel_id=sent.channel,
            message_ts=sent.ts,
            posted_at=sent.posted_at,
        )

    outcome = post_weekly(services, slack, team_id, job=JOB, now=now, week=week, send=send, row=row)
    goal = services.framework.get(goals[-1]) if outcome.posted and goals else None
    if goal is not None:
        return Outcome("posted", f"{outcome.message} (g{goal.number} {goal.title})", outcome.ts)
    return outcome
