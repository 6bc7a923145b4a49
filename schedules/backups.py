"""The nightly backup: when ``KINDNESS_BACKUP_DIR`` is set, one ``kindness-bot backup`` file a
night in that directory, the newest ``KINDNESS_BACKUP_KEEP`` (default 7) kept.

Once a night across any number of schedulers: the night's row in ``backup_runs`` (its UTC
date is unique) is the claim — the scheduler that inserts it takes the backup; the others see
it and do nothing. The job is tried every hour from ``NIGHTLY_FROM`` (UTC), so a scheduler
that was down at two still takes that night's backup when it comes back. The row ends
"done" (with the file) or "failed" (with the reason), and ``/healthz`` reports the latest
(``backup_health``). Only whole files carry the backup's name (``bot.backup.backup_to_file``
writes beside it and renames), so pruning never counts a partial file.
"""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select, update

from bot.backup import SUFFIX, backup_to_file
from bot.db import Database, insert_ignoring_duplicates
from bot.models import BackupRun

log = logging.getLogger(__name__)

JOB = "backup"
NIGHTLY_FROM = time(2, 0)  # UTC
PREFIX = "kindness-backup-"
RUNNING, DONE, FAILED = "running", "done", "failed"
# A run still "running" after this long died with its process.
GIVEN_UP_AFTER = timedelta(hours=3)
# No backup finished for this long: the scheduler is not running, or the job is failing.
OVERDUE_AFTER = timedelta(hours=48)


def run_nightly_backup(
    db: Database, directory: Path, *, keep: int, now: datetime
) -> BackupRun | None:
    """Tonight's backup, when it is time and nobody has taken it; None otherwise."""
    if now.timetz().replace(tzinfo=None) < NIGHTLY_FROM:
        return None
    night = now.date().isoformat()
    with db.session() as session:
        won = insert_ignoring_duplicates(
            session, BackupRun, {"night": night, "status": RUNNING, "started_at": now}
        )
    if not won:
        return None
    path = directory / f"{PREFIX}{now:%Y%m%d-%H%M%S}{SUFFIX}"
    try:
        summary = backup_to_file(db, path, now=now)
        pruned = prune_backups(directory, keep)
    except Exception as exc:
        log.exception("the nightly backup into %s failed", directory)
        return _finish(db, night, FAILED, None, f"{type(exc).__name__}: {exc}", now)
    log.info("nightly backup: %d rows to %s; %d older file(s) removed", summary.total, path, pruned)
    return _finish(db, night, DONE, path.name, f"{summary.total} rows", now)


def prune_backups(directory: Path, keep: int) -> int:
    """Remove all but the newest ``keep`` nightly files (their names sort by time)."""
    files = sorted(directory.glob(f"{PREFIX}*{SUFFIX}"), key=lambda p: p.name, reverse=True)
    for old in files[keep:]:
        old.unlink()
    return max(0, len(files) - keep)


def _finish(
    db: Database, night: str, status: str, file: str | None, detail: str, now: datetime
) -> BackupRun:
    with db.session() as session:
        session.execute(
            update(BackupRun)
            .where(BackupRun.night == night)
            .values(status=status, file=file, detail=detail, finished_at=now)
        )
        return session.scalars(select(BackupRun).where(BackupRun.night == night)).one()


def backup_health(db: Database, now: datetime) -> dict[str, Any]:
    """What ``/healthz`` says of the nightly backup: ``ok`` false when the latest failed, died
    running, or none finished for two days."""
    with db.reading() as session:
        latest = session.scalars(
            select(BackupRun).order_by(BackupRun.started_at.desc()).limit(1)
        ).first()
        last_done = session.scalar(
            select(BackupRun.finished_at)
            .where(BackupRun.status == DONE)
            .order_by(BackupRun.finished_at.desc())
            .limit(1)
        )
    if latest is None:
        return {"ok": True, "last": None}
    status, error = latest.status, None
    if status == FAILED:
        error = latest.detail
    elif status == RUNNING:
        if now - latest.started_at > GIVEN_UP_AFTER:
            status, error = FAILED, "it never finished (the process taking it stopped)"
    elif last_done is None or now - last_done > OVERDUE_AFTER:
        status, error = "overdue", "no backup has finished in the last two days"
    report: dict[str, Any] = {
        "ok": error is None,
        "last": latest.night,
        "status": status,
        "file": latest.file,
    }
    if error is not None:
        report["error"] = error
    return report
