"""Who a batch of DMs goes to: each member's time zone and whether they are away.

Time zones are Slack's (``tz``), cached on the member row for a day (``PROFILE_MAX_AGE``), so a
run every half hour costs no Slack call for members seen today. When more than
``USERS_INFO_UP_TO`` members need a fresh zone, one ``users.list`` walk (200 people a page)
replaces a ``users.info`` call each: a thousand members cost five calls instead of a thousand.
When Slack cannot answer, the cached zone is used, else the workspace's: one member's profile
never stops a run, and the fallback can only be wrong by the member's distance from the
workspace.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import islice

from sqlalchemy import bindparam, select, update

from bot.db import Database, insert_many_ignoring_duplicates
from bot.members import is_away
from bot.models import Member
from bot.slack.port import Person, SlackError, SlackPort
from bot.weeks import usable_zone

log = logging.getLogger(__name__)

PROFILE_MAX_AGE = timedelta(days=1)
USERS_INFO_UP_TO = 10
_IN_CHUNK = 500  # ids per IN (…) list


@dataclass(frozen=True)
class Recipient:
    user_id: str
    zone: str  # a zone zoneinfo knows: the member's own, else the workspace's
    away_until: date | None

    def away(self, now: datetime) -> bool:
        return is_away(self.away_until, self.zone, now)


@dataclass(frozen=True)
class _Cached:
    tz: str | None
    fetched_at: datetime | None
    away_until: date | None


def recipients(
    db: Database,
    slack: SlackPort,
    team_id: str,
    user_ids: Iterable[str],
    *,
    now: datetime,
    workspace_tz: str,
) -> dict[str, Recipient]:
    """Each member's zone and away date, asking Slack only for zones older than a day."""
    wanted = list(dict.fromkeys(user_ids))
    cached = _load(db, team_id, wanted)
    stale = [
        user_id
        for user_id in wanted
        if user_id not in cached
        or cached[user_id].fetched_at is None
        or now - cached[user_id].fetched_at >= PROFILE_MAX_AGE  # type: ignore[operator]
    ]
    fetched = _fetch_zones(slack, team_id, stale) if stale else {}
    if fetched:
        remember_profiles(db, team_id, fetched, now)
    found: dict[str, Recipient] = {}
    for user_id in wanted:
        known = cached.get(user_id)
        tz = fetched[user_id][0] if user_id in fetched else (known.tz if known else None)
        found[user_id] = Recipient(
            user_id, usable_zone(tz, workspace_tz), known.away_until if known else None
        )
    return found


def _load(db: Database, team_id: str, user_ids: list[str]) -> dict[str, _Cached]:
    found: dict[str, _Cached] = {}
    with db.reading() as session:
        for chunk in _chunks(user_ids):
            for row in session.execute(
                select(
                    Member.user_id, Member.tz, Member.profile_fetched_at, Member.away_until
                ).where(Member.team_id == team_id, Member.user_id.in_(chunk))
            ):
                found[row.user_id] = _Cached(row.tz, row.profile_fetched_at, row.away_until)
    return found


def _fetch_zones(
    slack: SlackPort, team_id: str, stale: list[str]
) -> dict[str, tuple[str | None, str | None]]:
    """user id → (tz, display name) from Slack, for as many of ``stale`` as Slack answered."""
    people: dict[str, Person] = {}
    if len(stale) <= USERS_INFO_UP_TO:
        for user_id in stale:
            try:
                people[user_id] = slack.person(user_id)
            except SlackError as error:
                log.warning(
                    "users.info for %s in %s failed (%s); using the cached time zone",
                    user_id,
                    team_id,
                    error.error,
                )
    else:
        wanted = set(stale)
        try:
            for person in slack.people():
                if person.user_id in wanted:
                    people[person.user_id] = person
        except SlackError as error:
            log.warning(
                "users.list in %s failed (%s); %d of %d time zones refreshed",
                team_id,
                error.error,
                len(people),
                len(stale),
            )
            return {user_id: (person.tz, person.name) for user_id, person in people.items()}
        # Members of another organisation, met in the network's channel shared with it (Slack
        # Connect), are not among the workspace's people: Slack answers for them one by one.
        for user_id in (u for u in stale if u not in people):
            try:
                people[user_id] = slack.person(user_id)
            except SlackError as error:
                log.warning("users.info for %s in %s failed (%s)", user_id, team_id, error.error)
    return {user_id: (person.tz, person.name) for user_id, person in people.items()}


def remember_profiles(
    db: Database, team_id: str, fetched: dict[str, tuple[str | None, str | None]], now: datetime
) -> None:
    """Cache what Slack said, in one transaction of two statements (member rows made where
    missing)."""
    members = Member.__table__
    with db.session() as session:
        insert_many_ignoring_duplicates(
            session,
            Member,
            [{"team_id": team_id, "user_id": user_id, "created_at": now} for user_id in fetched],
        )
        session.execute(
            update(members)
            .where(members.c.team_id == team_id, members.c.user_id == bindparam("who"))
            .values(tz=bindparam("zone"), display_name=bindparam("name"), profile_fetched_at=now),
            [{"who": user, "zone": tz, "name": name} for user, (tz, name) in fetched.items()],
        )


def _chunks(items: list[str]) -> Iterator[list[str]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, _IN_CHUNK)):
        yield chunk
