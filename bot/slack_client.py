"""Slack Web API clients: the base URL from ``SLACK_API_URL`` and retries that Slack expects.

slack_sdk retries only dropped connections by default. Here a 429 waits for ``Retry-After``
and a 5xx or dropped connection is retried with exponential backoff (slack_sdk's own
handlers), so a busy moment at Slack costs a member a short wait, not their words.

Every error answer is counted for ``/metrics`` by method and error (``ApiErrorCounter``). It
sits among the retry handlers because slack_sdk shows every answer to them, and because Bolt
copies a client's retry handlers into the client it makes for each request: so the calls
Bolt's listeners make are counted as well as the scheduler's.
"""

from __future__ import annotations

import json
from typing import Any

from slack_sdk import WebClient
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

from bot import metrics
from bot.config import Config
from bot.installations import bot_for_team
from bot.workspaces import NotInstalled


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


class TeamClients:
    """A Web API client per workspace: the bot token in single-workspace and Socket Mode, or
    the installation's token (Bolt's installation store) in OAuth mode — the workspace's own
    install, or its Enterprise Grid organisation's org-wide one (``bot.installations``)."""

    def __init__(
        self, config: Config, *, default: WebClient | None = None, engine: object = None
    ) -> None:
        self.config = config
        self.default = default
        self.engine = engine
        self._by_token: dict[str, WebClient] = {}

    def __call__(self, team_id: str) -> WebClient:
        if self.config.slack_mode != "oauth":
            if self.default is None:
                self.default = make_client(self.config)
            return self.default
        from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore

        store = SQLAlchemyInstallationStore(
            client_id=self.config.slack_client_id or "",
            engine=self.engine,  # type: ignore[arg-type]
        )
        bot = bot_for_team(store, team_id)
        if bot is None or not bot.bot_token:
            raise NotInstalled(team_id)
        if bot.bot_token not in self._by_token:
            self._by_token[bot.bot_token] = make_client(self.config, bot.bot_token)
        return self._by_token[bot.bot_token]
