"""Rotating tokens: with token rotation on, a workspace's token expires 12 hours after Slack
issued it. Every job refreshes a token about to expire before using it, stores the new one,
and one process at a time refreshes it (Slack revokes a refresh token once used).

The Slack stand-in issues expiring tokens (``rotate_tokens``) on the tests' clock: a token
answers ``token_expired`` once its time has passed, and ``oauth.v2.access`` with
``grant_type=refresh_token`` exchanges a refresh token once.
"""

from __future__ import annotations

import logging
import subprocess
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.oauth.installation_store import Bot
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from sqlalchemy import select
from test_oauth import CLIENT_ID, CLIENT_SECRET, MultiWorkspaceBot

from bot.config import load_config
from bot.db import Database
from bot.models import TokenRefresh
from bot.services import Services
from bot.slack.client import TeamClients, make_client
from conftest import SIGNING_SECRET, DrainingExecutor, FakeClock
from processes import SCRIPT, clean_environment, wait_until
from runtime.app import create_app
from runtime.wsgi import KindnessWsgi
from sandbox import SlackStandIn
from schedules.runner import Rhythm
from serving import ServedWsgi

ALPHA = "T0ALPHA"
FRIDAY = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)
MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # the default prompt: Monday 10:00 (UTC)
NETWORK = "CNETWORK"


def _oauth_bot(db: Database, clock) -> Iterator[MultiWorkspaceBot]:
    # The stand-in's tokens expire on the tests' clock, as the bot judges them.
    with SlackStandIn(clock=lambda: clock().timestamp()) as standin:
        standin.add_oauth_app(CLIENT_ID, CLIENT_SECRET)
        standin.rotate_tokens()
        config = load_config(
            {
                "SLACK_CLIENT_ID": CLIENT_ID,
                "SLACK_CLIENT_SECRET": CLIENT_SECRET,
                "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                "SLACK_API_URL": standin.api_url,
            },
            require_slack=True,
        )
        services = Services(config, db, clock=clock)
        executor = DrainingExecutor()
        app = create_app(
            services, client=make_client(config, backoff=0.01), listener_executor=executor
        )
        served = ServedWsgi(KindnessWsgi(app, services))
        try:
            yield MultiWorkspaceBot(standin, services, served.url, executor)
            executor.drain()
        finally:
            served.stop()
            executor.shutdown(wait=True)


@pytest.fixture
def rotating(database: Database, clock: FakeClock) -> Iterator[MultiWorkspaceBot]:
    """The bot in multi-workspace mode on each store, its app's tokens rotating."""
    yield from _oauth_bot(database, clock)


def _installed_on_friday(bot: MultiWorkspaceBot, clock: FakeClock) -> str:
    clock.set(FRIDAY)
    bot.install(team_id=ALPHA, team_name="Alpha Network")
    bot.standin.add_channel(NETWORK, "kindness-network")
    bot.services.settings.update(ALPHA, {"channel": NETWORK}, by_user=None)
    return bot.standin.bot_token_of(team_id=ALPHA)


def _rhythm(bot: MultiWorkspaceBot, db: Database | None = None) -> Rhythm:
    services = bot.services
    clients = TeamClients(services.config, engine=(db or services.db).engine, clock=services.clock)
    return Rhythm(services, clients.port, BackgroundScheduler(timezone="UTC"))


def _stored(db: Database) -> Bot:
    bot = SQLAlchemyInstallationStore(client_id=CLIENT_ID, engine=db.engine).find_bot(
        enterprise_id=None, team_id=ALPHA
    )
    assert bot is not None
    return bot


def _error_with(standin: SlackStandIn, token: str) -> str | None:
    try:
        WebClient(token=token, base_url=standin.api_url).auth_test()
    except SlackApiError as error:
        return str(error.response["error"])
    return None


def test_mondays_prompt_goes_out_after_a_quiet_weekend(
    rotating: MultiWorkspaceBot, clock: FakeClock
) -> None:
    friday_token = _installed_on_friday(rotating, clock)
    standin = rotating.standin
    assert _stored(rotating.services.db).bot_refresh_token

    # Nobody used the bot all weekend: Friday's token died on Saturday morning.
    clock.set(MONDAY)
    assert _error_with(standin, friday_token) == "token_expired"
    outcome = _rhythm(rotating).run_prompt(ALPHA)

    assert outcome is not None and outcome.status == "posted", outcome
    (refresh,) = standin.refreshes()
    assert refresh.ok and refresh.args["grant_type"] == "refresh_token"
    monday_token = standin.bot_token_of(team_id=ALPHA)
    assert monday_token != friday_token
    (prompt,) = standin.calls_to("chat.postMessage")
    assert prompt.ok and prompt.token == monday_token
    assert "Share a story" in str(standin.messages_in(NETWORK)[-1]["blocks"])
    # The new token is stored, with its own expiry and the refresh token that came with it.
    stored = _stored(rotating.services.db)
    assert stored.bot_token == monday_token
    # (to the second: slack_sdk stamps the machine's time, moved onto the clock the bot keeps)
    twelve_hours_on = int((MONDAY + timedelta(hours=12)).timestamp())
    assert abs(stored.bot_token_expires_at - twelve_hours_on) <= 1
    assert stored.bot_refresh_token != refresh.args["refresh_token"]

    # Friday's digest: Monday's token has expired in turn; it is refreshed with the refresh
    # token Monday's refresh gave (the first one was revoked by then).
    clock.set(datetime(2026, 11, 27, 15, 0, tzinfo=UTC))
    digest = _rhythm(rotating).run_digest(ALPHA)
    assert digest is not None and digest.status == "posted", digest
    assert [r.ok for r in standin.refreshes()] == [True, True]


