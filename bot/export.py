"""The shared learning log as a file: CSV and JSON for analysis, Markdown for a write-up.

Private entries are never exported, whoever asks. Anonymous entries carry no author.
CSV and JSON stream row by row, so a large log costs little memory; Markdown groups by goal
(the raw material of a report), so it gathers the rows first.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import TextIO

from sqlalchemy import and_, select

from bot.db import Database
from bot.goals import Framework
from bot.learning_log import SHARED
from bot.models import KINDS, Entry, Member

FORMATS = ("csv", "json", "md")
FIELDS = (
    "id",
    "created_at",
    "kind",
    "goal_number",
    "goal_key",
    "goal_title",
    "author_id",
    "author_name",
    "visibility",
    "text",
    "action_status",
    "completed_at",
    "reflection_of",
    "source",
    "permalink",
)
_PLURAL = {"story": "Stories", "action": "Actions", "reflection": "Reflections"}


@dataclass(frozen=True)
class ExportRow:
    id: int
    created_at: str
    kind: str
    goal_number: int | None
    goal_key: str | None
    goal_title: str | None
    author_id: str | None
    author_name: str | None
    visibility: str
    text: str
    action_status: str | None
    completed_at: str | None
    reflection_of: int | None
    source: str
    permalink: str | None


def export_rows(
    db: Database, framework: Framework, team_id: str | None, since: datetime | None = None
) -> Iterator[ExportRow]:
    """Shared entries of one workspace, oldest first (none for ``team_id`` None: no workspace
    yet)."""
    query = (
        select(Entry, Member.display_name)
        .outerjoin(Member, and_(Member.team_id == Entry.team_id, Member.user_id == Entry.user_id))
        .where(Entry.team_id == team_id, Entry.visibility.in_(SHARED))
        .order_by(Entry.created_at, Entry.id)
    )
    if since is not None:
        query = query.where(Entry.created_at >= since)
    with db.reading() as session:
        for entry, display_name in session.execute(query.execution_options(yield_per=500)):
            goal = framework.get(entry.goal_key) if entry.goal_key else None
            anonymous = entry.visibility == "anonymous"
            yield ExportRow(
                id=entry.id,
                created_at=entry.created_at.isoformat(),
                kind=entry.kind,
                goal_number=goal.number if goal else None,
                goal_key=entry.goal_key,
                goal_title=goal.title if goal else None,
                author_id=None if anonymous else entry.user_id,
                author_name=None if anonymous else display_name,
                visibility=entry.visibility,
                text=entry.text,
                action_status=entry.action_status,
                completed_at=entry.completed_at.isoformat() if entry.completed_at else None,
                reflection_of=entry.reflection_of_id,
                source=entry.source,
                permalink=entry.permalink,
            )


def write_export(
    db: Database,
    framework: Framework,
    team_id: str | None,
    fmt: str,
    out: TextIO,
    *,
    since: datetime | None = None,
    now: datetime,
) -> int:
    """Write the export in ``fmt`` to ``out``; the number of entries written."""
    rows = export_rows(db, framework, team_id, since)
    if fmt == "csv":
        return _write_csv(rows, out)
    if fmt == "json":
        return _write_json(rows, out, framework, team_id, since, now)
    if fmt == "md":
        return _write_markdown(list(rows), out, framework, team_id, since, now)
    raise ValueError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")


def _write_csv(rows: Iterator[ExportRow], out: TextIO) -> int:
    writer = csv.DictWriter(out, fieldnames=FIELDS, lineterminator="\n")
    writer.writeheader()
    count = 0
    for row in rows:
        writer.writerow(asdict(row))
        count += 1
    return count


def _write_json(
    rows: Iterator[ExportRow],
    out: TextIO,
    framework: Framework,
    team_id: str | None,
    since: datetime | None,
    now: datetime,
) -> int:
    header = {
        "team_id": team_id,
        "exported_at": now.isoformat(),
        "since": since.isoformat() if since else None,
        "framework": framework.name,
        "goals": [
            {"key": g.key, "number": g.number, "title": g.title, "summary": g.summary}
            for g in framework.goals
        ],
    }
    # Stream the entries array so that a large log never sits in memory as one document.
    out.write(json.dumps(header, ensure_ascii=False, indent=2)[:-2] + ',\n  "entries": [')
    count = 0
    for row in rows:
        out.write(("," if count else "") + "\n    " + json.dumps(asdict(row), ensure_ascii=False))
        count += 1
    out.write("\n  ]\n}\n")
    return count


def _write_markdown(
    rows: list[ExportRow],
    out: TextIO,
    framework: Framework,
    team_id: str | None,
    since: datetime | None,
    now: datetime,
) -> int:
    by_goal: dict[str | None, list[ExportRow]] = defaultdict(list)
    for row in rows:
        by_goal[row.goal_key].append(row)
    period = f"since {since.date().isoformat()}" if since else "all time"
    out.write(f"# Learning log — {framework.name}\n\n")
    out.write(
        f"Workspace {team_id or '(none yet)'} · {len(rows)} shared entries, {period} · exported "
        f"{now.strftime('%Y-%m-%d %H:%M %Z')}.\n"
        "Private entries are never exported; anonymous entries are shown without a name.\n"
    )
    sections: list[tuple[str, str | None, list[ExportRow]]] = [
        (f"{g.number}. {g.title}", g.summary, by_goal.pop(g.key, [])) for g in framework.goals
    ]
    for key in sorted(k for k in by_goal if k is not None):
        sections.append((f"Goal '{key}' (no longer in the framework)", None, by_goal.pop(key)))
    if None in by_goal:
        sections.append(("No goal yet", None, by_goal.pop(None)))
    for title, summary, goal_rows in sections:
        out.write(f"\n## {title}\n\n")
        if summary:
            out.write(f"_{summary}_\n\n")
        if not goal_rows:
            out.write("Nothing logged yet.\n")
            continue
        for kind in KINDS:
            of_kind = [r for r in goal_rows if r.kind == kind]
            if of_kind:
                out.write(f"### {_PLURAL[kind]} ({len(of_kind)})\n\n")
                out.writelines(_markdown_item(r) for r in of_kind)
                out.write("\n")
    return len(rows)


def _markdown_item(row: ExportRow) -> str:
    who = "a member" if row.visibility == "anonymous" else (row.author_name or row.author_id)
    status = ""
    if row.kind == "action":
        status = {"done": "done", "dropped": "dropped"}.get(row.action_status or "", "open")
        if row.completed_at:
            status += f" {row.completed_at[:10]}"
        status = f" _({status})_"
    link = f" ([message]({row.permalink}))" if row.permalink else ""
    body = row.text.replace("\n", "\n  ")
    return f"- **{row.created_at[:10]}** · {who}{status}: {body}{link}\n"
