"""Peer pairs: support and challenge between meetings, across organisations.

The rules, decided here so that every way in (the slash command, App Home, the buttons, the
round's job) agrees; who meets whom is ``bot.pairing``'s pure function.

- **Opt in.** Nobody is paired without saying yes (``/kindness pairs on``, or App Home's
  switch); a member who is away (``/kindness away``) on the round's day is left out of it.
- **Rounds.** A workspace holds a round every ``pairs_every_weeks`` weeks (0, the default, is
  no pairs), counted from Monday 1 January 2024, so that every process and every rerun agrees
  on which weeks hold one. A round is keyed by its first week (``2026-W49``) and lasts until
  the next round's week begins; its reminder is due halfway.
- **A round is made once.** ``make_round`` stores the round and its pairs in the caller's
  transaction — the one that finishes the round's claim (``schedules.claims``), so a round
  either exists whole, with its claim done, or not at all.
- **Answers.** *We met* and *Couldn't this time* come only from a member of that pair, and only
  while its round is the workspace's latest and has not ended; a later click changes the
  answer. After *We met*, each member of the pair may log *What will you try?* — an action under
  the round's goal, source ``pair``, followed up like any other.
- **Introductions** show a member's name, organisation and the latest entry they shared with
  the network under their name — never a private or anonymous one.
- **Figures** count rounds, pairs, the share that met and actions from pairs; never who met
  whom.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from bot.db import Database
from bot.errors import NotInPair, PairNotFound, RoundOver
from bot.members import is_away
from bot.models import Entry, Member, Pair, PairRound, Workspace
from bot.organisations import organisation_names
from bot.pairing import History, Matching, match_pairs
from bot.weeks import Clock, Week, usable_zone

ANCHOR = date(2024, 1, 1)  # a Monday: the weeks of rounds are counted from it
HISTORY_ROUNDS = 52  # earlier rounds the matching looks back on
MET = "met"
MISSED = "missed"
LAST_SHARED_CHARS = 280


def is_round_week(week: Week, every_weeks: int) -> bool:
    """Whether ``week`` begins a round, for a round every ``every_weeks`` weeks (0: never)."""
    return every_weeks > 0 and ((week.monday - ANCHOR).days // 7) % every_weeks == 0


def next_round_week(week: Week, every_weeks: int) -> Week | None:
    """The first week from ``week`` on that begins a round; None when pairs are off."""
    if every_weeks <= 0:
        return None
    offset = ((week.monday - ANCHOR).days // 7) % every_weeks
    return week if offset == 0 else week.shifted(every_weeks - offset)


def next_round_on(every_weeks: int, pairs_day: int, today: date, tz: str) -> date | None:
    """The local date the next round begins on, today included; None when pairs are off."""
    week = Week(today - timedelta(days=today.weekday()), tz)
    upcoming = next_round_week(week, every_weeks)
    if upcoming is None:
        return None
    if upcoming.monday + timedelta(days=pairs_day) < today:
        upcoming = next_round_week(upcoming.shifted(1), every_weeks) or upcoming
    return upcoming.monday + timedelta(days=pairs_day)


@dataclass(frozen=True)
class Introduction:
    """One member as their pair meets them."""

    user_id: str
    name: str | None
    organisation: str | None
    last_shared: str | None  # their latest entry shared with the network under their name


@dataclass(frozen=True)
class OpenPair:
    """A pair whose group DM is still to be opened (or whose reminder is due)."""

    id: int
    round_id: int
    period: str
    members: tuple[str, ...]
    goal_key: str
    question: str
    channel_id: str | None = None


@dataclass(frozen=True)
class Answered:
    """A click on *We met* or *Couldn't this time*, as stored."""

    pair_id: int
    members: tuple[str, ...]
    outcome: str
    goal_key: str
    by: str


@dataclass(frozen=True)
class PairFigures:
    """What a coordinator sees of the pairs over a period: never who met whom."""

    rounds: int
    pairs: int
    met: int
    actions: int

    @property
    def met_share(self) -> float | None:
        return self.met / self.pairs if self.pairs else None


