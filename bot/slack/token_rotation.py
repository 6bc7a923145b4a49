"""Rotating tokens: an installation's bot token refreshed before it expires, by one process at a
time, for Bolt's requests and the scheduled jobs alike.

With token rotation turned on (Slack's recommendation for distributed apps) a bot token expires
12 hours after it is issued and comes with a refresh token. A refresh (``oauth.v2.access`` with
``grant_type=refresh_token``) answers a new token *and a new refresh token*, and Slack revokes
the refresh token it was given. Bolt refreshes a workspace's token when a request from Slack
comes in; nothing else would, so Monday's prompt after a quiet weekend would go out on a token
that expired on Saturday (``token_expired``). Here ``SharedTokenRotator`` — slack_sdk's
``TokenRotator`` — is the one way a token is refreshed: Bolt is given it (``runtime.app``)
and every job's Web API client comes through it (``bot.slack.client.TeamClients``).

- **Due**: a token that expires within ``AHEAD`` (two hours, Bolt's own margin) by the
  injected clock is refreshed before it is used; a job that runs for a while keeps a token that
  still works when it ends.
- **One at a time, across processes**: before refreshing, a process claims the installation's
  row in ``token_refreshes`` (an insert, or taking over a claim let go or older than ``LEASE``,
  judged by the database's clock as ``schedules.claims`` does). A second refresh with the same
  refresh token would fail: Slack revoked it. The others wait, reading the installation store,
  and use the new token as soon as it is there.
- **Stored before it is used**: the new token goes into the installation store (installation
  and bot rows, in place: a refresh is not a new install) before the claim is let go.

Expiry times are judged by the injected clock (``services.clock``), so that a test can let a
weekend pass. slack_sdk stamps a new token's expiry with the machine's time; ``on_clock`` moves
the stamp onto the injected clock (in production they are the same clock, and it moves nothing).
"""

from __future__ import annotations

import logging
import math
import os
import socket
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackTokenRotationError
from slack_sdk.oauth.installation_store import Bot
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.token_rotation import TokenRotator
from sqlalchemy import select, update
from sqlalchemy.engine import Engine

from bot.db import database_now, insert_ignoring_duplicates
from bot.models import TokenRefresh
from bot.weeks import Clock, utc_now

log = logging.getLogger(__name__)

AHEAD = timedelta(hours=2)  # refresh a token that expires sooner than this
LEASE = timedelta(minutes=2)  # a claim older than this was left by a process that died
POLL_SECONDS = 0.2  # how often a waiting process looks for the new token


class TokenNotRefreshed(LookupError):
    """Slack refused to refresh an installation's token (the app was uninstalled, or the
    refresh token revoked): the workspace is served again once the app is installed again."""

    def __init__(self, team_id: str | None, error: str) -> None:
        super().__init__(
            f"the token for workspace {team_id or '(organisation)'} expired and Slack refused "
            f"to refresh it ({error}); install the app again at /slack/install (its learning "
            "log is kept)"
        )
        self.team_id = team_id
        self.error = error


def on_clock(machine_epoch: int, now: datetime) -> int:
    """An expiry slack_sdk stamped with the machine's time (``time() + expires_in``), moved
    onto the injected clock ``now``."""
    # slack_sdk stamps int(time()) + expires_in: the same whole seconds are taken off.
    return machine_epoch - int(time.time()) + int(now.timestamp())


def installation_key(client_id: str, bot: Bot) -> str:
    """The ``token_refreshes`` row of the installation ``bot`` belongs to."""
    return f"{client_id}:{bot.enterprise_id or '-'}:{bot.team_id or '-'}"


