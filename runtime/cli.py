"""``kindness-bot``: the operator's command line.

Every subcommand reads its settings through ``bot.config.load_config``; a bad setting ends the
program with one clear message (exit status 2), never a traceback.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from importlib.metadata import version
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import (
    DBAPIError,
    DisconnectionError,
    InterfaceError,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeout

from bot.config import (
    DEFAULT_DATABASE_URL,
    Config,
    ConfigError,
    NoSlackApp,
    StartError,
    load_config,
)
from bot.db import Database
from bot.errors import LogError
from bot.export import FORMATS, export_period, write_export
from bot.models import Workspace
from bot.names import Directory
from bot.periods import parse_when
from bot.report import FORMATS as REPORT_FORMATS
from bot.slack.team_choice import WorkspaceChoiceError, choose_workspace
from bot.slack.token_rotation import TokenNotRefreshed
from bot.weeks import local_date, utc_now
from bot.workspaces import NotInstalled
from runtime.environment import load_environment
from runtime.logs import configure_logging_for
from runtime.start import open_database

log = logging.getLogger("kindness-bot")

# How long `post` waits for another process that is posting the same period (a Slack call with
# all its retries); after that it says who holds the post and leaves it to them.
PEER_WAIT_SECONDS = 120


class UsageError(Exception):
    """A command-line mistake worth one sentence to the operator (exit status 2)."""


def main(argv: Sequence[str] | None = None) -> int:
    load_environment()
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    if getattr(args, "checks_own_settings", False):
        return args.handler(None, args)
    try:
        config = load_config(os.environ, require_slack=args.needs_slack)
        configure_logging_for(config)
        config = _database_in_use(config, args)
        return args.handler(config, args)
    except NoSlackApp as exc:
        if getattr(args, "or_sandbox", False):
            return _sandbox_instead()
        print(exc.message(), file=sys.stderr)
        return 2
    except ConfigError as exc:
        print(exc.message(), file=sys.stderr)
        return 2
    except (UsageError, WorkspaceChoiceError, StartError) as exc:
        print(f"kindness-bot: {exc}", file=sys.stderr)
        return 2
    except (NotInstalled, TokenNotRefreshed) as exc:
        print(f"kindness-bot: {exc}", file=sys.stderr)
        return 1
    except SQLAlchemyError as exc:
        print(f"kindness-bot: {database_problem(exc)}", file=sys.stderr)
        log.debug("database error", exc_info=True)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (e.g. `kindness-bot export | head`): not an error.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kindness-bot",
        description="A Slack bot that gives a peer learning network its weekly rhythm "
        "and a shared learning log.",
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {version('kindness-bot')}"
    )
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    def command(
        name: str,
        handler: Callable[[Config, argparse.Namespace], int],
        helptext: str,
        *,
        needs_slack: bool = False,
        database: str | None = None,
    ) -> argparse.ArgumentParser:
        """``database``: "reads" (refuses a database that is not there), "writes" (may create
        one) or None (no database, or its own way with it)."""
        sub = commands.add_parser(name, help=helptext, description=helptext)
        sub.set_defaults(handler=handler, needs_slack=needs_slack, database=database)
        if database is not None:
            _sandbox_option(sub)
        return sub

    run = command("run", _run, "web and scheduler in one process", needs_slack=True)
    # `make run`: with no Slack app configured at all, start the sandbox instead of stopping.
    run.add_argument("--or-sandbox", action="store_true", help=argparse.SUPPRESS)
    command("web", _web, "serve Slack's requests only (no scheduler)", needs_slack=True)
    command("scheduler", _scheduler, "run the scheduled jobs only", needs_slack=True)

    db = command("db", _db_help, "database maintenance")
    db_commands = db.add_subparsers(title="db commands", metavar="ACTION")
    upgrade = db_commands.add_parser("upgrade", help="apply migrations to the newest schema")
    upgrade.set_defaults(handler=_db_upgrade, needs_slack=False, database="writes")

    command("goals", _goals, "print the goals framework in use")

    sandbox = command(
        "sandbox",
        _sandbox,
        "try the bot without Slack: the real app behind a Slack-like page on 127.0.0.1",
    )
    sandbox.add_argument(
        "--port", type=int, default=None, help="where the page listens (default: PORT, else 3000)"
    )
    sandbox.add_argument(
        "--fresh", action="store_true", help="delete sandbox.db and sandbox-slack.json first"
    )

    settings = command(
        "settings", _settings, "show or change a workspace's rhythm settings", database="reads"
    )
    _team_option(settings)
    settings_actions = settings.add_subparsers(title="actions", metavar="ACTION", dest="action")
    show_parser = settings_actions.add_parser("show", help="print the settings")
    _team_option(show_parser, nested=True)
    _sandbox_option(show_parser, nested=True)
    set_parser = settings_actions.add_parser(
        "set", help="change settings: key=value … (e.g. channel=C0123 prompt_time=09:30)"
    )
    # Setting a workspace up may create the database (before the bot's first start).
    set_parser.set_defaults(database="writes")
    _team_option(set_parser, nested=True)
    _sandbox_option(set_parser, nested=True)
    set_parser.add_argument("assignments", nargs="+", metavar="key=value")
    set_parser.add_argument(
        "--create",
        action="store_true",
        help="set up the workspace named with --team although the bot has not met it yet",
    )

    orgs = command(
        "orgs",
        _orgs,
        "list, rename, merge and describe members' organisations; the ones endorsing the goals",
        database="reads",
    )
    _team_option(orgs)
    orgs_actions = orgs.add_subparsers(title="actions", metavar="ACTION", dest="action")
    _team_option(
        orgs_actions.add_parser("list", help="each organisation, its sector, place, members"),
        nested=True,
    )
    rename = orgs_actions.add_parser("rename", help="put an organisation's name right")
    rename.add_argument("old", metavar="OLD")
    rename.add_argument("new", metavar="NEW")
    merge = orgs_actions.add_parser("merge", help="FROM's members and entries move to INTO")
    merge.add_argument("source", metavar="FROM")
    merge.add_argument("target", metavar="INTO")
    describe = orgs_actions.add_parser(
        "set", help="an organisation's sector and place: NAME sector=public place=Fife"
    )
    describe.add_argument("name", metavar="NAME")
    describe.add_argument("assignments", nargs="+", metavar="key=value")
    endorse = orgs_actions.add_parser(
        "endorse",
        help="an organisation endorses the goals (it needs no member here): NAME [--url U] "
        "[--date D]",
    )
    endorse.add_argument("name", metavar="NAME")
    endorse.add_argument("--url", metavar="U", help="a link to its endorsement (https://…)")
    endorse.add_argument(
        "--date", metavar="D", help="the day it endorsed them, YYYY-MM-DD (default: today)"
    )
    withdraw = orgs_actions.add_parser("withdraw", help="an organisation no longer endorses them")
    withdraw.add_argument("name", metavar="NAME")
    for sub in (rename, merge, describe, endorse, withdraw):
        _team_option(sub, nested=True)

    post = command(
        "post",
        _post,
        "run a scheduled job now (once per period)",
        needs_slack=True,
        database="writes",
    )
    post.add_argument("job", choices=("prompt", "digest", "nudges", "selection", "pairs"))
    _team_option(post)
    post.add_argument(
        "--at",
        type=_instant,
        metavar="ISO-8601",
        help="act as if it were this moment (default: now), e.g. 2026-11-30T10:00+00:00",
    )

    manifest = command("manifest", _manifest, "print the Slack app manifest (YAML)")
    manifest.add_argument(
        "--url",
        default="https://YOUR-HOST/slack/events",
        help="the public address of POST /slack/events",
    )
    manifest.add_argument(
        "--socket-mode", action="store_true", help="for Socket Mode (no request URLs)"
    )
    manifest.add_argument(
        "--oauth",
        action="store_true",
        help="for installs in many workspaces: the OAuth redirect URL, org-wide installs",
    )
    manifest.add_argument("--json", action="store_true", help="JSON instead of YAML")

    export = command(
        "export", _export, "write the shared learning log to standard output", database="reads"
    )
    _team_option(export)
    export.add_argument("--format", choices=FORMATS, default="csv", help="default: csv")
    _period_options(export, "only entries from this date", "only entries up to this date")
    _offline_option(export)

    report = command(
        "report",
        _report,
        "write the impact report (default: the last 12 weeks, as HTML)",
        database="reads",
    )
    _team_option(report)
    _period_options(report, "the first day of the report", "the last day of the report")
    report.add_argument(
        "--format",
        choices=REPORT_FORMATS,
        help="default: md for a .md FILE, pdf for a .pdf FILE, else html",
    )
    report.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="write to FILE (default: standard output); the format follows a .md, .pdf or "
        ".html name",
    )
    _offline_option(report)

    doctor = command(
        "doctor",
        _doctor,
        "check the set-up in one step: settings, database, Slack token and scopes, channel, "
        "scheduler",
    )
    _sandbox_option(doctor)
    # The doctor reads the settings itself, so that a bad one is one of its lines.
    doctor.set_defaults(checks_own_settings=True)
    publish = command(
        "publish",
        _publish,
        "build the static site of the stories whose authors consented to share them",
        database="reads",
    )
    _team_option(publish)
    publish.add_argument(
        "-o",
        "--output",
        metavar="DIR",
        required=True,
        help="the folder to build the site in: new, empty, or one the bot built before",
    )
    publish.add_argument(
        "--base-url",
        metavar="URL",
        help="where the site will live, e.g. https://example.org/stories (absolute links in "
        "the feed)",
    )
    publish.add_argument("--title", help="the site's title (default: 'Stories of kindness')")
    publish.add_argument(
        "--force",
        action="store_true",
        help="build in a folder holding files the bot did not build, replacing all of them",
    )
    _offline_option(publish)
    backup = command(
        "backup",
        _backup,
        "write every table the bot owns to one portable file (consistent while the bot runs)",
    )
    backup.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="where to write it (default: kindness-backup-<UTC time>.jsonl.gz here; - for "
        "standard output)",
    )
    restore = command(
        "restore",
        _restore,
        "load a backup into the database DATABASE_URL names (SQLite or PostgreSQL): the way "
        "to move between them",
    )
    restore.add_argument("file", metavar="FILE", help="a file written by kindness-bot backup")
    restore.add_argument(
        "--force",
        action="store_true",
        help="replace everything in a database that is not empty",
    )

    audit = command("audit", _audit, "what coordinators did (never members' words)")
    audit.add_argument(
        "--team", metavar="T", help="one workspace (team) id; default: every workspace"
    )
    audit.add_argument(
        "--since",
        type=_date_or_datetime,
        metavar="DATE",
        help="only from this date (YYYY-MM-DD, UTC) or ISO-8601 instant",
    )
    return parser


def _team_option(sub: argparse.ArgumentParser, *, nested: bool = False) -> None:
    # A nested parser must not reset --team given before its action (argparse copies defaults).
    sub.add_argument(
        "--team",
        metavar="T",
        help="workspace (team) id; may be left out while there is one",
        **({"default": argparse.SUPPRESS} if nested else {}),
    )


def _sandbox_option(sub: argparse.ArgumentParser, *, nested: bool = False) -> None:
    sub.add_argument(
        "--sandbox",
        action="store_true",
        help=f"use {SANDBOX_DATABASE} in this directory (what `kindness-bot sandbox` stored) "
        "instead of DATABASE_URL",
        **({"default": argparse.SUPPRESS} if nested else {}),
    )


def _period_options(sub: argparse.ArgumentParser, since_help: str, until_help: str) -> None:
    when = "(YYYY-MM-DD, in the workspace's time zone, that day included) or an ISO-8601 instant"
    sub.add_argument("--since", type=_date_or_datetime, metavar="DATE", help=f"{since_help} {when}")
    sub.add_argument("--until", type=_date_or_datetime, metavar="DATE", help=f"{until_help} {when}")


def _offline_option(sub: argparse.ArgumentParser) -> None:
    sub.add_argument(
        "--offline",
        action="store_true",
        help="names from the database only: do not ask Slack for the names of mentioned members "
        "and channels",
    )


# -- which database a command uses -----------------------------------------------------------

SANDBOX_DATABASE = "sandbox.db"


class MissingDatabase(UsageError):
    """A command that only reads was pointed at an SQLite file that does not exist: opening
    it would create an empty database and answer as if nothing had ever been stored."""


def database_url_is_set(env: Mapping[str, str]) -> bool:
    return bool((env.get("DATABASE_URL") or "").strip())


def sandbox_database_url(directory: Path) -> str:
    return f"sqlite:///{(directory / SANDBOX_DATABASE).resolve()}"


def sqlite_file(url: str) -> Path | None:
    """The file an SQLite URL names (relative to the working directory), or None for another
    database or SQLite in memory."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def _database_in_use(config: Config, args: argparse.Namespace) -> Config:
    """The configuration with the database this command should use: the sandbox's with
    ``--sandbox``; otherwise ``DATABASE_URL``'s, after saying so when ``sandbox.db`` is here
    and no DATABASE_URL is set (the operator may well mean the sandbox's). A command that only
    reads refuses a database file that does not exist rather than create an empty one."""
    use = getattr(args, "database", None)
    if use is None:
        return config
    here = Path.cwd()
    sandbox_here = (here / SANDBOX_DATABASE).exists()
    if getattr(args, "sandbox", False):
        if not sandbox_here:
            raise MissingDatabase(no_sandbox_here(here))
        return replace(config, database_url=sandbox_database_url(here))
    if sandbox_here and not database_url_is_set(os.environ):
        print(sandbox_note(config.database_url), file=sys.stderr)
    path = sqlite_file(config.database_url)
    if use == "reads" and path is not None and not path.exists():
        raise MissingDatabase(missing_database(config.database_url, path, sandbox_here))
    return config


