"""No trap in set-up: a coordinator copies ``.env.example``, fills in one mode's values, leaves
the others empty as shipped — and gets a bot that answers, in each mode."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore

from bot.config import load_config
from bot.db import Database
from bot.services import Services
from conftest import SIGNING_SECRET
from processes import (
    REPOSITORY,
    SCRIPT,
    CommandProcess,
    answer_to,
    clean_environment,
    kindness_bot,
)
from runtime.app import create_app
from runtime.environment import load_environment
from sandbox import SlackDriver, SlackStandIn
from sandbox.socket_mode import SocketModeDriver, SocketModeStandIn
from serving import free_port

CLIENT_ID, CLIENT_SECRET = "1111.2222", "oauth-client-secret-for-tests"


def env_file(directory: Path, **values: str) -> Path:
    """``.env.example`` copied to ``.env``, with ``values`` filled in on their own lines."""
    text = (REPOSITORY / ".env.example").read_text()
    for name, value in values.items():
        text, found = re.subn(rf"^{name}=.*$", f"{name}={value}", text, flags=re.M)
        assert found == 1, f"{name} is not in .env.example"
    path = directory / ".env"
    path.write_text(text)
    return path


def _serve(tmp_path: Path, port: int) -> CommandProcess:
    # Only what the shell would have: the settings are all in .env.
    return CommandProcess([SCRIPT, "run"], cwd=tmp_path, env=clean_environment(), port=port)


def test_env_example_with_the_two_single_workspace_values_answers_a_command(
    tmp_path: Path,
) -> None:
    port = free_port()
    with SlackStandIn() as standin:
        env_file(
            tmp_path,
            SLACK_BOT_TOKEN=standin.bot_token,
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SLACK_API_URL=standin.api_url,
            HOST="127.0.0.1",
            PORT=str(port),
        )
        with _serve(tmp_path, port) as bot:
            reply = SlackDriver(f"{bot.url}/slack/events", SIGNING_SECRET, standin).command("help")
            assert reply.status == 200
            shown = answer_to(standin, reply)
        assert "What you can do with /kindness" in shown
        assert "reinstall" not in shown.lower()
    assert "connected to Slack workspace Kindness Network" in bot.output
    assert " WARNING " not in bot.output, bot.output


def test_env_example_with_the_oauth_values_installs_and_answers(tmp_path: Path) -> None:
    port = free_port()
    with SlackStandIn() as standin:
        standin.add_oauth_app(CLIENT_ID, CLIENT_SECRET)
        env_file(
            tmp_path,
            SLACK_CLIENT_ID=CLIENT_ID,
            SLACK_CLIENT_SECRET=CLIENT_SECRET,
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SLACK_API_URL=standin.api_url,
            HOST="127.0.0.1",
            PORT=str(port),
        )
        with _serve(tmp_path, port) as bot:
            with urllib.request.urlopen(f"{bot.url}/slack/install") as page:
                html, cookie = page.read().decode(), page.headers["Set-Cookie"].split(";")[0]
            state = re.search(r"state=([^&\"]+)", html).group(1)
            code = standin.approve_install(CLIENT_ID, team_id="T0NEW", team_name="New Network")
            done = urllib.request.Request(
                f"{bot.url}/slack/oauth_redirect?code={code}&state={urllib.parse.quote(state)}",
                headers={"Cookie": cookie},
            )
            with urllib.request.urlopen(done) as page:
                assert "Thank you!" in page.read().decode()
            driver = SlackDriver(f"{bot.url}/slack/events", SIGNING_SECRET, standin, "T0NEW")
            shown = answer_to(standin, driver.command("help"))
        assert "What you can do with /kindness" in shown
    assert " WARNING " not in bot.output, bot.output


def test_env_example_with_the_socket_mode_values_answers_through_the_socket(
    tmp_path: Path,
) -> None:
    port = free_port()
    with SlackStandIn() as standin, SocketModeStandIn(standin) as socket_mode:
        env_file(
            tmp_path,
            SLACK_BOT_TOKEN=standin.bot_token,
            SLACK_APP_TOKEN=socket_mode.app_token,
            SLACK_API_URL=standin.api_url,
            HOST="127.0.0.1",
            PORT=str(port),
        )
        with _serve(tmp_path, port) as bot:
            socket_mode.wait_for_connection()
            shown = answer_to(standin, SocketModeDriver(socket_mode).command("help"))
        assert "What you can do with /kindness" in shown
    assert " WARNING " not in bot.output, bot.output


# -- an empty value is unset, for everything in the process ----------------------------------


def test_dotenv_fills_what_the_environment_leaves_empty_and_empties_are_removed(
    tmp_path: Path,
) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text("SLACK_BOT_TOKEN=xoxb-from-file\nSLACK_CLIENT_ID=\nPORT=4000\nLOG_LEVEL=\n")
    environ = {"SLACK_BOT_TOKEN": "", "PORT": "5000", "SLACK_CLIENT_SECRET": " ", "EDITOR": ""}
    load_environment(str(dotenv), environ)
    assert environ == {"SLACK_BOT_TOKEN": "xoxb-from-file", "PORT": "5000", "EDITOR": ""}


def test_bolt_sees_only_the_configuration_not_the_environment(
    sqlite_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Bolt starts its own OAuth flow when SLACK_CLIENT_ID and SLACK_CLIENT_SECRET exist, and
    warns when SLACK_BOT_TOKEN is there beside the client: it must not see them."""
    monkeypatch.setenv("SLACK_CLIENT_ID", "stray-client-id")
    monkeypatch.setenv("SLACK_CLIENT_SECRET", "stray-client-secret")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-stray-token")
    config = load_config(
        {"SLACK_BOT_TOKEN": "xoxb-configured", "SLACK_SIGNING_SECRET": SIGNING_SECRET},
        require_slack=True,
    )
    app = create_app(Services(config, sqlite_db))
    assert app.oauth_flow is None and app.client.token == "xoxb-configured"
    assert os.environ["SLACK_CLIENT_ID"] == "stray-client-id", "the environment is put back"


