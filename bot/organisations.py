"""The organisations members are from: one per name, however it is typed.

Rules, decided here so that every way in (``/kindness org``, the welcome, App Home, the log
modal, ``kindness-bot orgs``) agrees:

- A name is compared by its *key*: case folded, accents and punctuation dropped, spacing
  collapsed, "&" read as "and" — so "NHS Fife", "nhs  fife" and "N.H.S. Fife" are one
  organisation, kept under the name first given (a coordinator may rename it).
- A name one or two letters away from a known one (a small typo) is *offered* as that one: the
  member chooses; nothing is merged behind their back.
- A name is words a person would write: not blank, not only emoji or punctuation, not a Slack
  mention or a link, at most ``MAX_NAME`` characters. Each refusal says what to change.
- An entry keeps the organisation its author had when writing it (``Entry.organisation_id``,
  stamped by the learning log); changing one's organisation later leaves old entries alone.
- An anonymous entry never shows its organisation: the export (``bot.export``), the report
  (``bot.report.evidence``) and the published site (``bot.site.build``) each leave it out.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot.db import Database, database_now, insert_ignoring_duplicates
from bot.errors import LogError, UnknownChoice
from bot.models import SECTORS, Entry, Member, Organisation
from bot.weeks import Clock
from bot.words import count
from bot.workspaces import ensure_workspace

MAX_NAME = 100
MAX_PLACE = 100
# Words that clear a member's organisation (``/kindness org none``).
CLEAR_WORDS = ("none", "clear", "off", "-")

_SHORTCODE = re.compile(r":[a-z0-9_+\-']+:", re.IGNORECASE)
_MENTION = re.compile(r"<[@#!][^>]*>|(?<!\w)@[\w.\-]+")
_LINK = re.compile(r"<?\b(?:https?://|mailto:|www\.)|\b[\w\-]+\.(?:com|org|net|uk|io|gov)\b/")
_JOINERS = re.compile(r"[\s\-_/|+]+")


class OrganisationNameRefused(LogError):
    """A name that cannot be an organisation's; ``reason`` says what to change."""

    def __init__(self, given: str, reason: str) -> None:
        super().__init__(f"'{_short(given)}' cannot be an organisation's name: {reason}")
        self.given = given
        self.reason = reason


class OrganisationNotFound(LogError):
    def __init__(self, name: str) -> None:
        super().__init__(f"there is no organisation called '{_short(name)}'")
        self.name = name


class OrganisationExists(LogError):
    """A rename onto a name another organisation already has (merge them instead)."""

    def __init__(self, name: str, existing: str) -> None:
        super().__init__(
            f"'{existing}' already exists; merge '{_short(name)}' into it instead of renaming"
        )
        self.name = name
        self.existing = existing


class MergeIntoItself(LogError):
    def __init__(self, name: str) -> None:
        super().__init__(f"'{name}' cannot be merged into itself; name two organisations")
        self.name = name


class TwoNamesNeeded(LogError):
    """A rename or merge that does not name two organisations."""

    def __init__(self, action: str) -> None:
        super().__init__(
            f"{action} needs two names with > between them, e.g. {action} Fife NHS > NHS Fife"
        )
        self.action = action


class NothingToSet(LogError):
    def __init__(self, name: str) -> None:
        super().__init__(
            f"say what to set after the name, e.g. set {_short(name) or 'NHS Fife'} "
            "sector=public place=Fife"
        )
        self.name = name


class UnknownSector(UnknownChoice):
    what = "sector"


class PlaceTooLong(LogError):
    def __init__(self, length: int) -> None:
        super().__init__(f"the place has {length} characters; the limit is {MAX_PLACE}")
        self.length = length


@dataclass(frozen=True)
class OrganisationSummary:
    """One organisation as a coordinator lists it."""

    id: int
    name: str
    sector: str | None
    place: str | None
    members: int
    entries: int


def described_row(row: OrganisationSummary) -> str:
    """One organisation as the command line lists it (tab-separated, for a spreadsheet)."""
    fields = [row.name, row.sector or "-", row.place or "-"]
    return "\t".join([*fields, count(row.members, "member"), count(row.entries, "entry")])


