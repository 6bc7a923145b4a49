"""The production shape from deploy/: gunicorn with deploy/gunicorn.conf.py serving the web
half, and ``kindness-bot scheduler`` as a separate process, on one PostgreSQL database; the
figures of every process add up at ``/metrics``; the log is JSON, line by line."""

from __future__ import annotations

import json
import re
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.db import Database
from bot.models import Entry
from conftest import SIGNING_SECRET
from pgserver import PostgresServer
from processes import (
    BIN,
    REPOSITORY,
    SCRIPT,
    CommandProcess,
    answer_to,
    clean_environment,
    get,
    wait_until,
)
from sandbox import SlackDriver, SlackStandIn
from serving import free_port

NETWORK = "CNETWORK"
COMMANDS = 12


def metric(text: str, name: str, **labels: str) -> float:
    """One sample's value from Prometheus text (0 when it is not there)."""
    for line in text.splitlines():
        match = re.fullmatch(r"([a-z_]+)(\{[^}]*\})? (\S+)", line)
        if not match or match.group(1) != name:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', match.group(2) or ""))
        if all(found.get(k) == v for k, v in labels.items()):
            return float(match.group(3))
    return 0.0


def test_gunicorn_and_a_separate_scheduler_share_one_database(
    tmp_path: Path, postgres: PostgresServer
) -> None:
    url = postgres.create_database("deploy_test")
    port = free_port()
    an_hour_ago = datetime.now(UTC) - timedelta(hours=1)
    with SlackStandIn() as standin:
        standin.add_channel(NETWORK, "kindness-network")
        env = clean_environment(
            SLACK_BOT_TOKEN=standin.bot_token,
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SLACK_API_URL=standin.api_url,
            DATABASE_URL=url,
            HOST="127.0.0.1",
            PORT=str(port),
            WEB_CONCURRENCY="2",
            PROMETHEUS_MULTIPROC_DIR=str(tmp_path),
            LOG_FORMAT="json",
        )
        # The coordinator sets the rhythm before anyone uses the bot: a prompt due an hour
        # ago, which the scheduler catches up when it starts.
        setup = subprocess.run(
            [
                SCRIPT,
                "settings",
                "set",
                f"channel={NETWORK}",
                f"prompt_day={an_hour_ago:%A}",
                f"prompt_time={an_hour_ago:%H:%M}",
                "timezone=UTC",
            ],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert setup.returncode == 0, setup.stderr
        gunicorn = [str(BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "bot.app:wsgi"]
        web = CommandProcess(gunicorn, cwd=REPOSITORY, env=env, port=port)
        scheduler = CommandProcess([SCRIPT, "scheduler"], cwd=tmp_path, env=env, healthy=False)
        with web, scheduler:
            wait_until(lambda: standin.messages_in(NETWORK), what="the caught-up prompt")
            driver = SlackDriver(f"{web.url}/slack/events", SIGNING_SECRET, standin)
            for number in range(COMMANDS):
                reply = driver.command(f"log g2 Story number {number}", user=f"U{number:03d}")
                assert "Saved your story" in answer_to(standin, reply)
            # Several scrapes land on both workers: each shows every process's figures.
            scrapes = [get(f"{web.url}/metrics")[1] for _ in range(4)]
        assert web.process is not None and web.process.returncode == 0, web.output
        assert scheduler.process is not None and scheduler.process.returncode == 0
    db = Database(url)
    try:
        with db.reading() as session:
            assert session.scalar(select(func.count(Entry.id))) == COMMANDS
    finally:
        db.dispose()
    assert len(standin.messages_in(NETWORK)) == 1, "the prompt was posted once"
    for text in scrapes:
        assert metric(text, "kindness_slack_requests_total", kind="command", outcome="ok") == (
            COMMANDS
        )
        assert metric(text, "kindness_entries_stored_total", source="slash") == COMMANDS
        assert metric(text, "kindness_jobs_total", job="prompt", outcome="posted") == 1
        assert metric(text, "kindness_claims_total", job="prompt", result="taken") == 1
        assert metric(text, "kindness_http_requests_total", route="slack_events", status="200")
    assert "ERROR" not in web.output and "WARNING" not in web.output, web.output
    for line in web.output.splitlines():
        record = json.loads(line)  # every line is one JSON object
        assert {"time", "level", "logger", "message"} <= set(record)
    messages = [json.loads(line)["message"] for line in web.output.splitlines()]
    assert any("Booting worker" in m for m in messages), "gunicorn's own lines"
    # Each worker set up the bot's logging and checked the token, as `kindness-bot web` does.
    assert sum("connected to Slack workspace" in m for m in messages) == 2


def test_gunicorn_workers_keep_members_words_and_secrets_out_of_a_debug_log(
    tmp_path: Path,
) -> None:
    """``bot.app:wsgi`` sets up the bot's logging in each worker, as ``kindness-bot web`` does:
    gunicorn's configuration alone would write what Bolt and slack_sdk log at DEBUG, a
    member's words among it."""
    port = free_port()
    words = "Asked-the-night-porter-how-her-shift-went"
    with SlackStandIn() as standin:
        env = clean_environment(
            SLACK_BOT_TOKEN=standin.bot_token,
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SLACK_API_URL=standin.api_url,
            DATABASE_URL=f"sqlite:///{tmp_path / 'kindness.db'}",
            HOST="127.0.0.1",
            PORT=str(port),
            WEB_CONCURRENCY="1",
            PROMETHEUS_MULTIPROC_DIR=str(tmp_path),
            LOG_LEVEL="DEBUG",
        )
        gunicorn = [str(BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "bot.app:wsgi"]
        with CommandProcess(gunicorn, cwd=REPOSITORY, env=env, port=port) as web:
            driver = SlackDriver(f"{web.url}/slack/events", SIGNING_SECRET, standin)
            reply = driver.command(f"log g2 {words}", user="UANN")
            assert words in answer_to(standin, reply)
    assert "connected to Slack workspace" in web.output, "the worker checked the token"
    assert " DEBUG " in web.output, "the log is at DEBUG"
    assert words not in web.output
    assert SIGNING_SECRET not in web.output and standin.bot_token not in web.output


@pytest.mark.parametrize("unit", ["kindness-bot-web.service", "kindness-bot-scheduler.service"])
def test_the_systemd_units_run_what_the_readme_says(unit: str) -> None:
    text = (REPOSITORY / "deploy" / unit).read_text()
    assert "EnvironmentFile=/etc/kindness-bot/env" in text
    assert "Environment=PROMETHEUS_MULTIPROC_DIR=/run/kindness-bot/metrics" in text
    start = re.search(r"^ExecStart=(.+)$", text, re.M)
    assert start is not None
    expected = {
        "kindness-bot-web.service": "gunicorn -c deploy/gunicorn.conf.py bot.app:wsgi",
        "kindness-bot-scheduler.service": "kindness-bot scheduler",
    }[unit]
    assert start.group(1).endswith(expected)
    procfile = (REPOSITORY / "Procfile").read_text()
    assert expected in procfile
