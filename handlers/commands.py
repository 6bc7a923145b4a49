"""``/kindness …``: one table of subcommands — name, usage, one example, what it does, handler.

``/kindness help``, "did you mean…", the README's command list and the test that runs every
example all come from ``SUBCOMMANDS``, so they cannot drift apart.

A subcommand is a function ``Invocation -> Answer`` (see ``handlers.answering``): it does its
database work (the service commits) and returns ``say(message)``, the member's answer, which
travels in the ack (Slack shows it to the member alone, in DMs and private channels too).
Slack calls go after the ack: ``say(message, then…)`` or ``later(open_modal(view))``. A
refusal (``LogError``) raised by a subcommand is answered with its sentence and the
subcommand's usage. To add one: write the function, add a row to ``SUBCOMMANDS``.
"""

from __future__ import annotations

import difflib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt import App

from bot.admins import CoordinatorCheckFailed, is_coordinator
from bot.blocks import capture, rhythm
from bot.errors import EntryNotFound, LogError
from bot.models import KINDS
from bot.quicklog import parse_quick_log
from bot.services import Services
from bot.summary import weekly_figures
from bot.weeks import week_of
from handlers.answering import Answer, Slack, later, open_modal, say, slash_command
from schedules.digest import digest_preview

log = logging.getLogger(__name__)
COMMAND = "/kindness"
STATS_WEEKS = 12


@dataclass(frozen=True)
class Invocation:
    """One ``/kindness …`` as a subcommand sees it: who typed it where, and the rest of it."""

    services: Services
    team_id: str
    user_id: str
    channel_id: str
    args: str


@dataclass(frozen=True)
class Subcommand:
    name: str
    usage: str
    summary: str
    example: str
    run: Callable[[Invocation], Answer]


# -- the subcommands -------------------------------------------------------------------------


def run_help(inv: Invocation) -> Answer:
    return say(help_message(inv.services))


def run_goals(inv: Invocation) -> Answer:
    return say(capture.goals_message(inv.services.framework))


def run_log(inv: Invocation) -> Answer:
    if not inv.args.strip():
        return later(open_modal(capture.log_modal(inv.services.framework)))
    parsed = parse_quick_log(inv.args, inv.services.framework)
    saved = inv.services.log.add_entry(
        inv.team_id,
        inv.user_id,
        parsed.text,
        kind=parsed.kind,
        goal=parsed.goal,
        source="slash",
        channel_id=inv.channel_id,
    )
    return say(capture.saved_message(saved.entry, inv.services.framework))


def run_mine(inv: Invocation) -> Answer:
    mine = inv.services.log.list_mine(inv.team_id, inv.user_id)
    return say(capture.mine_message(mine, inv.services.framework))


def run_done(inv: Invocation) -> Answer:
    number, _, reflection = inv.args.strip().partition(" ")
    entry_id = parse_entry_id(number)
    if entry_id is None:
        raise EntryNotFound(number or "?", text=reflection.strip() or None)
    action, note = inv.services.log.complete_action(
        inv.team_id, inv.user_id, entry_id, reflection.strip() or None
    )
    return say(capture.done_message(action, note, inv.services.framework))


def run_search(inv: Invocation) -> Answer:
    words, goal = split_goal_filter(inv.args, inv.services)
    page = inv.services.log.search(inv.team_id, inv.user_id, words, goal=goal)
    return say(capture.search_message(page, inv.services.framework))


def run_nudges(inv: Invocation) -> Answer:
    choice = inv.args.strip().lower()
    if choice not in ("on", "off"):
        state = "on" if inv.services.log.nudges_enabled(inv.team_id, inv.user_id) else "off"
        return say(
            capture.notice(
                f"Your nudges are *{state}*. Turn them on or off with `{usage_of('nudges')}`."
            )
        )
    inv.services.log.set_nudges(inv.team_id, inv.user_id, choice == "on")
    if choice == "on":
        text = (
            "Nudges are *on*: I'll check in by DM on the actions you commit to "
            "(never at night in your time zone)."
        )
    else:
        text = (
            "Nudges are *off*: no more DMs about your actions. "
            "Turn them back on with `/kindness nudges on`."
        )
    return say(capture.notice(text))


def run_forget_me(inv: Invocation) -> Answer:
    return say(capture.forget_me_message(inv.services.log.count_mine(inv.team_id, inv.user_id)))


def run_settings(inv: Invocation) -> Answer:
    settings = inv.services.settings.get(inv.team_id)
    if inv.args.strip().lower() == "show":
        today = inv.services.clock().astimezone(ZoneInfo(settings.timezone)).date()
        return say(rhythm.settings_message(settings, today))
    if inv.args.strip():
        return say(capture.notice(f"Usage: `{usage_of('settings')}`"))
    config = inv.services.config

    def open_settings(slack: Slack) -> None:
        # Slack's trigger_id lives 3 seconds: the admin check asks Slack once, briefly.
        try:
            allowed = is_coordinator(config, slack.client, inv.user_id, within_ack=True)
        except CoordinatorCheckFailed:
            slack.reply(rhythm.admin_check_failed_message())
            return
        if not allowed:
            slack.reply(rhythm.not_admin_message())
            return
        slack.open_modal(rhythm.settings_modal(settings))

    return later(open_settings)


def run_digest(inv: Invocation) -> Answer:
    return say(digest_preview(inv.services, inv.team_id, inv.services.clock()))


