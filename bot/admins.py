"""Who coordinates the network: Slack's workspace admins and owners, plus ``KINDNESS_ADMINS``.

Checked on every request that changes settings (opening the modal *and* submitting it), since
a member's admin status can change between the two.
"""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.config import Config

log = logging.getLogger(__name__)


def is_coordinator(config: Config, client: WebClient, user_id: str) -> bool:
    if user_id in config.admins:
        return True
    try:
        user = client.users_info(user=user_id)["user"]
    except SlackApiError as exc:
        log.warning(
            "could not check whether %s is an admin: %s", user_id, exc.response.get("error")
        )
        return False
    return bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"))
