"""The impact report: figures against the period before, charts, goal by goal, privacy."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime

import pytest

from bot.errors import EmptyPeriod
from bot.learning_log import LearningLog
from bot.names import Directory
from bot.report import charts, write_report
from bot.report.figures import ImpactReport, build_report, report_period

T1 = "T0001"
TZ = "Europe/London"
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)  # a Friday


def at(clock, day: int, month: int = 11) -> None:
    clock.set(datetime(2026, month, day, 10, 0, tzinfo=UTC))


@pytest.fixture
def network(learning_log: LearningLog, clock) -> LearningLog:
    """Two periods of four weeks: 5–30 Oct (before) and 2–27 Nov (the report)."""
    log = learning_log
    at(clock, 6, 10)
    log.add_entry(T1, "UANN", "An October story", goal="g1")
    early = log.add_entry(T1, "UBEN", "October action", kind="action", goal="g3")
    at(clock, 3)
    log.add_entry(T1, "UANN", "Tea &amp; cake for the night shift", goal="g3")
    log.add_entry(T1, "UCAT", "Told without a name", goal="g3", visibility="anonymous")
    log.add_entry(T1, "UDEV", "My private journal", goal="g3", visibility="private")
    action = log.add_entry(T1, "UEVE", "Phone three families", kind="action", goal="g3")
    log.add_entry(T1, "UFAY", "A first word from Fay", goal="g2")
    at(clock, 17)
    log.complete_action(T1, "UEVE", action.entry.id, "People opened up once it was their agenda")
    log.complete_action(T1, "UBEN", early.entry.id)
    at(clock, 24)
    log.add_entry(T1, "UANN", "Another g3 story, with <https://example.org|a link>", goal="g3")
    return log


def _report(log: LearningLog, min_group: int = 0) -> ImpactReport:
    period = report_period(TZ, NOW, since=date(2026, 11, 2), until=date(2026, 11, 29))
    return build_report(log.db, log.framework, T1, period, now=NOW, min_group=min_group)


def test_the_default_period_is_the_last_twelve_weeks_up_to_now() -> None:
    period = report_period(TZ, NOW)
    assert period.first_day == date(2026, 9, 7) and period.end == NOW
    assert len(period.buckets) == 12 and period.unit == "week"
    assert period.previous == (period.start - (NOW - period.start), period.start)


def test_a_long_period_is_drawn_month_by_month_and_an_empty_one_is_refused() -> None:
    year = report_period(TZ, NOW, since=date(2024, 1, 1), until=date(2025, 12, 31))
    assert year.unit == "month" and len(year.buckets) == 24
    with pytest.raises(EmptyPeriod, match="give a start before the end"):
        report_period(TZ, NOW, since=date(2026, 11, 5), until=date(2026, 11, 1))


def test_headline_figures_are_compared_with_the_period_before(network: LearningLog) -> None:
    headline = _report(network).headline
    assert (headline.entries.value, headline.entries.previous) == (6, 2)  # private not counted
    # Ann, Cat, Eve, Fay shared; Ben and Eve completed: five members.
    assert (headline.members.value, headline.members.previous) == (5, 2)
    assert headline.new_voices.value == 3  # Cat, Eve, Fay: Ann spoke in October
    assert (headline.actions_committed.value, headline.actions_completed.value) == (1, 2)
    assert headline.median_days_to_complete.value == pytest.approx((14 + 42) / 2)


def test_goals_carry_figures_highlights_lessons_and_quiet_goals(network: LearningLog) -> None:
    report = _report(network)
    g3 = next(g for g in report.goals if g.key == "relationships")
    assert (g3.entries.value, g3.entries.previous) == (5, 1)
    assert g3.by_kind == {"story": 3, "action": 1, "reflection": 1, "outcome": 0}
    assert g3.weekly == [3, 0, 1, 1]  # the reflection came on the 17th, the story on the 24th
    texts = [h.text for h in g3.highlights]
    assert "My private journal" not in texts
    assert texts[0].startswith("Another g3 story")  # fuller text first
    assert [(lesson.action.text, lesson.reflection.text) for lesson in g3.lessons] == [
        ("Phone three families", "People opened up once it was their agenda")
    ]
    assert [g.key for g in report.quiet_goals] == ["purpose", "systems", "sustain", "evidence"]


def test_min_group_hides_per_goal_figures_drawn_from_few_members(network: LearningLog) -> None:
    report = _report(network, min_group=3)
    g3 = next(g for g in report.goals if g.key == "relationships")
    g2 = next(g for g in report.goals if g.key == "leadership")
    assert not g3.entries.hidden  # Ann, Cat, Eve
    assert g2.entries.hidden and g2.members.hidden  # Fay alone
    assert g3.actions_committed.hidden  # one member committed it
    assert g3.weekly == [3, 0, None, None]  # each week's cell counts its own members
    assert report.hidden_per_bucket == [1, 0, 1, 1]
    assert report.headline.entries.value == 6  # network-wide figures stay

    out = io.StringIO()
    write_report(report, network.framework, "md", out, names=Directory(network.db, T1))
    text = out.getvalue()
    assert "hidden: fewer than 3 members" in text
    assert "A first word from Fay" in text  # an entry she shared is still hers to show


def test_the_html_report_is_one_file_that_opens_offline(network: LearningLog) -> None:
    out = io.StringIO()
    write_report(_report(network), network.framework, "html", out, names=_names(network))
    page = out.getvalue()
    assert page.startswith("<!DOCTYPE html>") and "<script" not in page
    # Nothing is fetched from elsewhere: every picture is inside the page.
    assert not re.search(r'(src|href)="(?!data:|https://example\.org|#)', page)
    assert page.count('<img src="data:image/svg+xml;base64,') == 3
    assert "@media print" in page
    assert "Tea &amp; cake for the night shift" in page  # the member's words, escaped once
    assert '<a href="https://example.org">a link</a>' in page
    assert "Ann Smith" in page and "a member" in page and "My private journal" not in page
    assert "What we did → what we learnt" in page
    assert "Goals that went quiet" in page and "Rethink the systems" in page


def test_without_the_chart_library_the_report_keeps_every_figure_as_tables(
    network: LearningLog,
) -> None:
    out = io.StringIO()
    report = _report(network)
    write_report(report, network.framework, "html", out, names=_names(network), with_charts=False)
    page = out.getvalue()
    assert "<img" not in page and "pip install 'kindness-bot[charts]'" in page
    assert "Entries per goal, week by week" in page and "Members taking part" in page


def test_the_markdown_report_has_the_same_content(network: LearningLog) -> None:
    out = io.StringIO()
    write_report(_report(network), network.framework, "md", out, names=_names(network))
    text = out.getvalue()
    for words in (
        "impact report",
        "| Entries shared (stories, actions, reflections and outcomes) | 6 | 2 | +200% |",
        "### Entries per goal, week by week",
        "### Members taking part, week by week",
        "### Actions committed and completed, per goal",
        "## g3 Put relationships at the centre",
        "### What we did → what we learnt",
        "Tea & cake for the night shift",
        "[a link](<https://example.org>)",
        "**Goals that went quiet:**",
    ):
        assert words in text, words
    assert "My private journal" not in text


@pytest.mark.skipif(not charts.available(), reason="matplotlib is not installed")
def test_charts_are_drawn_as_png_and_svg() -> None:
    series = [charts.Series("g1", [1, 2, 0], charts.goal_colour(0))]
    png = charts.stacked_bars("Entries", ["a", "b", "c"], series, fmt="png", y_label="entries")
    svg = charts.stacked_bars("Entries", ["a", "b", "c"], series, fmt="svg", y_label="entries")
    assert png.startswith(b"\x89PNG") and b"<svg" in svg
    assert svg == charts.stacked_bars(
        "Entries", ["a", "b", "c"], series, fmt="svg", y_label="entries"
    )  # the same figures draw the same file


def _names(log: LearningLog) -> Directory:
    names = Directory(log.db, T1)
    names.remember_user("UANN", "Ann Smith")
    return names
