"""The weekly prompt: this week's goal and question, posted once to the network's channel."""

from __future__ import annotations

from datetime import datetime

from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.blocks import rhythm
from bot.models import PostedPrompt
from bot.services import Services
from bot.weeks import Week, week_of
from schedules.posting import Outcome, post_once, post_to_channel
from schedules.rotation import PromptChoice, choose_prompt

JOB = "prompt"


def post_weekly_prompt(
    services: Services, client: WebClient, team_id: str, *, now: datetime, week: Week | None = None
) -> Outcome:
    """Post the prompt of ``week`` (the week of ``now`` by default) unless it was posted."""
    settings = services.settings.get(team_id)
    if services.settings.is_paused(settings, now):
        return Outcome("paused", f"{team_id} is paused until {settings.paused_until}; no prompt")
    week = week or week_of(now, settings.timezone)
    chosen: list[PromptChoice] = []

    def send(channel: str) -> str:
        # Chosen after the claim, so two schedulers can never pick for the same week.
        choice = choose_prompt(services.db, services.framework, team_id)
        chosen.append(choice)
        return post_to_channel(client, channel, rhythm.prompt_message(choice.goal, choice.question))

    def record(session: Session, channel: str, ts: str) -> None:
        session.add(
            PostedPrompt(
                team_id=team_id,
                period=week.key,
                goal_key=chosen[0].goal.key,
                question=chosen[0].question,
                channel_id=channel,
                message_ts=ts,
                posted_at=now,
            )
        )
        session.flush()  # a duplicate period fails here, inside post_once's transaction

    outcome = post_once(
        settings=settings,
        client=client,
        db=services.db,
        job=JOB,
        period=week.key,
        what=f"the {week.key} prompt",
        send=send,
        record=record,
    )
    if outcome.posted:
        goal = chosen[0].goal
        return Outcome("posted", f"{outcome.message} (g{goal.number} {goal.title})", outcome.ts)
    return outcome