def test_a_token_with_hours_left_is_used_as_it_is(
    rotating: MultiWorkspaceBot, clock: FakeClock
) -> None:
    friday_token = _installed_on_friday(rotating, clock)
    clock.set(FRIDAY + timedelta(hours=9))  # three hours left: more than the two kept in hand
    client = TeamClients(rotating.services.config, engine=rotating.services.db.engine, clock=clock)
    assert client(ALPHA).token == friday_token
    assert rotating.standin.refreshes() == []
    clock.set(FRIDAY + timedelta(hours=10, minutes=30))  # ninety minutes left: refreshed now
    assert client(ALPHA).token != friday_token
    assert len(rotating.standin.refreshes()) == 1


def test_a_members_request_refreshes_the_token_the_same_way_for_the_jobs(
    rotating: MultiWorkspaceBot, clock: FakeClock
) -> None:
    friday_token = _installed_on_friday(rotating, clock)
    clock.set(MONDAY - timedelta(hours=1))
    # A member logs a story first thing on Monday: Bolt refreshes the token (through the one
    # rotator), the answer goes out, and the new token is stored for everyone.
    reply = rotating.send(lambda: rotating.driver(ALPHA).command("log g3 Monday", user="UANN"))
    assert reply.status == 200 and "Saved" in str(reply.json), reply.json
    (refresh,) = rotating.standin.refreshes()
    assert _stored(rotating.services.db).bot_token != friday_token

    clock.set(MONDAY)
    outcome = _rhythm(rotating).run_prompt(ALPHA)
    assert outcome is not None and outcome.status == "posted"
    assert rotating.standin.refreshes() == [refresh], "the job used the token Bolt stored"


def test_two_schedulers_racing_refresh_the_token_once_and_both_use_it(
    rotating: MultiWorkspaceBot, clock: FakeClock, database: Database, caplog
) -> None:
    """Two processes (each with its own connections to the database) need the token at once:
    one refreshes it; the other waits for it instead of spending the revoked refresh token."""
    _installed_on_friday(rotating, clock)
    clock.set(MONDAY)
    standin = rotating.standin
    other_process = Database(database.engine.url.render_as_string(hide_password=False))
    tokens: dict[str, str] = {}

    def needs_token(name: str, db: Database) -> None:
        clients = TeamClients(rotating.services.config, engine=db.engine, clock=clock)
        tokens[name] = clients(ALPHA).token

    release = standin.hold("oauth.v2.access")
    first = threading.Thread(target=needs_token, args=("first", database))
    second = threading.Thread(target=needs_token, args=("second", other_process))
    try:
        with caplog.at_level(logging.INFO, logger="bot.slack.token_rotation"):
            first.start()
            wait_until(lambda: _refresh_claimed(database), what="the first refresh to start")
            second.start()
            wait_until(lambda: "is refreshing its token; waiting" in caplog.text, what="a wait")
            release.set()
            first.join(timeout=30)
            second.join(timeout=30)
    finally:
        release.set()
        other_process.dispose()
    assert [r.ok for r in standin.refreshes()] == [True]
    assert tokens["first"] == tokens["second"] == standin.bot_token_of(team_id=ALPHA)
    assert not _refresh_claimed(database), "the claim is let go"


def _refresh_claimed(db: Database) -> bool:
    with db.reading() as session:
        return session.scalar(select(TokenRefresh.claimed_by)) is not None


def test_a_refresh_left_by_a_process_that_died_is_taken_over(
    rotating: MultiWorkspaceBot, clock: FakeClock, database: Database
) -> None:
    _installed_on_friday(rotating, clock)
    clock.set(MONDAY)
    with database.session() as session:
        session.add(
            TokenRefresh(
                installation=f"{CLIENT_ID}:-:{ALPHA}",
                claimed_by="gone:1:1",
                claimed_at=datetime.now(UTC) - timedelta(minutes=3),
            )
        )
    outcome = _rhythm(rotating).run_prompt(ALPHA)
    assert outcome is not None and outcome.status == "posted"
    assert len(rotating.standin.refreshes()) == 1


