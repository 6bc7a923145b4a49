"""Many workspaces: installed through Slack's OAuth flow, each served with its own token,
uninstalled (or its token revoked) without losing its log; Enterprise Grid org-wide installs.

The bot runs on 127.0.0.1 in multi-workspace mode; the browser's part of the install (the
install page, Slack's "Allow", the redirect back) is played with real HTTP requests, and
Slack's part (``oauth.v2.access``) by the Web API stand-in.
"""

from __future__ import annotations

import json
import logging
import re
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from apscheduler.schedulers.background import BackgroundScheduler

from bot.config import load_config
from bot.db import Database
from bot.manifest import bot_scopes
from bot.models import Workspace
from bot.services import Services
from bot.settings import describe
from bot.slack.client import TeamClients, make_client
from bot.slack.installations import installed_team_ids
from bot.workspaces import NotInstalled
from conftest import SIGNING_SECRET, DrainingExecutor, FakeClock
from runtime.app import create_app
from runtime.metrics import MetricsWsgi
from runtime.wsgi import KindnessWsgi
from sandbox import Reply, SlackDriver, SlackStandIn
from schedules.prompt import post_weekly_prompt
from schedules.runner import Rhythm
from serving import ServedWsgi

CLIENT_ID, CLIENT_SECRET = "1111.2222", "oauth-client-secret-for-tests"
ALPHA, BETA = "T0ALPHA", "T0BETA"
ORG, ORG_TEAM = "E0ORG", "T0ORGONE"


@dataclass
class MultiWorkspaceBot:
    standin: SlackStandIn
    services: Services
    url: str
    executor: DrainingExecutor

    def install(self, **where: str) -> str:
        """A person installs the app: the install page, Slack's Allow, the redirect back."""
        with urllib.request.urlopen(f"{self.url}/slack/install") as page:
            html = page.read().decode()
            cookie = page.headers["Set-Cookie"].split(";", 1)[0]
        authorize = re.search(r'href="(https://slack\.com/oauth/v2/authorize\?[^"]+)"', html)
        assert authorize, html
        link = urllib.parse.urlsplit(authorize.group(1).replace("&amp;", "&"))
        query = urllib.parse.parse_qs(link.query)
        assert query["client_id"] == [CLIENT_ID]
        assert query["scope"] == [",".join(bot_scopes())]
        code = self.standin.approve_install(CLIENT_ID, **where)
        # Slack sends the browser back with a code; the browser brings the state cookie (the
        # cookie is Secure: a browser sends it over https, here it is sent by hand).
        redirect = urllib.request.Request(
            f"{self.url}/slack/oauth_redirect?code={code}&state={query['state'][0]}",
            headers={"Cookie": cookie},
        )
        with urllib.request.urlopen(redirect) as done:
            return done.read().decode()

    def driver(self, team_id: str, enterprise_id: str | None = None) -> SlackDriver:
        driver_class = GridDriver if enterprise_id else SlackDriver
        driver = driver_class(f"{self.url}/slack/events", SIGNING_SECRET, self.standin, team_id)
        if enterprise_id:
            driver.enterprise_id = enterprise_id
        return driver

    def send(self, reply_of) -> Reply:
        reply = reply_of()
        self.executor.drain()
        return reply

    def workspace(self, team_id: str) -> Workspace | None:
        with self.services.db.reading() as session:
            return session.get(Workspace, team_id)


class GridDriver(SlackDriver):
    """Requests from a workspace of an Enterprise Grid organisation with an org-wide install."""

    enterprise_id = ORG

    def _post(self, body: bytes, content_type: str, **kwargs) -> Reply:
        if content_type.startswith("application/json"):
            envelope = json.loads(body)
            envelope.update(
                enterprise_id=self.enterprise_id, context_enterprise_id=self.enterprise_id
            )
            for authorization in envelope.get("authorizations", []):
                authorization.update(enterprise_id=self.enterprise_id, is_enterprise_install=True)
            body = json.dumps(envelope).encode()
        else:
            form = dict(urllib.parse.parse_qsl(body.decode(), keep_blank_values=True))
            if "payload" in form:
                payload = json.loads(form["payload"])
                payload.update(enterprise={"id": self.enterprise_id}, is_enterprise_install=True)
                form["payload"] = json.dumps(payload)
            else:
                form.update(enterprise_id=self.enterprise_id, is_enterprise_install="true")
            body = urllib.parse.urlencode(form).encode()
        return super()._post(body, content_type, **kwargs)


