"""The one-line grammar of ``/kindness log [story|action|reflection] [g1..g6|goal-key] <text>``.

Read left to right: a first word that is a kind is the kind (story when absent); the next word
is the goal when it names one (``g3``, ``3`` is *not* accepted here, a key such as
``relationships``); the rest, exactly as typed, is the text. A word shaped like a goal number
that names no goal (``g9``) is an error rather than text, since it was clearly meant as a goal.
A key-shaped word that is not a goal is simply the start of the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.errors import EmptyText, UnknownGoal
from bot.goals import Framework
from bot.models import KINDS

_FIRST_WORD = re.compile(r"^\s*(\S+)(\s+|$)")
_GOAL_NUMBER = re.compile(r"^g\d{1,2}$", re.IGNORECASE)


@dataclass(frozen=True)
class QuickLog:
    kind: str
    goal: str | None  # a goal key, or None when the member gave none
    text: str


def parse_quick_log(args: str, framework: Framework) -> QuickLog:
    rest = args
    kind = "story"
    word, remainder = _next_word(rest)
    if word is not None and word.lower() in KINDS:
        kind, rest = word.lower(), remainder
    goal = None
    word, remainder = _next_word(rest)
    if word is not None:
        found = framework.get(word.lower()) or (
            framework.resolve(word) if _GOAL_NUMBER.match(word) else None
        )
        if found is not None:
            goal, rest = found.key, remainder
        elif _GOAL_NUMBER.match(word):
            raise UnknownGoal(word, framework.references(), text=remainder.strip() or None)
    text = rest.strip()
    if not text:
        raise EmptyText(text=args)
    return QuickLog(kind=kind, goal=goal, text=text)


def _next_word(text: str) -> tuple[str | None, str]:
    match = _FIRST_WORD.match(text)
    if not match:
        return None, text
    return match.group(1), text[match.end() :]
