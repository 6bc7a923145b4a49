"""What can go wrong with a member's or a coordinator's request, as values the edge can word.

One family for every way in: Slack answers each with one sentence (``bot.blocks.refusals.explain``)
and the command line prints ``str(error)``. Each error carries what is needed to put it right
(the limit, the choices, the id, the date typed). ``text`` is the member's own words when they
were *not* saved, so the answer can quote them back and nothing is lost.
"""

from __future__ import annotations

from bot.words import kinds_in_words


class LogError(Exception):
    """Base of the learning log's refusals."""

    def __init__(self, message: str, *, text: str | None = None) -> None:
        super().__init__(message)
        self.text = text


class EmptyText(LogError):
    def __init__(self, *, text: str | None = None) -> None:
        super().__init__("the text is empty", text=text)


class EntryTooLong(LogError):
    def __init__(self, length: int, limit: int, *, text: str | None = None) -> None:
        super().__init__(f"the text has {length} characters; the limit is {limit}", text=text)
        self.length = length
        self.limit = limit


class UnknownChoice(LogError):
    """A value outside a fixed set (kind, goal, visibility); ``choices`` lists the valid ones."""

    what = "value"

    def __init__(self, given: str, choices: list[str], *, text: str | None = None) -> None:
        super().__init__(
            f"'{given}' is not a known {self.what}; choose one of {', '.join(choices)}", text=text
        )
        self.given = given
        self.choices = choices


class UnknownKind(UnknownChoice):
    what = "kind"


class UnknownGoal(UnknownChoice):
    what = "goal"


class UnknownVisibility(UnknownChoice):
    what = "visibility"


class EntryNotFound(LogError):
    def __init__(self, entry_id: int | str, *, text: str | None = None) -> None:
        super().__init__(f"there is no entry #{entry_id}", text=text)
        self.entry_id = entry_id


class NotYourEntry(LogError):
    """The entry exists and is visible, but belongs to another member."""

    def __init__(self, entry_id: int, *, text: str | None = None) -> None:
        super().__init__(f"entry #{entry_id} belongs to another member", text=text)
        self.entry_id = entry_id


class NotAnAction(LogError):
    def __init__(self, entry_id: int, kind: str, *, text: str | None = None) -> None:
        super().__init__(f"entry #{entry_id} is a {kind}, not an action", text=text)
        self.entry_id = entry_id
        self.kind = kind


class ActionAlreadyDone(LogError):
    def __init__(self, entry_id: int, *, text: str | None = None) -> None:
        super().__init__(f"action #{entry_id} is already done", text=text)
        self.entry_id = entry_id


class EmptySearch(LogError):
    def __init__(self) -> None:
        super().__init__("give at least one word to search for")


class StorageFailed(LogError):
    """The database refused or did not answer; the member's text was not saved."""

    def __init__(self, *, text: str | None = None) -> None:
        super().__init__("the learning log could not be written just now", text=text)


class BadDate(LogError):
    """A date a member or coordinator typed that is not one. ``instants``: the command takes
    an ISO-8601 instant too (a coordinator's file), so the answer offers that form as well."""

    def __init__(self, given: str, *, instants: bool = False, text: str | None = None) -> None:
        form = "YYYY-MM-DD or an ISO-8601 instant" if instants else "YYYY-MM-DD"
        super().__init__(f"'{given}' is not a date; write it as {form}", text=text)
        self.given = given
        self.instants = instants


class DateMissing(BadDate):
    """``since``, ``until`` (or ``from``, ``to``) with nothing after it."""

    def __init__(self, after: str) -> None:
        LogError.__init__(self, f"'{after}' needs a date after it")
        self.given = ""
        self.instants = False
        self.after = after


class InstantWithoutOffset(LogError):
    """An ISO-8601 instant with no UTC offset: whose 09:00 would it be?"""

    def __init__(self, given: str) -> None:
        super().__init__(f"{given} has no UTC offset; add one, e.g. 2026-11-02T09:00+00:00")
        self.given = given


class DateOutOfRange(LogError):
    """A real date that cannot be used here: in the past, or too far ahead."""

    def __init__(self, given: str, earliest: str | None, latest: str | None) -> None:
        super().__init__(f"'{given}' is outside {earliest or '…'} to {latest or '…'}")
        self.given = given
        self.earliest = earliest
        self.latest = latest


