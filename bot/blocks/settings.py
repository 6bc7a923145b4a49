"""A workspace's settings read back in words, line by line: ``/kindness settings show`` in
Slack (``bot.blocks.rhythm``) and ``kindness-bot settings show`` in a shell say the same.

The settings themselves, and what a valid one is, are the core's (``bot.settings``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from bot.settings import DAY_NAMES, WorkspaceSettings
from bot.words import count


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
