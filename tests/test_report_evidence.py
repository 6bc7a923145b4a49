"""The report that says how it knows: a summary, the stories the network chose, outcomes,
voices, actions followed through, and the method and its limits — in HTML, Markdown and PDF,
on SQLite and PostgreSQL."""

from __future__ import annotations

import gc
import io
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.learning_log import LearningLog
from bot.models import Entry, Organisation, SelectionCandidate, SelectionRound
from bot.names import Directory
from bot.organisations import get_or_create_organisation, set_member_organisation
from bot.pairs import PeerPairs
from bot.report import report_pdf, words, write_report
from bot.report.as_pdf import available as pdf_available
from bot.report.as_pdf import column_widths
from bot.report.evidence import build_evidence
from bot.report.figures import build_report, report_period
from bot.selection import record_choice

T1 = "T0001"
TZ = "Europe/London"
NOW = datetime(2026, 12, 10, 12, 0, tzinfo=UTC)
ANN, BEN, CAT, DEV, EVE = "UANN", "UBEN", "UCAT", "UDEV", "UEVE"
SECTIONS = [
    "Summary",
    "Most significant change",
    "Outcomes",
    "Voices",
    "Actions followed through",
    "Method and limitations",
]


def at(clock, day: int, month: int = 11) -> datetime:
    return clock.set(datetime(2026, month, day, 10, 0, tzinfo=UTC))


def _organisation(log: LearningLog, user: str, name: str, **where: str) -> None:
    with log.db.session() as session:
        organisation = get_or_create_organisation(session, T1, name, now=NOW)
        for key, value in where.items():
            setattr(organisation, key, value)
        set_member_organisation(session, T1, user, organisation, now=NOW)


@pytest.fixture
def network(learning_log: LearningLog, clock) -> LearningLog:
    """October (the period before) and November (the report), with organisations, outcomes,
    actions followed through and a closed round with the network's choice."""
    log = learning_log
    _organisation(log, ANN, "NHS Fife", sector="public", place="Scotland")
    _organisation(log, BEN, "Kind Trust", sector="voluntary", place="Wales")
    _organisation(log, CAT, "NHS Fife")
    _organisation(log, EVE, "Quiet Council", sector="public", place="Scotland")
    at(clock, 6, 10)
    log.add_entry(T1, EVE, "An October word from the council")
    at(clock, 3)
    story = log.add_entry(T1, ANN, "The night shift sat with the family", goal="relationships")
    log.add_entry(T1, BEN, "We changed how we greet visitors", goal="relationships")
    log.add_entry(T1, CAT, "Told without a name", visibility="anonymous")
    log.add_entry(T1, DEV, "My private journal", visibility="private")
    outcome = log.add_entry(
        T1, BEN, "The ward rota now protects breaks", kind="outcome", goal="relationships"
    )
    action = log.add_entry(T1, ANN, "Phone three families", kind="action", goal="relationships")
    log.add_entry(T1, BEN, "Write to the board", kind="action")
    with log.db.session() as session:
        found = session.get(Entry, outcome.entry.id)
        found.who_changed, found.how_we_know = "staff", "figures"
        found.why_it_matters = "Nurses who rest are kinder to patients."
        session.get(Entry, story.entry.id).why_it_matters = "The family felt seen."
    at(clock, 17)
    log.complete_action(T1, ANN, action.entry.id, "People opened up once it was their agenda")
    with log.db.session() as session:
        round_ = SelectionRound(
            team_id=T1,
            period="2026-10",
            starts_at=datetime(2026, 10, 1, tzinfo=UTC),
            ends_at=datetime(2026, 11, 1, tzinfo=UTC) + timedelta(hours=0),
            channel_id="CNET",
            message_ts="1.0",
            opened_at=NOW,
            closes_at=NOW,
            closed_at=NOW,
            created_at=NOW,
        )
        session.add(round_)
        session.flush()
        session.add(SelectionCandidate(round_id=round_.id, entry_id=story.entry.id, position=1))
    # The round judging November (its stories, voted on in December).
    with log.db.session() as session:
        session.get(SelectionRound, round_.id).period = "2026-11"
        session.get(SelectionRound, round_.id).starts_at = datetime(2026, 11, 1, tzinfo=UTC)
        session.get(SelectionRound, round_.id).ends_at = datetime(2026, 12, 1, tzinfo=UTC)
    record_choice(
        log.db,
        T1,
        "2026-11",
        story.entry.id,
        "It showed that time given is the kindest thing.",
        by_user="UCOORD",
        now=NOW,
    )
    return log