def name_key(name: str) -> str:
    """The name as compared: "N.H.S.  Fife" → "nhs fife"."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = text.replace("&", " and ")
    text = _JOINERS.sub(" ", text)
    text = "".join(c for c in text if c.isalnum() or c == " ")
    return " ".join(text.split())[:200]


def clean_name(raw: str | None) -> str:
    """The name as it will be kept (spacing tidied), or ``OrganisationNameRefused``."""
    given = raw or ""
    name = " ".join(given.split())
    if not name:
        raise OrganisationNameRefused(given, "it is blank; write the organisation's name")
    if len(name) > MAX_NAME:
        raise OrganisationNameRefused(
            given, f"it has {len(name)} characters; the limit is {MAX_NAME}"
        )
    if _MENTION.search(name):
        raise OrganisationNameRefused(
            given, "it names a person or a channel; write the organisation's name"
        )
    if _LINK.search(name):
        raise OrganisationNameRefused(given, "it is a link; write the organisation's name")
    if not name_key(_SHORTCODE.sub(" ", name)):
        raise OrganisationNameRefused(
            given, "it has no letters or digits; write the organisation's name"
        )
    # Kept as plain text (a slash command's text comes with Slack's escapes).
    return name.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def find_organisation(session: Session, team_id: str, name: str) -> Organisation | None:
    """The organisation whose name has the same key (case, spacing, punctuation aside)."""
    key = name_key(name)
    if not key:
        return None
    return session.scalar(
        select(Organisation).where(Organisation.team_id == team_id, Organisation.name_key == key)
    )


def similar_organisation(session: Session, team_id: str, name: str) -> Organisation | None:
    """The organisation ``name`` most likely means: the same key, else one a small typo away
    (one letter for a short name, two for a longer one); None when none is close."""
    exact = find_organisation(session, team_id, name)
    if exact is not None:
        return exact
    key = name_key(name)
    if not key:
        return None
    allowed = 0 if len(key) < 4 else 1 if len(key) < 10 else 2
    best: tuple[int, str, Organisation] | None = None
    for organisation in session.scalars(
        select(Organisation).where(Organisation.team_id == team_id)
    ):
        distance = _distance(key, organisation.name_key, allowed)
        if distance > allowed and key.replace(" ", "") != organisation.name_key.replace(" ", ""):
            continue
        candidate = (distance, organisation.name, organisation)
        if best is None or candidate[:2] < best[:2]:
            best = candidate
    return best[2] if best else None


def get_or_create_organisation(
    session: Session, team_id: str, name: str, *, now: datetime | None = None
) -> Organisation:
    """The organisation with ``name``'s key, made (under ``name``) if there is none yet.
    Race-free: two members naming a new organisation at once get the same row."""
    name = clean_name(name)
    found = find_organisation(session, team_id, name)
    if found is not None:
        return found
    created = now or database_now(session)
    ensure_workspace(session, team_id, now=created)
    insert_ignoring_duplicates(
        session,
        Organisation,
        {"team_id": team_id, "name": name, "name_key": name_key(name), "created_at": created},
    )
    found = find_organisation(session, team_id, name)
    assert found is not None
    return found


def organisation_of(session: Session, team_id: str, user_id: str) -> Organisation | None:
    """The organisation the member says they are from, if any."""
    return session.scalar(
        select(Organisation)
        .join(Member, Member.organisation_id == Organisation.id)
        .where(Member.team_id == team_id, Member.user_id == user_id)
    )


def set_member_organisation(
    session: Session,
    team_id: str,
    user_id: str,
    organisation: Organisation | None,
    *,
    now: datetime,
) -> None:
    """The member is from ``organisation`` from now on (None: they no longer say). Their
    earlier entries keep the organisation they were written under."""
    ensure_workspace(session, team_id, now=now)
    insert_ignoring_duplicates(
        session, Member, {"team_id": team_id, "user_id": user_id, "created_at": now}
    )
    session.execute(
        update(Member)
        .where(Member.team_id == team_id, Member.user_id == user_id)
        .values(organisation_id=organisation.id if organisation else None)
    )


def organisation_names(session: Session, team_id: str) -> dict[int, str]:
    """Every organisation of the workspace, id → name."""
    return dict(
        session.execute(
            select(Organisation.id, Organisation.name).where(Organisation.team_id == team_id)
        ).all()
    )


# -- coordinators ---------------------------------------------------------------------------------


def list_organisations(session: Session, team_id: str) -> list[OrganisationSummary]:
    """The workspace's organisations by name, with how many members and entries each has."""
    members = (
        select(func.count())
        .where(Member.team_id == team_id, Member.organisation_id == Organisation.id)
        .correlate(Organisation)
        .scalar_subquery()
    )
    entries = (
        select(func.count())
        .where(Entry.organisation_id == Organisation.id)
        .correlate(Organisation)
        .scalar_subquery()
    )
    rows = session.execute(
        select(
            Organisation.id,
            Organisation.name,
            Organisation.sector,
            Organisation.place,
            members,
            entries,
        )
        .where(Organisation.team_id == team_id)
        .order_by(Organisation.name_key)
    ).all()
    return [OrganisationSummary(*row) for row in rows]


