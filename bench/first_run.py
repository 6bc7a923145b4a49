"""From a fresh clone, how long `make run` takes to a working sandbox page — twice.

The first run creates the virtualenv and installs the bot from the package registry; the second
finds both ready. "Working" means the page and its API answer (`GET /` and
`GET /sandbox/api/people` both 200), i.e. a person could start using it. Run from the
repository root (it clones the committed HEAD, not uncommitted changes):

    python3 bench/first_run.py                # pip's download cache off: a newcomer's machine
    python3 bench/first_run.py --pip-cache    # with this machine's pip cache

No Slack variable reaches the runs, so `make run` starts the sandbox. Each run is stopped with
SIGTERM once the page answers; the clone is removed afterwards (`--keep` keeps it).
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
GIVE_UP_SECONDS = 900


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def time_make_run(clone: Path, env: dict[str, str], port: int) -> float:
    started = time.monotonic()
    process = subprocess.Popen(
        ["make", "run"],
        cwd=clone,
        env={**env, "PORT": str(port)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # make and the bot in one group, stopped together
    )
    base = f"http://127.0.0.1:{port}/"
    try:
        while time.monotonic() - started < GIVE_UP_SECONDS:
            if process.poll() is not None:
                raise SystemExit(f"make run stopped early (status {process.returncode})")
            if answers(base) and answers(base + "sandbox/api/people"):
                return time.monotonic() - started
            time.sleep(0.1)
        raise SystemExit(f"no working page after {GIVE_UP_SECONDS} s")
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pip-cache", action="store_true", help="let pip use its cache")
    parser.add_argument("--keep", action="store_true", help="keep the clone")
    args = parser.parse_args()

    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "KINDNESS_", "VIRTUAL_ENV")) and k != "DATABASE_URL"
    }
    if not args.pip_cache:
        env["PIP_NO_CACHE_DIR"] = "1"
    workdir = Path(tempfile.mkdtemp(prefix="kindness-first-run-"))
    clone = workdir / "kindness-bot"
    subprocess.run(["git", "clone", "--quiet", "--no-hardlinks", str(REPO), str(clone)], check=True)
    try:
        first = time_make_run(clone, env, free_port())
        second = time_make_run(clone, env, free_port())
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    cache = "pip cache on" if args.pip_cache else "pip cache off"
    print(
        f"make run → working sandbox page, fresh clone ({cache}, Python {sys.version.split()[0]})"
    )
    print(f"  first run (virtualenv + install): {first:7.1f} s")
    print(f"  second run:                       {second:7.1f} s")
    print(f"  first / second:                   {first / second:7.1f}×")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
