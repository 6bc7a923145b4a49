"""The published site's cost: "10,000 consented stories build in ≤ 10 s on SQLite; a rebuild
after one story changed rewrites ≤ 5 files; memory stays flat".

For each size (default 1,000 and 10,000 consented stories, plus as many entries nobody agreed
to share), in a process of its own so that its peak memory is its own:

1. the first build into an empty folder (seconds, files written, peak RSS of the process);
2. the same data again (files written: should be 0);
3. one story's words changed (and its author agreeing again): files written, and which.

The figures to compare: build seconds at 10k against 1k (≈ 10× is linear), rewrites after one
change (≤ 5), and peak RSS at 10k against 1k (flat: the pages are streamed, the log is never
held). Run::

    .venv/bin/python bench/publish.py
    .venv/bin/python bench/publish.py --sizes 1000,10000,50000
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import _common as common  # noqa: F401  (puts the repository on sys.path)

from bot.db import Database
from bot.goals import load_framework
from bot.learning_log import LearningLog
from bot.models import Entry, Member, Workspace
from bot.site.build import build_site

TEAM = "T0PUBLISH"
START = datetime(2024, 1, 1, tzinfo=UTC)
PHRASE = (
    "We listened first and the team planned the rota together. A tenant told us the new "
    "letter was the first one she read to the end; we stopped asking for ID at the door."
)
WORDS = PHRASE.split()


def load(db: Database, stories: int) -> None:
    """``stories`` consented stories and as many unshared entries, over two years, 150 members."""
    framework = load_framework()
    goals = [g.key for g in framework.goals]
    rows = []
    for n in range(stories * 2):
        at = START + timedelta(minutes=105 * n * 10_000 // max(stories, 1))
        shared = n % 2 == 0
        words = " ".join(WORDS[(n * 7 + k) % len(WORDS)] for k in range(40 + n % 60))
        rows.append(
            {
                "team_id": TEAM,
                "user_id": f"U{n % 150:05d}",
                "kind": "story",
                "goal_key": goals[n % len(goals)],
                "text": f"Story {n}: {words}",
                "visibility": "anonymous" if n % 10 == 0 else "network",
                "source": "slash",
                "share_consent": ("anonymous" if n % 10 == 0 else "named") if shared else "none",
                "share_consent_at": at if shared else None,
                "created_at": at,
                "updated_at": at,
            }
        )
    with db.session() as session:
        session.add(
            Workspace(team_id=TEAM, timezone="Europe/London", created_at=START, updated_at=START)
        )
        session.flush()
        for m in range(150):
            session.add(
                Member(
                    team_id=TEAM, user_id=f"U{m:05d}", display_name=f"Member {m}", created_at=START
                )
            )
        session.flush()
        session.execute(Entry.__table__.insert(), rows)


def measure(stories: int, folder: Path) -> dict:
    """One size, in this process (``--child``): the three builds and the peak RSS."""
    db = Database(f"sqlite:///{folder / 'publish.db'}")
    db.upgrade()
    load(db, stories)
    framework = load_framework()
    out = folder / "site"
    build_site(db, framework, TEAM, folder / "warm-up")  # imports matplotlib, reads templates
    shutil.rmtree(folder / "warm-up")
    began, cpu = time.perf_counter(), time.process_time()
    first = build_site(db, framework, TEAM, out)
    first_seconds = time.perf_counter() - began
    first_cpu = time.process_time()
    again = build_site(db, framework, TEAM, out)
    # A story in the middle: its author changes its first words (which withdraws their
    # consent) and agrees again.
    log = LearningLog(db, framework)
    middle = 1 + 2 * (stories // 2)
    with db.reading() as session:
        entry = session.get(Entry, middle)
        author, text = entry.user_id, entry.text
    log.edit_entry(TEAM, author, middle, text="Edited: " + text)
    log.share_entry(TEAM, author, middle, anonymously=middle % 10 == 1)
    began = time.perf_counter()
    changed = build_site(db, framework, TEAM, out)
    changed_seconds = time.perf_counter() - began
    db.dispose()
    return {
        "stories": first.stories,
        "files": len(first.pages) + 1,
        "first_seconds": first_seconds,
        "first_cpu": first_cpu - cpu,
        "first_written": first.written,
        "again_written": again.written,
        "changed_seconds": changed_seconds,
        "changed_written": changed.written + 1,  # and the marker file
        "changed_pages": changed.changed + changed.added + changed.removed,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000", help="consented stories per run")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        folder = Path(tempfile.mkdtemp(prefix="kindness-publish-"))
        try:
            print(json.dumps(measure(args.child, folder)))
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    results = []
    for size in (int(s) for s in args.sizes.split(",")):
        done = subprocess.run(
            [sys.executable, __file__, "--child", str(size)],
            capture_output=True,
            text=True,
            check=True,
        )
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    print(
        f"{'stories':>8} {'files':>7} {'build s':>8} {'cpu s':>6} {'again':>6} "
        f"{'1 changed':>10} {'rebuild s':>10} {'peak RSS MiB':>13}"
    )
    for r in results:
        print(
            f"{r['stories']:>8,} {r['files']:>7,} {r['first_seconds']:>8.2f} "
            f"{r['first_cpu']:>6.2f} {r['again_written']:>6} {r['changed_written']:>10} "
            f"{r['changed_seconds']:>10.2f} {r['peak_rss_mib']:>13.0f}"
        )
    # On a shared machine the wall time waits for a free core: say how busy it was.
    print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    for r in results:
        print(f"after one change at {r['stories']:,}: {', '.join(r['changed_pages'])}")
    if len(results) > 1:
        small, large = results[0], results[-1]
        print(
            f"{large['stories']:,} against {small['stories']:,}: build time "
            f"×{large['first_seconds'] / small['first_seconds']:.1f} (processor time "
            f"×{large['first_cpu'] / small['first_cpu']:.1f}), peak RSS "
            f"×{large['peak_rss_mib'] / small['peak_rss_mib']:.2f}"
        )


if __name__ == "__main__":
    main()
