"""Backup and restore of a big learning log: time, memory, and nothing acknowledged lost.

Measures the promise "backups that restore": ``kindness-bot backup`` and ``kindness-bot
restore`` of the search benchmark's log (``search.py``'s cached database: ``--entries``
entries over four years, 21 workspaces), each as the operator runs it — the console script in a
process of its own — on SQLite and on PostgreSQL:

1. **time and memory**: backup of the log, then restore of that file into an empty database of
   the same kind, at ``--small`` entries and at ``--entries``; seconds, processor seconds (the
   process's, and on PostgreSQL the server's meanwhile: steadier on a shared machine), peak
   RSS of the process (GNU time's ``%M``) and the file's size. "RSS big/small" near 1 means
   memory stays flat: rows are streamed, not held;
2. **nothing acknowledged lost**: ``--writers`` threads log entries through the bot's own write
   path (``LearningLog.add_entry``, which commits before a command is answered: returning is
   the acknowledgement) into the restored database, while a backup is started; every entry
   acknowledged before the backup process was started must be in its file. Prints how many were
   acknowledged before, how many of those are missing (must be 0), and how many written during
   the backup made it in.

Run (both stores, 1,000,000 and 100,000 entries)::

    .venv/bin/python bench/backup.py

Quick smoke run: ``.venv/bin/python bench/backup.py --entries 20000 --small 2000 --backend sqlite``.
The logs are built by (and shared with) ``search.py`` in ``--db-dir`` the first time.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import _common as common
import search

from bot.db import Database
from bot.goals import load_framework
from bot.learning_log import LearningLog

SCRIPT = str(Path(sys.executable).parent / "kindness-bot")
TIME = "/usr/bin/time"  # GNU time (Debian's `time` package)
WRITERS_TEAM = "T0WRITERS"


@dataclass(frozen=True)
class Run:
    seconds: float
    peak_rss_mib: float
    output: str
    cpu_seconds: float  # the process's (user + system)
    server_cpu_seconds: float | None  # PostgreSQL's processes' meanwhile; None on SQLite

    def processor(self) -> str:
        """Processor seconds: the process's, and PostgreSQL's after a "+"."""
        if self.server_cpu_seconds is None:
            return f"{self.cpu_seconds:,.1f}"
        return f"{self.cpu_seconds:,.1f} + {self.server_cpu_seconds:,.1f}"


def server_cpu(server) -> float | None:
    """PostgreSQL's processor seconds so far (``_common.server_cpu_seconds``); None on SQLite."""
    return common.server_cpu_seconds(server.data if server is not None else None)


