"""Weekly prompts as the log knows them: which Slack thread belongs to which goal.

A prompt sent by DM (to a member who asked for prompts by DM) is the week's prompt too: a
reply in its thread, or a message in that DM while it is the latest prompt there and less
than ``DM_REPLY_WINDOW`` old, goes into the log under its goal, as a thread reply does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from bot.db import Database
from bot.models import DmPrompt, PostedPrompt

DM_REPLY_WINDOW = timedelta(days=7)


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
        return _ref(prompt) if prompt is not None else None


def find_dm_prompt(
    db: Database, team_id: str, channel_id: str, *, thread_ts: str | None, at: datetime
) -> PromptRef | None:
    """The prompt a message in a DM answers: the DM prompt whose thread it is in, or — for a
    message outside any thread — the latest DM prompt there, if sent within the reply window.
    The reference carries the DM's channel and ts, so the entry links to the DM prompt."""
    with db.reading() as session:
        query = (
            select(DmPrompt, PostedPrompt)
            .join(PostedPrompt, PostedPrompt.id == DmPrompt.prompt_id)
            .where(DmPrompt.team_id == team_id, DmPrompt.channel_id == channel_id)
        )
        if thread_ts is not None:
            query = query.where(DmPrompt.message_ts == thread_ts)
        else:
            query = query.where(
                DmPrompt.sent_at <= at, DmPrompt.sent_at > at - DM_REPLY_WINDOW
            ).order_by(DmPrompt.sent_at.desc())
        row = session.execute(query.limit(1)).first()
        if row is None:
            return None
        sent, prompt = row
        return PromptRef(
            prompt.id,
            prompt.goal_key,
            prompt.question,
            sent.channel_id,
            sent.message_ts,
            prompt.period,
        )


def _ref(prompt: PostedPrompt) -> PromptRef:
    return PromptRef(
        prompt.id,
        prompt.goal_key,
        prompt.question,
        prompt.channel_id,
        prompt.message_ts,
        prompt.period,
    )
