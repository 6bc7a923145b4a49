"""The Slack app, exactly: the manifest in the repository is what the command prints, its
scopes are the ones the code needs (no more), and what it advertises fits the goals in use."""

from __future__ import annotations

import ast
import inspect
import json
import subprocess
from functools import cache
from pathlib import Path

import pytest
import yaml
from slack_sdk import WebClient

from bot.manifest import (
    BOT_EVENTS,
    CALLED_BY_LIBRARIES,
    FEATURE_SCOPES,
    WEB_API_METHODS,
    bot_scopes,
    manifest,
)
from conftest import BotUnderTest
from processes import REPOSITORY, SCRIPT, clean_environment

SOURCES = ("bot", "handlers", "schedules")

THREE_GOALS = """
name = "Our three"
[[goals]]
key = "listen"
number = 1
title = "Listen first"
summary = "Start from what people say they need."
questions = ["Who did you really listen to this week?"]
[[goals]]
key = "trust"
number = 2
title = "Trust staff"
summary = "Give people room to use their judgement."
questions = ["When did you trust someone's judgement this week?"]
[[goals]]
key = "share"
number = 3
title = "Share what works"
summary = "Tell others what made a difference."
questions = ["What is worth telling another team about?"]
"""


def _manifest_command(tmp_path: Path, *args: str, **env: str) -> str:
    done = subprocess.run(
        [SCRIPT, "manifest", *args],
        cwd=tmp_path,
        env=clean_environment(**env),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_repositorys_manifest_is_what_the_command_prints(tmp_path: Path) -> None:
    assert (REPOSITORY / "manifest.yml").read_text() == _manifest_command(tmp_path), (
        "manifest.yml is out of date: kindness-bot manifest > manifest.yml"
    )


# -- scopes: derived from the Web API calls in the code ---------------------------------------


@cache
def _web_client_methods() -> dict[str, frozenset[str]]:
    """WebClient's Python methods → the Web API methods each calls (files_upload_v2 calls two)."""
    tree = ast.parse(inspect.getsource(WebClient))
    direct: dict[str, set[str]] = {}
    delegates: dict[str, set[str]] = {}
    for function in tree.body[0].body:  # type: ignore[attr-defined]
        if not isinstance(function, ast.FunctionDef) or function.name.startswith("_"):
            continue
        direct[function.name], delegates[function.name] = set(), set()
        for node in ast.walk(function):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            if not (isinstance(node.func.value, ast.Name) and node.func.value.id == "self"):
                continue
            if node.func.attr == "api_call" and node.args:
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    direct[function.name].add(first.value)
            else:
                delegates[function.name].add(node.func.attr)

    def resolve(name: str, seen: frozenset[str] = frozenset()) -> set[str]:
        found = set(direct.get(name, ()))
        for other in delegates.get(name, ()):
            if other in direct and other not in seen:
                found |= resolve(other, seen | {name})
        return found

    return {name: frozenset(resolve(name)) for name in direct if resolve(name)}


def web_api_calls_in_the_code() -> dict[str, list[str]]:
    """Web API method → where the code calls it (``client.chat_postMessage(…)`` on any client,
    or ``api_call("…")``)."""
    known = _web_client_methods()
    found: dict[str, list[str]] = {}
    for source in SOURCES:
        for path in sorted((REPOSITORY / source).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                    continue
                name = node.func.attr
                methods: frozenset[str] = known.get(name, frozenset())
                if name == "api_call" and node.args and isinstance(node.args[0], ast.Constant):
                    methods = frozenset({str(node.args[0].value)})
                where = f"{path.relative_to(REPOSITORY)}:{node.lineno}"
                for method in methods:
                    found.setdefault(method, []).append(where)
    return found


def test_the_scan_finds_calls_the_way_they_are_written() -> None:
    assert _web_client_methods()["chat_postMessage"] == {"chat.postMessage"}
    assert _web_client_methods()["files_upload_v2"] >= {
        "files.getUploadURLExternal",
        "files.completeUploadExternal",
    }
    calls = web_api_calls_in_the_code()
    assert any(where.startswith("bot/slack/client.py") for where in calls["chat.postMessage"])


def test_every_web_api_method_the_code_calls_has_its_scopes_listed() -> None:
    unlisted = {
        method: where
        for method, where in web_api_calls_in_the_code().items()
        if method not in WEB_API_METHODS
    }
    assert not unlisted, (
        "add these to bot.manifest.WEB_API_METHODS with the bot scopes Slack's method page "
        f"lists: {unlisted}"
    )


def test_no_method_is_listed_that_nothing_calls() -> None:
    called = set(web_api_calls_in_the_code())
    unused = sorted(set(WEB_API_METHODS) - called)
    assert not unused, f"nothing calls these; drop them from WEB_API_METHODS: {unused}"
    assert not set(CALLED_BY_LIBRARIES) & set(WEB_API_METHODS)


def test_the_scopes_are_exactly_those_the_methods_events_and_features_need() -> None:
    document = manifest()
    scopes = document["oauth_config"]["scopes"]["bot"]
    assert scopes == bot_scopes()
    needed: dict[str, list[str]] = {scope: ["features"] for scope in FEATURE_SCOPES}
    for method, method_scopes in WEB_API_METHODS.items():
        for scope in method_scopes:
            needed.setdefault(scope, []).append(method)
    for event, event_scopes in BOT_EVENTS.items():
        for scope in event_scopes:
            needed.setdefault(scope, []).append(event)
    assert sorted(needed) == scopes
    # DMs are posted to a member's id, which chat:write covers: im:write is asked for only
    # because conversations.open is called (to find a member's DM: their export goes there,
    # and a DM sent before a crash is looked for there), never for posting.
    assert ("im:write" in scopes) == ("conversations.open" in WEB_API_METHODS)


def test_every_subscribed_event_has_a_listener(bot: BotUnderTest) -> None:
    """An event without a listener gets 404 from Bolt, and Slack keeps retrying it."""
    bot.standin.add_channel("GPRIVATE", "private-network", is_private=True)
    bot.standin.ensure_user("UANN", None)
    channel_types = {
        "message.channels": "CPUBLIC",
        "message.groups": "GPRIVATE",
        "message.im": bot.standin.dm_with("UANN"),  # the member's DM with the bot
    }
    for event in document_events():
        if event in channel_types:
            payload = bot.slack.message("just chatting", user="UANN", channel=channel_types[event])
        elif event == "app_home_opened":
            payload = bot.slack.app_home_opened("UANN")
        elif event == "tokens_revoked":
            payload = {"type": "tokens_revoked", "tokens": {"oauth": ["UANN"]}}
        else:
            payload = {"type": event}
        assert bot.slack.event(payload).status == 200, event


def document_events() -> list[str]:
    return manifest()["settings"]["event_subscriptions"]["bot_events"]


# -- what it advertises -------------------------------------------------------------------


def test_the_usage_hint_follows_the_goals_in_use(tmp_path: Path) -> None:
    goals = tmp_path / "goals.toml"
    goals.write_text(THREE_GOALS)
    custom = yaml.safe_load(_manifest_command(tmp_path, KINDNESS_GOALS_FILE=str(goals)))
    [command] = custom["features"]["slash_commands"]
    assert "[g1..g3]" in command["usage_hint"] and "g6" not in command["usage_hint"]
    default = yaml.safe_load(_manifest_command(tmp_path))
    assert "[g1..g6]" in default["features"]["slash_commands"][0]["usage_hint"]


def test_help_in_slack_follows_the_goals_in_use(tmp_path: Path, sqlite_db, clock) -> None:
    from conftest import _make_bot

    goals = tmp_path / "goals.toml"
    goals.write_text(THREE_GOALS)
    for bot in _make_bot(sqlite_db, clock, KINDNESS_GOALS_FILE=str(goals)):
        reply = bot.slack.command("help", user="UANN")
        shown = bot.answer_text(reply)
        assert "g3 Share what works" in shown and "search listening g3" in shown
        assert "g1..g6" not in shown and "g6" not in shown


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["--url", "https://kindness.example.org/slack/events", "--oauth"],
            {
                "redirect_urls": ["https://kindness.example.org/slack/oauth_redirect"],
                "org_deploy_enabled": True,
                "socket_mode_enabled": False,
                "request_url": "https://kindness.example.org/slack/events",
            },
        ),
        (
            ["--socket-mode"],
            {
                "redirect_urls": None,
                "org_deploy_enabled": False,
                "socket_mode_enabled": True,
                "request_url": None,
            },
        ),
    ],
)
def test_oauth_and_socket_mode_variants(tmp_path: Path, args: list[str], expected: dict) -> None:
    document = yaml.safe_load(_manifest_command(tmp_path, *args))
    settings = document["settings"]
    assert document["oauth_config"].get("redirect_urls") == expected["redirect_urls"]
    assert settings["org_deploy_enabled"] is expected["org_deploy_enabled"]
    assert settings["socket_mode_enabled"] is expected["socket_mode_enabled"]
    assert settings["event_subscriptions"].get("request_url") == expected["request_url"]
    assert settings["interactivity"].get("request_url") == expected["request_url"]
    assert document["features"]["slash_commands"][0].get("url") == expected["request_url"]


def test_json_is_the_same_document(tmp_path: Path) -> None:
    as_json = json.loads(_manifest_command(tmp_path, "--json", "--oauth"))
    assert as_json == yaml.safe_load(_manifest_command(tmp_path, "--oauth"))
