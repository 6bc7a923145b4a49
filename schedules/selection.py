"""The selection round: its shortlist posted once per workspace and period, and closed once.

Opening (job ``selection``, period ``2026-11``) goes through ``schedules.posting.post_once``
like the weekly prompt: claimed before it is posted, recorded (the round and its shortlist)
with the claim's finish. The shortlist is chosen after the claim, so two schedulers never
shortlist differently, and travels in the post's metadata so that a run that finds the post
after a crash records the same one. A period with no shared story or outcome is claimed too
and posts nothing: the coordinator who set the channel is told once, by DM.

Closing (job ``selection_close``, same period) posts the totals in the round's thread once,
then asks the coordinators by DM to record the network's choice. (A totals post whose process
died before recording it is not found again: a thread reply is not in the channel's history.
The retry then posts the totals a second time; they are the same totals.)

The scheduler wakes ``run_selection`` every half hour with the nudges: it opens the round
when it is due (late, if the bot was down, as long as voting would still be open) and closes
those whose voting time is over.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime

from sqlalchemy.orm import Session

from bot.blocks import selection as words
from bot.selection import (
    RoundTime,
    RoundView,
    latest_round,
    next_round,
    record_closed,
    record_opened,
    round_view,
    rounds_to_close,
    shortlist_for,
)
from bot.services import Services
from bot.settings import WorkspaceSettings
from bot.slack.port import SlackError, SlackPort
from schedules import claims
from schedules.posting import Outcome, Post, Sent, post_once

log = logging.getLogger(__name__)

JOB = "selection"
CLOSE_JOB = "selection_close"


def run_selection(
    services: Services, slack: SlackPort, team_id: str, *, now: datetime
) -> list[Outcome]:
    """Open the round that is due, then close those whose voting is over."""
    return [
        open_selection_round(services, slack, team_id, now=now),
        *close_selection_rounds(services, slack, team_id, now=now),
    ]


def open_selection_round(
    services: Services, slack: SlackPort, team_id: str, *, now: datetime
) -> Outcome:
    settings = services.settings.get(team_id)
    if settings.selection == "off":
        return Outcome("skipped", f"selection rounds are off for {team_id}")
    if services.settings.is_paused(settings, now):
        return Outcome(
            "paused", f"{team_id} is paused until {settings.paused_until}; no selection round"
        )
    due = latest_round(settings, now)
    if due is None or not due.open_at(now):
        coming = next_round(settings, now)
        when = f"; the next opens {coming.opens_at:%Y-%m-%d %H:%M} UTC" if coming else ""
        return Outcome("skipped", f"no selection round is open now for {team_id}{when}")
    what = f"the {due.period} selection round"
    if not shortlist_for(services.db, team_id, due):
        return _nothing_to_choose(services, slack, settings, due, what)

    def send(post: Post) -> str:
        # Chosen again after the claim: what is posted is what this process shortlisted.
        candidates = shortlist_for(services.db, team_id, due)
        message = words.round_message(due, candidates, services.framework)
        return post(message, {"entries": ",".join(str(c.entry_id) for c in candidates)})

    def record(session: Session, sent: Sent) -> None:
        ids = [int(i) for i in sent.about.get("entries", "").split(",") if i]
        record_opened(
            session, team_id, due, ids, channel=sent.channel, ts=sent.ts, opened_at=sent.posted_at
        )

    return post_once(
        settings=settings,
        slack=slack,
        db=services.db,
        job=JOB,
        period=due.period,
        what=what,
        send=send,
        record=record,
        about={"at": now.isoformat()},
        since=due.opens_at,
    )


def _nothing_to_choose(
    services: Services,
    slack: SlackPort,
    settings: WorkspaceSettings,
    due: RoundTime,
    what: str,
) -> Outcome:
    """No shared story in the period: nothing is posted; the coordinator is told, once."""
    owner = claims.process_owner()
    held = claims.claim(services.db, settings.team_id, JOB, due.period, owner=owner)
    if not held.won:
        return Outcome("already", f"{what} was settled already; nothing posted")
    for coordinator in _coordinators(settings):
        try:
            slack.dm(coordinator, words.nothing_to_choose_message(due))
        except SlackError as exc:
            log.warning("%s: could not tell %s (%s)", settings.team_id, coordinator, exc.error)
    with services.db.session() as session:
        claims.finish(
            session, settings.team_id, JOB, due.period, owner=owner, detail="no shared story"
        )
    return Outcome(
        "nothing",
        f"{what} not posted: no story or outcome was shared in {due.label}",
    )


def close_selection_rounds(
    services: Services, slack: SlackPort, team_id: str, *, now: datetime
) -> list[Outcome]:
    settings = services.settings.get(team_id)
    outcomes = []
    for period in rounds_to_close(services.db, team_id, now):
        view = round_view(services.db, team_id, period)
        what = f"the totals of the {period} selection round"

        def send(post: Post, view: RoundView = view) -> str:
            return post({**words.totals_message(view), "thread_ts": view.message_ts}, {})

        def record(session: Session, sent: Sent, period: str = period) -> None:
            record_closed(session, team_id, period, results_ts=sent.ts, closed_at=sent.posted_at)

        outcome = post_once(
            settings=replace(settings, channel_id=view.channel_id),
            slack=slack,
            db=services.db,
            job=CLOSE_JOB,
            period=period,
            what=what,
            send=send,
            record=record,
            about={"at": now.isoformat()},
            since=view.closes_at or now,
        )
        if outcome.posted:
            _ask_for_the_choice(slack, settings, round_view(services.db, team_id, period))
        outcomes.append(outcome)
    return outcomes


def _coordinators(settings: WorkspaceSettings) -> list[str]:
    """Who is asked: the coordinator who last saved the settings, and those named in them."""
    named = [settings.configured_by, *settings.coordinators]
    return list(dict.fromkeys(u for u in named if u))


def _ask_for_the_choice(slack: SlackPort, settings: WorkspaceSettings, view: RoundView) -> None:
    asked = _coordinators(settings)
    if not asked:
        log.warning(
            "%s: the %s round closed, but no coordinator is known to record the choice "
            "(one saves /kindness settings to become it)",
            settings.team_id,
            view.period,
        )
    message = words.record_request_message(view, view.label)
    for coordinator in asked:
        try:
            slack.dm(coordinator, message)
        except SlackError as exc:
            log.warning("%s: could not ask %s (%s)", settings.team_id, coordinator, exc.error)