@pytest.fixture
def oauth_bot(sqlite_db: Database, clock: FakeClock) -> Iterator[MultiWorkspaceBot]:
    with SlackStandIn() as standin:
        standin.add_oauth_app(CLIENT_ID, CLIENT_SECRET)
        config = load_config(
            {
                "SLACK_CLIENT_ID": CLIENT_ID,
                "SLACK_CLIENT_SECRET": CLIENT_SECRET,
                "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                "SLACK_API_URL": standin.api_url,
            },
            require_slack=True,
        )
        assert config.slack_mode == "oauth"
        services = Services(config, sqlite_db, clock=clock)
        executor = DrainingExecutor()
        app = create_app(
            services, client=make_client(config, backoff=0.01), listener_executor=executor
        )
        served = ServedWsgi(MetricsWsgi(KindnessWsgi(app, services)))
        try:
            yield MultiWorkspaceBot(standin, services, served.url, executor)
            executor.drain()
        finally:
            served.stop()
            executor.shutdown(wait=True)


def _calls_with(standin: SlackStandIn, method: str, token: str) -> list:
    return [c for c in standin.calls_to(method) if c.token == token and c.ok]


def test_two_workspaces_install_and_each_is_served_with_its_own_token(
    oauth_bot: MultiWorkspaceBot,
) -> None:
    page = oauth_bot.install(team_id=ALPHA, team_name="Alpha Network")
    assert "Thank you!" in page, page
    oauth_bot.install(team_id=BETA, team_name="Beta Network")
    standin = oauth_bot.standin
    alpha_token = standin.bot_token_of(team_id=ALPHA)
    beta_token = standin.bot_token_of(team_id=BETA)
    assert [c.args["code"] for c in standin.calls_to("oauth.v2.access") if c.ok]
    assert "client_secret" not in json.dumps([c.args for c in standin.calls])
    assert installed_team_ids(oauth_bot.services.db.engine, CLIENT_ID) == [ALPHA, BETA]
    assert oauth_bot.workspace(ALPHA).name == "Alpha Network"

    # A member of each workspace opens the log form: Slack is called with that workspace's token.
    for team, token in ((ALPHA, alpha_token), (BETA, beta_token)):
        reply = oauth_bot.send(lambda team=team: oauth_bot.driver(team).command("log", user="UANN"))
        assert reply.status == 200
        assert _calls_with(standin, "views.open", token), f"{team} served with its own token"

    # …and so is a scheduled post.
    clients = TeamClients(oauth_bot.services.config, engine=oauth_bot.services.db.engine)
    standin.add_channel("CNETWORK", "kindness-network")
    for team in (ALPHA, BETA):
        oauth_bot.services.settings.update(team, {"channel": "CNETWORK"}, by_user=None)
        monday = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
        outcome = post_weekly_prompt(oauth_bot.services, clients.port(team), team, now=monday)
        assert outcome.status == "posted", outcome.message
    assert len(_calls_with(standin, "chat.postMessage", alpha_token)) == 1
    assert len(_calls_with(standin, "chat.postMessage", beta_token)) == 1


