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

The listeners do their work before Slack gets its 200; a failure answers 500 and Slack
retries the event.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltContext

from bot.services import Services
from bot.workspaces import mark_uninstalled, note_enterprise

log = logging.getLogger(__name__)


def register(app: App, services: Services) -> None:
    remembered: set[tuple[str, str]] = set()

    def remember_organisation(context: BoltContext, next: Callable[[], None]) -> None:
        enterprise_id, team_id = context.enterprise_id, context.team_id
        if enterprise_id and team_id and (enterprise_id, team_id) not in remembered:
            with services.db.session() as session:
                note_enterprise(session, team_id, enterprise_id, now=services.clock())
            remembered.add((enterprise_id, team_id))
        next()

    def on_app_uninstalled(context: BoltContext) -> None:
        forget_installation(app, services, context, "the app was uninstalled")

    def on_tokens_revoked(event: dict[str, Any], context: BoltContext) -> None:
        tokens = event.get("tokens") or {}
        store = app.installation_store
        if store is not None:
            for user_id in tokens.get("oauth") or []:
                store.delete_installation(
                    enterprise_id=context.enterprise_id,
                    team_id=_team_of(context),
                    user_id=user_id,
                )
        if tokens.get("bot"):
            forget_installation(app, services, context, "the bot's token was revoked")

    app.use(remember_organisation)
    app.event("app_uninstalled")(on_app_uninstalled)
    app.event("tokens_revoked")(on_tokens_revoked)


def forget_installation(app: App, services: Services, context: BoltContext, why: str) -> None:
    """Delete the tokens, stop the jobs, keep the log — and tell the operator."""
    enterprise_id, team_id = context.enterprise_id, _team_of(context)
    if app.installation_store is not None:
        app.installation_store.delete_all(enterprise_id=enterprise_id, team_id=team_id)
    with services.db.session() as session:
        kept = mark_uninstalled(
            session, now=services.clock(), team_id=team_id, enterprise_id=enterprise_id
        )
    where = f"workspace {team_id}" if team_id else f"organisation {enterprise_id}"
    if app.installation_store is not None:
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


def _team_of(context: BoltContext) -> str | None:
    """The workspace of the install: none for an org-wide (Enterprise Grid) install."""
    return None if context.is_enterprise_install else context.team_id