def run_cli(database_url: str, *args: str, server=None) -> Run:
    """The console script in a process of its own: wall time and peak RSS.

    The peak is GNU time's ``%M``: ``wait4``'s ``ru_maxrss`` of a child forked from this
    (large) process would start at this process's size, since Linux keeps the high-water mark
    across ``exec``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "KINDNESS_"))}
    env["DATABASE_URL"] = database_url
    server_before = server_cpu(server)
    started = time.perf_counter()
    done = subprocess.run(
        [TIME, "-f", "peak-rss-kib %M cpu %U %S", SCRIPT, *args],
        env=env,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    out = (done.stdout + done.stderr).strip()
    if done.returncode != 0:
        raise SystemExit(f"kindness-bot {' '.join(args)} failed:\n{out}")
    peak, user, system = out.rsplit("peak-rss-kib ", 1)[1].replace("cpu ", "").split()[:3]
    server_after = server_cpu(server)
    return Run(
        seconds,
        int(peak) / 1024,
        out,
        float(user) + float(system),
        None if server_before is None else server_after - server_before,  # type: ignore[operator]
    )


def source_url(backend: str, entries: int, args: argparse.Namespace, server) -> str:
    if backend == "sqlite":
        path, how = search.sqlite_database(args.db_dir, entries, args.seed, args.rebuild)
        print(f"  source: {entries:,} entries on SQLite ({how})", file=sys.stderr)
        return f"sqlite:///{path}"
    url, how = search.postgres_database(server, entries, args.seed, args.rebuild)
    print(f"  source: {entries:,} entries on PostgreSQL ({how})", file=sys.stderr)
    return url


def empty_url(backend: str, name: str, workdir: Path, server) -> str:
    if backend == "sqlite":
        path = workdir / f"{name}.db"
        for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            leftover.unlink(missing_ok=True)
        return f"sqlite:///{path}"
    server.execute(f"DROP DATABASE IF EXISTS {name}")
    return server.create_database(name)


def entries_in(path: Path) -> set[str]:
    """The texts of the entries in a backup file."""
    texts: set[str] = set()
    in_entries = False
    text_at = 0
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            value = json.loads(line)
            if isinstance(value, dict):
                in_entries = value.get("table") == "entries"
                if in_entries:
                    text_at = value["columns"].index("text")
            elif in_entries:
                texts.add(value[text_at])
    return texts


def writers_during_backup(database_url: str, workdir: Path, writers: int) -> list[str]:
    """Writers log entries while a backup is taken; what the backup holds of them."""
    db = Database(database_url)
    log = LearningLog(db, load_framework())
    acknowledged: list[tuple[float, str]] = []
    lock = threading.Lock()
    stop = threading.Event()

    def write(number: int) -> None:
        count = 0
        while not stop.is_set():
            text = f"writer {number} entry {count}"
            log.add_entry(WRITERS_TEAM, f"U{number:07d}", text, goal="g1")
            with lock:
                acknowledged.append((time.perf_counter(), text))
            count += 1

    # The workspace first: a brand-new workspace's first entries, written at once by several
    # threads, can race its row on PostgreSQL (LearningLog._known_workspaces is filled before
    # the row commits) — a separate matter from backups.
    log.add_entry(WRITERS_TEAM, "U0000000", "the writers' workspace", goal="g1")
    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    time.sleep(1.0)  # the writers get going
    path = workdir / "during.jsonl.gz"
    started = time.perf_counter()
    run = run_cli(database_url, "backup", "-o", str(path))
    stop.set()
    for thread in threads:
        thread.join()
    db.dispose()
    in_file = entries_in(path)
    before = [text for at, text in acknowledged if at < started]
    during = [text for at, text in acknowledged if at >= started]
    missing = [text for text in before if text not in in_file]
    return [
        f"{writers}",
        f"{run.seconds:,.1f}",
        f"{len(before):,}",
        f"{len(missing):,}",
        f"{sum(text in in_file for text in during):,} of {len(during):,}",
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=100_000, help="the smaller log (memory)")
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--db-dir", type=Path, default=common.DEFAULT_DB_DIR)
    parser.add_argument("--rebuild", action="store_true", help="build the cached logs again")
    args = parser.parse_args()
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    server = (
        common.start_postgres(args.db_dir / f"postgres-v{common.DATA_VERSION}")
        if "postgresql" in backends
        else None
    )
    rows, consistency = [], []
    try:
        with tempfile.TemporaryDirectory(prefix="kindness-backup-bench-") as work:
            workdir = Path(work)
            for backend in backends:
                print(f"{backend}:", file=sys.stderr)
                peaks = {}
                for size in (args.small, args.entries):
                    source = source_url(backend, size, args, server)
                    file = workdir / f"{backend}-{size}.jsonl.gz"
                    backup = run_cli(source, "backup", "-o", str(file), server=server)
                    target = empty_url(backend, f"restored_{backend}_{size}", workdir, server)
                    restore = run_cli(target, "restore", str(file), server=server)
                    peaks[size] = (backup.peak_rss_mib, restore.peak_rss_mib)
                    rows.append(
                        [
                            backend,
                            f"{size:,}",
                            f"{backup.seconds:,.1f}",
                            f"{backup.peak_rss_mib:,.0f}",
                            backup.processor(),
                            f"{restore.seconds:,.1f}",
                            f"{restore.peak_rss_mib:,.0f}",
                            restore.processor(),
                            common.human_bytes(file.stat().st_size),
                        ]
                    )
                    print(
                        f"  {size:,}: backup {backup.seconds:.1f} s, restore "
                        f"{restore.seconds:.1f} s",
                        file=sys.stderr,
                    )
                    last_target = target
                    file.unlink()
                (b_small, r_small), (b_big, r_big) = peaks[args.small], peaks[args.entries]
                rows.append(
                    [
                        backend,
                        "RSS big/small",
                        "",
                        common.ratio(b_big / b_small),
                        "",
                        "",
                        common.ratio(r_big / r_small),
                        "",
                        "",
                    ]
                )
                consistency.append(
                    [backend, *writers_during_backup(last_target, workdir, args.writers)]
                )
    finally:
        if server is not None:
            server.stop()
    common.print_table(
        [
            "store",
            "entries",
            "backup s",
            "backup MiB",
            "backup cpu s",
            "restore s",
            "restore MiB",
            "restore cpu s",
            "file",
        ],
        rows,
        title="Backup and restore, each a kindness-bot process (peak RSS in MiB; processor "
        "seconds of the process + PostgreSQL's)",
    )
    common.print_table(
        ["store", "writers", "backup s", "acked before", "missing", "written during: in file"],
        consistency,
        title="A backup while writers log entries (the restored log)",
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
