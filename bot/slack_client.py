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


class TeamClients:
    """A Web API client per workspace: the bot token in single-workspace and Socket Mode, or
    the installation's token (Bolt's installation store) in OAuth mode."""

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
        bot = store.find_bot(enterprise_id=None, team_id=team_id)
        if bot is None or not bot.bot_token:
            raise LookupError(f"the app is not installed in workspace {team_id}")
        if bot.bot_token not in self._by_token:
            self._by_token[bot.bot_token] = make_client(self.config, bot.bot_token)
        return self._by_token[bot.bot_token]
