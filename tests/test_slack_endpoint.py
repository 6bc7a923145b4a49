"""The HTTP endpoint: Slack's signatures, malformed requests, health, and acking first."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

from bot.config import load_config
from bot.db import Database
from bot.services import Services
from conftest import BotUnderTest, message_text
from runtime.wsgi import KindnessWsgi
from serving import ServedWsgi


def _post(url: str, body: bytes, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_a_wrong_signature_is_refused_and_nothing_is_stored(bot: BotUnderTest) -> None:
    reply = bot.slack.command("log g1 forged", signature="v0=" + "0" * 64)
    assert reply.status == 401
    assert bot.entries() == []


def test_a_stale_timestamp_is_refused(bot: BotUnderTest) -> None:
    reply = bot.slack.command("log g1 replayed", timestamp=time.time() - 600)
    assert reply.status == 401
    assert bot.entries() == []


def test_an_unsigned_request_is_refused(bot: BotUnderTest) -> None:
    assert bot.slack.command("help", unsigned=True).status == 401


def test_a_non_numeric_timestamp_is_refused_not_a_server_error(bot: BotUnderTest) -> None:
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": "yesterday",
        "X-Slack-Signature": "v0=abc",
    }
    assert _post(bot.url, b"command=%2Fkindness&text=help", headers) == 401


def test_a_body_that_is_not_json_is_a_bad_request_not_a_server_error(bot: BotUnderTest) -> None:
    timestamp = str(int(time.time()))
    body = b'{"type": "event_callback", '
    headers = {
        "Content-Type": "application/json",
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": bot.slack.signature_for(body, timestamp),
    }
    assert _post(bot.url, body, headers) == 400


def test_health_is_ok_while_the_database_answers(bot: BotUnderTest) -> None:
    status, body = _get(bot.url.replace("/slack/events", "/healthz"))
    assert (status, body) == (200, {"ok": True})


def test_health_is_503_when_the_database_does_not_answer(tmp_path) -> None:
    broken = Database(f"sqlite:///{tmp_path}/missing-dir/kindness.db")
    services = Services(load_config({}), broken)
    served = ServedWsgi(KindnessWsgi(None, services), threads=1)
    try:
        status, body = _get(f"{served.url}/healthz")
    finally:
        served.stop()
        broken.dispose()
    assert (status, body) == (503, {"ok": False})


def test_a_command_is_stored_before_its_ack_and_answered_in_it(bot: BotUnderTest) -> None:
    """An ack is a promise: the words are in the database when Slack hears "received", and
    the member's answer is the ack itself (no waiting on a queue behind it)."""
    reply = bot.slack._driver.command("log g2 Trusted the team with the rota", user="UANN")
    assert [e.text for e in bot.entries()] == ["Trusted the team with the rota"]
    assert reply.status == 200 and reply.json["response_type"] == "ephemeral"
    assert "Saved your story" in message_text(reply.json)
    bot.executor.drain()
    assert bot.standin.responses(reply.response_url) == []  # nothing more to say


def test_slack_calls_wait_until_after_the_ack(bot: BotUnderTest) -> None:
    """Opening the form is a Slack call: Slack's request is answered before it is made."""
    release = bot.standin.hold("views.open")
    reply = bot.slack._driver.command("log", user="UANN")
    assert reply.status == 200 and reply.body == ""
    assert bot.standin.open_views() == []
    release.set()
    bot.executor.drain()
    assert bot.standin.last("views.open").args["trigger_id"] == reply.trigger_id


def test_a_command_whose_text_says_payload_is_not_lost(bot: BotUnderTest) -> None:
    """Bolt's own parser reads any form containing "payload" as an interactivity payload."""
    reply = bot.slack.command("log g1 The payload of kindness: payload=1", user="UANN")
    assert [e.text for e in bot.entries()] == ["The payload of kindness: payload=1"]
    assert "Saved your story" in bot.answer_text(reply)


def test_slack_rate_limits_are_waited_out(bot: BotUnderTest) -> None:
    bot.standin.fail_next("views.open", status=429, retry_after=0)
    reply = bot.slack.command("log", user="UANN")
    attempts = bot.standin.calls_to("views.open")
    assert [a.status for a in attempts] == [429, 200]
    assert attempts[1].args["trigger_id"] == reply.trigger_id


def test_slack_server_errors_are_retried(bot: BotUnderTest) -> None:
    bot.slack.command("log g1 First", user="UANN")
    bot.standin.fail_next("views.publish", status=503, times=2)
    bot.slack.event(bot.slack.app_home_opened("UANN"))
    assert [c.status for c in bot.standin.calls_to("views.publish")] == [503, 503, 200]
    assert "First" in json.dumps(bot.standin.home_view("UANN"))


def test_the_gunicorn_entry_point_builds_the_app_from_the_environment(
    tmp_path, monkeypatch
) -> None:
    import importlib
    import logging

    import bot.app
    from sandbox import SlackStandIn

    monkeypatch.chdir(tmp_path)
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", list(root.handlers))  # it sets up logging
    monkeypatch.setattr(root, "level", root.level)
    with SlackStandIn() as standin:
        monkeypatch.setenv("SLACK_BOT_TOKEN", standin.bot_token)
        monkeypatch.setenv("SLACK_SIGNING_SECRET", "8f742231b10e8888abcd99yyyzzz85a5")
        monkeypatch.setenv("SLACK_API_URL", standin.api_url)
        monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'kindness.db'}")
        module = importlib.reload(bot.app)
        statuses = []
        body = module.wsgi(
            {"PATH_INFO": "/healthz", "REQUEST_METHOD": "GET"},
            lambda status, headers: statuses.append(status),
        )
        assert [c.method for c in standin.calls] == ["auth.test"], "the token is checked"
    assert statuses == ["200 OK"] and json.loads(b"".join(body)) == {"ok": True}
    assert module.wsgi is module.wsgi  # built once


def test_the_gunicorn_entry_point_refuses_bad_settings_with_the_message(
    tmp_path, monkeypatch, capsys
) -> None:
    import importlib

    import pytest

    import bot.app

    monkeypatch.chdir(tmp_path)
    for name in (
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
        "SLACK_APP_TOKEN",
        "SLACK_CLIENT_ID",
        "SLACK_CLIENT_SECRET",
    ):
        monkeypatch.delenv(name, raising=False)
    module = importlib.reload(bot.app)
    with pytest.raises(SystemExit) as stopped:
        module.wsgi  # noqa: B018
    assert stopped.value.code == 2
    assert "no Slack app to talk to yet" in capsys.readouterr().err
