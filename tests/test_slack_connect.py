"""Slack Connect: the network's channel shared with another organisation. A member of that
organisation replies in a prompt's thread, replies to a DM prompt, uses the shortcut and clicks
the prompt's buttons; everything is kept under the network's workspace (the installation's), with
the member's name — never under the member's own organisation.

Payloads are shaped as Slack documents them for shared channels: an event's envelope names the
member's organisation in ``team_id`` and the event in ``team``/``user_team``/``source_team``, and
the installation in ``authorizations``; an interaction names the member's organisation in
``user.team_id``; a view submitted from the shared channel carries the member's organisation in
``team`` and ``view.team_id``, and the installation in ``view.app_installed_team_id``.
"""

from __future__ import annotations

import io
import json
import urllib.parse
from datetime import UTC, datetime, timedelta

import pytest
from test_oauth import ALPHA, MultiWorkspaceBot, oauth_bot  # noqa: F401 (a fixture)

from bot.export import write_export
from bot.models import Entry, Member, Workspace
from bot.names import Directory
from bot.slack.client import WebApiSlack, make_client
from bot.slack.names import SlackNames
from conftest import SIGNING_SECRET, BotUnderTest, FakeClock, SettlingDriver
from sandbox import Reply, SlackDriver
from schedules.nudges import send_nudges
from schedules.prompt import post_weekly_prompt
from slack_helpers import NETWORK_CHANNEL, button, modal_values, post_prompt

PARTNER = "T0PARTNER"  # the other organisation, which has not installed the app
PAT = "W0PAT"  # a member of it, in the network's shared channel
MONDAY = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)


class ConnectDriver(SlackDriver):
    """Requests from a member of the partner organisation, as Slack sends them from a channel
    shared with it."""

    def _post(self, body: bytes, content_type: str, **kwargs) -> Reply:
        installation = self.team_id
        if content_type.startswith("application/json"):
            envelope = json.loads(body)
            envelope.update(team_id=PARTNER, context_team_id=PARTNER, is_ext_shared_channel=True)
            event = envelope["event"]
            if event.get("user") == PAT:
                event.update(team=PARTNER, user_team=PARTNER, source_team=PARTNER)
            assert envelope["authorizations"][0]["team_id"] == installation
            body = json.dumps(envelope).encode()
        else:
            form = dict(urllib.parse.parse_qsl(body.decode(), keep_blank_values=True))
            payload = json.loads(form["payload"])
            payload["user"]["team_id"] = PARTNER
            view = payload.get("view")
            if isinstance(view, dict) and view.get("type") == "modal":
                payload["team"] = {"id": PARTNER, "domain": "partner"}
                view.update(team_id=PARTNER, app_installed_team_id=installation)
            form["payload"] = json.dumps(payload)
            body = urllib.parse.urlencode(form).encode()
        return super()._post(body, content_type, **kwargs)


@pytest.fixture
def pat(bot: BotUnderTest) -> SettlingDriver:
    """Pat, of the partner organisation, in the network's shared channel."""
    bot.standin.add_user(
        PAT, name="pat", real_name="Pat Partner", tz="America/Toronto", team_id=PARTNER
    )
    driver = ConnectDriver(bot.url, SIGNING_SECRET, bot.standin)
    return SettlingDriver(driver, bot.executor)


def _kept_under_the_network(bot: BotUnderTest) -> None:
    network = bot.standin.team_id
    assert bot.entries(PARTNER) == []
    with bot.services.db.reading() as session:
        assert [w.team_id for w in session.query(Workspace)] == [network]
        assert {m.team_id for m in session.query(Member)} <= {network}


def _author_name_in_the_export(bot: BotUnderTest) -> list[tuple[str, str]]:
    out = io.StringIO()
    names = Directory(
        bot.services.db,
        bot.standin.team_id,
        SlackNames(make_client(bot.services.config)),
    )
    write_export(
        bot.services.db,
        bot.services.framework,
        bot.standin.team_id,
        "json",
        out,
        now=bot.services.clock(),
        names=names,
    )
    return [(e["author_name"], e["text"]) for e in json.loads(out.getvalue())["entries"]]


