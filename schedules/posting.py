"""Posting a scheduled message exactly once, and what happens when Slack says no.

Every scheduled post goes through ``post_once``: the period is claimed in the database
(``schedules.claims``) *before* anything is sent, so restarts, crashes and several schedulers
sharing one database post it once; a post that fails releases its claim so a later run can
try again.

Slack's answers: 429s and 5xx are retried by the client's handlers (bot.slack_client);
``not_in_channel`` on a public channel joins it and posts again; a channel the bot cannot post
to (private and not invited, deleted, archived) makes the bot DM the coordinator who last saved
the settings, saying what to do.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks import rhythm
from bot.settings import WorkspaceSettings
from schedules import claims

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    """What a run of a job did, in words an operator reads in a log or a shell."""

    status: str  # posted | already | paused | no_channel | unavailable | failed | skipped
    message: str
    ts: str | None = None

    @property
    def posted(self) -> bool:
        return self.status == "posted"


class ChannelUnavailable(Exception):
    def __init__(self, channel: str, error: str) -> None:
        super().__init__(f"cannot post in {channel}: {error}")
        self.channel = channel
        self.error = error


def post_to_channel(client: WebClient, channel: str, message: dict[str, Any]) -> str:
    """Post ``message``; join a public channel first if needed. The new message's ts."""
    try:
        return _post(client, channel, message)
    except SlackApiError as exc:
        error = exc.response.get("error", "")
        if error == "not_in_channel":
            try:
                client.conversations_join(channel=channel)
            except SlackApiError:
                # A private channel cannot be joined: the bot has to be invited.
                raise ChannelUnavailable(channel, error) from None
            return _post(client, channel, message)
        if error in rhythm.CHANNEL_ADVICE or error in ("restricted_action", "access_denied"):
            raise ChannelUnavailable(channel, error) from None
        raise


def _post(client: WebClient, channel: str, message: dict[str, Any]) -> str:
    response = client.chat_postMessage(
        channel=channel, unfurl_links=False, unfurl_media=False, **message
    )
    return str(response["ts"])


def post_once(
    *,
    settings: WorkspaceSettings,
    client: WebClient,
    db: Any,
    job: str,
    period: str,
    what: str,
    now: datetime,
    send: Callable[[str], str],
    record: Callable[[str, str], None],
) -> Outcome:
    """Claim (team, job, period), ``send(channel) -> ts``, ``record(channel, ts)``, finish.

    ``what`` names the post for people ("the 2026-W48 prompt").
    """
    team_id = settings.team_id
    if settings.channel_id is None:
        return Outcome(
            "no_channel",
            f"no channel is set for {team_id}; {what} not posted "
            "(a coordinator sets one with /kindness settings)",
        )
    owner = claims.process_owner()
    if not claims.claim(db, team_id, job, period, now=now, owner=owner):
        return Outcome("already", f"{what} was posted already; nothing posted")
    try:
        ts = send(settings.channel_id)
    except ChannelUnavailable as problem:
        claims.release(db, team_id, job, period, owner=owner)
        tell_coordinator(client, settings, what, problem)
        return Outcome("unavailable", f"{what} not posted: {problem}")
    except (SlackApiError, OSError) as exc:
        claims.release(db, team_id, job, period, owner=owner)
        reason = exc.response.get("error") if isinstance(exc, SlackApiError) else type(exc).__name__
        log.error("%s not posted in %s (%s); the next run tries again", what, team_id, reason)
        return Outcome("failed", f"{what} not posted ({reason}); the next run tries again")
    record(settings.channel_id, ts)
    claims.finish(db, team_id, job, period, now=now, detail=ts)
    return Outcome("posted", f"posted {what} in {settings.channel_id}", ts)


def tell_coordinator(
    client: WebClient, settings: WorkspaceSettings, what: str, problem: ChannelUnavailable
) -> None:
    log.warning("%s: cannot post in %s (%s)", settings.team_id, problem.channel, problem.error)
    if not settings.configured_by:
        return
    message = rhythm.channel_problem_message(what, problem.channel, problem.error)
    try:
        client.chat_postMessage(channel=settings.configured_by, **message)
    except SlackApiError as exc:
        log.warning("could not tell the coordinator either: %s", exc.response.get("error"))
