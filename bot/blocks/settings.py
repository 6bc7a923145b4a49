"""A workspace's settings in words: read back line by line (``/kindness settings show`` in
Slack, through ``bot.blocks.rhythm``, and ``kindness-bot settings show`` in a shell say the
same), and what is wrong with a value, under its field in the settings form and in a shell.

The settings themselves, and what a valid one is, are the core's (``bot.settings``): it names
each problem (``SettingsError.problem``); the words here name the setting, quote the value and
say what to write instead.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.settings import DAY_NAMES, SettingsError, SettingsErrors, WorkspaceSettings
from bot.words import count

# Shown under the settings form's field too: no operator's setting named where members read.
ADMINS_ONLY = "only the workspace's admins and owners can change who coordinates"
# What a whole number stands for, after its range.
_NUMBER_NOTES = {
    "quiet_weeks": " (0 turns the nudge to quiet members off)",
    "selection_day": " (the day of the month the round opens)",
    "selection_days": " (the days members have to vote)",
    "pairs_every_weeks": " (0 turns peer pairs off; 2 is a good start)",
    "keep_years": " (0 keeps entries forever)",
}


# -- what is wrong ---------------------------------------------------------------------------


def error_words(error: SettingsError) -> str:
    """The setting named, the value quoted, what to write instead."""
    given = f"{error.key} {error.value!r}" if error.value is not None else repr(error.key)
    return f"{given}: {reason_words(error.key, error.problem, error.details)}"


def errors_words(errors: SettingsErrors) -> list[str]:
    """Every problem of one change, one line each (a shell prints them all)."""
    return [error_words(error) for error in errors.errors]


def field_errors(errors: SettingsErrors) -> dict[str, str]:
    """Key → words, for the settings form's per-field errors."""
    return {error.key: error_words(error) for error in errors.errors}


def reason_words(key: str, problem: str, details: Mapping[str, Any]) -> str:
    """What is wrong with the value of ``key``, and what to write instead."""
    if problem == "channel_name":
        return (
            "channel names are not accepted, only ids; write the channel's id, e.g. C0123ABCD "
            "(in Slack: open the channel's details, the id is at the bottom)"
        )
    if problem == "not_channel_id":
        return "is not a Slack channel id; write one such as C0123ABCD"
    if problem == "not_day":
        return "is not a day; write a day name such as monday or mon"
    if problem == "not_time":
        return "is not a time of day; write 24-hour HH:MM, e.g. 09:30 or 15:00"
    if problem == "unknown_zone":
        close = details["close"]
        hint = f" (did you mean {' or '.join(close)}?)" if close else ""
        return f"is not a known time zone{hint}; write an IANA name such as Europe/London"
    if problem == "not_switch":
        return "write on or off"
    if problem == "not_in_range":
        note = _NUMBER_NOTES.get(key, "")
        return f"write a whole number from {details['low']} to {details['high']}{note}"
    if problem == "not_one_of":
        return f"write one of {', '.join(details['choices'])}"
    if problem == "not_min_group":
        return (
            f"write a whole number of members from {details['low']} to {details['high']}, or "
            "off to show every figure"
        )
    if problem == "not_date":
        return "is not a date; write YYYY-MM-DD (the first day to run again), or off"
    if problem == "in_the_past":
        today = details["today"].isoformat()
        return f"is in the past (today is {today}); write a later date, or off"
    if problem == "too_far_ahead":
        return "is more than a year ahead; check the year, or write an earlier date"
    if problem == "not_member_id":
        word = details["word"]
        hint = (
            " (a name: write the member's id, found in their Slack profile under ⋯)"
            if word.startswith("@")
            else ""
        )
        return f"'{word}' is not a member id such as U0123ABCD{hint}"
    if problem == "too_many_members":
        return f"names {details['count']} members; at most {details['most']}"
    if problem == "unknown_key":
        close = details["close"]
        hint = f"did you mean {close[0]}? " if close else ""
        return f"is not a setting; {hint}known settings: {', '.join(details['known'])}"
    if problem == "not_assignment":
        return "is not key=value; write e.g. prompt_time=09:30"
    if problem == "given_twice":
        return "is given twice; give it once"
    if problem == "admins_only":
        return ADMINS_ONLY
    raise ValueError(f"no words for the settings problem {problem!r}")


