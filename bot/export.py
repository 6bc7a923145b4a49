"""The shared learning log as a file: CSV and JSON for analysis, Markdown for a write-up.

Private entries are never exported, whoever asks. Anonymous entries carry no author and no
organisation (in a small organisation it would name the person). Members'
words go out as they wrote them, in plain text (``bot.text_formats``: entities decoded,
mentions as names, links as words and address); CSV cells a spreadsheet would run as formulas
are made inert. CSV and JSON stream row by row, so a large log costs little memory; Markdown
groups by goal (the raw material of a report), so it gathers the rows first.

The JSON document's shape is ``JSON_VERSION``, documented in the README ("Exports"); a change
that breaks a reader of it gets a new version number.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TextIO
from zoneinfo import ZoneInfo

from sqlalchemy import and_, select

from bot.db import Database
from bot.goals import Framework
from bot.models import KINDS, Entry, Member, Organisation
from bot.names import Directory
from bot.periods import check_order, end_at, start_at
from bot.slack_text import to_plain
from bot.text_formats import csv_cell, escape_markdown, markdown_url, to_markdown
from bot.visibility import SHARED
from bot.words import HOW_WE_KNOW_WORDS, WHO_CHANGED_WORDS, count

FORMATS = ("csv", "json", "md")
JSON_FORMAT = "kindness-bot learning log"
JSON_VERSION = 1
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
    "why_it_matters",
    "who_changed",
    "how_we_know",
    "organisation",
    "action_status",
    "completed_at",
    "reflection_of",
    "source",
    "permalink",
)
_INSTANT = timedelta(microseconds=1)
_PLURAL = {
    "story": "Stories",
    "action": "Actions",
    "reflection": "Reflections",
    "outcome": "Outcomes",
}


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
    text: str  # plain text: what the member wrote, as they would read it
    why_it_matters: str | None  # plain text, as ``text``
    who_changed: str | None  # an outcome's (bot.models.WHO_CHANGED)
    how_we_know: str | None  # an outcome's (bot.models.HOW_WE_KNOW)
    organisation: str | None  # the author's when they wrote it; None when anonymous
    action_status: str | None
    completed_at: str | None
    reflection_of: int | None
    source: str
    permalink: str | None
    # Slack's format, kept for the Markdown writer (links stay links there); never written.
    slack_text: str = field(default="", repr=False, compare=False)
    slack_why: str = field(default="", repr=False, compare=False)

    def fields(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in FIELDS}


@dataclass(frozen=True)
class Period:
    """Entries created in [since, until); either end may be open."""

    since: datetime | None = None
    until: datetime | None = None


def export_period(
    tz: str, since: date | datetime | None = None, until: date | datetime | None = None
) -> Period:
    """The period ``--since``/``--until`` (or ``since``/``until`` in Slack) ask for, read by
    ``bot.periods``' rules in the workspace's time zone ``tz``; ``EmptyPeriod`` or
    ``InstantWithoutOffset`` when it cannot be used."""
    start = start_at(since, tz) if since is not None else None
    end = end_at(until, tz) if until is not None else None
    if start is not None and end is not None:
        check_order(start, end, tz)
    return Period(start, end)


def export_rows(
    db: Database,
    framework: Framework,
    team_id: str | None,
    period: Period = Period(),
    *,
    names: Directory | None = None,
) -> Iterator[ExportRow]:
    """Shared entries of one workspace created in ``period``, oldest first (none for
    ``team_id`` None: no workspace yet)."""
    names = names or Directory(db, team_id or "")
    query = (
        select(Entry, Member.display_name, Organisation.name)
        .outerjoin(Member, and_(Member.team_id == Entry.team_id, Member.user_id == Entry.user_id))
        .outerjoin(Organisation, Organisation.id == Entry.organisation_id)
        .where(Entry.team_id == team_id, Entry.visibility.in_(SHARED))
        .order_by(Entry.created_at, Entry.id)
    )
    if period.since is not None:
        query = query.where(Entry.created_at >= period.since)
    if period.until is not None:
        query = query.where(Entry.created_at < period.until)
    with db.reading() as session:
        rows = session.execute(query.execution_options(yield_per=500))
        for entry, display_name, organisation in rows:
            goal = framework.get(entry.goal_key) if entry.goal_key else None
            anonymous = entry.visibility == "anonymous"
            if not anonymous:
                names.remember_user(entry.user_id, display_name)
            yield ExportRow(
                id=entry.id,
                created_at=entry.created_at.isoformat(),
                kind=entry.kind,
                goal_number=goal.number if goal else None,
                goal_key=entry.goal_key,
                goal_title=goal.title if goal else None,
                author_id=None if anonymous else entry.user_id,
                author_name=None if anonymous else names.user(entry.user_id),
                visibility=entry.visibility,
                text=to_plain(entry.text, names=names),
                why_it_matters=to_plain(entry.why_it_matters, names=names)
                if entry.why_it_matters
                else None,
                who_changed=entry.who_changed,
                how_we_know=entry.how_we_know,
                organisation=None if anonymous else organisation,
                action_status=entry.action_status,
                completed_at=entry.completed_at.isoformat() if entry.completed_at else None,
                reflection_of=entry.reflection_of_id,
                source=entry.source,
                permalink=entry.permalink,
                slack_text=entry.text,
                slack_why=entry.why_it_matters or "",
            )


def write_export(
    db: Database,
    framework: Framework,
    team_id: str | None,
    fmt: str,
    out: TextIO,
    *,
    period: Period = Period(),
    now: datetime,
    tz: str = "UTC",
    names: Directory | None = None,
) -> int:
    """Write the export in ``fmt`` to ``out``; the number of entries written.

    ``tz`` is the workspace's time zone (the dates a Markdown write-up shows); ``names``
    resolves mentions (by default from the database alone).
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    names = names or Directory(db, team_id or "")
    rows = export_rows(db, framework, team_id, period, names=names)
    if fmt == "csv":
        return _write_csv(rows, out)
    if fmt == "json":
        return _write_json(rows, out, framework, team_id, period, now)
    return _write_markdown(list(rows), out, framework, period, now, tz, names)


