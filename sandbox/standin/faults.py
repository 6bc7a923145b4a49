"""Failures a test asks for: errors, dropped connections, a slow Slack, rate limits.

`fail_next` answers the next calls to a method with HTTP 429 (`Retry-After`), a 5xx, or
`{"ok": false}`; `drop_next` closes the connection without an answer (optionally after the call
took effect); `hold` keeps calls waiting until a test lets them go; `rate_limit` and `latency`
model Slack's pace. Time runs on the injected `monotonic` and `sleep`, so tests need not wait.

Judgement calls:
- An injected 500/503 carries a JSON body (`internal_error` / `service_unavailable`), not an
  HTML page.
- Rate limits are modelled as one token bucket per method across the whole workspace — Slack
  documents chat.postMessage's workspace-wide limit only as "varies" — with a burst of one
  second's calls; a refused call answers 429 with `Retry-After` rounded up to whole seconds, at
  least 1, as Slack's header always is. `latency` delays answers concurrently.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from sandbox.standin.protocol import Answer
from sandbox.standin.workspace import Workspace


@dataclass
class _Fault:
    status: int | None
    error: str | None
    retry_after: int
    drop: bool = False
    after_effect: bool = False  # the call does what it asks first, then the answer is lost

    def answer(self) -> Answer:
        if self.drop:
            return Answer(0, b"", error="connection_dropped", drop=True)
        if self.status is None or self.status == 200:
            return Answer.json({"ok": False, "error": self.error})
        if self.status == 429:
            body = {"ok": False, "error": self.error or "ratelimited"}
            return Answer.json(body, 429, **{"Retry-After": str(self.retry_after)})
        default = {500: "internal_error", 503: "service_unavailable"}.get(
            self.status, "fatal_error"
        )
        return Answer.json({"ok": False, "error": self.error or default}, self.status)


class _TokenBucket:
    """A workspace-wide rate limit: `burst` calls at once, refilled at `rate` per second."""

    def __init__(self, rate: float, burst: int | None, now: float) -> None:
        if rate <= 0:
            raise ValueError("a rate limit must allow some calls per second")
        self.rate = rate
        self.capacity = float(burst if burst is not None else max(1, round(rate)))
        self.tokens = self.capacity
        self.updated = now

    def take(self, now: float) -> float:
        """0 when a call may go now (and spends its token), else the seconds until one may."""
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


class Faults(Workspace):
    """Failures injected per method ("response_url" and "file_upload" count as methods)."""

    def _init_faults(
        self, *, monotonic: Callable[[], float], sleep: Callable[[float], None]
    ) -> None:
        self._faults: dict[str, deque[_Fault]] = {}
        # method -> (release, at most, after the call's effect)
        self._holds: dict[str, tuple[threading.Event, float, bool]] = {}
        # Rate limits and latency run on these (tests inject a clock instead of waiting).
        self._monotonic = monotonic
        self._sleep = sleep
        self._limits: dict[str, _TokenBucket] = {}  # method -> workspace-wide rate limit
        self._latency: dict[str | None, float] = {}  # method (None: every method) -> seconds

    def fail_next(
        self,
        method: str,
        *,
        status: int | None = None,
        error: str | None = None,
        retry_after: int = 1,
        times: int = 1,
    ) -> None:
        """Make the next `times` calls to `method` fail.

        status=429: HTTP 429, `Retry-After: retry_after`, `{"ok": false, "error": "ratelimited"}`.
        status=500/503/…: that HTTP status with a Slack-like JSON body.
        error="not_in_channel" (no status): HTTP 200 `{"ok": false, "error": "not_in_channel"}`.
        `method` may also be "response_url" or "file_upload".
        """
        if status in (None, 200) and error is None:
            raise ValueError("give an HTTP error status, a Slack error name, or both")
        self._add_faults(method, _Fault(status, error, retry_after), times)

    def drop_next(self, method: str, times: int = 1, *, after_effect: bool = False) -> None:
        """Close the connection without answering the next `times` calls to `method`.

        `after_effect=True`: each call takes effect first (the message is posted) and only its
        answer is lost — the case where a client cannot know whether to send again.
        """
        self._add_faults(method, _Fault(None, None, 0, drop=True, after_effect=after_effect), times)

    def hold(
        self, method: str, *, at_most: float = 30, after_effect: bool = False
    ) -> threading.Event:
        """Make calls to `method` wait until the returned event is set — a slow Slack.

        `method` may also be "response_url". Tests use it to show that the bot answers Slack's
        request before its slow work finishes; set the event to let the calls through. A call
        held for `at_most` seconds goes through anyway, so a forgotten hold cannot hang a test.
        `after_effect=True`: each call takes effect first (the message is posted) and only its
        answer waits — so a caller can be stopped after Slack did what it asked, before it
        heard so.
        """
        release = threading.Event()
        with self._lock:
            self._holds[method] = (release, at_most, after_effect)
        return release

    def rate_limit(
        self, method: str, per_second: float | None, *, burst: int | None = None
    ) -> None:
        """Limit `method` to `per_second` calls across the whole workspace (None: no limit).

        A token bucket holding `burst` calls (default: one second's worth) and refilled at
        `per_second`: a call that finds it empty is answered HTTP 429 with `Retry-After` in
        whole seconds (at least 1, as Slack sends it) and does nothing.
        """
        with self._lock:
            if per_second is None:
                self._limits.pop(method, None)
            else:
                self._limits[method] = _TokenBucket(per_second, burst, self._monotonic())

    def latency(self, seconds: float, method: str | None = None) -> None:
        """Answer every call (or only calls to `method`) `seconds` late — a distant Slack.

        Calls wait concurrently, as they would on the network; 0 removes the delay.
        """
        with self._lock:
            if seconds > 0:
                self._latency[method] = seconds
            else:
                self._latency.pop(method, None)

    def _delay(self, method: str) -> None:
        with self._lock:
            seconds = self._latency.get(method, self._latency.get(None, 0.0))
        if seconds:
            self._sleep(seconds)

    def _rate_limited(self, method: str) -> Answer | None:
        with self._lock:
            bucket = self._limits.get(method)
            wait = bucket.take(self._monotonic()) if bucket is not None else 0.0
        if not wait:
            return None
        retry_after = max(1, math.ceil(wait))
        body = {"ok": False, "error": "ratelimited"}
        return Answer.json(body, 429, **{"Retry-After": str(retry_after)})

    def _wait_if_held(self, method: str, *, after_effect: bool = False) -> None:
        with self._lock:
            release, at_most, after = self._holds.get(method, (None, 0, False))
        if release is None or after != after_effect:
            return
        if release.wait(timeout=at_most):
            with self._lock:
                if self._holds.get(method, (None,))[0] is release:
                    del self._holds[method]

    def _add_faults(self, method: str, fault: _Fault, times: int) -> None:
        with self._lock:
            self._faults.setdefault(method, deque()).extend([fault] * times)

    def _take_fault(self, method: str) -> _Fault | None:
        with self._lock:
            queue = self._faults.get(method)
            return queue.popleft() if queue else None