def no_sandbox_here(here: Path) -> str:
    return (
        f"there is no {SANDBOX_DATABASE} in {here}: run `kindness-bot sandbox` here first, "
        "or leave out --sandbox"
    )


def sandbox_note(database_url: str) -> str:
    path = sqlite_file(database_url)
    using = path.name if path is not None else "DATABASE_URL's default"
    return (
        f"kindness-bot: note: {SANDBOX_DATABASE} is here but DATABASE_URL is not set, so this "
        f"uses {using}; add --sandbox to use {SANDBOX_DATABASE}."
    )


def missing_database(database_url: str, path: Path, sandbox_here: bool) -> str:
    why = (
        "as DATABASE_URL says"
        if database_url_is_set(os.environ)
        else "the default, as DATABASE_URL is not set"
    )
    todo = (
        f"add --sandbox to use {SANDBOX_DATABASE}"
        if sandbox_here
        else "set DATABASE_URL to the bot's database (in the environment or .env), or run the "
        "command where the bot keeps kindness.db"
    )
    return (
        f"there is no database at {path.resolve()} ({why}), and this command does not create "
        f"one: {todo}."
    )


def _instant(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"'{value}' is not an ISO-8601 instant; write e.g. 2026-11-30T10:00+00:00"
        ) from None
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(
            f"'{value}' has no UTC offset; add one, e.g. 2026-11-30T10:00+00:00"
        )
    return moment


