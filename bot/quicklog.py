"""The one-line grammar of ``/kindness log [kind] [goal] [who can see it] <text>``.

The leading words are read, in any order, while each is one of: a kind (``story``, ``action``,
``reflection``), a goal and who can see the entry (``private``, ``anonymous``, ``network``);
each once. The first word that is none of these, or names a second kind, goal or visibility,
starts the text, which is kept exactly as typed: a word is never taken from the middle of a
sentence. A word ending in a colon (``story:``, ``g2:``, ``private:``), or a lone ``:`` or dash
after them, ends the leading words too — what follows is the text, whatever its first word —
except that a goal's number may still follow (``story: g3 …``).

A goal is written as its number (``g3``, ``#g3``, ``g3:``; ``3`` alone is *not* read as a goal
here), its key (``relationships``, ``#relationships``) or, followed by a colon, the start of
its title (``lead with kindness:``, ``put relationships:``). A word shaped like a goal number
that names no goal (``g9``) is an error rather than text, since it was clearly meant as a goal.
A key-shaped word that is not a goal is simply the start of the text.

With no text (``/kindness log g3``, ``log action private``) the caller opens the log form with
what was given chosen.

``/kindness log for @member [kind] [goal] <text>`` (coordinators) names the member first. It
needs the slash command's "escape channels, users, and links" switch, so that Slack sends the
member as ``<@U0123|ann>``; a bare ``@ann`` (the switch off) is refused with what to do, since a
display name cannot be told apart from another member's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.errors import NoSuchMember, UnknownGoal
from bot.goals import Framework, Goal
from bot.models import KINDS

_FIRST_WORD = re.compile(r"^\s*(\S+)(\s+|$)")
_GOAL_NUMBER = re.compile(r"^g\d{1,2}$", re.IGNORECASE)
_FOR_MEMBER = re.compile(r"^\s*for\s+(\S+)(\s+|$)", re.IGNORECASE)
_MENTION = re.compile(r"^<@([UW][A-Z0-9]{2,})(?:\|[^>]*)?>$")
# A title's start before a colon: a few words, no more (a sentence with a colon in it is text).
_TITLE_START = re.compile(r"^\s*([^\s:][^:\n]{2,60}?)\s*:(\s+|$)")
_TITLE_WORDS = 6

VISIBILITY_WORDS = {
    "private": "private",
    "privately": "private",
    "anonymous": "anonymous",
    "anonymously": "anonymous",
    "network": "network",
}
SEPARATORS = (":", "-", "–", "—")


@dataclass(frozen=True)
class QuickLog:
    kind: str
    goal: str | None  # a goal key, or None when the member gave none
    text: str  # empty when only leading words were given: the form opens with them
    visibility: str | None = None  # None when not given (the network, with their name)
    visibility_word: str | None = None  # the word read as the visibility, as typed


def parse_quick_log(args: str, framework: Framework) -> QuickLog:
    """The kind, goal, visibility and text of a one-line log (see the module's grammar)."""
    kind: str | None = None
    goal: str | None = None
    visibility: str | None = None
    visibility_word: str | None = None
    rest = args
    ended = False  # a colon was typed: only a goal's number may still come
    while True:
        word, remainder = _next_word(rest)
        if word is None:
            break
        if word in SEPARATORS:
            if kind or goal or visibility:
                rest = remainder
            break
        bare, colon = (word[:-1], True) if word.endswith(":") and len(word) > 1 else (word, False)
        lower = bare.lower()
        if ended:
            numbered = _GOAL_NUMBER.match(bare.lstrip("#")) and goal is None
            found = _goal_word(bare, framework, remainder) if numbered else None
            if found is not None:
                goal, rest = found.key, remainder
            break
        if kind is None and lower in KINDS:
            kind, rest = lower, remainder
        elif visibility is None and lower in VISIBILITY_WORDS:
            visibility, visibility_word, rest = VISIBILITY_WORDS[lower], bare, remainder
        elif goal is None and (found := _goal_word(bare, framework, remainder)) is not None:
            goal, rest = found.key, remainder
        elif goal is None and (titled := _title_start(rest, framework)) is not None:
            (found, rest), colon = titled, True
            goal = found.key
        else:
            break
        ended = colon
    return QuickLog(
        kind=kind or "story",
        goal=goal,
        text=rest.strip(),
        visibility=visibility,
        visibility_word=visibility_word,
    )


def _goal_word(word: str, framework: Framework, remainder: str) -> Goal | None:
    """The goal a leading word names (``g3``, ``#g3``, ``relationships``, ``#relationships``);
    ``UnknownGoal`` for a goal number the framework does not have."""
    bare = word[1:] if word.startswith("#") and len(word) > 1 else word
    if _GOAL_NUMBER.match(bare):
        found = framework.resolve(bare)
        if found is None:
            raise UnknownGoal(bare, framework.references(), text=remainder.strip() or None)
        return found
    return framework.get(bare.lower())


def _title_start(text: str, framework: Framework) -> tuple[Goal, str] | None:
    """``lead with kindness: …`` → (g2, the rest): the start of exactly one goal's title (at
    least three letters, a few words), then a colon."""
    match = _TITLE_START.match(text)
    if not match:
        return None
    typed = _words(match.group(1))
    if len(typed) < 3 or len(typed.split()) > _TITLE_WORDS:
        return None
    found = [g for g in framework.goals if _words(g.title).startswith(typed)]
    if len(found) != 1:
        return None
    return found[0], text[match.end() :]


def _words(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


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
