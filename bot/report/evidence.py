"""The report's evidence: what a board or a funder asks beyond the counts — the stories the
network chose, the outcomes it saw and how it knows, whose voices it holds, whether actions
were followed through, and how all of it was gathered (the method and its limits).

Counted by ``figures.build_report``'s statements, for the same period (``EvidenceCounts``:
the report's period is read once, for the figures and the evidence alike), and worded here,
with the same privacy rules:

- only shared entries are quoted or counted per organisation; a private entry is counted once,
  as a number of the period's entries left out (*Method*), and never read;
- an anonymous entry is quoted as "a member" and never counts for an organisation, a sector or
  a place (in a small organisation that would name the person);
- with ``min_group`` a figure drawn from fewer members than that is hidden (``None``):
  an organisation's, a sector's, a place's, a week's; *Method* says how many were hidden.

Cost: nothing more of the period is read here: a few dozen quoted entries by id, and the
organisations table whole (a network has dozens, not millions). So the cost grows with the
period, not the history (``bench/report.py``).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db import Database
from bot.models import Entry, Organisation
from bot.report.figures import EvidenceCounts, ImpactReport, ReportPeriod
from bot.selection import RoundView, chosen_rounds
from bot.visibility import SHARED


@dataclass(frozen=True)
class Quote:
    """An entry quoted in the report: no author nor organisation when anonymous."""

    id: int
    kind: str
    goal_key: str | None
    text: str
    why: str | None
    author_id: str | None
    organisation: str | None
    created_at: datetime
    permalink: str | None
    who_changed: str | None = None
    how_we_know: str | None = None


@dataclass(frozen=True)
class Chosen:
    """A round's choice: the story, its votes, and why the network chose it."""

    label: str  # "November 2026"
    story: Quote
    votes: int
    voters: int
    shortlisted: int
    reasons: str


@dataclass
class Outcomes:
    total: int = 0
    per_goal: dict[str | None, int] = field(default_factory=dict)
    quoted: dict[str | None, list[Quote]] = field(default_factory=dict)
    who_changed: Counter = field(default_factory=Counter)  # key → outcomes (None: not said)
    how_we_know: Counter = field(default_factory=Counter)


@dataclass(frozen=True)
class Voice:
    """An organisation, sector or place: how many members and entries (None when hidden)."""

    name: str
    members: int | None
    entries: int | None
    organisations: int = 1  # for a sector or a place
    sector: str | None = None
    place: str | None = None


@dataclass
class Voices:
    organisations: list[Voice] = field(default_factory=list)
    sectors: list[Voice] = field(default_factory=list)
    places: list[Voice] = field(default_factory=list)
    went_silent: list[str] = field(default_factory=list)  # shared before, not in the period
    not_heard: list[str] = field(default_factory=list)  # known, shared in neither
    members_without_organisation: int | None = 0
    organisations_per_bucket: list[int | None] = field(default_factory=list)
    hidden: int = 0  # figures hidden by min_group


@dataclass(frozen=True)
class FollowThrough:
    """The period's shared actions: committed → done (by the period's end) → reflected."""

    committed: int
    done: int
    reflected: int
    dropped: int
    median_days_to_done: float | None


@dataclass(frozen=True)
class Method:
    by_source: dict[str, int]  # every entry of the period, private ones included
    logged_for_members: int
    total: int
    shared: int
    anonymous: int
    private: int
    outcomes_with_figures: int
    outcomes_told: int
    min_group: int
    hidden: int  # figures the threshold hid in the whole report

    @property
    def self_reported_share(self) -> float | None:
        """The share of shared entries that are their tellers' own accounts: all but the
        outcomes backed by figures or by what others told."""
        if not self.shared:
            return None
        return (self.shared - self.outcomes_with_figures - self.outcomes_told) / self.shared


@dataclass
class Evidence:
    chosen: list[Chosen]
    outcomes: Outcomes
    voices: Voices
    follow_through: FollowThrough
    method: Method


