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


def kinds_in_words(kinds: tuple[str, ...]) -> str:
    """("story", "outcome") → "stories and outcomes"."""
    many = [plural(kind, 2) for kind in kinds]
    return " and ".join(many) if len(many) < 3 else ", ".join(many[:-1]) + " and " + many[-1]


def count(number: int, noun: str) -> str:
    """``1 entry``, ``2 entries``, ``1,234 shared entries``."""
    return f"{number:,} {plural(noun, number)}"


# An outcome's answers and an organisation's sector, as people read them (Slack, exports and
# the report alike). The keys are stored (bot.models.WHO_CHANGED, HOW_WE_KNOW, SECTORS).
WHO_CHANGED_WORDS = {
    "staff": "staff",
    "people": "people we serve",
    "partners": "partners",
    "organisation": "our organisation",
    "system": "the wider system",
}
HOW_WE_KNOW_WORDS = {
    "seen": "we saw it ourselves",
    "told": "others told us",
    "figures": "we have figures",
}
SECTOR_WORDS = {
    "public": "public",
    "voluntary": "voluntary",
    "private": "private",
    "community": "community",
    "other": "other",
}
