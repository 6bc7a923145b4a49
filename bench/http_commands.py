"""Served throughput, time until the member sees the answer, and CPU per command.

The bot's HTTP endpoint — ``kindness-bot run`` and ``kindness-bot web`` (waitress, 8
threads) and gunicorn ``bot.app:wsgi`` (gthread, 2 workers × 8 threads) — against a bare Bolt
app whose ``/kindness`` listener only acks, on the same server, at 1, 8 and 32 concurrent
clients. Every request is a signed ``/kindness log g3 …`` with its own words.

- A bare app's request counts when it is acknowledged (HTTP 200).
- A bot's command counts as *served* only when it got its 200, its answer reached the member
  (in the ack, or through the ``response_url``, whichever the bot uses) and its words are in
  the database exactly once (checked after the run).
- *member sees*: from sending the command to the answer reaching the member.
- *CPU/req*: the server's processes' CPU time (user + system, all its processes) per request.

Then a profile: one process, one thread, the same commands straight into the WSGI app under
cProfile, for the bot and for the bare Bolt app: where a command's CPU goes.

The load generator runs in this process (threads, one keep-alive connection each) on the same
machine, so every figure is shared with it: compare ratios measured in one run.

    .venv/bin/python bench/http_commands.py              # everything (a few minutes)
    .venv/bin/python bench/http_commands.py --requests 600 --levels 1,8
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import hmac
import http.client
import io
import itertools
import math
import os
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _common import REPO, print_table, ratio, start_postgres

from pgserver import find_bin_dir
from sandbox import SlackStandIn
from serving import SIGNING_SECRET, free_port

BASELINE = REPO / "bench" / "baseline"

BIN = Path(sys.executable).parent
ANSWER = "Saved your story"


# -- the servers ---------------------------------------------------------------------------------


@dataclass
class Target:
    name: str
    server: str  # rows are compared within one server
    bare: str | None  # "default" / "pbr" for a bare Bolt app, None for the bot
    command: list[str]
    env: dict[str, str] = field(default_factory=dict)
    shared_store: bool = False  # several processes: PostgreSQL when it is installed


def targets(gunicorn: bool) -> list[Target]:
    """What is measured; ``{port}`` in a command is the port it is given."""
    bare = [str(sys.executable), str(BASELINE / "bare_bolt.py"), "--port", "{port}"]
    gunicorn_cmd = [
        str(BIN / "gunicorn"),
        "-k",
        "gthread",
        "-w",
        "2",
        "--threads",
        "8",
        "-b",
        "127.0.0.1:{port}",
        "--log-level",
        "warning",
    ]
    found = [
        Target("bare Bolt, default", "waitress 8", "default", [*bare, "--mode", "default"]),
        Target("bare Bolt, process_before_response", "waitress 8", "pbr", [*bare, "--mode", "pbr"]),
        Target("kindness-bot run", "waitress 8", None, [str(BIN / "kindness-bot"), "run"]),
        Target("kindness-bot web", "waitress 8", None, [str(BIN / "kindness-bot"), "web"]),
    ]
    if gunicorn:
        found += [
            Target(
                "bare Bolt, default",
                "gunicorn 2×8",
                "default",
                [*gunicorn_cmd, "--chdir", str(BASELINE), "bare_bolt:wsgi"],
                {"BARE_MODE": "default"},
            ),
            Target(
                "bot.app:wsgi",
                "gunicorn 2×8",
                None,
                [*gunicorn_cmd, "bot.app:wsgi"],
                shared_store=True,
            ),
        ]
    return found


class Server:
    def __init__(
        self, target: Target, standin: SlackStandIn, port: int, workdir: Path, database_url: str
    ) -> None:
        self.workdir = workdir
        self.database_url = database_url
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "KINDNESS_"))}
        env.update(
            {
                "SLACK_BOT_TOKEN": standin.bot_token,
                "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                "SLACK_API_URL": standin.api_url,
                "DATABASE_URL": database_url,
                "HOST": "127.0.0.1",
                "PORT": str(port),
                "PYTHONPATH": str(REPO),
                **target.env,
            }
        )
        self.log = (workdir / "server.log").open("wb")
        self.process = subprocess.Popen(
            [part.replace("{port}", str(port)) for part in target.command],
            cwd=workdir,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.port = port
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"{target.name} stopped:\n{(workdir / 'server.log').read_text()}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                    return
            except OSError:
                time.sleep(0.1)
        raise SystemExit(f"{target.name} did not start")

    def cpu_seconds(self) -> float:
        """User + system CPU of the server and every process under it (gunicorn's workers)."""
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0.0
        for pid in _process_tree(self.process.pid):
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += (int(fields[11]) + int(fields[12])) / ticks
        return total

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def _process_tree(root: int) -> list[int]:
    children: dict[int, list[int]] = defaultdict(list)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children[ppid].append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found


# -- the load ------------------------------------------------------------------------------------


class TimedStandIn(SlackStandIn):
    """The stand-in, noting when each answer through a response_url arrives."""

    def __init__(self) -> None:
        super().__init__()
        self.arrivals: dict[str, float] = {}

    def _answer_response_url(self, url_id: str, headers: Any, query: str, body: bytes) -> Any:
        answer = super()._answer_response_url(url_id, headers, query, body)
        self.arrivals.setdefault(f"{self.base_url}/response/{url_id}", time.perf_counter())
        return answer


@dataclass
class Sent:
    text: str
    response_url: str
    body: bytes
    headers: dict[str, str]
    status: int = 0
    started: float = 0.0
    answered: float = 0.0  # when the ack came back
    in_ack: bool = False


def commands(standin: SlackStandIn, label: str, count: int) -> list[Sent]:
    """Signed /kindness log commands, each with its own words and response_url."""
    stamp = str(int(time.time()))
    built = []
    for n in range(count):
        text = f"bench {label} {n} we listened to the carers first"
        response_url = standin.new_response_url(channel="C0BENCH", user=f"U{n % 50:04d}")
        form = {
            "token": "bench",
            "team_id": standin.team_id,
            "team_domain": standin.team_domain,
            "channel_id": "C0BENCH",
            "channel_name": "general",
            "user_id": f"U{n % 50:04d}",
            "user_name": "member",
            "command": "/kindness",
            "text": f"log g3 {text}",
            "api_app_id": standin.app_id,
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": f"{n}.{stamp}.bench",
        }
        body = urllib.parse.urlencode(form).encode()
        base = b"v0:" + stamp.encode() + b":" + body
        signature = "v0=" + hmac.new(SIGNING_SECRET.encode(), base, hashlib.sha256).hexdigest()
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": signature,
        }
        built.append(Sent(text, response_url, body, headers))
    return built


