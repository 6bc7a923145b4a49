"""Who coordinates the network: Slack's workspace admins and owners, the member ids in
``KINDNESS_ADMINS``, and the coordinators admins named in the database (``bot.coordinators``).

*Admins* (Slack's admins and owners, and ``KINDNESS_ADMINS``) are coordinators who may also
change the list of coordinators; the coordinators named in the database may do everything
else a coordinator does (settings, logging for someone, participation figures).

Checked on every request that needs it (opening the settings modal *and* submitting it),
since a member's standing can change between the two. The database list and
``KINDNESS_ADMINS`` are read first: for them no Slack call is needed.
"""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.config import Config
from bot.coordinators import is_listed_coordinator
from bot.db import Database

log = logging.getLogger(__name__)


class CoordinatorCheckFailed(Exception):
    """Slack did not say whether the member is an admin (in time)."""


def is_admin(config: Config, client: WebClient, user_id: str, *, within_ack: bool = False) -> bool:
    """A Slack workspace admin or owner, or listed in ``KINDNESS_ADMINS``.

    ``CoordinatorCheckFailed`` when Slack cannot say (a member is never taken for a
    coordinator, nor refused as a member, on a failed call). ``within_ack``: the answer is
    needed inside Slack's 3 seconds (before a modal's or a command's answer), so users.info is
    asked once, with a short timeout and no retries."""
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


def is_coordinator_without_slack(config: Config, db: Database, team_id: str, user_id: str) -> bool:
    """Known to be a coordinator without asking Slack (``KINDNESS_ADMINS`` or the list)."""
    return user_id in config.admins or is_listed_coordinator(db, team_id, user_id)


def is_coordinator(
    config: Config,
    client: WebClient,
    user_id: str,
    *,
    db: Database,
    team_id: str,
    within_ack: bool = False,
) -> bool:
    """An admin, or a coordinator named in the database (see ``is_admin`` for ``within_ack``)."""
    if is_coordinator_without_slack(config, db, team_id, user_id):
        return True
    return is_admin(config, client, user_id, within_ack=within_ack)
