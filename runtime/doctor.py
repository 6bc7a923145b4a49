"""``kindness-bot doctor``: the whole set-up checked in one step, one line per check.

Each line is ✔ (it holds), ✘ (it does not, and what to do about it) or ! (a warning: it holds,
but an operator would want to know); the exit status is 0 only when no line is ✘. The one
warning is nightly backups being off: a deployment may back its database up by other means
(a managed database's snapshots, its own ``pg_dump``), so it must not fail a deployment gate.
The doctor changes nothing: it never creates or migrates the database, never joins a channel
and never posts.

What it checks, in the order a set-up is made:
- the settings (``bot.config``, as every command reads them) and which Slack app they name;
- the database: there, answering, at the newest schema;
- the bot token: Slack accepts it (``auth.test``) and it carries every scope the manifest
  asks for (Slack's ``x-oauth-scopes`` answer header);
- per workspace: the network channel is set, the bot can see it and is in it (a public
  channel it is not in yet is joined at the first post, so that holds);
- per workspace: the scheduler's last runs (the job claims): the last prompt and digest
  posted, a post that failed, or one that fell due and was never made;
- the nightly backup (``schedules.backups``, as ``/healthz`` reports it): off is a warning;
  on, the latest failed, died running or none finished for two days does not hold.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from alembic.script import ScriptDirectory
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from bot.config import Config, ConfigError, NoSlackApp, load_config
from bot.db import Database, alembic_config
from bot.manifest import bot_scopes
from bot.models import BackupRun, JobClaim, Workspace
from bot.settings import SettingsStore, WorkspaceSettings
from bot.weeks import utc_now
from schedules import claims
from schedules.timing import Missed, due

OK, NOT_OK, WARNING = "✔", "✘", "!"
MODES = {
    "single": "one workspace over HTTP (SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET)",
    "socket": "one workspace over Socket Mode (SLACK_APP_TOKEN, SLACK_BOT_TOKEN)",
    "oauth": "installs in many workspaces (SLACK_CLIENT_ID, SLACK_CLIENT_SECRET)",
}
JOBS = ("prompt", "digest")


@dataclass(frozen=True)
class Check:
    """One line: what was checked, what was found, and when it does not hold, what to do."""

    ok: bool
    what: str
    found: str
    todo: str | None = None
    warning: bool = False  # holds (ok), but said with ! and counted apart

    def line(self) -> str:
        mark = (WARNING if self.warning else OK) if self.ok else NOT_OK
        text = f"{mark} {self.what}: {self.found}"
        return f"{text}\n    → {self.todo}" if self.todo else text


def run_doctor(
    env: Mapping[str, str], out: TextIO, *, now: datetime | None = None, sandbox: bool = False
) -> int:
    """Print every check's line; 0 when all hold, 1 otherwise. ``sandbox``: the sandbox's
    database, whose Slack is a stand-in and whose jobs run from its clock panel, so only the
    settings and the database are checked."""
    checks = examine_sandbox(env) if sandbox else examine(env, now=now or utc_now())
    for check in checks:
        print(check.line(), file=out)
    failed = sum(not c.ok for c in checks)
    if failed:
        print(f"\n{failed} of {len(checks)} checks need attention.", file=out)
        return 1
    warnings = sum(c.warning for c in checks)
    if warnings:
        noted = "a warning" if warnings == 1 else f"{warnings} warnings"
        print(f"\nAll {len(checks)} checks hold, with {noted} (!) above.", file=out)
        return 0
    print(f"\nAll {len(checks)} checks hold.", file=out)
    return 0


def examine(env: Mapping[str, str], *, now: datetime) -> list[Check]:
    checks: list[Check] = []
    config = _settings(env, checks)
    if config is None:
        return checks
    db = _database(config, checks)
    client, token_team = _token(config, checks)
    if db is None:
        return checks
    try:
        for settings in _workspaces(config, db, token_team, checks):
            team_client = client
            if config.slack_mode == "oauth":
                team_client = _installed_client(config, db, settings.team_id, checks)
            checks.append(_channel(settings, team_client))
            checks.append(_scheduler(db, settings, config, now))
        checks.append(_backups(db, config, now))
    finally:
        db.dispose()
    return checks


def examine_sandbox(env: Mapping[str, str]) -> list[Check]:
    checks: list[Check] = []
    config = _without_slack(env, checks)
    if config is None:
        return checks
    checks.append(
        Check(True, "Slack app", "the sandbox's pretend Slack: no token, channel or scheduler")
    )
    db = _database(config, checks)
    if db is not None:
        db.dispose()
    return checks


# -- settings ------------------------------------------------------------------------------


def _settings(env: Mapping[str, str], checks: list[Check]) -> Config | None:
    try:
        config = load_config(env, require_slack=True)
    except NoSlackApp:
        config = _without_slack(env, checks)
        if config is not None:
            checks.append(
                Check(
                    False,
                    "Slack app",
                    "none configured (SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET are not set)",
                    "create the app from the manifest and set both (README: Set up with your "
                    "workspace) — or try the bot without Slack first: kindness-bot sandbox",
                )
            )
        return config
    except ConfigError as exc:
        checks.extend(Check(False, "Settings", problem) for problem in exc.problems)
        return None
    checks.append(Check(True, "Settings", "read from the environment and .env"))
    assert config.slack_mode is not None
    checks.append(Check(True, "Slack app", MODES[config.slack_mode]))
    return config


def _without_slack(env: Mapping[str, str], checks: list[Check]) -> Config | None:
    try:
        config = load_config(env)
    except ConfigError as exc:
        checks.extend(Check(False, "Settings", problem) for problem in exc.problems)
        return None
    checks.append(Check(True, "Settings", "read from the environment and .env"))
    return config


# -- the database --------------------------------------------------------------------------


def _database(config: Config, checks: list[Check]) -> Database | None:
    url = make_url(config.database_url)
    shown = url.render_as_string(hide_password=True)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        path = Path(url.database or "")
        if not path.exists():
            checks.append(
                Check(
                    False,
                    "Database",
                    f"there is no database at {path.resolve()}",
                    "start the bot (kindness-bot run), which creates it, or run "
                    "kindness-bot db upgrade; if the bot's data is elsewhere, set DATABASE_URL",
                )
            )
            return None
    db = Database(config.database_url)
    try:
        current = db.current_revision()
    except SQLAlchemyError as exc:
        db.dispose()
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        checks.append(
            Check(
                False,
                "Database",
                f"{shown} did not answer ({reason})",
                "check DATABASE_URL and that the database server is running",
            )
        )
        return None
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if current != head:
        checks.append(
            Check(
                False,
                "Database",
                f"{shown} answers, at revision {current or 'none'}; this version needs {head}",
                "run kindness-bot db upgrade (every start does it too)",
            )
        )
        if current is None:
            db.dispose()
            return None
        return db
    checks.append(Check(True, "Database", f"{shown} answers, at the newest revision ({head})"))
    return db


# -- the token and its scopes ----------------------------------------------------------------


def _client(config: Config, token: str) -> WebClient:
    # No retries: the doctor reports what Slack answers now.
    return WebClient(token=token, base_url=config.slack_api_url, timeout=10)


def _token(config: Config, checks: list[Check]) -> tuple[WebClient | None, str | None]:
    """The bot token checked (single workspace and Socket Mode): (its client, its workspace)."""
    if config.slack_mode in (None, "oauth") or not config.slack_bot_token:
        return None, None
    client = _client(config, config.slack_bot_token)
    identity = _auth_test(client, "SLACK_BOT_TOKEN", checks)
    if identity is None:
        return None, None
    return client, identity.get("team_id")


def _auth_test(client: WebClient, which: str, checks: list[Check]) -> dict | None:
    try:
        answer = client.auth_test()
    except SlackApiError as exc:
        error = exc.response.get("error")
        checks.append(
            Check(
                False,
                "Slack token",
                f"Slack refused {which} ({error})",
                "copy the Bot User OAuth Token again (OAuth & Permissions), or reinstall the app",
            )
        )
        return None
    except OSError as exc:
        checks.append(
            Check(
                False,
                "Slack token",
                f"Slack could not be reached at {client.base_url} ({type(exc).__name__})",
                "check the network (and SLACK_API_URL, if it is set)",
            )
        )
        return None
    identity = dict(answer.data) if isinstance(answer.data, dict) else {}
    checks.append(
        Check(
            True,
            "Slack token",
            f"accepted: the bot @{identity.get('user')} in {identity.get('team')} "
            f"({identity.get('team_id')})",
        )
    )
    checks.append(_scopes(answer.headers))
    return identity


def _scopes(headers: Mapping[str, object]) -> Check:
    said = next((v for k, v in headers.items() if k.lower() == "x-oauth-scopes"), None)
    if isinstance(said, list):
        said = ",".join(str(v) for v in said)
    if said is None:
        return Check(
            False,
            "Token's scopes",
            "Slack did not say which scopes the token has",
            "compare the app's scopes (OAuth & Permissions) with manifest.yml",
        )
    granted = {s.strip() for s in str(said).split(",") if s.strip()}
    missing = [s for s in bot_scopes() if s not in granted]
    if missing:
        return Check(
            False,
            "Token's scopes",
            f"missing {', '.join(missing)}",
            "update the app from the manifest (kindness-bot manifest, or manifest.yml), then "
            "reinstall it to the workspace so that the token gets the new scopes",
        )
    return Check(True, "Token's scopes", f"all {len(bot_scopes())} the manifest asks for")


# -- per workspace ---------------------------------------------------------------------------


def _workspaces(
    config: Config, db: Database, token_team: str | None, checks: list[Check]
) -> list[WorkspaceSettings]:
    store = SettingsStore(db, clock=utc_now, default_timezone=config.default_timezone)
    with db.reading() as session:
        installed = list(
            session.scalars(
                select(Workspace.team_id)
                .where(Workspace.uninstalled_at.is_(None))
                .order_by(Workspace.team_id)
            )
        )
    if token_team is not None:
        if token_team not in installed:
            checks.append(
                Check(
                    False,
                    "Workspace",
                    f"the bot has not been set up in {token_team} yet",
                    "set its channel: kindness-bot settings set channel=C… (the channel's id), "
                    "or /kindness settings in Slack once the bot runs",
                )
            )
            return []
        installed = [token_team]
    elif config.slack_mode == "oauth" and not installed:
        checks.append(
            Check(
                False,
                "Workspace",
                "no workspace has installed the app yet",
                "start the bot and open its /slack/install page to install it",
            )
        )
    return [store.get(team) for team in installed]


def _installed_client(
    config: Config, db: Database, team_id: str, checks: list[Check]
) -> WebClient | None:
    """An OAuth install's token (Bolt's installation store), checked like the bot token."""
    from bot.slack.client import TeamClients
    from bot.workspaces import NotInstalled

    try:
        token = TeamClients(config, engine=db.engine)(team_id).token
    except NotInstalled:
        checks.append(
            Check(
                False,
                "Slack token",
                f"no token is stored for {team_id}",
                "install the app in the workspace again (its /slack/install page)",
            )
        )
        return None
    client = _client(config, token or "")
    return client if _auth_test(client, f"the token of {team_id}", checks) else None


def _channel(settings: WorkspaceSettings, client: WebClient | None) -> Check:
    what = f"Channel ({settings.team_id})"
    if settings.channel_id is None:
        return Check(
            False,
            what,
            "not set: nothing is posted until it is",
            "a coordinator sets it with /kindness settings in Slack, or "
            "kindness-bot settings set channel=C… (the channel's id)",
        )
    if client is None:
        return Check(True, what, f"set ({settings.channel_id})")
    try:
        channel = client.conversations_info(channel=settings.channel_id)["channel"]
    except SlackApiError as exc:
        error = exc.response.get("error")
        if error == "channel_not_found":
            return Check(
                False,
                what,
                f"the bot cannot see {settings.channel_id} (a private channel it is not in, "
                "or one that is gone)",
                "invite the bot in the channel (/invite @kindness), or choose another channel "
                "with /kindness settings",
            )
        return Check(False, what, f"Slack would not say ({error})", "see the token's line")
    except OSError as exc:
        return Check(False, what, f"Slack could not be reached ({type(exc).__name__})")
    name = f"#{channel.get('name') or settings.channel_id}"
    if channel.get("is_archived"):
        return Check(
            False, what, f"{name} is archived", "choose another channel with /kindness settings"
        )
    if channel.get("is_member"):
        return Check(True, what, f"{name}, and the bot is in it")
    if channel.get("is_private"):
        return Check(
            False, what, f"the bot is not in {name}", f"invite it: /invite @kindness in {name}"
        )
    return Check(True, what, f"{name}; the bot is not in it yet and joins it at its first post")


def _scheduler(db: Database, settings: WorkspaceSettings, config: Config, now: datetime) -> Check:
    """The last runs of the weekly posts, from their claims; a failure or a post that fell due
    and was never made (no scheduler was running) does not hold."""
    what = f"Scheduler ({settings.team_id})"
    with db.reading() as session:
        rows = session.scalars(
            select(JobClaim)
            .where(JobClaim.team_id == settings.team_id, JobClaim.job.in_(JOBS))
            .order_by(JobClaim.claimed_at.desc())
        ).all()
        changed = session.scalar(
            select(Workspace.updated_at).where(Workspace.team_id == settings.team_id)
        )
    tz = settings.timezone
    grace = timedelta(hours=config.catchup_hours)
    said, problems = [], []
    for job in JOBS:
        runs = [r for r in rows if r.job == job]
        last = runs[0] if runs else None
        if last is None:
            said.append(f"no {job} yet")
        elif last.status == claims.DONE:
            said.append(f"the last {job} posted {_when(last.finished_at or last.claimed_at, tz)}")
        elif last.status == claims.RELEASED:
            problems.append(
                f"the last {job} failed {_when(last.claimed_at, tz)} ({last.detail or 'no reason'})"
            )
        elif now - last.claimed_at > claims.DEFAULT_LEASE:
            problems.append(
                f"the {job} started {_when(last.claimed_at, tz)} never finished "
                "(its process stopped); the next run takes it over"
            )
        else:
            said.append(f"a {job} is being posted now")
        if settings.channel_id is None:
            continue
        day = settings.prompt_day if job == "prompt" else settings.digest_day
        at = settings.prompt_time if job == "prompt" else settings.digest_time
        expected = due(day, at, tz, now, grace=grace, paused_until=settings.paused_until)
        settled = {r.period for r in runs}
        # A week whose post fell due with these settings in place, and no run ever claimed it.
        if (
            isinstance(expected, Missed)
            and expected.period not in settled
            and (changed is None or changed < expected.scheduled_at)
        ):
            problems.append(f"the {job} due {_when(expected.scheduled_at, tz)} was never made")
    if problems:
        return Check(
            False,
            what,
            "; ".join(problems + said),
            "make sure the scheduler runs (kindness-bot run, or kindness-bot scheduler beside "
            "the web processes) and read its log; kindness-bot post prompt|digest makes a "
            "week's post by hand",
        )
    return Check(True, what, "; ".join(said))


def _backups(db: Database, config: Config, now: datetime) -> Check:
    """The nightly backup as ``/healthz`` reports it (``backup_health``); off is a warning."""
    from schedules.backups import NIGHTLY_FROM, backup_health

    what = "Nightly backup"
    if not config.backup_dir:
        return Check(
            True,
            what,
            "off: no backup is taken by the bot",
            "set KINDNESS_BACKUP_DIR to a directory (KINDNESS_BACKUP_KEEP files are kept, 7 "
            "by default), unless the database is backed up otherwise",
            warning=True,
        )
    try:
        health = backup_health(db, now)
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        return Check(False, what, f"could not read how it went ({reason})", "see the database")
    if health["last"] is None:
        return Check(
            True,
            what,
            f"none yet into {config.backup_dir}; the scheduler takes one each night from "
            f"{NIGHTLY_FROM:%H:%M} UTC",
        )
    with db.reading() as session:
        latest = session.scalars(
            select(BackupRun).order_by(BackupRun.started_at.desc()).limit(1)
        ).one()
    if health["ok"]:
        if health["status"] == "running":
            return Check(True, what, f"tonight's ({health['last']}) is being taken now")
        finished = _when(latest.finished_at or latest.started_at, "UTC")
        return Check(True, what, f"the last finished {finished}: {health['file']}")
    if health["status"] == "overdue":
        found = f"{health['error']}: the last was of {health['last']}"
    else:
        found = f"the last, of {health['last']}, failed: {health['error']}"
    return Check(
        False,
        what,
        found,
        "make sure the scheduler runs (kindness-bot run, or kindness-bot scheduler), that "
        f"{config.backup_dir} is writable and has room, and read its log; kindness-bot "
        "backup takes one by hand",
    )


def _when(moment: datetime, tz: str) -> str:
    local = moment.astimezone(ZoneInfo(tz))
    return f"{local:%a} {local.day} {local:%b %Y %H:%M} ({tz})"
