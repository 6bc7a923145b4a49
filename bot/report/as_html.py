"""The impact report as one self-contained HTML file: inline CSS, charts as inline images
(SVG), no script, no outside reference — it opens offline and prints cleanly to PDF."""

from __future__ import annotations

import base64
from html import escape
from typing import TextIO

from bot.goals import Framework
from bot.names import Directory
from bot.report import evidence_words, words
from bot.report.evidence import Evidence
from bot.report.evidence_html import STYLE as EVIDENCE_STYLE
from bot.report.evidence_html import section_html, table_html
from bot.report.figures import GoalFigures, Highlight, ImpactReport, Lesson
from bot.text_formats import to_html

STYLE = """
:root { --ink: #1f2a2e; --muted: #5b6b70; --line: #d9e1e3; --accent: #2e5e4e; }
* { box-sizing: border-box; }
body { font: 15px/1.5 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
       color: var(--ink); max-width: 60rem; margin: 2rem auto; padding: 0 1.5rem; }
h1 { font-size: 1.8rem; margin: 0 0 .2rem; color: var(--accent); }
h2 { font-size: 1.3rem; margin: 2.2rem 0 .4rem; border-bottom: 2px solid var(--line);
     padding-bottom: .2rem; }
h3 { font-size: 1.05rem; margin: 1.2rem 0 .3rem; }
.period { color: var(--muted); margin: 0 0 1rem; }
.note, .summary { color: var(--muted); }
.headline { display: grid; grid-template-columns: repeat(3, 1fr); gap: .8rem; margin: 1rem 0; }
.figure { border: 1px solid var(--line); border-radius: 6px; padding: .6rem .8rem; }
.figure .value { font-size: 1.7rem; font-weight: 700; }
.figure .label { font-weight: 600; }
.figure .compare { color: var(--muted); font-size: .85rem; }
figure { margin: 1.2rem 0; }
figure img { width: 100%; height: auto; }
table { border-collapse: collapse; margin: .5rem 0 1rem; font-size: .85rem; }
th, td { border-bottom: 1px solid var(--line); padding: .2rem .6rem; text-align: right; }
th:first-child, td:first-child { text-align: left; }
blockquote { margin: .6rem 0; padding: .3rem .9rem; border-left: 4px solid var(--line); }
blockquote .who { color: var(--muted); font-size: .85rem; margin-top: .2rem; }
.lesson { margin: .8rem 0; }
.lesson .did, .lesson .learnt { margin: .2rem 0; }
.arrow { color: var(--accent); font-weight: 700; }
.quiet { background: #f6f3e8; border-radius: 6px; padding: .5rem .9rem; }
footer { margin-top: 3rem; color: var(--muted); font-size: .8rem; }
@media print {
  body { margin: 0; max-width: none; font-size: 11pt; }
  h2 { break-after: avoid; }
  figure, .figure, blockquote, .lesson, table { break-inside: avoid; }
  a { color: inherit; }
  a[href]::after { content: " (" attr(href) ")"; font-size: .8em; color: var(--muted); }
}
"""