def send_all(port: int, batch: list[Sent], concurrency: int) -> float:
    """Send the batch from ``concurrency`` threads; the wall time it took."""
    order = itertools.count()

    def worker() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while (n := next(order)) < len(batch):
            sent = batch[n]
            sent.started = time.perf_counter()
            try:
                connection.request("POST", "/slack/events", sent.body, sent.headers)
                response = connection.getresponse()
                payload = response.read()
                sent.status = response.status
            except OSError:
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                continue
            sent.answered = time.perf_counter()
            sent.in_ack = ANSWER.encode() in payload
        connection.close()

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


@dataclass
class Level:
    concurrency: int
    requests: int
    acked: int
    served: int
    seconds: float
    member_sees_ms: list[float]
    server_cpu_ms: float
    client_cpu_share: float

    @property
    def served_per_second(self) -> float:
        return self.served / self.seconds

    @property
    def acked_per_second(self) -> float:
        return self.acked / self.seconds


def run_level(
    server: Server, standin: TimedStandIn, target: Target, concurrency: int, count: int
) -> Level:
    batch = commands(standin, f"{target.server}/{target.name}/c{concurrency}", count)
    cpu_before, client_before = server.cpu_seconds(), time.process_time()
    seconds = send_all(server.port, batch, concurrency)
    server_cpu = server.cpu_seconds() - cpu_before
    client_share = (time.process_time() - client_before) / seconds
    acked = [s for s in batch if s.status == 200]
    cpu_ms = server_cpu * 1000 / max(1, len(acked))
    if target.bare is not None:
        return Level(concurrency, count, len(acked), len(acked), seconds, [], cpu_ms, client_share)
    # Answers through a response_url may still be on their way: wait for them a little.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(
        not s.in_ack and s.response_url not in standin.arrivals for s in acked
    ):
        time.sleep(0.05)
    stored = stored_once(server.database_url, {s.text for s in acked})
    seen = []
    for sent in acked:
        arrived = sent.answered if sent.in_ack else standin.arrivals.get(sent.response_url)
        if arrived is not None and sent.text in stored:
            seen.append((arrived - sent.started) * 1000)
    return Level(concurrency, count, len(acked), len(seen), seconds, seen, cpu_ms, client_share)