def _date_or_datetime(value: str) -> date | datetime:
    try:
        return parse_when(value)
    except LogError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def database_problem(exc: SQLAlchemyError) -> str:
    """One sentence that names the real cause: a database that cannot be reached is a
    setting to check; a refused statement (a constraint, a race lost to another process) is
    not, and says what the database said (never the values: engines hide parameters)."""
    said = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    first = said[0] if said else ""
    name = type(getattr(exc, "orig", None) or exc).__name__
    if (isinstance(exc, DBAPIError) and exc.connection_invalidated) or _is_unreachable(exc):
        return f"the database did not answer ({name}: {first}). Check DATABASE_URL."
    return (
        f"the database refused the operation ({name}: {first}); nothing was changed by it. "
        "If another kindness-bot process was doing the same thing, run the command again."
    )


def _is_unreachable(exc: SQLAlchemyError) -> bool:
    if isinstance(exc, DisconnectionError | InterfaceError | PoolTimeout):
        return True
    if not isinstance(exc, OperationalError):
        return False
    # OperationalError also covers a locked SQLite file or a missing table; those name
    # themselves well enough, but cannot be fixed in DATABASE_URL.
    said = str(exc.orig).lower()
    return any(
        sign in said
        for sign in (
            "unable to open database file",
            "connection",
            "could not translate host name",
            "password authentication failed",
            "does not exist",
            "timeout",
            "server closed",
        )
    )


