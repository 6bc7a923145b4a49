"""Workspaces as rows: created on first contact with the product's default settings."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db import insert_ignoring_duplicates
from bot.models import Workspace


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
