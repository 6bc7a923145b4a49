"""A member's own journal: their entries over a range, and all of them as a file.

``/kindness mine [since DATE] [until DATE] [goal]`` pages through the member's entries, newest
first, private ones included — nobody else's, ever. ``/kindness mine export [csv|json|md]``
is the "download my data" that pairs with ``forget-me``: every entry of the member's, private
ones included, with what the bot stored about each.

Decisions:
- Dates are the member's local dates (their Slack time zone, else the workspace's); ``until``
  is inclusive (``until 2026-11-30`` includes that day). ``since`` after ``until`` is refused
  rather than silently swapped.
- The words may come in any order (``mine g3 since 2026-09-01``); a word that is none of them
  is refused with the list of what is understood.
- The export's default format is CSV (opens in any spreadsheet); JSON keeps every field typed;
  Markdown reads as a journal, oldest first, month by month.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from bot.db import Database
from bot.errors import GivenTwice, UnknownGoal, UnknownOption
from bot.goals import Framework
from bot.learning_log import EntryView
from bot.members import member_zone
from bot.models import Entry
from bot.periods import PeriodWords
from bot.weeks import Clock, local_midnight
from bot.words import count

PAGE_SIZE = 10
EXPORT_FORMATS = ("csv", "json", "md")
EXPORT_FIELDS = (
    "id",
    "created_at",
    "kind",
    "goal_number",
    "goal_key",
    "goal_title",
    "visibility",
    "text",
    "why_it_matters",
    "who_changed",
    "how_we_know",
    "action_status",
    "completed_at",
    "reflection_of",
    "source",
    "permalink",
    "logged_by",
)
_GOAL_NUMBER = re.compile(r"^g?\d{1,2}$")
_KIND_TITLES = {
    "story": "Story",
    "action": "Action",
    "reflection": "Reflection",
    "outcome": "Outcome",
}


@dataclass(frozen=True)
class MineRequest:
    """What followed ``/kindness mine``."""

    since: date | None = None
    until: date | None = None
    goal_key: str | None = None
    export: str | None = None  # a format when the member asked for the file

    @property
    def is_range(self) -> bool:
        return self.since is not None or self.until is not None or self.goal_key is not None


@dataclass(frozen=True)
class JournalPage:
    entries: list[EntryView]
    total: int  # entries in the whole range
    offset: int
    since: date | None
    until: date | None
    goal_key: str | None

    @property
    def has_more(self) -> bool:
        return self.offset + len(self.entries) < self.total


@dataclass(frozen=True)
class MyExport:
    filename: str
    content: bytes
    count: int
    fmt: str


def parse_mine(args: str, framework: Framework) -> MineRequest:
    """``since DATE``, ``until DATE``, a goal (``g3`` or its key) in any order; or ``export
    [csv|json|md]``. Each mistake is its own error, so the answer says exactly what to fix."""
    words = args.split()
    if words and words[0].lower() == "export":
        fmt = words[1].lower() if len(words) > 1 else "csv"
        if fmt not in EXPORT_FORMATS or len(words) > 2:
            raise UnknownOption(" ".join(words[1:]), list(EXPORT_FORMATS), what="format")
        return MineRequest(export=fmt)
    # A later since/until replaces an earlier one here, as it always has.
    period = PeriodWords(later_replaces=True)
    goal_key = goal_word = None
    while words:
        if period.take(words):
            continue
        word = words.pop(0)
        goal = framework.resolve(word.lower())
        if goal is None and _GOAL_NUMBER.match(word.lower()):
            raise UnknownGoal(word, framework.references())
        if goal is None:  # not a word of the grammar
            raise UnknownOption(word, ["since", "until", *framework.references(), "export"])
        if goal_key is not None:
            raise GivenTwice("goal", goal_word, word)
        goal_key, goal_word = goal.key, word
    period.check()
    return MineRequest(since=period.since, until=period.until, goal_key=goal_key)


class Journal:
    def __init__(self, db: Database, framework: Framework, *, clock: Clock) -> None:
        self.db = db
        self.framework = framework
        self.clock = clock

    def page(
        self,
        team_id: str,
        user_id: str,
        request: MineRequest,
        *,
        offset: int = 0,
        limit: int = PAGE_SIZE,
    ) -> JournalPage:
        """The member's own entries in the range, newest first (``limit`` from ``offset``)."""
        with self.db.reading() as session:
            zone = member_zone(session, team_id, user_id)
            conditions = [Entry.team_id == team_id, Entry.user_id == user_id]
            if request.since is not None:
                conditions.append(Entry.created_at >= local_midnight(request.since, zone))
            if request.until is not None:
                conditions.append(
                    Entry.created_at < local_midnight(request.until + timedelta(days=1), zone)
                )
            if request.goal_key is not None:
                conditions.append(Entry.goal_key == request.goal_key)
            total = session.scalar(select(func.count()).where(*conditions)) or 0
            rows = session.scalars(
                select(Entry)
                .where(*conditions)
                .order_by(Entry.created_at.desc(), Entry.id.desc())
                .offset(offset)
                .limit(limit)
            ).all()
            entries = [EntryView.of(entry, user_id) for entry in rows]
        return JournalPage(entries, total, offset, request.since, request.until, request.goal_key)

    def export(self, team_id: str, user_id: str, fmt: str = "csv") -> MyExport:
        """Every entry of the member's, private ones included, as a file in ``fmt``."""
        if fmt not in EXPORT_FORMATS:
            raise UnknownOption(fmt, list(EXPORT_FORMATS), what="format")
        now = self.clock()
        with self.db.reading() as session:
            rows = [
                self._row(entry)
                for entry in session.scalars(
                    select(Entry)
                    .where(Entry.team_id == team_id, Entry.user_id == user_id)
                    .order_by(Entry.created_at, Entry.id)
                )
            ]
        out = io.StringIO()
        if fmt == "csv":
            writer = csv.DictWriter(out, fieldnames=EXPORT_FIELDS, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
        elif fmt == "json":
            document = {
                "member": user_id,
                "team_id": team_id,
                "exported_at": now.isoformat(),
                "framework": self.framework.name,
                "entries": rows,
            }
            json.dump(document, out, ensure_ascii=False, indent=2)
            out.write("\n")
        else:
            _write_markdown(rows, out, self.framework, now)
        filename = f"my-learning-log-{now:%Y-%m-%d}.{fmt}"
        return MyExport(filename, out.getvalue().encode("utf-8"), len(rows), fmt)

    def _row(self, entry: Entry) -> dict[str, object]:
        goal = self.framework.get(entry.goal_key) if entry.goal_key else None
        return {
            "id": entry.id,
            "created_at": entry.created_at.isoformat(),
            "kind": entry.kind,
            "goal_number": goal.number if goal else None,
            "goal_key": entry.goal_key,
            "goal_title": goal.title if goal else None,
            "visibility": entry.visibility,
            "text": entry.text,
            "why_it_matters": entry.why_it_matters,
            "who_changed": entry.who_changed,
            "how_we_know": entry.how_we_know,
            "action_status": entry.action_status,
            "completed_at": entry.completed_at.isoformat() if entry.completed_at else None,
            "reflection_of": entry.reflection_of_id,
            "source": entry.source,
            "permalink": entry.permalink,
            "logged_by": entry.logged_by,
        }


def _write_markdown(
    rows: list[dict[str, object]], out: io.StringIO, framework: Framework, now: datetime
) -> None:
    out.write("# My learning log\n\n")
    out.write(
        f"{count(len(rows), 'entry')}, private ones included · "
        f"{framework.name} · exported {now:%Y-%m-%d %H:%M} UTC.\n"
    )
    month = None
    for row in rows:
        created = str(row["created_at"])
        if created[:7] != month:
            month = created[:7]
            out.write(f"\n## {datetime.fromisoformat(created):%B %Y}\n\n")
        goal = (
            f"g{row['goal_number']} {row['goal_title']}"
            if row["goal_number"]
            else str(row["goal_key"] or "no goal")
        )
        extras = [str(row["visibility"])]
        if row["kind"] == "action":
            extras.append(str(row["action_status"] or "open"))
        if row["logged_by"]:
            extras.append(f"logged by {row['logged_by']}")
        body = str(row["text"]).replace("\n", "\n  ")
        out.write(
            f"- **{created[:10]}** · #{row['id']} {_KIND_TITLES[str(row['kind'])]} · {goal} "
            f"_({', '.join(extras)})_: {body}\n"
        )
        if row["why_it_matters"]:
            why = str(row["why_it_matters"]).replace("\n", "\n    ")
            out.write(f"  - _Why it matters:_ {why}\n")
