"""The files a coordinator asks for in Slack — the learning log export and the impact report —
made by the same writers, with the same rules, as ``kindness-bot export`` and
``kindness-bot report``: private entries never, anonymous ones without a name, members' words
as they wrote them, CSV cells a spreadsheet cannot run.

One difference, on purpose: a CSV file made for Slack starts with a UTF-8 byte-order mark.
A coordinator opens it by double-clicking, and Excel reads a CSV without one in the
computer's legacy code page ("café" becomes "cafÃ©"); every CSV reader that knows UTF-8
skips the mark (Python: ``encoding="utf-8-sig"``). The command line writes to a pipe, where
a mark would only get in the way, so it writes none.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import IO, TextIO

from bot.db import Database
from bot.errors import GivenTwice, UnknownOption
from bot.export import BYTE_ORDER_MARK, Period, write_export
from bot.goals import Framework
from bot.names import Directory
from bot.periods import PeriodWords, When
from bot.report import report_pdf, write_report
from bot.report.evidence import build_evidence
from bot.report.figures import ReportPeriod, build_report
from bot.site.build import SiteResult
from bot.weeks import local_date, local_date_before

EXPORT = "export"
REPORT = "report"
SITE = "site"
# A file larger than this is written to a temporary file on disk rather than kept in memory
# (the export of a large log can run to hundreds of megabytes).
IN_MEMORY = 16 * 1024 * 1024


@dataclass(frozen=True)
class CoordinatorFile:
    """A file ready to hand over: its name, its content (a binary file, rewound; close it when
    done), and what it holds."""

    kind: str  # EXPORT or REPORT
    fmt: str  # csv, json, md (exports); html, md, pdf (reports)
    filename: str
    content: IO[bytes]
    entries: int  # shared entries in the file (an export) or in the period (a report)
    first_day: date | None  # the period, in the workspace's local days (None: open)
    last_day: date | None
    # What changed since the last one (the published site), and what to do once it is
    # delivered (remember the site as the last one built).
    changes: str | None = None
    delivered: Callable[[], None] | None = None


@dataclass(frozen=True)
class FileRequest:
    """What ``/kindness export …`` or ``report …`` asked for."""

    fmt: str
    since: When | None = None
    until: When | None = None


def read_request(args: str, formats: tuple[str, ...], default: str) -> FileRequest:
    """``md since 2026-09-01 until 2026-11-30`` — a format and the period, in any order; a
    date without ``since``/``until`` is the start, a second one the end (``bot.periods``)."""
    fmt: str | None = None
    period = PeriodWords(instants=True, bare_dates=True)
    words = args.split()
    while words:
        if period.take(words):
            continue
        word = words.pop(0)
        lowered = word.lower()
        if lowered not in formats:
            raise UnknownOption(word, list(formats), what="format")
        if fmt is not None and fmt != lowered:
            raise GivenTwice("format", fmt, lowered)
        fmt = lowered
    period.check()
    return FileRequest(fmt or default, period.since, period.until)


def file_facts(made: CoordinatorFile) -> dict[str, object]:
    """What the audit trail records of a file handed over (``bot.audit``)."""
    return {
        "format": made.fmt,
        "entries": made.entries,
        "from": made.first_day.isoformat() if made.first_day else "start",
        "to": made.last_day.isoformat() if made.last_day else "now",
    }


def _written(write: Callable[[TextIO], int]) -> tuple[IO[bytes], int]:
    """Whatever ``write`` writes, as UTF-8 in a rewound binary file; and what it returned."""
    # Handed over open: the caller uploads it, then closes it.
    content = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY, mode="w+b")  # noqa: SIM115
    text = io.TextIOWrapper(content, encoding="utf-8", newline="")
    try:
        result = write(text)
        text.flush()
        text.detach()  # leaves ``content`` open
    except BaseException:
        content.close()
        raise
    content.seek(0)
    return content, result


def export_days(period: Period, tz: str) -> tuple[date | None, date | None]:
    """The local days an export's period covers (None where it is open)."""
    first = local_date(period.since, tz) if period.since else None
    last = local_date_before(period.until, tz) if period.until else None
    return first, last


