"""Socket Mode while connected: ``kindness-bot run`` with ``SLACK_APP_TOKEN`` holds a websocket
to the Socket Mode stand-in, and Slack's requests reach it only through that socket."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.db import Database
from bot.models import Entry
from conftest import message_text
from processes import SCRIPT, CommandProcess, clean_environment, wait_until
from sandbox import Reply, SlackStandIn
from sandbox.socket_mode import SocketModeDriver, SocketModeStandIn
from serving import free_port
from slack_helpers import modal_values

NETWORK = "CNETWORK"


@dataclass
class SocketBot:
    standin: SlackStandIn
    socket_mode: SocketModeStandIn
    slack: SocketModeDriver
    process: CommandProcess
    db: Database
    env: dict[str, str]
    cwd: Path

    def entries(self, text: str) -> list[Entry]:
        with self.db.reading() as session:
            return list(session.scalars(select(Entry).where(Entry.text == text)))

    def answer(self, reply: Reply) -> str:
        """What the member was shown: the acknowledgement's message, or what the bot sent
        to the command's response_url afterwards."""
        if reply.json:
            return message_text(reply.json)
        wait_until(
            lambda: self.standin.responses(reply.response_url),
            what="an answer at the response_url",
        )
        return "\n".join(message_text(m) for m in self.standin.responses(reply.response_url))


def _socket_mode_env(
    standin: SlackStandIn, socket_mode: SocketModeStandIn, url: str, port: int
) -> dict[str, str]:
    """`kindness-bot run` in Socket Mode against the stand-ins."""
    return clean_environment(
        SLACK_BOT_TOKEN=standin.bot_token,
        SLACK_APP_TOKEN=socket_mode.app_token,
        SLACK_API_URL=standin.api_url,
        DATABASE_URL=url,
        HOST="127.0.0.1",
        PORT=str(port),
    )


@pytest.fixture(scope="module")
def socket_bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SocketBot]:
    cwd = tmp_path_factory.mktemp("socket-mode")
    url = f"sqlite:///{cwd / 'kindness.db'}"
    with SlackStandIn() as standin, SocketModeStandIn(standin) as socket_mode:
        standin.add_channel(NETWORK, "kindness-network")
        port = free_port()
        env = _socket_mode_env(standin, socket_mode, url, port)
        with CommandProcess([SCRIPT, "run"], cwd=cwd, env=env, port=port) as process:
            socket_mode.wait_for_connection()
            db = Database(url)
            try:
                yield SocketBot(
                    standin, socket_mode, SocketModeDriver(socket_mode), process, db, env, cwd
                )
            finally:
                db.dispose()
        assert process.process is not None and process.process.returncode == 0, process.output


def test_a_slash_command_arrives_through_the_socket_and_is_answered(socket_bot: SocketBot) -> None:
    reply = socket_bot.slack.command(
        "log g3 We asked the family what mattered to them", user="UANN"
    )
    assert reply.status == 200, "the bot acknowledged the envelope"
    assert "Saved your story" in socket_bot.answer(reply)
    [entry] = socket_bot.entries("We asked the family what mattered to them")
    assert (entry.user_id, entry.goal_key, entry.source) == ("UANN", "relationships", "slash")


def test_a_thread_reply_arrives_through_the_socket_and_is_saved_under_the_goal(
    socket_bot: SocketBot,
) -> None:
    for command in (
        ["settings", "set", f"channel={NETWORK}"],
        ["post", "prompt", "--at", "2026-11-23T10:00+00:00"],
    ):
        done = subprocess.run(
            [SCRIPT, *command],
            cwd=socket_bot.cwd,
            env=socket_bot.env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
    [prompt] = socket_bot.standin.messages_in(NETWORK)
    slack = socket_bot.slack
    reply = slack.event(
        slack.message(
            "A neighbour now drops in every Tuesday",
            user="UBEN",
            channel=NETWORK,
            thread_ts=prompt["ts"],
        )
    )
    assert reply.status == 200
    wait_until(
        lambda: socket_bot.entries("A neighbour now drops in every Tuesday"), what="the entry"
    )
    [entry] = socket_bot.entries("A neighbour now drops in every Tuesday")
    assert (entry.user_id, entry.source, entry.goal_key) == ("UBEN", "thread", "purpose")
    wait_until(
        lambda: any(c.ok for c in socket_bot.standin.calls_to("reactions.add")),
        what="the reaction on the saved reply",
    )


def test_a_modal_submission_arrives_through_the_socket_and_is_stored_before_the_answer(
    socket_bot: SocketBot,
) -> None:
    slack = socket_bot.slack
    slack.command("log", user="UCAT")
    wait_until(lambda: socket_bot.standin.open_views(), what="the log form to open")
    view_id = socket_bot.standin.open_views()[-1]["id"]
    reply = slack.view_submission(
        "log_entry",
        modal_values("Rewrote the appointment letter with two families", kind="action"),
        user="UCAT",
        view_id=view_id,
    )
    assert reply.status == 200
    [entry] = socket_bot.entries("Rewrote the appointment letter with two families")
    assert (entry.kind, entry.source) == ("action", "modal")
    assert reply.json["response_action"] == "update"
    assert "Saved." in json.dumps(socket_bot.standin.view(view_id))


@pytest.mark.parametrize("how", ["drop", "disconnect"])
def test_a_lost_socket_is_replaced_and_the_next_command_is_answered(
    socket_bot: SocketBot, how: str
) -> None:
    socket_mode = socket_bot.socket_mode
    opened = socket_mode.connections_opened
    if how == "drop":
        socket_mode.drop()  # the network failed: no closing handshake
    else:
        socket_mode.disconnect("refresh_requested")  # Slack's routine refresh
    socket_mode.wait_for_connection(opened + 1)
    reply = socket_bot.slack.command(f"log g6 Counted the thank-you cards after the {how}")
    assert reply.status == 200
    assert "Saved your story" in socket_bot.answer(reply)
    assert socket_bot.entries(f"Counted the thank-you cards after the {how}")
    assert socket_mode.connections_opened == opened + 1, "one new connection, no churn"


def test_a_start_opens_one_connection_and_logs_no_error(tmp_path: Path) -> None:
    """The client's monitor must not take the first connection, still opening, for a dead
    one: it then asked Slack for a second, and when the reader had already picked the first
    up, closed it under the reader (an ERROR in the log, a connection the client lost track
    of, and a stop that could hang on it)."""
    url = f"sqlite:///{tmp_path / 'kindness.db'}"
    with SlackStandIn() as standin, SocketModeStandIn(standin) as socket_mode:
        # A distant Slack: the client's reader picks the first connection up (every 0.5 s)
        # before a second URL could arrive, so a monitor that looked too early would show.
        standin.latency(0.8, "apps.connections.open")
        port = free_port()
        env = _socket_mode_env(standin, socket_mode, url, port)
        with CommandProcess([SCRIPT, "run"], cwd=tmp_path, env=env, port=port) as process:
            socket_mode.wait_for_connection()
            reply = SocketModeDriver(socket_mode).command("log g3 Asked before assuming")
            assert reply.status == 200
            assert socket_mode.connections_opened == 1
        assert process.process is not None and process.process.returncode == 0
        assert " ERROR " not in process.output, process.output
        assert "Reconnecting" not in process.output, process.output  # nothing was lost
