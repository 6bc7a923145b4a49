"""Peer pairs at scale: matching a large network, and opening every pair's group DM at Slack's
pace, each once — even when the sending process is killed halfway.

1. **matching**: ``--members`` opted-in members (default 2,000) across ``--organisations``
   (default 200) with ``--history`` earlier rounds (default 20): the pure matching
   (``bot.pairing.match_pairs``) and a whole round as the job makes it (history read from
   SQLite, matched, the round and its pairs stored). The bar: at most one second.
2. **openings**: a round of ``--pairs`` pairs (default 1,000) opened by ``schedules.pairs``
   against the Slack stand-in in a process of its own, chat.postMessage limited to ``--rate``
   a second across the workspace (default 50). The floor is pairs / rate (20 s); the bar is
   1.1× the floor.
3. **killed halfway**: the same, the sending process SIGKILLed once half the openings are out,
   the claims' lease run out, and a second process run: every pair must have exactly one
   opening in its group DM (*lost*: pairs with none; *twice*: pairs with more than one).

Run::

    .venv/bin/python bench/pairs.py
    .venv/bin/python bench/pairs.py --pairs 200        # a quick smoke run

Figures vary with the machine's load; compare the ratios within one run.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path

import _common as common
from sqlalchemy import update

from bot.config import Config, load_config
from bot.db import Database, database_now, insert_ignoring_duplicates
from bot.models import JobClaim, Member, Pair, PairRound, Workspace
from bot.pairing import match_pairs
from bot.services import Services
from bot.slack.client import WebApiSlack, make_client
from bot.weeks import Week
from sandbox import SlackStandIn
from schedules.claims import DEFAULT_LEASE
from schedules.pairs import run_pairs

TEAM = "T0PAIRS"
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
ROUND_MONDAY = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)  # begins a round every 2 weeks


def member_id(number: int) -> str:
    return f"UP{number:06d}"


# -- 1. matching -------------------------------------------------------------------------------


def history_of(members: dict[str, int | None], rounds: int) -> list[tuple[tuple[str, ...], ...]]:
    """Earlier rounds as the matcher itself would have made them."""
    made: list[tuple[tuple[str, ...], ...]] = []
    for number in range(rounds):
        made.append(match_pairs(members, made, seed=f"history/{number}").groups)
    return made


def store_history(db: Database, members: dict[str, int | None], made: list) -> None:
    with db.session() as session:
        insert_ignoring_duplicates(
            session,
            Workspace,
            {
                "team_id": TEAM,
                "timezone": "UTC",
                "pairs_every_weeks": 2,
                "created_at": ROUND_MONDAY,
                "updated_at": ROUND_MONDAY,
            },
        )
        session.add_all(
            Member(team_id=TEAM, user_id=user, pairs_enabled=True, created_at=ROUND_MONDAY)
            for user in members
        )
        for number, groups in enumerate(made):
            started = ROUND_MONDAY - timedelta(weeks=2 * (len(made) - number))
            held = PairRound(
                team_id=TEAM,
                period=f"H{number:03d}",
                goal_key="purpose",
                question="?",
                available=len(members),
                started_at=started,
                remind_at=started,
                ends_at=started,
            )
            session.add(held)
            session.flush()
            session.add_all(
                Pair(team_id=TEAM, round_id=held.id, user_ids=" ".join(g)) for g in groups
            )


def bench_matching(members_count: int, organisations: int, rounds: int, workdir: Path) -> list:
    members: dict[str, int | None] = {member_id(n): n % organisations for n in range(members_count)}
    made = history_of(members, rounds)
    timings = []
    for seed in range(5):
        started = time.perf_counter()
        # The history as rounds of groups: reading who met whom is part of the matching.
        matching = match_pairs(members, made, seed=f"bench/{seed}")
        timings.append(time.perf_counter() - started)
    met = {frozenset(p) for groups in made for g in groups for p in _twos(g)}
    repeats = sum(1 for g in matching.groups for p in _twos(g) if frozenset(p) in met)
    same = sum(1 for g in matching.groups if len({members[u] for u in g}) < len(g))

    db_url = f"sqlite:///{workdir / 'matching.db'}"
    db = Database(db_url)
    db.upgrade()
    store_history(db, members, made)
    services = Services(config_for("http://127.0.0.1:9/api/", db_url), db)
    week = Week(ROUND_MONDAY.date(), "UTC")
    started = time.perf_counter()
    with db.session() as session:
        services.pairs.make_round(
            session,
            TEAM,
            week,
            every_weeks=2,
            goal_key="purpose",
            question="What will you try?",
            now=ROUND_MONDAY,
        )
    whole = time.perf_counter() - started
    db.dispose()
    best = min(timings)
    return [
        [
            f"match {members_count:,} members, {organisations} organisations, {rounds} rounds",
            f"{best:.3f}",
            f"{best:.2f}× the 1 s bar",
            f"{repeats} repeats, {same} within an organisation",
        ],
        [
            "the whole round (history read, matched, stored; SQLite)",
            f"{whole:.3f}",
            f"{whole:.2f}× the 1 s bar",
            "",
        ],
    ]


def _twos(group: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(a, b) for a in group for b in group if a < b]


# -- 2 and 3. openings -------------------------------------------------------------------------


def serve_standin(control: Connection, members: int) -> None:
    """The Slack stand-in, driven through ``control``: its own process, as Slack would be."""
    standin = SlackStandIn(team_id=TEAM).start()
    for number in range(members):
        standin.add_user(member_id(number), name=f"member{number}", tz="Europe/London")
    control.send(standin.api_url)
    while True:
        command, *args = control.recv()
        if command == "limit":
            standin.rate_limit("chat.postMessage", args[0])
        elif command == "sent":
            control.send(sum(1 for c in standin.calls_to("chat.postMessage") if c.ok))
            continue
        elif command == "counts":
            counts = []
            for users in args[0]:
                channel = standin.group_dm_with(*users)
                messages = standin.messages_in(channel) if channel else []
                counts.append(len(messages))
            control.send(counts)
            continue
        elif command == "stop":
            standin.stop()
            control.send("stopped")
            return
        control.send("ok")


class StandIn:
    def __init__(self, members: int) -> None:
        context = multiprocessing.get_context("spawn")
        self.control, theirs = context.Pipe()
        self.process = context.Process(target=serve_standin, args=(theirs, members), daemon=True)
        self.process.start()
        self.api_url: str = self.control.recv()

    def ask(self, *command: object) -> object:
        self.control.send(command)
        return self.control.recv()

    def stop(self) -> None:
        self.ask("stop")
        self.process.join(timeout=10)


def config_for(api_url: str, db_url: str) -> Config:
    return load_config(
        {
            "SLACK_BOT_TOKEN": "xoxb-standin-token",
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": api_url,
            "DATABASE_URL": db_url,
        },
        require_slack=True,
    )


def build_network(db_url: str, members: int) -> None:
    db = Database(db_url)
    db.upgrade()
    with db.session() as session:
        insert_ignoring_duplicates(
            session,
            Workspace,
            {
                "team_id": TEAM,
                "timezone": "UTC",
                "pairs_every_weeks": 2,
                "created_at": ROUND_MONDAY,
                "updated_at": ROUND_MONDAY,
            },
        )
        session.add_all(
            Member(team_id=TEAM, user_id=member_id(n), pairs_enabled=True, created_at=ROUND_MONDAY)
            for n in range(members)
        )
    db.dispose()


def open_round(api_url: str, db_url: str) -> None:
    """The pairs job, as a scheduler process runs it."""
    db = Database(db_url)
    services = Services(config_for(api_url, db_url), db, clock=lambda: ROUND_MONDAY)
    outcome = run_pairs(services, WebApiSlack(make_client(services.config)), TEAM, now=ROUND_MONDAY)
    if not outcome.ok:
        print(f"    ({outcome.message})", file=sys.stderr)
    db.dispose()


def killed_and_run_again(api_url: str, db_url: str, standin: StandIn, pairs: int) -> None:
    context = multiprocessing.get_context("spawn")
    child = context.Process(target=open_round, args=(api_url, db_url))
    child.start()
    while child.is_alive() and int(standin.ask("sent")) < pairs // 2:  # type: ignore[arg-type]
        time.sleep(0.05)
    if child.is_alive() and child.pid is not None:
        os.kill(child.pid, signal.SIGKILL)
    child.join()
    # The claims' lease runs on the database's clock: let it run out at once.
    db = Database(db_url)
    with db.session() as session:
        session.execute(
            update(JobClaim)
            .where(JobClaim.status == "claimed")
            .values(claimed_at=database_now(session) - DEFAULT_LEASE - timedelta(minutes=1))
        )
    db.dispose()
    open_round(api_url, db_url)


@dataclass
class Opened:
    seconds: float
    lost: int
    twice: int


def bench_openings(pairs: int, rate: float, workdir: Path, *, kill: bool) -> Opened:
    members = pairs * 2
    standin = StandIn(members)
    db_path = workdir / f"openings-{time.monotonic_ns()}.db"
    db_url = f"sqlite:///{db_path}"
    try:
        build_network(db_url, members)
        standin.ask("limit", rate)
        started = time.perf_counter()
        if kill:
            killed_and_run_again(standin.api_url, db_url, standin, pairs)
        else:
            open_round(standin.api_url, db_url)
        seconds = time.perf_counter() - started
        db = Database(db_url)
        with db.reading() as session:
            groups = [p.members for p in session.query(Pair).all()]
        db.dispose()
        counts = standin.ask("counts", groups)
    finally:
        standin.stop()
    assert isinstance(counts, list) and len(counts) == pairs
    return Opened(seconds, sum(1 for c in counts if c == 0), sum(1 for c in counts if c > 1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=2000, help="members to match")
    parser.add_argument("--organisations", type=int, default=200)
    parser.add_argument("--history", type=int, default=20, help="earlier rounds")
    parser.add_argument("--pairs", type=int, default=1000, help="pairs whose DMs are opened")
    parser.add_argument("--rate", type=float, default=50.0, help="chat.postMessage per second")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="kindness-pairs-"))
    floor = args.pairs / args.rate
    try:
        print("matching …", file=sys.stderr)
        rows = bench_matching(args.members, args.organisations, args.history, workdir)
        common.print_table(["run", "seconds", "against", "quality"], rows, title="Matching")
        print(f"opening {args.pairs} pairs' group DMs …", file=sys.stderr)
        opened = bench_openings(args.pairs, args.rate, workdir, kill=False)
        print("again, killed halfway …", file=sys.stderr)
        killed = bench_openings(args.pairs, args.rate, workdir, kill=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    common.print_table(
        ["run", "seconds", "against", "lost", "twice"],
        [
            [
                f"open {args.pairs} pairs, limit {args.rate:g}/s",
                f"{opened.seconds:.1f}",
                f"{opened.seconds / floor:.2f}× the floor",
                str(opened.lost),
                str(opened.twice),
            ],
            [
                "killed halfway + run again",
                f"{killed.seconds:.1f}",
                f"{killed.seconds / floor:.2f}× the floor",
                str(killed.lost),
                str(killed.twice),
            ],
        ],
        title=f"{args.pairs} openings (floor at {args.rate:g}/s: {floor:.1f} s)",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
