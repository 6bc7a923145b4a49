"""The evidence sections (``evidence_words``) laid out as HTML, in the report's own style."""

from __future__ import annotations

from html import escape

from bot.names import Directory
from bot.report.as_pdf import column_widths
from bot.report.evidence_words import Bullets, Paragraph, Quoted, Section, Table
from bot.text_formats import to_html

STYLE = """
.evidence-line { margin: .15rem 0; }
.evidence-line .label { font-weight: 600; }
.summary-text { font-size: 1.05rem; }
"""


def section_html(section: Section, names: Directory, *, fixed_tables: bool = False) -> str:
    """``fixed_tables``: for the PDF (``table_html``)."""
    parts = [f'<section id="{section.key}">\n<h2>{escape(section.title)}</h2>\n']
    for part in section.parts:
        if isinstance(part, Paragraph):
            kind = "note" if part.note else ("summary-text" if section.key == "summary" else "")
            attribute = f' class="{kind}"' if kind else ""
            lead = f"<strong>{escape(part.lead)}:</strong> " if part.lead else ""
            parts.append(f"<p{attribute}>{lead}{escape(part.text)}</p>\n")
        elif isinstance(part, Quoted):
            lines = "".join(
                f'<div class="evidence-line"><span class="label">{escape(label)}:</span> '
                f"{to_html(value, names)}</div>"
                for label, value in part.lines
            )
            link = f' · <a href="{escape(part.link, quote=True)}">message</a>' if part.link else ""
            parts.append(
                f"<blockquote><div>{to_html(part.text, names)}</div>{lines}"
                f'<div class="who">— {escape(part.who)}{link}</div></blockquote>\n'
            )
        elif isinstance(part, Table):
            parts.append(table_html(part.headers, part.rows, fixed=fixed_tables))
        elif isinstance(part, Bullets):
            items = "".join(f"<li>{escape(item)}</li>" for item in part.items)
            parts.append(f"<ul>{items}</ul>\n")
    parts.append("</section>\n")
    return "".join(parts)


def table_html(headers: list[str], rows: list[list[str]], *, fixed: bool = False) -> str:
    """A table of the report. ``fixed`` (the PDF): its columns' widths given, so that WeasyPrint
    lays it out once (``as_pdf.column_widths``); the same words, the same look."""
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>\n" for row in rows
    )
    widths = column_widths(headers, rows) if fixed else None
    start = (
        f'<table style="table-layout: fixed; width: {sum(widths):.2f}em">\n<colgroup>'
        + "".join(f'<col style="width: {width}em">' for width in widths)
        + "</colgroup>"
        if widths
        else "<table>"
    )
    return f"{start}\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}</tbody>\n</table>\n"