def _both(log: LearningLog, min_group: int = 0):
    period = report_period(TZ, NOW, since=date(2026, 11, 1), until=date(2026, 12, 1))
    report = build_report(log.db, log.framework, T1, period, now=NOW, min_group=min_group)
    return report, build_evidence(log.db, report)


def _written(log: LearningLog, fmt: str, min_group: int = 0) -> str:
    report, evidence = _both(log, min_group)
    out = io.StringIO()
    write_report(
        report,
        log.framework,
        fmt,
        out,
        names=Directory(log.db, T1),
        evidence=evidence,
        with_charts=False,
    )
    return out.getvalue()


def test_the_evidence_counts_what_a_board_asks(network: LearningLog) -> None:
    _, evidence = _both(network)
    [chosen] = evidence.chosen
    assert chosen.story.text == "The night shift sat with the family"
    assert chosen.story.organisation == "NHS Fife" and chosen.label == "November 2026"
    assert evidence.outcomes.total == 1
    assert evidence.outcomes.how_we_know == {"figures": 1}
    voices = evidence.voices
    # Cat's entry is anonymous: never counted for NHS Fife.
    assert [(v.name, v.members, v.entries) for v in voices.organisations] == [
        ("Kind Trust", 1, 3),
        ("NHS Fife", 1, 3),  # Ann's story, action and the reflection closing it
    ]
    assert voices.members_without_organisation == 0
    assert voices.went_silent == ["Quiet Council"]
    follow = evidence.follow_through
    assert (follow.committed, follow.done, follow.reflected) == (2, 1, 1)
    assert follow.median_days_to_done == pytest.approx(14)
    method = evidence.method
    assert (method.total, method.shared, method.private, method.anonymous) == (8, 7, 1, 1)
    assert sum(method.by_source.values()) == 8
    assert method.self_reported_share == pytest.approx(6 / 7)


def test_min_group_hides_every_small_voice_and_method_says_how_many(
    network: LearningLog,
) -> None:
    _, evidence = _both(network, min_group=2)
    assert all(v.members is None and v.entries is None for v in evidence.voices.organisations)
    assert evidence.method.hidden >= 4
    html = _written(network, "html", min_group=2)
    assert "hidden: fewer than 2 members" in html
    assert f"{evidence.method.hidden} figures were hidden in this report" in html


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_the_report_has_every_section_in_order_and_quotes_members(
    network: LearningLog, fmt: str
) -> None:
    text = _written(network, fmt)
    heading = "<h2>{}</h2>" if fmt == "html" else "## {}\n"
    places = [text.index(heading.format(title)) for title in [*SECTIONS, "Goal by goal"]]
    assert places[:-1] == sorted(places[:-1])
    assert places[-2] > places[-1] > places[1]  # the figures goal by goal before the method
    for said in (
        "The night shift sat with the family",
        "It showed that time given is the kindest thing.",
        "The family felt seen.",
        "The ward rota now protects breaks",
        "we have figures",
        "NHS Fife",
        "Quiet Council",
        "1 was private",
    ):
        assert said in text, said
    assert "My private journal" not in text
    assert "Told without a name" not in text or "a member" in text


def _pdf_or_skip() -> None:
    if not pdf_available() or shutil.which("pdftotext") is None:
        if os.environ.get("KINDNESS_REQUIRE_PDF"):
            pytest.fail("WeasyPrint with Pango, and poppler-utils, are required here")
        pytest.skip("the PDF needs WeasyPrint, Pango and poppler-utils")