class BadRange(LogError):
    """``since`` after ``until``, both typed as dates."""

    def __init__(self, since: str, until: str) -> None:
        super().__init__(f"since {since} is after until {until}")
        self.since = since
        self.until = until


class EmptyPeriod(LogError):
    """A period that holds no time once its dates are read in the workspace's zone (a start
    at or after its end: instants the wrong way round, a ``since`` still to come)."""

    def __init__(self, start: str, end: str) -> None:
        super().__init__(
            f"the period is empty: it starts {start} and ends {end}; give a start before the end"
        )
        self.start = start
        self.end = end


class GivenTwice(LogError):
    """One value was wanted and two were given (two formats, two goals, two ``until`` dates).
    ``first`` and ``second`` are what was typed, when short enough to quote back."""

    def __init__(self, what: str, first: str | None = None, second: str | None = None) -> None:
        both = f"both '{first}' and '{second}'" if first and second else "two"
        super().__init__(f"give one {what}, not {both}")
        self.what = what
        self.first = first
        self.second = second


class NoSuchMember(LogError):
    """A command named somebody as ``@name`` that Slack did not send as a member id."""

    def __init__(self, given: str, *, text: str | None = None) -> None:
        super().__init__(f"'{given}' does not name a member Slack told me about", text=text)
        self.given = given


class UnknownOption(UnknownChoice):
    """A word a subcommand does not take (``/kindness mine sometime``); ``what`` names what
    was expected there when it is one thing (``format``: ``/kindness export xlsx``)."""

    what = "option"

    def __init__(
        self, given: str, choices: list[str], *, what: str = "option", text: str | None = None
    ) -> None:
        self.what = what
        super().__init__(given, choices, text=text)


class NotACoordinator(LogError):
    """Something only the network's coordinators may do (``text``: the words not saved)."""

    def __init__(self, what: str, *, text: str | None = None) -> None:
        super().__init__(f"only coordinators can {what}", text=text)
        self.what = what


class CoordinatorUnconfirmed(LogError):
    """Slack did not say in time whether the member is an admin; nothing was done."""

    def __init__(self, *, text: str | None = None) -> None:
        super().__init__("Slack did not confirm in time that you are a coordinator", text=text)


class PrivateNotShareable(LogError):
    """A private entry is its author's alone: it can never be shared beyond the network."""

    def __init__(self, entry_id: int | None = None) -> None:
        which = f"entry #{entry_id} is private" if entry_id else "a private entry"
        super().__init__(
            f"{which}: only you ever see it, so it cannot be shared beyond the network; "
            "make it visible to the network (or anonymous) first"
        )
        self.entry_id = entry_id


class OnlyAnonymously(LogError):
    """An anonymous entry shared "with my name" would say whose it is."""

    def __init__(self, entry_id: int) -> None:
        super().__init__(
            f"entry #{entry_id} is anonymous, so it can only be shared anonymously: "
            f"/kindness share {entry_id} anonymously"
        )
        self.entry_id = entry_id


class AlreadyAskedToShare(LogError):
    """A coordinator asks an author once per entry, whatever the answer."""

    def __init__(self, entry_id: int, *, consented: bool = False) -> None:
        why = "its author has already agreed to share it" if consented else "its author was asked"
        super().__init__(f"entry #{entry_id}: {why} already; an author is asked once per entry")
        self.entry_id = entry_id
        self.consented = consented


class SiteRefused(LogError):
    """``publish`` would not build the site where or as it was asked; nothing was written."""


class OutputIsAFile(SiteRefused):
    def __init__(self, path: str) -> None:
        super().__init__(f"{path} is a file, not a folder; give a folder for the site")
        self.path = path


class OutputNotOurs(SiteRefused):
    """A folder holding files the bot did not build: they would be replaced."""

    def __init__(self, path: str) -> None:
        super().__init__(
            f"{path} holds files the bot did not build; give an empty or new folder, or add "
            "--force to replace everything in it"
        )
        self.path = path


class OutputNotWritable(SiteRefused):
    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"cannot write the site to {path}: {reason}")
        self.path = path
        self.reason = reason


