"""The narrow Slack interface of the scheduled jobs (``schedules/``): ``SlackPort``.

The jobs post to a channel, DM a member, open a group DM (peer pairs), withdraw a post, join a
public channel, upload the digest's chart, read members' time zones, and find a message of
their own by its metadata —
nothing more, and nothing here knows slack_sdk. Every failure reaches a job as a
``SlackError`` saying what kind of failure it is:

- ``REFUSED``: Slack answered, and said no (``channel_not_found``, ``account_inactive``…);
- ``RATE_LIMITED``: Slack answered 429 — nothing happened; try again after ``retry_after``;
- ``SERVER_ERROR`` (a 5xx) and ``NO_ANSWER`` (the connection failed or dropped): the call may
  or may not have taken effect (``outcome_unknown``) — a post may be in the channel.

What an error *means* for a job (a channel the bot cannot post to, a member who cannot be
written to) is the job's to decide: ``schedules.posting`` and ``schedules.fanout``.

Two implementations:

- ``bot.slack.client.WebApiSlack``: the Web API, over slack_sdk's ``WebClient`` with the bot's
  retry handlers (``bot.slack.client.make_client``): a 429 waits for ``Retry-After``, a 5xx or
  a dropped connection is retried with backoff. ``without_retries()`` makes the same calls as
  single attempts, for a caller that paces and retries itself (the DM fan-out), and
  ``retry_policy`` tells that caller how often and how far apart the client would have tried.
- ``InMemorySlack`` (``tests/fake_slack.py``, outside the product): for unit tests of the
  jobs. It records what was sent, keeps channels, DMs and people in memory, and can be told to
  fail a method with a Slack error, a rate limit, or a lost answer after the call took effect.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

Message = Mapping[str, Any]  # chat.postMessage's arguments but the channel: text, blocks…

REFUSED = "refused"
RATE_LIMITED = "rate_limited"
SERVER_ERROR = "server_error"
NO_ANSWER = "no_answer"

# Errors Slack documents as temporary even when it answers them with HTTP 200.
TEMPORARY = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)


class SlackError(Exception):
    """A Web API call that did not succeed.

    ``error`` is Slack's error name (``channel_not_found``), the HTTP status of a 5xx that
    named none, or the connection failure's class (``ConnectionResetError``) — what the logs
    show; never a token or a payload. ``details`` are Slack's explanations of an invalid
    request (``errors`` and ``response_metadata.messages``).
    """

    def __init__(
        self,
        method: str,
        error: str,
        *,
        kind: str = REFUSED,
        retry_after: float | None = None,
        details: tuple[str, ...] = (),
    ) -> None:
        super().__init__(f"{method}: {error}")
        self.method = method
        self.error = error
        self.kind = kind
        self.retry_after = retry_after
        self.details = details

    @property
    def rate_limited(self) -> bool:
        return self.kind == RATE_LIMITED

    @property
    def wait(self) -> float:
        """Seconds to wait before asking again: Slack's Retry-After (1 when it named none)."""
        return 1.0 if self.retry_after is None else self.retry_after

    @property
    def outcome_unknown(self) -> bool:
        """Slack may have done what was asked before failing to say so."""
        return self.kind in (SERVER_ERROR, NO_ANSWER)

    @property
    def retryable(self) -> bool:
        """Asking again later may succeed: a busy or failing Slack, not a refusal."""
        return self.kind != REFUSED or self.error in TEMPORARY


@dataclass(frozen=True)
class Metadata:
    """Message metadata: an event type and a flat payload of strings. The jobs name each post's
    claim in it (``payload["key"]``), so that a post can be found again after a crash."""

    event_type: str
    payload: Mapping[str, str] = field(default_factory=dict)

    @property
    def key(self) -> str | None:
        return self.payload.get("key")


@dataclass(frozen=True)
class Posted:
    """A message in Slack: its conversation (a DM's own id, not the member's), its ts."""

    channel: str
    ts: str
    metadata: Metadata | None = None


@dataclass(frozen=True)
class Person:
    """What the jobs read of a member's profile."""

    user_id: str
    tz: str | None
    name: str | None  # the display name, else the real name
    deleted: bool = False  # left the workspace (deactivated)


@dataclass(frozen=True)
class RetryPolicy:
    """How often, and how far apart, a failed call is tried again."""

    retries: int
    delay: Callable[[int], float]  # seconds to wait before retry number n (from 0)


NO_RETRIES = RetryPolicy(0, lambda _: 0.0)


class SlackPort(Protocol):
    def post(self, channel: str, message: Message, *, metadata: Metadata | None = None) -> Posted:
        """chat.postMessage into a channel."""
        ...

    def dm(self, user_id: str, message: Message, *, metadata: Metadata | None = None) -> Posted:
        """chat.postMessage to a member: Slack puts it in the bot's DM with them."""
        ...

    def delete(self, channel: str, ts: str) -> None:
        """chat.delete one of the bot's own messages."""
        ...

    def join(self, channel: str) -> None:
        """conversations.join a public channel."""
        ...

    def upload_file(self, content: bytes, *, filename: str, title: str, alt_text: str) -> str:
        """files.uploadV2 into no channel (nothing is posted); the new file's id."""
        ...

    def person(self, user_id: str) -> Person:
        """users.info."""
        ...

    def people(self) -> Iterator[Person]:
        """Everyone in the workspace (users.list, page after page, as they are read)."""
        ...

    def open_dm(self, user_id: str) -> str:
        """conversations.open: the id of the bot's DM with a member."""
        ...

    def channel_members(self, channel: str) -> list[str]:
        """conversations.members, page after page: the people in a channel, the bot itself
        left out (the digest's "of the N members in the channel")."""

    def open_group(self, user_ids: Sequence[str]) -> str:
        """conversations.open with several members: the id of the group DM of the bot and
        them (the same one each time for the same people)."""
        ...

    def find_message(
        self,
        channel: str,
        event_type: str,
        key: str,
        *,
        oldest: datetime | None = None,
        pages: int = 1,
    ) -> Posted | None:
        """The newest top-level message in ``channel`` (since ``oldest``) whose metadata is of
        ``event_type`` with that ``key``: conversations.history with include_all_metadata,
        up to ``pages`` pages. None when it is not there."""
        ...

    def without_retries(self) -> SlackPort:
        """The same calls, each a single attempt: the caller paces and retries."""
        ...

    def retry_policy(self, kind: str) -> RetryPolicy:
        """How this port retries a failure of ``kind`` (SERVER_ERROR, NO_ANSWER)."""
        ...
