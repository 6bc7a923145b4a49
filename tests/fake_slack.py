"""``InMemorySlack``: a Slack workspace in memory implementing ``bot.slack.port.SlackPort``,
for unit tests of the scheduled jobs (the HTTP-level tests use the stand-in in
``sandbox/web_api.py`` instead). It lives with the tests: the product never imports it.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.slack.port import (
    NO_RETRIES,
    RATE_LIMITED,
    REFUSED,
    Message,
    Metadata,
    Person,
    Posted,
    RetryPolicy,
    SlackError,
)


@dataclass(frozen=True)
class SentMessage:
    """A message the in-memory Slack holds (or held: see ``deleted``)."""

    channel: str
    ts: str
    message: Message
    metadata: Metadata | None = None
    user_id: str | None = None  # a DM's member


@dataclass(frozen=True)
class Upload:
    file_id: str
    content: bytes
    filename: str
    title: str
    alt_text: str


@dataclass
class _Channel:
    member: bool = True
    private: bool = False
    archived: bool = False
    people: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Fault:
    error: SlackError
    after_effect: bool


class InMemorySlack:
    """A Slack workspace in memory that implements ``SlackPort``: what the jobs sent, where.

    Channels must be added (``add_channel``): a post elsewhere is ``channel_not_found``, one in
    a channel the bot is not in ``not_in_channel``, one in an archived channel ``is_archived``;
    a private channel cannot be joined. DMs go to anyone. ``fail`` and ``rate_limit`` make the
    next calls of a method fail; with ``after_effect`` the call takes effect first and only its
    answer is lost. Nothing is ever retried here (``without_retries`` is the port itself);
    ``retries`` is only what ``retry_policy`` reports to a caller that retries itself.
    """

    def __init__(
        self, *, clock: Callable[[], float] = time.time, retries: RetryPolicy = NO_RETRIES
    ) -> None:
        self._clock = clock
        self._retries = retries
        self._lock = threading.RLock()
        self._channels: dict[str, _Channel] = {}
        self._people: dict[str, Person] = {}
        self._faults: dict[str, deque[_Fault]] = {}
        self._last_ts = 0
        self._files = 0
        self.messages: list[SentMessage] = []  # every message sent, deleted ones included
        self.deleted: list[tuple[str, str]] = []  # (channel, ts)
        self.uploads: list[Upload] = []
        self.calls: list[str] = []  # method names, in order, failed calls included

    # -- setting the scene ---------------------------------------------------------------------

    def add_channel(
        self,
        channel: str,
        *,
        member: bool = True,
        private: bool = False,
        archived: bool = False,
        people: tuple[str, ...] = (),
    ) -> None:
        """``people``: who is in the channel besides the bot."""
        with self._lock:
            self._channels[channel] = _Channel(member, private, archived, tuple(people))

    def add_person(
        self, user_id: str, *, tz: str | None = None, name: str | None = None, deleted: bool = False
    ) -> None:
        with self._lock:
            self._people[user_id] = Person(user_id, tz, name, deleted)

    def fail(
        self,
        method: str,
        error: str = "internal_error",
        *,
        kind: str = REFUSED,
        times: int = 1,
        after_effect: bool = False,
        retry_after: float | None = None,
        details: tuple[str, ...] = (),
    ) -> None:
        """Make the next ``times`` calls of ``method`` (a ``SlackPort`` method name) fail."""
        failure = SlackError(method, error, kind=kind, retry_after=retry_after, details=details)
        with self._lock:
            self._faults.setdefault(method, deque()).extend([_Fault(failure, after_effect)] * times)

    def rate_limit(self, method: str, *, retry_after: float = 1.0, times: int = 1) -> None:
        """Answer the next ``times`` calls of ``method`` with a 429 (nothing happens)."""
        self.fail(method, "ratelimited", kind=RATE_LIMITED, times=times, retry_after=retry_after)

    # -- what was sent -------------------------------------------------------------------------

    def messages_in(self, channel: str) -> list[SentMessage]:
        """The messages in a channel (or a DM's id) now, oldest first."""
        with self._lock:
            gone = set(self.deleted)
            return [
                m for m in self.messages if m.channel == channel and (channel, m.ts) not in gone
            ]

    def dms_to(self, user_id: str) -> list[SentMessage]:
        return self.messages_in(self.dm_channel(user_id))

    @staticmethod
    def dm_channel(user_id: str) -> str:
        return "D" + user_id

    @staticmethod
    def group_channel(user_ids: Sequence[str]) -> str:
        return "M" + "-".join(sorted(user_ids))

    # -- the port --------------------------------------------------------------------------------

    def post(self, channel: str, message: Message, *, metadata: Metadata | None = None) -> Posted:
        def effect() -> Posted:
            place = self._channels.get(channel)
            if place is None:
                raise SlackError("post", "channel_not_found")
            if place.archived:
                raise SlackError("post", "is_archived")
            if not place.member:
                raise SlackError("post", "not_in_channel")
            return self._add(channel, message, metadata)

        return self._call("post", effect)

    def dm(self, user_id: str, message: Message, *, metadata: Metadata | None = None) -> Posted:
        return self._call(
            "dm", lambda: self._add(self.dm_channel(user_id), message, metadata, user_id)
        )

    def delete(self, channel: str, ts: str) -> None:
        def effect() -> None:
            if not any(m.channel == channel and m.ts == ts for m in self.messages_in(channel)):
                raise SlackError("delete", "message_not_found")
            self.deleted.append((channel, ts))

        self._call("delete", effect)

    def join(self, channel: str) -> None:
        def effect() -> None:
            place = self._channels.get(channel)
            if place is None:
                raise SlackError("join", "channel_not_found")
            if place.archived:
                raise SlackError("join", "is_archived")
            if place.private:
                raise SlackError("join", "method_not_supported_for_channel_type")
            place.member = True

        self._call("join", effect)

    def upload_file(self, content: bytes, *, filename: str, title: str, alt_text: str) -> str:
        def effect() -> str:
            self._files += 1
            file_id = f"F{self._files:07d}"
            self.uploads.append(Upload(file_id, content, filename, title, alt_text))
            return file_id

        return self._call("upload_file", effect)

    def person(self, user_id: str) -> Person:
        def effect() -> Person:
            if user_id not in self._people:
                raise SlackError("person", "user_not_found")
            return self._people[user_id]

        return self._call("person", effect)

    def people(self) -> Iterator[Person]:
        yield from self._call("people", lambda: list(self._people.values()))

    def open_dm(self, user_id: str) -> str:
        return self._call("open_dm", lambda: self.dm_channel(user_id))

    def channel_members(self, channel: str) -> list[str]:
        def effect() -> list[str]:
            place = self._channels.get(channel)
            if place is None or (place.private and not place.member):
                raise SlackError("channel_members", "channel_not_found")
            return list(place.people)

        return self._call("channel_members", effect)

    def open_group(self, user_ids: Sequence[str]) -> str:
        def effect() -> str:
            for user_id in user_ids:
                person = self._people.get(user_id)
                if person is not None and person.deleted:
                    raise SlackError("open_group", "user_disabled")
            return self.group_channel(user_ids)

        return self._call("open_group", effect)

    def find_message(
        self,
        channel: str,
        event_type: str,
        key: str,
        *,
        oldest: datetime | None = None,
        pages: int = 1,
    ) -> Posted | None:
        # One page holds everything here, so ``pages`` changes nothing.
        def effect() -> Posted | None:
            place = self._channels.get(channel)
            # A DM's id starts with D, a group DM's with M here.
            if place is None and not channel.startswith(("D", "M")):
                raise SlackError("find_message", "channel_not_found")
            if place is not None and not place.member:
                raise SlackError("find_message", "not_in_channel")
            since = oldest.timestamp() if oldest is not None else float("-inf")
            for sent in reversed(self.messages_in(channel)):
                if float(sent.ts) < since:
                    break
                found = sent.metadata
                if found is not None and found.event_type == event_type and found.key == key:
                    return Posted(sent.channel, sent.ts, found)
            return None

        return self._call("find_message", effect)

    def without_retries(self) -> InMemorySlack:
        return self

    def retry_policy(self, kind: str) -> RetryPolicy:
        return self._retries

    # -- inside ----------------------------------------------------------------------------------

    def _call(self, method: str, effect: Callable[[], Any]) -> Any:
        with self._lock:
            self.calls.append(method)
            queue = self._faults.get(method)
            fault = queue.popleft() if queue else None
            if fault is not None and not fault.after_effect:
                raise fault.error
            result = effect()
            if fault is not None:
                raise fault.error
            return result

    def _add(
        self,
        channel: str,
        message: Message,
        metadata: Metadata | None,
        user_id: str | None = None,
    ) -> Posted:
        micros = max(int(self._clock() * 1_000_000), self._last_ts + 1)
        self._last_ts = micros
        ts = f"{micros // 1_000_000}.{micros % 1_000_000:06d}"
        self.messages.append(SentMessage(channel, ts, dict(message), metadata, user_id))
        return Posted(channel, ts, metadata)
