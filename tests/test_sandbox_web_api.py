"""The Slack stand-in answers slack_sdk the way Slack does, and its driver signs like Slack."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator

from sandbox import InputValue, SlackDriver, SlackStandIn

SIGNING_SECRET = "standin-signing-secret"
NO_WAIT = FixedValueRetryIntervalCalculator(0.0)


@pytest.fixture
def slack() -> Iterator[SlackStandIn]:
    with SlackStandIn() as standin:
        standin.add_user("U1", name="ada", real_name="Ada Lovelace")
        standin.add_channel("C1", "general")
        yield standin


@pytest.fixture
def client(slack: SlackStandIn) -> WebClient:
    return WebClient(token=slack.bot_token, base_url=slack.api_url)


def api_error(call) -> dict:
    with pytest.raises(SlackApiError) as raised:
        call()
    return raised.value.response.data


def section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def button(**overrides) -> dict:
    return {"type": "button", "action_id": "go", "text": {"type": "plain_text", "text": "Go"}} | (
        overrides
    )


def actions(*elements: dict) -> dict:
    return {"type": "actions", "elements": list(elements)}


def select(options: list[dict]) -> dict:
    placeholder = {"type": "plain_text", "text": "Pick"}
    return {"type": "static_select", "action_id": "pick", "placeholder": placeholder} | {
        "options": options
    }


def option(text: str = "One", value: str = "1") -> dict:
    return {"text": {"type": "plain_text", "text": text}, "value": value}


def text_input(**overrides) -> dict:
    return {"type": "plain_text_input", "action_id": "entry"} | overrides


def input_block(element: dict, label: str = "What did you learn?") -> dict:
    return {"type": "input", "label": {"type": "plain_text", "text": label}, "element": element}


def modal(**overrides) -> dict:
    title = {"type": "plain_text", "text": "Log an entry"}
    return {"type": "modal", "title": title, "blocks": [section("Hello")]} | overrides


# -- the Web API ---------------------------------------------------------------------------------


def test_a_posted_message_is_recorded_and_kept_in_the_channel(slack, client):
    response = client.chat_postMessage(channel="C1", text="Welcome, Ada", blocks=[section("Hi")])

    call = slack.last("chat.postMessage")
    assert call.ok
    assert call.args["text"] == "Welcome, Ada"
    assert call.args["blocks"] == [section("Hi")]
    assert response["channel"] == "C1"
    assert response["message"]["user"] == slack.bot_user_id
    [kept] = slack.messages_in("C1")
    assert kept["ts"] == response["ts"]
    assert kept["blocks"][0]["block_id"]  # Slack names every block


def test_message_timestamps_strictly_increase(slack, client):
    stamps = [client.chat_postMessage(channel="C1", text=str(n))["ts"] for n in range(5)]

    assert stamps == sorted(stamps, key=float)
    assert len(set(stamps)) == 5
    assert all(len(ts.split(".")[1]) == 6 for ts in stamps)


def test_form_bodies_and_bearer_less_tokens_are_understood(slack):
    blocks = json.dumps([section("Hi")])
    form = {"token": slack.bot_token, "channel": "C1", "blocks": blocks, "text": "Hi"}
    request = urllib.request.Request(
        slack.api_url + "chat.postMessage", data=urllib.parse.urlencode(form).encode()
    )
    with urllib.request.urlopen(request) as response:
        assert json.load(response)["ok"] is True

    assert slack.last("chat.postMessage").args == {
        "channel": "C1",
        "blocks": [section("Hi")],
        "text": "Hi",
    }


def test_a_wrong_token_is_invalid_auth_and_an_unknown_method_says_so(slack):
    stranger = WebClient(token="xoxb-not-ours", base_url=slack.api_url)

    assert api_error(lambda: stranger.auth_test())["error"] == "invalid_auth"
    assert api_error(lambda: stranger.api_call("chat.teleport"))["error"] == "unknown_method"


def test_last_names_what_was_called_when_the_method_was_not(slack, client):
    client.auth_test()

    with pytest.raises(AssertionError, match=r"no call to chat.postMessage.*auth.test"):
        slack.last("chat.postMessage")


def test_the_bot_posts_only_where_it_is_a_member(slack, client):
    slack.add_channel("C2", "quiet-corner", bot_is_member=False)
    slack.add_channel("G1", "coordinators", is_private=True, bot_is_member=False)

    post = client.chat_postMessage
    assert api_error(lambda: post(channel="C2", text="hi"))["error"] == "not_in_channel"
    assert api_error(lambda: post(channel="G1", text="hi"))["error"] == "not_in_channel"
    assert api_error(lambda: post(channel="C404", text="hi"))["error"] == "channel_not_found"

    client.conversations_join(channel="C2")
    assert client.chat_postMessage(channel="C2", text="hi")["ok"]
    joined = api_error(lambda: client.conversations_join(channel="G1"))
    assert joined["error"] == "method_not_supported_for_channel_type"


def test_a_message_to_a_person_lands_in_their_stable_dm(slack, client):
    dm = client.conversations_open(users="U1")["channel"]["id"]

    posted = client.chat_postMessage(channel="U1", text="Your weekly prompt")

    assert dm.startswith("D")
    assert posted["channel"] == dm
    assert client.conversations_open(users="U1")["channel"]["id"] == dm
    assert [m["text"] for m in slack.messages_in(dm)] == ["Your weekly prompt"]


def test_users_info_knows_members_and_their_time_zone(slack, client):
    slack.add_user("U2", name="grace", tz="America/New_York", is_admin=True)

    grace = client.users_info(user="U2")["user"]

    assert grace["is_admin"] is True
    assert grace["tz"] == "America/New_York"
    assert grace["tz_offset"] in (-5 * 3600, -4 * 3600)
    assert api_error(lambda: client.users_info(user="U404"))["error"] == "user_not_found"


def test_updates_deletes_and_permalinks_follow_the_message(slack, client):
    ts = client.chat_postMessage(channel="C1", text="draft")["ts"]

    client.chat_update(channel="C1", ts=ts, text="final")
    link = client.chat_getPermalink(channel="C1", message_ts=ts)["permalink"]

    assert slack.messages_in("C1")[0]["text"] == "final"
    assert link == f"https://kindness-network.slack.com/archives/C1/p{ts.replace('.', '')}"
    client.chat_delete(channel="C1", ts=ts)
    assert slack.messages_in("C1") == []
    missing = api_error(lambda: client.chat_update(channel="C1", ts=ts, text="x"))
    assert missing["error"] == "message_not_found"


def test_reacting_twice_is_already_reacted(slack, client):
    ts = client.chat_postMessage(channel="C1", text="Thanks for sharing")["ts"]

    client.reactions_add(channel="C1", timestamp=ts, name="heart")
    again = api_error(lambda: client.reactions_add(channel="C1", timestamp=ts, name="heart"))

    assert again["error"] == "already_reacted"
    assert slack.messages_in("C1")[0]["reactions"] == [
        {"name": "heart", "users": [slack.bot_user_id], "count": 1}
    ]


def test_a_message_needs_text_or_blocks_and_text_has_a_limit(client):
    nothing = api_error(lambda: client.api_call("chat.postMessage", json={"channel": "C1"}))
    assert nothing["error"] == "no_text"
    too_long = api_error(lambda: client.chat_postMessage(channel="C1", text="x" * 40_001))
    assert too_long["error"] == "msg_too_long"


@pytest.mark.parametrize("method", ["chat.postMessage", "chat.postEphemeral", "chat.update"])
def test_blocks_without_words_for_a_screen_reader_are_refused(slack, client, method) -> None:
    """Stricter than Slack (which warns): a screen reader reads the top-level text alone."""
    posted = client.chat_postMessage(channel="C1", text="First")
    args = {"channel": "C1", "user": "U1", "ts": posted["ts"], "blocks": [section("Saved")]}
    for text in (None, "", "   "):
        call = {**args, **({"text": text} if text is not None else {})}
        refused = api_error(lambda call=call: client.api_call(method, json=call))
        assert refused["error"] == "no_text_for_screen_readers", text
    assert client.api_call(method, json={**args, "text": "Saved your story"})["ok"]


def test_an_image_without_alt_text_is_refused_in_messages_and_views(client) -> None:
    image = {"type": "image", "image_url": "https://example.org/chart.png", "alt_text": "  "}
    refused = api_error(
        lambda: client.chat_postMessage(channel="C1", text="The chart", blocks=[image])
    )
    assert refused["error"] == "invalid_blocks"
    assert "must be more than 0 characters [json-pointer:/blocks/0/alt_text]" in str(refused)
    home = {"type": "home", "blocks": [image]}
    refused = api_error(lambda: client.views_publish(user_id="U1", view=home))
    assert "alt_text" in str(refused)


MESSAGE_LIMITS = [
    pytest.param(
        [section("x")] * 51, "no more than 50 items allowed [json-pointer:/blocks]", id="51 blocks"
    ),
    pytest.param(
        [section("x" * 3001)],
        "less than 3001 characters [json-pointer:/blocks/0/text/text]",
        id="section text",
    ),
    pytest.param(
        [{"type": "section", "fields": [{"type": "mrkdwn", "text": "f"}] * 11}],
        "no more than 10 items allowed [json-pointer:/blocks/0/fields]",
        id="11 fields",
    ),
    pytest.param(
        [{"type": "section", "fields": [{"type": "mrkdwn", "text": "f" * 2001}]}],
        "less than 2001 characters [json-pointer:/blocks/0/fields/0/text]",
        id="long field",
    ),
    pytest.param(
        [{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}],
        "less than 151 characters [json-pointer:/blocks/0/text/text]",
        id="header",
    ),
    pytest.param(
        [{"type": "header", "text": {"type": "mrkdwn", "text": "h"}}],
        "must be a valid enum value [json-pointer:/blocks/0/text/type]",
        id="mrkdwn header",
    ),
    pytest.param(
        [{"type": "context", "elements": [{"type": "mrkdwn", "text": "c"}] * 11}],
        "no more than 10 items allowed [json-pointer:/blocks/0/elements]",
        id="11 context elements",
    ),
    pytest.param(
        [actions(*[button(action_id=f"b{n}") for n in range(26)])],
        "no more than 25 items allowed [json-pointer:/blocks/0/elements]",
        id="26 actions",
    ),
    pytest.param(
        [actions(button(text={"type": "plain_text", "text": "b" * 76}))],
        "less than 76 characters [json-pointer:/blocks/0/elements/0/text/text]",
        id="button text",
    ),
    pytest.param(
        [actions(button(value="v" * 2001))],
        "less than 2001 characters [json-pointer:/blocks/0/elements/0/value]",
        id="button value",
    ),
    pytest.param(
        [actions(button(url="https://x/" + "u" * 3000))],
        "less than 3001 characters [json-pointer:/blocks/0/elements/0/url]",
        id="button url",
    ),
    pytest.param(
        [actions(button(action_id="a" * 256))],
        "less than 256 characters [json-pointer:/blocks/0/elements/0/action_id]",
        id="action_id",
    ),
    pytest.param(
        [section("x") | {"block_id": "b" * 256}],
        "less than 256 characters [json-pointer:/blocks/0/block_id]",
        id="block_id",
    ),
    pytest.param(
        [section("x") | {"block_id": "same"}, section("y") | {"block_id": "same"}],
        "duplicate block_id: same [json-pointer:/blocks/1/block_id]",
        id="repeated block_id",
    ),
    pytest.param(
        [actions(select([option(value=str(n)) for n in range(101)]))],
        "no more than 100 items allowed [json-pointer:/blocks/0/elements/0/options]",
        id="101 options",
    ),
    pytest.param(
        [actions(select([option(text="o" * 76)]))],
        "less than 76 characters [json-pointer:/blocks/0/elements/0/options/0/text/text]",
        id="option text",
    ),
    pytest.param(
        [actions(select([option(value="v" * 151)]))],
        "less than 151 characters [json-pointer:/blocks/0/elements/0/options/0/value]",
        id="option value",
    ),
    pytest.param(
        [input_block(text_input(), label="l" * 2001)],
        "less than 2001 characters [json-pointer:/blocks/0/label/text]",
        id="input label",
    ),
    pytest.param(
        [input_block(text_input(max_length=3001))],
        "[json-pointer:/blocks/0/element/max_length]",
        id="input max_length",
    ),
    pytest.param(
        [input_block(text_input(initial_value="i" * 3001))],
        "less than 3001 characters [json-pointer:/blocks/0/element/initial_value]",
        id="input initial_value",
    ),
    pytest.param(
        [{"type": "context", "elements": [{"type": "mrkdwn", "text": "c" * 3001}]}],
        "less than 3001 characters [json-pointer:/blocks/0/elements/0/text]",
        id="mrkdwn context",
    ),
    pytest.param(
        [section("")],
        "must be more than 0 characters [json-pointer:/blocks/0/text/text]",
        id="empty text",
    ),
    pytest.param(
        [{"type": "section", "text": {"type": "html", "text": "x"}}],
        "must be a valid enum value [json-pointer:/blocks/0/text/type]",
        id="text type",
    ),
    pytest.param(
        [{"type": "carousel"}],
        "unsupported type: carousel [json-pointer:/blocks/0/type]",
        id="block type",
    ),
]


@pytest.mark.parametrize(("blocks", "complaint"), MESSAGE_LIMITS)
def test_a_message_over_a_block_kit_limit_is_invalid_blocks(slack, client, blocks, complaint):
    refused = api_error(lambda: client.chat_postMessage(channel="C1", text="t", blocks=blocks))

    assert refused["error"] == "invalid_blocks"
    assert any(complaint in error for error in refused["errors"]), refused["errors"]
    assert all(m.startswith("[ERROR] ") for m in refused["response_metadata"]["messages"])
    assert slack.last("chat.postMessage").error == "invalid_blocks"
    assert slack.messages_in("C1") == []


def test_the_limits_hold_for_updates_and_ephemerals_too(client):
    ts = client.chat_postMessage(channel="C1", text="ok")["ts"]
    too_many = [section("x")] * 51

    update = api_error(lambda: client.chat_update(channel="C1", ts=ts, text="t", blocks=too_many))
    ephemeral = api_error(
        lambda: client.chat_postEphemeral(channel="C1", user="U1", text="t", blocks=too_many)
    )

    assert update["error"] == ephemeral["error"] == "invalid_blocks"


VIEW_LIMITS = [
    pytest.param(
        modal(blocks=[section("x")] * 101),
        "no more than 100 items allowed [json-pointer:/view/blocks]",
        id="101 blocks",
    ),
    pytest.param(
        modal(title={"type": "plain_text", "text": "t" * 25}),
        "less than 25 characters [json-pointer:/view/title/text]",
        id="title",
    ),
    pytest.param(
        modal(submit={"type": "plain_text", "text": "s" * 25}),
        "less than 25 characters [json-pointer:/view/submit/text]",
        id="submit",
    ),
    pytest.param(
        modal(close={"type": "plain_text", "text": "c" * 25}),
        "less than 25 characters [json-pointer:/view/close/text]",
        id="close",
    ),
    pytest.param(
        modal(private_metadata="m" * 3001),
        "less than 3001 characters [json-pointer:/view/private_metadata]",
        id="private_metadata",
    ),
    pytest.param(
        modal(callback_id="c" * 256),
        "less than 256 characters [json-pointer:/view/callback_id]",
        id="callback_id",
    ),
    pytest.param(
        modal(external_id="e" * 256),
        "less than 256 characters [json-pointer:/view/external_id]",
        id="external_id",
    ),
    pytest.param(
        modal(blocks=[input_block(text_input())]), "must define `submit`", id="input without submit"
    ),
    pytest.param(
        modal(blocks=[section("x" * 3001)]),
        "[json-pointer:/view/blocks/0/text/text]",
        id="a block inside",
    ),
]


@pytest.mark.parametrize(("view", "complaint"), VIEW_LIMITS)
def test_a_view_over_a_limit_is_invalid_arguments(slack, client, view, complaint):
    trigger_id = slack.new_trigger_id()

    refused = api_error(lambda: client.views_open(trigger_id=trigger_id, view=view))

    assert refused["error"] == "invalid_arguments"
    messages = refused["response_metadata"]["messages"]
    assert any(complaint in message for message in messages), messages


def test_a_home_tab_may_hold_100_blocks_but_not_101(slack, client):
    home = {"type": "home", "blocks": [section("x")] * 100}

    client.views_publish(user_id="U1", view=home)
    refused = api_error(
        lambda: client.views_publish(user_id="U1", view=home | {"blocks": [section("x")] * 101})
    )

    assert len(slack.home_view("U1")["blocks"]) == 100
    assert refused["error"] == "invalid_arguments"


def test_a_trigger_id_opens_one_modal_only(slack, client):
    trigger_id = slack.new_trigger_id()

    opened = client.views_open(trigger_id=trigger_id, view=modal(callback_id="log"))
    again = api_error(lambda: client.views_open(trigger_id=trigger_id, view=modal()))
    invented = api_error(lambda: client.views_open(trigger_id="1.2.abc", view=modal()))

    assert opened["view"]["id"].startswith("V")
    assert slack.view(opened["view"]["id"])["callback_id"] == "log"
    assert again["error"] == "exchanged_trigger_id"
    assert invented["error"] == "invalid_trigger_id"


def test_views_update_by_external_id_keeps_the_view_id(slack, client):
    view_id = client.views_open(
        trigger_id=slack.new_trigger_id(), view=modal(external_id="entry-7")
    )["view"]["id"]

    updated = client.views_update(external_id="entry-7", view=modal(external_id="entry-7"))
    stale = api_error(lambda: client.views_update(view_id=view_id, hash="1.0", view=modal()))

    assert updated["view"]["id"] == view_id
    assert stale["error"] == "hash_conflict"


def test_a_rate_limit_is_retried_after_the_retry_after_delay(slack, client):
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=1))
    slack.fail_next("chat.postMessage", status=429, retry_after=1)

    started = time.monotonic()
    client.chat_postMessage(channel="C1", text="Reminder")
    waited = time.monotonic() - started

    first, second = slack.calls_to("chat.postMessage")
    assert (first.status, first.error) == (429, "ratelimited")
    assert second.ok
    assert waited >= 1.0
    assert len(slack.messages_in("C1")) == 1


def test_a_server_error_is_retried_by_the_server_error_handler(slack, client):
    client.retry_handlers.append(ServerErrorRetryHandler(interval_calculator=NO_WAIT))
    slack.fail_next("chat.postMessage", status=503)

    client.chat_postMessage(channel="C1", text="Reminder")

    assert [c.status for c in slack.calls_to("chat.postMessage")] == [503, 200]


def test_a_dropped_connection_is_retried_by_the_connection_error_handler(slack):
    client = WebClient(
        token=slack.bot_token,
        base_url=slack.api_url,
        retry_handlers=[ConnectionErrorRetryHandler(interval_calculator=NO_WAIT)],
    )
    slack.drop_next("chat.postMessage")

    client.chat_postMessage(channel="C1", text="Reminder")

    dropped, delivered = slack.calls_to("chat.postMessage")
    assert (dropped.status, dropped.error) == (0, "connection_dropped")
    assert delivered.ok


def test_an_injected_error_answers_ok_false_for_the_next_calls_only(slack, client):
    slack.fail_next("chat.postMessage", error="account_inactive", times=2)

    for _ in range(2):
        assert api_error(lambda: client.chat_postMessage(channel="C1", text="x"))["error"] == (
            "account_inactive"
        )
    assert client.chat_postMessage(channel="C1", text="x")["ok"]


def test_files_upload_v2_stores_the_file_and_shares_it(slack, client):
    client.files_upload_v2(
        channel="C1",
        content="week 12: 7 entries",
        filename="summary.txt",
        title="Weekly summary",
        initial_comment="This week's summary",
    )

    [uploaded] = slack.files
    assert uploaded.content == b"week 12: 7 entries"
    assert (uploaded.name, uploaded.title, uploaded.channel) == (
        "summary.txt",
        "Weekly summary",
        "C1",
    )
    assert slack.messages_in("C1")[-1]["text"] == "This week's summary"


def post_json(url: str, body: object) -> tuple[int, str]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_response_url_posts_are_validated_and_recorded(slack):
    url = slack.new_response_url(channel="C1", user="U1")
    other = slack.new_response_url(channel="C1", user="U1")

    saved = post_json(url, {"text": "Saved your entry", "response_type": "ephemeral"})
    refused = post_json(url, {"blocks": [section("x")] * 51})
    post_json(other, {"text": "Posted for everyone", "response_type": "in_channel"})
    unknown = post_json(slack.base_url + "/response/nope", {"text": "x"})

    assert saved == (200, "ok")
    assert refused == (400, "invalid_blocks")
    assert unknown[0] == 404
    assert slack.responses(url) == [{"text": "Saved your entry", "response_type": "ephemeral"}]
    assert len(slack.responses()) == 2
    assert [e["text"] for e in slack.ephemerals("U1")] == ["Saved your entry"]
    assert slack.messages_in("C1")[-1]["text"] == "Posted for everyone"
    assert slack.calls_to("response_url")[0].args["url_id"] == url.rsplit("/", 1)[1]


# -- the driver, against a real Bolt app -----------------------------------------------------------


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        pass


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


@pytest.fixture
def bolt(slack: SlackStandIn) -> Iterator[tuple[App, SlackDriver]]:
    app = App(
        signing_secret=SIGNING_SECRET,
        client=WebClient(token=slack.bot_token, base_url=slack.api_url),
        process_before_response=True,
    )
    server = make_server(
        "127.0.0.1",
        0,
        SlackRequestHandler(app),
        server_class=_ThreadingWSGIServer,
        handler_class=_QuietHandler,
    )
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    app_url = f"http://127.0.0.1:{server.server_port}/slack/events"
    yield app, SlackDriver(app_url, SIGNING_SECRET, slack)
    server.shutdown()
    server.server_close()


def test_a_signed_command_reaches_the_listener_and_its_respond_is_recorded(slack, bolt):
    app, driver = bolt
    received = []

    @app.command("/kindness")
    def kindness(ack, command, respond):
        received.append(command)
        ack()
        respond("Saved your entry")

    reply = driver.command("log I learned to listen", user="U1", channel="C1")

    assert reply.status == 200
    [command] = received
    assert command["text"] == "log I learned to listen"
    assert (command["user_id"], command["user_name"], command["channel_name"]) == (
        "U1",
        "ada",
        "general",
    )
    assert command["response_url"] == reply.response_url
    assert command["trigger_id"] == reply.trigger_id
    assert slack.responses(reply.response_url)[0]["text"] == "Saved your entry"


@pytest.mark.parametrize(
    "tampering",
    [
        {"signature": "v0=bad"},
        {"timestamp": time.time() - 600},
        {"unsigned": True},
    ],
    ids=["wrong signature", "stale timestamp", "unsigned"],
)
def test_a_request_not_signed_by_slack_gets_401(bolt, tampering):
    app, driver = bolt
    ran = []
    app.command("/kindness")(lambda ack: ran.append(ack()))

    reply = driver.command("help", **tampering)

    assert reply.status == 401
    assert ran == []


def test_an_event_arrives_in_its_envelope_with_retry_headers(slack, bolt):
    app, driver = bolt
    seen = []

    @app.event("message")
    def on_message(body, event, request):
        seen.append((body["event_id"], event["text"], request.headers.get("x-slack-retry-num")))

    driver.event(driver.message("I tried pairing", user="U1", channel="C1"), event_id="Ev1")
    event = driver.message("Again", user="U1", channel="C1")
    driver.event(event, event_id="Ev2", retry_num=1)

    assert seen == [("Ev1", "I tried pairing", None), ("Ev2", "Again", ["1"])]
    assert [m["text"] for m in slack.messages_in("C1")] == ["I tried pairing", "Again"]


def test_a_button_click_on_a_bot_message_can_replace_it(slack, bolt):
    app, driver = bolt
    client = WebClient(token=slack.bot_token, base_url=slack.api_url)
    client.chat_postMessage(channel="C1", text="Log?", blocks=[actions(button(value="yes"))])
    clicked = []

    @app.action("go")
    def go(ack, action, respond):
        ack()
        clicked.append(action["value"])
        respond(text="Logged", replace_original=True)

    message = slack.messages_in("C1")[-1]
    reply = driver.block_action("go", "yes", user="U1", message=message)

    assert reply.status == 200
    assert clicked == ["yes"]
    assert slack.messages_in("C1")[-1]["text"] == "Logged"


def test_a_modal_opened_from_a_command_is_submitted_and_closed(slack, bolt):
    app, driver = bolt
    submitted = []
    entry_modal = modal(
        callback_id="log",
        submit={"type": "plain_text", "text": "Save"},
        private_metadata="goal-3",
        blocks=[input_block(text_input()) | {"block_id": "entry"}],
    )

    @app.command("/kindness")
    def open_modal(ack, body, client):
        ack()
        client.views_open(trigger_id=body["trigger_id"], view=entry_modal)

    @app.view("log")
    def save(ack, view):
        submitted.append((view["state"]["values"], view["private_metadata"]))
        ack()

    driver.command("log")
    [opened] = slack.open_views()
    values = {"entry": {"entry": InputValue.plain_text("Listening first")}}
    reply = driver.view_submission("log", values, view_id=opened["id"])

    assert reply.status == 200
    assert submitted == [(values, "goal-3")]
    assert slack.open_views() == []


def test_a_message_shortcut_carries_the_message(slack, bolt):
    app, driver = bolt
    shortcuts = []

    @app.message_shortcut("save_as_entry")
    def save_as_entry(ack, shortcut):
        ack()
        shortcuts.append((shortcut["message"]["text"], shortcut["channel"]["id"]))

    event = driver.message("Today I learned", user="U1", channel="C1")
    message = slack.messages_in("C1")[-1]
    reply = driver.message_action("save_as_entry", message, user="U1", channel="C1")

    assert reply.status == 200
    assert shortcuts == [(event["text"], "C1")]


def test_a_button_in_a_modal_can_push_a_second_view(slack, bolt):
    app, driver = bolt
    client = WebClient(token=slack.bot_token, base_url=slack.api_url)
    first = client.views_open(
        trigger_id=slack.new_trigger_id(), view=modal(blocks=[actions(button())])
    )["view"]

    @app.action("go")
    def push(ack, body, client):
        ack()
        client.views_push(trigger_id=body["trigger_id"], view=modal(callback_id="details"))

    reply = driver.block_action("go", view=first["id"])

    assert reply.status == 200
    assert reply.response_url is None  # Slack sends none for actions in views
    pushed = slack.last("views.push")
    assert pushed.ok
    second = next(v for v in slack.open_views() if v["callback_id"] == "details")
    assert (second["previous_view_id"], second["root_view_id"]) == (first["id"], first["id"])


def test_opening_the_home_tab_lets_the_bot_publish_it(slack, bolt):
    app, driver = bolt

    @app.event("app_home_opened")
    def publish_home(event, client):
        home = {"type": "home", "blocks": [section("Your week so far")]}
        client.views_publish(user_id=event["user"], view=home)

    driver.event(driver.app_home_opened("U1"))

    assert slack.home_view("U1")["blocks"][0]["text"]["text"] == "Your week so far"


def test_edits_and_deletions_arrive_as_message_subtypes(slack, bolt):
    app, driver = bolt
    seen = []
    app.event({"type": "message", "subtype": "message_changed"})(
        lambda event: seen.append(("changed", event["message"]["text"]))
    )
    app.event({"type": "message", "subtype": "message_deleted"})(
        lambda event: seen.append(("deleted", event["previous_message"]["text"]))
    )
    ts = driver.message("I lernt", user="U1", channel="C1")["ts"]

    driver.event(driver.message_changed("I learnt", user="U1", channel="C1", ts=ts))
    driver.event(driver.message_deleted(channel="C1", ts=ts))

    assert seen == [("changed", "I learnt"), ("deleted", "I learnt")]
    assert slack.messages_in("C1") == []


# -- a busy, distant workspace: rate limits, latency, paging --------------------------------------


class ManualClock:
    """The stand-in's monotonic clock and sleep, moved by hand: no real waiting."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)


