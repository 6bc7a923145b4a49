"""Where a workspace's bot token comes from in multi-workspace (OAuth) mode, and what
installing the app does to the workspace's row.

Tokens live in Bolt's installation store, in the bot's own database (tables from migration
0002). A workspace install is found by (enterprise id, team id) — the enterprise id is None
outside Enterprise Grid. An org-wide install (Enterprise Grid) has no team id: it is found by
the organisation's enterprise id alone, and serves every workspace of that organisation. A
workspace's organisation is learnt when it installs the app, or from the first request that
comes from it (``handlers.lifecycle``), and kept in ``workspaces.enterprise_id``.

In single-workspace and Socket Mode the token is ``SLACK_BOT_TOKEN`` and none of this is used.
"""

from __future__ import annotations

import logging

from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.sqlalchemy_utils import normalize_datetime_for_db
from sqlalchemy import select, update
from sqlalchemy.engine import Engine

from bot.db import Database
from bot.models import Workspace
from bot.slack.token_rotation import on_clock
from bot.weeks import Clock, utc_now
from bot.workspaces import mark_installed

log = logging.getLogger(__name__)


class WorkspaceInstallations(SQLAlchemyInstallationStore):
    """Bolt's installation store; saving an install also (re)activates the workspace's row."""

    def __init__(
        self,
        client_id: str,
        db: Database,
        *,
        clock: Clock = utc_now,
        default_timezone: str = "UTC",
    ) -> None:
        super().__init__(client_id=client_id, engine=db.engine)
        self.db = db
        self.clock = clock
        self.default_timezone = default_timezone

    def save(self, installation: Installation) -> None:
        if self._saved_before(installation):
            # A token refreshed (bot.slack.token_rotation): the same install, its row updated.
            super().save(installation)
            return
        if installation.bot_token_expires_at is not None:
            # slack_sdk stamped the expiry with the machine's time; expiries are judged by
            # the injected clock (bot.slack.token_rotation).
            installation.bot_token_expires_at = on_clock(
                installation.bot_token_expires_at, self.clock()
            )
        super().save(installation)
        now = self.clock()
        with self.db.session() as session:
            if installation.team_id:
                mark_installed(
                    session,
                    installation.team_id,
                    now=now,
                    enterprise_id=installation.enterprise_id,
                    name=installation.team_name,
                    timezone=self.default_timezone,
                )
                where = f"workspace {installation.team_id}"
            else:
                # An org-wide install: every workspace of the organisation met so far resumes.
                session.execute(
                    update(Workspace)
                    .where(Workspace.enterprise_id == installation.enterprise_id)
                    .values(uninstalled_at=None, updated_at=now)
                )
                where = f"every workspace of organisation {installation.enterprise_id}"
        log.info("the app was installed in %s", where)

    def _saved_before(self, installation: Installation) -> bool:
        rows = self.installations.c
        installed_at = normalize_datetime_for_db(installation.to_dict()["installed_at"])
        with self.engine.connect() as connection:
            found = connection.scalar(
                select(rows.id).where(
                    rows.client_id == self.client_id,
                    rows.enterprise_id == installation.enterprise_id,
                    rows.team_id == installation.team_id,
                    rows.installed_at == installed_at,
                )
            )
        return found is not None

    def bot_for_team(self, team_id: str) -> Bot | None:
        """The bot that serves ``team_id``: its own install, else its organisation's."""
        return bot_for_team(self, team_id)


def bot_for_team(store: SQLAlchemyInstallationStore, team_id: str) -> Bot | None:
    enterprise_id = enterprise_of_team(store.engine, team_id)
    bot = store.find_bot(enterprise_id=enterprise_id, team_id=team_id)
    if bot is None and enterprise_id is not None:
        bot = store.find_bot(enterprise_id=enterprise_id, team_id=None, is_enterprise_install=True)
    return bot if bot is not None and bot.bot_token else None


def enterprise_of_team(engine: Engine, team_id: str) -> str | None:
    with engine.connect() as connection:
        return connection.scalar(
            select(Workspace.enterprise_id).where(Workspace.team_id == team_id)
        )


def installed_team_ids(engine: Engine, client_id: str) -> list[str]:
    """Workspaces with a bot token in the installation store (org-wide installs have none)."""
    bots = SQLAlchemyInstallationStore(client_id=client_id, engine=engine).bots
    with engine.connect() as connection:
        return sorted(
            connection.scalars(
                select(bots.c.team_id)
                .where(
                    bots.c.client_id == client_id,
                    bots.c.team_id.is_not(None),
                    bots.c.bot_token.is_not(None),
                )
                .distinct()
            )
        )