def _write_csv(rows: Iterator[ExportRow], out: TextIO) -> int:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(FIELDS)
    count = 0
    for row in rows:
        writer.writerow([csv_cell(value) for value in row.fields().values()])
        count += 1
    return count


def _write_json(
    rows: Iterator[ExportRow],
    out: TextIO,
    framework: Framework,
    team_id: str | None,
    period: Period,
    now: datetime,
) -> int:
    header = {
        "format": JSON_FORMAT,
        "version": JSON_VERSION,
        "team_id": team_id,
        "exported_at": now.isoformat(),
        "since": period.since.isoformat() if period.since else None,
        "until": period.until.isoformat() if period.until else None,
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
        out.write(("," if count else "") + "\n    " + json.dumps(row.fields(), ensure_ascii=False))
        count += 1
    out.write("\n  ]\n}\n")
    return count


def _write_markdown(
    rows: list[ExportRow],
    out: TextIO,
    framework: Framework,
    period: Period,
    now: datetime,
    tz: str,
    names: Directory,
) -> int:
    zone = ZoneInfo(tz)
    by_goal: dict[str | None, list[ExportRow]] = defaultdict(list)
    for row in rows:
        by_goal[row.goal_key].append(row)
    out.write(f"# Learning log — {escape_markdown(framework.name, inline=True)}\n\n")
    out.write(
        f"{count(len(rows), 'shared entry')}, "
        f"{_describe(period, zone)} · exported {now.astimezone(zone):%d %b %Y %H:%M} ({tz}).\n"
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
        out.write(f"\n## {escape_markdown(title, inline=True)}\n\n")
        if summary:
            out.write(f"_{escape_markdown(summary, inline=True)}_\n\n")
        if not goal_rows:
            out.write("Nothing logged in this period.\n")
            continue
        for kind in KINDS:
            of_kind = [r for r in goal_rows if r.kind == kind]
            if of_kind:
                out.write(f"### {_PLURAL[kind]} ({len(of_kind)})\n\n")
                out.writelines(_markdown_item(r, zone, names) for r in of_kind)
                out.write("\n")
    return len(rows)


def _describe(period: Period, zone: ZoneInfo) -> str:
    def day(moment: datetime) -> str:
        return f"{moment.astimezone(zone):%d %b %Y}"

    if period.since and period.until:
        return f"from {day(period.since)} to {day(period.until - _INSTANT)}"
    if period.since:
        return f"since {day(period.since)}"
    if period.until:
        return f"up to {day(period.until - _INSTANT)}"
    return "all time"


def _markdown_item(row: ExportRow, zone: ZoneInfo, names: Directory) -> str:
    who = "a member" if row.visibility == "anonymous" else (row.author_name or row.author_id)
    if row.organisation:
        who = f"{who}, {row.organisation}"
    status = ""
    if row.kind == "action":
        status = {"done": "done", "dropped": "dropped"}.get(row.action_status or "", "open")
        if row.completed_at:
            status += f" {datetime.fromisoformat(row.completed_at).astimezone(zone):%Y-%m-%d}"
        status = f" _({status})_"
    link = f" ([message](<{markdown_url(row.permalink)}>))" if row.permalink else ""
    body = to_markdown(row.slack_text, names, indent="  ")
    day = datetime.fromisoformat(row.created_at).astimezone(zone)
    item = (
        f"- **{day:%Y-%m-%d}** · {escape_markdown(who or '', inline=True)}{status}: {body}{link}\n"
    )
    if row.slack_why:
        item += f"  - _Why it matters:_ {to_markdown(row.slack_why, names, indent='    ')}\n"
    answers = [
        f"_Who changed:_ {WHO_CHANGED_WORDS[row.who_changed]}" if row.who_changed else "",
        f"_How we know:_ {HOW_WE_KNOW_WORDS[row.how_we_know]}" if row.how_we_know else "",
    ]
    if any(answers):
        item += "  - " + " · ".join(a for a in answers if a) + "\n"
    return item