@pytest.fixture
def timed() -> Iterator[tuple[SlackStandIn, ManualClock]]:
    clock = ManualClock()
    with SlackStandIn(monotonic=clock, sleep=clock.sleep) as standin:
        standin.add_user("U1", name="ada")
        yield standin, clock


def test_a_workspace_wide_rate_limit_answers_429_with_retry_after(timed) -> None:
    slack, clock = timed
    client = WebClient(token=slack.bot_token, base_url=slack.api_url)
    slack.rate_limit("chat.postMessage", 2)  # two a second, a burst of two
    for user in ("U1", "U1"):
        client.chat_postMessage(channel=user, text="hello")
    refused = api_error(lambda: client.chat_postMessage(channel="U1", text="one too many"))
    assert refused["error"] == "ratelimited"
    call = slack.calls_to("chat.postMessage")[-1]
    assert (call.status, call.error) == (429, "ratelimited")
    assert len(slack.messages_in(slack.dm_with("U1"))) == 2  # the refused one was not posted
    client.users_info(user="U1")  # other methods are not limited
    clock.now += 0.5  # half a second refills one call
    client.chat_postMessage(channel="U1", text="after a wait")
    slack.rate_limit("chat.postMessage", None)
    for _ in range(5):
        client.chat_postMessage(channel="U1", text="no limit")


