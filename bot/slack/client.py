"""Slack Web API clients: the base URL from ``SLACK_API_URL`` and retries that Slack expects.

slack_sdk retries only dropped connections by default. Here a 429 waits for ``Retry-After``
and a 5xx or dropped connection is retried with exponential backoff (slack_sdk's own
handlers), so a busy moment at Slack costs a member a short wait, not their words.

Every error answer is counted for ``/metrics`` by method and error (``ApiErrorCounter``). It
sits among the retry handlers because slack_sdk shows every answer to them, and because Bolt
copies a client's retry handlers into the client it makes for each request: so the calls
Bolt's listeners make are counted as well as the scheduler's.

``WebApiSlack`` is the scheduled jobs' Slack (``bot.slack.port.SlackPort``) over such a client.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from http.client import HTTPException
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore

from bot import metrics
from bot.config import Config
from bot.slack.installations import bot_for_team
from bot.slack.port import (
    NO_ANSWER,
    RATE_LIMITED,
    REFUSED,
    SERVER_ERROR,
    Message,
    Metadata,
    Person,
    Posted,
    RetryPolicy,
    SlackError,
    SlackPort,
)
from bot.slack.token_rotation import SharedTokenRotator
from bot.weeks import Clock, utc_now
from bot.workspaces import NotInstalled

USERS_LIST_PAGE = 200  # people per users.list page (Slack's recommended most)
HISTORY_PAGE = 100  # messages per conversations.history page
MEMBERS_PAGE = 200  # people per conversations.members page


class ApiErrorCounter(RetryHandler):
    """Counts each Web API answer that is an error; never asks for a retry itself."""

    def can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        method = request.url.rsplit("/", 1)[-1].split("?", 1)[0]
        if response is None:
            if error is not None:
                metrics.slack_api_error(method, "connection_error")
            return False
        answer = _error_of(response)
        if answer is not None:
            metrics.slack_api_error(method, answer)
        return False


def _error_of(response: HttpResponse) -> str | None:
    body: Any = response.body
    if not isinstance(body, dict) and response.data:
        try:
            body = json.loads(response.data)
        except ValueError:
            body = None
    if isinstance(body, dict) and body.get("ok") is False:
        return str(body.get("error") or f"http_{response.status_code}")
    if response.status_code >= 400:
        return f"http_{response.status_code}"
    return None


def make_client(config: Config, token: str | None = None, *, backoff: float = 0.5) -> WebClient:
    """A client for ``token`` (the configured bot token by default) with retries on."""
    intervals = BackoffRetryIntervalCalculator(backoff_factor=backoff)
    return WebClient(
        token=token if token is not None else config.slack_bot_token,
        base_url=config.slack_api_url,
        timeout=15,
        retry_handlers=[
            ApiErrorCounter(),
            ConnectionErrorRetryHandler(max_retry_count=2, interval_calculator=intervals),
            RateLimitErrorRetryHandler(max_retry_count=4),
            ServerErrorRetryHandler(max_retry_count=3, interval_calculator=intervals),
        ],
    )


# The handlers that retry (the others only watch, like ApiErrorCounter), by what they retry.
_RETRYING = {
    SERVER_ERROR: ServerErrorRetryHandler,
    NO_ANSWER: ConnectionErrorRetryHandler,
    RATE_LIMITED: RateLimitErrorRetryHandler,
}


class WebApiSlack:
    """``SlackPort`` over a ``WebClient``: every call goes through the client, with its retry
    handlers (``make_client``'s: 429s wait for Retry-After, 5xx and dropped connections are
    retried with backoff), and every failure comes out as a ``SlackError``."""

    def __init__(
        self, client: WebClient, *, policies: dict[str, RetryPolicy] | None = None
    ) -> None:
        self.client = client
        self._policies = policies or {
            kind: _policy(client, handler) for kind, handler in _RETRYING.items()
        }

    def post(self, channel: str, message: Message, *, metadata: Metadata | None = None) -> Posted:
        extra = {"metadata": _slack_metadata(metadata)} if metadata is not None else {}
        with _failures("chat.postMessage"):
            response = self.client.chat_postMessage(channel=channel, **extra, **message)
        return Posted(str(response.get("channel") or channel), str(response["ts"]), metadata)

    def dm(self, user_id: str, message: Message, *, metadata: Metadata | None = None) -> Posted:
        # Slack delivers a bot's message addressed to a member's id into the bot's DM with them.
        return self.post(user_id, message, metadata=metadata)

    def delete(self, channel: str, ts: str) -> None:
        with _failures("chat.delete"):
            self.client.chat_delete(channel=channel, ts=ts)

    def join(self, channel: str) -> None:
        with _failures("conversations.join"):
            self.client.conversations_join(channel=channel)

    def upload_file(self, content: bytes, *, filename: str, title: str, alt_text: str) -> str:
        with _failures("files.uploadV2"):
            response = self.client.files_upload_v2(
                content=content, filename=filename, title=title, alt_txt=alt_text
            )
        return str(response["file"]["id"])

    def person(self, user_id: str) -> Person:
        with _failures("users.info"):
            response = self.client.users_info(user=user_id)
        return _person(response["user"])

    def people(self) -> Iterator[Person]:
        cursor = None
        while True:
            with _failures("users.list"):
                page = self.client.users_list(limit=USERS_LIST_PAGE, cursor=cursor)
            for member in page.get("members") or []:
                if member.get("id"):
                    yield _person(member)
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return

    def open_dm(self, user_id: str) -> str:
        with _failures("conversations.open"):
            response = self.client.conversations_open(users=user_id)
        return str(response["channel"]["id"])

    def channel_members(self, channel: str) -> list[str]:
        with _failures("auth.test"):
            bot_user = self.client.auth_test().get("user_id")
        people: list[str] = []
        cursor = None
        while True:
            with _failures("conversations.members"):
                page = self.client.conversations_members(
                    channel=channel, limit=MEMBERS_PAGE, cursor=cursor
                )
            people += [str(u) for u in page.get("members") or [] if u != bot_user]
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return people

    def open_group(self, user_ids: Sequence[str]) -> str:
        with _failures("conversations.open"):
            response = self.client.conversations_open(users=",".join(user_ids))
        return str(response["channel"]["id"])

    def find_message(
        self,
        channel: str,
        event_type: str,
        key: str,
        *,
        oldest: datetime | None = None,
        pages: int = 1,
    ) -> Posted | None:
        since = {"oldest": f"{oldest.timestamp():.6f}"} if oldest is not None else {}
        cursor = None
        for _ in range(pages):
            with _failures("conversations.history"):
                page = self.client.conversations_history(
                    channel=channel,
                    include_all_metadata=True,
                    limit=HISTORY_PAGE,
                    cursor=cursor,
                    **since,
                )
            for message in page.get("messages") or []:
                found = message.get("metadata") or {}
                payload = found.get("event_payload") or {}
                if found.get("event_type") == event_type and payload.get("key") == key:
                    metadata = Metadata(event_type, {k: str(v) for k, v in payload.items()})
                    return Posted(channel, str(message["ts"]), metadata)
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
        return None

    def without_retries(self) -> WebApiSlack:
        """The same calls through a client that retries nothing (handlers that only watch, like
        the API error counter of /metrics, stay); ``retry_policy`` still tells what this one
        would have done."""
        client = self.client
        watching = [
            handler
            for handler in client.retry_handlers or []
            if not isinstance(handler, tuple(_RETRYING.values()))
        ]
        single = WebClient(
            token=client.token,
            base_url=client.base_url,
            timeout=client.timeout,
            retry_handlers=watching,
        )
        return WebApiSlack(single, policies=self._policies)

    def retry_policy(self, kind: str) -> RetryPolicy:
        return self._policies[kind]


@contextmanager
def _failures(method: str) -> Iterator[None]:
    """Any failure of the Web API call inside as a ``SlackError`` for ``method``."""
    try:
        yield
    except SlackApiError as error:
        raise _slack_error(method, error) from error
    except (SlackClientError, OSError, HTTPException) as error:
        raise SlackError(method, type(error).__name__, kind=NO_ANSWER) from error


def _slack_metadata(metadata: Metadata) -> dict[str, Any]:
    return {"event_type": metadata.event_type, "event_payload": dict(metadata.payload)}


def _person(member: dict[str, Any]) -> Person:
    profile = member.get("profile") or {}
    return Person(
        str(member["id"]),
        member.get("tz") or None,
        profile.get("display_name") or member.get("real_name") or None,
        bool(member.get("deleted")),
    )


def _slack_error(method: str, error: SlackApiError) -> SlackError:
    status = error.response.status_code
    kind = RATE_LIMITED if status == 429 else SERVER_ERROR if status >= 500 else REFUSED
    details = [str(detail) for detail in error.response.get("errors") or []]
    details += (error.response.get("response_metadata") or {}).get("messages") or []
    return SlackError(
        method,
        str(error.response.get("error") or status),
        kind=kind,
        retry_after=_retry_after(error) if kind == RATE_LIMITED else None,
        details=tuple(str(detail) for detail in details),
    )


def _retry_after(error: SlackApiError) -> float:
    """Slack's ``Retry-After`` in seconds (1 when it sent none or nonsense)."""
    for name, value in (error.response.headers or {}).items():
        if name.lower() == "retry-after":
            raw = value[0] if isinstance(value, list) else value
            try:
                return max(0.0, float(raw))
            except ValueError:
                break
    return 1.0