def test_a_partner_members_thread_reply_is_kept_under_the_network_with_their_name(
    bot: BotUnderTest, pat: SettlingDriver
) -> None:
    prompt = post_prompt(bot)
    reply = pat.message(
        "We tried it across both teams", user=PAT, channel=NETWORK_CHANNEL, thread_ts=prompt["ts"]
    )
    assert pat.event(reply).status == 200
    (entry,) = bot.entries(bot.standin.team_id)
    assert (entry.user_id, entry.goal_key, entry.source) == (PAT, "relationships", "thread")
    note = bot.standin.last("chat.postEphemeral").args
    assert note["user"] == PAT and f"#{entry.id}" in note["text"]
    _kept_under_the_network(bot)
    assert _author_name_in_the_export(bot) == [("pat", "We tried it across both teams")]


def test_a_partner_member_clicks_the_prompts_button_and_their_story_is_the_networks(
    bot: BotUnderTest, pat: SettlingDriver, clock: FakeClock
) -> None:
    bot.standin.add_channel(NETWORK_CHANNEL, "kindness-network")
    bot.services.settings.apply(bot.standin.team_id, {"channel": NETWORK_CHANNEL}, by_user=None)
    clock.set(MONDAY)
    slack = WebApiSlack(make_client(bot.services.config, backoff=0.01))
    assert post_weekly_prompt(bot.services, slack, bot.standin.team_id, now=MONDAY).posted
    prompt = bot.standin.messages_in(NETWORK_CHANNEL)[-1]
    share = button(prompt, "Share a story")

    pat.block_action(share["action_id"], share["value"], user=PAT, message=prompt)
    opened = bot.standin.last("views.open")
    assert opened.ok, opened.error
    view_id = bot.standin.open_views()[-1]["id"]
    pat.view_submission("log_entry", modal_values("Our two teams met"), user=PAT, view_id=view_id)
    (entry,) = bot.entries(bot.standin.team_id)
    assert (entry.user_id, entry.text) == (PAT, "Our two teams met")
    _kept_under_the_network(bot)


def test_a_partner_member_saves_a_message_with_the_shortcut(
    bot: BotUnderTest, pat: SettlingDriver
) -> None:
    bot.standin.add_channel(NETWORK_CHANNEL, "kindness-network")
    original = pat.message("A thank-you card from the council", user=PAT, channel=NETWORK_CHANNEL)
    pat.message_action("save_to_learning_log", original, user=PAT, channel=NETWORK_CHANNEL)
    assert bot.standin.last("views.open").ok
    view_id = bot.standin.open_views()[-1]["id"]
    pat.view_submission(
        "log_entry", modal_values("A thank-you card from the council"), user=PAT, view_id=view_id
    )
    (entry,) = bot.entries(bot.standin.team_id)
    assert (entry.user_id, entry.source, entry.message_ts) == (PAT, "shortcut", original["ts"])
    _kept_under_the_network(bot)
    assert _author_name_in_the_export(bot) == [("pat", "A thank-you card from the council")]


