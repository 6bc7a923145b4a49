"""How a refusal or a failure is worded: one clear sentence saying what to change, the usage
when it helps, and the member's words quoted back whenever they were not saved.

The service raises specific errors (``bot.errors``); ``explain`` turns each into its sentence.
``handlers.answering`` uses these for every listener alike; a modal shows them under the field
they are about (``modals.entry_form_errors``).
"""

from __future__ import annotations

from typing import Any

from bot.blocks import kit
from bot.blocks.kit import Block
from bot.errors import (
    ActionAlreadyDone,
    AlreadyAskedToShare,
    BadDate,
    BadRange,
    CoordinatorUnconfirmed,
    DateMissing,
    DateOutOfRange,
    EmptyPeriod,
    EmptySearch,
    EmptyText,
    EntryNotFound,
    EntryTooLong,
    GivenTwice,
    InstantWithoutOffset,
    LogError,
    NoSuchMember,
    NotACoordinator,
    NotAnAction,
    NotForThisKind,
    NotYourEntry,
    OnlyAnonymously,
    PrivateNotShareable,
    StorageFailed,
    UnknownChoice,
)
from bot.organisations import (
    MergeIntoItself,
    OrganisationExists,
    OrganisationNameRefused,
    OrganisationNotFound,
)
from bot.slack_text import from_plain
from bot.words import kinds_in_words

# In a modal, under its field: the modal stays open with the member's words in it.
GOAL_MISSING = "Choose the goal this is for."
SAVE_FAILED = "Could not save just now — your words are still here. Press the button again."


def explain(error: LogError) -> str:
    """One clear sentence for each refusal, saying what to change."""
    if isinstance(error, EmptyText):
        return "There is nothing to save yet: add a few words about what happened."
    if isinstance(error, EntryTooLong):
        return (
            f"That is {error.length:,} characters; the learning log takes up to "
            f"{error.limit:,}. Shorten it by {error.length - error.limit:,} characters, "
            "or split it into two entries."
        )
    if isinstance(error, UnknownChoice):
        choices = ", ".join(f"`{c}`" for c in error.choices)
        article = "an" if error.what[:1] in "aeiou" else "a"
        return f"`{error.given}` is not {article} {error.what} I know. Use one of: {choices}."
    if isinstance(error, DateMissing):
        return f"`{error.after}` needs a date after it, e.g. `{error.after} 2027-01-04`."
    if isinstance(error, BadDate):
        given = f"`{error.given}` is not a date" if error.given else "A date is missing"
        instant = (
            ", or an instant with its UTC offset, e.g. `2027-01-04T09:00+00:00`"
            if error.instants
            else ""
        )
        return f"{given}: write it as YYYY-MM-DD, e.g. `2027-01-04`{instant}."
    if isinstance(error, InstantWithoutOffset):
        return f"`{error.given}` has no UTC offset: add one, e.g. `{error.given}+00:00`."
    if isinstance(error, EmptyPeriod):
        return (
            f"The period is empty: it starts {error.start} and ends {error.end}; "
            "give a start before the end."
        )
    if isinstance(error, GivenTwice):
        if error.first and error.second:
            return f"Give one {error.what}, not both `{error.first}` and `{error.second}`."
        return f"Give one {error.what}, not two."
    if isinstance(error, DateOutOfRange):
        return (
            f"`{error.given}` will not do: choose a date from {error.earliest} to {error.latest}."
        )
    if isinstance(error, BadRange):
        return f"`since {error.since}` comes after `until {error.until}`: swap them round."
    if isinstance(error, NoSuchMember):
        return (
            f"Slack sent `{error.given}` as a name, not as a member, so I can't tell who it is. "
            "Choose them from the list that pops up as you type @ — and if that is what you "
            'did, the app needs "Escape channels, users, and links" turned on for /kindness '
            "(a workspace admin can do it in the app's Slash Commands settings)."
        )
    if isinstance(error, NotACoordinator):
        return (
            f"Only the network's coordinators can {error.what}: Slack's workspace admins and "
            "owners, and the members they name in `/kindness settings`."
        )
    if isinstance(error, CoordinatorUnconfirmed):
        return (
            "Slack did not confirm in time that you are a coordinator, so nothing was saved. "
            "Please send it again."
        )
    if isinstance(error, EntryNotFound):
        return (
            f"I can't find entry #{error.entry_id}. "
            "`/kindness mine` lists your entries with their numbers."
        )
    if isinstance(error, NotYourEntry):
        return f"Entry #{error.entry_id} belongs to another member; you can only change your own."
    if isinstance(error, NotAnAction):
        return (
            f"Entry #{error.entry_id} is a {error.kind}, not an action, "
            "so there is nothing to close."
        )
    if isinstance(error, ActionAlreadyDone):
        return f"Action #{error.entry_id} is already done."
    if isinstance(error, PrivateNotShareable):
        which = f"Entry #{error.entry_id} is" if error.entry_id else "This entry is"
        return (
            f"{which} private — only you ever see it — so it cannot be shared beyond the "
            "network. Make it visible to the network or anonymous first (*Edit*), then share it."
        )
    if isinstance(error, OnlyAnonymously):
        return (
            f"Entry #{error.entry_id} is anonymous, so it can only be shared without your name: "
            f"`/kindness share {error.entry_id} anonymously`."
        )
    if isinstance(error, AlreadyAskedToShare):
        if error.consented:
            return f"The author of #{error.entry_id} has already agreed to share it."
        return (
            f"The author of #{error.entry_id} has been asked already; each author is asked "
            "once per entry, so I won't ask again."
        )
    if isinstance(error, EmptySearch):
        return "Give me a word or two to search for, e.g. `/kindness search listening`."
    if isinstance(error, OrganisationNameRefused):
        # The name is not quoted back: it may be a mention or a link.
        return f"That cannot be an organisation's name: {error.reason}."
    if isinstance(error, OrganisationNotFound):
        return (
            f"There is no organisation called “{from_plain(error.name)}”. "
            "`/kindness orgs` lists them."
        )
    if isinstance(error, OrganisationExists):
        return (
            f"“{from_plain(error.existing)}” already exists: to make the two one, merge "
            f"instead — `/kindness orgs merge {from_plain(error.name)} > "
            f"{from_plain(error.existing)}`."
        )
    if isinstance(error, MergeIntoItself):
        return f"“{from_plain(error.name)}” cannot be merged into itself: name two organisations."
    if isinstance(error, NotForThisKind):
        return (
            f"*{error.field.capitalize()}* is for {kinds_in_words(error.kinds)}, and this is "
            f"{'an' if error.kind[:1] in 'aeiou' else 'a'} {error.kind}: clear it, or choose "
            "one of those kinds."
        )
    if isinstance(error, StorageFailed):
        return (
            "Sorry — the learning log could not be written just now. Nothing was saved; "
            "please try again in a minute."
        )
    return str(error)