# -- read back -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SettingLine:
    """One line of the settings read back: a label, its value in words, and — on the
    channel's line, when one is set — the channel's id, for a reader that can link to it."""

    label: str
    value: str
    channel_id: str | None = None
    # The members a line names (coordinators, who last changed them): Slack shows them by
    # name from their ids; ``value`` is what a shell prints.
    user_ids: tuple[str, ...] = ()


def setting_lines(
    settings: WorkspaceSettings,
    *,
    today: date | None = None,
    name_of: Callable[[str], str] | None = None,
) -> list[SettingLine]:
    """The settings read back, line by line, for ``settings show`` in a shell and in Slack.

    With ``today`` (the workspace's local date), a pause that has already ended reads "no".
    ``name_of``: a member's name for the shell's lines (Slack names members from their ids).
    """
    named = name_of or (lambda user_id: user_id)
    coordinators = settings.coordinators
    changed_by = (settings.configured_by,) if settings.configured_by else ()
    paused = settings.paused_until
    if paused is not None and (today is None or today < paused):
        pause = f"until {paused:%a} {paused.day} {paused:%b %Y}"
    else:
        pause = "no"
    quiet = settings.quiet_nudge_weeks
    lines = []
    if settings.uninstalled_at is not None:
        lines.append(
            SettingLine(
                "Slack app",
                f"uninstalled on {settings.uninstalled_at:%a} {settings.uninstalled_at.day} "
                f"{settings.uninstalled_at:%b %Y}: nothing is posted; the learning log is kept",
            )
        )
    return [
        *lines,
        SettingLine(
            "Channel",
            settings.channel_id or "not set — nothing is posted until it is",
            channel_id=settings.channel_id,
        ),
        SettingLine(
            "Weekly prompt", _when(settings.prompt_day, settings.prompt_time, settings.timezone)
        ),
        SettingLine(
            "Weekly digest", _when(settings.digest_day, settings.digest_time, settings.timezone)
        ),
        SettingLine("Nudges", "on" if settings.nudges_enabled else "off"),
        SettingLine("Action follow-up", count(settings.followup_days, "day") + " after an action"),
        SettingLine(
            "Quiet-member nudge", f"after {count(quiet, 'quiet week')}" if quiet else "off"
        ),
        SettingLine("Paused", pause),
        SettingLine(
            "Report threshold",
            f"hide per-goal figures from fewer than {settings.min_group} members"
            if settings.min_group
            else "off (every figure shown)",
        ),
        SettingLine("Digest chart", "on" if settings.digest_chart else "off"),
        SettingLine("Most significant stories", _selection_words(settings)),
        SettingLine("Peer pairs", _pairs_when(settings)),
        SettingLine("Welcome to newcomers", "on" if settings.welcome_enabled else "off"),
        SettingLine(
            "Entries kept",
            f"{count(settings.keep_years, 'year')}, then deleted (coordinators told a month ahead)"
            if settings.keep_years
            else "forever",
        ),
        SettingLine(
            "Coordinators",
            ", ".join(named(u) for u in coordinators) or "Slack admins only",
            user_ids=coordinators,
        ),
        SettingLine(
            "Last changed by",
            ", ".join(named(u) for u in changed_by) or "nobody yet",
            user_ids=changed_by,
        ),
    ]


def describe(
    settings: WorkspaceSettings,
    *,
    today: date | None = None,
    name_of: Callable[[str], str] | None = None,
) -> list[tuple[str, str]]:
    """(label, value) lines of ``setting_lines``, as a shell prints them."""
    lines = setting_lines(settings, today=today, name_of=name_of)
    return [(line.label, line.value) for line in lines]


def _selection_words(settings: WorkspaceSettings) -> str:
    if settings.selection == "off":
        return "off (no selection round)"
    months = "" if settings.selection == "monthly" else " of January, April, July and October"
    just_ended = "month" if settings.selection == "monthly" else "quarter"
    return (
        f"{settings.selection}: the round for the {just_ended} just ended opens on day "
        f"{settings.selection_day}{months} at {settings.prompt_time}; members vote for "
        f"{count(settings.selection_days, 'day')}"
    )


def _pairs_when(settings: WorkspaceSettings) -> str:
    every = settings.pairs_every_weeks
    if not every:
        return "off"
    weeks = "every week" if every == 1 else f"every {every} weeks"
    day = _when(settings.pairs_day, settings.prompt_time, settings.timezone)
    return f"{weeks}, {day}"


def _when(day: int, hhmm: str, timezone: str) -> str:
    return f"{DAY_NAMES[day].capitalize()} {hhmm} {timezone}"
