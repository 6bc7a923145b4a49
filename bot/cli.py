"""``kindness-bot``: the operator's command line.

Every subcommand reads its settings through ``bot.config.load_config``; a bad setting ends the
program with one clear message (exit status 2), never a traceback.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence
from datetime import date, datetime, time
from importlib.metadata import version
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import (
    DBAPIError,
    DisconnectionError,
    InterfaceError,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeout

from bot.config import Config, ConfigError, StartError, load_config
from bot.db import Database
from bot.environment import load_environment
from bot.export import FORMATS, write_export
from bot.logs import configure_logging_for
from bot.models import Workspace
from bot.team_choice import WorkspaceChoiceError, choose_workspace
from bot.weeks import utc_now
from bot.workspaces import NotInstalled

log = logging.getLogger("kindness-bot")


class UsageError(Exception):
    """A command-line mistake worth one sentence to the operator (exit status 2)."""


def main(argv: Sequence[str] | None = None) -> int:
    load_environment()
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    try:
        config = load_config(os.environ, require_slack=args.needs_slack)
        configure_logging_for(config)
        return args.handler(config, args)
    except ConfigError as exc:
        print(exc.message(), file=sys.stderr)
        return 2
    except (UsageError, WorkspaceChoiceError, StartError) as exc:
        print(f"kindness-bot: {exc}", file=sys.stderr)
        return 2
    except NotInstalled as exc:
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
    ) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=helptext, description=helptext)
        sub.set_defaults(handler=handler, needs_slack=needs_slack)
        return sub

    command("run", _run, "web and scheduler in one process", needs_slack=True)
    command("web", _web, "serve Slack's requests only (no scheduler)", needs_slack=True)
    command("scheduler", _scheduler, "run the scheduled jobs only", needs_slack=True)

    db = command("db", _db_help, "database maintenance")
    db_commands = db.add_subparsers(title="db commands", metavar="ACTION")
    upgrade = db_commands.add_parser("upgrade", help="apply migrations to the newest schema")
    upgrade.set_defaults(handler=_db_upgrade, needs_slack=False)

    command("goals", _goals, "print the goals framework in use")

    settings = command("settings", _settings, "show or change a workspace's rhythm settings")
    _team_option(settings)
    settings_actions = settings.add_subparsers(title="actions", metavar="ACTION", dest="action")
    _team_option(settings_actions.add_parser("show", help="print the settings"), nested=True)
    set_parser = settings_actions.add_parser(
        "set", help="change settings: key=value … (e.g. channel=C0123 prompt_time=09:30)"
    )
    _team_option(set_parser, nested=True)
    set_parser.add_argument("assignments", nargs="+", metavar="key=value")
    set_parser.add_argument(
        "--create",
        action="store_true",
        help="set up the workspace named with --team although the bot has not met it yet",
    )

    post = command("post", _post, "run a scheduled job now (once per period)", needs_slack=True)
    post.add_argument("job", choices=("prompt", "digest", "nudges"))
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

    export = command("export", _export, "write the shared learning log to standard output")
    _team_option(export)
    export.add_argument("--format", choices=FORMATS, default="csv", help="default: csv")
    export.add_argument(
        "--since",
        type=_date_or_datetime,
        metavar="DATE",
        help="only entries from this date (YYYY-MM-DD, the workspace's time zone) or instant",
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
        if "T" in value or " " in value:
            return datetime.fromisoformat(value)
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"'{value}' is not a date; write it as YYYY-MM-DD or an ISO-8601 instant"
        ) from None


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


def open_database(config: Config) -> Database:
    """The database at ``DATABASE_URL``, migrated to the newest schema."""
    db = Database(config.database_url)
    db.upgrade()
    return db


def resolve_team(db: Database, given: str | None, config: Config | None = None) -> str:
    """The workspace a command is about: ``--team``, or the only one there is (see
    ``bot.team_choice``)."""
    team = choose_workspace(db, config, given)
    assert team is not None
    return team


# -- commands ------------------------------------------------------------------------------


def _run(config: Config, args: argparse.Namespace) -> int:
    from bot.serve import run_all

    return run_all(config, open_database(config))


def _web(config: Config, args: argparse.Namespace) -> int:
    from bot.serve import run_web

    return run_web(config, open_database(config))


def _scheduler(config: Config, args: argparse.Namespace) -> int:
    from schedules.runner import run_scheduler

    return run_scheduler(config, open_database(config))


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
    today = utc_now().astimezone(ZoneInfo(current.timezone)).date()
    for label, value in describe(current, today=today):
        print(f"  {label + ':':<20} {value}")
    return 0


def _post(config: Config, args: argparse.Namespace) -> int:
    from bot.services import Services
    from bot.slack_client import TeamClients
    from schedules.digest import post_weekly_digest
    from schedules.prompt import post_weekly_prompt

    db = open_database(config)
    team_id = resolve_team(db, args.team, config)
    now = args.at or utc_now()
    services = Services(config, db, clock=lambda: now)
    client = TeamClients(config, engine=db.engine)(team_id)
    if args.job == "nudges":
        from schedules.nudges import send_nudges

        print(send_nudges(services, client, team_id, now).describe())
        return 0
    post = post_weekly_prompt if args.job == "prompt" else post_weekly_digest
    outcome = post(services, client, team_id, now=now)
    print(outcome.message)
    return 0 if outcome.status in ("posted", "already", "paused") else 1


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
    since = args.since
    if isinstance(since, date) and not isinstance(since, datetime):
        with db.reading() as session:
            tz = session.scalar(select(Workspace.timezone).where(Workspace.team_id == team_id))
        since = datetime.combine(since, time(0, 0), tzinfo=ZoneInfo(tz or "UTC"))
    elif isinstance(since, datetime) and since.tzinfo is None:
        raise UsageError("--since: give the instant a UTC offset, e.g. 2026-11-02T09:00+00:00")
    count = write_export(
        db, config.framework, team_id, args.format, sys.stdout, since=since, now=utc_now()
    )
    log.info("exported %d entries of %s as %s", count, team_id or "no workspace", args.format)
    return 0
