"""The impact report: a period of the shared learning log as a write-up for a board or a
funder — headline figures against the period before, three charts, and goal by goal the
figures, the trend, highlights and "what we did → what we learnt".

``figures`` counts (no Slack, no formatting), ``words`` says it, ``as_html`` and
``as_markdown`` write it, ``charts`` draws the pictures when matplotlib is installed.
"""

from __future__ import annotations

from typing import TextIO

from bot.goals import Framework
from bot.names import Directory
from bot.report import charts
from bot.report.as_html import write_html
from bot.report.as_markdown import write_markdown
from bot.report.figures import ImpactReport

FORMATS = ("html", "md")


def write_report(
    report: ImpactReport,
    framework: Framework,
    fmt: str,
    out: TextIO,
    *,
    names: Directory,
    with_charts: bool | None = None,
) -> None:
    """Write ``report`` as ``html`` or ``md``; charts when the library is there (by default)."""
    if fmt == "html":
        draw = charts.available() if with_charts is None else with_charts
        write_html(report, framework, out, names=names, with_charts=draw)
    elif fmt == "md":
        write_markdown(report, framework, out, names=names)
    else:
        raise ValueError(f"unknown report format {fmt!r}; choose one of {', '.join(FORMATS)}")