def run_stats(inv: Invocation) -> Answer:
    tz = inv.services.settings.get(inv.team_id).timezone
    this_week = week_of(inv.services.clock(), tz)
    weeks = [this_week.shifted(-n) for n in range(STATS_WEEKS - 1, -1, -1)]
    figures = weekly_figures(inv.services.db, inv.team_id, weeks)
    return say(rhythm.stats_message(figures, inv.services.framework, tz))


SUBCOMMANDS: list[Subcommand] = [
    Subcommand(
        "help", "/kindness help", "what you can do, with examples", "/kindness help", run_help
    ),
    Subcommand(
        "goals",
        "/kindness goals",
        "the network's goals, each with a button to log against it",
        "/kindness goals",
        run_goals,
    ),
    Subcommand(
        "log",
        "/kindness log [story|action|reflection] [g1..g6|goal-key] <text>",
        "log in one line (a story unless you say otherwise), or open the form with no text",
        "/kindness log action g3 Ask each new starter what would make them feel welcome",
        run_log,
    ),
    Subcommand(
        "mine",
        "/kindness mine",
        "your recent entries and open actions, to edit or delete",
        "/kindness mine",
        run_mine,
    ),
    Subcommand(
        "done",
        "/kindness done <entry> [reflection]",
        "close one of your actions, optionally with what you learnt",
        "/kindness done 12 People opened up once the agenda was theirs",
        run_done,
    ),
    Subcommand(
        "search",
        "/kindness search <words> [g1..g6]",
        "the shared learning log, newest first; add a goal to narrow it, or give only a goal",
        "/kindness search listening g3",
        run_search,
    ),
    Subcommand(
        "nudges",
        "/kindness nudges on|off",
        "follow-up DMs about your actions, on or off",
        "/kindness nudges off",
        run_nudges,
    ),
    Subcommand(
        "forget-me",
        "/kindness forget-me",
        "delete all your entries (asks you to confirm)",
        "/kindness forget-me",
        run_forget_me,
    ),
    Subcommand(
        "digest",
        "/kindness digest",
        "a private preview of this week's digest so far",
        "/kindness digest",
        run_digest,
    ),
    Subcommand(
        "stats",
        "/kindness stats",
        "the network's figures per goal, week by week (12 weeks)",
        "/kindness stats",
        run_stats,
    ),
    Subcommand(
        "settings",
        "/kindness settings [show]",
        "coordinators: the channel, days and times, time zone, nudges and pauses",
        "/kindness settings show",
        run_settings,
    ),
]


# -- table lookups ---------------------------------------------------------------------------


def find(name: str) -> Subcommand | None:
    return next((s for s in SUBCOMMANDS if s.name == name), None)


def usage_of(name: str) -> str:
    sub = find(name)
    return sub.usage if sub else COMMAND


def help_message(services: Services, preface: str | None = None) -> dict[str, Any]:
    # The table is written for the default six goals; a network's own framework has its own.
    goals = services.framework.numbers_hint()
    rows = [(s.usage.replace("g1..g6", goals), s.summary, s.example) for s in SUBCOMMANDS]
    return capture.help_message(rows, services.framework, preface=preface)


def suggestion(name: str, args: str) -> str:
    """The closest subcommand to what was typed, as a ready-to-use command."""
    if name in KINDS:
        return f"{COMMAND} log {name} {args}".rstrip()
    close = difflib.get_close_matches(name, [s.name for s in SUBCOMMANDS], n=1, cutoff=0.5)
    return f"{COMMAND} {close[0]} {args}".rstrip() if close else ""


def readme_table() -> str:
    """The README's command list (a test keeps the README equal to this)."""
    lines = ["| command | what it does | example |", "| --- | --- | --- |"]
    for sub in SUBCOMMANDS:
        usage = sub.usage.replace("|", "\\|")
        lines.append(f"| `{usage}` | {sub.summary} | `{sub.example}` |")
    return "\n".join(lines)


def parse_entry_id(text: str) -> int | None:
    match = re.fullmatch(r"#?(\d{1,12})", text.strip())
    return int(match.group(1)) if match else None


def split_goal_filter(args: str, services: Services) -> tuple[str, str | None]:
    """``listening g3`` → (``listening``, ``relationships``): a goal word narrows a search."""
    words, goal = [], None
    for word in args.split():
        found = services.framework.resolve(word) if re.fullmatch(r"g\d{1,2}", word, re.I) else None
        if found is not None and goal is None:
            goal = found.key
        else:
            words.append(word)
    return " ".join(words), goal


# -- the listener ----------------------------------------------------------------------------


def answer_command(services: Services, body: dict[str, Any], team_id: str) -> Answer:
    """The subcommand named in the command's text, run; a refusal comes with its usage."""
    text = str(body.get("text") or "").strip()
    name, _, args = text.partition(" ")
    name = name.lower() or "help"
    sub = find(name)
    if sub is None:
        guess = suggestion(name, args)
        hint = f" Did you mean `{guess}`?" if guess else ""
        return say(help_message(services, f"I don't know `{COMMAND} {name}`.{hint}"))
    inv = Invocation(
        services=services,
        team_id=team_id,
        user_id=body["user_id"],
        channel_id=body.get("channel_id", ""),
        args=args,
    )
    try:
        return sub.run(inv)
    except LogError as error:
        return say(capture.error_message(error, usage=sub.usage))


def register(app: App, services: Services) -> None:
    app.command(COMMAND)(
        slash_command(lambda body, team_id: answer_command(services, body, team_id))
    )


if __name__ == "__main__":
    # Regenerates the README's command table: python -m handlers.commands
    print(readme_table())
