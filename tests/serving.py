"""The bot served for a test: in-process (``ServedWsgi``) or as its own process (``BotProcess``).

``ServedWsgi``: a WSGI app served by waitress on 127.0.0.1, stopped without leaving anything.

waitress's own ``server.run()`` has no stop: closing its channels from another thread races
with its worker threads, which wake the loop through a pipe that may be closed by then (an
``OSError: Bad file descriptor`` in teardown), and its workers are never joined. Here the loop
runs in small steps until asked to stop; then, in the loop's own thread, the workers are shut
down and joined first, and only then is every channel (the listening socket and the wake-up
pipe included) closed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

from ports import free_port
from waitress.server import create_server

from sandbox import SlackStandIn

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


class ServedWsgi:
    def __init__(self, app: Any, *, threads: int = 4) -> None:
        self._server = create_server(
            app, host="127.0.0.1", port=0, threads=threads, ident="test", asyncore_use_poll=True
        )
        self._stop = threading.Event()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="test-waitress", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.effective_port}"

    def _serve(self) -> None:
        server = self._server
        try:
            while not self._stop.is_set():
                server.asyncore.loop(timeout=0.05, map=server._map, use_poll=True, count=1)
        finally:
            server.task_dispatcher.shutdown(cancel_pending=True, timeout=10)
            for channel in list(server._map.values()):
                channel.close()
            self._stopped.set()

    def stop(self) -> None:
        """Stop serving; returns once the workers have ended and every socket is closed."""
        self._stop.set()
        self._thread.join(timeout=15)
        assert self._stopped.is_set(), "the test server did not stop"


class BotProcess:
    """``kindness-bot <command>`` in its own process, as an operator runs it, talking to a
    Slack stand-in; its output goes to ``<cwd>/<command>.log``."""

    def __init__(self, cwd: Path, standin: SlackStandIn, command: str = "run", **env: str) -> None:
        self.port = free_port()
        clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "KINDNESS_"))}
        clean.update(
            {
                "SLACK_BOT_TOKEN": standin.bot_token,
                "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                "SLACK_API_URL": standin.api_url,
                "DATABASE_URL": f"sqlite:///{cwd / 'kindness.db'}",
                "HOST": "127.0.0.1",
                "PORT": str(self.port),
                **env,
            }
        )
        self.log_path = cwd / f"{command}.log"
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [str(Path(sys.executable).parent / "kindness-bot"), command],
                cwd=cwd,
                env=clean,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    @property
    def events_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/slack/events"

    def wait_healthy(self, timeout: float = 60) -> BotProcess:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log_path.read_text()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2):
                    return self
            except OSError:
                time.sleep(0.05)  # still starting: poll, no fixed sleep
        raise AssertionError(f"the bot did not become healthy:\n{self.log_path.read_text()}")

    def kill(self) -> None:
        """SIGKILL: what a crash, an OOM kill or a lost host does to the process."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=30)
        return self.process.returncode
