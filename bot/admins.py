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


class CoordinatorCheckFailed(Exception):
    """Slack did not say whether the member is an admin (in time)."""


def is_coordinator(
    config: Config, client: WebClient, user_id: str, *, within_ack: bool = False
) -> bool:
    """``CoordinatorCheckFailed`` when Slack cannot say (a member is never taken for a
    coordinator, nor refused as a member, on a failed call). ``within_ack``: the answer is
    needed inside Slack's 3 seconds (a modal's submission, a trigger_id about to expire), so
    users.info is asked once, with a short timeout and no retries."""
    if user_id in config.admins:
        return True
    if within_ack:
        client = WebClient(
            token=client.token, base_url=client.base_url, timeout=2, retry_handlers=[]
        )
    try:
        user = client.users_info(user=user_id)["user"]
    except (SlackApiError, OSError) as exc:
        reason = exc.response.get("error") if isinstance(exc, SlackApiError) else type(exc).__name__
        log.warning("could not check whether %s is an admin: %s", user_id, reason)
        raise CoordinatorCheckFailed(reason) from None
    return bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"))