def test_the_pdf_holds_the_same_report(network: LearningLog, tmp_path: Path) -> None:
    _pdf_or_skip()
    report, evidence = _both(network)
    content = report_pdf(
        report, network.framework, names=Directory(network.db, T1), evidence=evidence
    )
    assert content.startswith(b"%PDF-")
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = " ".join(text.split())
    for said in [*SECTIONS, "The night shift sat with the family", "Kind Trust", "Page 1 of"]:
        assert said in flat, said
    assert "My private journal" not in flat
    if os.environ.get("KINDNESS_KEEP_PDF_PAGE"):  # to look at a page by eye
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "60",
                "-f",
                "1",
                "-l",
                "2",
                str(pdf),
                os.environ["KINDNESS_KEEP_PDF_PAGE"],
            ],
            check=True,
        )


class _Words(HTMLParser):
    """The words a reader sees on an HTML page: its body's text (not its title, styles or
    image files), as runs of letters and digits."""

    def __init__(self) -> None:
        super().__init__()
        self.words: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self._hidden += tag in ("head", "style", "script")

    def handle_endtag(self, tag: str) -> None:
        self._hidden -= tag in ("head", "style", "script")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.words += re.findall(r"\w+", data)


def test_the_pdf_says_every_word_the_html_says(network: LearningLog, tmp_path: Path) -> None:
    """Every table, figure and sentence of the HTML report is in the PDF's text, as often as
    the HTML says it: a faster PDF that leaves out a table (the figures under a chart), a row
    or a quote fails here."""
    _pdf_or_skip()
    report, evidence = _both(network)
    names = Directory(network.db, T1)
    page = io.StringIO()
    write_report(report, network.framework, "html", page, names=names, evidence=evidence)
    html = _Words()
    html.feed(page.getvalue())
    assert len(html.words) > 300  # the page has something to compare
    assert "Week" in html.words and "committed" in html.words  # the charts' tables
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(report_pdf(report, network.framework, names=names, evidence=evidence))
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    missing = Counter(html.words) - Counter(re.findall(r"\w+", text))
    assert not missing, f"in the HTML, not in the PDF: {dict(missing)}"


def test_the_pdf_tables_keep_every_row_and_column_in_order(
    network: LearningLog, tmp_path: Path
) -> None:
    """The PDF lays its tables out with their columns' widths given (faster): each figure
    table under a chart still reads row by row, every cell in its column's order, each column
    as wide as its words (no cell wrapped onto a second line); the HTML report's tables are
    left to the browser."""
    _pdf_or_skip()
    report, evidence = _both(network)
    names = Directory(network.db, T1)
    page = io.StringIO()
    write_report(report, network.framework, "html", page, names=names, evidence=evidence)
    assert "table-layout" not in page.getvalue() and "<colgroup>" not in page.getvalue()
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(report_pdf(report, network.framework, names=names, evidence=evidence))
    layout = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    lines = [" ".join(line.split()) for line in layout.splitlines()]
    tables = [
        (chart.headers, chart.rows) for chart in words.report_charts(report, network.framework)
    ]
    assert len(tables) == 3 and all(len(rows) > 1 for _, rows in tables)
    at = 0
    for headers, rows in tables:
        for row in [headers, *rows]:
            said = " ".join(row)
            found = [n for n, line in enumerate(lines) if n >= at and line == said]
            assert found, f"not a line of the PDF (after line {at}): {said!r}"
            at = found[0] + 1


def test_a_table_too_wide_for_the_page_keeps_the_automatic_layout() -> None:
    """The PDF's column widths follow the widest words of each column, its bold header
    included; a table that would not fit the page is left to WeasyPrint, which wraps it."""
    small = column_widths(["Week", "members"], [["3 Nov", "9"]])
    big = column_widths(["Week", "members"], [["3 Nov", "9"], ["10 Nov", "1,234,567,890"]])
    assert small is not None and big is not None
    assert big[0] > small[0] and big[1] > small[1]
    long_name = (
        "The Regional Health and Social Care Partnership Board "
        "of the Northern and Western Isles, Fife and Kinross"
    )
    assert column_widths(["Organisation", "place"], [[long_name, "Fife"]]) is None
    assert column_widths(["Week", "members"], [["3 Nov", "9", "extra"]]) is None


DEJAVU = Path("/usr/share/fonts/truetype/dejavu")


