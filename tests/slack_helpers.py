"""Helpers for tests that drive the bot through Slack: payload values, buttons, prompts."""

from __future__ import annotations

from bot.models import PostedPrompt
from bot.workspaces import ensure_workspace
from conftest import BotUnderTest
from sandbox import InputValue

NETWORK_CHANNEL = "CNETWORK"


def modal_values(
    text: str | None,
    *,
    kind: str = "story",
    goal: str | None = "relationships",
    visibility: str = "network",
) -> dict:
    """The ``view.state.values`` of the log modal as Slack sends them on Submit."""
    return {
        "kind": {"kind": InputValue.radio_buttons(kind)},
        "goal": {"goal": InputValue.static_select(goal)},
        "text": {"text": InputValue.plain_text(text)},
        "visibility": {"visibility": InputValue.radio_buttons(visibility)},
    }


def buttons(message: dict) -> list[dict]:
    """Every button in a message or view, in order."""
    found = []
    for block in message.get("blocks", []):
        found += [e for e in block.get("elements", []) if e.get("type") == "button"]
        if block.get("accessory", {}).get("type") == "button":
            found.append(block["accessory"])
    return found


def button(message: dict, label_start: str) -> dict:
    return next(b for b in buttons(message) if b["text"]["text"].startswith(label_start))


def message_of(bot: BotUnderTest, reply) -> dict:
    """The latest answer to a command or click, as the member's client holds it."""
    answer = bot.answers(reply)[-1]
    return {"ts": "1700000000.000001", "blocks": answer.get("blocks", []), "text": answer["text"]}


def post_prompt(
    bot: BotUnderTest, goal: str = "relationships", channel: str = NETWORK_CHANNEL
) -> dict:
    """A weekly prompt in the network channel, recorded as the bot records the ones it posts."""
    bot.standin.add_channel(channel, "kindness-network")
    message = bot.slack.message("This week's prompt", user=bot.standin.bot_user_id, channel=channel)
    now = bot.services.clock()
    with bot.services.db.session() as session:
        ensure_workspace(session, bot.standin.team_id, now=now)
        session.add(
            PostedPrompt(
                team_id=bot.standin.team_id,
                period="2026-W48",
                goal_key=goal,
                question="Who did you really listen to this week?",
                channel_id=channel,
                message_ts=message["ts"],
                posted_at=now,
            )
        )
    return message


def settings_form(**overrides: dict) -> dict:
    """The settings modal's ``view.state.values`` on Save, every field filled in (overrides by
    block id)."""
    values = {
        "channel": {"channel": InputValue.conversations_select(NETWORK_CHANNEL)},
        "prompt_day": {"prompt_day": InputValue.static_select("tuesday")},
        "prompt_time": {"prompt_time": InputValue.timepicker("09:30")},
        "digest_day": {"digest_day": InputValue.static_select("friday")},
        "digest_time": {"digest_time": InputValue.timepicker("16:00")},
        "timezone": {"timezone": InputValue.plain_text("Europe/Paris")},
        "nudges": {"nudges": InputValue.radio_buttons("on")},
        "followup_days": {"followup_days": InputValue.plain_text("10")},
        "quiet_weeks": {"quiet_weeks": InputValue.static_select("3")},
        "paused_until": {"paused_until": InputValue.datepicker(None)},
        "digest_chart": {"digest_chart": InputValue.radio_buttons("on")},
        "min_group": {"min_group": InputValue.static_select("0")},
        "welcome": {"welcome": InputValue.radio_buttons("on")},
        "keep_years": {"keep_years": InputValue.static_select("0")},
    }
    values.update(overrides)
    return values