def write_html(
    report: ImpactReport,
    framework: Framework,
    out: TextIO,
    *,
    names: Directory,
    with_charts: bool,
    evidence: Evidence | None = None,
    chart_format: str = "svg",
    fixed_tables: bool = False,
) -> None:
    """``chart_format``: ``svg`` (sharp at any size), or ``png`` for the PDF (WeasyPrint lays
    a raster image out many times faster than matplotlib's SVG paths). ``fixed_tables``: for
    the PDF, every table with its columns' widths (``evidence_html.table_html``)."""
    tz = report.period.tz
    summary, middle, method = (
        evidence_words.sections(report, evidence, framework, names)
        if evidence is not None
        else (None, [], None)
    )
    title = words.title(framework)
    out.write(
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)} · {escape(words.period_title(report))}</title>\n"
        f"<style>{STYLE}{EVIDENCE_STYLE}</style>\n</head>\n<body>\n"
    )
    out.write(f"<h1>{escape(title)}</h1>\n")
    out.write(f'<p class="period">{escape(words.period_title(report))}</p>\n')
    out.write(f'<p class="note">{escape(words.introduction(report))} {escape(words.PRIVACY)}</p>\n')
    if summary is not None:
        out.write(section_html(summary, names, fixed_tables=fixed_tables))
    out.write('<section class="headline">\n')
    compare = words.has_before(report)
    for row in words.headline_rows(report):
        before = (
            f" · before: {words.number(row.figure.previous, decimals=row.decimals)} "
            f"({escape(words.change(row.figure))})"
            if compare
            else ""
        )
        out.write(
            '<div class="figure">'
            f'<div class="label">{escape(row.label)}</div>'
            f'<div class="value">{words.number(row.figure.value, decimals=row.decimals)}</div>'
            f'<div class="compare">{escape(row.explanation)}{before}</div></div>\n'
        )
    out.write("</section>\n")
    if report.quiet_goals:
        quiet = ", ".join(words.goal_title(framework, g.key) for g in report.quiet_goals)
        out.write(
            f'<p class="quiet"><strong>Goals that went quiet:</strong> {escape(quiet)} — '
            "nothing was shared under them in this period.</p>\n"
        )
    for section in middle:
        out.write(section_html(section, names, fixed_tables=fixed_tables))
    pairs = words.pairs_sentence(report)
    if pairs is not None:
        out.write(f'<p class="pairs"><strong>Peer pairs:</strong> {escape(pairs)}</p>\n')

    out.write("<h2>Over time</h2>\n")
    if not with_charts:
        out.write(
            '<p class="note">The charts are left out: the charting library is not installed '
            "(pip install 'kindness-bot[charts]'). The tables hold every figure.</p>\n"
        )
    for chart in words.report_charts(report, framework):
        out.write("<figure>\n")
        if with_charts:
            image = base64.b64encode(chart.draw(chart_format)).decode("ascii")
            mime = "image/svg+xml" if chart_format == "svg" else "image/png"
            out.write(f'<img src="data:{mime};base64,{image}" alt="{escape(chart.alt)}">\n')
        else:
            out.write(f"<h3>{escape(chart.title)}</h3>\n")
        out.write(table_html(chart.headers, chart.rows, fixed=fixed_tables))
        out.write("</figure>\n")

    out.write("<h2>Goal by goal</h2>\n")
    out.write(table_html(*words.goal_table(report, framework), fixed=fixed_tables))
    for goal in report.goals:
        out.write(_goal_section(goal, report, framework, names, tz))
    if method is not None:
        out.write(section_html(method, names, fixed_tables=fixed_tables))

    out.write(
        f"<footer>{escape(words.method_note(report, framework, names))}</footer>\n"
        "</body>\n</html>\n"
    )


def _goal_section(
    goal: GoalFigures, report: ImpactReport, framework: Framework, names: Directory, tz: str
) -> str:
    parts = [f"<section>\n<h2>{escape(words.goal_title(framework, goal.key))}</h2>\n"]
    summary = words.goal_summary(framework, goal.key)
    if summary:
        parts.append(f'<p class="summary"><em>{escape(summary)}</em></p>\n')
    parts.append(f"<p>{escape(words.trend_sentence(goal, report))}")
    if not goal.entries.hidden and not goal.quiet:
        parts.append(f" {escape(words.goal_figures_line(goal, report.min_group))}")
    parts.append("</p>\n")
    if goal.quiet:
        parts.append('<p class="quiet">This goal went quiet in this period.</p>\n')
    if goal.highlights:
        parts.append("<h3>Highlights</h3>\n")
        parts.extend(_quote(h, names, tz) for h in goal.highlights)
    if goal.lessons:
        parts.append("<h3>What we did → what we learnt</h3>\n")
        parts.extend(_lesson(lesson, names, tz) for lesson in goal.lessons)
        if goal.more_lessons:
            parts.append(f'<p class="note">…and {goal.more_lessons:,} more.</p>\n')
    parts.append("</section>\n")
    return "".join(parts)


def _who(highlight: Highlight, names: Directory, tz: str) -> str:
    kind = highlight.kind
    who = f"{words.author(highlight, names)}, {kind}, {words.day(highlight.created_at, tz)}"
    link = (
        f' · <a href="{escape(highlight.permalink, quote=True)}">message</a>'
        if highlight.permalink and highlight.permalink.startswith(("https://", "http://"))
        else ""
    )
    return f'<div class="who">— {escape(who)}{link}</div>'


def _quote(highlight: Highlight, names: Directory, tz: str) -> str:
    return (
        f"<blockquote><div>{to_html(highlight.text, names)}</div>"
        f"{_who(highlight, names, tz)}</blockquote>\n"
    )


def _lesson(lesson: Lesson, names: Directory, tz: str) -> str:
    return (
        '<div class="lesson">'
        f'<blockquote class="did"><div><strong>We did:</strong> '
        f"{to_html(lesson.action.text, names)}</div>{_who(lesson.action, names, tz)}</blockquote>"
        f'<blockquote class="learnt"><div><span class="arrow">→</span> <strong>We learnt:</strong> '
        f"{to_html(lesson.reflection.text, names)}</div>"
        f"{_who(lesson.reflection, names, tz)}</blockquote></div>\n"
    )