class SharedTokenRotator(TokenRotator):
    """slack_sdk's ``TokenRotator``, refreshing each installation's bot token once at a time
    across every process on the database, and storing it before it is used."""

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        client: WebClient,
        store: SQLAlchemyInstallationStore,
        clock: Clock = utc_now,
        ahead: timedelta = AHEAD,
        lease: timedelta = LEASE,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(client_id=client_id, client_secret=client_secret, client=client)
        self.store = store
        self.engine: Engine = store.engine
        self.clock = clock
        self.ahead = ahead
        self.lease = lease
        self.sleep = sleep

    def fresh(self, bot: Bot) -> Bot:
        """``bot`` with a token good for at least ``ahead``: refreshed (and stored) if need be.
        ``TokenNotRefreshed`` when Slack refuses."""
        minutes = math.ceil(self.ahead.total_seconds() / 60)
        try:
            rotated = self.perform_bot_token_rotation(bot=bot, minutes_before_expiration=minutes)
        except SlackTokenRotationError as failure:
            error = str(failure.api_error.response.get("error") or "refused")
            raise TokenNotRefreshed(bot.team_id, error) from failure
        return rotated or bot

    def perform_bot_token_rotation(
        self, *, bot: Bot, minutes_before_expiration: int = 120
    ) -> Bot | None:
        """The refreshed bot when its token was due (by this process or another one while
        this one waited), else None. Bolt calls it through ``perform_token_rotation``."""
        margin = timedelta(minutes=minutes_before_expiration)
        if not self._due(bot, margin):
            return None
        key = installation_key(self.client_id, bot)
        owner = f"{socket.gethostname()}:{os.getpid()}:{threading.get_native_id()}"
        waiting = False
        while True:
            if self._claim(key, owner):
                refreshed = None
                try:
                    latest = self._latest(bot)
                    if not self._due(latest, margin):  # refreshed while this one looked
                        return latest
                    refreshed = self._refresh(latest)
                    self._store(refreshed)
                    log.info("refreshed the token of installation %s", key)
                    return refreshed
                finally:
                    self._let_go(key, owner, refreshed=refreshed is not None)
            latest = self._latest(bot)
            if not self._due(latest, margin):  # another process stored a new one
                return latest
            if not waiting:
                log.info("installation %s: another process is refreshing its token; waiting", key)
                waiting = True
            self.sleep(POLL_SECONDS)

    def _due(self, bot: Bot, margin: timedelta) -> bool:
        if bot.bot_refresh_token is None or bot.bot_token_expires_at is None:
            return False
        return bot.bot_token_expires_at <= (self.clock() + margin).timestamp()

    def _latest(self, bot: Bot) -> Bot:
        found = self.store.find_bot(
            enterprise_id=bot.enterprise_id,
            team_id=bot.team_id,
            is_enterprise_install=bot.is_enterprise_install,
        )
        return found if found is not None and found.bot_token else bot

    def _refresh(self, bot: Bot) -> Bot:
        # The decision is taken above, by the injected clock; the rotator's own check uses the
        # machine's time, so it is asked with a margin that makes it agree.
        seconds_left = max(0.0, (bot.bot_token_expires_at or 0) - time.time())
        refreshed = super().perform_bot_token_rotation(
            bot=bot, minutes_before_expiration=math.ceil(seconds_left / 60) + 1
        )
        if refreshed is None or refreshed.bot_token_expires_at is None:
            answer = {"ok": False, "error": "no_bot_token"}
            raise SlackTokenRotationError(SlackApiError("no bot token came back", answer))
        refreshed.bot_token_expires_at = on_clock(refreshed.bot_token_expires_at, self.clock())
        return refreshed

    def _store(self, bot: Bot) -> None:
        """The new token in the installation's row and its bot's row, both in place."""
        installation = self.store.find_installation(
            enterprise_id=bot.enterprise_id,
            team_id=bot.team_id,
            is_enterprise_install=bot.is_enterprise_install,
        )
        if installation is None:
            self.store.save_bot(bot)
            return
        installation.bot_token = bot.bot_token
        installation.bot_refresh_token = bot.bot_refresh_token
        installation.bot_token_expires_at = bot.bot_token_expires_at
        self.store.save(installation)
        if installation.installed_at != bot.installed_at:  # a bot row of its own
            self.store.save_bot(bot)

    def _claim(self, key: str, owner: str) -> bool:
        with self.engine.execution_options(sqlite_immediate=True).begin() as connection:
            now = database_now(connection)
            fresh = {"claimed_by": owner, "claimed_at": now}
            if insert_ignoring_duplicates(connection, TokenRefresh, {"installation": key, **fresh}):
                return True
            row = connection.execute(
                select(TokenRefresh.claimed_by, TokenRefresh.claimed_at)
                .where(TokenRefresh.installation == key)
                .with_for_update()
            ).one()
            if row.claimed_by is not None and row.claimed_at >= now - self.lease:
                return False
            connection.execute(
                update(TokenRefresh).where(TokenRefresh.installation == key).values(**fresh)
            )
            return True

    def _let_go(self, key: str, owner: str, *, refreshed: bool) -> None:
        with self.engine.execution_options(sqlite_immediate=True).begin() as connection:
            done = {"refreshed_at": database_now(connection)} if refreshed else {}
            connection.execute(
                update(TokenRefresh)
                .where(TokenRefresh.installation == key, TokenRefresh.claimed_by == owner)
                .values(claimed_by=None, **done)
            )