def resolve_team(db: Database, given: str | None, config: Config | None = None) -> str:
    """The workspace a command is about: ``--team``, or the only one there is (see
    ``bot.slack.team_choice``)."""
    team = choose_workspace(db, config, given)
    assert team is not None
    return team


# -- commands ------------------------------------------------------------------------------


def _run(config: Config, args: argparse.Namespace) -> int:
    from runtime.serve import run_all

    return run_all(config, open_database(config))


def _web(config: Config, args: argparse.Namespace) -> int:
    from runtime.serve import run_web

    return run_web(config, open_database(config))


def _scheduler(config: Config, args: argparse.Namespace) -> int:
    from runtime.scheduler import run_scheduler

    return run_scheduler(config, open_database(config))


def _sandbox(config: Config, args: argparse.Namespace) -> int:
    from runtime.sandbox import run_sandbox

    port = args.port if args.port is not None else config.port
    return run_sandbox(os.environ, port=port, fresh=args.fresh, announce=None)


SANDBOX_INSTEAD = (
    "No Slack app is configured, so this is the sandbox (the real bot, a pretend Slack): "
    "open {url} — to connect a real workspace, set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET "
    "(README: Set up with your workspace)."
)


def _sandbox_instead() -> int:
    from runtime.sandbox import run_sandbox

    try:
        config = load_config(os.environ)  # everything but Slack, checked as usual
    except ConfigError as exc:
        print(exc.message(), file=sys.stderr)
        return 2
    configure_logging_for(config)
    return run_sandbox(os.environ, port=config.port, fresh=False, announce=SANDBOX_INSTEAD)


