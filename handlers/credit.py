"""Words put in the log for somebody else — a story a coordinator logs for a member
(``/kindness log for @ann …``), another member's message saved with the shortcut: the entry
is its author's, credited to whoever stored it (``logged_by``: "logged by" / "saved by"), and
its author is told by DM, with *Keep*, a click to change who can see it, *Edit* and *Delete*.

One way for both: ``tell_the_author`` says whether the author is away (then nothing is sent:
they find it in ``/kindness mine``) and gives the DM to send after the ack. When Slack will not
take the DM, whoever stored the words is told.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.blocks import controls
from bot.services import Services
from bot.slack.port import SlackError
from handlers.answering import AfterAck, SlackWork


@dataclass(frozen=True)
class AuthorTold:
    away_until: date | None  # the author is away: not told until they look
    then: tuple[SlackWork, ...]  # the DM, after the ack


def tell_the_author(services: Services, team_id: str, author_id: str, entry_id: int) -> AuthorTold:
    """The author's DM about an entry stored for them (read before the ack, sent after it)."""
    away = services.members.status(team_id, author_id).away_until
    if away is not None:
        return AuthorTold(away, ())
    theirs = services.log.get_entry(team_id, author_id, entry_id)
    message = controls.logged_for_you_message(theirs, services.framework)

    def tell_author(slack: AfterAck) -> None:
        try:
            slack.port.dm(author_id, message)
        except SlackError as error:
            reason = error.error
            slack.reply(controls.member_not_told_message(author_id, reason))

    return AuthorTold(None, (tell_author,))