@pytest.mark.parametrize(
    ("face", "bold"), [("DejaVuSans.ttf", False), ("DejaVuSans-Bold.ttf", True)]
)
def test_the_pdf_columns_are_measured_for_the_widest_sans_debian_sets(
    face: str, bold: bool
) -> None:
    """The PDF's column widths hold every character of ASCII, Latin-1 and Latin Extended-A
    (and the typographic quotes and dashes) at least as wide as DejaVu Sans sets it, its bold
    for a header: what the report's Arial or sans-serif becomes on a Debian machine with no
    more fonts than Chromium's (CI's own), and wider than Arial for every one of them. Measured
    with Arial's widths, "16 Nov" wrapped onto two lines there."""
    from fontTools.ttLib import TTFont  # WeasyPrint's own dependency

    from bot.report.as_pdf import BOLD, _char_em

    if not (DEJAVU / face).exists():
        if os.environ.get("KINDNESS_REQUIRE_PDF"):
            pytest.fail(f"Debian's fonts-dejavu-core is required here ({DEJAVU / face})")
        pytest.skip("DejaVu Sans is not installed")
    font = TTFont(DEJAVU / face)
    per_em, glyphs, advances = font["head"].unitsPerEm, font.getBestCmap(), font["hmtx"]
    characters = [chr(c) for c in [*range(0x20, 0x7F), *range(0xA0, 0x180)]] + list("‘’“”·–—…")
    widths = {
        char: (advances[glyphs[ord(char)]][0] / per_em, _char_em(char) * (BOLD if bold else 1))
        for char in characters
        if ord(char) in glyphs
    }
    assert len(widths) > 300
    assert {c: w for c, w in widths.items() if w[0] > w[1] + 1e-9} == {}  # (font, measure)


