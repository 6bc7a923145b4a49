"""Any command as an operator runs it — ``kindness-bot …``, gunicorn, ``make run`` — in a real
process on a real port, stopped cleanly by the tests (``serving.BotProcess`` is the
``kindness-bot`` command alone, wired to a stand-in).

`CommandProcess` starts a command (``kindness-bot web``, gunicorn…) with a clean environment (no
``SLACK_*``/``KINDNESS_*`` from the test run's own), waits until ``/healthz`` answers, and on
exit sends SIGTERM and collects everything the process wrote.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from types import TracebackType

from conftest import message_text
from sandbox import Reply, SlackStandIn

BIN = Path(sys.executable).parent
SCRIPT = str(BIN / "kindness-bot")
REPOSITORY = Path(__file__).resolve().parent.parent


def clean_environment(**env: str) -> dict[str, str]:
    """The test run's environment without any bot setting, plus ``env``."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "KINDNESS_", "PROMETHEUS_"))
        and k not in ("DATABASE_URL", "HOST", "PORT", "LOG_LEVEL", "LOG_FORMAT")
    }
    clean.update(env)
    return clean


def kindness_bot(cwd: Path, *args: str, **settings: str) -> subprocess.CompletedProcess[str]:
    """``kindness-bot …`` run to completion in ``cwd``, with a clean environment plus
    ``settings`` (and a SQLite database in ``cwd`` unless ``DATABASE_URL`` is given)."""
    env = clean_environment(**{"DATABASE_URL": f"sqlite:///{cwd / 'kindness.db'}", **settings})
    return subprocess.run(
        [SCRIPT, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def wait_until(condition, *, timeout: float = 30, what: str = "the condition") -> None:
    """Poll ``condition`` (a real process is doing real work: no fixed sleeps)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def answer_to(standin: SlackStandIn, reply: Reply) -> str:
    """What a member was shown for a slash command: the acknowledgement's message, or what the
    bot sent to the command's response_url after it."""
    if isinstance(reply.json, dict) and (reply.json.get("text") or reply.json.get("blocks")):
        return message_text(reply.json)
    wait_until(lambda: standin.responses(reply.response_url), what="an answer to the command")
    return "\n".join(message_text(m) for m in standin.responses(reply.response_url))


def get(url: str, timeout: float = 5) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


class CommandProcess:
    """One process; ``output`` holds its stdout and stderr once it has stopped."""

    def __init__(
        self,
        command: list[str],
        *,
        cwd: Path,
        env: dict[str, str],
        port: int | None = None,
        healthy: bool = True,
    ) -> None:
        self.command = command
        self.cwd = cwd
        self.env = env
        self.port = port
        self.healthy = healthy
        self.process: subprocess.Popen | None = None
        self.output = ""
        # Output goes to a file, not a pipe: a chatty process (LOG_LEVEL=DEBUG) must never
        # block on a full pipe that nobody reads until the end.
        self._log = tempfile.TemporaryFile(mode="w+", encoding="utf-8")  # noqa: SIM115

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> CommandProcess:
        self.process = subprocess.Popen(
            self.command,
            cwd=self.cwd,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        if self.healthy and self.port is not None:
            self.wait_healthy()
        return self

    def wait_healthy(self, timeout: float = 60) -> None:
        def answers() -> bool:
            assert self.process is not None
            if self.process.poll() is not None:
                raise AssertionError(f"{self.command} stopped:\n{self.read_output()}")
            try:
                status, body = get(f"{self.url}/healthz", timeout=2)
            except OSError:
                return False
            return status == 200 and json.loads(body) == {"ok": True}

        wait_until(answers, timeout=timeout, what=f"{self.command} to answer /healthz")

    def read_output(self) -> str:
        self._log.flush()
        self._log.seek(0)
        return self._log.read()

    def stop(self, timeout: float = 30, signal_number: int = signal.SIGTERM) -> int:
        """Signal the process's whole group (``make run`` starts the bot as its child)."""
        assert self.process is not None
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal_number)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.output = self.read_output()
        return self.process.returncode

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
        self._log.close()