def _doctor(config: Config | None, args: argparse.Namespace) -> int:
    from runtime.doctor import run_doctor

    env = dict(os.environ)
    here = Path.cwd()
    if args.sandbox:
        if not (here / SANDBOX_DATABASE).exists():
            print(f"kindness-bot: {no_sandbox_here(here)}", file=sys.stderr)
            return 2
        env["DATABASE_URL"] = sandbox_database_url(here)
    elif (here / SANDBOX_DATABASE).exists() and not database_url_is_set(env):
        print(sandbox_note(DEFAULT_DATABASE_URL), file=sys.stderr)
    return run_doctor(env, sys.stdout, sandbox=args.sandbox)


def _db_help(config: Config, args: argparse.Namespace) -> int:
    print("usage: kindness-bot db upgrade", file=sys.stderr)
    return 2


def _db_upgrade(config: Config, args: argparse.Namespace) -> int:
    db = Database(config.database_url)
    db.upgrade()
    print(f"database is at revision {db.current_revision()}")
    return 0


def _goals(config: Config, args: argparse.Namespace) -> int:
    framework = config.framework
    print(f"{framework.name}  ({framework.source})\n")
    for goal in framework.goals:
        print(f"g{goal.number}  {goal.key}: {goal.title}")
        print(f"    {goal.summary}")
        for question in goal.questions:
            print(f"    - {question}")
        print()
    return 0


