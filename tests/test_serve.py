"""``kindness-bot web`` as an operator runs it: a real process serving a real port."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from ports import free_port

from conftest import SIGNING_SECRET
from sandbox import SlackDriver, SlackStandIn

SCRIPT = str(Path(sys.executable).parent / "kindness-bot")


def _start(
    tmp_path: Path, standin: SlackStandIn, *args: str, **env: str
) -> tuple[subprocess.Popen, int]:
    port = free_port()
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "KINDNESS_"))}
    clean.update(
        {
            "SLACK_BOT_TOKEN": standin.bot_token,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": standin.api_url,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'kindness.db'}",
            "HOST": "127.0.0.1",
            "PORT": str(port),
            **env,
        }
    )
    process = subprocess.Popen(
        [SCRIPT, *args],
        cwd=tmp_path,
        env=clean,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    return process, port


def _wait_healthy(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                assert json.loads(r.read()) == {"ok": True}
                return
        except OSError:
            time.sleep(0.1)  # the process is still starting: poll, no fixed sleep
    pytest.fail("the web process did not become healthy")


def test_web_serves_signed_commands_and_stops_cleanly(tmp_path: Path) -> None:
    with SlackStandIn() as standin:
        process, port = _start(tmp_path, standin, "web")
        try:
            _wait_healthy(port, process)
            driver = SlackDriver(f"http://127.0.0.1:{port}/slack/events", SIGNING_SECRET, standin)
            reply = driver.command("log g6 Counted the thank-you cards", user="UANN")
            assert reply.status == 200
            assert "Saved your story" in json.dumps(reply.json)
            assert standin.calls_to("auth.test"), "the token is checked at start"
            assert driver.command("help", signature="v0=bad").status == 401
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=20)
        assert process.returncode == 0


def test_a_token_slack_refuses_stops_the_start_with_a_clear_message(tmp_path: Path) -> None:
    with SlackStandIn() as standin:
        process, _ = _start(tmp_path, standin, "web", SLACK_BOT_TOKEN="xoxb-revoked-token")
        _, stderr = process.communicate(timeout=30)
    assert process.returncode == 2
    assert "SLACK_BOT_TOKEN: Slack refused the token (invalid_auth)" in stderr
    assert "Traceback" not in stderr


@pytest.mark.parametrize("command", ["run", "scheduler"])
def test_the_scheduler_catches_up_a_prompt_missed_an_hour_ago(tmp_path: Path, command: str) -> None:
    """``run`` (web + scheduler) and ``scheduler`` alone: on start, a post missed within the
    grace window is made (real time here: the process's own clock)."""
    now = datetime.now(UTC) - timedelta(hours=1)
    with SlackStandIn() as standin:
        standin.add_channel("C0NETWORK", "kindness-network")
        setup = subprocess.run(
            [
                SCRIPT,
                "settings",
                "--team",
                standin.team_id,
                "set",
                "--create",
                "channel=C0NETWORK",
                f"prompt_day={now:%A}",
                f"prompt_time={now:%H:%M}",
                "timezone=UTC",
            ],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'kindness.db'}"},
        )
        assert setup.returncode == 0, setup.stderr
        process, port = _start(tmp_path, standin, command)
        try:
            if command == "run":
                _wait_healthy(port, process)
            deadline = time.monotonic() + 30
            while not standin.messages_in("C0NETWORK") and time.monotonic() < deadline:
                assert process.poll() is None, process.stderr.read() if process.stderr else ""
                time.sleep(0.05)
            [prompt] = standin.messages_in("C0NETWORK")
            assert "This week" in json.dumps(prompt)
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=20)
        assert process.returncode == 0


def test_socket_mode_with_a_refused_app_token_stops_with_a_clear_message(tmp_path: Path) -> None:
    with SlackStandIn() as standin:
        process, _ = _start(tmp_path, standin, "web", SLACK_APP_TOKEN="xapp-1-revoked")
        _, stderr = process.communicate(timeout=30)
        methods = [c.method for c in standin.calls]
    assert process.returncode == 2
    assert "SLACK_APP_TOKEN: Slack refused the app-level token" in stderr
    assert "Traceback" not in stderr
    assert methods == ["auth.test", "apps.connections.open"]