def make_export(
    db: Database,
    framework: Framework,
    team_id: str,
    fmt: str,
    period: Period,
    *,
    now: datetime,
    tz: str,
    names: Directory,
) -> CoordinatorFile:
    def write(out: TextIO) -> int:
        if fmt == "csv":
            out.write(BYTE_ORDER_MARK)
        return write_export(
            db, framework, team_id, fmt, out, period=period, now=now, tz=tz, names=names
        )

    content, count = _written(write)
    first, last = export_days(period, tz)
    made = local_date(now, tz)
    span = f"{first or 'start'}-to-{last or made}"
    return CoordinatorFile(
        kind=EXPORT,
        fmt=fmt,
        filename=f"kindness-log-{span}.{fmt}",
        content=content,
        entries=count,
        first_day=first,
        last_day=last,
    )


def make_report(
    db: Database,
    framework: Framework,
    team_id: str,
    fmt: str,
    period: ReportPeriod,
    *,
    now: datetime,
    min_group: int,
    names: Directory,
) -> CoordinatorFile:
    report = build_report(db, framework, team_id, period, now=now, min_group=min_group)
    evidence = build_evidence(db, report)
    if fmt == "pdf":
        content: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY, mode="w+b")  # noqa: SIM115
        content.write(report_pdf(report, framework, names=names, evidence=evidence))
        content.seek(0)
    else:

        def write(out: TextIO) -> int:
            write_report(report, framework, fmt, out, names=names, evidence=evidence)
            return 0

        content, _ = _written(write)
    first, last = period.first_day, period.last_day
    value = report.headline.entries.value
    return CoordinatorFile(
        kind=REPORT,
        fmt=fmt,
        filename=f"kindness-report-{first}-to-{last}.{fmt}",
        content=content,
        entries=int(value or 0),
        first_day=first,
        last_day=last,
    )


def make_site(
    db: Database, framework: Framework, team_id: str, *, now: datetime, names: Directory
) -> CoordinatorFile:
    """The published site as a zip, compared with the last one handed over in Slack."""
    from bot.site.build import build_site, last_build, record_build, zipped

    previous = last_build(db, team_id)
    with tempfile.TemporaryDirectory(prefix="kindness-site-") as folder:
        out = Path(folder) / "site"
        result = build_site(db, framework, team_id, out, names=names, previous=previous)
        content = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY, mode="w+b")  # noqa: SIM115
        zipped(out, content)
    content.seek(0)
    return CoordinatorFile(
        kind=SITE,
        fmt="zip",
        filename="kindness-site.zip",
        content=content,
        entries=result.stories,
        first_day=None,
        last_day=None,
        changes=site_changes(result, first=not previous),
        delivered=lambda: record_build(db, team_id, result, now),
    )


def site_changes(result: SiteResult, *, first: bool) -> str:
    """``Since the last build: 1 story added, 1 removed (#12); 3 other pages changed.``"""
    if first:
        return "The first site built here."

    def stories(paths: list[str]) -> list[str]:
        return [p for p in paths if p.startswith("stories/")]

    added, removed = stories(result.added), stories(result.removed)
    others = len(result.added) + len(result.changed) + len(result.removed) - len(added)
    others -= len(removed)
    if not (added or removed or result.changed or others):
        return "Nothing changed since the last build."
    parts = []
    if added:
        parts.append(f"{len(added)} {'story' if len(added) == 1 else 'stories'} added")
    if removed:
        numbers = ", ".join("#" + p.removeprefix("stories/").removesuffix(".html") for p in removed)
        parts.append(f"{len(removed)} removed ({numbers})")
    changed = len(stories(result.changed))
    if changed:
        parts.append(f"{changed} changed")
    text = "Since the last build: " + (", ".join(parts) if parts else "no story added or removed")
    return text + f"; {others} other {'page' if others == 1 else 'pages'} changed."
