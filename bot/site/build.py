"""``kindness-bot publish`` and ``/kindness publish``: a static site of the stories whose
authors consented to share them beyond the network (``bot.sharing``).

What it holds: an index of the stories, newest first (in pages of ``PAGE_SIZE``); a page per
goal; a page per story; the commitment (the goals and the organisations endorsing them); the
network's chart with its words; an Atom feed; one stylesheet. Plain HTML and CSS from the
templates in this package: no script, nothing fetched from another host.

The same data builds the same bytes (no build time anywhere, every list sorted, the chart
drawn without a date), so a rebuild changes only what changed. The site is built into a new
folder beside ``out`` and swapped in once complete: a failure leaves the old site as it was.
A page whose bytes did not change is linked, not written again, so it keeps its time stamp
(what ``rsync`` and a static host compare). The marker file ``.kindness-site.json`` holds
every page's SHA-256: it tells a folder the bot built from one it must not overwrite, and
the next build what it added, changed and removed.

Stories are read a batch at a time and each page is written as soon as it is full, so memory
stays flat however large the log (bench/publish.py measures it).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup
from sqlalchemy import func, select

from bot.db import Database
from bot.endorsements import Endorsement, endorsements
from bot.errors import (
    BadBaseUrl,
    BadSiteTitle,
    OutputIsAFile,
    OutputNotOurs,
    OutputNotWritable,
)
from bot.goals import Framework
from bot.models import Entry, Member, Organisation, SiteBuild, Workspace
from bot.names import Directory
from bot.sharing import ANONYMOUS, NAMED
from bot.site import words
from bot.slack_text import NameLookup
from bot.weeks import local_date
from bot.words import HOW_WE_KNOW_WORDS, WHO_CHANGED_WORDS

MARKER = ".kindness-site.json"
PAGE_SIZE = 50
FEED_SIZE = 20
TITLE_LIMIT = 120
HEADING = 80
DEFAULT_TITLE = "Stories of kindness"
ANONYMOUS_AUTHOR = "A member of the network"
KIND_LABELS = {
    "story": "Story",
    "action": "Action",
    "reflection": "Reflection",
    "outcome": "A change we saw",
}
STATIC = ("style.css",)
_BATCH = 500
_ENTITY = re.compile(r"&(#\d+|#x[0-9a-fA-F]+|[A-Za-z]\w*);")  # &amp; &#60; &#x3c;
ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest a zip file can say: no build time in it


@dataclass
class SiteResult:
    """What a build made: the stories it holds, and its pages against the previous build's."""

    stories: int
    pages: dict[str, str]  # path → SHA-256 of its bytes
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    written: int = 0  # files whose bytes were written (the rest kept as they were)

    def summary(self) -> str:
        return (
            f"{self.stories} {'story' if self.stories == 1 else 'stories'}; "
            f"{len(self.added)} pages added, {len(self.changed)} changed, "
            f"{len(self.removed)} removed"
        )


def last_build(db: Database, team_id: str) -> dict[str, str]:
    """The pages of the workspace's last site built in Slack (``/kindness publish``)."""
    with db.reading() as session:
        pages = session.scalar(select(SiteBuild.pages).where(SiteBuild.team_id == team_id))
    return json.loads(pages) if pages else {}


def record_build(db: Database, team_id: str, result: SiteResult, now: datetime) -> None:
    """The site just handed over is the one the next build is compared with."""
    pages = json.dumps(dict(sorted(result.pages.items())))
    with db.session() as session:
        found = session.get(SiteBuild, team_id)
        if found is None:
            session.add(
                SiteBuild(team_id=team_id, pages=pages, stories=result.stories, built_at=now)
            )
        else:
            found.pages, found.stories, found.built_at = pages, result.stories, now


def zipped(root: Path, target: IO[bytes], folder: str = "site") -> None:
    """The site as a zip file, the same bytes for the same site: files in order, each with
    one fixed date and mode, under ``folder/``."""
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(f"{folder}/{path.relative_to(root).as_posix()}", ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, path.read_bytes())