def _settings(config: Config, args: argparse.Namespace) -> int:
    from bot.settings import SettingsErrors, SettingsStore, describe, parse_assignments

    db = open_database(config)
    store = SettingsStore(db, clock=utc_now, default_timezone=config.default_timezone)
    if args.action == "set":
        team_id = choose_workspace(db, config, args.team, create=args.create)
        assert team_id is not None
        try:
            current = store.apply(team_id, parse_assignments(args.assignments), by_user=None)
        except SettingsErrors as errors:
            print("kindness-bot: nothing was changed:", file=sys.stderr)
            for error in errors.errors:
                print(f"  - {error}", file=sys.stderr)
            return 2
        print(f"Saved. Settings of {team_id}:")
    else:
        team_id = resolve_team(db, args.team, config)
        current = store.get(team_id)
        print(f"Settings of {team_id}:")
    today = local_date(utc_now(), current.timezone)
    names = _directory(config, db, team_id, offline=False)
    channel = current.channel_id
    for label, value in describe(current, today=today, name_of=_shell_name(names)):
        if channel and value == channel and (name := names.channel(channel)):
            value = f"#{name} ({channel})"  # the name people know, the id an operator types
        print(f"  {label + ':':<20} {value}")
    return 0


def _orgs(config: Config, args: argparse.Namespace) -> int:
    from bot.organisations import MemberOrganisations, described_row, parse_settings

    db = open_database(config)
    team_id = resolve_team(db, args.team, config)
    organisations = MemberOrganisations(db, clock=utc_now)
    action = getattr(args, "action", None) or "list"
    try:
        if action == "list":
            listed = organisations.listed(team_id)
            if not listed:
                print(f"No organisations in {team_id} yet.")
            for row in listed:
                print(described_row(row))
            return 0
        if action == "rename":
            changed = organisations.rename(team_id, args.old, args.new)
            print(f"Renamed {args.old!r} to {changed.name!r}.")
        elif action == "merge":
            changed = organisations.merge(team_id, args.source, args.target)
            print(f"Merged {args.source!r} into {changed.name!r}.")
        elif action in ("endorse", "withdraw"):
            return _endorsement(db, team_id, args)
        else:
            _, settings = parse_settings(args.assignments)
            changed = organisations.describe(team_id, args.name, settings)
            sector, place = changed.sector or "-", changed.place or "-"
            print(f"Saved {changed.name!r}: sector {sector}, place {place}.")
    except LogError as error:
        print(f"kindness-bot: nothing was changed: {error}", file=sys.stderr)
        return 2
    return 0


def _endorsement(db: Database, team_id: str, args: argparse.Namespace) -> int:
    """``orgs endorse NAME [--url U] [--date D]`` and ``orgs withdraw NAME``; refusals are the
    caller's (``LogError``)."""
    from bot.endorsements import endorse, withdraw
    from bot.periods import parse_day

    if args.action == "withdraw":
        name = withdraw(db, team_id, args.name)
        print(f"{name!r} no longer endorses the goals.")
        return 0
    now = utc_now()
    on = parse_day(args.date) if args.date else local_date(now, _timezone_of(db, team_id))
    made = endorse(db, team_id, args.name, on=on, url=args.url, now=now)
    link = f", {made.url}" if made.url else ""
    print(f"{made.name!r} endorses the goals since {made.endorsed_on}{link}.")
    return 0


def _post(config: Config, args: argparse.Namespace) -> int:
    from bot.services import Services
    from bot.slack.client import TeamClients
    from schedules.manual import run_job_now

    db = open_database(config)
    team_id = resolve_team(db, args.team, config)
    now = args.at or utc_now()
    services = Services(config, db, clock=lambda: now)
    slack = TeamClients(config, engine=db.engine).port(team_id)
    run = run_job_now(
        args.job,
        services,
        slack,
        team_id,
        now,
        wait_for_others=PEER_WAIT_SECONDS,
        waiting=lambda what: print(f"kindness-bot: {what}; waiting for it…", file=sys.stderr),
    )
    print(run.message)
    return 0 if run.ok else 1


def _manifest(config: Config, args: argparse.Namespace) -> int:
    from bot.manifest import manifest, render

    document = manifest(
        args.url, framework=config.framework, socket_mode=args.socket_mode, oauth=args.oauth
    )
    sys.stdout.write(render(document, as_json=args.json))
    return 0