def test_retry_after_is_whole_seconds_and_at_least_one(timed) -> None:
    slack, _clock = timed
    slack.rate_limit("chat.postMessage", 50)
    client = WebClient(token=slack.bot_token, base_url=slack.api_url)
    for _ in range(50):
        client.chat_postMessage(channel="U1", text="burst")
    with pytest.raises(SlackApiError) as refused:
        client.chat_postMessage(channel="U1", text="over")
    assert refused.value.response.headers["Retry-After"] == "1"
    slack.rate_limit("chat.postMessage", 0.25, burst=1)
    client.chat_postMessage(channel="U1", text="the one call")
    with pytest.raises(SlackApiError) as refused:
        client.chat_postMessage(channel="U1", text="over")
    assert refused.value.response.headers["Retry-After"] == "4"


def test_latency_delays_every_answer_or_one_methods(timed) -> None:
    slack, clock = timed
    client = WebClient(token=slack.bot_token, base_url=slack.api_url)
    slack.latency(0.05)
    client.auth_test()
    slack.latency(0.2, "users.info")
    client.users_info(user="U1")
    slack.latency(0)
    client.auth_test()
    assert clock.slept == [0.05, 0.2]


def test_users_list_pages_through_everyone_with_a_cursor(slack: SlackStandIn, client) -> None:
    for number in range(25):
        slack.add_user(f"UP{number:03d}", name=f"p{number}", tz="America/New_York")
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        page = client.users_list(limit=10, cursor=cursor)
        seen += [member["id"] for member in page["members"]]
        pages += 1
        cursor = page["response_metadata"]["next_cursor"]
        if not cursor:
            break
    assert pages == 3 and len(seen) == len(set(seen)) == 27  # 25, Ada and the bot
    assert {m["tz"] for m in client.users_list()["members"] if m["id"].startswith("UP")} == {
        "America/New_York"
    }
    assert api_error(lambda: client.users_list(cursor="not-a-cursor"))["error"] == "invalid_cursor"