def test_uninstalling_removes_the_tokens_stops_the_jobs_and_keeps_the_log(
    oauth_bot: MultiWorkspaceBot, caplog: pytest.LogCaptureFixture
) -> None:
    oauth_bot.install(team_id=ALPHA, team_name="Alpha Network")
    oauth_bot.install(team_id=BETA, team_name="Beta Network")
    services = oauth_bot.services
    services.log.add_entry(ALPHA, "UANN", "A story Alpha keeps", goal="g1")
    rhythm = Rhythm(
        services,
        TeamClients(services.config, engine=services.db.engine).port,
        BackgroundScheduler(timezone="UTC"),
    )
    rhythm.sync()
    services.settings_changed = rhythm.reschedule
    assert {job.id.split(":")[0] for job in rhythm.scheduler.get_jobs()} == {ALPHA, BETA}

    oauth_bot.standin.revoke_tokens(team_id=ALPHA)
    alpha = oauth_bot.driver(ALPHA)
    with caplog.at_level(logging.WARNING):
        reply = oauth_bot.send(lambda: alpha.event({"type": "app_uninstalled"}))
    assert reply.status == 200
    assert installed_team_ids(services.db.engine, CLIENT_ID) == [BETA]
    assert oauth_bot.workspace(ALPHA).uninstalled_at is not None
    assert {job.id.split(":")[0] for job in rhythm.scheduler.get_jobs()} == {BETA}
    with pytest.raises(NotInstalled):
        TeamClients(services.config, engine=services.db.engine)(ALPHA)
    assert [e.text for e in services.log.latest_shared(ALPHA, None)] == ["A story Alpha keeps"]
    shown = dict(describe(services.settings.get(ALPHA)))
    assert "nothing is posted; the learning log is kept" in shown["Slack app"]
    said = caplog.text
    assert "workspace T0ALPHA: the app was uninstalled; its tokens are deleted" in said
    assert "its learning log (1 entry) is kept" in said
    assert "kindness-bot export --team T0ALPHA" in said

    # Beta's bot token is revoked (say, by an admin): the same, for Beta alone.
    beta = oauth_bot.driver(BETA)
    revoked = {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["UBOT"]}}
    assert oauth_bot.send(lambda: beta.event(revoked)).status == 200
    assert installed_team_ids(services.db.engine, CLIENT_ID) == []
    assert rhythm.scheduler.get_jobs() == []

    # Installing again resumes the workspace, its log and its jobs.
    oauth_bot.install(team_id=ALPHA, team_name="Alpha Network")
    assert oauth_bot.workspace(ALPHA).uninstalled_at is None
    rhythm.sync()
    assert {job.id.split(":")[0] for job in rhythm.scheduler.get_jobs()} == {ALPHA}


def test_an_org_wide_install_serves_each_workspace_of_the_organisation(
    oauth_bot: MultiWorkspaceBot,
) -> None:
    oauth_bot.install(enterprise_id=ORG, enterprise_name="The Organisation")
    standin = oauth_bot.standin
    org_token = standin.bot_token_of(enterprise_id=ORG)
    services = oauth_bot.services
    assert installed_team_ids(services.db.engine, CLIENT_ID) == [], "org-wide: no team id"

    # A member of one of the organisation's workspaces: found by the organisation's id.
    grid = oauth_bot.driver(ORG_TEAM, enterprise_id=ORG)
    reply = oauth_bot.send(lambda: grid.command("log", user="UGRID"))
    assert reply.status == 200
    assert _calls_with(standin, "views.open", org_token)
    assert oauth_bot.workspace(ORG_TEAM).enterprise_id == ORG

    # The scheduler finds the organisation's token for that workspace too.
    client = TeamClients(services.config, engine=services.db.engine)(ORG_TEAM)
    assert client.token == org_token

    # Uninstalled from the organisation: every workspace of it stops.
    standin.revoke_tokens(enterprise_id=ORG)
    assert oauth_bot.send(lambda: grid.event({"type": "app_uninstalled"})).status == 200
    assert oauth_bot.workspace(ORG_TEAM).uninstalled_at is not None
    with pytest.raises(NotInstalled):
        TeamClients(services.config, engine=services.db.engine)(ORG_TEAM)


def test_single_workspace_uninstalled_stops_its_jobs_until_the_next_token_works(
    bot, caplog: pytest.LogCaptureFixture
) -> None:
    """One workspace (SLACK_BOT_TOKEN): nothing to delete, but the jobs stop, and the next
    start with a working token resumes them."""
    from runtime.start import check_token, note_token_workspace

    team = bot.standin.team_id
    note_token_workspace(
        bot.services, check_token(make_client(bot.services.config), bot.services.config)
    )
    assert [s.team_id for s in bot.services.settings.all()] == [team]
    with caplog.at_level(logging.WARNING):
        assert bot.slack.event({"type": "app_uninstalled"}).status == 200
    assert bot.services.settings.all() == []
    assert "SLACK_BOT_TOKEN no longer works" in caplog.text
    note_token_workspace(
        bot.services, check_token(make_client(bot.services.config), bot.services.config)
    )
    assert [s.team_id for s in bot.services.settings.all()] == [team]