def build_evidence(db: Database, report: ImpactReport) -> Evidence:
    """The evidence for ``report``'s workspace and period, under its ``min_group``."""
    team_id, period, min_group = report.team_id, report.period, report.min_group
    hidden_elsewhere = hidden_in_report(report)
    # Counted with the figures, by the statement that read the period's entries.
    counted = report.counted
    if counted is None:
        raise ValueError("the evidence is counted by build_report: pass the report it made")
    with db.reading() as session:
        names = _organisations(session, team_id)
        outcomes = _outcomes(session, team_id, counted, names)
    voices = _voices(period, counted, names, min_group)
    follow = _follow_through(counted)
    method = _method(counted, min_group, voices.hidden + hidden_elsewhere)
    chosen = [_chosen(view, names) for view in chosen_rounds(db, team_id, period.start, period.end)]
    return Evidence(chosen, outcomes, voices, follow, method)


def hidden_in_report(report: ImpactReport) -> int:
    """Figures the rest of the report hid by ``min_group`` (goal figures and chart cells)."""
    hidden = 0
    for goal in report.goals:
        figures = (goal.entries, goal.members, goal.actions_committed, goal.actions_completed)
        hidden += sum(f.hidden for f in figures)
        hidden += sum(1 for cell in goal.weekly if cell is None)
    return hidden


def _organisations(session: Session, team_id: str) -> dict[int, Organisation]:
    rows = session.scalars(select(Organisation).where(Organisation.team_id == team_id))
    return {o.id: o for o in rows}


def _quote(entry: Entry, names: dict[int, Organisation]) -> Quote:
    anonymous = entry.visibility == "anonymous"
    organisation = names.get(entry.organisation_id) if entry.organisation_id else None
    return Quote(
        id=entry.id,
        kind=entry.kind,
        goal_key=entry.goal_key,
        text=entry.text,
        why=entry.why_it_matters,
        author_id=None if anonymous else entry.user_id,
        organisation=None if anonymous or organisation is None else organisation.name,
        created_at=entry.created_at,
        permalink=entry.permalink,
        who_changed=entry.who_changed,
        how_we_know=entry.how_we_know,
    )


def _chosen(view: RoundView, names: dict[int, Organisation]) -> Chosen:
    chosen = view.chosen
    assert chosen is not None
    found = names.get(chosen.organisation_id) if chosen.organisation_id else None
    organisation = found.name if found is not None else None
    story = Quote(
        id=chosen.entry_id,
        kind=chosen.kind,
        goal_key=chosen.goal_key,
        text=chosen.text,
        why=chosen.why,
        author_id=chosen.author_id,
        organisation=organisation,
        created_at=chosen.created_at,
        permalink=chosen.permalink,
    )
    return Chosen(
        view.label, story, chosen.votes, view.voters, len(view.candidates), view.reasons or ""
    )


# -- outcomes ---------------------------------------------------------------------------------


def _outcomes(
    session: Session, team_id: str, counted: EvidenceCounts, names: dict[int, Organisation]
) -> Outcomes:
    found = Outcomes()
    for (goal, who, how), n in counted.outcomes.items():
        found.total += n
        found.per_goal[goal] = found.per_goal.get(goal, 0) + n
        found.who_changed[who] += n
        found.how_we_know[how] += n
    if not found.total:
        return found
    # The best few per goal (ranked by the database), read in full.
    ids = counted.outcome_ids
    entries = session.scalars(select(Entry).where(Entry.id.in_(ids)))
    by_id = {e.id: e for e in entries if e.team_id == team_id}
    for entry_id in ids:
        if entry_id in by_id:
            entry = by_id[entry_id]
            found.quoted.setdefault(entry.goal_key, []).append(_quote(entry, names))
    return found


# -- voices -----------------------------------------------------------------------------------