FAILED_IN_FORM = (
    "Sorry — something went wrong and nothing was saved. Your words are still here: "
    "press the button again in a moment."
)


def failure_message(*, database: bool = False, words: str | None = None) -> dict[str, Any]:
    """An unexpected failure, worded for the member; their words quoted back when given."""
    if database:
        first = (
            "Sorry — the learning log could not be reached just now, so nothing was done. "
            "Please try again in a minute."
        )
    else:
        first = (
            "Sorry — something went wrong on my side. Please try again in a minute; "
            "`/kindness mine` shows what the learning log holds."
        )
    blocks: list[Block] = [kit.section(first)]
    if words:
        blocks.append(your_words(words))
    return kit.message(blocks, first)


def slack_refused_message(reason: str) -> dict[str, Any]:
    """Slack refused a call made after the answer (a form that could not open…)."""
    text = (
        f"Slack did not let me finish that (`{reason}`); nothing of yours was lost. "
        "Please try again."
    )
    return kit.notice(text)


def error_message(error: LogError, *, usage: str | None = None) -> dict[str, Any]:
    """The explanation, the usage when it helps, and the member's unsaved words quoted back."""
    blocks: list[Block] = [kit.section(explain(error))]
    if usage:
        blocks.append(kit.context(f"Usage: `{usage}`"))
    if error.text:
        blocks.append(your_words(error.text))
    return kit.message(blocks, explain(error))


def your_words(text: str) -> Block:
    """The member's words, quoted back when they were not saved."""
    return kit.section("Your words, so nothing is lost:\n" + kit.quote(text))


def usage_message(usage: str) -> dict[str, Any]:
    """A command given words it does not take."""
    return kit.notice(f"Usage: `{usage}`")


def unknown_subcommand(typed: str, guess: str) -> str:
    """The line above the help when ``typed`` is no subcommand; ``guess``: the closest one,
    ready to use, or empty."""
    hint = f" Did you mean `{guess}`?" if guess else ""
    return f"I don't know `{typed}`.{hint}"
