"""Many DMs at once: 1,000 follow-ups against a Slack that limits or delays every call.

Measures "fan-out at Slack's pace": the nudges job (``schedules.nudges.send_nudges``, which
hands its DMs to ``schedules.fanout``) sending one follow-up to each of ``--members`` members
(default 1,000), each with an action that is due, against the Slack stand-in running in a
process of its own on 127.0.0.1:

1. **rate limit**: chat.postMessage limited to ``--rate`` a second (default 50) across the
   workspace, answers as fast as the machine gives them. The floor is members / rate (20 s).
2. **latency**: every Web API call answered ``--latency`` ms late (default 50), no limit.
3. **crash**: the limit of (1), the sending process SIGKILLed once half the DMs are out, and
   a second process run after the claims' lease: every member must have exactly one DM.

Each scenario is also run with the one-at-a-time sender the bot used before (``users.info``
then ``chat.postMessage`` per member, slack_sdk's own 429 handler), side by side in the same
run, unless ``--no-baseline``. Every run counts, per member, the DMs carrying the run's
metadata in the member's DM: *lost* = members with none, *twice* = members with more than one.

Run::

    .venv/bin/python bench/fanout.py
    .venv/bin/python bench/fanout.py --members 200 --no-baseline     # a quick smoke run

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
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path

import _common as common
from sqlalchemy import select, update

from bot.config import Config, load_config
from bot.db import Database, database_now, insert_ignoring_duplicates
from bot.models import Entry, JobClaim, Workspace
from bot.services import Services
from bot.slack.client import WebApiSlack, make_client
from sandbox import SlackStandIn
from schedules.claims import DEFAULT_LEASE
from schedules.fanout import DM_EVENT
from schedules.nudges import send_nudges

TEAM = "T0FANOUT"
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
COMMITTED = datetime(2026, 11, 18, 14, 0, tzinfo=UTC)
DUE = COMMITTED + timedelta(days=7)  # 14:00 UTC: daytime for every member (Europe/London)


# -- the stand-in in its own process ---------------------------------------------------------------


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
        elif command == "latency":
            standin.latency(args[0])
        elif command == "counts":
            control.send(dm_counts(standin, members))
            continue
        elif command == "sent":
            control.send(sum(1 for c in standin.calls_to("chat.postMessage") if c.ok))
            continue
        elif command == "stop":
            standin.stop()
            control.send("stopped")
            return
        control.send("ok")


def dm_counts(standin: SlackStandIn, members: int) -> list[int]:
    """For each member, the DMs in their conversation with the bot."""
    counts = []
    for number in range(members):
        messages = standin.messages_in(standin.dm_with(member_id(number)))
        counts.append(sum(1 for m in messages if m.get("thread_ts") is None))
    return counts


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


def member_id(number: int) -> str:
    return f"UF{number:06d}"


# -- the workspace ---------------------------------------------------------------------------------


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


def build_workspace(db_url: str, members: int) -> None:
    """One open action per member, committed a week before ``DUE``."""
    db = Database(db_url)
    db.upgrade()
    with db.session() as session:
        insert_ignoring_duplicates(
            session,
            Workspace,
            {"team_id": TEAM, "timezone": "UTC", "created_at": COMMITTED, "updated_at": COMMITTED},
        )
        for number in range(members):
            session.add(
                Entry(
                    team_id=TEAM,
                    user_id=member_id(number),
                    kind="action",
                    goal_key="relationships",
                    text=f"Ask the team what would help, week {number % 7}",
                    visibility="network",
                    source="slash",
                    action_status="open",
                    follow_up_at=DUE,
                    created_at=COMMITTED,
                    updated_at=COMMITTED,
                )
            )
    db.dispose()


def run_fanout(api_url: str, db_url: str, now: datetime) -> None:
    """The nudges job, as a scheduler process runs it."""
    config = config_for(api_url, db_url)
    db = Database(db_url)
    report = send_nudges(
        Services(config, db, clock=lambda: now), WebApiSlack(make_client(config)), TEAM, now
    )
    if report.failed:
        print(f"    ({report.failed} failed)", file=sys.stderr)
    db.dispose()


def run_one_by_one(api_url: str, db_url: str, now: datetime) -> None:
    """The sender the bot had before: users.info, then chat.postMessage, one member at a time,
    with slack_sdk's handlers sleeping through each 429 (``Retry-After`` plus up to a second)."""
    config = config_for(api_url, db_url)
    client = make_client(config)
    db = Database(db_url)
    with db.reading() as session:
        users = list(session.scalars(select(Entry.user_id).order_by(Entry.id)))
    for user in users:
        client.users_info(user=user)
        client.chat_postMessage(
            channel=user,
            text="How is it going with your action?",
            metadata={"event_type": DM_EVENT, "event_payload": {"key": user}},
        )
    db.dispose()


