"""The impact report as Markdown: the same content as the HTML, every chart as its table.

A Markdown file cannot carry its pictures (images as data: addresses are dropped by most
renderers, files beside it get lost when it is passed on), so the charts' figures are tables.
"""

from __future__ import annotations

from typing import TextIO

from bot.goals import Framework
from bot.names import Directory
from bot.report import evidence_words, words
from bot.report.evidence import Evidence
from bot.report.evidence_markdown import section_markdown
from bot.report.figures import GoalFigures, Highlight, ImpactReport
from bot.text_formats import escape_markdown, markdown_url, to_markdown


def write_markdown(
    report: ImpactReport,
    framework: Framework,
    out: TextIO,
    *,
    names: Directory,
    evidence: Evidence | None = None,
) -> None:
    tz = report.period.tz
    summary, middle, method = (
        evidence_words.sections(report, evidence, framework, names)
        if evidence is not None
        else (None, [], None)
    )
    out.write(f"# {escape_markdown(words.title(framework), inline=True)}\n\n")
    out.write(f"**{escape_markdown(words.period_title(report), inline=True)}**\n\n")
    out.write(f"{words.introduction(report)} {words.PRIVACY}\n\n")
    compare = words.has_before(report)
    headers = (
        ["Figure", "this period", "before", "change"] if compare else ["Figure", "this period"]
    )
    if summary is not None:
        out.write(section_markdown(summary, names))
    out.write(
        _table(
            headers,
            [
                [
                    f"{row.label} ({row.explanation})",
                    words.number(row.figure.value, decimals=row.decimals),
                    words.number(row.figure.previous, decimals=row.decimals),
                    words.change(row.figure),
                ][: len(headers)]
                for row in words.headline_rows(report)
            ],
        )
    )
    if report.quiet_goals:
        quiet = ", ".join(words.goal_title(framework, g.key) for g in report.quiet_goals)
        out.write(
            f"**Goals that went quiet:** {escape_markdown(quiet, inline=True)} — nothing was "
            "shared under them in this period.\n\n"
        )
    for section in middle:
        out.write(section_markdown(section, names))
    pairs = words.pairs_sentence(report)
    if pairs is not None:
        out.write(f"**Peer pairs:** {escape_markdown(pairs, inline=True)}\n\n")
    out.write("## Over time\n\n")
    for chart in words.report_charts(report, framework):
        out.write(f"### {escape_markdown(chart.title, inline=True)}\n\n")
        out.write(_table(chart.headers, chart.rows))
    out.write("## Goal by goal\n\n")
    out.write(_table(*words.goal_table(report, framework)))
    for goal in report.goals:
        _goal_section(out, goal, report, framework, names, tz)
    if method is not None:
        out.write(section_markdown(method, names))
    note = escape_markdown(words.method_note(report, framework, names), inline=True)
    out.write(f"---\n\n_{note}_\n")


def _goal_section(
    out: TextIO,
    goal: GoalFigures,
    report: ImpactReport,
    framework: Framework,
    names: Directory,
    tz: str,
) -> None:
    out.write(f"## {escape_markdown(words.goal_title(framework, goal.key), inline=True)}\n\n")
    summary = words.goal_summary(framework, goal.key)
    if summary:
        out.write(f"_{escape_markdown(summary, inline=True)}_\n\n")
    line = words.trend_sentence(goal, report)
    if not goal.entries.hidden and not goal.quiet:
        line += f" {words.goal_figures_line(goal, report.min_group)}"
    out.write(escape_markdown(line) + "\n\n")
    if goal.quiet:
        out.write("This goal went quiet in this period.\n\n")
    if goal.highlights:
        out.write("### Highlights\n\n")
        for highlight in goal.highlights:
            out.write(_quote(highlight, names, tz))
    if goal.lessons:
        out.write("### What we did → what we learnt\n\n")
        for lesson in goal.lessons:
            out.write(
                f"- **We did:** {to_markdown(lesson.action.text, names, indent='  ')}"
                f"{_who(lesson.action, names, tz)}\\\n"
                f"  **→ We learnt:** {to_markdown(lesson.reflection.text, names, indent='  ')}"
                f"{_who(lesson.reflection, names, tz)}\n"
            )
        if goal.more_lessons:
            out.write(f"- …and {goal.more_lessons:,} more.\n")
        out.write("\n")


def _who(highlight: Highlight, names: Directory, tz: str) -> str:
    who = (
        f"{words.author(highlight, names)}, {highlight.kind}, {words.day(highlight.created_at, tz)}"
    )
    link = f", [message](<{markdown_url(highlight.permalink)}>)" if highlight.permalink else ""
    return f" — _{escape_markdown(who, inline=True)}_{link}"


def _quote(highlight: Highlight, names: Directory, tz: str) -> str:
    body = to_markdown(highlight.text, names, indent="> ")
    return f"> {body}\n>\n> {_who(highlight, names, tz).strip()}\n\n"


def _table(headers: list[str], rows: list[list[str]]) -> str:
    def line(cells: list[str]) -> str:
        return "| " + " | ".join(escape_markdown(cell, inline=True) for cell in cells) + " |\n"

    rule = "| " + " | ".join("---" if i == 0 else "---:" for i in range(len(headers))) + " |\n"
    return line(headers) + rule + "".join(line(row) for row in rows) + "\n"
