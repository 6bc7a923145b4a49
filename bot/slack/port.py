"""The one Slack interface of listeners and jobs alike: ``SlackPort``.

The scheduled jobs (``schedules/``) post to a channel, DM a member, open a group DM (peer
pairs), withdraw a post, join a public channel, upload the digest's chart, read members' time
zones, and find a message of their own by its metadata. The listeners' work after the ack
(``handlers.answering.AfterAck``) goes through the same port: an ephemeral note (in a thread),
a modal opened or updated, the Home tab published, a reaction, a message's link, a
conversation's facts, a member's profile and admin flag, a file in a member's DM. Nothing here
knows slack_sdk. Every failure reaches the caller as a ``SlackError`` saying what kind of
failure it is:

- ``REFUSED``: Slack answered, and said no (``channel_not_found``, ``account_inactive``…);
- ``RATE_LIMITED``: Slack answered 429 — nothing happened; try again after ``retry_after``;
- ``SERVER_ERROR`` (a 5xx) and ``NO_ANSWER`` (the connection failed or dropped): the call may
  or may not have taken effect (``outcome_unknown``) — a post may be in the channel.

What an error *means* (a channel the bot cannot post to, a member who cannot be written to) is
the caller's to decide: ``schedules.posting``, ``schedules.fanout``, ``handlers.answering``.

One way for each thing:

- **A message to a member** is ``dm``: chat.postMessage addressed to the member's id, which
  Slack delivers into the bot's DM with them (``chat:write``; no need to open the DM).
- **A file** is ``upload``, one method for every file: with no ``to_member`` it is shared
  nowhere (the charts, shown by reference in an image block); with ``to_member`` it lands in
  the member's DM with the bot (an export, a report, the member's words that did not fit).
  Scopes: files reach a DM by *opening the DM* (conversations.open, ``im:write``) and sharing
  to its ``D…`` id, because files.completeUploadExternal accepts only a conversation's id,
  never a member's (Slack answers ``invalid_arguments``). ``im:write`` is needed anyway to
  find a DM sent before a crash (``open_dm``, the DM fan-out), so this asks for no new scope;
  ``bot.manifest`` says so beside ``conversations.open``.

Two implementations:

- ``bot.slack.client.WebApiSlack``: the Web API, over slack_sdk's ``WebClient`` with the bot's
  retry handlers (``bot.slack.client.make_client``): a 429 waits for ``Retry-After``, a 5xx or
  a dropped connection is retried with backoff. ``without_retries()`` makes the same calls as
  single attempts, for a caller that paces and retries itself (the DM fan-out) or must answer
  within Slack's 3 seconds (``timeout``), and ``retry_policy`` tells that caller how often and
  how far apart the client would have tried. The listeners get one over the client Bolt made
  for the request (the installation's token).
- ``InMemorySlack`` (``tests/fake_slack.py``, outside the product): for unit tests of the
  jobs. It records what was sent, keeps channels, DMs and people in memory, and can be told to
  fail a method with a Slack error, a rate limit, or a lost answer after the call took effect.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any, Protocol

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
        needed: str | None = None,
    ) -> None:
        super().__init__(f"{method}: {error}")
        self.method = method
        self.error = error
        self.kind = kind
        self.retry_after = retry_after
        self.details = details
        self.needed = needed  # the scope a ``missing_scope`` answer names

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
    """What the bot reads of a member's profile."""

    user_id: str
    tz: str | None
    name: str | None  # the display name, else the real name
    deleted: bool = False  # left the workspace (deactivated)
    is_admin: bool = False  # a workspace admin or owner (or the primary owner)
    username: str | None = None  # the account's short name, when there is no other


@dataclass(frozen=True)
class Conversation:
    """What the listeners read of a channel, DM or group DM (conversations.info)."""

    id: str
    name: str | None
    private: bool  # a private channel, a DM or a group DM
    bot_is_member: bool


@dataclass(frozen=True)
class Uploaded:
    """A file uploaded: its id, its link, and the conversations Slack says it is shared in
    (none for a private upload; Slack may also share it a moment later)."""

    file_id: str
    permalink: str | None = None
    shared_in: tuple[str, ...] = ()


@dataclass(frozen=True)
class RetryPolicy:
    """How often, and how far apart, a failed call is tried again."""

    retries: int
    delay: Callable[[int], float]  # seconds to wait before retry number n (from 0)


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

    def ephemeral(
        self, channel: str, user_id: str, message: Message, *, thread_ts: str | None = None
    ) -> None:
        """chat.postEphemeral: a message only ``user_id`` sees, in a channel (or its thread)."""
        ...

    def upload(
        self,
        content: bytes | IO[bytes],
        *,
        filename: str,
        title: str,
        alt_text: str | None = None,
        comment: str | None = None,
        to_member: str | None = None,
    ) -> Uploaded:
        """files.uploadV2 (files.getUploadURLExternal + files.completeUploadExternal): shared
        nowhere (nothing is posted), or, ``to_member``, into the member's DM with the bot
        (opened with conversations.open) with ``comment`` above it."""
        ...

    def open_modal(self, trigger_id: str, view: Mapping[str, Any]) -> None:
        """views.open, with the trigger of a click or command (it lives 3 seconds, once)."""
        ...

    def update_modal(self, view_id: str, view: Mapping[str, Any]) -> None:
        """views.update: an open modal shown again, changed."""
        ...

    def publish_home(self, user_id: str, view: Mapping[str, Any]) -> None:
        """views.publish: the member's Home tab."""
        ...

    def react(self, channel: str, ts: str, name: str) -> None:
        """reactions.add: the bot's reaction on a message."""
        ...

    def permalink(self, channel: str, ts: str) -> str:
        """chat.getPermalink: a link to a message."""
        ...

    def conversation(self, channel: str) -> Conversation:
        """conversations.info."""
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

    def without_retries(self, *, timeout: float | None = None) -> SlackPort:
        """The same calls, each a single attempt: the caller paces and retries, or must have
        its answer soon (``timeout``, in seconds: inside Slack's 3 seconds)."""
        ...

    def retry_policy(self, kind: str) -> RetryPolicy:
        """How this port retries a failure of ``kind`` (SERVER_ERROR, NO_ANSWER)."""
        ...
