"""``/kindness …``: one table of subcommands — name, usage, one example, what it does, handler.

``/kindness help``, "did you mean…", the command list of the members' guide (docs/members.md)
and the test that runs every example all come from ``SUBCOMMANDS``, so they cannot drift apart.

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
from contextlib import suppress
from dataclasses import dataclass, replace
from typing import Any

from slack_sdk import WebClient
from sqlalchemy.exc import SQLAlchemyError

from bot import audit
from bot.blocks import answers, controls, keeping, kit, modals, refusals, rhythm, sharing
from bot.blocks import endorsements as endorsement_words
from bot.blocks import organisations as org_blocks
from bot.blocks import pairs as pair_blocks
from bot.endorsements import withdraw as withdraw_endorsement
from bot.errors import (
    CoordinatorUnconfirmed,
    EmptyText,
    EntryNotFound,
    LogError,
    NotACoordinator,
    UnknownGoal,
    UnknownOption,
)
from bot.goals import Framework, load_framework
from bot.journal import parse_mine
from bot.learning_log import Saved
from bot.members import parse_away
from bot.models import KINDS
from bot.names import Directory
from bot.organisations import TwoNamesNeeded, parse_settings
from bot.pairs import PairFigures, next_round_on
from bot.participation import Participation, participation
from bot.quicklog import LogFor, QuickLog, parse_log_for, parse_quick_log
from bot.report import charts
from bot.services import Services
from bot.slack.admins import CoordinatorCheckFailed, is_admin, is_coordinator_without_slack
from bot.slack.names import SlackNames
from bot.summary import digest_summary, weekly_figures
from bot.weeks import local_date, week_of, weeks_ending
from handlers import coordinator_files
from handlers.answering import (
    Answer,
    Click,
    Slack,
    SlackWork,
    later,
    open_modal,
    reply,
    say,
    words_back,
)
from handlers.credit import tell_the_author
from handlers.selection import open_pick_form

log = logging.getLogger(__name__)
COMMAND = "/kindness"
STATS_WEEKS = 12


@dataclass(frozen=True)
class Invocation:
    """One ``/kindness …`` as a subcommand sees it: who typed it where, and the rest of it.

    ``slack_says_admin`` asks Slack, once and briefly, whether the member is a workspace admin
    — the one Slack call allowed before an answer, for a coordinator's rights that must be
    known before anything is stored (as for a modal submission); ``CoordinatorCheckFailed``
    when Slack cannot say in time.
    """

    services: Services
    team_id: str
    user_id: str
    channel_id: str
    args: str
    slack_says_admin: Callable[[], bool] = lambda: False

    def is_coordinator(self, *, ask_slack: bool = True) -> bool | None:
        """A coordinator (the database list, ``KINDNESS_ADMINS``, or Slack's admins); None
        when only Slack could say and ``ask_slack`` is False."""
        config, db = self.services.config, self.services.db
        if is_coordinator_without_slack(config, db, self.team_id, self.user_id):
            return True
        return self.slack_says_admin() if ask_slack else None


@dataclass(frozen=True)
class Subcommand:
    """One row of the table. ``usage`` and ``example`` name goals as the configured framework
    does: ``{goals}`` becomes its goal numbers (``g1..g6``), ``{g}`` the goal examples use."""

    name: str
    usage: str
    summary: str
    example: str
    run: Callable[[Invocation], Answer]
    # Help shows these in a section of their own, to coordinators only.
    for_coordinators: bool = False

    def usage_in(self, framework: Framework) -> str:
        return self.usage.format(**_goal_words(framework))

    def example_in(self, framework: Framework) -> str:
        return self.example.format(**_goal_words(framework))


def _goal_words(framework: Framework) -> dict[str, str]:
    return {"goals": framework.numbers_hint(), "g": f"g{framework.example.number}"}


# -- the subcommands -------------------------------------------------------------------------


def run_help(inv: Invocation) -> Answer:
    """Members' commands; the coordinators' too for a coordinator. Only Slack knows its admins:
    a member the bot does not know as a coordinator gets the members' help at once, and the
    coordinators' section after it if Slack says they are an admin."""
    services = inv.services
    try:
        coordinator = inv.is_coordinator(ask_slack=False)
    except SQLAlchemyError:
        # Help needs no database: without it, the members' help (and Slack's admins their
        # section, after it).
        log.warning("help: the coordinators list could not be read", exc_info=True)
        coordinator = False
    if coordinator:
        return say(help_message(services, coordinators=True))
    config = services.config

    def for_an_admin(slack: Slack) -> None:
        with suppress(CoordinatorCheckFailed):
            if is_admin(config, slack.client, inv.user_id):
                slack.reply(answers.coordinators_help_message(_help_rows(services, True)))

    return say(help_message(services), for_an_admin)


def run_goals(inv: Invocation) -> Answer:
    return say(answers.goals_message(inv.services.framework))


def run_log(inv: Invocation) -> Answer:
    framework = inv.services.framework
    target = parse_log_for(inv.args)
    if target is not None:
        return log_for(inv, target)
    parsed = parse_quick_log(inv.args, framework)
    if not parsed.text:
        # Only leading words (``log g3``, ``log action private``): the form, with them chosen.
        current = inv.services.organisations.current(inv.team_id, inv.user_id)
        form = modals.log_modal(
            framework,
            kind=parsed.kind,
            goal=parsed.goal,
            visibility=parsed.visibility or "network",
            organisation=org_blocks.organisation_field(current),
        )
        return later(open_modal(form))
    saved = store_quick_log(inv, parsed, inv.user_id)
    word = parsed.visibility_word
    note = answers.read_as_visibility_note(word) if word else None
    return say(answers.saved_message(saved.entry, framework, note=note))


def store_quick_log(
    inv: Invocation, parsed: QuickLog, member_id: str, *, logged_by: str | None = None
) -> Saved:
    return inv.services.log.add_entry(
        inv.team_id,
        member_id,
        parsed.text,
        kind=parsed.kind,
        goal=parsed.goal,
        visibility=parsed.visibility or "network",
        source="slash",
        channel_id=inv.channel_id,
        logged_by=logged_by,
    )


def log_for(inv: Invocation, target: LogFor) -> Answer:
    """A coordinator records a member's story: the member's entry, "logged by" them, and the
    member told by DM (unless away)."""
    framework = inv.services.framework
    if target.member_id == inv.user_id:
        return run_log(replace(inv, args=target.rest))
    parsed = parse_quick_log(target.rest, framework)
    if not parsed.text:
        raise EmptyText(text=target.rest.strip() or None)
    try:
        allowed = inv.is_coordinator()
    except CoordinatorCheckFailed:
        raise CoordinatorUnconfirmed(text=target.rest.strip()) from None
    if not allowed:
        raise NotACoordinator("log for another member", text=target.rest.strip())
    saved = store_quick_log(inv, parsed, target.member_id, logged_by=inv.user_id)
    told = tell_the_author(inv.services, inv.team_id, target.member_id, saved.entry.id)
    answer = controls.logged_for_message(saved.entry, framework, target.member_id, told.away_until)
    return say(answer, *told.then)


def run_mine(inv: Invocation) -> Answer:
    request = parse_mine(inv.args, inv.services.framework)
    if request.export is not None:
        return say(controls.export_on_its_way_message(request.export), send_my_export(inv))
    if request.is_range:
        page = inv.services.journal.page(inv.team_id, inv.user_id, request)
        return say(controls.journal_message(page, inv.services.framework))
    mine = inv.services.log.list_mine(inv.team_id, inv.user_id)
    return say(answers.mine_message(mine, inv.services.framework))


def send_my_export(inv: Invocation) -> SlackWork:
    """The member's whole log as a file in their DM with the bot, after the answer."""
    fmt = parse_mine(inv.args, inv.services.framework).export or "csv"

    def send(slack: Slack) -> None:
        names = Directory(inv.services.db, inv.team_id, SlackNames(slack.client))
        export = inv.services.journal.export(inv.team_id, inv.user_id, fmt, names=names)
        dm = slack.client.conversations_open(users=inv.user_id)["channel"]["id"]
        slack.client.files_upload_v2(
            channel=dm,
            content=export.content,
            filename=export.filename,
            title="My learning log",
            initial_comment=controls.export_comment(export),
        )

    return send


def run_away(inv: Invocation) -> Answer:
    members = inv.services.members
    if not inv.args.strip():
        return say(controls.away_message(members.status(inv.team_id, inv.user_id), changed=False))
    until = parse_away(inv.args, members.today(inv.team_id, inv.user_id))
    status = members.set_away(inv.team_id, inv.user_id, until)
    return say(controls.away_message(status, changed=True))


def run_prompts(inv: Invocation) -> Answer:
    members = inv.services.members
    choice = inv.args.strip().lower()
    if choice not in ("dm", "channel"):
        status = members.status(inv.team_id, inv.user_id)
        if choice:
            raise UnknownOption(choice, ["dm", "channel"])
        return say(controls.prompts_message(status, changed=False))
    status = members.set_prompts_by_dm(inv.team_id, inv.user_id, choice == "dm")
    return say(controls.prompts_message(status, changed=True))


def run_pairs(inv: Invocation) -> Answer:
    members = inv.services.members
    choice = inv.args.strip().lower()
    if choice not in ("on", "off"):
        if choice:
            raise UnknownOption(choice, ["on", "off"])
        status = members.status(inv.team_id, inv.user_id)
    else:
        status = members.set_pairs(inv.team_id, inv.user_id, choice == "on")
    settings = inv.services.settings.get(inv.team_id)
    next_round = next_round_on(
        settings.pairs_every_weeks,
        settings.pairs_day,
        local_date(inv.services.clock(), settings.timezone),
        settings.timezone,
    )
    return say(pair_blocks.pairs_message(status, changed=bool(choice), next_round=next_round))


def run_done(inv: Invocation) -> Answer:
    number, _, reflection = inv.args.strip().partition(" ")
    entry_id = parse_entry_id(number)
    if entry_id is None:
        raise EntryNotFound(number or "?", text=reflection.strip() or None)
    action, note = inv.services.log.complete_action(
        inv.team_id, inv.user_id, entry_id, reflection.strip() or None
    )
    return say(answers.done_message(action, note, inv.services.framework))


def run_search(inv: Invocation) -> Answer:
    words, goal = split_goal_filter(inv.args, inv.services)
    page = inv.services.log.search(inv.team_id, inv.user_id, words, goal=goal)
    # Coordinators known without asking Slack (the list, KINDNESS_ADMINS) see *Ask to share*.
    coordinator = bool(inv.is_coordinator(ask_slack=False))
    return say(answers.search_message(page, inv.services.framework, coordinator=coordinator))


def run_share(inv: Invocation) -> Answer:
    entry_id, anonymously = parse_share(inv.args, anonymously_allowed=True)
    entry = inv.services.log.share_entry(
        inv.team_id, inv.user_id, entry_id, anonymously=anonymously
    )
    return say(sharing.shared_message(entry, inv.services.framework))


def run_unshare(inv: Invocation) -> Answer:
    entry_id, _ = parse_share(inv.args, anonymously_allowed=False)
    entry = inv.services.log.unshare_entry(inv.team_id, inv.user_id, entry_id)
    return say(sharing.unshared_message(entry, inv.services.framework))


def parse_share(args: str, *, anonymously_allowed: bool) -> tuple[int, bool]:
    """``12`` or ``#12 anonymously``: the entry, and whether without the author's name."""
    words = args.split()
    entry_id = parse_entry_id(words[0]) if words else None
    if entry_id is None:
        raise EntryNotFound(words[0] if words else "?")
    rest = " ".join(words[1:])
    choices = ["anonymously"] if anonymously_allowed else []
    if rest and rest.lower() not in choices:
        raise UnknownOption(rest, choices or ["nothing after the number"])
    return entry_id, bool(rest)


def run_nudges(inv: Invocation) -> Answer:
    choice = inv.args.strip().lower()
    usage = usage_of("nudges", inv.services.framework)
    if choice not in ("on", "off"):
        enabled = inv.services.log.nudges_enabled(inv.team_id, inv.user_id)
        return say(answers.nudges_message(enabled, changed=False, usage=usage))
    inv.services.log.set_nudges(inv.team_id, inv.user_id, choice == "on")
    return say(answers.nudges_message(choice == "on", changed=True, usage=usage))


def run_forget_me(inv: Invocation) -> Answer:
    return say(answers.forget_me_message(inv.services.log.count_mine(inv.team_id, inv.user_id)))


def run_settings(inv: Invocation) -> Answer:
    settings = inv.services.settings.get(inv.team_id)
    if inv.args.strip().lower() == "show":
        today = local_date(inv.services.clock(), settings.timezone)
        return say(rhythm.settings_message(settings, today))
    if inv.args.strip():
        return say(refusals.usage_message(usage_of("settings", inv.services.framework)))
    # An admin is offered the list of coordinators too.
    return open_coordinators_form(
        inv, lambda admin: rhythm.settings_modal(settings, names_coordinators=admin)
    )


def run_selection(inv: Invocation) -> Answer:
    """Coordinators pick the next selection round's shortlist (before its day)."""
    if inv.args.strip():
        return say(refusals.usage_message(usage_of("selection", inv.services.framework)))
    form = open_pick_form(inv.services, inv.team_id)
    return open_coordinators_form(inv, lambda _admin: form)


def open_coordinators_form(inv: Invocation, form: Callable[[bool], dict[str, Any]]) -> Answer:
    """Open a coordinators' form after the ack, once the member is known to coordinate:
    ``form(admin)`` builds it (``admin``: a Slack admin, not only a listed coordinator).

    Slack's trigger_id lives 3 seconds: the admin check asks Slack once, briefly."""
    config = inv.services.config
    listed = is_coordinator_without_slack(config, inv.services.db, inv.team_id, inv.user_id)

    def open_form(slack: Slack) -> None:
        try:
            admin = is_admin(config, slack.client, inv.user_id, within_ack=True)
        except CoordinatorCheckFailed:
            if not listed:
                slack.reply(rhythm.admin_check_failed_message())
                return
            admin = False
        if not (admin or listed):
            slack.reply(rhythm.not_admin_message())
            return
        slack.open_modal(form(admin))

    return later(open_form)


def run_digest(inv: Invocation) -> Answer:
    settings = inv.services.settings.get(inv.team_id)
    now = inv.services.clock()
    week = week_of(now, settings.timezone)
    summary = digest_summary(inv.services.db, inv.services.framework, inv.team_id, week, now)
    with_chart = settings.digest_chart and charts.available()
    return say(
        rhythm.digest_preview_message(
            summary, inv.services.framework, settings.timezone, with_chart=with_chart
        )
    )


def run_stats(inv: Invocation) -> Answer:
    settings = inv.services.settings.get(inv.team_id)
    tz = settings.timezone
    now = inv.services.clock()
    this_week = week_of(now, tz)
    weeks = weeks_ending(this_week, STATS_WEEKS)
    figures = weekly_figures(inv.services.db, inv.team_id, weeks)

    def took_part() -> Participation:
        return participation(
            inv.services.db, inv.team_id, this_week, now=now, quiet_weeks=settings.quiet_nudge_weeks
        )

    def pairs() -> PairFigures:
        return inv.services.pairs.figures(inv.team_id, weeks[0].start, this_week.end)

    framework = inv.services.framework
    if inv.is_coordinator(ask_slack=False):
        return say(
            rhythm.stats_message(figures, framework, tz, participation=took_part(), pairs=pairs())
        )
    config = inv.services.config

    def for_an_admin(slack: Slack) -> None:
        # Only Slack can say whether the member is an admin: asked after the answer. When it
        # cannot say, the figures stand alone (is_admin logs why).
        with suppress(CoordinatorCheckFailed):
            if is_admin(config, slack.client, inv.user_id):
                pairs_line = kit.section(pair_blocks.figures_lines(pairs()))
                slack.reply(controls.participation_message(took_part(), [pairs_line]))

    return say(rhythm.stats_message(figures, framework, tz), for_an_admin)


def run_org(inv: Invocation) -> Answer:
    """``/kindness org`` (see it), ``org <name>``, ``org none``."""
    typed = inv.args.strip()
    organisations = inv.services.organisations
    if not typed:
        return say(org_blocks.organisation_message(organisations.current(inv.team_id, inv.user_id)))
    return say(org_blocks.choice_message(organisations.choose(inv.team_id, inv.user_id, typed)))


# "A > B", "A -> B", "A → B" (Slack sends ">" as "&gt;").
_INTO = re.compile(r"\s*(?:-&gt;|=&gt;|&gt;|->|=>|>|→)\s*")
ORGS_ACTIONS = ["list", "rename", "merge", "set", "endorse", "withdraw"]


def run_orgs(inv: Invocation) -> Answer:
    """Coordinators: ``list``, ``rename OLD > NEW``, ``merge FROM > INTO``,
    ``set NAME sector=… place=…``."""
    action, _, rest = inv.args.strip().partition(" ")
    action = action.lower() or "list"
    if action not in ORGS_ACTIONS:
        raise UnknownOption(action, ORGS_ACTIONS)
    try:
        allowed = inv.is_coordinator()
    except CoordinatorCheckFailed:
        raise CoordinatorUnconfirmed() from None
    if not allowed:
        raise NotACoordinator("look after the list of organisations")
    organisations = inv.services.organisations
    if action == "endorse":
        return later(open_modal(endorsement_words.endorse_modal()))
    if action == "withdraw":
        name = withdraw_endorsement(inv.services.db, inv.team_id, _unescaped(rest.strip()))
        return say(endorsement_words.withdrawn_message(name))
    if action == "list":
        return say(org_blocks.organisations_list_message(organisations.listed(inv.team_id)))
    if action == "set":
        name, values = parse_settings(rest.split())
        changed = organisations.describe(
            inv.team_id, _unescaped(name), {k: _unescaped(v) for k, v in values.items()}
        )
        return say(org_blocks.organisation_changed_message("Saved", changed))
    parts = _INTO.split(rest.strip(), maxsplit=1)
    if len(parts) != 2 or not parts[0] or not parts[1]:
        raise TwoNamesNeeded(action)
    first, second = _unescaped(parts[0]), _unescaped(parts[1])
    if action == "rename":
        renamed = organisations.rename(inv.team_id, first, second)
        return say(org_blocks.organisation_changed_message(f"Renamed {first!r} to", renamed))
    merged = organisations.merge(inv.team_id, first, second)
    return say(org_blocks.organisation_changed_message(f"Merged {first!r} into", merged))


def _unescaped(text: str) -> str:
    """A slash command's text without Slack's escapes of &, < and >."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").strip()


def run_export(inv: Invocation) -> Answer:
    return coordinator_files.export_answer(
        inv.services, inv.team_id, inv.user_id, inv.channel_id, inv.args
    )


def run_report(inv: Invocation) -> Answer:
    return coordinator_files.report_answer(
        inv.services, inv.team_id, inv.user_id, inv.channel_id, inv.args
    )


def run_publish(inv: Invocation) -> Answer:
    if inv.args.strip():
        return say(refusals.usage_message(usage_of("publish", inv.services.framework)))
    return coordinator_files.publish_answer(inv.services, inv.team_id, inv.user_id, inv.channel_id)


def run_audit(inv: Invocation) -> Answer:
    """Coordinators read what coordinators did (the newest lines; the shell has all)."""
    try:
        allowed = inv.is_coordinator()
    except CoordinatorCheckFailed:
        raise CoordinatorUnconfirmed() from None
    if not allowed:
        raise NotACoordinator("read the audit trail")
    services = inv.services
    lines = audit.audit_trail(services.db, team_id=inv.team_id, limit=keeping.AUDIT_LINES)
    return say(keeping.audit_message(lines, services.settings.get(inv.team_id).timezone))


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
        "/kindness log [for @member] [story|action|reflection|outcome] [{goals}|goal-key] <text>",
        "log in one line (a story unless you say otherwise; an outcome is a change you saw), "
        "or open the form with no text; coordinators log a member's story with `for @member`",
        "/kindness log action {g} Ask each new starter what would make them feel welcome",
        run_log,
    ),
    Subcommand(
        "mine",
        "/kindness mine [since DATE] [until DATE] [{goals}] | export [csv|json|md]",
        "your recent entries and open actions, to edit or delete; your journal over a range, "
        "private entries included; or all of it as a file in your DM",
        "/kindness mine since 2026-09-01 {g}",
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
        "/kindness search <words> [{goals}]",
        "the shared learning log, newest first; add a goal to narrow it, or give only a goal",
        "/kindness search listening {g}",
        run_search,
    ),
    Subcommand(
        "share",
        "/kindness share <entry> [anonymously]",
        "let one of your entries be shared beyond the network, on its public site (with your "
        "name, or anonymously); never a private one",
        "/kindness share 12 anonymously",
        run_share,
    ),
    Subcommand(
        "unshare",
        "/kindness unshare <entry>",
        "take back your consent: the entry leaves the network's site at its next build",
        "/kindness unshare 12",
        run_unshare,
    ),
    Subcommand(
        "org",
        "/kindness org [<name>|none]",
        "the organisation you are from (optional; shown with what you log, never with an "
        "anonymous entry), or none",
        "/kindness org NHS Fife",
        run_org,
    ),
    Subcommand(
        "nudges",
        "/kindness nudges on|off",
        "follow-up DMs about your actions, on or off",
        "/kindness nudges off",
        run_nudges,
    ),
    Subcommand(
        "away",
        "/kindness away until YYYY-MM-DD | for N days|weeks | off",
        "no DMs from me (nudges, follow-ups, prompts by DM) until you are back; it ends by itself",
        "/kindness away for 2 weeks",
        run_away,
    ),
    Subcommand(
        "prompts",
        "/kindness prompts dm|channel",
        "the weekly prompt by DM as well as in the channel, or in the channel only",
        "/kindness prompts dm",
        run_prompts,
    ),
    Subcommand(
        "pairs",
        "/kindness pairs on|off",
        "peer pairs: each round, meet another member (from another organisation where I can) "
        "for support and challenge on the week's goal",
        "/kindness pairs on",
        run_pairs,
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
        "the network's figures per goal, week by week (12 weeks); coordinators also see who "
        "took part",
        "/kindness stats",
        run_stats,
    ),
    Subcommand(
        "settings",
        "/kindness settings [show]",
        "the channel, days and times, time zone, nudges, pauses, the welcome and who else "
        "coordinates",
        "/kindness settings show",
        run_settings,
        for_coordinators=True,
    ),
    Subcommand(
        "report",
        "/kindness report [since DATE] [until DATE] [pdf|html|md]",
        "the impact report as a file in your DM (default: the last 12 weeks, as a PDF where "
        "the server can make one, else HTML)",
        "/kindness report since 2026-09-01",
        run_report,
        for_coordinators=True,
    ),
    Subcommand(
        "orgs",
        "/kindness orgs [list | rename OLD > NEW | merge FROM > INTO | set NAME sector=… place=… "
        "| endorse | withdraw NAME]",
        "coordinators: the members' organisations — list them, put a name right, merge two "
        "that are one, or say an organisation's sector and place; record or withdraw an "
        "organisation's endorsement of the goals",
        "/kindness orgs merge Fife NHS > NHS Fife",
        run_orgs,
    ),
    Subcommand(
        "publish",
        "/kindness publish",
        "coordinators: the network's site of the stories their authors agreed to share, as a "
        "zip in your DM, with what changed since the last one",
        "/kindness publish",
        run_publish,
    ),
    Subcommand(
        "export",
        "/kindness export [csv|json|md] [since DATE] [until DATE]",
        "the shared learning log as a file in your DM (never a private entry)",
        "/kindness export md",
        run_export,
        for_coordinators=True,
    ),
    Subcommand(
        "selection",
        "/kindness selection",
        "coordinators: pick the shortlist of the next round in which members choose the "
        "period's most significant story",
        "/kindness selection",
        run_selection,
    ),
    Subcommand(
        "audit",
        "/kindness audit",
        "coordinators: what coordinators did — settings, entries logged for members, exports, "
        "reports, deletions, restores (never members' words)",
        "/kindness audit",
        run_audit,
    ),
]


# -- table lookups ---------------------------------------------------------------------------


def find(name: str) -> Subcommand | None:
    return next((s for s in SUBCOMMANDS if s.name == name), None)


def usage_of(name: str, framework: Framework) -> str:
    sub = find(name)
    return sub.usage_in(framework) if sub else COMMAND


def help_message(
    services: Services, preface: str | None = None, *, coordinators: bool = False
) -> dict[str, Any]:
    framework = services.framework
    return answers.help_message(
        _help_rows(services, False),
        framework,
        coordinators=_help_rows(services, True) if coordinators else (),
        preface=preface,
    )


def _help_rows(services: Services, for_coordinators: bool) -> list[answers.HelpRow]:
    framework = services.framework
    return [
        answers.HelpRow(s.summary, s.example_in(framework))
        for s in SUBCOMMANDS
        if s.for_coordinators == for_coordinators
    ]


def suggestion(name: str, args: str) -> str:
    """The closest subcommand to what was typed, as a ready-to-use command."""
    if name in KINDS:
        return f"{COMMAND} log {name} {args}".rstrip()
    close = difflib.get_close_matches(name, [s.name for s in SUBCOMMANDS], n=1, cutoff=0.5)
    return f"{COMMAND} {close[0]} {args}".rstrip() if close else ""


def readme_table(framework: Framework | None = None) -> str:
    """The command list of the members' guide (docs/members.md), in the default framework's
    words (a test keeps the guide equal to this)."""
    framework = framework or load_framework()
    lines = ["| command | what it does | example |", "| --- | --- | --- |"]
    for sub in SUBCOMMANDS:
        usage = sub.usage_in(framework).replace("|", "\\|")
        summary = f"coordinators: {sub.summary}" if sub.for_coordinators else sub.summary
        lines.append(f"| `{usage}` | {summary} | `{sub.example_in(framework)}` |")
    return "\n".join(lines)


def parse_entry_id(text: str) -> int | None:
    match = re.fullmatch(r"#?(\d{1,12})", text.strip())
    return int(match.group(1)) if match else None


def split_goal_filter(args: str, services: Services) -> tuple[str, str | None]:
    """``listening g3`` → (``listening``, ``relationships``): a goal word narrows a search.
    A ``g9`` that names no goal of the network is refused, as it was meant as a goal."""
    words, goal = [], None
    framework = services.framework
    for word in args.split():
        is_number = re.fullmatch(r"g\d{1,2}", word, re.I) is not None
        found = framework.resolve(word) if is_number else None
        if is_number and found is None:
            raise UnknownGoal(word, framework.references())
        if found is not None and goal is None:
            goal = found.key
        else:
            words.append(word)
    return " ".join(words), goal


# -- the listener (registered in handlers/__init__.py) ------------------------------------


def answer_command(
    services: Services, body: dict[str, Any], team_id: str, client: WebClient
) -> Answer:
    """The subcommand named in the command's text, run; a refusal comes with its usage."""
    text = str(body.get("text") or "").strip()
    name, _, args = text.partition(" ")
    name = name.lower() or "help"
    sub = find(name)
    if sub is None:
        typed, guess = f"{COMMAND} {name}", suggestion(name, args)
        if guess:
            command = guess.removeprefix(f"{COMMAND} ")
            return say(refusals.did_you_mean_message(typed, guess, command))
        return say(help_message(services, refusals.unknown_subcommand(typed, guess)))
    inv = Invocation(
        services=services,
        team_id=team_id,
        user_id=body["user_id"],
        channel_id=body.get("channel_id", ""),
        args=args,
        slack_says_admin=lambda: is_admin(
            services.config, client, body["user_id"], within_ack=True
        ),
    )
    try:
        return sub.run(inv)
    except LogError as error:
        message = refusals.error_message(error, usage=sub.usage_in(services.framework))
        return say(message, *words_back(error.text))


def run_suggestion(click: Click, services: Services, client: WebClient) -> Answer:
    """The "Did you mean …?" button: the suggested command, run as if typed where the typo
    was; its answer takes the suggestion's place."""
    body = {
        "text": str(click.value.get("text") or ""),
        "user_id": click.user_id,
        "channel_id": click.channel_id or "",
    }
    answer = answer_command(services, body, click.team_id, client)
    shown = []
    if answer.ack is not None:
        message = {k: v for k, v in answer.ack.items() if k != "response_type"}
        shown.append(reply(message, replace=True))
    return later(*shown, *answer.then)


if __name__ == "__main__":
    # Regenerates docs/members.md's command table: python -m handlers.commands
    print(readme_table())