def _export(config: Config, args: argparse.Namespace) -> int:
    db = open_database(config)
    # An empty database exports an empty log (a nightly export job must not fail before the
    # first entry).
    team_id = choose_workspace(db, config, args.team, none_is_fine=True)
    tz = _timezone_of(db, team_id) if team_id else "UTC"
    try:
        period = export_period(tz, args.since, args.until)
    except LogError as exc:
        raise UsageError(str(exc)) from None
    count = write_export(
        db,
        config.framework,
        team_id,
        args.format,
        sys.stdout,
        period=period,
        now=utc_now(),
        tz=tz,
        names=_directory(config, db, team_id, offline=args.offline) if team_id else None,
    )
    log.info("exported %d entries of %s as %s", count, team_id or "no workspace", args.format)
    _record_file(db, team_id, audit_action="export", fmt=args.format, entries=count, args=args)
    return 0


def _record_file(
    db: Database,
    team_id: str | None,
    *,
    audit_action: str,
    fmt: str,
    entries: int | None,
    args: argparse.Namespace,
) -> None:
    """An export or report taken at the shell, in the audit trail like one taken in Slack."""
    from bot import audit

    audit.record(
        db,
        team_id=team_id,
        actor=audit.OPERATOR,
        action=audit.EXPORTED if audit_action == "export" else audit.REPORTED,
        at=utc_now(),
        subject=getattr(args, "output", None),
        details={
            "format": fmt,
            **({"entries": entries} if entries is not None else {}),
            "from": str(args.since or "start"),
            "to": str(args.until or "now"),
        },
    )


def _report(config: Config, args: argparse.Namespace) -> int:
    from bot.report import report_pdf, write_report
    from bot.report.evidence import build_evidence
    from bot.report.figures import build_report, report_period
    from bot.settings import SettingsStore

    db = open_database(config)
    team_id = resolve_team(db, args.team, config)
    settings = SettingsStore(db, clock=utc_now).get(team_id)
    now = utc_now()
    named = (args.output or "").lower().rpartition(".")[2]
    fmt = args.format or (named if named in ("md", "pdf") else "html")
    try:
        period = report_period(settings.timezone, now, since=args.since, until=args.until)
    except LogError as exc:
        raise UsageError(str(exc)) from None
    report = build_report(
        db, config.framework, team_id, period, now=now, min_group=settings.min_group
    )
    evidence = build_evidence(db, report)
    names = _directory(config, db, team_id, offline=args.offline)
    if fmt == "pdf":
        try:
            content = report_pdf(report, config.framework, names=names, evidence=evidence)
        except LogError as exc:  # WeasyPrint or its Pango is missing
            raise UsageError(str(exc)) from None
    if args.output:
        try:
            if fmt == "pdf":
                with open(args.output, "wb") as binary:
                    binary.write(content)
            else:
                with open(args.output, "w", encoding="utf-8") as out:
                    write_report(report, config.framework, fmt, out, names=names, evidence=evidence)
        except OSError as exc:
            raise UsageError(f"cannot write {args.output}: {exc.strerror}") from None
        print(f"Wrote the impact report ({fmt}) for {team_id} to {args.output}", file=sys.stderr)
    elif fmt == "pdf":
        sys.stdout.flush()
        sys.stdout.buffer.write(content)
        sys.stdout.buffer.flush()
    else:
        write_report(report, config.framework, fmt, sys.stdout, names=names, evidence=evidence)
    _record_file(db, team_id, audit_action="report", fmt=fmt, entries=None, args=args)
    return 0


def _shell_name(names: Directory) -> Callable[[str], str]:
    """A member as the shell names them: the name Slack shows, with the id when the bot has
    no name for them (nobody stored it and no Slack app is configured to ask)."""

    def name_of(user_id: str) -> str:
        return names.user(user_id) or f"{user_id} (name not known)"

    return name_of


