"""What can go wrong with a member's request, as values the Slack layer can word.

Each error carries what the member needs to put it right (the limit, the choices, the id).
``text`` is the member's own words when they were *not* saved, so the answer can quote them
back and nothing is lost.
"""

from __future__ import annotations


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


class UnknownFormat(UnknownChoice):
    what = "format"


class RequestNotUnderstood(LogError):
    """Words a command cannot read (a date that is not one, a word it does not take); the
    message is the sentence that says what to write instead."""


class BadDate(LogError):
    """A date a member typed that is not one (``until`` is the grammar's word, for the answer)."""

    def __init__(self, given: str, *, text: str | None = None) -> None:
        super().__init__(f"'{given}' is not a date; write it as YYYY-MM-DD", text=text)
        self.given = given


class DateOutOfRange(LogError):
    """A real date that cannot be used here: in the past, or too far ahead."""

    def __init__(self, given: str, earliest: str | None, latest: str | None) -> None:
        super().__init__(f"'{given}' is outside {earliest or '…'} to {latest or '…'}")
        self.given = given
        self.earliest = earliest
        self.latest = latest


class BadRange(LogError):
    """``since`` after ``until``."""

    def __init__(self, since: str, until: str) -> None:
        super().__init__(f"since {since} is after until {until}")
        self.since = since
        self.until = until


class NoSuchMember(LogError):
    """A command named somebody as ``@name`` that Slack did not send as a member id."""

    def __init__(self, given: str, *, text: str | None = None) -> None:
        super().__init__(f"'{given}' does not name a member Slack told me about", text=text)
        self.given = given


class UnknownOption(UnknownChoice):
    """A word a subcommand does not take (``/kindness mine sometime``)."""

    what = "option"


class NotACoordinator(LogError):
    """Something only the network's coordinators may do (``text``: the words not saved)."""

    def __init__(self, what: str, *, text: str | None = None) -> None:
        super().__init__(f"only coordinators can {what}", text=text)
        self.what = what


class CoordinatorUnconfirmed(LogError):
    """Slack did not say in time whether the member is an admin; nothing was done."""

    def __init__(self, *, text: str | None = None) -> None:
        super().__init__("Slack did not confirm in time that you are a coordinator", text=text)
