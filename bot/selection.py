"""The network's own choice of its most significant stories (Most Significant Change).

Each period (setting ``selection``: ``monthly`` by default, ``quarterly`` or ``off``) a round
shortlists up to five of the period's *shared* stories and outcomes, members vote, and a
coordinator records the story the network chose and its reasons. The rules live here; the
job that posts and closes a round is ``schedules.selection``, the words ``bot.blocks.selection``.

- **When.** A round opens on ``selection_day`` (1–28) of the month after the period it judges,
  at the prompt's time in the workspace's zone, and closes ``selection_days`` later. Monthly:
  the round opening in December judges November (period ``2026-11``); quarterly: rounds open
  in January, April, July and October and judge the quarter just ended (``2026-Q4``). A round
  not opened at its time (the bot was down) opens late, as long as it would still be open.
- **The shortlist.** A coordinator's picks first (``plan_shortlist``, before the day), then
  the period's shared stories and outcomes with a *why it matters*, then the most reacted-to,
  then the fullest and newest, up to ``SHORTLIST``. Reactions are counted from Slack's
  ``reaction_added``/``reaction_removed`` events on the messages behind entries (thread
  replies, saved messages: a story typed as a command has no message to react to), one per
  member and emoji (``react``); nothing else stored them before. Never a private entry; an
  anonymous one is shown as "a member". An entry deleted meanwhile leaves the shortlist (and
  its votes) with it; one its author made private stays off the totals and cannot be voted
  for.
- **Votes.** One per member and round (the primary key (round, member) makes two clicks at
  once one row); a click on another story moves it, a click on the same story withdraws it —
  except a second click on the same story within ``DOUBLE_CLICK`` of the first, which is the
  same click twice. Votes are secret: only totals are ever read back (``totals``).
- **Closing.** After ``closes_at`` a job posts the totals in the round's thread and asks the
  coordinators to record the choice (``record_choice``): one of the shortlist, with reasons.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import case, delete, func, select, update
from sqlalchemy.orm import Session

from bot.db import Database, insert_ignoring_duplicates
from bot.errors import (
    EmptyText,
    EntryTooLong,
    NotOnShortlist,
    RoundClosed,
    RoundNotFound,
    RoundStillOpen,
    ShortlistPosted,
)
from bot.models import (
    SELECTION_KINDS,
    Entry,
    EntryReaction,
    SelectionCandidate,
    SelectionRound,
    SelectionVote,
)
from bot.settings import WorkspaceSettings
from bot.visibility import SHARED, shared_created

SHORTLIST = 5
DOUBLE_CLICK = timedelta(seconds=2)
REASONS_LIMIT = 3000
QUARTER_MONTHS = (1, 4, 7, 10)


# -- when a round runs --------------------------------------------------------------------------


@dataclass(frozen=True)
class RoundTime:
    """A round's period (the stories it judges) and when it is open."""

    period: str  # "2026-11" or "2026-Q4"
    starts_at: datetime  # the judged period, [starts_at, ends_at)
    ends_at: datetime
    opens_at: datetime
    closes_at: datetime
    label: str  # "November 2026", "October–December 2026"

    def open_at(self, now: datetime) -> bool:
        return self.opens_at <= now < self.closes_at


def _month_start(year: int, month: int, tz: str) -> datetime:
    return datetime.combine(date(year, month, 1), time(0, 0), tzinfo=ZoneInfo(tz)).astimezone(UTC)