def check_title(title: str | None) -> str:
    """A title is plain text: no markup, one line, at most ``TITLE_LIMIT`` characters."""
    if title is None:
        return DEFAULT_TITLE
    cleaned = " ".join(title.split())
    if not cleaned:
        raise BadSiteTitle(title, "is empty; give a few words, e.g. 'Stories of kindness'")
    if any(c in cleaned for c in "<>") or _ENTITY.search(cleaned):
        raise BadSiteTitle(title, "contains markup; give plain words, without < > or &…;")
    if len(cleaned) > TITLE_LIMIT:
        raise BadSiteTitle(
            title[:40] + "…", f"has {len(cleaned)} characters; the limit is {TITLE_LIMIT}"
        )
    return cleaned


def check_base_url(url: str | None) -> str | None:
    """The address the site will live at (absolute links in the feed), without a last ``/``."""
    if url is None or not url.strip():
        return None
    given = url.strip()
    parts = urlsplit(given)
    unsafe = any(c.isspace() or c in "<>\"'`\\{}|^" for c in given)
    if parts.scheme not in ("http", "https") or not parts.hostname or unsafe:
        raise BadBaseUrl(given)
    if parts.query or parts.fragment:
        raise BadBaseUrl(given)
    return given.rstrip("/")


# -- the output folder --------------------------------------------------------------------------


