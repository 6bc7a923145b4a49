"""What the logs hold: the same set-up everywhere, JSON for log shippers, and never a secret
or a member's words — at any level, DEBUG included."""

from __future__ import annotations

import io
import json
import logging
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import load_config
from conftest import SIGNING_SECRET
from processes import SCRIPT, CommandProcess, answer_to, clean_environment, wait_until
from runtime.logs import RedactingFormatter, configure_logging, configure_logging_for
from sandbox import SlackDriver, SlackStandIn
from sandbox.socket_mode import SocketModeDriver, SocketModeStandIn
from serving import free_port
from slack_helpers import modal_values

NETWORK = "CNETWORK"


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(level)


def test_tokens_never_reach_the_log() -> None:
    record = logging.LogRecord(
        "slack_sdk",
        logging.DEBUG,
        __file__,
        1,
        'body: {"access_token": "xoxb-123-456-abcDEF", "app": "xapp-1-A1-xyz"}',
        None,
        None,
    )
    shown = RedactingFormatter("%(message)s").format(record)
    assert "abcDEF" not in shown and "xyz" not in shown
    assert "xoxb-(redacted)" in shown and "xapp-(redacted)" in shown


def test_json_lines_carry_level_logger_message_and_traceback(restore_logging: None) -> None:
    out = io.StringIO()
    configure_logging("INFO", "json", stream=out)
    log = logging.getLogger("bot.test")
    log.info("posted the %s prompt", "2026-W48")
    try:
        raise RuntimeError("with xoxb-1-secret-token inside")
    except RuntimeError:
        log.exception("it broke")
    first, second = (json.loads(line) for line in out.getvalue().splitlines())
    assert (first["level"], first["logger"], first["message"]) == (
        "INFO",
        "bot.test",
        "posted the 2026-W48 prompt",
    )
    assert "time" in first
    assert second["level"] == "ERROR" and "RuntimeError" in second["exc_info"]
    assert "secret-token" not in out.getvalue()


def test_the_configured_secrets_are_redacted_by_value(restore_logging: None) -> None:
    config = load_config(
        {
            "SLACK_CLIENT_ID": "1111.2222",
            "SLACK_CLIENT_SECRET": "the-oauth-client-secret",
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "DATABASE_URL": "postgresql://kb:hunter2-db-password@db.internal/kindness",
        },
        require_slack=True,
    )
    out = io.StringIO()
    configure_logging_for(config, stream=out)
    logging.getLogger("bot.test").warning(
        "%s %s %s", SIGNING_SECRET, config.slack_client_secret, config.database_url
    )
    shown = out.getvalue()
    for secret in (SIGNING_SECRET, "the-oauth-client-secret", "hunter2-db-password"):
        assert secret not in shown
    assert shown.count("(redacted)") == 3


def test_a_configurations_repr_hides_secrets_and_the_database_password() -> None:
    config = load_config(
        {
            "SLACK_BOT_TOKEN": "xoxb-1-2-very-secret",
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_APP_TOKEN": "xapp-1-also-secret",
            "DATABASE_URL": "postgresql://kb:hunter2@db.internal/kindness",
        },
        require_slack=True,
    )
    shown = repr(config)
    for secret in ("very-secret", SIGNING_SECRET, "also-secret", "hunter2"):
        assert secret not in shown
    assert "slack_bot_token='(set)'" in shown and "kb:***@db.internal" in shown
    assert "slack_client_secret=None" in shown


# -- a member's words, end to end, at DEBUG -----------------------------------------------------

WORDS = {
    "command": "Marigold-7 we sat with the family for an hour",
    "modal": "Marigold-8 the letter now starts with their name",
    "thread": "Marigold-9 a neighbour drops in every Tuesday",
    "refused": "Marigold-10 " + "far too long " * 400,
    "search": "Marigold-11",
}


def _drive(slack: SlackDriver, standin: SlackStandIn, run_cli) -> None:
    """A member's words in every way they arrive, plus a refusal that quotes them back."""
    saved = slack.command(f"log g3 {WORDS['command']}", user="UANN")
    assert "Saved" in answer_to(standin, saved)
    slack.command("log", user="UANN")
    wait_until(lambda: standin.open_views(), what="the log form")
    view_id = standin.open_views()[-1]["id"]
    reply = slack.view_submission(
        "log_entry", modal_values(WORDS["modal"]), user="UANN", view_id=view_id
    )
    assert reply.status == 200
    refused = slack.command(f"log {WORDS['refused']}", user="UBEN")
    assert "too long" in answer_to(standin, refused)
    assert answer_to(standin, slack.command(f"search {WORDS['search']}", user="UBEN"))
    run_cli("settings", "set", f"channel={NETWORK}")
    run_cli("post", "prompt", "--at", "2026-11-23T10:00+00:00")
    [prompt] = standin.messages_in(NETWORK)
    event = slack.message(WORDS["thread"], user="UCAT", channel=NETWORK, thread_ts=prompt["ts"])
    assert slack.event(event).status == 200
    wait_until(lambda: standin.calls_to("reactions.add"), what="the thread reply to be saved")


@pytest.mark.parametrize("mode", ["http", "socket"])
def test_a_members_words_and_secrets_never_reach_the_log_even_at_debug(
    tmp_path: Path, mode: str
) -> None:
    port = free_port()
    cli_output: list[str] = []
    with SlackStandIn() as standin, SocketModeStandIn(standin) as socket_mode:
        standin.add_channel(NETWORK, "kindness-network")
        env = clean_environment(
            SLACK_BOT_TOKEN=standin.bot_token,
            SLACK_API_URL=standin.api_url,
            DATABASE_URL=f"sqlite:///{tmp_path / 'kindness.db'}",
            HOST="127.0.0.1",
            PORT=str(port),
            LOG_LEVEL="DEBUG",
        )
        if mode == "http":
            env["SLACK_SIGNING_SECRET"] = SIGNING_SECRET
        else:
            env["SLACK_APP_TOKEN"] = socket_mode.app_token

        def run_cli(*args: str) -> None:
            done = subprocess.run(
                [SCRIPT, *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
            )
            assert done.returncode == 0, done.stderr
            cli_output.append(done.stdout + done.stderr)

        with CommandProcess([SCRIPT, "web"], cwd=tmp_path, env=env, port=port) as bot:
            if mode == "http":
                slack = SlackDriver(f"{bot.url}/slack/events", SIGNING_SECRET, standin)
            else:
                socket_mode.wait_for_connection()
                slack = SocketModeDriver(socket_mode)
            _drive(slack, standin, run_cli)
    logged = bot.output + "".join(cli_output)
    assert " DEBUG " in logged, "the test ran at DEBUG"
    assert "Marigold" not in logged, [line for line in logged.splitlines() if "Marigold" in line][
        :3
    ]
    for secret in (standin.bot_token, SIGNING_SECRET, socket_mode.app_token):
        assert secret not in logged
