"""The local Slack: a Web API stand-in, Block Kit's limits, and a driver that sends the bot
signed requests the way Slack does.

`SlackStandIn` serves enough of Slack's Web API on 127.0.0.1 for the bot to run against it
without a workspace: point slack_sdk's `WebClient(base_url=standin.api_url)` at it. It keeps a
small workspace (users, channels, DMs, messages, reactions, modals, Home tabs, files), answers
in Slack's response shapes and error names, enforces Block Kit's limits with Slack's wording, and
records every call so tests can assert what the bot sent. Failures can be injected per method:
HTTP 429 with `Retry-After`, 5xx, `{"ok": false}` errors, and dropped connections.

`SlackDriver` plays Slack's other half: it posts slash commands, events and interactions to the
bot's HTTP endpoint, signed with the signing secret (or deliberately not), with `response_url`s
and `trigger_id`s the stand-in knows.

    with SlackStandIn() as slack:
        slack.add_user("U1", name="ada")
        slack.add_channel("C1", "general")
        client = WebClient(token=slack.bot_token, base_url=slack.api_url)
        client.chat_postMessage(channel="C1", text="Hello")
        assert slack.last("chat.postMessage").args["text"] == "Hello"

The stand-in (`sandbox.standin`, one module per concern) is standard library only, so the
`kindness-bot sandbox` command can use it as well as the tests. Socket Mode's websocket
(`sandbox.socket_mode`) needs the `websockets` library and is imported on its own.

`kindness-bot sandbox` (`runtime.sandbox`) puts the real bot, a stand-in and a Slack-like page in
one process on 127.0.0.1: `sandbox.ui` plays Slack's own app for a person (what they type and
click becomes the request Slack would send; what they would see comes back), `sandbox.page`
serves the page (`sandbox/static/`) and its JSON API, and `sandbox.examples` is the made-up
network. The driver also shows what Slack shows after the bot answers: a slash command's
acknowledgement as an ephemeral message, each modal `response_action`, and Slack's own notice
when the bot answers late or fails.

Each module's docstring holds the judgement calls behind it, where Slack's documentation and
recorded responses did not settle a detail: the stand-in's in each module of `sandbox.standin`,
Block Kit's wording in `sandbox.blockkit`, what Slack shows a person in `sandbox.driver`.
"""

from sandbox.blockkit import message_block_errors, view_errors
from sandbox.driver import InputValue, Reply, SlackDriver
from sandbox.standin import Call, SlackStandIn, UploadedFile

__all__ = [
    "Call",
    "InputValue",
    "Reply",
    "SlackDriver",
    "SlackStandIn",
    "UploadedFile",
    "message_block_errors",
    "view_errors",
]
