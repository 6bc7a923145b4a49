"""Running one scheduled job now, by hand: ``kindness-bot post …`` and the sandbox's clock panel.

Both go through the jobs' public functions with an explicit ``now``, so a job run by hand is
claimed exactly like one the scheduler wakes: a second run for the same week posts nothing and
says so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from time import monotonic, sleep

from bot.services import Services
from bot.slack.port import SlackPort
from schedules.digest import post_weekly_digest
from schedules.nudges import send_nudges
from schedules.pairs import run_pairs
from schedules.prompt import post_weekly_prompt
from schedules.selection import run_selection

JOBS = ("prompt", "digest", "nudges", "selection", "pairs")
# Outcomes of a weekly post that are not a failure: it went out, had gone out or is going out
# from another process, or the workspace is paused.
_FINE = ("posted", "already", "in_progress", "paused")
# A selection run that found nothing to do, or no story to shortlist, did its job too.
_SELECTION_FINE = (*_FINE, "skipped", "nothing")


@dataclass(frozen=True)
class JobRun:
    """What running a job by hand did, in one line for a person."""

    job: str
    message: str
    ok: bool


def run_job_now(
    job: str,
    services: Services,
    slack: SlackPort,
    team_id: str,
    now: datetime,
    *,
    wait_for_others: float = 0.0,
    waiting: Callable[[str], None] | None = None,
) -> JobRun:
    """Run ``job`` as if it were ``now``. A weekly post another process is making at this very
    moment is waited for, up to ``wait_for_others`` seconds (``waiting`` is told once), so that
    the answer is what became of it — "posted already", usually."""
    if job == "nudges":
        return JobRun(job, send_nudges(services, slack, team_id, now).describe(), True)
    if job == "selection":
        outcomes = run_selection(services, slack, team_id, now=now)
        return JobRun(
            job,
            "; ".join(o.message for o in outcomes),
            all(o.status in _SELECTION_FINE for o in outcomes),
        )
    if job == "pairs":
        outcome = run_pairs(services, slack, team_id, now=now)
        reminded = f"; {outcome.reminded} pairs reminded" if outcome.reminded else ""
        return JobRun(job, outcome.message + reminded, outcome.ok)
    if job not in JOBS:
        raise ValueError(f"unknown job {job!r}; one of {', '.join(JOBS)}")
    post = post_weekly_prompt if job == "prompt" else post_weekly_digest
    outcome = post(services, slack, team_id, now=now)
    if outcome.status == "in_progress" and wait_for_others > 0:
        if waiting is not None:
            waiting(outcome.message)
        deadline = monotonic() + wait_for_others
        while outcome.status == "in_progress" and monotonic() < deadline:
            sleep(0.2)
            outcome = post(services, slack, team_id, now=now)
    return JobRun(job, outcome.message, outcome.status in _FINE)
