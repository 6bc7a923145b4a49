"""The impact report: a period of the shared learning log as a write-up for a board or a
funder — a summary, the stories the network chose, outcomes, voices, actions followed
through, headline figures against the period before, three charts, goal by goal the figures,
the trend, highlights and "what we did → what we learnt", and the method and its limits.

``figures`` counts (no Slack, no formatting), ``evidence`` reads what a board asks beyond the
counts, ``words`` and ``evidence_words`` say it, ``as_html`` and ``as_markdown`` write it,
``as_pdf`` lays the HTML out as PDF (WeasyPrint), ``charts`` draws the pictures when
matplotlib is installed.
"""

from __future__ import annotations

import io
from typing import TextIO

from bot.goals import Framework
from bot.names import Directory
from bot.report import charts
from bot.report.as_html import write_html
from bot.report.as_markdown import write_markdown
from bot.report.evidence import Evidence
from bot.report.figures import ImpactReport

FORMATS = ("html", "md", "pdf")
TEXT_FORMATS = ("html", "md")


def write_report(
    report: ImpactReport,
    framework: Framework,
    fmt: str,
    out: TextIO,
    *,
    names: Directory,
    with_charts: bool | None = None,
    evidence: Evidence | None = None,
) -> None:
    """Write ``report`` as ``html`` or ``md``; charts when the library is there (by default).
    ``evidence`` adds the summary, the evidence sections and the method."""
    if fmt == "html":
        draw = charts.available() if with_charts is None else with_charts
        write_html(report, framework, out, names=names, with_charts=draw, evidence=evidence)
    elif fmt == "md":
        write_markdown(report, framework, out, names=names, evidence=evidence)
    else:
        raise ValueError(f"unknown report format {fmt!r}; choose one of {', '.join(FORMATS)}")


def report_pdf(
    report: ImpactReport,
    framework: Framework,
    *,
    names: Directory,
    evidence: Evidence | None = None,
    with_charts: bool | None = None,
) -> bytes:
    """The report as PDF: its HTML, laid out by WeasyPrint (``FormatUnavailable`` without)."""
    from bot.report.as_pdf import html_to_pdf

    page = io.StringIO()
    draw = charts.available() if with_charts is None else with_charts
    write_html(
        report,
        framework,
        page,
        names=names,
        with_charts=draw,
        evidence=evidence,
        chart_format="png",
        fixed_tables=True,
    )
    return html_to_pdf(page.getvalue())