# -- a coordinator sets up before anyone uses the bot ------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "json", "md"])
def test_an_export_of_an_empty_database_is_an_empty_export(tmp_path: Path, fmt: str) -> None:
    # The database exists from the bot's first start (or `db upgrade`); a missing one is refused
    # rather than made (tests/test_cli.py).
    assert kindness_bot(tmp_path, "db", "upgrade").returncode == 0
    result = kindness_bot(tmp_path, "export", "--format", fmt)
    assert result.returncode == 0, result.stderr
    if fmt == "csv":
        assert list(csv.reader(io.StringIO(result.stdout)))[1:] == []
        assert result.stdout.startswith("id,created_at,kind,")
    elif fmt == "json":
        assert json.loads(result.stdout)["entries"] == []
    else:
        assert (
            "0 shared entries" in result.stdout
            and "Nothing logged in this period." in result.stdout
        )


def test_an_installed_workspace_is_known_to_the_shell_before_anyone_used_it(
    tmp_path: Path,
) -> None:
    """Multi-workspace mode: a workspace that installed the app (and nothing more) is one
    the shell may name; one that did not is refused with the known ones."""
    db = Database(f"sqlite:///{tmp_path / 'kindness.db'}")
    db.upgrade()
    SQLAlchemyInstallationStore(client_id=CLIENT_ID, engine=db.engine).save(
        Installation(
            app_id="A0KIND",
            user_id="UINSTALLER",
            team_id="T0INSTALLED",
            bot_token="xoxb-installed",
            bot_id="B0KIND",
            bot_user_id="U0KIND",
        )
    )
    db.dispose()
    oauth = {
        "SLACK_CLIENT_ID": CLIENT_ID,
        "SLACK_CLIENT_SECRET": CLIENT_SECRET,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
    }
    done = kindness_bot(tmp_path, "settings", "set", "channel=C0123ABCD", **oauth)
    assert done.returncode == 0, done.stderr
    assert "Saved. Settings of T0INSTALLED:" in done.stdout
    typo = kindness_bot(tmp_path, "settings", "--team", "T0INSTALED", "show", **oauth)
    assert typo.returncode == 2
    assert "no workspace 'T0INSTALED' is known (known: T0INSTALLED)" in typo.stderr
