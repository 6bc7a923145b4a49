"""The learning log as a file: CSV and JSON for analysis, Markdown for a write-up or a journal.

One writer makes both files the bot hands out, with one set of rules:

- the **network's file** (``/kindness export``, ``kindness-bot export``): shared entries only —
  private entries are never exported, whoever asks — and anonymous ones without an author or
  an organisation (in a small organisation it would name the person);
  Markdown groups by goal (the raw material of a report);
- a **member's own file** (``/kindness mine export``, ``member=`` here): every entry of theirs,
  private ones included, with its own columns (no author: it is all theirs; ``logged_by`` and
  ``logged_by_name``); Markdown reads as a journal, month by month.

Members' words go out as they wrote them, in plain text (``bot.text_formats``: entities
decoded, mentions as names, links as words and address); CSV cells a spreadsheet would run as
formulas are made inert; the JSON document carries ``format`` and ``version``. CSV and JSON
stream row by row, so a large log costs little memory; Markdown gathers the rows first.

An entry a coordinator logged for a member (``/kindness log for @member``) holds the
coordinator's words, not the member's. It is in the member's file — it is shown under their
name in the network's log, so their copy of what the bot keeps about them includes it — but
never as theirs: ``logged_by``/``logged_by_name`` name the coordinator in CSV and JSON, and the
journal says "logged for you by …, in their words".

The JSON documents' shape is ``JSON_VERSION``, documented in docs/coordinators.md
("Exports"); a change that breaks a reader of them gets a new version number.
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
from bot.names import UNNAMED, Directory
from bot.periods import check_order, end_at, start_at
from bot.slack_text import to_plain
from bot.text_formats import csv_cell, escape_markdown, markdown_url, to_markdown
from bot.visibility import SHARED
from bot.words import HOW_WE_KNOW_WORDS, WHO_CHANGED_WORDS, count

FORMATS = ("csv", "json", "md")
JSON_FORMAT = "kindness-bot learning log"
MEMBER_JSON_FORMAT = "kindness-bot my learning log"
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
# A member's own file: no author (every entry is theirs), and who logged an entry for them.
MEMBER_FIELDS = (
    *(name for name in FIELDS if name not in ("author_id", "author_name")),
    "logged_by",
    "logged_by_name",
)
# A CSV file made for Slack — the coordinator's and the member's — starts with it: Excel reads a
# CSV without one in the computer's legacy code page (see ``bot.coordinator_files``).
BYTE_ORDER_MARK = "\ufeff"
_INSTANT = timedelta(microseconds=1)
_PLURAL = {
    "story": "Stories",
    "action": "Actions",
    "reflection": "Reflections",
    "outcome": "Outcomes",
}
_KIND_TITLES = {
    "story": "Story",
    "action": "Action",
    "reflection": "Reflection",
    "outcome": "Outcome",
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
    logged_by: str | None = None  # the coordinator who logged it for its author
    logged_by_name: str | None = None
    # Slack's format, kept for the Markdown writer (links stay links there); never written.
    slack_text: str = field(default="", repr=False, compare=False)
    slack_why: str = field(default="", repr=False, compare=False)

    def fields(self, names: tuple[str, ...] = FIELDS) -> dict[str, object]:
        return {name: getattr(self, name) for name in names}


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
    member: str | None = None,
) -> Iterator[ExportRow]:
    """One workspace's entries created in ``period``, oldest first (none for ``team_id`` None:
    no workspace yet): the shared ones, or with ``member`` every one of that member's."""
    names = names or Directory(db, team_id or "")
    query = (
        select(Entry, Member.display_name, Organisation.name)
        .outerjoin(Member, and_(Member.team_id == Entry.team_id, Member.user_id == Entry.user_id))
        .outerjoin(Organisation, Organisation.id == Entry.organisation_id)
        .where(Entry.team_id == team_id)
        .order_by(Entry.created_at, Entry.id)
    )
    if member is None:
        query = query.where(Entry.visibility.in_(SHARED))
    else:
        query = query.where(Entry.user_id == member)
    if period.since is not None:
        query = query.where(Entry.created_at >= period.since)
    if period.until is not None:
        query = query.where(Entry.created_at < period.until)
    with db.reading() as session:
        rows = session.execute(query.execution_options(yield_per=500))
        for entry, display_name, organisation in rows:
            goal = framework.get(entry.goal_key) if entry.goal_key else None
            # Anonymous to the network; a member's own file knows whose it is.
            anonymous = entry.visibility == "anonymous" and member is None
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
                logged_by=entry.logged_by,
                logged_by_name=names.user(entry.logged_by) if entry.logged_by else None,
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
    member: str | None = None,
) -> int:
    """Write the export in ``fmt`` to ``out``; the number of entries written.

    ``tz`` is the time zone of the dates a Markdown file shows (the workspace's; the member's
    own for their file); ``names`` resolves mentions (by default from the database alone);
    ``member`` makes that member's own file instead of the network's.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    names = names or Directory(db, team_id or "")
    rows = export_rows(db, framework, team_id, period, names=names, member=member)
    fields = FIELDS if member is None else MEMBER_FIELDS
    if fmt == "csv":
        return _write_csv(rows, out, fields)
    if fmt == "json":
        header = _json_header(framework, team_id, period, now, member, names)
        return _write_json(rows, out, header, fields)
    if member is not None:
        return _write_journal(list(rows), out, framework, now, tz, names)
    return _write_markdown(list(rows), out, framework, period, now, tz, names)


def _write_csv(rows: Iterator[ExportRow], out: TextIO, fields: tuple[str, ...]) -> int:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(fields)
    count = 0
    for row in rows:
        writer.writerow([csv_cell(value) for value in row.fields(fields).values()])
        count += 1
    return count


def _json_header(
    framework: Framework,
    team_id: str | None,
    period: Period,
    now: datetime,
    member: str | None,
    names: Directory,
) -> dict[str, object]:
    header: dict[str, object] = {
        "format": JSON_FORMAT if member is None else MEMBER_JSON_FORMAT,
        "version": JSON_VERSION,
        "team_id": team_id,
    }
    if member is not None:
        header |= {"member": member, "member_name": names.user(member)}
    return header | {
        "exported_at": now.isoformat(),
        "since": period.since.isoformat() if period.since else None,
        "until": period.until.isoformat() if period.until else None,
        "framework": framework.name,
        "goals": [
            {"key": g.key, "number": g.number, "title": g.title, "summary": g.summary}
            for g in framework.goals
        ],
    }


def _write_json(
    rows: Iterator[ExportRow], out: TextIO, header: dict[str, object], fields: tuple[str, ...]
) -> int:
    # Stream the entries array so that a large log never sits in memory as one document.
    out.write(json.dumps(header, ensure_ascii=False, indent=2)[:-2] + ',\n  "entries": [')
    count = 0
    for row in rows:
        document = json.dumps(row.fields(fields), ensure_ascii=False)
        out.write(("," if count else "") + "\n    " + document)
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


def _write_journal(
    rows: list[ExportRow],
    out: TextIO,
    framework: Framework,
    now: datetime,
    tz: str,
    names: Directory,
) -> int:
    """A member's own file in Markdown: a journal, oldest first, month by month."""
    zone = ZoneInfo(tz)
    out.write("# My learning log\n\n")
    out.write(
        f"{count(len(rows), 'entry')}, private ones included · "
        f"{escape_markdown(framework.name, inline=True)} · "
        f"exported {now.astimezone(zone):%d %b %Y %H:%M} ({tz}).\n"
    )
    month = None
    for row in rows:
        day = datetime.fromisoformat(row.created_at).astimezone(zone)
        if f"{day:%Y-%m}" != month:
            month = f"{day:%Y-%m}"
            out.write(f"\n## {day:%B %Y}\n\n")
        goal = f"g{row.goal_number} {row.goal_title}" if row.goal_number else row.goal_key
        notes = [row.visibility]
        if row.kind == "action":
            notes.append(_action_status(row, zone))
        if row.logged_by and row.source == "shortcut":
            # The member's own message, saved to the log by somebody else.
            notes.append(f"saved by {row.logged_by_name or row.logged_by}")
        elif row.logged_by:
            # Somebody else's words about the member: never shown as the member's own.
            notes.append(f"logged for you by {row.logged_by_name or row.logged_by}, in their words")
        link = f" ([message](<{markdown_url(row.permalink)}>))" if row.permalink else ""
        out.write(
            f"- **{day:%Y-%m-%d}** · #{row.id} {_KIND_TITLES.get(row.kind, row.kind.title())} · "
            f"{escape_markdown(goal or 'no goal', inline=True)} "
            f"_({escape_markdown(', '.join(notes), inline=True)})_: "
            f"{to_markdown(row.slack_text, names, indent='  ')}{link}\n"
        )
        out.write(_outcome_lines(row, names))
    return len(rows)


