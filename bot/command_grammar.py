"""How the words after ``/kindness <subcommand>`` are read, where no other module's grammar
covers them (the one-line log is ``bot.quicklog``'s, ``mine``'s range ``bot.journal``'s, a
date ``bot.periods``'s, ``away``'s ``bot.members``'s). No Slack in here: the listener hands the
text over as Slack sent it, and a refusal is a ``LogError`` the listener words.

- **An entry** is its number, with or without ``#`` (``12``, ``#12``): at most twelve digits.
- **A search** is words and at most one goal: a word shaped like a goal number (``g3``)
  narrows the search to that goal; a ``g9`` that names no goal is refused with the goals
  there are, since it was meant as a goal; a second goal number is searched for as a word.
- **``done``** takes an entry and, optionally, what was learnt (the rest, as typed).
- **``share``** takes an entry and, optionally, ``anonymously``; ``unshare`` an entry alone.
- **``orgs rename|merge``** take two names around ``>`` (or ``->``, ``=>``, ``→``).
- **Slack's escapes** of ``&``, ``<`` and ``>`` are undone where a name is taken as typed.
"""

from __future__ import annotations

import re

from bot.errors import EntryNotFound, UnknownGoal, UnknownOption
from bot.goals import Framework
from bot.organisations import TwoNamesNeeded

_ENTRY_ID = re.compile(r"#?(\d{1,12})")
_GOAL_NUMBER = re.compile(r"g\d{1,2}", re.IGNORECASE)
# "A > B", "A -> B", "A → B" (Slack sends ">" as "&gt;").
_INTO = re.compile(r"\s*(?:-&gt;|=&gt;|&gt;|->|=>|>|→)\s*")


def parse_entry_id(text: str) -> int | None:
    """``12`` or ``#12`` → 12; anything else → None."""
    match = _ENTRY_ID.fullmatch(text.strip())
    return int(match.group(1)) if match else None


def parse_done(args: str) -> tuple[int, str | None]:
    """``12 People opened up…`` → (12, ``People opened up…``); the reflection is optional.
    ``EntryNotFound`` (quoting the reflection) when the first word is not an entry."""
    number, _, reflection = args.strip().partition(" ")
    entry_id = parse_entry_id(number)
    if entry_id is None:
        raise EntryNotFound(number or "?", text=reflection.strip() or None)
    return entry_id, reflection.strip() or None


def parse_share(args: str, *, anonymously_allowed: bool) -> tuple[int, bool]:
    """``12`` or ``#12 anonymously``: the entry, and whether without the author's name."""
    words = args.split()
    entry_id = parse_entry_id(words[0]) if words else None
    if entry_id is None:
        raise EntryNotFound(words[0] if words else "?")
    rest = " ".join(words[1:])
    choices = ["anonymously"] if anonymously_allowed else []
    if rest and rest.lower() not in choices:
        raise UnknownOption(rest, choices or ["nothing after the number"])
    return entry_id, bool(rest)


def split_goal_filter(args: str, framework: Framework) -> tuple[str, str | None]:
    """``listening g3`` → (``listening``, ``relationships``): a goal word narrows a search.
    A ``g9`` that names no goal of the network is refused, as it was meant as a goal."""
    words, goal = [], None
    for word in args.split():
        is_number = _GOAL_NUMBER.fullmatch(word) is not None
        found = framework.resolve(word) if is_number else None
        if is_number and found is None:
            raise UnknownGoal(word, framework.references())
        if found is not None and goal is None:
            goal = found.key
        else:
            words.append(word)
    return " ".join(words), goal


def two_names(rest: str, action: str) -> tuple[str, str]:
    """``Fife NHS > NHS Fife`` → (``Fife NHS``, ``NHS Fife``), Slack's escapes undone;
    ``TwoNamesNeeded`` (for ``action``) without a name on each side."""
    parts = _INTO.split(rest.strip(), maxsplit=1)
    if len(parts) != 2 or not parts[0] or not parts[1]:
        raise TwoNamesNeeded(action)
    return unescaped(parts[0]), unescaped(parts[1])


def unescaped(text: str) -> str:
    """A slash command's text without Slack's escapes of &, < and >."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").strip()