def test_the_pdf_gives_the_garbage_collector_back(
    network: LearningLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The PDF is laid out with Python's cycle collector paused (it is faster): afterwards the
    collector is as it was, also when the layout fails."""
    _pdf_or_skip()
    report, evidence = _both(network)
    names = Directory(network.db, T1)
    assert gc.isenabled()
    report_pdf(report, network.framework, names=names, evidence=evidence, with_charts=False)
    assert gc.isenabled()
    gc.disable()
    try:
        report_pdf(report, network.framework, names=names, evidence=evidence, with_charts=False)
        assert not gc.isenabled()  # left off, as the caller had it
    finally:
        gc.enable()
    import weasyprint

    def broken(*_: object, **__: object) -> bytes:
        raise RuntimeError("layout failed")

    monkeypatch.setattr(weasyprint.HTML, "write_pdf", broken)
    with pytest.raises(RuntimeError, match="layout failed"):
        report_pdf(report, network.framework, names=names, evidence=evidence, with_charts=False)
    assert gc.isenabled()


def test_the_cli_writes_a_pdf_or_says_clearly_what_is_missing(
    tmp_path: Path, network: LearningLog
) -> None:
    url = network.db.engine.url.render_as_string(hide_password=False)
    if not url.startswith("sqlite"):
        pytest.skip("one store is enough for the command line")
    env = {**os.environ, "DATABASE_URL": url}
    env.pop("SLACK_BOT_TOKEN", None)
    command = [sys.executable, "-m", "bot", "report", "--team", T1, "--offline"]
    command += ["--since", "2026-11-01", "--until", "2026-11-30"]
    # WeasyPrint without its Pango fails to import with an OSError, as here.
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "weasyprint.py").write_text("raise OSError(\"cannot load library 'libpango'\")\n")
    missing = subprocess.run(
        [*command, "-o", str(tmp_path / "r.pdf")],
        env={**env, "PYTHONPATH": str(broken)},
        capture_output=True,
        text=True,
    )
    assert missing.returncode == 2
    assert "the PDF cannot be made here" in missing.stderr
    assert "libpango-1.0-0" in missing.stderr and "Traceback" not in missing.stderr
    assert not (tmp_path / "r.pdf").exists()
    _pdf_or_skip()
    made = subprocess.run(
        [*command, "--format", "pdf", "-o", str(tmp_path / "ok.pdf")],
        env=env,
        capture_output=True,
        text=True,
    )
    assert made.returncode == 0, made.stderr
    assert (tmp_path / "ok.pdf").read_bytes().startswith(b"%PDF-")
    # One line, not WeasyPrint's steps page by page.
    assert made.stderr.strip().splitlines() == [
        f"Wrote the impact report (pdf) for {T1} to {tmp_path / 'ok.pdf'}"
    ]


def test_an_organisation_of_an_anonymous_entry_is_never_shown(network: LearningLog) -> None:
    with network.db.reading() as session:
        fife = session.query(Organisation).filter_by(name="NHS Fife").one()
    html = _written(network, "html")
    anonymous_line = (
        html[html.index("Told without a name") :] if "Told without a name" in html else ""
    )
    assert fife.name not in anonymous_line[:300]


def test_an_organisations_name_is_written_as_words_in_every_format(network: LearningLog) -> None:
    with network.db.session() as session:
        session.query(Organisation).filter_by(name="Quiet Council").one().name = "**Loud** <b>"
    html, markdown = _written(network, "html"), _written(network, "md")
    assert "**Loud** &lt;b&gt;" in html and "<strong>Loud</strong>" not in html
    assert "\\*\\*Loud\\*\\*" in markdown


def _generated(log: LearningLog, seed: int) -> None:
    """A few hundred entries of every kind, visibility, source and organisation over October
    and November, with half-day times to done, reflections closing actions and outcomes of
    every merit: what the evidence statement counts, drawn at random."""
    rng = random.Random(seed)
    with log.db.session() as session:
        organisations = [o.id for o in session.scalars(select(Organisation))]
        actions: list[Entry] = []
        for _ in range(400):
            created = datetime(2026, 10, 1, tzinfo=UTC) + timedelta(hours=rng.randrange(61 * 24))
            kind = rng.choice(("story", "action", "reflection", "outcome"))
            entry = Entry(
                team_id=T1,
                user_id=f"UGEN{rng.randrange(12):02d}",
                kind=kind,
                goal_key=rng.choice([None, "relationships", "purpose", "evidence"]),
                text="words " * rng.randrange(1, 30),
                visibility=rng.choice(("network", "network", "anonymous", "private")),
                source=rng.choice(("slash", "modal", "thread", "shortcut", "pair")),
                organisation_id=rng.choice([None, *organisations]),
                logged_by=rng.choice([None, None, None, "UCOORD"]),
                created_at=created,
                updated_at=created,
            )
            if kind == "outcome":
                entry.who_changed = rng.choice([None, "staff", "people", "system"])
                entry.how_we_know = rng.choice([None, "seen", "told", "figures"])
                entry.why_it_matters = rng.choice([None, "", "It mattered."])
            if kind == "action":
                entry.action_status = rng.choice(("open", "done", "done", "dropped"))
                if entry.action_status == "done":
                    entry.completed_at = created + timedelta(hours=12 * rng.randrange(1, 60))
                actions.append(entry)
            if kind == "reflection" and actions and rng.random() < 0.6:
                closed = rng.choice(actions)
                session.flush()
                entry.reflection_of_id = closed.id
            session.add(entry)


def _counted_in_python(log: LearningLog, period) -> dict:
    """The evidence's counts, the slow way: every entry read, counted in Python."""
    with log.db.reading() as session:
        everything = list(session.scalars(select(Entry).where(Entry.team_id == T1)))
        names = {o.id: o.name for o in session.scalars(select(Organisation))}
    by_id = {e.id: e for e in everything}

    def within(moment: datetime, start: datetime, end: datetime) -> bool:
        return start <= moment < end

    period_entries = [e for e in everything if within(e.created_at, period.start, period.end)]
    shared = [e for e in period_entries if e.visibility != "private"]
    outcomes = [e for e in shared if e.kind == "outcome"]
    actions = [e for e in shared if e.kind == "action"]
    done = sorted(
        (e.completed_at - e.created_at).total_seconds() / 86400
        for e in actions
        if e.action_status == "done" and e.completed_at < period.end
    )

    def merit(e: Entry) -> tuple:
        backed = {"figures": 4, "told": 2}.get(e.how_we_know or "", 0)
        return (backed + (1 if e.why_it_matters else 0), len(e.text), e.id)

    best: dict = {}
    for e in sorted(outcomes, key=merit, reverse=True):
        if len(best.setdefault(e.goal_key, [])) < 5:
            best[e.goal_key].append(e.id)
    members: dict = {}
    entries: Counter = Counter()
    for e in shared:
        if e.visibility == "network" and e.organisation_id is not None:
            members.setdefault(names[e.organisation_id], set()).add(e.user_id)
            entries[names[e.organisation_id]] += 1
    heard_before = {
        names[e.organisation_id]
        for e in everything
        if e.visibility == "network"
        and e.organisation_id is not None
        and within(e.created_at, *period.previous)
    }
    reflected = {
        e.reflection_of_id
        for e in shared
        if e.kind == "reflection"
        and e.reflection_of_id in by_id
        and by_id[e.reflection_of_id] in actions
    }
    return {
        "by_source": Counter(e.source for e in period_entries),
        "private": sum(e.visibility == "private" for e in period_entries),
        "logged_for_members": sum(e.logged_by is not None for e in shared),
        "who_changed": Counter(e.who_changed for e in outcomes),
        "how_we_know": Counter(e.how_we_know for e in outcomes),
        "quoted": {goal: ids for goal, ids in best.items()},
        "follow_through": (
            len(actions),
            len(done),
            sum(e.action_status == "dropped" for e in actions),
            len(reflected),
            statistics.median(done) if done else None,
        ),
        "organisations": {name: (len(people), entries[name]) for name, people in members.items()},
        "went_silent": sorted(heard_before - set(members), key=str.lower),
    }


@pytest.mark.parametrize("seed", [1, 2])
def test_the_evidence_counts_every_entry_once_as_reading_them_all_would(
    network: LearningLog, seed: int
) -> None:
    """The evidence is counted by the statement that reads the period for the figures too:
    on a generated log its every count equals counting the entries one by one in Python."""
    _generated(network, seed)
    report, evidence = _both(network)
    expected = _counted_in_python(network, report.period)
    assert len(expected["quoted"]) > 2 and expected["follow_through"][1] > 5  # not vacuous
    method = evidence.method
    assert method.by_source == dict(expected["by_source"])
    assert (method.private, method.logged_for_members) == (
        expected["private"],
        expected["logged_for_members"],
    )
    assert all(type(n) is int for n in (*method.by_source.values(), method.total))
    assert evidence.outcomes.who_changed == expected["who_changed"]
    assert evidence.outcomes.how_we_know == expected["how_we_know"]
    quoted = {goal: [q.id for q in quotes] for goal, quotes in evidence.outcomes.quoted.items()}
    assert quoted == expected["quoted"]  # the best evidenced first
    follow = evidence.follow_through
    # The median days to done to the last digit (half days: a median of x.5 is not rounded).
    assert (
        follow.committed,
        follow.done,
        follow.dropped,
        follow.reflected,
        follow.median_days_to_done,
    ) == expected["follow_through"]
    voices = {v.name: (v.members, v.entries) for v in evidence.voices.organisations}
    assert voices == expected["organisations"]
    assert evidence.voices.went_silent == expected["went_silent"]


@pytest.mark.parametrize("seed", [1, 2])
def test_the_reports_actions_from_peer_pairs_are_every_entry_logged_from_a_pair_in_it(
    network: LearningLog, seed: int
) -> None:
    """*Peer pairs*' "actions logged" is counted with the rest of the period (not read again):
    every entry logged from a pair in the period, private ones included, as counting them one
    by one finds, and as Peer pairs counts them on its own (``/kindness stats``)."""
    _generated(network, seed)
    report, _evidence = _both(network)
    expected = _counted_in_python(network, report.period)["by_source"]["pair"]
    assert expected > 5  # not vacuous
    assert report.pairs.actions == expected
    alone = PeerPairs(network.db, clock=lambda: NOW).figures(
        T1, report.period.start, report.period.end
    )
    assert alone.actions == expected
