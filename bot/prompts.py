"""Weekly prompts as the log knows them: which Slack thread belongs to which goal."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from bot.db import Database
from bot.models import PostedPrompt


@dataclass(frozen=True)
class PromptRef:
    id: int
    goal_key: str
    question: str
    channel_id: str
    message_ts: str
    period: str


def find_prompt(db: Database, team_id: str, channel_id: str, message_ts: str) -> PromptRef | None:
    """The prompt posted as message ``message_ts`` in ``channel_id``, if the bot posted one."""
    with db.reading() as session:
        prompt = session.scalar(
            select(PostedPrompt).where(
                PostedPrompt.team_id == team_id,
                PostedPrompt.channel_id == channel_id,
                PostedPrompt.message_ts == message_ts,
            )
        )
        if prompt is None:
            return None
        return PromptRef(
            prompt.id,
            prompt.goal_key,
            prompt.question,
            prompt.channel_id,
            prompt.message_ts,
            prompt.period,
        )
