"""What coordinators read about keeping the log for years: the audit trail
(``/kindness audit``) and the retention notice (entries about to be deleted, with an export).

Action ids here are the contract with ``handlers/keeping.py``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from bot.audit import AuditLine
from bot.blocks import kit
from bot.words import count

RETENTION_EXPORT = "retention_export"
# The newest lines a message shows (one line each, a few to a section).
AUDIT_LINES = 40
_PER_SECTION = 10


def audit_message(lines: Sequence[AuditLine], tz: str) -> dict[str, Any]:
    """The newest lines of the audit trail, oldest first (``kindness-bot audit`` has all)."""
    if not lines:
        return kit.notice(
            "Nothing is recorded yet: settings changed, entries logged for members, exports, "
            "reports, retention deletions and restores will be listed here."
        )

    def line(item: AuditLine) -> str:
        who = f"<@{item.actor}>" if item.actor[:1] in ("U", "W") else item.actor
        about = f" — {item.subject}" if item.subject else ""
        facts = f" ({item.facts()})" if item.details else ""
        when = item.at.astimezone(ZoneInfo(tz))
        return f"`{when:%Y-%m-%d %H:%M}` {who} {item.action}{about}{facts}"

    texts = [line(item) for item in lines]
    blocks = [kit.header("What coordinators did")]
    for start in range(0, len(texts), _PER_SECTION):
        blocks.append(kit.section("\n".join(texts[start : start + _PER_SECTION])))
    blocks.append(
        kit.context(
            f"The newest {count(len(lines), 'line')}, in {tz} time; members' words are never "
            "recorded. The whole trail: `kindness-bot audit` on the server."
        )
    )
    return kit.message(
        blocks, f"The audit trail: the newest {count(len(lines), 'thing')} coordinators did."
    )


def retention_notice_message(
    entries: int, keep_years: int, written_before: date, deleted_from: date
) -> dict[str, Any]:
    """The DM to coordinators a month before entries are deleted, with their export offered."""
    what = count(entries, "entry")
    text = (
        f"In a month, from {deleted_from:%-d %B %Y}, {what} written before "
        f"{written_before:%-d %B %Y} will be deleted from the learning log: the network keeps "
        f"entries for {count(keep_years, 'year')} (the `keep_years` setting). Reports and "
        "digests already sent keep their figures. To keep a copy, export them now (the shared "
        "ones: private entries are never exported); to keep them longer, change `keep_years` "
        "in `/kindness settings`."
    )
    button = kit.button(
        "Export them (CSV)",
        RETENTION_EXPORT,
        value=json.dumps({"fmt": "csv", "before": written_before.isoformat()}),
    )
    return kit.message([kit.section(text), kit.actions(button)], text)
