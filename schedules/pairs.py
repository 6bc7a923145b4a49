"""Peer pairs' rounds: made once, opened in group DMs at Slack's pace, reminded once halfway.

``run_pairs`` is the job (the scheduler wakes it every half hour; ``kindness-bot post pairs``
and the sandbox's clock run it once). For a workspace that holds rounds (``pairs_every_weeks``
above 0) and is not paused:

1. **The round, once.** In a round's week, once its day and time have come, the round is
   claimed (``schedules.claims``: job ``pairs``, period the week's key) and made — the members
   matched (``bot.pairing``) and the round and its pairs stored in the transaction that
   finishes the claim. Any number of schedulers, restarts and reruns make it once; a process
   that dies holding the claim made nothing, and the claim is taken over after its lease.
   The round's goal is the week's prompt's, or the goal the prompt rotation comes to next
   when the prompt is not out yet; its question the goal's next from its bank.
2. **One group DM per pair, once.** Each pair's opening goes through the DM fan-out
   (``schedules.fanout``: Slack's rate limits and ``Retry-After``, a claim per pair, message
   metadata to find a message sent by a run that died before recording it), so a crash
   halfway sends no pair twice and leaves none out: the next run opens the rest.
3. **Halfway, one reminder** in the pair's DM if neither member answered — not for a pair with
   a member who turned pairs off or left the workspace since, and not at night in the
   workspace's time zone.

A round with nobody available sends nothing; with one member, that member is told kindly that
there is nobody to pair them with this time. Either way the job's outcome says why, for the
coordinator running it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.blocks import pairs as words
from bot.goals import Goal
from bot.models import PairRound, PostedPrompt
from bot.pairs import OpenPair, is_round_week, next_round_on
from bot.services import Services
from bot.settings import WorkspaceSettings
from bot.slack.port import SlackError, SlackPort
from bot.weeks import Week, local_date, local_date_before, week_of
from schedules import claims
from schedules.fanout import Delivery, Dm, FanOut, FanOutReport
from schedules.rotation import choose_prompt
from schedules.timing import in_quiet_hours, occurrence_in_week

JOB = "pairs"  # the round's claim
OPEN_JOB = "pair_open"  # a pair's group DM: period "<week>:<pair id>"
ALONE_JOB = "pair_alone"  # the one member of a round of one: period "<week>"
REMIND_JOB = "pair_remind"  # halfway: period "<week>:<pair id>"


@dataclass(frozen=True)
class PairsOutcome:
    """What a run did, in words for an operator or a coordinator."""

    # opened | already | in_progress | off | paused | not_yet | too_few | failed
    status: str
    message: str
    reminded: int = 0

    @property
    def ok(self) -> bool:
        return self.status != "failed"


def run_pairs(
    services: Services,
    slack: SlackPort,
    team_id: str,
    *,
    now: datetime,
    week: Week | None = None,
    on_time: bool = False,
    owner: str | None = None,
    concurrency: int | None = None,
) -> PairsOutcome:
    """Make and open the round of ``week`` (the week of ``now`` by default) if it is a round's
    week, then send the reminders due at ``now``. ``on_time``: only once the round's day and
    time have come (the scheduler's run; one by hand opens the round at once)."""
    settings = services.settings.get(team_id)
    every = settings.pairs_every_weeks
    if every <= 0:
        return PairsOutcome(
            "off", f"peer pairs are off for {team_id} (a coordinator sets pairs_every_weeks)"
        )
    if services.settings.is_paused(settings, now):
        return PairsOutcome("paused", f"{team_id} is paused until {settings.paused_until}")
    owner = owner or claims.process_owner()
    fanout = _fanout(services, slack, team_id, now, owner, concurrency)
    reminded = send_pair_reminders(services, slack, team_id, now=now, fanout=fanout)
    week = week or week_of(now, settings.timezone)
    starts = occurrence_in_week(week, settings.pairs_day, settings.prompt_time)
    if not is_round_week(week, every) or (on_time and now < starts):
        day = next_round_day(settings, local_date(now, settings.timezone)) or week.monday
        return PairsOutcome(
            "not_yet",
            f"no round of peer pairs in {week.key} yet for {team_id}; the next begins on "
            f"{day:%a} {day.day} {day:%b %Y}",
            reminded,
        )
    made = _round(services, team_id, week, every=every, now=now, owner=owner)
    if isinstance(made, PairsOutcome):
        return PairsOutcome(made.status, made.message, reminded)
    goal = services.framework.get(made.goal_key)
    if goal is None:  # the framework changed since the round was made
        return PairsOutcome("failed", f"the {week.key} round's goal {made.goal_key} is gone")
    if made.available < 2:
        return PairsOutcome("too_few", _too_few(services, team_id, made, goal, fanout), reminded)
    report = _open(services, team_id, made, goal, fanout)
    return PairsOutcome(
        "failed" if report.failed[OPEN_JOB] else "opened",
        _describe(team_id, made, report),
        reminded,
    )


def _fanout(
    services: Services,
    slack: SlackPort,
    team_id: str,
    now: datetime,
    owner: str,
    concurrency: int | None,
) -> FanOut:
    pairs = services.pairs

    def opened(session: Session, sent: list[tuple[Dm, Delivery]]) -> None:
        pairs.record_opened(session, [(dm.about, d.channel, d.ts) for dm, d in sent], now)

    def reminded(session: Session, sent: list[tuple[Dm, Delivery]]) -> None:
        pairs.record_reminded(session, [dm.about for dm, _ in sent], now)

    return FanOut(
        services.db,
        slack,
        team_id,
        owner=owner,
        recorders={OPEN_JOB: opened, REMIND_JOB: reminded},
        **({"concurrency": concurrency} if concurrency else {}),
    )


def _round(
    services: Services, team_id: str, week: Week, *, every: int, now: datetime, owner: str
) -> PairRound | PairsOutcome:
    """The week's round: made now (claimed first) or as made before."""
    found = services.pairs.round_of(team_id, week.key)
    if found is not None:
        return found
    held = claims.claim(services.db, team_id, JOB, week.key, owner=owner)
    if held.in_flight:
        return PairsOutcome(
            "in_progress", f"the {week.key} round of peer pairs is being made by {held.holder}"
        )
    if held.won:
        goal, question = _goal_and_question(services, team_id, week)
        with services.db.session() as session:
            _, matching = services.pairs.make_round(
                session,
                team_id,
                week,
                every_weeks=every,
                goal_key=goal.key,
                question=question,
                now=now,
            )
            if not claims.finish(
                session, team_id, JOB, week.key, owner=owner, detail=f"{len(matching.groups)}"
            ):
                session.rollback()
                return PairsOutcome("in_progress", f"the {week.key} round was taken over")
    found = services.pairs.round_of(team_id, week.key)
    if found is None:
        return PairsOutcome("failed", f"the {week.key} round of peer pairs could not be read")
    return found


def _goal_and_question(services: Services, team_id: str, week: Week) -> tuple[Goal, str]:
    """The week's prompt's goal, or the one the rotation comes to next; the goal's next
    question for pairs."""
    framework = services.framework
    with services.db.reading() as session:
        prompt = session.execute(
            select(PostedPrompt.goal_key, PostedPrompt.question).where(
                PostedPrompt.team_id == team_id, PostedPrompt.period == week.key
            )
        ).first()
    goal = framework.get(prompt.goal_key) if prompt is not None else None
    asked = prompt.question if prompt is not None else ""
    if goal is None:
        choice = choose_prompt(services.db, framework, team_id)
        goal, asked = choice.goal, choice.question
    return goal, services.pairs.question_for(team_id, goal.key, goal.questions, asked)


def _open(
    services: Services, team_id: str, made: PairRound, goal: Goal, fanout: FanOut
) -> FanOutReport:
    unopened = services.pairs.unopened(team_id, made.id)
    people = services.pairs.introductions(team_id, [u for p in unopened for u in p.members])
    ends_on = local_date_before(made.ends_at, services.settings.get(team_id).timezone)

    def opening(pair: OpenPair) -> Dm:
        message = words.opening_message(
            pair.id, [people[u] for u in pair.members], goal, made.question, ends_on=ends_on
        )
        return Dm(
            OPEN_JOB,
            f"{made.period}:{pair.id}",
            pair.members[0],
            message,
            about=pair.id,
            group=pair.members,
        )

    # Each opening is worded as the fan-out claims it, while the first ones are being sent.
    dms = _Built(unopened, opening)
    return fanout.send(dms)


def next_round_day(settings: WorkspaceSettings, after: date) -> date | None:
    return next_round_on(settings.pairs_every_weeks, settings.pairs_day, after, settings.timezone)


class _Built(Sequence[Dm]):
    """``make(item)`` for each of ``items``, made when it is reached."""

    def __init__(self, items: list[OpenPair], make: Callable[[OpenPair], Dm]) -> None:
        self.items = items
        self.make = make

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int) -> Dm:  # type: ignore[override]
        return self.make(self.items[index])

    def __iter__(self) -> Iterator[Dm]:
        return (self.make(item) for item in self.items)


