"""Answers remembered for a short life: asked once, then reused until they are too old.

Used for what Slack says of a member that the bot needs before it may answer (whether they are
a workspace admin, ``bot.slack.admins``): asking Slack on every command spends Slack's 3
seconds on a call whose answer hardly ever changes. Decisions:

- A life, not forever: a member made (or no longer) an admin in Slack is seen once the life
  ends. The clock is the one the caller is given (``Services.clock``), so tests move it.
- Bounded: past ``size`` answers the oldest is forgotten first, so a busy network's memory
  stays small.
- Only answers are remembered; a failure to get one is never put here (the next request asks
  again).
- Thread-safe: listeners run on several threads at once.
- Written here rather than cachetools' ``TTLCache``: that one needs a timer that never goes
  back, and this runs on the app's wall clock (``Services.clock``, which tests move), where an
  answer given "later" than now must not count as fresh.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from datetime import datetime, timedelta
from typing import Generic, TypeVar

from bot.weeks import Clock

Key = TypeVar("Key", bound=Hashable)
Value = TypeVar("Value")


class ExpiringAnswers(Generic[Key, Value]):
    """Answers by key, each kept ``life`` from when it was given, at most ``size`` of them."""

    def __init__(self, *, clock: Clock, life: timedelta, size: int) -> None:
        self.clock = clock
        self.life = life
        self.size = size
        self._answers: OrderedDict[Key, tuple[datetime, Value]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Key) -> Value | None:
        """The answer given for ``key`` less than ``life`` ago; None when there is none."""
        now = self.clock()
        with self._lock:
            found = self._answers.get(key)
            if found is None:
                return None
            given_at, value = found
            if not given_at <= now < given_at + self.life:
                del self._answers[key]
                return None
            return value

    def put(self, key: Key, value: Value) -> None:
        """Remember ``value`` for ``key`` from now on (the oldest answer goes when full)."""
        now = self.clock()
        with self._lock:
            self._answers.pop(key, None)
            self._answers[key] = (now, value)
            while len(self._answers) > self.size:
                self._answers.popitem(last=False)

    def __len__(self) -> int:
        with self._lock:
            return len(self._answers)
