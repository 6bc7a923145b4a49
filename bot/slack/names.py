"""Names from Slack (``users.info``, ``conversations.info``, through the Slack port), for
``bot.names.Directory``.

A lookup that fails leaves the id in place rather than failing a whole export: the file is
still right, only less friendly. After a failure that would repeat for every id (a refused
token, Slack out of reach) no further lookups are made.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from bot.slack.port import SlackError, SlackPort

log = logging.getLogger(__name__)
T = TypeVar("T")

# Answers about one id; anything else (invalid_auth, missing_scope, a dropped connection) would
# be the same for every other id.
_ABOUT_ONE_ID = {"user_not_found", "channel_not_found", "user_not_visible", "not_in_channel"}


class SlackNames:
    def __init__(self, slack: SlackPort) -> None:
        self.slack = slack
        self.gave_up: str | None = None

    def user(self, user_id: str) -> str | None:
        person = self._ask("users.info", lambda: self.slack.person(user_id))
        if person is None:
            return None
        return person.name or person.username

    def channel(self, channel_id: str) -> str | None:
        found = self._ask("conversations.info", lambda: self.slack.conversation(channel_id))
        return found.name if found is not None else None

    def _ask(self, method: str, ask: Callable[[], T]) -> T | None:
        if self.gave_up is not None:
            return None
        try:
            return ask()
        except SlackError as exc:
            error = exc.error
        if error not in _ABOUT_ONE_ID:
            self.gave_up = error
            log.warning("names from Slack: %s failed (%s); ids are shown instead", method, error)
        return None
