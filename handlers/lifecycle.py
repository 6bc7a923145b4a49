"""The app's life in a workspace: uninstalled, tokens revoked, and which organisation a
workspace belongs to.

- ``app_uninstalled``, and ``tokens_revoked`` naming the bot's token: the workspace's tokens
  are deleted from the installation store (OAuth mode) and the workspace is marked
  uninstalled, which stops its scheduled jobs (at once in this process, within a minute in a
  scheduler elsewhere). Its learning log is kept — an operator can still export it — and the
  log line says so. Installing the app again resumes the workspace. An org-wide install
  (Enterprise Grid) uninstalled stops every workspace of the organisation.
- ``tokens_revoked`` naming members' tokens deletes those members' installations (the bot asks
  for no user scopes, but an installer's token may be stored by Bolt).
- Every request from a workspace of an Enterprise Grid organisation records the organisation
  once per process, so that the scheduler finds an org-wide install's token for it.

The listeners do their work before Slack gets its 200 (``handlers.answering``); a failure
answers 503 and Slack sends the event again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import BoltContext
from slack_sdk.oauth.installation_store import InstallationStore

from bot.services import Services
from bot.workspaces import mark_uninstalled, note_enterprise
from handlers.answering import Answer, later

log = logging.getLogger(__name__)


class OrganisationMemory:
    """Middleware: the Enterprise Grid organisation of each workspace a request comes from,
    recorded once per process (the record is idempotent; the memory saves a write per
    request)."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.remembered: set[tuple[str, str]] = set()

    def remember_organisation(self, context: BoltContext, next: Callable[[], None]) -> None:
        enterprise_id, team_id = context.enterprise_id, context.team_id
        if enterprise_id and team_id and (enterprise_id, team_id) not in self.remembered:
            with self.services.db.session() as session:
                note_enterprise(session, team_id, enterprise_id, now=self.services.clock())
            self.remembered.add((enterprise_id, team_id))
        next()


def on_app_uninstalled(
    body: dict[str, Any],
    team_id: str,
    services: Services,
    installation_store: InstallationStore | None,
) -> Answer:
    install = Install.of(body, team_id)
    forget_installation(installation_store, services, install, "the app was uninstalled")
    return later()


def on_tokens_revoked(
    body: dict[str, Any],
    event: dict[str, Any],
    team_id: str,
    services: Services,
    installation_store: InstallationStore | None,
) -> Answer:
    tokens = event.get("tokens") or {}
    install = Install.of(body, team_id)
    if installation_store is not None:
        for user_id in tokens.get("oauth") or []:
            installation_store.delete_installation(
                enterprise_id=install.enterprise_id, team_id=install.team_id, user_id=user_id
            )
    if tokens.get("bot"):
        forget_installation(installation_store, services, install, "the bot's token was revoked")
    return later()


class Install:
    """Which install an event is about: a workspace's (``team_id``), or an organisation's
    org-wide install (``enterprise_id`` alone, Enterprise Grid)."""

    def __init__(self, enterprise_id: str | None, team_id: str | None) -> None:
        self.enterprise_id = enterprise_id
        self.team_id = team_id

    @classmethod
    def of(cls, body: dict[str, Any], team_id: str) -> Install:
        authorizations = body.get("authorizations") or [{}]
        first = authorizations[0] if isinstance(authorizations[0], dict) else {}
        enterprise_id = body.get("enterprise_id") or first.get("enterprise_id")
        org_wide = bool(first.get("is_enterprise_install") or body.get("is_enterprise_install"))
        return cls(enterprise_id or None, None if org_wide else (team_id or None))


def forget_installation(
    installation_store: InstallationStore | None, services: Services, install: Install, why: str
) -> None:
    """Delete the tokens, stop the jobs, keep the log — and tell the operator."""
    enterprise_id, team_id = install.enterprise_id, install.team_id
    if installation_store is not None:
        installation_store.delete_all(enterprise_id=enterprise_id, team_id=team_id)
    with services.db.session() as session:
        kept = mark_uninstalled(
            session, now=services.clock(), team_id=team_id, enterprise_id=enterprise_id
        )
    where = f"workspace {team_id}" if team_id else f"organisation {enterprise_id}"
    if installation_store is not None:
        log.warning("%s: %s; its tokens are deleted, its scheduled posts stop", where, why)
        again = "installing the app again resumes the workspace"
    else:
        log.warning("%s: %s; SLACK_BOT_TOKEN no longer works, scheduled posts stop", where, why)
        again = "install the app again and set its new SLACK_BOT_TOKEN to resume"
    for team, entries in kept.items():
        log.warning(
            "%s: its learning log (%d %s) is kept: `kindness-bot export --team %s` still works; %s",
            team,
            entries,
            "entry" if entries == 1 else "entries",
            team,
            again,
        )
        if services.settings_changed is not None:
            services.settings_changed(team)
