"""Settings are checked at start; every problem is named with how to fix it."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, NoSlackApp, load_config

SINGLE = {"SLACK_BOT_TOKEN": "xoxb-1-2-abc", "SLACK_SIGNING_SECRET": "0123456789abcdef0123"}


def _problems(env: dict[str, str], *, require_slack: bool = True) -> list[str]:
    with pytest.raises(ConfigError) as refused:
        load_config(env, require_slack=require_slack)
    return refused.value.problems


def test_defaults_without_any_setting_for_commands_that_need_no_slack() -> None:
    config = load_config({})
    assert config.database_url == "sqlite:///kindness.db"
    assert config.slack_api_url == "https://slack.com/api/"
    assert (config.host, config.port) == ("0.0.0.0", 3000)
    assert len(config.framework.goals) == 6
    assert config.slack_mode is None


def test_single_workspace_socket_and_oauth_modes() -> None:
    assert load_config(SINGLE, require_slack=True).slack_mode == "single"
    socket = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"}
    assert load_config(socket, require_slack=True).slack_mode == "socket"
    oauth = {
        "SLACK_CLIENT_ID": "123.456",
        "SLACK_CLIENT_SECRET": "secret",
        "SLACK_SIGNING_SECRET": "0123456789abcdef0123",
    }
    assert load_config(oauth, require_slack=True).slack_mode == "oauth"


def test_no_slack_settings_at_all_explains_how_to_create_the_app() -> None:
    with pytest.raises(NoSlackApp) as refused:
        load_config({}, require_slack=True)
    message = refused.value.message()
    assert "kindness-bot manifest" in message
    assert "SLACK_BOT_TOKEN" in message and "SLACK_SIGNING_SECRET" in message


def test_every_bad_variable_is_named_at_once() -> None:
    problems = _problems(
        {
            **SINGLE,
            "DATABASE_URL": "mysql://db/kindness",
            "SLACK_API_URL": "slack.example",
            "KINDNESS_TIMEZONE": "Mars/Olympus",
            "PORT": "eighty",
            "LOG_LEVEL": "chatty",
            "KINDNESS_ADMINS": "U012ABC, bob",
        }
    )
    named = [p.split(":")[0] for p in problems]
    assert named == [
        "DATABASE_URL",
        "SLACK_API_URL",
        "KINDNESS_ADMINS",
        "LOG_LEVEL",
        "PORT",
        "KINDNESS_TIMEZONE",
    ]
    assert "use an IANA name such as Europe/London" in problems[5]


@pytest.mark.parametrize(
    ("env", "variable", "hint"),
    [
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_SIGNING_SECRET", "Basic Information"),
        ({"SLACK_SIGNING_SECRET": "0123456789abcdef0123"}, "SLACK_BOT_TOKEN", "single workspace"),
        ({**SINGLE, "SLACK_BOT_TOKEN": "xoxp-user-token"}, "SLACK_BOT_TOKEN", "xoxb-"),
        ({"SLACK_APP_TOKEN": "xapp-1"}, "SLACK_BOT_TOKEN", "Socket Mode"),
        ({"SLACK_APP_TOKEN": "wrong", "SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_APP_TOKEN", "xapp-"),
        ({**SINGLE, "SLACK_CLIENT_ID": "123.456"}, "SLACK_CLIENT_SECRET", "together"),
        ({**SINGLE, "SLACK_SIGNING_SECRET": "short"}, "SLACK_SIGNING_SECRET", "App Credentials"),
    ],
)
def test_incomplete_or_malformed_slack_settings(env: dict, variable: str, hint: str) -> None:
    problems = _problems(env)
    assert any(p.startswith(variable) and hint in p for p in problems), problems


def test_a_bad_goals_file_is_a_configuration_error(tmp_path) -> None:
    problems = _problems({**SINGLE, "KINDNESS_GOALS_FILE": str(tmp_path / "missing.toml")})
    assert problems[0].startswith("KINDNESS_GOALS_FILE: ")
    assert "missing.toml: cannot be read" in problems[0]


def test_database_urls_are_normalised_to_the_shipped_driver() -> None:
    config = load_config({"DATABASE_URL": "postgresql://kb:pw@db.internal/kindness"})
    assert config.database_url == "postgresql+psycopg://kb:pw@db.internal/kindness"
    assert _problems({"DATABASE_URL": "postgresql://host"}, require_slack=False) == [
        "DATABASE_URL: names no database; use sqlite:///kindness.db or "
        "postgresql+psycopg://user:password@host:5432/dbname"
    ]
    assert _problems({"DATABASE_URL": "::nonsense::"}, require_slack=False)[0].startswith(
        "DATABASE_URL: cannot be read"
    )


def test_the_api_url_gains_its_trailing_slash() -> None:
    assert load_config({"SLACK_API_URL": "http://127.0.0.1:9/api"}).slack_api_url == (
        "http://127.0.0.1:9/api/"
    )


def test_log_format_and_the_metrics_directory_are_checked(tmp_path) -> None:
    problems = _problems(
        {
            **SINGLE,
            "LOG_FORMAT": "xml",
            "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "missing"),
        }
    )
    assert problems == [
        "LOG_FORMAT: 'xml' is not one of text, json",
        f"PROMETHEUS_MULTIPROC_DIR: '{tmp_path / 'missing'}' is not a directory; create it "
        "(writable by the bot) or leave the variable unset",
    ]
    config = load_config(
        {**SINGLE, "LOG_FORMAT": "JSON", "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    )
    assert config.log_format == "json"