def existing_organisation(session: Session, team_id: str, name: str) -> Organisation:
    """The organisation a coordinator named (by key), or ``OrganisationNotFound``."""
    found = find_organisation(session, team_id, name)
    if found is None:
        raise OrganisationNotFound(name)
    return found


def rename_organisation(session: Session, team_id: str, old: str, new: str) -> Organisation:
    """``old`` is called ``new`` from now on (members and entries stay with it). A new name
    that another organisation has is refused: merging is a separate, deliberate step."""
    organisation = existing_organisation(session, team_id, old)
    name = clean_name(new)
    other = find_organisation(session, team_id, name)
    if other is not None and other.id != organisation.id:
        raise OrganisationExists(organisation.name, other.name)
    organisation.name = name
    organisation.name_key = name_key(name)
    session.flush()
    return organisation


def merge_organisations(session: Session, team_id: str, source: str, target: str) -> Organisation:
    """``source``'s members and entries move to ``target`` and ``source`` goes; ``target``
    keeps its sector and place, taking ``source``'s where it has none."""
    moving = existing_organisation(session, team_id, source)
    into = existing_organisation(session, team_id, target)
    if moving.id == into.id:
        raise MergeIntoItself(into.name)
    session.execute(
        update(Member)
        .where(Member.team_id == team_id, Member.organisation_id == moving.id)
        .values(organisation_id=into.id)
    )
    session.execute(
        update(Entry)
        .where(Entry.team_id == team_id, Entry.organisation_id == moving.id)
        .values(organisation_id=into.id)
    )
    into.sector = into.sector or moving.sector
    into.place = into.place or moving.place
    session.delete(moving)
    session.flush()
    return into


def parse_sector(given: str) -> str | None:
    """A sector word (``public``…); empty or ``none`` clears it."""
    word = given.strip().lower()
    if word in ("", "none", "-"):
        return None
    if word not in SECTORS:
        raise UnknownSector(given, list(SECTORS))
    return word


def clean_place(given: str) -> str | None:
    place = " ".join(given.split())
    if place.lower() in ("", "none", "-"):
        return None
    if len(place) > MAX_PLACE:
        raise PlaceTooLong(len(place))
    if _MENTION.search(place) or _LINK.search(place):
        raise OrganisationNameRefused(place, "a place is a town, region or nation, not a link")
    return place


def describe_organisation(
    session: Session,
    team_id: str,
    name: str,
    *,
    sector: str | None = None,
    place: str | None = None,
    clear_sector: bool = False,
    clear_place: bool = False,
) -> Organisation:
    """Set an organisation's sector and place (checked first: nothing half-stored)."""
    organisation = existing_organisation(session, team_id, name)
    if sector is not None or clear_sector:
        organisation.sector = sector
    if place is not None or clear_place:
        organisation.place = place
    session.flush()
    return organisation


def _distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance, stopping early once it exceeds ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- the service the Slack layer uses -------------------------------------------------------------


@dataclass(frozen=True)
class OrganisationInfo:
    id: int
    name: str
    sector: str | None
    place: str | None

    @classmethod
    def of(cls, organisation: Organisation) -> OrganisationInfo:
        return cls(organisation.id, organisation.name, organisation.sector, organisation.place)


@dataclass(frozen=True)
class Choice:
    """What came of a member naming their organisation: ``set`` (to ``organisation``),
    ``cleared``, or ``offer`` (``organisation`` is the known one ``typed`` is close to; nothing
    stored until they choose)."""

    outcome: str
    typed: str
    organisation: OrganisationInfo | None


