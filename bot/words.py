"""Words right for any count: "0 entries", "1 entry", "2 entries" — one helper for every message.

Every count the bot puts in words goes through ``count`` (or ``plural`` when the number is
written apart from its noun), so "1 entries" cannot happen anywhere; a test renders every
message builder with 0, 1 and 2 of everything to hold it to that.
"""

from __future__ import annotations

# Nouns whose plural is not the singular plus "s".
IRREGULAR = {
    "entry": "entries",
    "story": "stories",
    "reply": "replies",
    "person": "people",
    "this": "these",
}


def plural(noun: str, number: int) -> str:
    """``noun`` as it reads after ``number``: "entry" for 1, "entries" otherwise. A phrase's
    last word is the one that changes ("shared entry" → "shared entries")."""
    if number == 1:
        return noun
    head, _, last = noun.rpartition(" ")
    many = IRREGULAR.get(last, last + "s")
    return f"{head} {many}" if head else many


def count(number: int, noun: str) -> str:
    """``1 entry``, ``2 entries``, ``1,234 shared entries``."""
    return f"{number:,} {plural(noun, number)}"