def stored_once(database_url: str, texts: set[str]) -> set[str]:
    """The texts stored exactly once."""
    from sqlalchemy import text as sql

    from bot.db import Database

    db = Database(database_url)
    try:
        with db.engine.connect() as connection:
            counts: dict[str, int] = defaultdict(int)
            for (text,) in connection.execute(sql("SELECT text FROM entries")):
                if text in texts:
                    counts[text] += 1
    finally:
        db.dispose()
    return {text for text, count in counts.items() if count == 1}


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


# -- the profile ---------------------------------------------------------------------------------

CATEGORIES = [
    ("request check (bot/inbound)", ("bot/inbound",)),
    ("Bolt", ("slack_bolt",)),
    ("slack_sdk", ("slack_sdk",)),
    ("SQLAlchemy", ("sqlalchemy",)),
    ("SQLite (C)", ("sqlite3",)),
    ("the bot (handlers, service, Block Kit)", ("/handlers/", "/bot/")),
    ("JSON", ("json",)),
    ("urllib / hmac / hashlib", ("urllib", "hmac", "_hashlib", "hashlib")),
]


def profile(standin: SlackStandIn, count: int) -> None:
    """Where a command's CPU goes: the bot and the bare app, in one thread, no HTTP server."""
    sys.path.insert(0, str(BASELINE))
    import bare_bolt

    from bot.config import load_config
    from bot.db import Database
    from bot.services import Services
    from runtime.app import create_app
    from runtime.wsgi import KindnessWsgi

    workdir = Path(tempfile.mkdtemp(prefix="kindness-bench-profile-"))
    environment = {
        "SLACK_BOT_TOKEN": standin.bot_token,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": standin.api_url,
    }
    config = load_config(environment, require_slack=True)
    db = Database(f"sqlite:///{workdir / 'kindness.db'}")
    db.upgrade()
    services = Services(config, db)
    app = create_app(services)
    os.environ.update(environment)
    apps = {
        "kindness-bot": KindnessWsgi(app, services),
        "bare Bolt (process_before_response)": bare_bolt.build("pbr"),
    }
    rows, tops = [], {}
    per_request = {}
    for name, wsgi in apps.items():
        for sent in commands(standin, f"warm {name}", 50):
            _call(wsgi, sent)
        batch = commands(standin, f"profile {name}", count)
        started = time.process_time()
        for sent in batch[: count // 2]:
            _call(wsgi, sent)
        per_request[name] = (time.process_time() - started) * 1000 / (count // 2)
        profiler = cProfile.Profile(time.process_time)  # CPU time: other load does not count
        profiler.enable()
        for sent in batch[count // 2 :]:
            _call(wsgi, sent)
        profiler.disable()
        stats = pstats.Stats(profiler)
        shares, total = _categorise(stats)
        rows.append((name, shares, total))
        tops[name] = stats
    app.listener_runner.listener_executor.shutdown()
    db.dispose()
    shutil.rmtree(workdir, ignore_errors=True)

    names = [r[0] for r in rows]
    table = [["CPU per command (no profiler), ms"] + [f"{per_request[n]:.3f}" for n in names]]
    for category, _ in [*CATEGORIES, ("other (stdlib, waitress-free WSGI glue…)", ())]:
        table.append([category] + [f"{r[1].get(category, 0) * 100:.0f}%" for r in rows])
    print_table(["where the CPU goes (cProfile, own time)", *names], table, title="Profile")
    stats = tops["kindness-bot"]
    stream = io.StringIO()
    stats.stream = stream  # type: ignore[attr-defined]
    stats.sort_stats("tottime").print_stats(15)
    print("\nkindness-bot: the 15 functions with the most own time")
    print("\n".join(stream.getvalue().splitlines()[6:]))


def _call(wsgi: Any, sent: Sent) -> None:
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/slack/events",
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "CONTENT_TYPE": sent.headers["Content-Type"],
        "CONTENT_LENGTH": str(len(sent.body)),
        "HTTP_X_SLACK_REQUEST_TIMESTAMP": sent.headers["X-Slack-Request-Timestamp"],
        "HTTP_X_SLACK_SIGNATURE": sent.headers["X-Slack-Signature"],
        "wsgi.input": io.BytesIO(sent.body),
    }
    statuses = []
    b"".join(wsgi(environ, lambda status, headers: statuses.append(status)))
    assert statuses[0].startswith("200"), statuses


def _categorise(stats: pstats.Stats) -> tuple[dict[str, float], float]:
    by_category: dict[str, float] = defaultdict(float)
    total = 0.0
    for (filename, _, function), row in stats.stats.items():  # type: ignore[attr-defined]
        own = row[2]
        total += own
        where = f"{filename} {function}"
        for category, needles in CATEGORIES:
            if any(n in where for n in needles):
                by_category[category] += own
                break
        else:
            by_category["other (stdlib, waitress-free WSGI glue…)"] += own
    return {k: v / total for k, v in by_category.items()}, total


# -- the run -------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--levels", default="1,8,32", help="concurrent clients (default 1,8,32)")
    parser.add_argument(
        "--requests", type=int, default=1500, help="commands per level (default 1500)"
    )
    parser.add_argument("--profile-requests", type=int, default=2000)
    parser.add_argument("--only", help="run only targets whose name contains this")
    parser.add_argument("--profile-only", action="store_true", help="only the in-process profile")
    parser.add_argument(
        "--shared-store",
        choices=("postgresql", "sqlite"),
        default="postgresql" if find_bin_dir() else "sqlite",
        help="the store of the bot under gunicorn (several processes; default PostgreSQL, as "
        "the README advises, when Debian's postgresql is installed)",
    )
    args = parser.parse_args(argv)
    levels = [int(n) for n in args.levels.split(",")]
    has_gunicorn = (BIN / "gunicorn").exists()
    if not has_gunicorn:
        print("gunicorn is not installed (pip install -e '.[gunicorn]'): its rows are left out")

    results: list[tuple[Target, list[Level]]] = []
    postgres = None
    with TimedStandIn() as standin:
        if args.profile_only:
            profile(standin, args.profile_requests)
            return
        for target in targets(has_gunicorn):
            if args.only and args.only not in f"{target.server} {target.name}":
                continue
            port = free_port()
            workdir = Path(tempfile.mkdtemp(prefix="kindness-bench-http-"))
            database_url = f"sqlite:///{workdir / 'kindness.db'}"
            if target.shared_store and args.shared_store == "postgresql":
                if postgres is None:
                    postgres = start_postgres(None)
                database_url = postgres.create_database(f"bench_{port}")
                target.name += " (PostgreSQL)"
            server = Server(target, standin, port, workdir, database_url)
            try:
                send_all(port, commands(standin, f"warm {target.name}", 200), 8)
                # One client at a time is slow to wait for: a third of the requests.
                measured = [
                    run_level(server, standin, target, c, args.requests // (3 if c == 1 else 1))
                    for c in levels
                ]
            finally:
                server.stop()
                shutil.rmtree(workdir, ignore_errors=True)
            results.append((target, measured))
            print(f"  measured {target.server}: {target.name}", file=sys.stderr)
        if postgres is not None:
            postgres.stop()
        report(results, levels)
        profile(standin, args.profile_requests)


def report(results: list[tuple[Target, list[Level]]], levels: list[int]) -> None:
    headers = ["server", "app"]
    for c in levels:
        headers += [f"c{c} served/s", f"c{c} member sees p50/p99 ms", f"c{c} CPU/req ms"]
    rows = []
    for target, measured in results:
        row = [target.server, target.name]
        for level in measured:
            if target.bare is not None:
                row += [
                    f"{level.acked_per_second:,.0f} acked",
                    "— (only acks)",
                    f"{level.server_cpu_ms:.2f}",
                ]
            else:
                seen = level.member_sees_ms
                lost = level.requests - level.served
                row += [
                    f"{level.served_per_second:,.0f}" + (f" ({lost} not served)" if lost else ""),
                    f"{statistics.median(seen):.1f} / {percentile(seen, 0.99):.1f}"
                    if seen
                    else "—",
                    f"{level.server_cpu_ms:.2f}",
                ]
        rows.append(row)
    print_table(headers, rows, title="Served commands (bot) and acks (bare Bolt), one run")

    ratios = []
    for server in dict.fromkeys(t.server for t, _ in results):
        bare = next((m for t, m in results if t.server == server and t.bare == "default"), None)
        if bare is None:
            continue
        for target, measured in results:
            if target.server != server or target.bare is not None:
                continue
            row = [server, target.name]
            for level, base in zip(measured, bare, strict=True):
                row.append(ratio(level.served_per_second / base.acked_per_second))
                row.append(f"{level.server_cpu_ms / base.server_cpu_ms:.1f}x")
            ratios.append(row)
    headers = ["server", "bot"]
    for c in levels:
        headers += [f"c{c} served ÷ bare acked", f"c{c} CPU ÷ bare"]
    print_table(headers, ratios, title="Against the bare default Bolt app on the same server")
    shares = [f"c{r.concurrency}: {r.client_cpu_share * 100:.0f}%" for _, m in results for r in m]
    print(f"\nload generator's CPU (share of one core), per level: {', '.join(shares[:6])} …")


if __name__ == "__main__":
    main()
