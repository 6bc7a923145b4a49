"""Starting the bot as an operator does: the version, a port already taken, errors that name
their real cause, and a start that logs nothing alarming."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError, OperationalError

from bot.db import Database
from bot.models import Workspace
from conftest import SIGNING_SECRET
from processes import SCRIPT, CommandProcess, clean_environment, get, kindness_bot
from runtime.cli import database_problem
from sandbox import SlackStandIn
from sandbox.socket_mode import SocketModeStandIn
from serving import free_port

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def test_version(tmp_path: Path) -> None:
    result = kindness_bot(tmp_path, "--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"kindness-bot {version('kindness-bot')}"


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn() as standin:
        yield standin


@pytest.mark.parametrize("command", ["run", "web"])
def test_a_port_in_use_is_one_line_and_nothing_starts(
    tmp_path: Path, standin: SlackStandIn, command: str
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = kindness_bot(
            tmp_path,
            command,
            SLACK_BOT_TOKEN=standin.bot_token,
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SLACK_API_URL=standin.api_url,
            HOST="127.0.0.1",
            PORT=str(port),
        )
    assert result.returncode == 2
    assert result.stderr == (
        f"kindness-bot: cannot listen on 127.0.0.1:{port}: the port is in use (is another "
        "kindness-bot running?); stop what holds it or set PORT (and HOST)\n"
    )
    assert standin.calls == [], "nothing ran: no token check, no job"


def test_an_unreachable_database_is_a_setting_to_check(tmp_path: Path) -> None:
    unreachable = f"sqlite:///{tmp_path}/no/such/dir/k.db"
    # A command that only reads does not try to make it (tests/test_cli.py)…
    refused = kindness_bot(tmp_path, "export", DATABASE_URL=unreachable)
    assert refused.returncode == 2 and "there is no database at" in refused.stderr
    # …one that would make it finds it cannot.
    result = kindness_bot(tmp_path, "db", "upgrade", DATABASE_URL=unreachable)
    assert result.returncode == 1
    assert "the database did not answer (OperationalError: unable to open database file)" in (
        result.stderr
    )
    assert "Check DATABASE_URL." in result.stderr and "Traceback" not in result.stderr


def test_a_refused_statement_is_not_blamed_on_database_url(database: Database) -> None:
    """A lost race on a unique key (two processes creating the same row) is the database
    refusing one statement: said as such, without the values (they may be a member's words)."""
    row = {"team_id": "T1", "name": "A member's words", "created_at": NOW, "updated_at": NOW}
    with database.session() as session:
        session.execute(insert(Workspace).values(**row))
    with pytest.raises(IntegrityError) as raised, database.session() as session:
        session.execute(insert(Workspace).values(**row))
    said = database_problem(raised.value)
    assert said.startswith("the database refused the operation (")
    assert "DATABASE_URL" not in said and "did not answer" not in said
    assert "A member's words" not in said and "A member's words" not in str(raised.value)


def test_a_lost_connection_is_a_setting_to_check() -> None:
    lost = OperationalError("SELECT 1", {}, Exception('connection to server at "db" failed'))
    assert database_problem(lost).endswith("Check DATABASE_URL.")


def _quiet_start(tmp_path: Path, command: list[str], env: dict[str, str], port: int) -> str:
    with CommandProcess(command, cwd=tmp_path, env=env, port=port) as bot:
        status, _ = get(f"{bot.url}/healthz")
        assert status == 200
    assert bot.process is not None and bot.process.returncode == 0, bot.output
    return bot.output


def test_a_first_start_in_each_mode_logs_no_warning(tmp_path: Path, standin: SlackStandIn) -> None:
    """Single workspace (web + scheduler), Socket Mode and many workspaces (OAuth), each from
    an empty database: no warning and no error, Bolt's start-up warnings included."""
    base = {
        "SLACK_API_URL": standin.api_url,
        "HOST": "127.0.0.1",
    }
    modes = {
        "single": {"SLACK_BOT_TOKEN": standin.bot_token, "SLACK_SIGNING_SECRET": SIGNING_SECRET},
        "oauth": {
            "SLACK_CLIENT_ID": "1111.2222",
            "SLACK_CLIENT_SECRET": "an-oauth-client-secret",
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        },
    }
    for mode, slack in modes.items():
        port = free_port()
        env = clean_environment(
            **base, **slack, PORT=str(port), DATABASE_URL=f"sqlite:///{tmp_path / mode}.db"
        )
        output = _quiet_start(tmp_path, [SCRIPT, "run"], env, port)
        assert " WARNING " not in output and " ERROR " not in output, f"{mode}:\n{output}"
    with SocketModeStandIn(standin) as socket_mode:
        port = free_port()
        env = clean_environment(
            **base,
            SLACK_BOT_TOKEN=standin.bot_token,
            SLACK_APP_TOKEN=socket_mode.app_token,
            PORT=str(port),
            DATABASE_URL=f"sqlite:///{tmp_path / 'socket'}.db",
        )
        with CommandProcess([SCRIPT, "run"], cwd=tmp_path, env=env, port=port) as bot:
            socket_mode.wait_for_connection()
        assert " WARNING " not in bot.output and " ERROR " not in bot.output, bot.output
        # Stopped by its SIGTERM, just after connecting (never killed for hanging on to it).
        assert bot.process is not None and bot.process.returncode == 0, bot.output