# -- the scenarios ---------------------------------------------------------------------------------


@dataclass
class Outcome:
    seconds: float
    lost: int
    twice: int


def scenario(
    members: int,
    setup: Callable[[StandIn], None],
    send: Callable[[str, str], None],
    *,
    workdir: Path,
) -> Outcome:
    standin = StandIn(members)
    db_path = workdir / f"fanout-{time.monotonic_ns()}.db"
    db_url = f"sqlite:///{db_path}"
    try:
        build_workspace(db_url, members)
        setup(standin)
        started = time.perf_counter()
        send(standin.api_url, db_url)
        seconds = time.perf_counter() - started
        counts = standin.ask("counts")
    finally:
        standin.stop()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    assert isinstance(counts, list)
    return Outcome(seconds, sum(1 for c in counts if c == 0), sum(1 for c in counts if c > 1))


def crash_and_resume(api_url: str, db_url: str, standin: StandIn, members: int) -> None:
    """Kill the sending process once half the DMs are out; run another after the lease."""
    context = multiprocessing.get_context("spawn")
    child = context.Process(target=run_fanout, args=(api_url, db_url, DUE))
    child.start()
    while child.is_alive() and int(standin.ask("sent")) < members // 2:  # type: ignore[arg-type]
        time.sleep(0.05)
    if child.is_alive() and child.pid is not None:
        os.kill(child.pid, signal.SIGKILL)
    child.join()
    # The claims' lease runs on the database's clock: let it run out at once rather than
    # waiting ten minutes.
    db = Database(db_url)
    with db.session() as session:
        session.execute(
            update(JobClaim)
            .where(JobClaim.status == "claimed")
            .values(claimed_at=database_now(session) - DEFAULT_LEASE - timedelta(minutes=1))
        )
    db.dispose()
    run_fanout(api_url, db_url, DUE)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=50.0, help="chat.postMessage per second")
    parser.add_argument("--latency", type=float, default=50.0, help="ms added to every call")
    parser.add_argument("--no-baseline", action="store_true", help="skip the one-by-one sender")
    args = parser.parse_args()
    members = args.members
    floor = members / args.rate
    workdir = Path(tempfile.mkdtemp(prefix="kindness-fanout-"))
    rows: list[list[str]] = []

    def add(name: str, outcome: Outcome, reference: float, label: str) -> None:
        rows.append(
            [
                name,
                f"{outcome.seconds:.1f}",
                f"{outcome.seconds / reference:.2f}× {label}",
                str(outcome.lost),
                str(outcome.twice),
            ]
        )

    def limited(standin: StandIn) -> None:
        standin.ask("limit", args.rate)

    def slow(standin: StandIn) -> None:
        standin.ask("latency", args.latency / 1000)

    try:
        print(f"{members} follow-up DMs, one per member …", file=sys.stderr)
        fan_limited = scenario(
            members, limited, lambda a, d: run_fanout(a, d, DUE), workdir=workdir
        )
        add(f"fan-out, limit {args.rate:g}/s", fan_limited, floor, "the floor")
        fan_slow = scenario(members, slow, lambda a, d: run_fanout(a, d, DUE), workdir=workdir)
        add(f"fan-out, {args.latency:g} ms latency, no limit", fan_slow, 5.0, "5 s")

        holder: dict[str, StandIn] = {}

        def limited_and_kept(standin: StandIn) -> None:
            holder["standin"] = standin
            limited(standin)

        crashed = scenario(
            members,
            limited_and_kept,
            lambda a, d: crash_and_resume(a, d, holder["standin"], members),
            workdir=workdir,
        )
        add("fan-out, limit, killed halfway + rerun", crashed, floor, "the floor")
        if not args.no_baseline:
            old_limited = scenario(
                members, limited, lambda a, d: run_one_by_one(a, d, DUE), workdir=workdir
            )
            add(f"one by one, limit {args.rate:g}/s", old_limited, floor, "the floor")
            old_slow = scenario(
                members, slow, lambda a, d: run_one_by_one(a, d, DUE), workdir=workdir
            )
            add(f"one by one, {args.latency:g} ms latency", old_slow, 5.0, "5 s")
            rows.append(
                [
                    "fan-out against one by one",
                    "",
                    f"{fan_limited.seconds / old_limited.seconds:.2f}× (limit), "
                    f"{fan_slow.seconds / old_slow.seconds:.2f}× (latency)",
                    "",
                    "",
                ]
            )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    common.print_table(
        ["run", "seconds", "against", "lost", "twice"],
        rows,
        title=f"{members} DMs (floor at {args.rate:g}/s: {floor:.1f} s)",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