class BadSiteTitle(SiteRefused):
    def __init__(self, given: str, why: str) -> None:
        super().__init__(f"the title '{given}' {why}")
        self.given = given
        self.why = why


class BadBaseUrl(SiteRefused):
    def __init__(self, given: str) -> None:
        super().__init__(
            f"'{given}' is not a web address the site can use: give one starting with https:// "
            "(or http://), with no spaces, quotes or angle brackets, e.g. https://example.org/stories"
        )
        self.given = given


class UnknownWhoChanged(UnknownChoice):
    what = "answer to who changed"


class UnknownHowWeKnow(UnknownChoice):
    what = "answer to how we know"


class NotForThisKind(LogError):
    """A field only some kinds have (why it matters: stories and outcomes; who changed and how
    we know: outcomes), given for another kind."""

    def __init__(self, field: str, kind: str, kinds: tuple[str, ...]) -> None:
        article = "an" if kind[:1] in "aeiou" else "a"
        super().__init__(f"{field} is for {kinds_in_words(kinds)}, not {article} {kind}")
        self.field = field
        self.kind = kind
        self.kinds = kinds


class WhyTooLong(LogError):
    def __init__(self, length: int, limit: int, *, text: str | None = None) -> None:
        super().__init__(f"why it matters has {length} characters; the limit is {limit}", text=text)
        self.length = length
        self.limit = limit


class RoundNotFound(LogError):
    """A vote or a choice for a selection round that was never opened."""

    def __init__(self, period: str) -> None:
        super().__init__(f"there is no selection round for {period}")
        self.period = period


class RoundClosed(LogError):
    """A vote after the round closed: the totals are in its thread already."""

    def __init__(self, period: str) -> None:
        super().__init__(f"the {period} selection round has closed; votes are no longer taken")
        self.period = period


class RoundStillOpen(LogError):
    """A choice recorded before members have finished voting."""

    def __init__(self, period: str) -> None:
        super().__init__(
            f"the {period} selection round is still open; record the choice once it closes"
        )
        self.period = period


class NotOnShortlist(LogError):
    """A vote or a choice for an entry that is not (or no longer) on the round's shortlist: an
    id the shortlist never held, or an entry its author has since made private."""

    def __init__(self, entry_id: int, period: str) -> None:
        super().__init__(f"entry #{entry_id} is not on the {period} shortlist")
        self.entry_id = entry_id
        self.period = period


class FormatUnavailable(LogError):
    """A file format this installation cannot make (the PDF without WeasyPrint or Pango)."""

    def __init__(self, fmt: str, missing: str, instead: str) -> None:
        super().__init__(f"the {fmt} cannot be made here: {missing}; ask for {instead} instead")
        self.fmt = fmt
        self.missing = missing
        self.instead = instead


class PairNotFound(LogError):
    """A button names a pair the bot does not know (in this workspace)."""

    def __init__(self, pair_id: int | str, *, text: str | None = None) -> None:
        super().__init__(f"there is no pair #{pair_id}", text=text)
        self.pair_id = pair_id


class NotInPair(LogError):
    """A click on a pair's button by someone who is not in that pair."""

    def __init__(self, pair_id: int, *, text: str | None = None) -> None:
        super().__init__("these buttons are for the members of this pair only", text=text)
        self.pair_id = pair_id


class RoundOver(LogError):
    """A click on the buttons of a round that has ended (a newer round has begun)."""

    def __init__(self, period: str, *, text: str | None = None) -> None:
        super().__init__(f"the {period} round of pairs has ended", text=text)
        self.period = period


class ShortlistPosted(LogError):
    """A coordinator's picks for a round whose shortlist is in the channel already."""

    def __init__(self, period: str) -> None:
        super().__init__(f"the {period} round has opened; its shortlist is posted already")
        self.period = period


class InvalidSetting(ValueError):
    """A setting's value cannot be used: what is wrong, as a name (``problem``), and what the
    words need (``details``). ``bot.blocks.settings`` says it, naming what to write instead."""

    def __init__(self, problem: str, **details: object) -> None:
        super().__init__(problem)
        self.problem = problem
        self.details = details
