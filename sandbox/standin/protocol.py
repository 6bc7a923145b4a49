"""What every Web API family of the stand-in shares: how arguments arrive, how an answer looks.

Arguments come as a query string, a form, multipart form data or JSON; slack_sdk sends `blocks`,
`view` and the like as JSON strings inside forms, and they are decoded here. A method refuses
with `ApiError` (Slack's `{"ok": false, "error": …}`), lists page with Slack's opaque cursor,
and everything handed out of the stand-in is a JSON copy, so no caller holds its state.
"""

from __future__ import annotations

import base64
import contextlib
import email.parser
import email.policy
import json
import urllib.parse
from dataclasses import dataclass, field
from typing import Any


class ApiError(Exception):
    """A Slack error answer: `{"ok": false, "error": error, **extra}`."""

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra


@dataclass
class Answer:
    """An HTTP answer as the stand-in sends it, or drops it (`drop`: the connection closed)."""

    status: int
    body: bytes
    content_type: str = "application/json; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    drop: bool = False
    token: str | None = None  # the caller's token, for the record

    @classmethod
    def json(cls, payload: dict, status: int = 200, **headers: str) -> Answer:
        error = None if payload.get("ok", True) else payload.get("error")
        return cls(status, json.dumps(payload).encode(), headers=headers, error=error)

    @classmethod
    def text(cls, text: str, status: int = 200, error: str | None = None) -> Answer:
        return cls(status, text.encode(), "text/plain; charset=utf-8", error=error)


# slack_sdk sends these as JSON strings inside form bodies.
_JSON_ARGS = ("blocks", "attachments", "view", "files", "metadata")


def decode_args(content_type: str, query: str, body: bytes) -> dict:
    """Web API arguments from a query string and a form, multipart or JSON body."""
    args: dict[str, Any] = {k: v[-1] for k, v in urllib.parse.parse_qs(query).items()}
    if body and content_type.startswith("application/json"):
        decoded = json.loads(body)
        if not isinstance(decoded, dict):
            raise ValueError("a JSON body must be an object")
        args.update(decoded)
    elif body and content_type.startswith("multipart/form-data"):
        args.update(multipart_parts(content_type, body))
    elif body:
        form = urllib.parse.parse_qs(body.decode("utf-8"), keep_blank_values=True)
        args.update({key: values[-1] for key, values in form.items()})
    for key in _JSON_ARGS:
        if isinstance(args.get(key), str):
            # Left as a string when it is not JSON; the method says what is wrong with it.
            with contextlib.suppress(ValueError):
                args[key] = json.loads(args[key])
    return args


def multipart_parts(content_type: str, body: bytes) -> dict[str, Any]:
    """Fields of a multipart/form-data body: text as str, files as bytes."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    parts: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True) or b""
        is_file = part.get_filename() is not None
        parts[str(name)] = payload if is_file else payload.decode("utf-8")
    return parts


def page_bounds(args: dict, total: int, *, default_limit: int, most: int) -> tuple[int, int]:
    """(start, limit) from a request's `cursor` and `limit` (0: everything, where allowed)."""
    cursor = str(args.get("cursor") or "")
    try:
        start = int(base64.urlsafe_b64decode(cursor.encode()).decode().removeprefix("next:"))
    except ValueError:
        if cursor:
            raise ApiError("invalid_cursor") from None
        start = 0
    if not 0 <= start <= total:
        raise ApiError("invalid_cursor")
    raw_limit = str(args.get("limit") or "")
    limit = int(raw_limit) if raw_limit.isdigit() else default_limit
    return start, min(limit, most)


def cursor_at(position: int) -> str:
    return base64.urlsafe_b64encode(f"next:{position}".encode()).decode()


def flag(value: Any) -> bool:
    return value in (True, 1, "1", "true", "True")


def json_copy(value: Any) -> Any:
    return json.loads(json.dumps(value)) if value is not None else None