def _too_few(services: Services, team_id: str, made: PairRound, goal: Goal, fanout: FanOut) -> str:
    settings = services.settings.get(team_id)
    day = next_round_day(settings, local_date(made.ends_at, settings.timezone))
    if made.alone_user_id is None:
        return (
            f"the {made.period} round of peer pairs has nobody to pair: no member of {team_id} "
            "has said yes (/kindness pairs on), or all who did are away; nothing sent"
        )
    report = fanout.send(
        [
            Dm(
                ALONE_JOB,
                made.period,
                made.alone_user_id,
                words.alone_message(goal, day),
            )
        ]
    )
    told = "they were told kindly" if report.sent[ALONE_JOB] else "telling them failed"
    if report.already[ALONE_JOB]:
        told = "they were told already"
    return (
        f"the {made.period} round of peer pairs has only one member available "
        f"({made.alone_user_id}); nobody to pair them with, so no group DM was opened; {told}"
    )


def send_pair_reminders(
    services: Services,
    slack: SlackPort,
    team_id: str,
    *,
    now: datetime,
    fanout: FanOut,
) -> int:
    """Halfway through a round, one gentle reminder in each pair's DM where neither answered;
    none where a member turned pairs off (``due_reminders``) or left the workspace. Never in
    the workspace's quiet hours (a group DM has no one time zone): the next run by day sends
    it."""
    tz = services.settings.get(team_id).timezone
    if in_quiet_hours(now, tz):
        return 0
    due = services.pairs.due_reminders(team_id, now)
    if not due:
        return 0
    gone = _left_the_workspace(slack, {u for pair in due for u in pair.members})
    due = [pair for pair in due if not gone & set(pair.members)]
    dms = []
    for pair in due:
        goal = services.framework.get(pair.goal_key)
        held = services.pairs.round_of(team_id, pair.period)
        if goal is None or held is None or pair.channel_id is None:
            continue
        ends_on = local_date_before(held.ends_at, tz)
        dms.append(
            Dm(
                REMIND_JOB,
                f"{pair.period}:{pair.id}",
                pair.members[0],
                words.reminder_message(pair.id, goal, ends_on),
                about=pair.id,
                channel=pair.channel_id,
            )
        )
    return fanout.send(dms).sent[REMIND_JOB]


def _left_the_workspace(slack: SlackPort, users: set[str]) -> set[str]:
    """Which of ``users`` have left (deactivated, or unknown to Slack now). When Slack cannot
    say, nobody is taken to have left: a reminder too many beats chasing no one."""
    try:
        known = {person.user_id: person.deleted for person in slack.people()}
    except SlackError:
        return set()
    return {user for user in users if known.get(user, True)}


def _describe(team_id: str, made: PairRound, report: FanOutReport) -> str:
    sent = report.sent[OPEN_JOB]
    parts = [
        f"the {made.period} round of peer pairs for {team_id}: {made.available} members available"
    ]
    parts.append(f"{sent} group DMs opened" if sent else "no group DM opened by this run")
    if report.already[OPEN_JOB]:
        parts.append(f"{report.already[OPEN_JOB]} opened already")
    if report.undeliverable[OPEN_JOB]:
        parts.append(f"{report.undeliverable[OPEN_JOB]} could not be opened (a member left)")
    if report.failed[OPEN_JOB]:
        parts.append(f"{report.failed[OPEN_JOB]} failed and will be tried again")
    return "; ".join(parts)
