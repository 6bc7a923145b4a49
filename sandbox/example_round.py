"""A closed selection round among the sandbox's example entries, so that the sandbox's impact
report shows *Most significant change* from the start: a shortlist of the example stories,
the members' votes, and the coordinator's recorded choice and reasons.

Stored through the selection's own rules (``bot.selection``) for the month before the sandbox's
now, its window stretched over the four weeks the examples span (they may straddle two
months). Added once: a second press finds the round there.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from bot.db import insert_ignoring_duplicates
from bot.models import SELECTION_KINDS, Entry, SelectionRound, SelectionVote
from bot.selection import RoundTime, period_label, record_choice, record_closed, record_opened
from bot.services import Services
from bot.visibility import SHARED

REASONS = (
    "Members said it showed the whole cycle: a family was heard, the service changed, and "
    "the letter now says so for everyone. It is the change we most want to spread."
)


def add_example_round(services: Services, team_id: str, now: datetime, voters: list[str]) -> bool:
    """The closed round with its choice; False when it is there already or nothing to choose."""
    first_of_month = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    month = first_of_month - timedelta(days=1)
    period = f"{month.year}-{month.month:02d}"
    due = RoundTime(
        period=period,
        starts_at=now - timedelta(days=29),
        ends_at=now - timedelta(hours=12),
        opens_at=now - timedelta(hours=12),
        closes_at=now - timedelta(hours=1),
        label=period_label(period),
    )
    with services.db.reading() as session:
        if session.scalar(
            select(SelectionRound.id).where(
                SelectionRound.team_id == team_id, SelectionRound.period == period
            )
        ):
            return False
        stories = list(
            session.scalars(
                select(Entry.id)
                .where(
                    Entry.team_id == team_id,
                    Entry.visibility.in_(SHARED),
                    Entry.kind.in_(SELECTION_KINDS),
                    Entry.created_at >= due.starts_at,
                    Entry.created_at < due.ends_at,
                )
                .order_by(Entry.id)
                .limit(5)
            )
        )
    if not stories:
        return False
    with services.db.session() as session:
        record_opened(
            session, team_id, due, stories, channel=None, ts="example", opened_at=due.opens_at
        )
        found = session.scalar(
            select(SelectionRound).where(
                SelectionRound.team_id == team_id, SelectionRound.period == period
            )
        )
        for number, voter in enumerate(voters):
            insert_ignoring_duplicates(
                session,
                SelectionVote,
                {
                    "round_id": found.id,
                    "user_id": voter,
                    "entry_id": stories[0 if number < 2 else -1],
                    "voted_at": due.opens_at + timedelta(hours=number + 1),
                },
            )
        record_closed(session, team_id, period, results_ts="example", closed_at=due.closes_at)
    record_choice(
        services.db, team_id, period, stories[0], REASONS, by_user=voters[0], now=due.closes_at
    )
    return True
