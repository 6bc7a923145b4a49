"""The Slack app manifest: everything the app needs from Slack, in one document.

``kindness-bot manifest --url https://host/slack/events`` prints it; paste it into
https://api.slack.com/apps → Create New App → From an app manifest.
"""

from __future__ import annotations

import json
from typing import Any

BOT_SCOPES = [
    "commands",  # /kindness
    "chat:write",  # prompts, digests, answers
    "channels:join",  # join the network channel when the bot was not invited (public only)
    "channels:history",  # replies in a prompt's thread (public channel)
    "groups:history",  # … and in a private channel the bot was invited to
    "im:history",  # replies to a prompt sent by DM; finding a DM sent before a crash
    "channels:read",
    "groups:read",
    "im:write",  # nudges by DM
    "users:read",  # member time zones (quiet hours) and admin status
    "reactions:write",  # the reaction on a reply that was saved
    "files:write",  # exports as files
]
BOT_EVENTS = [
    "message.channels",
    "message.groups",
    "message.im",  # replies to a prompt sent by DM
    "member_joined_channel",  # the welcome
    "app_home_opened",
]


def manifest(
    url: str = "https://example.org/slack/events", *, socket_mode: bool = False
) -> dict[str, Any]:
    interactive: dict[str, Any] = {"is_enabled": True}
    events: dict[str, Any] = {"bot_events": BOT_EVENTS}
    command: dict[str, Any] = {
        "command": "/kindness",
        "description": "Share a story, commit to an action, reflect — and search the learning log",
        "usage_hint": "log [story|action|reflection] [g1..g6] text · mine · search words · help",
        # Slack then sends a member named in the command as <@U0123|name>, the only way to
        # tell who `/kindness log for @member` means (an existing app needs it switched on too).
        "should_escape": True,
    }
    if not socket_mode:
        interactive["request_url"] = url
        events["request_url"] = url
        command["url"] = url
    return {
        "display_information": {
            "name": "Kindness",
            "description": (
                "Weekly prompts, a shared learning log and a digest for a peer learning network."
            ),
            "background_color": "#2e5e4e",
        },
        "features": {
            "app_home": {
                "home_tab_enabled": True,
                "messages_tab_enabled": True,
                # Members reply in the Messages tab to a prompt sent by DM.
                "messages_tab_read_only_enabled": False,
            },
            "bot_user": {"display_name": "kindness", "always_online": True},
            "shortcuts": [
                {
                    "name": "Save to learning log",
                    "type": "message",
                    "callback_id": "save_to_learning_log",
                    "description": "Save this message as a story, action or reflection",
                }
            ],
            "slash_commands": [command],
        },
        "oauth_config": {"scopes": {"bot": BOT_SCOPES}},
        "settings": {
            "event_subscriptions": events,
            "interactivity": interactive,
            "org_deploy_enabled": False,
            "socket_mode_enabled": socket_mode,
            "token_rotation_enabled": False,
        },
    }


def manifest_json(url: str, *, socket_mode: bool = False) -> str:
    return json.dumps(manifest(url, socket_mode=socket_mode), indent=2)
