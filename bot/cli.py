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
from zoneinfo import ZoneInfo

from dotenv import load_dotenv
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from bot.config import Config, ConfigError, load_config
from bot.db import Database
from bot.export import FORMATS, write_export
from bot.models import Workspace
from bot.weeks import utc_now
from bot.workspaces import known_team_ids

log = logging.getLogger("kindness-bot")


class UsageError(Exception):
    """A command-line mistake worth one sentence to the operator (exit status 2)."""


def load_environment() -> None:
    """Settings from ``.env`` in the working directory; the real environment wins."""
    load_dotenv(os.path.join(os.getcwd(), ".env"), override=False)


def main(argv: Sequence[str] | None = None) -> int:
    load_environment()
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    try:
        config = load_config(os.environ, require_slack=args.needs_slack)
        _configure_logging(config.log_level)
        return args.handler(config, args)
    except ConfigError as exc:
        print(exc.message(), file=sys.stderr)
        return 2
    except UsageError as exc:
        print(f"kindness-bot: {exc}", file=sys.stderr)
        return 2
    except SQLAlchemyError as exc:
        print(
            f"kindness-bot: the database did not answer ({exc.__class__.__name__}: "
            f"{str(exc).splitlines()[0]}). Check DATABASE_URL.",
            file=sys.stderr,
        )
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

    manifest = command("manifest", _manifest, "print the Slack app manifest (JSON)")
    manifest.add_argument(
        "--url",
        default="https://YOUR-HOST/slack/events",
        help="the public address of POST /slack/events",
    )
    manifest.add_argument(
        "--socket-mode", action="store_true", help="for Socket Mode (no request URLs)"
    )

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


def _team_option(sub: argparse.ArgumentParser) -> None:
    sub.add_argument(
        "--team", metavar="T", help="workspace (team) id; may be left out while there is one"
    )


def _date_or_datetime(value: str) -> date | datetime:
    try:
        if "T" in value or " " in value:
            return datetime.fromisoformat(value)
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"'{value}' is not a date; write it as YYYY-MM-DD or an ISO-8601 instant"
        ) from None


def _configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


def open_database(config: Config) -> Database:
    """The database at ``DATABASE_URL``, migrated to the newest schema."""
    db = Database(config.database_url)
    db.upgrade()
    return db


def resolve_team(db: Database, given: str | None) -> str:
    """The workspace a command is about: ``--team``, or the only one there is."""
    with db.reading() as session:
        teams = known_team_ids(session)
    if given:
        if given not in teams:
            known = ", ".join(teams) if teams else "none yet"
            raise UsageError(f"no workspace '{given}' in the database (known: {known})")
        return given
    if not teams:
        raise UsageError("the database holds no workspace yet; the bot creates one on first use")
    if len(teams) > 1:
        raise UsageError(
            f"several workspaces share this database; choose one with --team: {', '.join(teams)}"
        )
    return teams[0]


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


def _manifest(config: Config, args: argparse.Namespace) -> int:
    from bot.manifest import manifest_json

    print(manifest_json(args.url, socket_mode=args.socket_mode))
    return 0


def _export(config: Config, args: argparse.Namespace) -> int:
    db = open_database(config)
    team_id = resolve_team(db, args.team)
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
    log.info("exported %d entries of %s as %s", count, team_id, args.format)
    return 0
