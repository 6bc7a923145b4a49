"""A workspace's rhythm settings: what they are, how a coordinator writes them, how they read.

One validator serves every way in — the ``/kindness settings`` modal and
``kindness-bot settings set key=value …`` in a shell — so both accept exactly the same values
and word a mistake the same way. Decisions:

- Every bad key is reported at once (``SettingsErrors``): an operator who typed five settings
  fixes them in one go, not in five round trips.
- Each problem is named here (``SettingsError.problem``, with its details) and worded in
  ``bot.blocks.settings``: the key, the value given and what to write instead.
- ``channel`` takes a Slack channel id (``C0123ABCD``, or ``G…`` for an old private channel),
  or the ``<#C0123ABCD|name>`` form Slack sends when a channel is mentioned in a command.
  A ``#name`` is refused: names change and are not unique across a workspace's history, ids are
  neither, and resolving a name would need Slack here.
- Days are names (``monday``/``mon``, any case), never numbers: is day 1 Monday or Tuesday?
- Times are 24-hour ``HH:MM`` (``9:30`` is read as ``09:30``), stored normalised.
- Time zones are IANA names as zoneinfo knows them; the case is forgiven
  (``europe/london`` is stored as ``Europe/London``), the host's ``localtime`` is refused
  because it means different things on different machines.
- ``paused_until`` is the first local date the rhythm runs again: paused while the workspace's
  local date is before it. When validated with ``today`` a past date is refused (it would pause
  nothing), and so is a date more than a year ahead (most likely a typo in the year).
- ``quiet_weeks`` 0 turns the gentle nudge to quiet members off.
- ``coordinators`` is a list kept in its own table (``bot.coordinators``): the value names every
  coordinator (ids or mentions, separated by commas or spaces; ``none`` empties it). Changing
  it is for admins only: callers that cannot vouch for that pass ``coordinators_allowed=False``
  and the key is refused with a clear word.
- ``welcome`` turns the ephemeral welcome to people joining the network channel on or off.
- ``min_group`` is the impact report's anonymity threshold: a per-goal figure drawn from fewer
  members is hidden. ``off`` (or 0) shows every figure; 1 would hide nothing, so it is refused.
- ``digest_chart`` puts the 12-week chart in the weekly digest (on by default).
- ``selection`` is how often the network chooses its most significant stories: ``monthly``
  (the default), ``quarterly`` or ``off``. ``selection_day`` is the day of the month (1–28,
  so that every month has it) on which the round for the period just ended opens, at the
  prompt's time; ``selection_days`` how many days members vote before it closes (1–28).
- ``pairs_every_weeks`` holds a round of peer pairs every so many weeks (0, the default, is
  none; 2 is the suggestion), on ``pairs_day`` at the prompt's time (``bot.pairs``).
- ``keep_years``: entries older than this many years are deleted (``bot.retention``, after a
  month's notice to coordinators); 0, the default, keeps them forever. At most 100.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Mapping
from contextlib import suppress
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlalchemy import select

from bot import audit
from bot.coordinators import coordinators_of, parse_user_list, replace_coordinators
from bot.db import Database
from bot.errors import BadDate, InvalidSetting
from bot.models import SELECTION_CADENCES, Workspace
from bot.periods import parse_day
from bot.weeks import Clock, local_date
from bot.workspaces import ensure_workspace

DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MAX_FOLLOWUP_DAYS = 90
MAX_QUIET_WEEKS = 26
MAX_MIN_GROUP = 100
MAX_PAIRS_EVERY_WEEKS = 12
MAX_KEEP_YEARS = 100
MAX_PAUSE = timedelta(days=366)
MAX_SELECTION_DAY = 28  # a day every month has
_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,}$")
_CHANNEL_MENTION = re.compile(r"^<#([CG][A-Z0-9]{2,})(\|[^>]*)?>$")
_TIME = re.compile(r"^([0-9]{1,2}):([0-9]{2})$")
_HOST_ZONES = frozenset({"localtime", "posixrules", "Factory"})
_TRUE = ("on", "true", "yes")
_FALSE = ("off", "false", "no")
_CLEAR = ("", "off", "none")


@dataclass(frozen=True)
class WorkspaceSettings:
    team_id: str
    channel_id: str | None
    prompt_day: int  # 0 = Monday … 6 = Sunday
    prompt_time: str  # "HH:MM", local to ``timezone``
    digest_day: int
    digest_time: str
    timezone: str
    nudges_enabled: bool
    followup_days: int
    quiet_nudge_weeks: int  # 0 = no nudge to quiet members
    paused_until: date | None  # first local date the rhythm runs again
    configured_by: str | None  # the admin who last saved settings (told when posting fails)
    welcome_enabled: bool = True  # an ephemeral welcome to people who join the channel
    coordinators: tuple[str, ...] = ()  # kept in the database, beside Slack's admins
    min_group: int = 0  # the report hides per-goal figures drawn from fewer members (0 = off)
    digest_chart: bool = True  # the digest carries the 12-week chart
    selection: str = "monthly"  # how often the network chooses its most significant stories
    selection_day: int = 1  # the day of the month a round opens (at prompt_time)
    selection_days: int = 7  # how long members vote
    pairs_every_weeks: int = 0  # a round of peer pairs every so many weeks (0 = none)
    pairs_day: int = 0  # the local day a round begins (0 = Monday), at the prompt's time
    # When the app was uninstalled from the workspace (nothing is scheduled); None: installed.
    uninstalled_at: datetime | None = None
    keep_years: int = 0  # entries older than this are deleted (bot.retention); 0 = forever

    @property
    def installed(self) -> bool:
        return self.uninstalled_at is None


class SettingsError(ValueError):
    """One setting cannot be used: its key, the value given and the problem (``InvalidSetting``'s);
    ``bot.blocks.settings.error_words`` says it."""

    def __init__(self, key: str, value: str | None, problem: str, **details: object) -> None:
        self.key = key
        self.value = value
        self.problem = problem
        self.details = details
        super().__init__(f"{key}: {problem}")


class SettingsErrors(ValueError):
    """Every problem of one change at once, so that all of them can be fixed in one go."""

    def __init__(self, errors: list[SettingsError]) -> None:
        self.errors = errors
        super().__init__(", ".join(str(error) for error in errors))


# -- parsing and validating -------------------------------------------------------------------


def _channel(value: str, today: date | None) -> str:
    text = value.strip()
    mention = _CHANNEL_MENTION.match(text.upper())
    if mention:
        return mention.group(1)
    if text.startswith("#"):
        raise InvalidSetting("channel_name")
    if not _CHANNEL_ID.match(text.upper()):
        raise InvalidSetting("not_channel_id")
    return text.upper()


def _day(value: str, today: date | None) -> int:
    word = value.strip().lower()
    for number, name in enumerate(DAY_NAMES):
        if word in (name, name[:3]):
            return number
    raise InvalidSetting("not_day")


def _time(value: str, today: date | None) -> str:
    match = _TIME.match(value.strip())
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise InvalidSetting("not_time")
    return f"{int(match.group(1)):02d}:{match.group(2)}"


def _timezone(value: str, today: date | None) -> str:
    name = value.strip()
    if name and name not in _HOST_ZONES:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            pass
        else:
            return name
    known = sorted(available_timezones() - _HOST_ZONES)
    by_lower = {zone.lower(): zone for zone in known}
    if name.lower() in by_lower:
        return by_lower[name.lower()]
    raise InvalidSetting("unknown_zone", close=difflib.get_close_matches(name, known, n=3))


def _switch(value: str, today: date | None) -> bool:
    word = value.strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise InvalidSetting("not_switch")


def _whole_number(low: int, high: int) -> Callable[[str, date | None], int]:
    def parse(value: str, today: date | None) -> int:
        text = value.strip()
        if not (text.isascii() and text.isdigit()) or not low <= int(text) <= high:
            raise InvalidSetting("not_in_range", low=low, high=high)
        return int(text)

    return parse


def _cadence(value: str, today: date | None) -> str:
    word = value.strip().lower()
    if word in SELECTION_CADENCES:
        return word
    raise InvalidSetting("not_one_of", choices=SELECTION_CADENCES)


def _user_list(value: str, today: date | None) -> tuple[str, ...]:
    return parse_user_list(value)


def _min_group(value: str, today: date | None) -> int:
    text = value.strip().lower()
    if text in _CLEAR or text == "0":
        return 0
    if not (text.isascii() and text.isdigit()) or not 2 <= int(text) <= MAX_MIN_GROUP:
        raise InvalidSetting("not_min_group", low=2, high=MAX_MIN_GROUP)
    return int(text)


def _pause(value: str, today: date | None) -> date | None:
    text = value.strip()
    if text.lower() in _CLEAR:
        return None
    try:
        until = parse_day(text)
    except BadDate:
        raise InvalidSetting("not_date") from None
    if today is not None and until < today:
        raise InvalidSetting("in_the_past", today=today)
    if today is not None and until > today + MAX_PAUSE:
        raise InvalidSetting("too_far_ahead")
    return until


@dataclass(frozen=True)
class _Setting:
    key: str
    column: str
    parse: Callable[[str, date | None], object]


_SETTINGS = (
    _Setting("channel", "channel_id", _channel),
    _Setting("prompt_day", "prompt_day", _day),
    _Setting("prompt_time", "prompt_time", _time),
    _Setting("digest_day", "digest_day", _day),
    _Setting("digest_time", "digest_time", _time),
    _Setting("timezone", "timezone", _timezone),
    _Setting("nudges", "nudges_enabled", _switch),
    _Setting("followup_days", "followup_days", _whole_number(1, MAX_FOLLOWUP_DAYS)),
    _Setting("quiet_weeks", "quiet_nudge_weeks", _whole_number(0, MAX_QUIET_WEEKS)),
    _Setting("paused_until", "paused_until", _pause),
    _Setting("min_group", "min_group", _min_group),
    _Setting("digest_chart", "digest_chart", _switch),
    _Setting("selection", "selection", _cadence),
    _Setting("selection_day", "selection_day", _whole_number(1, MAX_SELECTION_DAY)),
    _Setting("selection_days", "selection_days", _whole_number(1, MAX_SELECTION_DAY)),
    _Setting("pairs_every_weeks", "pairs_every_weeks", _whole_number(0, MAX_PAIRS_EVERY_WEEKS)),
    _Setting("pairs_day", "pairs_day", _day),
    _Setting("welcome", "welcome_enabled", _switch),
    _Setting("keep_years", "keep_years", _whole_number(0, MAX_KEEP_YEARS)),
    # Not a column: a list in its own table (bot.coordinators).
    _Setting("coordinators", "", _user_list),
)
COORDINATORS = "coordinators"
_BY_KEY = {setting.key: setting for setting in _SETTINGS}
ALL_KEYS = tuple(_BY_KEY)


def _unknown_key(key: str, value: str | None) -> SettingsError:
    close = difflib.get_close_matches(key, ALL_KEYS, n=1)
    return SettingsError(key, value, "unknown_key", close=close, known=ALL_KEYS)


def parse_assignments(items: Iterable[str]) -> dict[str, str]:
    """``["channel=C0123", "prompt_time=09:30"]`` → ``{"channel": "C0123", …}`` (values raw).

    Keys are matched in any case; a key given twice is an error rather than a silent choice.
    """
    assignments: dict[str, str] = {}
    errors: list[SettingsError] = []
    for item in items:
        if "=" not in item:
            errors.append(SettingsError(item, None, "not_assignment"))
            continue
        raw_key, value = item.split("=", 1)
        key = raw_key.strip().lower()
        if key not in _BY_KEY:
            errors.append(_unknown_key(raw_key.strip(), value))
        elif key in assignments:
            errors.append(SettingsError(key, value, "given_twice"))
        else:
            assignments[key] = value
    if errors:
        raise SettingsErrors(errors)
    return assignments


def validate_changes(
    changes: Mapping[str, str | None], *, today: date | None = None
) -> dict[str, object]:
    """Raw values by key → typed values by key, or ``SettingsErrors`` naming every bad one.

    ``today`` (the workspace's local date) enables the checks that depend on it: a pause that
    ends in the past or more than a year ahead. None stands for an empty field (as a modal's
    state reports one).
    """
    typed: dict[str, object] = {}
    errors: list[SettingsError] = []
    for key, raw in changes.items():
        value = raw or ""
        setting = _BY_KEY.get(key)
        if setting is None:
            errors.append(_unknown_key(key, value))
            continue
        try:
            typed[key] = setting.parse(value, today)
        except InvalidSetting as invalid:
            errors.append(SettingsError(key, value, invalid.problem, **invalid.details))
    if errors:
        raise SettingsErrors(errors)
    return typed


# -- storing ----------------------------------------------------------------------------------


class SettingsStore:
    """Settings per workspace, kept in the ``workspaces`` row (created with defaults on demand)."""

    def __init__(self, db: Database, *, clock: Clock, default_timezone: str = "UTC") -> None:
        self.db = db
        self.clock = clock
        self.default_timezone = default_timezone

    def get(self, team_id: str) -> WorkspaceSettings:
        with self.db.reading() as session:
            workspace = session.get(Workspace, team_id)
            if workspace is not None:
                return _settings_of(workspace, coordinators_of(session, team_id))
        with self.db.session() as session:
            workspace = ensure_workspace(
                session, team_id, now=self.clock(), timezone=self.default_timezone
            )
            return _settings_of(workspace, coordinators_of(session, team_id))

    def update(
        self,
        team_id: str,
        changes: Mapping[str, object],
        *,
        by_user: str | None,
        coordinators_allowed: bool = True,
    ) -> WorkspaceSettings:
        """Apply typed changes (from ``validate_changes``); ``by_user`` becomes configured_by.

        ``coordinators_allowed``: the caller vouches that ``by_user`` may change the
        coordinators (an admin, or an operator at a shell); otherwise that key is refused.
        """
        unknown = [key for key in changes if key not in _BY_KEY]
        if unknown:
            raise SettingsErrors([_unknown_key(key, None) for key in unknown])
        now = self.clock()
        with self.db.session() as session:
            workspace = ensure_workspace(session, team_id, now=now, timezone=self.default_timezone)
            current = coordinators_of(session, team_id)
            wanted = changes.get(COORDINATORS, current)
            if wanted != current and not coordinators_allowed:
                raise SettingsErrors([SettingsError(COORDINATORS, None, "admins_only")])
            changed: dict[str, object] = {}
            for key, value in changes.items():
                if key == COORDINATORS:
                    change = replace_coordinators(
                        session,
                        team_id,
                        tuple(value),
                        by_user=by_user,
                        now=now,  # type: ignore[arg-type]
                    )
                    if change:
                        audit.record(
                            session,
                            team_id=team_id,
                            actor=by_user,
                            action=audit.COORDINATORS_CHANGED,
                            at=now,
                            details={"added": change.added, "removed": change.removed},
                        )
                else:
                    column = _BY_KEY[key].column
                    if getattr(workspace, column) != value:
                        changed[key] = value
                    setattr(workspace, column, value)
            if changed:
                audit.record(
                    session,
                    team_id=team_id,
                    actor=by_user,
                    action=audit.SETTINGS_CHANGED,
                    at=now,
                    details=changed,
                )
            if by_user is not None:
                workspace.configured_by = by_user
            workspace.updated_at = now
            session.flush()
            return _settings_of(workspace, coordinators_of(session, team_id))

    def apply(
        self,
        team_id: str,
        raw: Mapping[str, str | None],
        *,
        by_user: str | None,
        coordinators_allowed: bool = True,
    ) -> WorkspaceSettings:
        """Validate raw values (shell words, modal fields) and store them: both callers' path.

        "Today" for the pause check is the local date in the time zone being set, if any.
        """
        zone = self.get(team_id).timezone
        with suppress(ValueError):  # a bad zone is reported below, with every other problem
            zone = _timezone(raw.get("timezone") or zone, None)
        today = local_date(self.clock(), zone)
        return self.update(
            team_id,
            validate_changes(raw, today=today),
            by_user=by_user,
            coordinators_allowed=coordinators_allowed,
        )

    def all(self) -> list[WorkspaceSettings]:
        """Every workspace the app is installed in (those it was uninstalled from are left out:
        nothing is scheduled for them)."""
        with self.db.reading() as session:
            rows = session.scalars(
                select(Workspace)
                .where(Workspace.uninstalled_at.is_(None))
                .order_by(Workspace.team_id)
            ).all()
            return [_settings_of(row, coordinators_of(session, row.team_id)) for row in rows]

    def is_paused(self, settings: WorkspaceSettings, now: datetime) -> bool:
        return paused_at(settings.paused_until, settings.timezone, now)


def paused_at(paused_until: date | None, timezone: str, now: datetime) -> bool:
    """Paused while the workspace's local date (in ``timezone``) is before ``paused_until``."""
    if paused_until is None:
        return False
    return local_date(now, timezone) < paused_until


def _settings_of(workspace: Workspace, coordinators: tuple[str, ...]) -> WorkspaceSettings:
    return WorkspaceSettings(
        team_id=workspace.team_id,
        channel_id=workspace.channel_id,
        prompt_day=workspace.prompt_day,
        prompt_time=workspace.prompt_time,
        digest_day=workspace.digest_day,
        digest_time=workspace.digest_time,
        timezone=workspace.timezone,
        nudges_enabled=workspace.nudges_enabled,
        followup_days=workspace.followup_days,
        quiet_nudge_weeks=workspace.quiet_nudge_weeks,
        paused_until=workspace.paused_until,
        configured_by=workspace.configured_by,
        welcome_enabled=workspace.welcome_enabled,
        coordinators=coordinators,
        min_group=workspace.min_group,
        digest_chart=workspace.digest_chart,
        selection=workspace.selection,
        selection_day=workspace.selection_day,
        selection_days=workspace.selection_days,
        pairs_every_weeks=workspace.pairs_every_weeks,
        pairs_day=workspace.pairs_day,
        uninstalled_at=workspace.uninstalled_at,
        keep_years=workspace.keep_years,
    )
