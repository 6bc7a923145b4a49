"""Organisations endorsing the network's goals framework: shown on the published site's
commitment page with the date and, optionally, a link.

An organisation needs no member in the workspace to endorse: endorsing names it (made if the
bot has not met it, by the same key as members' organisations, ``bot.organisations``).
Withdrawing keeps the organisation and drops the endorsement. A link is a web address and
nothing else (``check_endorsement_url``); a date is a day (today when not given).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import urlsplit

from sqlalchemy import select

from bot.db import Database
from bot.errors import LogError
from bot.models import Organisation
from bot.organisations import existing_organisation, get_or_create_organisation

MAX_URL = 500


class BadEndorsementUrl(LogError):
    def __init__(self, given: str) -> None:
        super().__init__(
            f"'{given[:80]}' is not a web address to link to: give one starting with https:// "
            "(or http://), with no spaces, quotes or angle brackets, e.g. https://example.org"
        )
        self.given = given


class NotEndorsing(LogError):
    def __init__(self, name: str) -> None:
        super().__init__(f"{name} does not endorse the goals; nothing to withdraw")
        self.name = name


@dataclass(frozen=True)
class Endorsement:
    """An organisation endorsing the goals framework."""

    name: str
    endorsed_on: date
    url: str | None = None


def check_endorsement_url(url: str | None) -> str | None:
    """An http(s) address with a host, without markup or spaces (None or blank: no link)."""
    if url is None or not url.strip():
        return None
    given = url.strip()
    parts = urlsplit(given)
    unsafe = any(c.isspace() or c in "<>\"'`\\{}|^" for c in given)
    if parts.scheme not in ("http", "https") or not parts.hostname or unsafe:
        raise BadEndorsementUrl(given)
    if len(given) > MAX_URL:
        raise BadEndorsementUrl(given)
    return given


def endorse(
    db: Database,
    team_id: str,
    name: str,
    *,
    on: date,
    url: str | None = None,
    now: datetime,
) -> Endorsement:
    """``name`` endorses the goals from ``on`` (its link ``url``); again: date and link
    replaced. Checked before anything is stored."""
    link = check_endorsement_url(url)
    with db.session() as session:
        organisation = get_or_create_organisation(session, team_id, name, now=now)
        organisation.endorsed_on = on
        organisation.endorsement_url = link
        session.flush()
        return Endorsement(organisation.name, on, link)


def withdraw(db: Database, team_id: str, name: str) -> str:
    """``name`` no longer endorses the goals; its name as kept."""
    with db.session() as session:
        organisation = existing_organisation(session, team_id, name)
        if organisation.endorsed_on is None:
            raise NotEndorsing(organisation.name)
        organisation.endorsed_on = None
        organisation.endorsement_url = None
        return organisation.name


def endorsements(db: Database, team_id: str) -> list[Endorsement]:
    """Every endorsement of the workspace, by name."""
    with db.reading() as session:
        rows = session.execute(
            select(Organisation.name, Organisation.endorsed_on, Organisation.endorsement_url)
            .where(Organisation.team_id == team_id, Organisation.endorsed_on.is_not(None))
            .order_by(Organisation.name_key)
        ).all()
    return [Endorsement(name, on, url) for name, on, url in rows]