def _policy(client: WebClient, kind: type[RetryHandler]) -> RetryPolicy:
    """The client's own handler of that kind as a policy; no retries if it has none."""
    for handler in client.retry_handlers or []:
        if isinstance(handler, kind):
            intervals = handler.interval_calculator
            return RetryPolicy(handler.max_retry_count, intervals.calculate_sleep_duration)
    return RetryPolicy(0, BackoffRetryIntervalCalculator().calculate_sleep_duration)


class TeamClients:
    """A Web API client per workspace: the bot token in single-workspace and Socket Mode, or
    the installation's token (Bolt's installation store) in OAuth mode — the workspace's own
    install, or its Enterprise Grid organisation's org-wide one (``bot.slack.installations``). A
    rotating token about to expire is refreshed first (``bot.slack.token_rotation``), judged by
    ``clock``."""

    def __init__(
        self,
        config: Config,
        *,
        default: WebClient | None = None,
        engine: object = None,
        clock: Clock = utc_now,
    ) -> None:
        self.config = config
        self.default = default
        self.engine = engine
        self.clock = clock
        self._by_token: dict[str, WebClient] = {}

    def __call__(self, team_id: str) -> WebClient:
        if self.config.slack_mode != "oauth":
            if self.default is None:
                self.default = make_client(self.config)
            return self.default
        store = SQLAlchemyInstallationStore(
            client_id=self.config.slack_client_id or "",
            engine=self.engine,  # type: ignore[arg-type]
        )
        bot = bot_for_team(store, team_id)
        if bot is None or not bot.bot_token:
            raise NotInstalled(team_id)
        if bot.bot_refresh_token is not None:
            bot = token_rotator(self.config, store, clock=self.clock).fresh(bot)
        if bot.bot_token not in self._by_token:
            self._by_token[bot.bot_token] = make_client(self.config, bot.bot_token)
        return self._by_token[bot.bot_token]

    def port(self, team_id: str) -> SlackPort:
        """The workspace's Slack as the scheduled jobs use it."""
        return WebApiSlack(self(team_id))


def token_rotator(
    config: Config, store: SQLAlchemyInstallationStore, *, clock: Clock = utc_now
) -> SharedTokenRotator:
    """The one way an installation's token is refreshed, for Bolt and the jobs alike."""
    return SharedTokenRotator(
        client_id=config.slack_client_id or "",
        client_secret=config.slack_client_secret or "",
        client=make_client(config, token=""),
        store=store,
        clock=clock,
    )