class MemberOrganisations:
    """A member's organisation, and the coordinators' list (each call one transaction)."""

    def __init__(self, db: Database, *, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def current(self, team_id: str, user_id: str) -> OrganisationInfo | None:
        with self.db.reading() as session:
            found = organisation_of(session, team_id, user_id)
            return OrganisationInfo.of(found) if found else None

    def choose(
        self, team_id: str, user_id: str, typed: str, *, entry_id: int | None = None
    ) -> Choice:
        """The member names their organisation (``none`` clears it). The same name however
        typed is that organisation; a name a typo away is offered, not taken."""
        if typed.strip().lower() in CLEAR_WORDS:
            self._set(team_id, user_id, None, entry_id)
            return Choice("cleared", typed, None)
        name = clean_name(typed)
        with self.db.reading() as session:
            close = similar_organisation(session, team_id, name)
            if close is not None and close.name_key != name_key(name):
                return Choice("offer", name, OrganisationInfo.of(close))
        return Choice("set", name, self.create_and_use(team_id, user_id, name, entry_id=entry_id))

    def use(
        self, team_id: str, user_id: str, organisation_id: int, *, entry_id: int | None = None
    ) -> OrganisationInfo:
        """The member takes the organisation offered (refused if it is gone meanwhile)."""
        with self.db.reading() as session:
            found = session.get(Organisation, organisation_id)
            if found is None or found.team_id != team_id:
                raise OrganisationNotFound(str(organisation_id))
        return self._set(team_id, user_id, organisation_id, entry_id)  # type: ignore[return-value]

    def create_and_use(
        self, team_id: str, user_id: str, name: str, *, entry_id: int | None = None
    ) -> OrganisationInfo:
        """The member's organisation is ``name`` as typed (made if new)."""
        with self.db.session() as session:
            organisation = get_or_create_organisation(session, team_id, name, now=self.clock())
            organisation_id = organisation.id
        return self._set(team_id, user_id, organisation_id, entry_id)  # type: ignore[return-value]

    def _set(
        self, team_id: str, user_id: str, organisation_id: int | None, entry_id: int | None
    ) -> OrganisationInfo | None:
        now = self.clock()
        with self.db.session() as session:
            organisation = session.get(Organisation, organisation_id) if organisation_id else None
            set_member_organisation(session, team_id, user_id, organisation, now=now)
            if entry_id is not None:
                # The entry just logged, while the member chose: it takes the choice too.
                session.execute(
                    update(Entry)
                    .where(Entry.team_id == team_id, Entry.id == entry_id, Entry.user_id == user_id)
                    .values(organisation_id=organisation_id)
                )
            return OrganisationInfo.of(organisation) if organisation else None

    # -- coordinators

    def listed(self, team_id: str) -> list[OrganisationSummary]:
        with self.db.reading() as session:
            return list_organisations(session, team_id)

    def rename(self, team_id: str, old: str, new: str) -> OrganisationInfo:
        with self.db.session() as session:
            return OrganisationInfo.of(rename_organisation(session, team_id, old, new))

    def merge(self, team_id: str, source: str, target: str) -> OrganisationInfo:
        with self.db.session() as session:
            return OrganisationInfo.of(merge_organisations(session, team_id, source, target))

    def describe(self, team_id: str, name: str, settings: dict[str, str]) -> OrganisationInfo:
        """``settings``: ``sector`` and/or ``place`` (empty or ``none`` clears); every value
        is checked before anything is stored."""
        if not settings:
            raise NothingToSet(name)
        unknown = sorted(set(settings) - {"sector", "place"})
        if unknown:
            raise UnknownSetting(unknown[0], ["sector", "place"])
        sector = parse_sector(settings["sector"]) if "sector" in settings else None
        place = clean_place(settings["place"]) if "place" in settings else None
        with self.db.session() as session:
            organisation = describe_organisation(
                session,
                team_id,
                name,
                sector=sector,
                place=place,
                clear_sector="sector" in settings and sector is None,
                clear_place="place" in settings and place is None,
            )
            return OrganisationInfo.of(organisation)


class UnknownSetting(UnknownChoice):
    what = "organisation setting"


def parse_settings(words: list[str]) -> tuple[str, dict[str, str]]:
    """``NHS Fife sector=public place=Fife`` → (``NHS Fife``, {sector, place}): the name is
    every word before the first ``key=value``; a value runs to the next ``key=``."""
    name_words: list[str] = []
    settings: dict[str, str] = {}
    key: str | None = None
    for word in words:
        head, equals, rest = word.partition("=")
        if equals and head and head.isidentifier():
            key = head.lower()
            settings[key] = rest
        elif key is not None:
            settings[key] = f"{settings[key]} {word}".strip()
        else:
            name_words.append(word)
    return " ".join(name_words), settings
