"""A free TCP port on 127.0.0.1 for a server a test starts in another process.

Binding port 0 and handing the number on is a race: between the probe closing its socket and
the server binding, the kernel may give the same port to anything else on the machine — an
outgoing connection, or another test run's probe (two suites running side by side here did
exactly that: a `run` process then exited with "port in use"). So the ports come from below the
kernel's ephemeral range, which it never hands out by itself, chosen at random, and each one is
reserved across processes with a file created exclusively; a reservation older than an hour is
taken to be left behind by a run that ended (killed before it could remove its own), and is
reused.
"""

from __future__ import annotations

import atexit
import os
import random
import socket
import tempfile
import time
from pathlib import Path

RESERVATIONS = Path(tempfile.gettempdir()) / "kindness-bot-test-ports"
STALE_AFTER = 3600.0  # seconds
_MINE: list[Path] = []  # removed when this process ends


@atexit.register
def _release() -> None:
    for path in _MINE:
        path.unlink(missing_ok=True)


def _ephemeral_low() -> int:
    try:
        low, _high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low)
    except (OSError, ValueError):
        return 32768  # Linux's default


def _bindable(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _reserve(port: int) -> bool:
    RESERVATIONS.mkdir(exist_ok=True)
    path = RESERVATIONS / str(port)
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        _MINE.append(path)
        return True
    except FileExistsError:
        try:
            if time.time() - path.stat().st_mtime > STALE_AFTER:
                os.utime(path)
                _MINE.append(path)
                return True
        except OSError:
            pass
        return False


def free_port() -> int:
    """A port nobody listens on, that neither the kernel nor another test run will hand out."""
    high = _ephemeral_low() - 1
    low = 20000 if high > 21000 else 1024
    for _ in range(200):
        port = random.randint(low, high)
        if _reserve(port) and _bindable(port):
            return port
    raise RuntimeError(f"no free port between {low} and {high}")
