"""Who coordinates the network: Slack's workspace admins and owners, the member ids in
``KINDNESS_ADMINS``, and the coordinators admins named in the database (``bot.coordinators``).

*Admins* (Slack's admins and owners, and ``KINDNESS_ADMINS``) are coordinators who may also
change the list of coordinators; the coordinators named in the database may do everything
else a coordinator does (settings, logging for someone, participation figures).

Checked on every request that needs it (opening the settings modal *and* submitting it).
The database list and ``KINDNESS_ADMINS`` are read first: for them no Slack call is needed.
What Slack says (``users.info``'s ``is_admin``/``is_owner``) is remembered per workspace and
member for a short life (``Services.admin_answers``, ``bot.services.ADMIN_ANSWER_LIFE``): a
coordinator's commands in a row ask Slack once, and a member made or unmade an admin in Slack
is seen once the life ends. A failed call is never remembered.
"""

from __future__ import annotations

import logging

from bot.config import Config
from bot.coordinators import is_listed_coordinator
from bot.db import Database
from bot.services import Services
from bot.slack.port import SlackError, SlackPort

log = logging.getLogger(__name__)


class CoordinatorCheckFailed(Exception):
    """Slack did not say whether the member is an admin (in time)."""


def is_admin(
    services: Services,
    slack: SlackPort,
    user_id: str,
    *,
    team_id: str,
    within_ack: bool = False,
) -> bool:
    """A Slack workspace admin or owner, or listed in ``KINDNESS_ADMINS``.

    Slack is asked (``users.info``) only when its answer for this workspace and member is not
    remembered from the last few minutes (``services.admin_answers``).
    ``CoordinatorCheckFailed`` when Slack cannot say (a member is never taken for a
    coordinator, nor refused as a member, on a failed call). ``within_ack``: the answer is
    needed inside Slack's 3 seconds (before a modal's or a command's answer), so users.info is
    asked once, with a short timeout and no retries."""
    if user_id in services.config.admins:
        return True
    remembered = services.admin_answers.get((team_id, user_id))
    if remembered is not None:
        return remembered
    if within_ack:
        slack = slack.without_retries(timeout=2)
    try:
        admin = slack.person(user_id).is_admin
    except SlackError as exc:
        log.warning("could not check whether %s is an admin: %s", user_id, exc.error)
        raise CoordinatorCheckFailed(exc.error) from None
    services.admin_answers.put((team_id, user_id), admin)
    return admin


def is_coordinator_without_slack(config: Config, db: Database, team_id: str, user_id: str) -> bool:
    """Known to be a coordinator without asking Slack (``KINDNESS_ADMINS`` or the list)."""
    return user_id in config.admins or is_listed_coordinator(db, team_id, user_id)


def is_coordinator(
    services: Services,
    slack: SlackPort,
    user_id: str,
    *,
    team_id: str,
    within_ack: bool = False,
) -> bool:
    """An admin, or a coordinator named in the database (see ``is_admin`` for ``within_ack``)."""
    if is_coordinator_without_slack(services.config, services.db, team_id, user_id):
        return True
    return is_admin(services, slack, user_id, team_id=team_id, within_ack=within_ack)
