"""Requests that are not what Slack sends: refused with 400, 401 or 413, never a 500 or a
traceback, whether or not they carry a valid signature."""

from __future__ import annotations

import http.client
import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from conftest import BotUnderTest

EVENT = json.dumps({"type": "event_callback", "team_id": "T0KIND", "event": {"type": "x"}})
COMMAND = urllib.parse.urlencode({"command": "/kindness", "text": "log g1 hello", "user_id": "U1"})

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


def _payload(payload: dict) -> bytes:
    """An interactivity form whose payload is JSON of a shape Slack never sends."""
    return urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()


# (name, content type, body) — each is sent unsigned, wrongly signed and correctly signed.
CORPUS: list[tuple[str, str, bytes]] = [
    ("payload not json", FORM, b"payload={not json"),
    ("payload truncated", FORM, b"payload=%7B%22type%22%3A%22block_act"),
    ("payload array", FORM, b"payload=%5B1%2C2%5D"),
    ("payload string", FORM, b"payload=%22hello%22"),
    ("payload empty", FORM, b"payload="),
    ("payload binary", FORM, b"payload=%FF%FE%00%01"),
    ("form of nothing", FORM, b"&&&="),
    ("empty form", FORM, b""),
    ("json truncated", JSON, EVENT[:30].encode()),
    ("json array", JSON, b"[1, 2, 3]"),
    ("json array as form", FORM, b'[{"type": "event_callback"}]'),
    ("json string", JSON, b'"event_callback"'),
    ("json null", JSON, b"null"),
    ("json number", JSON, b"12345"),
    ("json as form", FORM, EVENT.encode()),
    ("form as json", JSON, COMMAND.encode()),
    ("json nested deep", JSON, b"[" * 100_000 + b"]" * 100_000),
    ("json odd shapes", JSON, b'{"type": "event_callback", "authorizations": 5, "event": 7}'),
    ("json wrong team", JSON, b'{"type": "block_actions", "team": 5, "user": [1], "actions": 3}'),
    ("actions not a list", FORM, _payload({"type": "block_actions", "actions": "x"})),
    ("actions of numbers", FORM, _payload({"type": "block_actions", "actions": [5]})),
    ("view not an object", FORM, _payload({"type": "view_submission", "view": 5})),
    ("message not an object", FORM, _payload({"type": "message_action", "message": 5})),
    ("event not an object", JSON, json.dumps({"type": "event_callback", "event": []}).encode()),
    ("type not a string", JSON, b'{"type": ["event_callback"]}'),
    ("binary", "application/octet-stream", bytes(range(256)) * 8),
    ("binary as json", JSON, b"\xff\xfe{\x00\x00}"),
    ("latin-1 form", FORM, "text=caf\xe9".encode("latin-1")),
    ("multipart", "multipart/form-data; boundary=x", b"--x\r\nContent-Disposition: form-data"),
    ("huge", FORM, b"text=" + b"a" * (2 * 1024 * 1024)),
    ("truncated command", FORM, COMMAND[: len(COMMAND) // 2].encode()),
]


def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
    """POST with headers sent as UTF-8 bytes, as a hostile client may (urllib refuses)."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.putrequest("POST", parts.path)
        for name, value in {**headers, "Content-Length": str(len(body))}.items():
            connection.putheader(name, value.encode("utf-8"))
        connection.endheaders(body)
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        connection.close()


@pytest.fixture
def tracebacks(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    caplog.set_level(logging.DEBUG)
    return caplog.records


@pytest.mark.parametrize(("name", "content_type", "body"), CORPUS, ids=[c[0] for c in CORPUS])
def test_a_malformed_request_is_refused_signed_or_not(
    bot: BotUnderTest, tracebacks: list, name: str, content_type: str, body: bytes
) -> None:
    stamp = str(int(time.time()))
    right = bot.slack.signature_for(body, stamp)
    for signature, allowed in (
        (None, {401, 413}),
        ("v0=" + "0" * 64, {401, 413}),
        (right, {400, 404, 413}),  # signed: refused as unreadable, or not a request we handle
    ):
        headers = {"Content-Type": content_type}
        if signature is not None:
            headers |= {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": signature}
        status, answer = _post(bot.url, body, headers)
        assert status in allowed, (name, signature == right, status, answer)
    assert bot.entries() == []
    assert [r.getMessage() for r in tracebacks if r.exc_info or r.levelno >= logging.ERROR] == []


@pytest.mark.parametrize(
    "timestamp", ["", "yesterday", "1e9", "-5", " 1", "١٢٣٤", "9" * 400, "0", "12.5"]
)
def test_a_timestamp_that_is_missing_or_not_a_number_is_refused(
    bot: BotUnderTest, tracebacks: list, timestamp: str
) -> None:
    body = COMMAND.encode()
    headers = {
        "Content-Type": FORM,
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": bot.slack.signature_for(body, timestamp),
    }
    status, _ = _post(bot.url, body, headers)
    assert status == 401
    assert [r.getMessage() for r in tracebacks if r.exc_info] == []


def test_a_signature_that_is_not_ascii_is_refused(bot: BotUnderTest) -> None:
    headers = {
        "Content-Type": FORM,
        "X-Slack-Request-Timestamp": str(int(time.time())),
        "X-Slack-Signature": "v0=été",
    }
    assert _post(bot.url, COMMAND.encode(), headers)[0] == 401


def test_slacks_certificate_probe_is_answered(bot: BotUnderTest) -> None:
    status, answer = _post(bot.url, b"ssl_check=1&token=abc", {"Content-Type": FORM})
    assert (status, answer) == (200, "")


def test_the_events_path_answers_only_post(bot: BotUnderTest) -> None:
    try:
        urllib.request.urlopen(bot.url, timeout=10)
    except urllib.error.HTTPError as error:
        assert error.code == 404
    else:
        pytest.fail("GET was served")
