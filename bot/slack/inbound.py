"""Requests that say they come from Slack, checked and read before Bolt sees them.

Bolt parses a body before it checks the signature, and its parse raises on bodies Slack never
sends (a JSON array, ``payload={not json``, bytes that are not UTF-8): an unsigned request
could reach a 500 and a traceback. Its parse also misreads a genuine slash command whose text
contains the word "payload" (it looks for an interactivity payload, finds none, and the
member's command is lost as an empty request). So every ``POST /slack/events`` is read here:

1. the size: at most ``MAX_BODY`` bytes (413);
2. ``X-Slack-Request-Timestamp``: present, digits, within five minutes of now (401);
3. ``X-Slack-Signature``: Slack's v0 HMAC of the exact bytes received (401);
4. the body: UTF-8, and either a JSON object or a form whose ``payload`` (interactivity) is
   a JSON object; a slash command's form names its member and workspace (400).

Bolt then gets the request already parsed (``bolt_request``) and checks the signature again.
``ssl_check=1`` (Slack's certificate probe for slash commands) is answered 200 with nothing,
as Bolt does, before the signature check.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from slack_bolt.context import BoltContext
from slack_bolt.request import BoltRequest
from slack_bolt.request.internals import build_context

# Slack's largest requests are modal submissions carrying a whole view (100 blocks of at most
# 3,000 characters, plus its state): well under a megabyte.
MAX_BODY = 1024 * 1024
SIGNATURE_WINDOW = 5 * 60


class Refused(Exception):
    """A request answered with ``status`` and the short ``error`` name, Bolt never seeing it."""

    def __init__(self, status: int, error: str) -> None:
        super().__init__(error)
        self.status = status
        self.error = error


class SslCheck(Exception):
    """Slack's certificate probe: answered 200 with an empty body."""


@dataclass(frozen=True)
class SlackRequest:
    raw: str
    body: dict[str, Any]
    headers: dict[str, str]
    query: str


class SlackRequestReader:
    def __init__(self, signing_secret: str, *, now: Callable[[], float] = time.time) -> None:
        self._secret = signing_secret.encode()
        self._now = now

    def read(self, environ: dict[str, Any]) -> SlackRequest:
        """The verified, parsed request; ``Refused`` or ``SslCheck`` otherwise."""
        data = _read_body(environ)
        content_type = (environ.get("CONTENT_TYPE") or "").split(";")[0].strip().lower()
        if content_type != "application/json" and b"ssl_check=1" in data:
            fields = dict(parse_qsl(data.decode("latin-1"), keep_blank_values=True))
            if fields.get("ssl_check") == "1" and not {"payload", "command"} & fields.keys():
                raise SslCheck()
        timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", "")
        signature = environ.get("HTTP_X_SLACK_SIGNATURE", "")
        if not (timestamp.isascii() and timestamp.isdigit()) or not signature:
            raise Refused(401, "invalid_request")
        if abs(int(self._now()) - int(timestamp)) > SIGNATURE_WINDOW:
            raise Refused(401, "invalid_request")
        # Slack's v0 signature over the exact bytes (slack_sdk's verifier decodes the body as
        # UTF-8 first, and raises on bytes that are not).
        base = b"v0:" + timestamp.encode() + b":" + data
        expected = "v0=" + hmac.new(self._secret, base, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace")):
            raise Refused(401, "invalid_request")
        try:
            raw = data.decode("utf-8")
        except UnicodeDecodeError:
            raise Refused(400, "invalid_encoding") from None
        return SlackRequest(raw, _parse(raw, content_type), _headers(environ), _query(environ))


def bolt_request(request: SlackRequest) -> BoltRequest:
    """A Bolt request carrying the body parsed here (Bolt's own parse is never run)."""
    bolt = BoltRequest(body="", query=request.query, headers=request.headers)
    bolt.raw_body = request.raw  # Bolt verifies the signature again, over the same text
    bolt.body = request.body
    try:
        bolt.context = build_context(BoltContext(), request.body)
    except (AttributeError, KeyError, IndexError, TypeError) as error:
        # Signed, JSON, but not shaped like anything Slack sends.
        raise Refused(400, "invalid_payload") from error
    return bolt


def _read_body(environ: dict[str, Any]) -> bytes:
    stream = environ.get("wsgi.input")
    declared = environ.get("CONTENT_LENGTH") or ""
    if declared:
        if not declared.isdigit():
            raise Refused(400, "invalid_length")
        if int(declared) > MAX_BODY:
            raise Refused(413, "too_large")
        return stream.read(int(declared)) if stream is not None else b""
    # No length (chunked): read no more than the limit allows.
    data = stream.read(MAX_BODY + 1) if stream is not None else b""
    if len(data) > MAX_BODY:
        raise Refused(413, "too_large")
    return data


def _parse(raw: str, content_type: str) -> dict[str, Any]:
    stripped = raw.lstrip()
    if content_type == "application/json" or stripped.startswith(("{", "[")):
        return _json_object(raw, "invalid_json")
    fields = dict(parse_qsl(raw, keep_blank_values=True))
    if "payload" in fields:
        return _json_object(fields["payload"], "invalid_payload")
    if not fields:
        raise Refused(400, "empty_body")
    if "command" in fields and not (fields.get("user_id") and fields.get("team_id")):
        raise Refused(400, "invalid_command")  # Slack always says who ran it, and where
    return fields


# Top-level fields Bolt reads while routing a request: objects, and lists of objects, in
# everything Slack sends (a signed body shaped otherwise is not Slack's, and would make Bolt
# raise while matching listeners).
_OBJECTS = ("team", "user", "channel", "view", "message", "container", "event", "state")
_LISTS_OF_OBJECTS = ("actions", "authorizations", "response_urls")


def _json_object(text: str, error: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        raise Refused(400, error) from None
    if not isinstance(value, dict) or not isinstance(value.get("type", ""), str):
        raise Refused(400, error)
    if any(not isinstance(value.get(key, {}), dict | None) for key in _OBJECTS):
        raise Refused(400, error)
    for key in _LISTS_OF_OBJECTS:
        items = value.get(key) or []
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise Refused(400, error)
    return value


def _headers(environ: dict[str, Any]) -> dict[str, str]:
    headers = {}
    for key, value in environ.items():
        if key in ("CONTENT_LENGTH", "CONTENT_TYPE"):
            headers[key.lower().replace("_", "-")] = value
        elif key.startswith("HTTP_"):
            headers[key[5:].lower().replace("_", "-")] = value
    return headers


def _query(environ: dict[str, Any]) -> str:
    return environ.get("QUERY_STRING", "")