def _publish(config: Config, args: argparse.Namespace) -> int:
    from pathlib import Path

    from bot.site.build import build_site

    db = open_database(config)
    team_id = resolve_team(db, args.team, config)
    out = Path(args.output)
    try:
        result = build_site(
            db,
            config.framework,
            team_id,
            out,
            title=args.title,
            base_url=args.base_url,
            force=args.force,
            names=_directory(config, db, team_id, offline=args.offline),
        )
    except LogError as exc:
        raise UsageError(str(exc)) from None
    except OSError as exc:
        raise UsageError(f"cannot write the site to {out}: {exc.strerror or exc}") from None
    print(f"Built the site in {out}: {result.summary()}.", file=sys.stderr)
    shown = 20  # a first build adds every page: name a few, count the rest
    for what, paths in (
        ("added", result.added),
        ("changed", result.changed),
        ("removed", result.removed),
    ):
        for path in paths[:shown]:
            print(f"  {what}: {path}", file=sys.stderr)
        if len(paths) > shown:
            print(f"  …and {len(paths) - shown} more {what}", file=sys.stderr)
    return 0


def _backup(config: Config, args: argparse.Namespace) -> int:
    from pathlib import Path

    from bot import audit
    from bot.backup import SUFFIX, backup_to_file, write_backup

    db = open_database(config)
    now = utc_now()
    if args.output == "-":
        summary = write_backup(db, sys.stdout.buffer, now=now)
        where = "standard output"
    else:
        path = Path(args.output or f"kindness-backup-{now:%Y%m%d-%H%M%S}{SUFFIX}")
        try:
            summary = backup_to_file(db, path, now=now)
        except OSError as exc:
            raise UsageError(f"cannot write {path}: {exc.strerror}") from None
        where = str(path)
    audit.record(
        db,
        team_id=None,
        actor=audit.OPERATOR,
        action=audit.BACKED_UP,
        at=utc_now(),
        subject=None if where == "standard output" else Path(where).name,
        details={"rows": summary.total, "revision": summary.revision},
    )
    print(
        f"Backed up {summary.total} rows of {len(summary.rows)} tables "
        f"(revision {summary.revision}) to {where}",
        file=sys.stderr,
    )
    return 0


def _restore(config: Config, args: argparse.Namespace) -> int:
    from pathlib import Path

    from bot.backup import BackupError, restore_backup

    db = Database(config.database_url)
    try:
        summary = restore_backup(db, Path(args.file), force=args.force, now=utc_now())
    except BackupError as exc:
        print(f"kindness-bot: {exc}", file=sys.stderr)
        return 1
    print(
        f"Restored {summary.total} rows (taken {summary.created_at} from {summary.source}, "
        f"revision {summary.revision}) into {db.dialect}; the database is at revision "
        f"{db.current_revision()}."
    )
    return 0


def _audit(config: Config, args: argparse.Namespace) -> int:
    from bot.audit import audit_trail

    db = open_database(config)
    team_id = resolve_team(db, args.team, config) if args.team else None
    since = args.since
    if isinstance(since, date) and not isinstance(since, datetime):
        since = datetime(since.year, since.month, since.day, tzinfo=UTC)
    lines = audit_trail(db, team_id=team_id, since=since)
    for line in lines:
        facts = line.facts()
        print(
            "\t".join(
                [
                    line.at.isoformat(timespec="seconds"),
                    line.team_id or "-",
                    line.actor,
                    line.action,
                    line.subject or "-",
                    facts or "-",
                ]
            )
        )
    if not lines:
        print("Nothing recorded yet.", file=sys.stderr)
    return 0


def _timezone_of(db: Database, team_id: str) -> str:
    with db.reading() as session:
        tz = session.scalar(select(Workspace.timezone).where(Workspace.team_id == team_id))
    return tz or "UTC"


def _directory(config: Config, db: Database, team_id: str, *, offline: bool) -> Directory:
    """Names from the database, and from Slack when an app is configured (not ``--offline``)."""
    if offline or config.slack_mode is None:
        return Directory(db, team_id)
    from bot.slack.client import TeamClients
    from bot.slack.names import SlackNames

    try:
        client = TeamClients(config, engine=db.engine)(team_id)
    except LookupError:
        return Directory(db, team_id)
    return Directory(db, team_id, SlackNames(client))
