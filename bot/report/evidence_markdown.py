"""The evidence sections (``evidence_words``) laid out as Markdown."""

from __future__ import annotations

from bot.names import Directory
from bot.report.evidence_words import Bullets, Paragraph, Quoted, Section, Table
from bot.text_formats import escape_markdown, markdown_url, to_markdown


def section_markdown(section: Section, names: Directory) -> str:
    parts = [f"## {escape_markdown(section.title, inline=True)}\n\n"]
    for part in section.parts:
        if isinstance(part, Paragraph):
            text = escape_markdown(part.text, inline=True)
            text = f"_{text}_" if part.note else text
            lead = f"**{escape_markdown(part.lead, inline=True)}:** " if part.lead else ""
            parts.append(f"{lead}{text}\n\n")
        elif isinstance(part, Quoted):
            body = to_markdown(part.text, names, indent="> ")
            lines = "".join(
                f">\n> **{escape_markdown(label, inline=True)}:** "
                f"{to_markdown(value, names, indent='> ')}\n"
                for label, value in part.lines
            )
            link = f", [message](<{markdown_url(part.link)}>)" if part.link else ""
            parts.append(
                f"> {body}\n{lines}>\n> — _{escape_markdown(part.who, inline=True)}_{link}\n\n"
            )
        elif isinstance(part, Table):

            def line(cells: list[str]) -> str:
                return "| " + " | ".join(escape_markdown(c, inline=True) for c in cells) + " |\n"

            rule = "| " + " | ".join("---" if i == 0 else "---:" for i in range(len(part.headers)))
            parts.append(line(part.headers) + rule + " |\n" + "".join(line(r) for r in part.rows))
            parts.append("\n")
        elif isinstance(part, Bullets):
            items = (f"- {escape_markdown(item, inline=True)}\n" for item in part.items)
            parts.append("".join(items) + "\n")
    return "".join(parts)
