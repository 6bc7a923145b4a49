"""What the bot did, as the stand-in recorded it: every call, and every response_url post.

Tests assert on these (`last("chat.postMessage").args`), and the sandbox page shows them. A call
is recorded whatever it was answered, a dropped connection included (status 0); the token is
kept apart from the arguments (`Call.token`), and an app's client secret is never recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sandbox.standin.protocol import json_copy
from sandbox.standin.workspace import Workspace


@dataclass(frozen=True)
class Call:
    """One request the stand-in received.

    `method` is the Web API method ("chat.postMessage"), or "response_url" for a post to a
    response URL, or "file_upload" for the bytes sent to an upload URL. `args` are the decoded
    arguments (JSON strings such as `blocks` and `view` already parsed; the token left out).
    `status` is the HTTP status answered (0 when the connection was dropped) and `error` the
    Slack error name when the answer was not ok. `token` is the token the call was made with.
    """

    method: str
    args: dict[str, Any]
    at: float
    status: int = 200
    error: str | None = None
    token: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == 200 and self.error is None


class Recording(Workspace):
    """The calls made to the stand-in and the bodies its response URLs accepted."""

    def _init_recording(self) -> None:
        self._calls: list[Call] = []
        self._responses: list[tuple[str, dict]] = []  # (url, accepted body)

    @property
    def calls(self) -> list[Call]:
        with self._lock:
            return list(self._calls)

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [call for call in self._calls if call.method == method]

    def last(self, method: str) -> Call:
        """The latest call to `method`; an AssertionError naming what was called if none."""
        calls = self.calls_to(method)
        if not calls:
            made = [call.method for call in self.calls]
            raise AssertionError(f"no call to {method}; calls made: {made or 'none'}")
        return calls[-1]

    def clear(self) -> None:
        """Forget recorded calls and response_url posts; the workspace's state stays."""
        with self._lock:
            self._calls.clear()
            self._responses.clear()

    def responses(self, url: str | None = None) -> list[dict]:
        """Bodies accepted by response URLs (one URL's, or all), oldest first."""
        with self._lock:
            return [
                json_copy(body) for posted_to, body in self._responses if url in (None, posted_to)
            ]
