"""The one-line grammar of ``/kindness log [story|action|reflection] [g1..g6|goal-key] <text>``.

Read left to right: a first word that is a kind is the kind (story when absent); the next word
is the goal when it names one (``g3``, ``3`` is *not* accepted here, a key such as
``relationships``); the rest, exactly as typed, is the text. A word shaped like a goal number
that names no goal (``g9``) is an error rather than text, since it was clearly meant as a goal.
A key-shaped word that is not a goal is simply the start of the text.

``/kindness log for @member [kind] [goal] <text>`` (coordinators) names the member first. It
needs the slash command's "escape channels, users, and links" switch, so that Slack sends the
member as ``<@U0123|ann>``; a bare ``@ann`` (the switch off) is refused with what to do, since a
display name cannot be told apart from another member's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.errors import EmptyText, NoSuchMember, UnknownGoal
from bot.goals import Framework
from bot.models import KINDS

_FIRST_WORD = re.compile(r"^\s*(\S+)(\s+|$)")
_GOAL_NUMBER = re.compile(r"^g\d{1,2}$", re.IGNORECASE)
_FOR_MEMBER = re.compile(r"^\s*for\s+(\S+)(\s+|$)", re.IGNORECASE)
_MENTION = re.compile(r"^<@([UW][A-Z0-9]{2,})(?:\|[^>]*)?>$")


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


@dataclass(frozen=True)
class LogFor:
    member_id: str
    rest: str  # the quick-log arguments after the member: ``[kind] [goal] <text>``


def parse_log_for(args: str) -> LogFor | None:
    """``for <@U0123|ann> story g3 …`` → the member and the rest; None when not ``for …``.

    ``for @ann …`` (escaping off) and ``for`` with no member raise ``NoSuchMember`` quoting
    the rest, so nothing typed is lost. A first word ``for`` followed by ordinary words
    ("for the first time…") is text, not this form.
    """
    match = _FOR_MEMBER.match(args)
    if not match:
        return None
    word, rest = match.group(1), args[match.end() :]
    mention = _MENTION.match(word)
    if mention:
        return LogFor(mention.group(1), rest)
    if word.startswith("@") or word.startswith("<@"):
        raise NoSuchMember(word, text=rest.strip() or None)
    return None
