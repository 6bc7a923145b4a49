"""What the local Slack shows a person after the app answers, whatever way the app answers.

A small real Bolt app (not the bot) answers in each of the ways Slack allows — a slash
command's acknowledgement carrying the message, response_url posts that replace or delete an
ephemeral message, modal submissions answered with each ``response_action`` — so these tests
pin down the stand-in's side (`sandbox/`) on its own, independent of how the bot chooses to
answer.
"""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

from sandbox import InputValue, SlackDriver, SlackStandIn
from sandbox.ui import SlackUi
from serving import SIGNING_SECRET, ServedWsgi

TOO_LONG = {"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}
FORM = {
    "type": "modal",
    "callback_id": "form",
    "title": {"type": "plain_text", "text": "Form"},
    "submit": {"type": "plain_text", "text": "Save"},
    "blocks": [
        {
            "type": "input",
            "block_id": "words",
            "label": {"type": "plain_text", "text": "Words"},
            "element": {"type": "plain_text_input", "action_id": "words"},
        }
    ],
}


def _modal(title: str) -> dict:
    return {**FORM, "title": {"type": "plain_text", "text": title}}


@dataclass
class Rig:
    standin: SlackStandIn
    slack: SlackDriver
    events: list[dict]


@pytest.fixture
def rig() -> Iterator[Rig]:
    """A Bolt app whose answers are chosen by what the person types or submits."""
    standin = SlackStandIn().start()
    standin.add_user("U1", name="ann")
    standin.add_channel("C1", "network")
    standin.join_channel("C1", "U1", announce=False)
    client = WebClient(token=standin.bot_token, base_url=standin.api_url)
    app = App(
        signing_secret=SIGNING_SECRET,
        client=client,
        token_verification_enabled=False,
        process_before_response=True,
    )
    events: list[dict] = []

    @app.command("/kindness")
    def command(ack, body, respond, client):
        text = body["text"]
        if text == "ack":
            ack(
                text="Saved #1",
                blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": "*Saved* #1"}}],
            )
        elif text == "in-channel":
            ack(response_type="in_channel", text="Everyone sees this")
        elif text == "too-long":
            ack(blocks=[TOO_LONG], text="x")
        elif text == "slow":
            time.sleep(1.2)  # a slow bot (Slack's patience is cut to 1 s below)
            ack(text="Too late")
        elif text == "crash":
            raise RuntimeError("a bug")
        elif text == "form":
            ack()
            client.views_open(trigger_id=body["trigger_id"], view=FORM)
        else:
            ack()
            respond(text="First answer")
            respond(text="Second answer, over the first", replace_original=True)

    @app.view("form")
    def submitted(ack, view):
        words = view["state"]["values"]["words"]["words"]["value"] or ""
        answers = {
            "errors": {"response_action": "errors", "errors": {"words": "Too short"}},
            "bad-errors": {"response_action": "errors", "errors": {"nowhere": "?"}},
            "push": {"response_action": "push", "view": _modal("Pushed")},
            "update": {"response_action": "update", "view": _modal("Updated")},
            "bad-update": {"response_action": "update", "view": {**FORM, "blocks": [TOO_LONG]}},
            "clear": {"response_action": "clear"},
        }
        ack(**answers.get(words, {}))

    @app.event("member_joined_channel")
    def joined(event):
        events.append(event)

    @app.event("message")
    def message(event):
        events.append(event)

    served = ServedWsgi(SlackRequestHandler(app))
    url = f"{served.url}/slack/events"
    try:
        yield Rig(standin, SlackDriver(url, SIGNING_SECRET, standin, ack_seconds=1.0), events)
    finally:
        served.stop()
        standin.stop()


def words(text: str) -> dict:
    return {"words": {"words": InputValue.plain_text(text)}}


def open_form(rig: Rig) -> str:
    rig.slack.command("form", user="U1", channel="C1")
    return rig.standin.modal_stack("U1")[-1]["id"]


# -- slash commands -------------------------------------------------------------------------


def test_a_message_in_the_acknowledgement_is_shown_only_to_the_member(rig: Rig) -> None:
    reply = rig.slack.command("ack", user="U1", channel="C1")
    assert reply.in_time
    [shown] = rig.standin.ephemerals("U1")
    assert shown["via"] == "command_ack" and shown["text"] == "Saved #1"
    assert shown["blocks"][0]["text"]["text"] == "*Saved* #1"
    assert rig.standin.messages_in("C1") == []


def test_an_in_channel_acknowledgement_is_posted_in_the_channel(rig: Rig) -> None:
    rig.slack.command("in-channel", user="U1", channel="C1")
    assert [m["text"] for m in rig.standin.messages_in("C1")] == ["Everyone sees this"]
    assert rig.standin.ephemerals("U1") == []


def test_an_acknowledgement_over_a_block_kit_limit_shows_slacks_error(rig: Rig) -> None:
    rig.slack.command("too-long", user="U1", channel="C1")
    [shown] = rig.standin.ephemerals("U1")
    assert shown["via"] == "slack"
    assert shown["text"].startswith('/kindness failed with the error "invalid_blocks"')
    assert "must be less than 3001 characters" in shown["text"]


def test_a_late_or_failed_acknowledgement_is_reported_as_slack_reports_it(rig: Rig) -> None:
    rig.slack.command("slow", user="U1", channel="C1")
    rig.slack.command("crash", user="U1", channel="C1")
    notes = [m["text"] for m in rig.standin.ephemerals("U1")]
    assert notes == [
        '/kindness failed with the error "operation_timeout"',
        '/kindness failed with the error "dispatch_failed"',
    ]


def test_replace_original_on_a_commands_response_url_replaces_its_answer(rig: Rig) -> None:
    rig.slack.command("respond", user="U1", channel="C1")
    assert [m["text"] for m in rig.standin.ephemerals("U1")] == ["Second answer, over the first"]


def test_a_button_in_an_ephemeral_message_can_replace_or_delete_it(rig: Rig) -> None:
    note = rig.standin.show_ephemeral("C1", "U1", {"text": "Saved #4"}, via="command_ack")
    url = rig.standin.new_response_url(channel="C1", user="U1", ephemeral_ts=note["ts"])
    _post(url, {"text": "Removed #4", "replace_original": True})
    assert [m["text"] for m in rig.standin.ephemerals("U1")] == ["Removed #4"]
    _post(url, {"delete_original": True})
    assert rig.standin.ephemerals("U1") == []


def _post(url: str, body: dict) -> None:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status == 200


# -- modals ---------------------------------------------------------------------------------


def test_a_modal_opened_by_a_command_is_the_members(rig: Rig) -> None:
    view_id = open_form(rig)
    assert rig.standin.modal_stack("U2") == []
    assert rig.standin.modal_stack("U1")[0]["id"] == view_id


def test_errors_show_under_their_input_and_keep_the_modal_open(rig: Rig) -> None:
    view_id = open_form(rig)
    rig.slack.view_submission("form", words("errors"), user="U1", view_id=view_id)
    [view] = rig.standin.modal_stack("U1")
    assert view["errors"] == {"words": "Too short"} and view["banner"] is None


def test_errors_for_a_block_that_is_not_an_input_are_slacks_refusal(rig: Rig) -> None:
    view_id = open_form(rig)
    rig.slack.view_submission("form", words("bad-errors"), user="U1", view_id=view_id)
    [view] = rig.standin.modal_stack("U1")
    assert view["errors"] == {}
    assert "no input block with block_id `nowhere`" in view["banner"]


def test_push_puts_a_view_on_top_and_closing_it_goes_back(rig: Rig) -> None:
    view_id = open_form(rig)
    rig.slack.view_submission("form", words("push"), user="U1", view_id=view_id)
    titles = [v["title"]["text"] for v in rig.standin.modal_stack("U1")]
    assert titles == ["Form", "Pushed"]
    rig.slack.view_closed(rig.standin.modal_stack("U1")[-1]["id"], user="U1")
    assert [v["id"] for v in rig.standin.modal_stack("U1")] == [view_id]


def test_update_replaces_the_view_unless_slack_would_refuse_it(rig: Rig) -> None:
    view_id = open_form(rig)
    rig.slack.view_submission("form", words("bad-update"), user="U1", view_id=view_id)
    [view] = rig.standin.modal_stack("U1")
    assert view["title"]["text"] == "Form"
    assert "must be less than 3001 characters" in view["banner"]
    rig.slack.view_submission("form", words("update"), user="U1", view_id=view_id)
    [view] = rig.standin.modal_stack("U1")
    assert view["title"]["text"] == "Updated" and view["banner"] is None


def test_clear_and_a_plain_acknowledgement_close_modals(rig: Rig) -> None:
    view_id = open_form(rig)
    rig.slack.view_submission("form", words("push"), user="U1", view_id=view_id)
    top = rig.standin.modal_stack("U1")[-1]["id"]
    rig.slack.view_submission("form", words("clear"), user="U1", view_id=top)
    assert rig.standin.modal_stack("U1") == []
    view_id = open_form(rig)
    rig.slack.view_submission("form", words("fine"), user="U1", view_id=view_id)
    assert rig.standin.modal_stack("U1") == []


# -- what the page sends: only what the app subscribed to ---------------------------------------


def test_joining_a_channel_sends_the_event_only_when_the_app_subscribed(rig: Rig) -> None:
    rig.standin.add_user("U2", name="bea")
    subscribed = {"settings": {"event_subscriptions": {"bot_events": ["member_joined_channel"]}}}
    SlackUi(rig.slack, subscribed).join("U2", "C1")
    assert [e["type"] for e in rig.events] == ["member_joined_channel"]
    assert rig.events[0]["user"] == "U2" and rig.events[0]["channel"] == "C1"
    assert rig.standin.messages_in("C1")[-1]["text"] == "<@U2> has joined the channel"

    rig.standin.add_user("U3", name="cai")
    SlackUi(rig.slack, {"settings": {"event_subscriptions": {"bot_events": []}}}).join("U3", "C1")
    assert len(rig.events) == 1
    assert "U3" in rig.standin.members_of("C1")


def test_messages_reach_the_app_only_from_channels_it_is_in(rig: Rig) -> None:
    subscribed = {"settings": {"event_subscriptions": {"bot_events": ["message.channels"]}}}
    rig.standin.add_channel("C2", "elsewhere", bot_is_member=False)
    rig.standin.join_channel("C2", "U1", announce=False)
    ui = SlackUi(rig.slack, subscribed)
    ui.send("U1", "C2", "Nobody here is a bot")
    ui.send("U1", "C1", "Hello <world> & you")
    assert [e["text"] for e in rig.events] == ["Hello &lt;world&gt; &amp; you"]


def test_a_command_the_app_does_not_declare_gets_slackbots_answer(rig: Rig) -> None:
    ui = SlackUi(rig.slack, {"features": {"slash_commands": [{"command": "/kindness"}]}})
    ui.send("U1", "C1", "/kindnes help")
    [note] = rig.standin.ephemerals("U1")
    assert note["via"] == "slack" and note["text"].startswith("/kindnes is not a valid command")


def test_the_workspace_comes_back_from_a_snapshot(rig: Rig) -> None:
    rig.slack.command("ack", user="U1", channel="C1")
    rig.slack.command("in-channel", user="U1", channel="C1")
    kept = json.loads(json.dumps(rig.standin.snapshot()))
    with SlackStandIn() as again:
        again.restore(kept)
        assert again.messages_in("C1") == rig.standin.messages_in("C1")
        assert again.ephemerals("U1") == rig.standin.ephemerals("U1")
        assert again.members_of("C1") == ["U1", again.bot_user_id]
        assert float(again.next_ts()) > float(rig.standin.messages_in("C1")[-1]["ts"])


def test_typed_mentions_are_sent_as_slack_sends_them(rig: Rig) -> None:
    rig.standin.add_user("U2", name="bea")
    subscribed = {"settings": {"event_subscriptions": {"bot_events": ["message.channels"]}}}
    SlackUi(rig.slack, subscribed).send("U1", "C1", "Thanks @bea and @here, mail bob@example.org")
    assert rig.events[-1]["text"] == "Thanks <@U2> and <!here>, mail bob@example.org"
