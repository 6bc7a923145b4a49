"""``kindness-bot``: the operator's command line.

Every subcommand reads its settings through ``bot.config.load_config``; a bad setting ends the
program with one clear message (exit status 2), never a traceback.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys
from collections.abc import Callable, Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dotenv import load_dotenv
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from bot.config import Config, ConfigError, NoSlackApp, load_config
from bot.db import Database
from bot.export import FORMATS, Period, write_export
from bot.models import Workspace
from bot.names import Directory
from bot.report import FORMATS as REPORT_FORMATS
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
    except NoSlackApp as exc:
        if getattr(args, "or_sandbox", False):
            return _sandbox_instead()
        print(exc.message(), file=sys.stderr)
        return 2
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

    run = command("run", _run, "web and scheduler in one process", needs_slack=True)
    # `make run`: with no Slack app configured at all, start the sandbox instead of stopping.
    run.add_argument("--or-sandbox", action="store_true", help=argparse.SUPPRESS)
    command("web", _web, "serve Slack's requests only (no scheduler)", needs_slack=True)
    command("scheduler", _scheduler, "run the scheduled jobs only", needs_slack=True)

    db = command("db", _db_help, "database maintenance")
    db_commands = db.add_subparsers(title="db commands", metavar="ACTION")
    upgrade = db_commands.add_parser("upgrade", help="apply migrations to the newest schema")
    upgrade.set_defaults(handler=_db_upgrade, needs_slack=False)

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

    settings = command("settings", _settings, "show or change a workspace's rhythm settings")
    _team_option(settings)
    settings_actions = settings.add_subparsers(title="actions", metavar="ACTION", dest="action")
    _team_option(settings_actions.add_parser("show", help="print the settings"), nested=True)
    set_parser = settings_actions.add_parser(
        "set", help="change settings: key=value … (e.g. channel=C0123 prompt_time=09:30)"
    )
    _team_option(set_parser, nested=True)
    set_parser.add_argument("assignments", nargs="+", metavar="key=value")

    post = command("post", _post, "run a scheduled job now (once per period)", needs_slack=True)
    post.add_argument("job", choices=("prompt", "digest", "nudges"))
    _team_option(post)
    post.add_argument(
        "--at",
        type=_instant,
        metavar="ISO-8601",
        help="act as if it were this moment (default: now), e.g. 2026-11-30T10:00+00:00",
    )

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
    _period_options(export, "only entries from this date", "only entries up to this date")
    _offline_option(export)

    report = command(
        "report", _report, "write the impact report (default: the last 12 weeks, as HTML)"
    )
    _team_option(report)
    _period_options(report, "the first day of the report", "the last day of the report")
    report.add_argument(
        "--format", choices=REPORT_FORMATS, help="default: md for a .md FILE, else html"
    )
    report.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="write to FILE (default: standard output); the format follows a .md or .html name",
    )
    _offline_option(report)
    return parser


def _team_option(sub: argparse.ArgumentParser, *, nested: bool = False) -> None:
    # A nested parser must not reset --team given before its action (argparse copies defaults).
    sub.add_argument(
        "--team",
        metavar="T",
        help="workspace (team) id; may be left out while there is one",
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


class RedactingFormatter(logging.Formatter):
    """Slack tokens never reach a log, even at DEBUG (where slack_sdk logs response bodies,
    such as the tokens an OAuth install returns)."""

    TOKEN = re.compile(r"\b(xox[abepr]|xapp)-[A-Za-z0-9-]+")

    def format(self, record: logging.LogRecord) -> str:
        return self.TOKEN.sub(r"\1-(redacted)", super().format(record))


def _configure_logging(level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=level, handlers=[handler])
    if level != "DEBUG":
        # Migrations say what they do only when there is something to apply.
        logging.getLogger("alembic.runtime.migration").setLevel(logging.WARNING)


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


def _sandbox(config: Config, args: argparse.Namespace) -> int:
    from sandbox.server import run_sandbox

    port = args.port if args.port is not None else config.port
    return run_sandbox(os.environ, port=port, fresh=args.fresh, announce=None)


SANDBOX_INSTEAD = (
    "No Slack app is configured, so this is the sandbox (the real bot, a pretend Slack): "
    "open {url} — to connect a real workspace, set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET "
    "(README: Connecting to Slack)."
)


def _sandbox_instead() -> int:
    from sandbox.server import run_sandbox

    try:
        config = load_config(os.environ)  # everything but Slack, checked as usual
    except ConfigError as exc:
        print(exc.message(), file=sys.stderr)
        return 2
    _configure_logging(config.log_level)
    return run_sandbox(os.environ, port=config.port, fresh=False, announce=SANDBOX_INSTEAD)


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
        # A workspace named with --team may be configured before anyone has used the bot.
        team_id = args.team or resolve_team(db, None)
        try:
            current = store.apply(team_id, parse_assignments(args.assignments), by_user=None)
        except SettingsErrors as errors:
            print("kindness-bot: nothing was changed:", file=sys.stderr)
            for error in errors.errors:
                print(f"  - {error}", file=sys.stderr)
            return 2
        print(f"Saved. Settings of {team_id}:")
    else:
        team_id = resolve_team(db, args.team)
        current = store.get(team_id)
        print(f"Settings of {team_id}:")
    today = utc_now().astimezone(ZoneInfo(current.timezone)).date()
    for label, value in describe(current, today=today):
        print(f"  {label + ':':<20} {value}")
    return 0


def _post(config: Config, args: argparse.Namespace) -> int:
    from bot.services import Services
    from bot.slack_client import TeamClients
    from schedules.manual import run_job_now

    db = open_database(config)
    team_id = resolve_team(db, args.team)
    now = args.at or utc_now()
    services = Services(config, db, clock=lambda: now)
    client = TeamClients(config, engine=db.engine)(team_id)
    run = run_job_now(args.job, services, client, team_id, now)
    print(run.message)
    return 0 if run.ok else 1


def _manifest(config: Config, args: argparse.Namespace) -> int:
    from bot.manifest import manifest_json

    print(manifest_json(args.url, socket_mode=args.socket_mode))
    return 0


def _export(config: Config, args: argparse.Namespace) -> int:
    db = open_database(config)
    team_id = resolve_team(db, args.team)
    tz = _timezone_of(db, team_id)
    since = _moment(args.since, tz, "--since")
    until = _moment(args.until, tz, "--until", next_day=True)
    if since is not None and until is not None and since >= until:
        raise UsageError("--since must come before --until")
    count = write_export(
        db,
        config.framework,
        team_id,
        args.format,
        sys.stdout,
        period=Period(since, until),
        now=utc_now(),
        tz=tz,
        names=_directory(config, db, team_id, offline=args.offline),
    )
    log.info("exported %d entries of %s as %s", count, team_id, args.format)
    return 0


def _report(config: Config, args: argparse.Namespace) -> int:
    from bot.report import write_report
    from bot.report.figures import PeriodError, build_report, report_period
    from bot.settings import SettingsStore

    db = open_database(config)
    team_id = resolve_team(db, args.team)
    settings = SettingsStore(db, clock=utc_now).get(team_id)
    now = utc_now()
    fmt = args.format or ("md" if (args.output or "").lower().endswith(".md") else "html")
    try:
        period = report_period(settings.timezone, now, since=args.since, until=args.until)
    except PeriodError as exc:
        raise UsageError(str(exc)) from None
    report = build_report(
        db, config.framework, team_id, period, now=now, min_group=settings.min_group
    )
    names = _directory(config, db, team_id, offline=args.offline)
    if args.output:
        try:
            with open(args.output, "w", encoding="utf-8") as out:
                write_report(report, config.framework, fmt, out, names=names)
        except OSError as exc:
            raise UsageError(f"cannot write {args.output}: {exc.strerror}") from None
        print(f"Wrote the impact report ({fmt}) for {team_id} to {args.output}", file=sys.stderr)
    else:
        write_report(report, config.framework, fmt, sys.stdout, names=names)
    return 0


def _timezone_of(db: Database, team_id: str) -> str:
    with db.reading() as session:
        tz = session.scalar(select(Workspace.timezone).where(Workspace.team_id == team_id))
    return tz or "UTC"


def _moment(
    value: date | datetime | None, tz: str, option: str, *, next_day: bool = False
) -> datetime | None:
    """A date as local midnight (the next one for an inclusive end), an instant as given."""
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise UsageError(
                f"{option}: give the instant a UTC offset, e.g. 2026-11-02T09:00+00:00"
            )
        return value
    day = value + timedelta(days=1) if next_day else value
    return datetime.combine(day, time(0, 0), tzinfo=ZoneInfo(tz))


def _directory(config: Config, db: Database, team_id: str, *, offline: bool) -> Directory:
    """Names from the database, and from Slack when an app is configured (not ``--offline``)."""
    if offline or config.slack_mode is None:
        return Directory(db, team_id)
    from bot.slack_client import TeamClients
    from bot.slack_names import SlackNames

    try:
        client = TeamClients(config, engine=db.engine)(team_id)
    except LookupError:
        return Directory(db, team_id)
    return Directory(db, team_id, SlackNames(client))