def test_a_refresh_slack_refuses_is_said_and_nothing_is_posted(
    rotating: MultiWorkspaceBot, clock: FakeClock, caplog
) -> None:
    _installed_on_friday(rotating, clock)
    rotating.standin.revoke_tokens(team_id=ALPHA)  # its refresh token with it
    clock.set(MONDAY)
    with caplog.at_level(logging.WARNING):
        outcome = _rhythm(rotating).run_prompt(ALPHA)
    assert outcome is not None and outcome.status == "failed"
    assert "Slack refused to refresh it (invalid_refresh_token)" in outcome.message
    assert "install the app again at /slack/install" in caplog.text
    assert rotating.standin.calls_to("chat.postMessage") == []


# -- two real processes --------------------------------------------------------------------------


@pytest.fixture
def rotating_now(database: Database) -> Iterator[MultiWorkspaceBot]:
    """As ``rotating``, on the machine's clock (the command line's)."""
    yield from _oauth_bot(database, lambda: datetime.now(UTC))


def _operator_env(standin: SlackStandIn, database: Database) -> dict[str, str]:
    return clean_environment(
        DATABASE_URL=database.engine.url.render_as_string(hide_password=False),
        SLACK_CLIENT_ID=CLIENT_ID,
        SLACK_CLIENT_SECRET=CLIENT_SECRET,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=standin.api_url,
        LOG_LEVEL="INFO",
    )


def test_post_says_when_slack_refuses_to_refresh_the_token(
    rotating_now: MultiWorkspaceBot, database: Database
) -> None:
    standin = rotating_now.standin
    standin.rotate_tokens(3600)
    rotating_now.install(team_id=ALPHA, team_name="Alpha Network")
    standin.revoke_tokens(team_id=ALPHA)
    done = subprocess.run(
        [SCRIPT, "post", "prompt", "--team", ALPHA],
        env=_operator_env(standin, database),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr
    assert "Slack refused to refresh it (invalid_refresh_token)" in done.stderr
    assert "Traceback" not in done.stderr


def test_two_post_commands_at_once_refresh_the_token_once(
    rotating_now: MultiWorkspaceBot, database: Database, tmp_path: Path
) -> None:
    """``kindness-bot post prompt`` twice at once, as two processes, on a token with less
    than two hours left: one refreshes it, the other waits for it; the prompt goes out once."""
    standin = rotating_now.standin
    standin.rotate_tokens(3600)  # an hour left: due (two hours are kept in hand)
    rotating_now.install(team_id=ALPHA, team_name="Alpha Network")
    standin.rotate_tokens(12 * 3600)  # the refreshed one will have twelve
    standin.add_channel(NETWORK, "kindness-network")
    rotating_now.services.settings.update(ALPHA, {"channel": NETWORK}, by_user=None)
    env = _operator_env(standin, database)
    command = [SCRIPT, "post", "prompt", "--team", ALPHA, "--at", "2026-11-23T10:00:00+00:00"]
    release = standin.hold("oauth.v2.access")
    outputs = [tmp_path / "first.txt", tmp_path / "second.txt"]
    processes: list[subprocess.Popen] = []
    try:
        for output in outputs:
            with output.open("w") as sink:
                processes.append(
                    subprocess.Popen(command, env=env, stdout=sink, stderr=subprocess.STDOUT)
                )
            if output == outputs[0]:
                wait_until(lambda: _refresh_claimed(database), what="the first refresh")
        wait_until(
            lambda: "is refreshing its token; waiting" in outputs[1].read_text(),
            what="the second process to wait",
        )
        release.set()
        codes = [process.wait(timeout=60) for process in processes]
    finally:
        release.set()
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()
    said = [output.read_text() for output in outputs]
    assert codes == [0, 0], said
    assert [r.ok for r in standin.refreshes()] == [True], said
    (prompt,) = standin.calls_to("chat.postMessage")
    assert prompt.ok and prompt.token == standin.bot_token_of(team_id=ALPHA)


def test_migration_0014_adds_the_refresh_claims_and_takes_them_away(database: Database) -> None:
    from alembic import command
    from sqlalchemy import inspect

    from bot.db import alembic_config

    def migrate(step, revision: str) -> set[str]:
        engine = database.engine.execution_options(sqlite_immediate=True)
        with engine.connect() as connection, connection.begin():
            step(alembic_config(connection), revision)
        return set(inspect(database.engine).get_table_names())

    assert "token_refreshes" not in migrate(command.downgrade, "0007")
    assert "token_refreshes" in migrate(command.upgrade, "0014")
    assert "token_refreshes" not in migrate(command.downgrade, "0007")
    assert "token_refreshes" in migrate(command.upgrade, "head")