def _shift(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


def _round_opening_in(settings: WorkspaceSettings, year: int, month: int) -> RoundTime:
    """The round that opens in local month (year, month)."""
    tz = settings.timezone
    span = 1 if settings.selection == "monthly" else 3
    first_year, first_month = _shift(year, month, -span)
    last_year, last_month = _shift(year, month, -1)
    opens = datetime.combine(
        date(year, month, settings.selection_day),
        time.fromisoformat(settings.prompt_time),
        tzinfo=ZoneInfo(tz),
    ).astimezone(UTC)
    first = date(first_year, first_month, 1)
    if span == 1:
        period, label = f"{first_year}-{first_month:02d}", f"{first:%B %Y}"
    else:
        last = date(last_year, last_month, 1)
        period = f"{first_year}-Q{(first_month - 1) // 3 + 1}"
        label = f"{first:%B}–{last:%B %Y}"
    return RoundTime(
        period=period,
        starts_at=_month_start(first_year, first_month, tz),
        ends_at=_month_start(year, month, tz),
        opens_at=opens,
        closes_at=opens + timedelta(days=settings.selection_days),
        label=label,
    )


def _opening_months(settings: WorkspaceSettings, now: datetime) -> tuple[int, int]:
    """The latest local month at or before ``now``'s in which a round may open."""
    local = now.astimezone(ZoneInfo(settings.timezone))
    year, month = local.year, local.month
    if settings.selection == "quarterly":
        while month not in QUARTER_MONTHS:
            year, month = _shift(year, month, -1)
    return year, month


def latest_round(settings: WorkspaceSettings, now: datetime) -> RoundTime | None:
    """The latest round that opened at or before ``now`` (None when selection is off)."""
    if settings.selection == "off":
        return None
    year, month = _opening_months(settings, now)
    found = _round_opening_in(settings, year, month)
    if found.opens_at > now:
        step = 1 if settings.selection == "monthly" else 3
        found = _round_opening_in(settings, *_shift(year, month, -step))
    return found


def next_round(settings: WorkspaceSettings, now: datetime) -> RoundTime | None:
    """The first round that opens after ``now``: the one a coordinator picks stories for."""
    if settings.selection == "off":
        return None
    year, month = _opening_months(settings, now)
    found = _round_opening_in(settings, year, month)
    if found.opens_at <= now:
        step = 1 if settings.selection == "monthly" else 3
        found = _round_opening_in(settings, *_shift(year, month, step))
    return found


# -- the shortlist ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """A story on a shortlist as everybody may see it: no author when anonymous."""

    entry_id: int
    kind: str
    goal_key: str | None
    text: str
    why: str | None  # why it matters, in its teller's words
    author_id: str | None
    created_at: datetime
    permalink: str | None
    votes: int = 0
    organisation_id: int | None = None  # the author's when writing; None when anonymous
    # For the coordinator's *Ask to share* beside it (``bot.blocks.sharing.may_ask``).
    visibility: str = "network"
    share_consent: str = "none"
    share_asked: bool = False


def _candidate(entry: Entry, votes: int = 0) -> Candidate:
    return Candidate(
        entry_id=entry.id,
        kind=entry.kind,
        goal_key=entry.goal_key,
        text=entry.text,
        why=entry.why_it_matters,
        author_id=None if entry.visibility == "anonymous" else entry.user_id,
        created_at=entry.created_at,
        permalink=entry.permalink,
        votes=votes,
        organisation_id=None if entry.visibility == "anonymous" else entry.organisation_id,
        visibility=entry.visibility,
        share_consent=entry.share_consent,
        share_asked=entry.share_asked_at is not None,
    )


def _eligible(team_id: str, start: datetime, end: datetime) -> tuple:
    return (*shared_created(team_id, start, end), Entry.kind.in_(SELECTION_KINDS))


def choose_shortlist(
    session: Session,
    team_id: str,
    start: datetime,
    end: datetime,
    *,
    picked: Sequence[int] = (),
) -> list[Entry]:
    """Up to ``SHORTLIST`` of the period's shared stories and outcomes: the coordinator's
    picks (still shared, still in the log) first, then the best of the rest, by the database
    (one ``ORDER BY … LIMIT`` over the period's rows: the cost grows with the period)."""
    chosen: list[Entry] = []
    if picked:
        found = {
            e.id: e
            for e in session.scalars(
                select(Entry).where(Entry.id.in_(list(picked)), Entry.team_id == team_id)
            )
        }
        chosen = [
            found[i]
            for i in picked
            if i in found and found[i].visibility in SHARED and found[i].kind in SELECTION_KINDS
        ][:SHORTLIST]
    if len(chosen) >= SHORTLIST:
        return chosen
    has_why = case((func.length(func.coalesce(Entry.why_it_matters, "")) > 0, 1), else_=0)
    reactions = (
        select(func.count())
        .where(EntryReaction.entry_id == Entry.id)
        .correlate(Entry)
        .scalar_subquery()
    )
    order = [
        has_why.desc(),
        reactions.desc(),
        case((func.length(Entry.text) >= 400, 4), else_=func.length(Entry.text) // 100).desc(),
        Entry.id.desc(),
    ]
    statement = (
        select(Entry)
        .where(*_eligible(team_id, start, end))
        .order_by(*order)
        .limit(SHORTLIST + len(chosen))
    )
    have = {e.id for e in chosen}
    for entry in session.scalars(statement):
        if len(chosen) >= SHORTLIST:
            break
        if entry.id not in have:
            chosen.append(entry)
    return chosen


def period_stories(
    db: Database, team_id: str, start: datetime, end: datetime, *, limit: int = 100
) -> list[Candidate]:
    """The period's shared stories and outcomes, newest first: what a coordinator picks from."""
    with db.reading() as session:
        rows = session.scalars(
            select(Entry)
            .where(*_eligible(team_id, start, end))
            .order_by(Entry.created_at.desc(), Entry.id.desc())
            .limit(limit)
        )
        return [_candidate(e) for e in rows]


def plan_shortlist(
    db: Database,
    team_id: str,
    due: RoundTime,
    entry_ids: list[int],
    *,
    by_user: str,
    now: datetime,
) -> list[int]:
    """A coordinator's picks for a round not yet posted (replacing earlier picks); the ids
    kept: shared stories and outcomes of the round's period, at most ``SHORTLIST``."""
    with db.session() as session:
        insert_ignoring_duplicates(
            session,
            SelectionRound,
            {
                "team_id": team_id,
                "period": due.period,
                "starts_at": due.starts_at,
                "ends_at": due.ends_at,
                "created_at": now,
            },
        )
        found = _round(session, team_id, due.period, lock=True)
        if found.message_ts is not None:
            raise ShortlistPosted(due.period)
        wanted = list(dict.fromkeys(entry_ids))
        ok = set(
            session.scalars(
                select(Entry.id).where(
                    Entry.id.in_(wanted), *_eligible(team_id, due.starts_at, due.ends_at)
                )
            )
        )
        kept = [i for i in wanted if i in ok][:SHORTLIST]
        session.execute(delete(SelectionCandidate).where(SelectionCandidate.round_id == found.id))
        for position, entry_id in enumerate(kept, start=1):
            session.add(
                SelectionCandidate(
                    round_id=found.id, entry_id=entry_id, position=position, picked_by=by_user
                )
            )
        return kept


def planned_picks(db: Database, team_id: str, period: str) -> list[int]:
    """A coordinator's picks for a round, in their order (none when nobody picked)."""
    with db.reading() as session:
        return list(
            session.scalars(
                select(SelectionCandidate.entry_id)
                .join(SelectionRound, SelectionRound.id == SelectionCandidate.round_id)
                .where(
                    SelectionRound.team_id == team_id,
                    SelectionRound.period == period,
                    SelectionCandidate.picked_by.is_not(None),
                )
                .order_by(SelectionCandidate.position)
            )
        )


def shortlist_for(db: Database, team_id: str, due: RoundTime) -> list[Candidate]:
    """The shortlist a round opening now would post."""
    picked = planned_picks(db, team_id, due.period)
    with db.reading() as session:
        chosen = choose_shortlist(session, team_id, due.starts_at, due.ends_at, picked=picked)
        return [_candidate(e) for e in chosen]


def record_opened(
    session: Session,
    team_id: str,
    due: RoundTime,
    entry_ids: list[int],
    *,
    channel: str | None,
    ts: str,
    opened_at: datetime,
) -> None:
    """The round as posted (in the transaction that finishes its claim): its message, and its
    shortlist in the order shown. (``channel`` None: the sandbox's example round, posted
    nowhere.)"""
    insert_ignoring_duplicates(
        session,
        SelectionRound,
        {
            "team_id": team_id,
            "period": due.period,
            "starts_at": due.starts_at,
            "ends_at": due.ends_at,
            "created_at": opened_at,
        },
    )
    found = _round(session, team_id, due.period, lock=True)
    found.channel_id = channel
    found.message_ts = ts
    found.opened_at = opened_at
    found.closes_at = due.closes_at
    picks = {
        c.entry_id: c.picked_by
        for c in session.scalars(
            select(SelectionCandidate).where(SelectionCandidate.round_id == found.id)
        )
    }
    session.execute(delete(SelectionCandidate).where(SelectionCandidate.round_id == found.id))
    session.flush()
    for position, entry_id in enumerate(entry_ids, start=1):
        session.add(
            SelectionCandidate(
                round_id=found.id,
                entry_id=entry_id,
                position=position,
                picked_by=picks.get(entry_id),
            )
        )


def react(
    db: Database,
    team_id: str,
    channel: str,
    ts: str,
    user_id: str,
    reaction: str,
    *,
    added: bool,
    now: datetime,
) -> bool:
    """A member's reaction on a message, kept when the message is an entry's; True when it
    is. A retried event changes nothing (one row per member and emoji)."""
    with db.session() as session:
        entry_id = session.scalar(
            select(Entry.id).where(
                Entry.team_id == team_id, Entry.channel_id == channel, Entry.message_ts == ts
            )
        )
        if entry_id is None:
            return False
        key = {"entry_id": entry_id, "user_id": user_id, "reaction": reaction[:100]}
        if added:
            insert_ignoring_duplicates(session, EntryReaction, {**key, "reacted_at": now})
        else:
            session.execute(
                delete(EntryReaction).where(
                    *(getattr(EntryReaction, column) == value for column, value in key.items())
                )
            )
        return True


# -- voting -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Vote:
    """What a click did: ``cast``, ``moved`` (from another story) or ``withdrawn``."""

    did: str
    period: str
    entry_id: int
    position: int


def _round(session: Session, team_id: str, period: str, *, lock: bool = False) -> SelectionRound:
    statement = select(SelectionRound).where(
        SelectionRound.team_id == team_id, SelectionRound.period == period
    )
    if lock:
        statement = statement.with_for_update()
    found = session.scalar(statement)
    if found is None:
        raise RoundNotFound(period)
    return found


def _on_shortlist(session: Session, found: SelectionRound, entry_id: int) -> SelectionCandidate:
    candidate = session.get(SelectionCandidate, (found.id, entry_id))
    entry = session.get(Entry, entry_id) if candidate is not None else None
    if candidate is None or entry is None or entry.visibility not in SHARED:
        raise NotOnShortlist(entry_id, found.period)
    return candidate


def cast_vote(
    db: Database, team_id: str, period: str, user_id: str, entry_id: int, *, now: datetime
) -> Vote:
    """One click on a story's button (see the module for what a click does)."""
    with db.session() as session:
        found = _round(session, team_id, period)
        if found.message_ts is None:
            raise RoundNotFound(period)
        if found.closed_at is not None or (found.closes_at is not None and now >= found.closes_at):
            raise RoundClosed(period)
        position = _on_shortlist(session, found, entry_id).position
        values = {"round_id": found.id, "user_id": user_id, "entry_id": entry_id, "voted_at": now}
        if insert_ignoring_duplicates(session, SelectionVote, values):
            return Vote("cast", period, entry_id, position)
        mine = session.scalar(
            select(SelectionVote)
            .where(SelectionVote.round_id == found.id, SelectionVote.user_id == user_id)
            .with_for_update()
        )
        if mine is None:  # withdrawn by another click between the two statements
            insert_ignoring_duplicates(session, SelectionVote, values)
            return Vote("cast", period, entry_id, position)
        if mine.entry_id == entry_id:
            if now - mine.voted_at < DOUBLE_CLICK:
                return Vote("cast", period, entry_id, position)  # one click, sent twice
            session.delete(mine)
            return Vote("withdrawn", period, entry_id, position)
        session.execute(
            update(SelectionVote)
            .where(SelectionVote.round_id == found.id, SelectionVote.user_id == user_id)
            .values(entry_id=entry_id, voted_at=now)
        )
        return Vote("moved", period, entry_id, position)


# -- closing and choosing -----------------------------------------------------------------------


@dataclass(frozen=True)
class RoundView:
    """A round as the network sees it: its shortlist with the totals, and the choice."""

    id: int
    period: str
    starts_at: datetime
    ends_at: datetime
    channel_id: str | None
    message_ts: str | None
    closes_at: datetime | None
    closed_at: datetime | None
    candidates: list[Candidate]  # in the order shown, each with its total
    voters: int
    chosen: Candidate | None
    reasons: str | None
    chosen_by: str | None
    chosen_at: datetime | None

    @property
    def label(self) -> str:
        return period_label(self.period)


def period_label(period: str) -> str:
    """``2026-11`` → "November 2026", ``2026-Q4`` → "October–December 2026"."""
    year, _, part = period.partition("-")
    if part.startswith("Q"):
        first = (int(part[1:]) - 1) * 3 + 1
        return f"{date(int(year), first, 1):%B}–{date(int(year), first + 2, 1):%B %Y}"
    return f"{date(int(year), int(part), 1):%B %Y}"


def _view(session: Session, found: SelectionRound) -> RoundView:
    totals = dict(
        session.execute(
            select(SelectionVote.entry_id, func.count())
            .where(SelectionVote.round_id == found.id)
            .group_by(SelectionVote.entry_id)
        ).all()
    )
    rows = session.execute(
        select(Entry)
        .join(SelectionCandidate, SelectionCandidate.entry_id == Entry.id)
        .where(SelectionCandidate.round_id == found.id, Entry.visibility.in_(SHARED))
        .order_by(SelectionCandidate.position)
    ).scalars()
    candidates = [_candidate(e, totals.get(e.id, 0)) for e in rows]
    shown = {c.entry_id for c in candidates}
    chosen = None
    if found.chosen_entry_id is not None:
        entry = session.get(Entry, found.chosen_entry_id)
        if entry is not None and entry.visibility in SHARED:
            chosen = _candidate(entry, totals.get(entry.id, 0))
    return RoundView(
        id=found.id,
        period=found.period,
        starts_at=found.starts_at,
        ends_at=found.ends_at,
        channel_id=found.channel_id,
        message_ts=found.message_ts,
        closes_at=found.closes_at,
        closed_at=found.closed_at,
        candidates=candidates,
        voters=sum(n for entry_id, n in totals.items() if entry_id in shown),
        chosen=chosen,
        reasons=found.reasons,
        chosen_by=found.chosen_by,
        chosen_at=found.chosen_at,
    )


def round_view(db: Database, team_id: str, period: str) -> RoundView:
    with db.reading() as session:
        return _view(session, _round(session, team_id, period))


def rounds_to_close(db: Database, team_id: str, now: datetime) -> list[str]:
    """The periods of the workspace's posted rounds whose voting time is over, not yet closed."""
    with db.reading() as session:
        return list(
            session.scalars(
                select(SelectionRound.period)
                .where(
                    SelectionRound.team_id == team_id,
                    SelectionRound.closed_at.is_(None),
                    SelectionRound.message_ts.is_not(None),
                    SelectionRound.closes_at <= now,
                )
                .order_by(SelectionRound.closes_at)
            )
        )


def record_closed(
    session: Session, team_id: str, period: str, *, results_ts: str, closed_at: datetime
) -> None:
    found = _round(session, team_id, period, lock=True)
    found.closed_at = closed_at
    found.results_ts = results_ts


def record_choice(
    db: Database,
    team_id: str,
    period: str,
    entry_id: int,
    reasons: str,
    *,
    by_user: str,
    now: datetime,
) -> RoundView:
    """The network's choice and its reasons, kept with the round (a later record replaces
    it: a coordinator may correct it)."""
    words = (reasons or "").strip()
    if not words:
        raise EmptyText(text=reasons)
    if len(words) > REASONS_LIMIT:
        raise EntryTooLong(len(words), REASONS_LIMIT, text=reasons)
    with db.session() as session:
        found = _round(session, team_id, period, lock=True)
        if found.message_ts is None:
            raise RoundNotFound(period)
        if found.closed_at is None:
            raise RoundStillOpen(period)
        _on_shortlist(session, found, entry_id)
        found.chosen_entry_id = entry_id
        found.reasons = words
        found.chosen_by = by_user
        found.chosen_at = now
        session.flush()
        return _view(session, found)


def chosen_rounds(db: Database, team_id: str, start: datetime, end: datetime) -> list[RoundView]:
    """The rounds whose period ends within [start, end] and whose choice was recorded, oldest
    first: the report's *Most significant change*."""
    with db.reading() as session:
        rounds = session.scalars(
            select(SelectionRound)
            .where(
                SelectionRound.team_id == team_id,
                SelectionRound.ends_at > start,
                SelectionRound.ends_at <= end,
                SelectionRound.chosen_entry_id.is_not(None),
            )
            .order_by(SelectionRound.ends_at)
        )
        return [v for v in (_view(session, r) for r in rounds) if v.chosen is not None]
