"""Names from Slack (``users.info``, ``conversations.info``), for ``bot.names.Directory``.

A lookup that fails leaves the id in place rather than failing a whole export: the file is
still right, only less friendly. After a failure that would repeat for every id (a refused
token, Slack out of reach) no further lookups are made.
"""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

log = logging.getLogger(__name__)

# Answers about one id; anything else (invalid_auth, missing_scope, a dropped connection) would
# be the same for every other id.
_ABOUT_ONE_ID = {"user_not_found", "channel_not_found", "user_not_visible", "not_in_channel"}


class SlackNames:
    def __init__(self, client: WebClient) -> None:
        self.client = client
        self.gave_up: str | None = None

    def user(self, user_id: str) -> str | None:
        user = self._ask("users_info", user=user_id)
        if user is None:
            return None
        found = user.get("user") or {}
        profile = found.get("profile") or {}
        return profile.get("display_name") or found.get("real_name") or found.get("name")

    def channel(self, channel_id: str) -> str | None:
        answer = self._ask("conversations_info", channel=channel_id)
        return ((answer or {}).get("channel") or {}).get("name")

    def _ask(self, method: str, **args: str) -> dict | None:
        if self.gave_up is not None:
            return None
        try:
            return getattr(self.client, method)(**args).data  # type: ignore[no-any-return]
        except SlackApiError as exc:
            error = str(exc.response.get("error", ""))
        except OSError as exc:
            error = type(exc).__name__
        if error not in _ABOUT_ONE_ID:
            self.gave_up = error
            log.warning("names from Slack: %s failed (%s); ids are shown instead", method, error)
        return None
