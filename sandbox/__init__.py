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

Standard library only, so the `kindness-bot sandbox` command can use it as well as the tests.
Socket Mode's websocket (`sandbox.socket_mode`) needs the `websockets` library and is imported
on its own.

`kindness-bot sandbox` (`runtime.sandbox`) puts the real bot, a stand-in and a Slack-like page in
one process on 127.0.0.1: `sandbox.ui` plays Slack's own app for a person (what they type and
click becomes the request Slack would send; what they would see comes back), `sandbox.page`
serves the page (`sandbox/static/`) and its JSON API, and `sandbox.examples` is the made-up
network. The driver also shows what Slack shows after the bot answers: a slash command's
acknowledgement as an ephemeral message, each modal `response_action`, and Slack's own notice
when the bot answers late or fails.

Judgement calls — where Slack's documentation and recorded responses did not settle a detail:
- Block Kit complaints use the wording of real Slack responses ("must be less than 3001
  characters", "no more than 50 items allowed", "must be more than 0 characters", "missing
  required field: text", "unsupported type: x", "must be a valid enum value"), each followed by
  `[json-pointer:/blocks/…]`. Messages answer `invalid_blocks` with the complaints in both
  `errors` and `response_metadata.messages` (prefixed "[ERROR] "), as chat.postMessage does;
  views answer `invalid_arguments` with `response_metadata.messages` only. The wording for a
  repeated block_id ("duplicate block_id: x") and for a plain_text_input `max_length` over
  3,000 is a guess, and Slack's extra "failed to match all allowed schemas" lines are left out.
- The `markdown` block's text is held to 12,000 characters (its documented cumulative limit);
  every other text object to 3,000 unless a tighter limit applies. Which block types a message
  (as opposed to a view) may hold is not checked.
- A `trigger_id` used a second time answers `exchanged_trigger_id` (Slack's documented error,
  and what Bolt users report) rather than `expired_trigger_id`; one older than 3 seconds answers
  `expired_trigger_id`; one the stand-in never issued, `invalid_trigger_id`. Only a call that
  succeeds spends a trigger.
- An unknown method answers HTTP 200 `{"ok": false, "error": "unknown_method"}`; an injected
  500/503 carries a JSON body (`internal_error` / `service_unavailable`), not an HTML page.
- response_url: 200 "ok" on success; a rejected body gets HTTP 400 with the bare error name as
  text ("invalid_blocks", "no_text", "msg_too_long", "invalid_payload"), as incoming webhooks
  do; an unknown id 404 "no_service"; a sixth use 404 "used_url" (Slack allows five).
- The upload URL answers 200 "OK - <bytes>" and takes a raw body or multipart form data.
- Group DMs (conversations.open with several users) are not modelled and are refused.
- Rate limits (`rate_limit`) are modelled as one token bucket per method across the whole
  workspace — Slack documents chat.postMessage's workspace-wide limit only as "varies" — with a
  burst of one second's calls; a refused call answers 429 with `Retry-After` rounded up to whole
  seconds, at least 1, as Slack's header always is. `latency` delays answers concurrently.
- `users.list` and `conversations.history` page with an opaque cursor; `users.list` includes
  the bot and deactivated people, as Slack's does. History lists top-level messages only, and
  returns message metadata only with `include_all_metadata`.
- An image block's `slack_file` must name a file uploaded here that is an image (png, jpg,
  jpeg, gif); otherwise the message is refused `invalid_blocks` with "invalid slack file"
  (views: `invalid_arguments`), Slack's wording. Real Slack also refuses a file for a moment
  after its upload while it processes it; `delay_file_processing(n)` makes new uploads refused
  in their first n messages. Who may see a privately uploaded file is not modelled.
- What Slack shows a person when the app fails: `/kindness failed with the error "…"` for a
  slash command (`operation_timeout` past 3 seconds, `dispatch_failed` for an error status, the
  Web API's error name for a body Slack would refuse, followed here by the Block Kit complaints
  a developer needs), and "We had some trouble connecting. Try again?" atop a modal. A modal's
  `response_action` that Slack would refuse (errors keyed by a block that is not an input, a
  view breaking a limit, an unknown action) leaves the modal as it was with a banner saying
  why; real Slack says less. Slack's client-side check of required inputs ("Please complete
  this required field.") is the page's, as it is Slack's client's.
- `replace_original` on a slash command's response_url replaces the latest answer to that
  command (its acknowledgement's message or an earlier response_url post), and on the
  response_url of a click in an ephemeral message, that message; `delete_original` likewise.
- Several workspaces (OAuth installs: `add_oauth_app`, `approve_install`, `oauth.v2.access`)
  each get their own bot token, and `auth.test` answers with the token's workspace; they share
  one set of people and channels. Each call records the token it carried (`Call.token`). An
  org-wide install (Enterprise Grid) is an install with an enterprise id and no team id.
- A user's `tz_label` is the zone's abbreviation ("BST"), not Slack's long name; `tz_offset` is
  computed from zoneinfo when users.info is called.
"""

from sandbox.blockkit import message_block_errors, view_errors
from sandbox.driver import InputValue, Reply, SlackDriver
from sandbox.web_api import Call, SlackStandIn, UploadedFile

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