class PeerPairs:
    def __init__(self, db: Database, *, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    # -- making a round ------------------------------------------------------------------------

    def available(self, session: Session, team_id: str, now: datetime) -> dict[str, int | None]:
        """Members who said yes and are not away: user id → organisation id (or None)."""
        workspace_tz = session.scalar(
            select(Workspace.timezone).where(Workspace.team_id == team_id)
        )
        rows = session.execute(
            select(Member.user_id, Member.tz, Member.away_until, Member.organisation_id).where(
                Member.team_id == team_id, Member.pairs_enabled.is_(True)
            )
        ).all()
        return {
            row.user_id: row.organisation_id
            for row in rows
            if not is_away(row.away_until, usable_zone(row.tz, workspace_tz or "UTC"), now)
        }

    def history(self, session: Session, team_id: str) -> History:
        """The groups of the workspace's latest rounds, oldest first."""
        rounds = session.scalars(
            select(PairRound.id)
            .where(PairRound.team_id == team_id)
            .order_by(PairRound.started_at.desc(), PairRound.id.desc())
            .limit(HISTORY_ROUNDS)
        ).all()
        groups: dict[int, list[tuple[str, ...]]] = {round_id: [] for round_id in rounds}
        # Core rows, not the ORM's: tens of thousands of pairs are read in milliseconds.
        for round_id, user_ids in session.connection().execute(
            select(Pair.round_id, Pair.user_ids).where(Pair.round_id.in_(rounds))
        ):
            groups[round_id].append(tuple(user_ids.split()))
        return History(tuple(tuple(groups[round_id]) for round_id in reversed(rounds)))

    def make_round(
        self,
        session: Session,
        team_id: str,
        week: Week,
        *,
        every_weeks: int,
        goal_key: str,
        question: str,
        now: datetime,
    ) -> tuple[PairRound, Matching]:
        """Match the available members and store the round with its pairs in ``session``."""
        members = self.available(session, team_id, now)
        matching = match_pairs(
            members, self.history(session, team_id), seed=f"{team_id}/{week.key}"
        )
        ends_at = week.shifted(every_weeks).start
        row = PairRound(
            team_id=team_id,
            period=week.key,
            goal_key=goal_key,
            question=question,
            available=len(members),
            alone_user_id=matching.alone,
            started_at=now,
            remind_at=now + (max(ends_at, now) - now) / 2,
            ends_at=ends_at,
        )
        session.add(row)
        session.flush()
        if matching.groups:
            # One multi-row INSERT: a round of a thousand pairs costs milliseconds, not the
            # ORM's unit of work per pair.
            session.execute(
                insert(Pair),
                [
                    {"team_id": team_id, "round_id": row.id, "user_ids": " ".join(group)}
                    for group in matching.groups
                ],
            )
        return row, matching

    def question_for(self, team_id: str, goal_key: str, bank: Sequence[str], avoid: str) -> str:
        """The goal's next question for pairs: its bank in order, round after round (the
        week's prompt question skipped when the bank has another)."""
        with self.db.reading() as session:
            asked = session.scalar(
                select(func.count())
                .select_from(PairRound)
                .where(PairRound.team_id == team_id, PairRound.goal_key == goal_key)
            )
        choices = [q for q in bank if q != avoid] or list(bank)
        return choices[(asked or 0) % len(choices)]

    def round_of(self, team_id: str, period: str) -> PairRound | None:
        with self.db.reading() as session:
            found = session.scalar(
                select(PairRound).where(PairRound.team_id == team_id, PairRound.period == period)
            )
            if found is not None:
                session.expunge(found)
            return found

    def unopened(self, team_id: str, round_id: int) -> list[OpenPair]:
        """The round's pairs whose group DM has not been opened yet."""
        return self._pairs(team_id, Pair.round_id == round_id, Pair.opened_at.is_(None))

    def record_opened(
        self, session: Session, opened: Iterable[tuple[int, str | None, str | None]], now: datetime
    ) -> None:
        """Keep each pair's group DM and opening message: (pair id, channel, ts)."""
        for pair_id, channel, ts in opened:
            session.execute(
                update(Pair)
                .where(Pair.id == pair_id)
                .values(channel_id=channel, message_ts=ts, opened_at=now)
            )

    # -- the reminder halfway ------------------------------------------------------------------

    def due_reminders(self, team_id: str, now: datetime) -> list[OpenPair]:
        """Pairs of a running round, halfway through, that neither answered nor were reminded,
        all of whose members still take part (one who turned pairs off is not chased)."""
        found = self._pairs(
            team_id,
            PairRound.remind_at <= now,
            PairRound.ends_at > now,
            Pair.opened_at.is_not(None),
            Pair.channel_id.is_not(None),
            Pair.outcome.is_(None),
            Pair.reminded_at.is_(None),
        )
        if not found:
            return []
        with self.db.reading() as session:
            taking_part = set(
                session.scalars(
                    select(Member.user_id).where(
                        Member.team_id == team_id, Member.pairs_enabled.is_(True)
                    )
                )
            )
        return [pair for pair in found if set(pair.members) <= taking_part]

    def record_reminded(self, session: Session, pair_ids: Iterable[int], now: datetime) -> None:
        ids = list(pair_ids)
        if ids:
            session.execute(update(Pair).where(Pair.id.in_(ids)).values(reminded_at=now))

    # -- the buttons ---------------------------------------------------------------------------

    def answer(self, team_id: str, pair_id: int, user_id: str, outcome: str) -> Answered:
        """*We met* (``MET``) or *Couldn't this time* (``MISSED``), from a member of the pair
        while its round runs; ``NotInPair``, ``RoundOver`` or ``PairNotFound`` otherwise."""
        now = self.clock()
        with self.db.session() as session:
            pair, held = self._checked(session, team_id, pair_id, user_id, now)
            session.execute(
                update(Pair)
                .where(Pair.id == pair.id)
                .values(outcome=outcome, answered_by=user_id, answered_at=now)
            )
            return Answered(pair.id, pair.members, outcome, held.goal_key, user_id)

    def goal_for_action(self, team_id: str, pair_id: int, user_id: str) -> str:
        """The goal a pair member's *What will you try?* is logged under (checked as a click)."""
        with self.db.reading() as session:
            _, held = self._checked(session, team_id, pair_id, user_id, self.clock())
            return held.goal_key

    def _checked(
        self, session: Session, team_id: str, pair_id: int, user_id: str, now: datetime
    ) -> tuple[Pair, PairRound]:
        found = session.execute(
            select(Pair, PairRound)
            .join(PairRound, PairRound.id == Pair.round_id)
            .where(Pair.team_id == team_id, Pair.id == pair_id)
        ).one_or_none()
        if found is None:
            raise PairNotFound(pair_id)
        pair, held = found
        if user_id not in pair.members:
            raise NotInPair(pair_id)
        latest = session.scalar(
            select(PairRound.id)
            .where(PairRound.team_id == team_id)
            .order_by(PairRound.started_at.desc(), PairRound.id.desc())
            .limit(1)
        )
        if latest != held.id or now >= held.ends_at:
            raise RoundOver(held.period)
        return pair, held

    # -- introductions and figures -------------------------------------------------------------

    def introductions(self, team_id: str, members: Sequence[str]) -> dict[str, Introduction]:
        """Each member as their pair meets them (a few queries however many members)."""
        wanted = sorted(set(members))
        with self.db.reading() as session:
            names: dict[str, str | None] = {}
            latest: dict[str, int] = {}
            for chunk in _chunks(wanted):
                names.update(
                    session.execute(
                        select(Member.user_id, Member.display_name).where(
                            Member.team_id == team_id, Member.user_id.in_(chunk)
                        )
                    ).all()
                )
                latest.update(
                    session.execute(
                        select(Entry.user_id, func.max(Entry.id))
                        .where(
                            Entry.team_id == team_id,
                            Entry.user_id.in_(chunk),
                            Entry.visibility == "network",
                            Entry.logged_by.is_(None),
                        )
                        .group_by(Entry.user_id)
                    ).all()
                )
            texts: dict[int, str] = {}
            for chunk in _chunks(sorted(latest.values())):
                texts.update(
                    session.execute(select(Entry.id, Entry.text).where(Entry.id.in_(chunk))).all()
                )
            organisations = _organisation_names(session, team_id, wanted)
        return {
            user_id: Introduction(
                user_id,
                names.get(user_id),
                organisations.get(user_id),
                texts.get(latest[user_id]) if user_id in latest else None,
            )
            for user_id in wanted
        }

    def figures(
        self, team_id: str, since: datetime, until: datetime, *, actions: int | None = None
    ) -> PairFigures:
        """Rounds started in [since, until), their pairs, how many met, and the entries logged
        from pairs in that time (``actions``, when the caller has counted them already: the
        report counts them with the rest of its period)."""
        with self.db.reading() as session:
            in_range = (
                PairRound.team_id == team_id,
                PairRound.started_at >= since,
                PairRound.started_at < until,
            )
            rounds = session.scalar(select(func.count()).select_from(PairRound).where(*in_range))
            pairs, met = session.execute(
                select(func.count(Pair.id), func.count(Pair.id).filter(Pair.outcome == MET))
                .join(PairRound, PairRound.id == Pair.round_id)
                .where(*in_range)
            ).one()
            if actions is None:
                actions = session.scalar(
                    select(func.count())
                    .select_from(Entry)
                    .where(
                        Entry.team_id == team_id,
                        Entry.source == "pair",
                        Entry.created_at >= since,
                        Entry.created_at < until,
                    )
                )
        return PairFigures(rounds or 0, pairs or 0, met or 0, actions or 0)

    def _pairs(self, team_id: str, *where: object) -> list[OpenPair]:
        with self.db.reading() as session:
            rows = session.execute(
                select(
                    Pair.id,
                    PairRound.id,
                    PairRound.period,
                    Pair.user_ids,
                    PairRound.goal_key,
                    PairRound.question,
                    Pair.channel_id,
                )
                .join(PairRound, PairRound.id == Pair.round_id)
                .where(Pair.team_id == team_id, *where)  # type: ignore[arg-type]
                .order_by(Pair.id)
            ).all()
        return [
            OpenPair(pair_id, round_id, period, tuple(users.split()), goal, question, channel)
            for pair_id, round_id, period, users, goal, question, channel in rows
        ]


def _chunks(items: Sequence, size: int = 500) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _organisation_names(session: Session, team_id: str, members: Sequence[str]) -> dict[str, str]:
    """Each member's organisation's name, for those who gave one."""
    names = organisation_names(session, team_id)
    found: dict[str, str] = {}
    for chunk in _chunks(members):
        for user_id, org in session.execute(
            select(Member.user_id, Member.organisation_id).where(
                Member.team_id == team_id, Member.user_id.in_(chunk)
            )
        ):
            if org is not None and org in names:
                found[user_id] = names[org]
    return found