def test_history_lists_a_dm_newest_first_with_metadata_on_request(
    slack: SlackStandIn, client
) -> None:
    metadata = {"event_type": "kindness_dm", "event_payload": {"key": "followup/entry:1"}}
    first = client.chat_postMessage(channel="U1", text="first", metadata=metadata)
    client.chat_postMessage(channel="U1", text="reply", thread_ts=first["ts"])
    client.chat_postMessage(channel="U1", text="second")
    dm = client.conversations_open(users="U1")["channel"]["id"]

    plain = client.conversations_history(channel=dm)
    assert [m["text"] for m in plain["messages"]] == ["second", "first"]  # no thread replies
    assert "metadata" not in plain["messages"][1]
    full = client.conversations_history(channel=dm, include_all_metadata=True)
    assert full["messages"][1]["metadata"] == metadata
    newer = client.conversations_history(channel=dm, oldest=first["ts"])
    assert [m["text"] for m in newer["messages"]] == ["second"]
    paged = client.conversations_history(channel=dm, limit=1)
    assert paged["has_more"] and len(paged["messages"]) == 1
    rest = client.conversations_history(
        channel=dm, cursor=paged["response_metadata"]["next_cursor"]
    )
    assert [m["text"] for m in rest["messages"]] == ["first"] and not rest["has_more"]
    slack.add_channel("CPRIV", "private", is_private=True, bot_is_member=False)
    assert api_error(lambda: client.conversations_history(channel="CPRIV"))["error"] == (
        "channel_not_found"
    )
