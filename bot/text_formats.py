"""Members' words in the files the bot writes: plain text, Markdown, HTML and CSV cells.

One set of rules for every export and report, in Slack and on the command line:

- entities decoded (``&amp;`` is ``&``), user mentions as ``@display name``, channel mentions
  as ``#name``, links as their words and address (see ``bot.slack_text.to_plain``);
- Markdown: every character Markdown would read as formatting is escaped, so that the
  rendered page shows exactly the member's words (``*not bold*``, ``<b>``, ``# not a title``);
  links become Markdown links; line breaks stay line breaks;
- HTML: escaped; only ``http``, ``https`` and ``mailto`` links become links;
- CSV: a cell that a spreadsheet would run as a formula is made inert (``csv_cell``).
"""

from __future__ import annotations

import html
import re

from bot.slack_text import NameLookup, link_label, plain_piece, segments, shown_address

# A spreadsheet runs a cell starting with one of these as a formula (OWASP's list: = + - @,
# and tab and carriage return, which some spreadsheets skip before looking).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_SAFE_SCHEMES = ("http://", "https://", "mailto:")
# CommonMark reads these anywhere in a line (``&`` only where it starts an entity reference).
_INLINE = re.compile(r"([\\`*_\[\]<>~|])|&(?=#?\w+;)")
# …and these at the start of a line: a heading, a quote, a list item, a thematic break or a
# setext underline, an ordered list item ("1." or "1)").
_LINE_START = re.compile(r"^([#>+=-])|^(\d{1,9})([.)])")


def csv_cell(value: object) -> object:
    """A CSV cell a spreadsheet shows as text: one apostrophe in front of a value that starts
    like a formula — or with an apostrophe itself, so the rule stays reversible: a reader gets
    the exact words back by removing one leading apostrophe from any cell that has one."""
    if isinstance(value, str) and value.startswith((*FORMULA_STARTS, "'")):
        return "'" + value
    return value


def escape_markdown(text: str, *, inline: bool = False) -> str:
    """Plain text that Markdown renders as exactly itself (one line or many); ``inline`` for
    text that never starts a line (a table cell)."""
    if inline:
        return _escape_inline(text)
    return "\n".join(_escape_line_start(_escape_inline(line)) for line in text.split("\n"))


def _escape_inline(text: str) -> str:
    return _INLINE.sub(lambda m: "\\" + (m.group(1) or "&"), text)


def _escape_line_start(line: str) -> str:
    def escape(match: re.Match[str]) -> str:
        if match.group(1):
            return "\\" + match.group(1)
        return match.group(2) + "\\" + match.group(3)

    return _LINE_START.sub(escape, line)


def to_markdown(text: str, names: NameLookup | None = None, *, indent: str = "") -> str:
    """A member's words (Slack's format) as Markdown: escaped, links as links, and each line
    break kept (a hard break), continuation lines indented by ``indent`` (inside a list item).
    Spaces at the start and end of a line are dropped: Markdown would not show them either."""
    pieces = []
    for segment in segments(text):
        if segment.kind == "link" and segment.target.startswith(_SAFE_SCHEMES):
            words = link_label(segment) or shown_address(segment)
            pieces.append(f"[{_escape_inline(words)}](<{markdown_url(segment.target)}>)")
        else:
            pieces.append(_escape_inline(plain_piece(segment, names)))
    rendered = []
    for paragraph in re.split(r"\n\s*\n", "".join(pieces)):
        lines = [_escape_line_start(line.strip()) for line in paragraph.split("\n")]
        rendered.append(("\\\n" + indent).join(line for line in lines if line))
    return ("\n\n" + indent).join(p for p in rendered if p)


def to_html(text: str, names: NameLookup | None = None) -> str:
    """A member's words (Slack's format) as HTML: escaped, line breaks as ``<br>``, links as
    links (``http``, ``https`` and ``mailto`` only)."""
    pieces = []
    for segment in segments(text):
        if segment.kind == "link" and segment.target.startswith(_SAFE_SCHEMES):
            words = link_label(segment) or shown_address(segment)
            pieces.append(
                f'<a href="{html.escape(segment.target, quote=True)}">{html.escape(words)}</a>'
            )
        else:
            pieces.append(html.escape(plain_piece(segment, names)))
    return "<br>\n".join("".join(pieces).split("\n"))


def markdown_url(url: str) -> str:
    """An address for a Markdown link written ``[words](<address>)``."""
    # Inside <…> a Markdown link destination may hold anything but a line break, < and >.
    return url.replace("<", "%3C").replace(">", "%3E").replace("\n", "%0A")