def _action_status(row: ExportRow, zone: ZoneInfo) -> str:
    status = {"done": "done", "dropped": "dropped"}.get(row.action_status or "", "open")
    if row.completed_at:
        status += f" {datetime.fromisoformat(row.completed_at).astimezone(zone):%Y-%m-%d}"
    return status


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
    who = "a member" if row.visibility == "anonymous" else (row.author_name or UNNAMED)
    if row.organisation:
        who = f"{who}, {row.organisation}"
    status = f" _({_action_status(row, zone)})_" if row.kind == "action" else ""
    link = f" ([message](<{markdown_url(row.permalink)}>))" if row.permalink else ""
    body = to_markdown(row.slack_text, names, indent="  ")
    day = datetime.fromisoformat(row.created_at).astimezone(zone)
    item = (
        f"- **{day:%Y-%m-%d}** · {escape_markdown(who or '', inline=True)}{status}: {body}{link}\n"
    )
    return item + _outcome_lines(row, names)


def _outcome_lines(row: ExportRow, names: Directory) -> str:
    """Why it matters, who changed and how we know, under an item in Markdown."""
    lines = ""
    if row.slack_why:
        lines += f"  - _Why it matters:_ {to_markdown(row.slack_why, names, indent='    ')}\n"
    answers = [
        f"_Who changed:_ {WHO_CHANGED_WORDS[row.who_changed]}" if row.who_changed else "",
        f"_How we know:_ {HOW_WE_KNOW_WORDS[row.how_we_know]}" if row.how_we_know else "",
    ]
    if any(answers):
        lines += "  - " + " · ".join(a for a in answers if a) + "\n"
    return lines
