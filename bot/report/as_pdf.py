"""The impact report as PDF: the HTML report, laid out by WeasyPrint (the ``charts`` extra).

WeasyPrint needs Debian's Pango at run time (``libpango-1.0-0``, ``libpangoft2-1.0-0``): it
fails to import without it (an ``OSError``), as it does when it is not installed at all. Both
are said in one clear word (``FormatUnavailable``), never a traceback; ``available`` lets
``/kindness report`` fall back to HTML.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

from bot.errors import FormatUnavailable

# WeasyPrint says each step of its work at INFO ("Step 5 - Creating layout - Page 12", a line a
# page): not news for an operator, and it buried `kindness-bot report`'s one line of output.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

MISSING = (
    "it needs WeasyPrint (pip install 'kindness-bot[charts]') and Debian's Pango "
    "(apt-get install libpango-1.0-0 libpangoft2-1.0-0)"
)
# The printed page: A4, the page number at the foot, no link addresses after links (the
# report's print style adds them for paper; a PDF keeps its links clickable). A long table
# may run onto the next page (its header repeats): keeping a year of weeks whole costs the
# layout a retry on every page it does not fit, for a blank half page. So does a chart's
# figure (its picture and that table): kept whole, it never fitted under "Over time", whose
# heading was left alone on a blank page while the figure was laid out again on the next.
PAGE_STYLE = """
@page { size: A4; margin: 18mm 16mm 20mm;
        @bottom-center { content: "Page " counter(page) " of " counter(pages);
                         font-size: 8pt; color: #5b6b70; } }
body { max-width: none; margin: 0; padding: 0; font-size: 10pt; }
a[href]::after { content: none !important; }
table { break-inside: auto !important; }
figure { break-inside: auto !important; }
"""

# The tables' columns, measured here rather than by WeasyPrint: its automatic table layout
# sets every cell's text three times (narrowest, widest, then for real), and measures the
# whole table again on every page it runs onto — for a year's report, 12% of WeasyPrint's
# time (docs/measurements.md). With the columns' widths given (``table-layout: fixed``) it
# sets each cell once. The widths are each column's widest text in ems of the table's text,
# measured in DejaVu Sans's widths: the report asks for Arial or the system's sans-serif, and a
# Debian machine with no more fonts than Chromium's (CI's, a small server's) sets it in DejaVu
# Sans, which is as wide as Arial (Liberation Sans) or wider for every character — so a column
# measured for it never wraps in either. A header is bold (DejaVu Sans Bold is up to 1.15x).
_NARROW = frozenset(" ,.'’‘·ijlIJ")  # DejaVu Sans: 0.28-0.32 em (bold 0.38)
_THIN = frozenset("!/:;[]|()-frt")  # 0.34-0.41 em (bold 0.49)
_SIGNS = frozenset("#&+<=>^~¬±×÷")  # 0.78-0.84 em
_BROAD = frozenset("mwMW%@—…©®¼½¾ÆæŒœĦŴŵŉ")  # 0.82-1.07 em (bold 1.17)
CELL_PADDING_EM = 1.2 / 0.85  # .6rem either side (the report's style), in the table's .85rem
BOLD = 1.15
SLACK_EM = 0.3  # rounding and kerning
# A4 less 16 mm margins either side (PAGE_STYLE) is 672 px, 49.4 em of the table's 13.6 px; a
# table wider than this keeps the automatic layout, which wraps long text to fit the page.
PAGE_WIDTH_EM = 48.0


def _char_em(char: str) -> float:
    """A character's width in DejaVu Sans, rounded up to its class's widest (in ems)."""
    if char in _NARROW:
        return 0.34
    if char in _THIN:
        return 0.43
    if char in _SIGNS:
        return 0.84
    if char in _BROAD:
        return 1.08
    if char.isupper():
        return 0.8
    if ord(char) >= 0x2E80:  # CJK and emoji: a full em
        return 1.0
    if ord(char) >= 0x80:  # other letters and signs (é 0.62, ø 0.61, Ж 1.0): most are narrower
        return 0.8
    return 0.64  # digits and most small letters (0.52-0.64 em)


def _text_em(text: str) -> float:
    return sum(_char_em(char) for char in text)


def column_widths(headers: list[str], rows: list[list[str]]) -> list[float] | None:
    """Each column's width in ems of the table's text, its padding included, for a table laid
    out with ``table-layout: fixed``; None when the table would be wider than the page, or
    is not one cell per header in every row."""
    if any(len(row) != len(headers) for row in rows):
        return None
    widest = [_text_em(header) * BOLD for header in headers]
    for row in rows:
        for column, cell in enumerate(row):
            widest[column] = max(widest[column], _text_em(cell))
    widths = [round(width + CELL_PADDING_EM + SLACK_EM, 2) for width in widest]
    return widths if sum(widths) <= PAGE_WIDTH_EM else None


@cache
def _weasyprint():
    try:
        import weasyprint
    except (ImportError, OSError):
        return None
    return weasyprint


def available() -> bool:
    """WeasyPrint is installed and finds its Pango."""
    return _weasyprint() is not None


def html_to_pdf(html: str) -> bytes:
    """The PDF of a self-contained HTML page (no outside reference is fetched)."""
    weasyprint = _weasyprint()
    if weasyprint is None:
        raise FormatUnavailable("PDF", MISSING, "html")
    # The report carries everything inline (data: images): nothing else is ever fetched.
    fetcher = weasyprint.urls.URLFetcher(allowed_protocols={"data"})
    document = weasyprint.HTML(string=html, url_fetcher=fetcher)
    with _collector_paused():
        return document.write_pdf(stylesheets=[weasyprint.CSS(string=PAGE_STYLE)])


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector off while WeasyPrint lays the pages out, back as it was after.

    WeasyPrint makes a box, a style and a Pango layout for every piece of text of the report
    (thousands of objects a page), and the collector walked them again and again: 12% of the
    PDF's processor time for a year's report (26 pages: 2.57 s against 2.93 s, one run,
    docs/measurements.md). What it would free waits for the end of the layout: about 25 MB
    more at the peak for those 26 pages. The collector is the process's: another thread's
    garbage waits too, for those seconds; two reports laid out at once leave it as they found
    it (the first to start put it back)."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()