def _voices(
    period: ReportPeriod,
    counted: EvidenceCounts,
    names: dict[int, Organisation],
    min_group: int,
) -> Voices:
    found = Voices()

    def hide(members: int) -> bool:
        return min_group > 0 and members < min_group

    # Named entries only: an anonymous one never counts for an organisation.
    members: dict[int | None, set[str]] = defaultdict(set)
    entries: Counter = Counter()
    for organisation_id, user_id, n in counted.voices:
        members[organisation_id].add(user_id)
        entries[organisation_id] += n
    without = members.pop(None, set())
    entries.pop(None, None)
    found.members_without_organisation = None if without and hide(len(without)) else len(without)
    found.hidden += int(found.members_without_organisation is None)
    sectors: dict[str, tuple[set[int], set[str], int]] = {}
    places: dict[str, tuple[set[int], set[str], int]] = {}
    for organisation_id, people in sorted(
        members.items(), key=lambda item: (-len(item[1]), _name(names, item[0]))
    ):
        organisation = names.get(organisation_id)
        hidden = hide(len(people))
        found.hidden += 2 * hidden
        found.organisations.append(
            Voice(
                _name(names, organisation_id),
                None if hidden else len(people),
                None if hidden else entries[organisation_id],
                sector=organisation.sector if organisation else None,
                place=organisation.place if organisation else None,
            )
        )
        for key, into in (
            ((organisation.sector if organisation else None) or "not given", sectors),
            ((organisation.place if organisation else None) or "not given", places),
        ):
            orgs, people_of, count = into.get(key, (set(), set(), 0))
            into[key] = (
                orgs | {organisation_id},
                people_of | people,
                count + entries[organisation_id],
            )
    for into, out in ((sectors, found.sectors), (places, found.places)):
        for key, (orgs, people, count) in sorted(into.items(), key=lambda i: -len(i[1][1])):
            hidden = hide(len(people))
            found.hidden += 2 * hidden
            out.append(
                Voice(key, None if hidden else len(people), None if hidden else count, len(orgs))
            )
    for index in range(len(period.buckets)):
        people_count, organisations = counted.bucket_voices.get(index, (0, 0))
        hidden = bool(people_count) and hide(people_count)
        found.hidden += hidden
        found.organisations_per_bucket.append(None if hidden else organisations)
    # Gone silent: shared (named) in the period of the same length before, not in this one.
    for organisation_id, organisation in sorted(names.items(), key=lambda i: i[1].name.lower()):
        if organisation_id in members:
            continue
        if organisation_id in counted.spoke_before:
            found.went_silent.append(organisation.name)
        else:
            found.not_heard.append(organisation.name)
    return found


def _name(names: dict[int, Organisation], organisation_id: int | None) -> str:
    found = names.get(organisation_id) if organisation_id is not None else None
    return found.name if found else "an organisation since removed"


# -- actions followed through -------------------------------------------------------------------


def _follow_through(counted: EvidenceCounts) -> FollowThrough:
    """Shared actions committed in the period; done and reflected by its end."""
    return FollowThrough(
        committed=counted.committed,
        done=counted.done,
        reflected=counted.reflected,
        dropped=counted.dropped,
        median_days_to_done=counted.median_days_to_done,
    )


# -- method -------------------------------------------------------------------------------------


def _method(counted: EvidenceCounts, min_group: int, hidden: int) -> Method:
    """How the period's entries were gathered: every entry counted once, private ones as a
    number only."""
    by_source: Counter = Counter()
    by_visibility: Counter = Counter()
    logged_for = figures = told = 0
    for (source, visibility, by_coordinator, kind, how), n in counted.gathered.items():
        by_source[source] += n
        by_visibility[visibility] += n
        if visibility in SHARED:
            logged_for += n if by_coordinator else 0
            figures += n if kind == "outcome" and how == "figures" else 0
            told += n if kind == "outcome" and how == "told" else 0
    return Method(
        by_source=dict(by_source),
        logged_for_members=logged_for,
        total=sum(by_visibility.values()),
        shared=by_visibility["network"] + by_visibility["anonymous"],
        anonymous=by_visibility["anonymous"],
        private=by_visibility["private"],
        outcomes_with_figures=figures,
        outcomes_told=told,
        min_group=min_group,
        hidden=hidden,
    )
