"""The Slack app manifest: everything the app needs from Slack, in one document.

``kindness-bot manifest --url https://host/slack/events`` prints it (YAML; ``--json`` for
JSON); paste it into https://api.slack.com/apps → Create New App → From an app manifest.
``manifest.yml`` in the repository is the same document for the default goals and a
placeholder host (a test keeps the two equal).

The bot scopes are derived, never listed by hand: from every Web API method the bot calls
(``WEB_API_METHODS``), every event it subscribes to (``BOT_EVENTS``) and the features it
declares (``FEATURE_SCOPES``). A test reads the code for Web API calls and checks that each is
in ``WEB_API_METHODS`` and that nothing there is left uncalled — so a new call adds its scope
here, and a scope nothing needs any more goes away.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import yaml

from bot.goals import Framework, load_framework

# Web API method → the bot scopes it needs (Slack's method pages, "Required scopes": bot token).
WEB_API_METHODS: dict[str, tuple[str, ...]] = {
    "auth.test": (),  # the token check at start; the workspace of SLACK_BOT_TOKEN
    "chat.postMessage": ("chat:write",),  # prompts, digests, nudges (by DM to a member's id)
    "chat.postEphemeral": ("chat:write",),  # "saved" notes in a prompt's thread, the welcome
    "chat.delete": ("chat:write",),  # a post whose record could not be kept is taken back
    "chat.getPermalink": (),  # links from entries back to the original message
    "conversations.info": ("channels:read", "groups:read"),  # is the bot in the channel?
    "conversations.join": ("channels:join",),  # join a public network channel
    # How many people are in the network channel (the digest's "2 of the 23 members").
    "conversations.members": ("channels:read", "groups:read"),
    # The DM a member's export goes to; a peer pair's group DM.
    "conversations.open": ("im:write", "mpim:write"),
    # A post or DM sent by a run that crashed before recording it, found by its metadata: the
    # network channel's history (public or private), a member's DM with the bot, a pair's
    # group DM.
    "conversations.history": ("channels:history", "groups:history", "im:history", "mpim:history"),
    # Charts (digest, App Home), uploaded privately; coordinators' exports and reports.
    "files.getUploadURLExternal": ("files:write",),
    "files.completeUploadExternal": ("files:write",),
    "reactions.add": ("reactions:write",),  # the reaction on a reply that was saved
    "users.info": ("users:read",),  # members' time zones (quiet hours), admin status
    "users.list": ("users:read",),  # many members' time zones at once (the DM job)
    "views.open": (),  # the log, edit and settings forms
    "views.update": (),  # a saved form shown again after a click in it (who can see it)
    "views.publish": (),  # App Home
}
# Methods that the libraries call for the bot: listed so that the test knows them.
CALLED_BY_LIBRARIES: dict[str, str] = {
    "oauth.v2.access": "Bolt's OAuth install flow (no scope)",
    "apps.connections.open": "Socket Mode (the app-level token's connections:write)",
}
# Event → the bot scopes needed to receive it.
BOT_EVENTS: dict[str, tuple[str, ...]] = {
    "message.channels": ("channels:history",),  # replies in a prompt's thread (public)
    "message.groups": ("groups:history",),  # … and in a private channel the bot is in
    "message.im": ("im:history",),  # replies to a prompt sent by DM
    "member_joined_channel": ("channels:read", "groups:read"),  # the welcome
    "app_home_opened": (),
    # Reactions on the messages behind entries rank the selection round's shortlist.
    "reaction_added": ("reactions:read",),
    "reaction_removed": ("reactions:read",),
    "app_uninstalled": (),  # stop the workspace's jobs, delete its tokens
    "tokens_revoked": (),
}
FEATURE_SCOPES: tuple[str, ...] = ("commands",)  # /kindness and the message shortcut

PLACEHOLDER_URL = "https://YOUR-HOST/slack/events"
OAUTH_REDIRECT_PATH = "/slack/oauth_redirect"  # Bolt's default, served by runtime.wsgi


def bot_scopes() -> list[str]:
    """Every bot scope the app needs, and no other."""
    needed = set(FEATURE_SCOPES)
    for scopes in (*WEB_API_METHODS.values(), *BOT_EVENTS.values()):
        needed.update(scopes)
    return sorted(needed)


def usage_hint(framework: Framework) -> str:
    kinds = "story|action|reflection|outcome"
    return f"log [{kinds}] [{framework.numbers_hint()}] text · mine · search words · help"


def manifest(
    url: str = PLACEHOLDER_URL,
    *,
    framework: Framework | None = None,
    socket_mode: bool = False,
    oauth: bool = False,
) -> dict[str, Any]:
    framework = framework or load_framework()
    interactive: dict[str, Any] = {"is_enabled": True}
    events: dict[str, Any] = {"bot_events": list(BOT_EVENTS)}
    command: dict[str, Any] = {
        "command": "/kindness",
        "description": "Share a story, commit to an action, reflect — and search the learning log",
        "usage_hint": usage_hint(framework),
        # Slack then sends a member named in the command as <@U0123|name>, the only way to
        # tell who `/kindness log for @member` means (an existing app needs it switched on too).
        "should_escape": True,
    }
    if not socket_mode:
        interactive["request_url"] = url
        events["request_url"] = url
        command["url"] = url
    oauth_config: dict[str, Any] = {"scopes": {"bot": bot_scopes()}}
    if oauth:
        parts = urlsplit(url)
        oauth_config = {
            "redirect_urls": [f"{parts.scheme}://{parts.netloc}{OAUTH_REDIRECT_PATH}"],
            **oauth_config,
        }
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
                    "description": "Save this message as a story, action, reflection or outcome",
                }
            ],
            "slash_commands": [command],
        },
        "oauth_config": oauth_config,
        "settings": {
            "event_subscriptions": events,
            "interactivity": interactive,
            # Installable org-wide in Enterprise Grid when the app takes installs (OAuth).
            "org_deploy_enabled": oauth,
            "socket_mode_enabled": socket_mode,
            "token_rotation_enabled": False,
        },
    }


YAML_HEADER = """\
# The Slack app manifest of kindness-bot. Printed by `kindness-bot manifest` (this file is its
# output with the defaults); paste it at https://api.slack.com/apps → Create New App →
# From an app manifest, with YOUR-HOST replaced by the bot's public address.
"""


def render(document: dict[str, Any], *, as_json: bool = False) -> str:
    if as_json:
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    body = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)
    return YAML_HEADER + body