def test_a_partner_members_reply_to_a_dm_prompt_is_kept_under_the_network(
    bot: BotUnderTest, pat: SettlingDriver, clock: FakeClock
) -> None:
    network = bot.standin.team_id
    bot.standin.add_channel(NETWORK_CHANNEL, "kindness-network")
    bot.services.settings.apply(network, {"channel": NETWORK_CHANNEL}, by_user=None)
    # Pat asked for the prompt by DM (App Home, or a coordinator on Pat's behalf).
    bot.services.members.set_prompts_by_dm(network, PAT, True)
    slack = WebApiSlack(make_client(bot.services.config, backoff=0.01))
    clock.set(MONDAY)
    assert post_weekly_prompt(bot.services, slack, network, now=MONDAY).posted
    clock.set(MONDAY + timedelta(hours=5))  # 10:00 in Toronto, Pat's own morning
    assert send_nudges(bot.services, slack, network, clock.now).prompts_sent == 1
    dm = bot.standin.dm_with(PAT)

    reply = pat.message("Shared the idea with my board", user=PAT, channel=dm)
    assert pat.event(reply).status == 200
    (entry,) = bot.entries(network)
    assert (entry.user_id, entry.channel_id, entry.source) == (PAT, dm, "thread")
    _kept_under_the_network(bot)
    with bot.services.db.reading() as session:
        (member,) = session.query(Member).filter_by(user_id=PAT)
        assert (member.tz, member.display_name) == ("America/Toronto", "pat")


def test_a_partner_members_time_zone_is_found_among_many_members(
    bot: BotUnderTest, pat: SettlingDriver, clock: FakeClock
) -> None:
    """Past ten members the bot reads the workspace's people in pages (users.list), which do not
    include members of another organisation: those are asked for one by one, so DMs reach them
    at a kind hour in their own time zone."""
    from bot.workspaces import ensure_workspace
    from schedules.profiles import USERS_INFO_UP_TO, recipients

    network = bot.standin.team_id
    ours = [f"U0OURS{n:02d}" for n in range(USERS_INFO_UP_TO + 2)]
    for user_id in ours:
        bot.standin.add_user(user_id, name=user_id.lower(), tz="Europe/Madrid")
    with bot.services.db.session() as session:
        ensure_workspace(session, network, now=clock.now)
    slack = WebApiSlack(make_client(bot.services.config, backoff=0.01))
    found = recipients(
        bot.services.db, slack, network, [*ours, PAT], now=clock.now, workspace_tz="UTC"
    )
    assert found[PAT].zone == "America/Toronto"
    assert {found[u].zone for u in ours} == {"Europe/Madrid"}
    assert len(bot.standin.calls_to("users.list")) == 1
    assert [c.args["user"] for c in bot.standin.calls_to("users.info")] == [PAT]


def test_with_many_workspaces_a_partner_members_reply_finds_the_networks_install(
    request: pytest.FixtureRequest,
) -> None:
    """Installed through OAuth: the reply is served with the network's own token, found from
    the installation Slack names (``authorizations``), not from the member's organisation."""
    from bot.models import PostedPrompt

    many: MultiWorkspaceBot = request.getfixturevalue("oauth_bot")
    many.install(team_id=ALPHA, team_name="Alpha Network")
    standin = many.standin
    standin.add_user(PAT, name="pat", team_id=PARTNER)
    standin.add_channel(NETWORK_CHANNEL, "kindness-network")
    services = many.services
    pat = ConnectDriver(f"{many.url}/slack/events", SIGNING_SECRET, standin, ALPHA)
    prompt = pat.message("This week's prompt", user=standin.bot_user_id, channel=NETWORK_CHANNEL)
    with services.db.session() as session:
        session.add(
            PostedPrompt(
                team_id=ALPHA,
                period="2026-W48",
                goal_key="relationships",
                question="Who did you really listen to this week?",
                channel_id=NETWORK_CHANNEL,
                message_ts=prompt["ts"],
                posted_at=services.clock(),
            )
        )
    reply = pat.message(
        "Across both organisations", user=PAT, channel=NETWORK_CHANNEL, thread_ts=prompt["ts"]
    )
    assert many.send(lambda: pat.event(reply)).status == 200
    with services.db.reading() as session:
        (entry,) = session.query(Entry)
    assert (entry.team_id, entry.user_id, entry.goal_key) == (ALPHA, PAT, "relationships")
    reaction = standin.last("reactions.add")
    assert reaction.ok and reaction.token == standin.bot_token_of(team_id=ALPHA)
