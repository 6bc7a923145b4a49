"""``/kindness …``: one table of subcommands — name, usage, one example, handler; what each
does, in words, beside it in ``bot/blocks/help.py``.

``/kindness help``, "did you mean…", the command list of the members' guide (docs/members.md)
and the test that runs every example all come from ``SUBCOMMANDS``, so they cannot drift apart.

A subcommand is a function ``Invocation -> Answer`` (see ``handlers.answering``): it does its
database work (the service commits) and returns ``say(message)``, the member's answer, which
travels in the ack (Slack shows it to the member alone, in DMs and private channels too).
Slack calls go after the ack: ``say(message, then…)`` or ``later(open_modal(view))``. A
refusal (``LogError``) raised by a subcommand is answered with its sentence and the
subcommand's usage. To add one: write the function, add a row to ``SUBCOMMANDS`` and
what it does to ``bot.blocks.help.SUMMARIES``.
"""

from __future__ import annotations

import difflib
import logging
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from bot import audit
from bot.blocks import answers, controls, keeping, kit, modals, refusals, rhythm, sharing
from bot.blocks import endorsements as endorsement_words
from bot.blocks import organisations as org_blocks
from bot.blocks import pairs as pair_blocks
from bot.blocks.help import SUMMARIES
from bot.command_grammar import parse_done, parse_share, split_goal_filter, two_names, unescaped
from bot.endorsements import withdraw as withdraw_endorsement
from bot.errors import (
    CoordinatorUnconfirmed,
    EmptyText,
    LogError,
    NotACoordinator,
    UnknownOption,
)
from bot.goals import Framework, load_framework
from bot.journal import parse_mine
from bot.learning_log import Saved
from bot.members import parse_away
from bot.models import KINDS
from bot.names import Directory
from bot.organisations import parse_settings
from bot.pairs import PairFigures, next_round_on
from bot.participation import Participation, participation
from bot.quicklog import LogFor, QuickLog, parse_log_for, parse_quick_log
from bot.report import charts
from bot.services import Services
from bot.slack.admins import CoordinatorCheckFailed, is_admin, is_coordinator_without_slack
from bot.slack.names import SlackNames
from bot.slack.port import SlackPort
from bot.summary import digest_summary, weekly_figures
from bot.weeks import local_date, week_of, weeks_ending
from handlers import coordinator_files
from handlers.answering import (
    AfterAck,
    Answer,
    Click,
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
    does: ``{goals}`` becomes its goal numbers (``g1..g6``), ``{g}`` the goal examples use.
    What it does, in words, is in ``bot/blocks/help.py`` (``summary``)."""

    name: str
    usage: str
    example: str
    run: Callable[[Invocation], Answer]
    # Help shows these in a section of their own, to coordinators only.
    for_coordinators: bool = False

    @property
    def summary(self) -> str:
        return SUMMARIES[self.name]

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

    def for_an_admin(slack: AfterAck) -> None:
        with suppress(CoordinatorCheckFailed):
            if is_admin(services, slack.port, inv.user_id, team_id=inv.team_id):
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

    def send(slack: AfterAck) -> None:
        names = Directory(inv.services.db, inv.team_id, SlackNames(slack.port))
        export = inv.services.journal.export(inv.team_id, inv.user_id, fmt, names=names)
        slack.port.upload(
            export.content,
            filename=export.filename,
            title="My learning log",
            comment=controls.export_comment(export),
            to_member=inv.user_id,
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
    entry_id, reflection = parse_done(inv.args)
    action, note = inv.services.log.complete_action(inv.team_id, inv.user_id, entry_id, reflection)
    return say(answers.done_message(action, note, inv.services.framework))


def run_search(inv: Invocation) -> Answer:
    words, goal = split_goal_filter(inv.args, inv.services.framework)
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

    def open_form(slack: AfterAck) -> None:
        try:
            admin = is_admin(
                inv.services, slack.port, inv.user_id, team_id=inv.team_id, within_ack=True
            )
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

    def for_an_admin(slack: AfterAck) -> None:
        # Only Slack can say whether the member is an admin: asked after the answer. When it
        # cannot say, the figures stand alone (is_admin logs why).
        with suppress(CoordinatorCheckFailed):
            if is_admin(inv.services, slack.port, inv.user_id, team_id=inv.team_id):
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
        name = withdraw_endorsement(inv.services.db, inv.team_id, unescaped(rest.strip()))
        return say(endorsement_words.withdrawn_message(name))
    if action == "list":
        return say(org_blocks.organisations_list_message(organisations.listed(inv.team_id)))
    if action == "set":
        name, values = parse_settings(rest.split())
        changed = organisations.describe(
            inv.team_id, unescaped(name), {k: unescaped(v) for k, v in values.items()}
        )
        return say(org_blocks.organisation_changed_message("Saved", changed))
    first, second = two_names(rest, action)
    if action == "rename":
        renamed = organisations.rename(inv.team_id, first, second)
        return say(org_blocks.organisation_changed_message(f"Renamed {first!r} to", renamed))
    merged = organisations.merge(inv.team_id, first, second)
    return say(org_blocks.organisation_changed_message(f"Merged {first!r} into", merged))


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
    Subcommand("help", "/kindness help", "/kindness help", run_help),
    Subcommand(
        "goals",
        "/kindness goals",
        "/kindness goals",
        run_goals,
    ),
    Subcommand(
        "log",
        "/kindness log [for @member] [story|action|reflection|outcome] [{goals}|goal-key] <text>",
        "/kindness log action {g} Ask each new starter what would make them feel welcome",
        run_log,
    ),
    Subcommand(
        "mine",
        "/kindness mine [since DATE] [until DATE] [{goals}] | export [csv|json|md]",
        "/kindness mine since 2026-09-01 {g}",
        run_mine,
    ),
    Subcommand(
        "done",
        "/kindness done <entry> [reflection]",
        "/kindness done 12 People opened up once the agenda was theirs",
        run_done,
    ),
    Subcommand(
        "search",
        "/kindness search <words> [{goals}]",
        "/kindness search listening {g}",
        run_search,
    ),
    Subcommand(
        "share",
        "/kindness share <entry> [anonymously]",
        "/kindness share 12 anonymously",
        run_share,
    ),
    Subcommand(
        "unshare",
        "/kindness unshare <entry>",
        "/kindness unshare 12",
        run_unshare,
    ),
    Subcommand(
        "org",
        "/kindness org [<name>|none]",
        "/kindness org NHS Fife",
        run_org,
    ),
    Subcommand(
        "nudges",
        "/kindness nudges on|off",
        "/kindness nudges off",
        run_nudges,
    ),
    Subcommand(
        "away",
        "/kindness away until YYYY-MM-DD | for N days|weeks | off",
        "/kindness away for 2 weeks",
        run_away,
    ),
    Subcommand(
        "prompts",
        "/kindness prompts dm|channel",
        "/kindness prompts dm",
        run_prompts,
    ),
    Subcommand(
        "pairs",
        "/kindness pairs on|off",
        "/kindness pairs on",
        run_pairs,
    ),
    Subcommand(
        "forget-me",
        "/kindness forget-me",
        "/kindness forget-me",
        run_forget_me,
    ),
    Subcommand(
        "digest",
        "/kindness digest",
        "/kindness digest",
        run_digest,
    ),
    Subcommand(
        "stats",
        "/kindness stats",
        "/kindness stats",
        run_stats,
    ),
    Subcommand(
        "settings",
        "/kindness settings [show]",
        "/kindness settings show",
        run_settings,
        for_coordinators=True,
    ),
    Subcommand(
        "report",
        "/kindness report [since DATE] [until DATE] [pdf|html|md]",
        "/kindness report since 2026-09-01",
        run_report,
        for_coordinators=True,
    ),
    Subcommand(
        "orgs",
        "/kindness orgs [list | rename OLD > NEW | merge FROM > INTO | set NAME sector=… place=… "
        "| endorse | withdraw NAME]",
        "/kindness orgs merge Fife NHS > NHS Fife",
        run_orgs,
    ),
    Subcommand(
        "publish",
        "/kindness publish",
        "/kindness publish",
        run_publish,
    ),
    Subcommand(
        "export",
        "/kindness export [csv|json|md] [since DATE] [until DATE]",
        "/kindness export md",
        run_export,
        for_coordinators=True,
    ),
    Subcommand(
        "selection",
        "/kindness selection",
        "/kindness selection",
        run_selection,
    ),
    Subcommand(
        "audit",
        "/kindness audit",
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


# -- the listener (registered in handlers/__init__.py) ------------------------------------


def answer_command(
    services: Services, body: dict[str, Any], team_id: str, slack: SlackPort
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
            services, slack, body["user_id"], team_id=team_id, within_ack=True
        ),
    )
    try:
        return sub.run(inv)
    except LogError as error:
        message = refusals.error_message(error, usage=sub.usage_in(services.framework))
        return say(message, *words_back(error.text))


def run_suggestion(click: Click, services: Services, slack: SlackPort) -> Answer:
    """The "Did you mean …?" button: the suggested command, run as if typed where the typo
    was; its answer takes the suggestion's place."""
    body = {
        "text": str(click.value.get("text") or ""),
        "user_id": click.user_id,
        "channel_id": click.channel_id or "",
    }
    answer = answer_command(services, body, click.team_id, slack)
    shown = []
    if answer.ack is not None:
        message = {k: v for k, v in answer.ack.items() if k != "response_type"}
        shown.append(reply(message, replace=True))
    return later(*shown, *answer.then)


if __name__ == "__main__":
    # Regenerates docs/members.md's command table: python -m handlers.commands
    print(readme_table())
