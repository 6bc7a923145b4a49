"""Workspaces as rows: created on first contact with the product's default settings.

A workspace is *installed* until the app is uninstalled from it or its bot token is revoked;
then its scheduled jobs stop and its learning log stays (exports and ``settings show`` still
work). Installing the app again resumes it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from bot.db import insert_ignoring_duplicates
from bot.models import Entry, Workspace


class NotInstalled(LookupError):
    """No bot token for a workspace: the app was never installed there, or was uninstalled."""

    def __init__(self, team_id: str) -> None:
        super().__init__(
            f"the app is not installed in workspace {team_id} (install it again at "
            "/slack/install; its learning log is kept)"
        )
        self.team_id = team_id


def ensure_workspace(
    session: Session, team_id: str, *, now: datetime, timezone: str = "UTC"
) -> Workspace:
    """The workspace's row, inserted with default settings if this is its first contact."""
    workspace = session.get(Workspace, team_id)
    if workspace is None:
        insert_ignoring_duplicates(
            session,
            Workspace,
            {"team_id": team_id, "timezone": timezone, "created_at": now, "updated_at": now},
        )
        workspace = session.get(Workspace, team_id)
    assert workspace is not None
    return workspace


def known_team_ids(session: Session) -> list[str]:
    return list(session.scalars(select(Workspace.team_id).order_by(Workspace.team_id)))


def mark_installed(
    session: Session,
    team_id: str,
    *,
    now: datetime,
    enterprise_id: str | None = None,
    name: str | None = None,
    timezone: str = "UTC",
) -> Workspace:
    """The app is installed (again) in ``team_id``: its jobs run, its organisation is noted."""
    workspace = ensure_workspace(session, team_id, now=now, timezone=timezone)
    if workspace.uninstalled_at is not None:
        workspace.uninstalled_at = None
        workspace.updated_at = now
    if enterprise_id and workspace.enterprise_id != enterprise_id:
        workspace.enterprise_id = enterprise_id
    if name and workspace.name != name:
        workspace.name = name
    return workspace


def mark_uninstalled(
    session: Session, *, now: datetime, team_id: str | None, enterprise_id: str | None
) -> dict[str, int]:
    """The app left a workspace (``team_id``) or, for an org-wide install, every workspace of
    an organisation (``enterprise_id`` alone): their jobs stop. Each such workspace, with the
    number of entries its learning log keeps."""
    if team_id:
        condition = Workspace.team_id == team_id
    elif enterprise_id:
        condition = Workspace.enterprise_id == enterprise_id
    else:
        return {}
    teams = list(
        session.scalars(
            select(Workspace.team_id)
            .where(condition, Workspace.uninstalled_at.is_(None))
            .order_by(Workspace.team_id)
        )
    )
    if not teams:
        return {}
    session.execute(
        update(Workspace)
        .where(Workspace.team_id.in_(teams))
        .values(uninstalled_at=now, updated_at=now)
    )
    kept = dict.fromkeys(teams, 0)
    counts = session.execute(
        select(Entry.team_id, func.count(Entry.id))
        .where(Entry.team_id.in_(teams))
        .group_by(Entry.team_id)
    )
    kept.update({team: count for team, count in counts})
    return kept


def note_enterprise(session: Session, team_id: str, enterprise_id: str, *, now: datetime) -> None:
    """Remember which organisation a workspace belongs to (first seen on a request)."""
    ensure_workspace(session, team_id, now=now)
    session.execute(
        update(Workspace)
        .where(
            Workspace.team_id == team_id,
            or_(Workspace.enterprise_id.is_(None), Workspace.enterprise_id != enterprise_id),
        )
        .values(enterprise_id=enterprise_id)
    )
