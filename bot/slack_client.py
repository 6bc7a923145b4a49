"""Slack Web API clients: the base URL from ``SLACK_API_URL`` and retries that Slack expects.

slack_sdk retries only dropped connections by default. Here a 429 waits for ``Retry-After``
and a 5xx or dropped connection is retried with exponential backoff (slack_sdk's own
handlers), so a busy moment at Slack costs a member a short wait, not their words.
"""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator

from bot.config import Config


def make_client(config: Config, token: str | None = None, *, backoff: float = 0.5) -> WebClient:
    """A client for ``token`` (the configured bot token by default) with retries on."""
    intervals = BackoffRetryIntervalCalculator(backoff_factor=backoff)
    return WebClient(
        token=token if token is not None else config.slack_bot_token,
        base_url=config.slack_api_url,
        timeout=15,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2, interval_calculator=intervals),
            RateLimitErrorRetryHandler(max_retry_count=4),
            ServerErrorRetryHandler(max_retry_count=3, interval_calculator=intervals),
        ],
    )
