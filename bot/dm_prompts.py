"""The weekly prompt by DM, for members who asked for it (``/kindness prompts dm``).

The channel prompt is the week's prompt: its goal and question are chosen once, when it is
posted. A member who takes prompts by DM gets that same prompt in their DM, once per week,
at the first run of the DM job after it was posted that is not in their quiet hours nor while
they are away — including the week they switched to DM, so nobody waits a week for their
first. Nothing is sent while the workspace is paused (no prompt is posted then) and nothing
for a week whose prompt was never posted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from bot.db import Database, insert_many_ignoring_duplicates
from bot.models import DmPrompt, Member, PostedPrompt
from bot.weeks import week_of

JOB = "dm_prompt"


@dataclass(frozen=True)
class DuePrompt:
    user_id: str
    prompt_id: int
    period: str  # the prompt's week, e.g. 2026-W48
    goal_key: str
    question: str

    @property
    def claim_period(self) -> str:
        return f"{self.period}:{self.user_id}"


def anyone_takes_prompts_by_dm(db: Database, team_id: str) -> bool:
    with db.reading() as session:
        found = session.scalar(
            select(Member.id)
            .where(Member.team_id == team_id, Member.prompts_by_dm.is_(True))
            .limit(1)
        )
    return found is not None


def due_dm_prompts(db: Database, team_id: str, now: datetime, tz: str) -> list[DuePrompt]:
    """This week's prompt, for each member who wants it by DM and has not had it."""
    period = week_of(now, tz).key
    with db.reading() as session:
        prompt = session.scalar(
            select(PostedPrompt).where(
                PostedPrompt.team_id == team_id, PostedPrompt.period == period
            )
        )
        if prompt is None:
            return []
        users = session.scalars(
            select(Member.user_id)
            .where(
                Member.team_id == team_id,
                Member.prompts_by_dm.is_(True),
                ~exists().where(
                    DmPrompt.team_id == team_id,
                    DmPrompt.user_id == Member.user_id,
                    DmPrompt.prompt_id == prompt.id,
                ),
            )
            .order_by(Member.user_id)
        ).all()
        return [
            DuePrompt(user_id, prompt.id, period, prompt.goal_key, prompt.question)
            for user_id in users
        ]


def record_dm_prompts(
    session: Session, team_id: str, sent: list[tuple[DuePrompt, str, str]], *, now: datetime
) -> None:
    """Keep where each DM prompt lives — (prompt, DM channel, ts) — so that replies to it are
    matched to its goal."""
    insert_many_ignoring_duplicates(
        session,
        DmPrompt,
        [
            {
                "team_id": team_id,
                "user_id": due.user_id,
                "prompt_id": due.prompt_id,
                "channel_id": channel,
                "message_ts": ts,
                "sent_at": now,
            }
            for due, channel, ts in sent
        ],
    )