def previous_pages(out: Path) -> dict[str, str] | None:
    """The pages of the site the bot built in ``out`` (None when it built none there)."""
    try:
        marker = json.loads((out / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    pages = marker.get("pages") if isinstance(marker, dict) else None
    return dict(pages) if isinstance(pages, dict) else None


def check_output(out: Path, *, force: bool = False) -> None:
    """Refuse a file, a folder of someone else's files (unless ``force``), a place that
    cannot be written; before anything is built."""
    if out.exists() and not out.is_dir():
        raise OutputIsAFile(str(out))
    if out.is_dir() and not force and any(out.iterdir()) and previous_pages(out) is None:
        raise OutputNotOurs(str(out))
    parent = out.resolve().parent
    if not parent.is_dir():
        raise OutputNotWritable(str(out), f"{parent} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputNotWritable(str(out), f"{parent} is not writable")
    if out.is_dir() and not os.access(out, os.W_OK | os.X_OK):
        raise OutputNotWritable(str(out), f"{out} is not writable")


# -- reading the stories ------------------------------------------------------------------------


@dataclass(frozen=True)
class Story:
    id: int
    kind: str
    goal_key: str | None
    author: str
    text: str
    created: date
    created_at: datetime
    updated_at: datetime
    # Issue 18's evidence: why it matters (stories, outcomes), an outcome's who changed and
    # how we know (in words); the author's organisation, for a story shared with their name.
    why_it_matters: str | None = None
    who_changed: str | None = None
    how_we_know: str | None = None
    organisation: str | None = None


def _consented(team_id: str) -> tuple[Any, ...]:
    # Never a private entry, whatever a row says (consent is withdrawn when one is made private).
    return (
        Entry.team_id == team_id,
        Entry.share_consent.in_((NAMED, ANONYMOUS)),
        Entry.visibility.in_(("network", "anonymous")),
    )


def _stories(db: Database, team_id: str, tz: str, names: NameLookup | None) -> Iterator[Story]:
    """Consented stories, newest first, a batch at a time (plain rows: no ORM objects)."""
    query = (
        select(
            Entry.id,
            Entry.kind,
            Entry.goal_key,
            Entry.text,
            Entry.visibility,
            Entry.share_consent,
            Entry.user_id,
            Entry.created_at,
            Entry.updated_at,
            Entry.why_it_matters,
            Entry.who_changed,
            Entry.how_we_know,
            Member.display_name,
            Organisation.name,
        )
        .outerjoin(Member, (Member.team_id == Entry.team_id) & (Member.user_id == Entry.user_id))
        .outerjoin(Organisation, Organisation.id == Entry.organisation_id)
        .where(*_consented(team_id))
        .order_by(Entry.created_at.desc(), Entry.id.desc())
    )
    with db.reading() as session:
        rows = session.execute(query.execution_options(yield_per=_BATCH))
        for row in rows:
            named = row.share_consent == NAMED and row.visibility == "network"
            author = (row.display_name or _name(names, row.user_id)) if named else None
            why = row.why_it_matters
            yield Story(
                id=row.id,
                kind=row.kind,
                goal_key=row.goal_key,
                author=author or ANONYMOUS_AUTHOR,
                text=words.public_text(row.text, names),
                created=local_date(row.created_at, tz),
                created_at=row.created_at,
                updated_at=row.updated_at,
                why_it_matters=words.public_text(why, names) if why else None,
                who_changed=WHO_CHANGED_WORDS.get(row.who_changed or ""),
                how_we_know=HOW_WE_KNOW_WORDS.get(row.how_we_know or ""),
                # Never for an anonymous story: in a small organisation it names the author.
                organisation=row.name if named else None,
            )


def _name(names: NameLookup | None, user_id: str) -> str | None:
    return names.user(user_id) if names is not None else None


def _counts(db: Database, team_id: str) -> dict[str | None, int]:
    with db.reading() as session:
        rows = session.execute(
            select(Entry.goal_key, func.count())
            .where(*_consented(team_id))
            .group_by(Entry.goal_key)
        ).all()
    return {key: n for key, n in rows}


def _timezone(db: Database, team_id: str) -> str:
    with db.reading() as session:
        tz = session.scalar(select(Workspace.timezone).where(Workspace.team_id == team_id))
    return tz or "UTC"


# -- writing ------------------------------------------------------------------------------------


class _Writer:
    """Pages into the new folder: each hashed; one unchanged since the last build linked from
    the old folder instead of written again."""

    def __init__(self, root: Path, old_root: Path | None, old: dict[str, str]) -> None:
        self.root = root
        self.old_root = old_root
        self.old = old
        self.pages: dict[str, str] = {}
        self.written = 0
        self.folders: set[Path] = set()

    def put(self, path: str, content: bytes) -> None:
        digest = hashlib.sha256(content).hexdigest()
        self.pages[path] = digest
        target = self.root / path
        if target.parent not in self.folders:
            target.parent.mkdir(parents=True, exist_ok=True)
            self.folders.add(target.parent)
        if self.old_root is not None and self.old.get(path) == digest:
            source = self.old_root / path
            with contextlib.suppress(OSError):
                if source.stat().st_size == len(content):
                    os.link(source, target)
                    return
        target.write_bytes(content)
        self.written += 1


def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("bot.site", "templates"),
        autoescape=select_autoescape(("html", "xml")),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def build_site(
    db: Database,
    framework: Framework,
    team_id: str,
    out: Path,
    *,
    title: str | None = None,
    base_url: str | None = None,
    force: bool = False,
    names: NameLookup | None = None,
    endorsing: list[Endorsement] | None = None,
    previous: dict[str, str] | None = None,
) -> SiteResult:
    """Build the site into ``out`` (checked first, swapped in when complete).

    ``previous``: the last build's pages, to say what changed (default: the marker in
    ``out``, when the bot built it). ``endorsing``: default, the workspace's endorsements."""
    title = check_title(title)
    base_url = check_base_url(base_url)
    names = names if names is not None else Directory(db, team_id)  # names known to the bot
    check_output(out, force=force)
    found = previous_pages(out) if out.is_dir() else None
    old = previous if previous is not None else (found or {})
    parent = out.resolve().parent
    try:
        building = Path(tempfile.mkdtemp(prefix=f".{out.name}.building-", dir=parent))
    except OSError as error:
        raise OutputNotWritable(str(out), error.strerror or str(error)) from None
    try:
        writer = _Writer(building, out if found is not None else None, found or {})
        stories = _write_pages(
            writer,
            db,
            framework,
            team_id,
            title,
            base_url,
            names,
            endorsing if endorsing is not None else endorsements(db, team_id),
        )
        marker = {"generator": "kindness-bot", "pages": dict(sorted(writer.pages.items()))}
        (building / MARKER).write_text(json.dumps(marker, indent=1) + "\n", encoding="utf-8")
        _swap(building, out)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    pages = writer.pages
    return SiteResult(
        stories=stories,
        pages=pages,
        added=sorted(set(pages) - set(old)),
        changed=sorted(p for p in pages if p in old and old[p] != pages[p]),
        removed=sorted(set(old) - set(pages)),
        written=writer.written,
    )


def _swap(building: Path, out: Path) -> None:
    """The new folder in place of the old, the old one removed."""
    building.chmod(0o755)
    if not out.exists():
        building.rename(out)
        return
    aside = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=building.parent))
    aside.rmdir()
    out.rename(aside)
    try:
        building.rename(out)
    except OSError:
        aside.rename(out)  # put the old site back
        raise
    shutil.rmtree(aside, ignore_errors=True)


def _page_name(prefix: str, number: int) -> str:
    return f"{prefix}.html" if number == 1 else f"{prefix}-{number}.html"


def _write_pages(
    writer: _Writer,
    db: Database,
    framework: Framework,
    team_id: str,
    title: str,
    base_url: str | None,
    names: NameLookup | None,
    endorsements: list[Endorsement],
) -> int:
    env = _environment()
    tz = _timezone(db, team_id)
    counts = _counts(db, team_id)
    total = sum(counts.values())
    goals = [
        {
            "key": g.key,
            "number": g.number,
            "title": g.title,
            "summary": g.summary,
            "path": f"goals/{g.key}.html",
            "count": counts.get(g.key, 0),
        }
        for g in framework.goals
    ]
    goal_by_key = {g["key"]: g for g in goals}

    # The footer is the same on every page of a folder: drawn once per depth, not per page.
    footers: dict[int, Markup] = {}

    def render(template: str, path: str, **values: Any) -> None:
        depth = path.count("/")
        root = "../" * depth
        if depth not in footers:
            footer = env.get_template("_footer.html").render(root=root, goals=goals)
            footers[depth] = Markup(footer.rstrip("\n"))
        page = env.get_template(template).render(
            site_title=title,
            root=root,
            goals=goals,
            path=path,
            base_url=base_url,
            footer=footers[depth],
            **values,
        )
        writer.put(path, page.encode("utf-8"))

    def listed(story: Story) -> dict[str, Any]:
        return {
            "id": story.id,
            "heading": _heading(story),
            "kind": KIND_LABELS.get(story.kind, story.kind),
            "goal": goal_by_key.get(story.goal_key or ""),
            "author": story.author,
            "organisation": story.organisation,
            "date": story.created.isoformat(),
            "excerpt": words.excerpt(story.text),
            "path": f"stories/{story.id}.html",
        }

    chart = _chart(db, framework, team_id, tz, writer)

    # One pass over the stories, newest first: a page per story, and the index's and each
    # goal's listings written a page at a time as they fill up; the feed's newest.
    index = _Pager(
        render,
        "index.html",
        "index",
        total,
        lambda number, pages: {
            "chart": chart if number == 1 else None,
            "total": total,
            "page_title": "Stories" if number == 1 else f"Stories, page {number} of {pages}",
        },
    )
    by_goal = {
        g["key"]: _Pager(
            render,
            "goal.html",
            f"goals/{g['key']}",
            g["count"],
            lambda number, pages, g=g: {
                "goal": g,
                "page_title": f"Goal {g['number']}: {g['title']}"
                + ("" if number == 1 else f", page {number} of {pages}"),
            },
        )
        for g in goals
    }
    feed: list[dict[str, Any]] = []
    for story in _stories(db, team_id, tz, names):
        item = listed(story)
        render(
            "story.html",
            item["path"],
            story=item,
            paragraphs=words.paragraphs(story.text),
            why=words.paragraphs(story.why_it_matters or ""),
            who_changed=story.who_changed,
            how_we_know=story.how_we_know,
            goal=item["goal"],
            kind=item["kind"],
            page_title=item["heading"],
        )
        if len(feed) < FEED_SIZE:
            feed.append(
                {
                    **item,
                    "text": story.text,
                    "published": _instant(story.created_at),
                    "updated": _instant(story.updated_at),
                }
            )
        index.add(item)
        if story.goal_key in by_goal:
            by_goal[story.goal_key].add(item)
    for pager in (index, *by_goal.values()):
        pager.finish()

    render(
        "commitment.html",
        "commitment.html",
        framework_name=framework.name,
        endorsements=sorted(endorsements, key=lambda e: (e.name.casefold(), e.endorsed_on)),
        page_title="The commitment",
    )
    updated = max((item["updated"] for item in feed), default="1970-01-01T00:00:00Z")
    render("feed.xml", "feed.xml", entries=feed, updated=updated)
    for name in STATIC:
        from importlib.resources import files

        writer.put(name, files("bot.site").joinpath("static", name).read_bytes())
    return total


class _Pager:
    """A listing (the index, a goal) in pages of ``PAGE_SIZE``, newest first: each page
    rendered as soon as it is full, so a listing is never held whole."""

    def __init__(
        self,
        render: Any,
        template: str,
        prefix: str,
        count: int,
        values: Any,
    ) -> None:
        self.render = render
        self.template = template
        self.prefix = prefix
        self.pages = max(1, -(-count // PAGE_SIZE))
        self.values = values
        self.items: list[dict[str, Any]] = []
        self.number = 1

    def add(self, item: dict[str, Any]) -> None:
        self.items.append(item)
        if len(self.items) == PAGE_SIZE:
            self._flush()

    def finish(self) -> None:
        if self.items or self.number == 1:
            self._flush()

    def _flush(self) -> None:
        number, pages = self.number, self.pages
        name = self.prefix.rsplit("/", 1)[-1]  # links between pages stay in their folder
        self.render(
            self.template,
            _page_name(self.prefix, number),
            stories=self.items,
            number=number,
            pages_total=pages,
            previous_page=_page_name(name, number - 1) if number > 1 else None,
            next_page=_page_name(name, number + 1) if number < pages else None,
            **self.values(number, pages),
        )
        self.items, self.number = [], number + 1


def _heading(story: Story) -> str:
    """A story's title: its first words (its first line, at most ``HEADING`` characters)."""
    first = story.text.strip().splitlines()[0] if story.text.strip() else ""
    return words.excerpt(first, HEADING) or KIND_LABELS.get(story.kind, story.kind)


def _instant(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _chart(db: Database, framework: Framework, team_id: str, tz: str, writer: _Writer):
    """The network's chart (shared entries per goal, the 12 weeks up to its newest consented
    story — a date in the data, so the same data draws the same chart); None without
    matplotlib or stories."""
    from bot.report import charts
    from bot.report.weekly_chart import WEEKS, alt_text, title, weekly_chart_png
    from bot.summary import weekly_figures
    from bot.weeks import week_of, weeks_ending

    if not charts.available():
        return None
    with db.reading() as session:
        newest = session.scalar(select(func.max(Entry.created_at)).where(*_consented(team_id)))
    if newest is None:
        return None
    figures = weekly_figures(db, team_id, weeks_ending(week_of(newest, tz), WEEKS))
    writer.put("chart.png", weekly_chart_png(figures, framework))
    return {"path": "chart.png", "title": title(len(figures)), "alt": alt_text(figures, framework)}
