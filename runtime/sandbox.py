"""`kindness-bot sandbox`: the real bot, a local Slack and a page to use it, in one process.

One waitress server on 127.0.0.1 serves both the bot's own endpoints (`POST /slack/events`,
`/healthz` — the production `KindnessWsgi` around the production `create_app`) and the page
(`/`, `/sandbox/…`). The bot's Web API client talks to a `SlackStandIn` on another loopback
port; the page's actions reach the bot as signed requests from `SlackDriver`, the way Slack
sends them. Nothing leaves the machine and no token is needed.

Decisions:
- **Its own data.** The learning log is `sandbox.db` and the Slack side (people, channels,
  messages, Home tabs, files, the sandbox's clock) `sandbox-slack.json`, both in the working
  directory, whatever `DATABASE_URL` says: trying the bot can never touch a real database.
  `--fresh` deletes both and starts over. The Slack side is written a moment after each change
  and on exit, so a restart shows the channel as it was.
- **Time is the person's to move.** No background scheduler runs: the clock panel posts the
  prompt and the digest and runs nudges through the same job functions as
  `kindness-bot post … --at`, at the sandbox's time; "+1 day" and "+1 week" move that time
  (for entries, digests, follow-ups) without posting anything by themselves. A scheduler firing
  on the real clock beside a clock the person moved would post at moments nobody chose.
- **Other settings are read as usual** (`KINDNESS_GOALS_FILE`, `KINDNESS_TIMEZONE`,
  `KINDNESS_ADMINS`, `LOG_LEVEL`), so a network can try its own framework; the Slack variables,
  `DATABASE_URL`, `HOST` and `SLACK_API_URL` are ignored.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import os
import re
import secrets
import threading
from collections.abc import Iterable, Mapping
from concurrent.futures import Executor, ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from waitress.server import create_server

from bot.blocks.files import describe as describe_file
from bot.config import load_config
from bot.coordinator_files import make_report
from bot.db import Database
from bot.names import Directory
from bot.report.figures import report_period
from bot.services import Services
from bot.slack.client import WebApiSlack, make_client
from bot.slack.names import SlackNames
from bot.weeks import utc_now
from runtime.app import create_app
from runtime.start import stop_on_sigterm
from runtime.wsgi import KindnessWsgi
from sandbox.driver import SlackDriver
from sandbox.examples import MEMBERS, add_examples, seed_settings, seed_workspace
from sandbox.page import SandboxPage
from sandbox.ui import SlackUi, view_for
from sandbox.web_api import SlackStandIn
from schedules.manual import JobRun, run_job_now

log = logging.getLogger(__name__)

DATABASE_FILE = "sandbox.db"
SITE_FOLDER = "sandbox-site"  # the preview of the published site, built from the sandbox's log
SLACK_FILE = "sandbox-slack.json"
HOST = "127.0.0.1"
THREADS = 8
SAVE_EVERY_SECONDS = 1.0
CLOCK_STEPS = {"day": timedelta(days=1), "week": timedelta(weeks=1)}
_IGNORED = (
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_CLIENT_ID",
    "SLACK_CLIENT_SECRET",
    "SLACK_APP_TOKEN",
    "SLACK_API_URL",
    "DATABASE_URL",
    "HOST",
)


class SandboxError(Exception):
    """The sandbox cannot start; the message says what to do."""


class SandboxClock:
    """The sandbox's now: the real clock moved forward by the person's steps."""

    def __init__(self, offset: timedelta = timedelta(0)) -> None:
        self.offset = offset
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return utc_now() + self.offset

    def seconds(self) -> float:
        return self().timestamp()

    def advance(self, step: timedelta) -> datetime:
        with self._lock:
            self.offset += step
        return self()


class Sandbox:
    def __init__(
        self,
        directory: Path | str = ".",
        *,
        port: int = 3000,
        env: Mapping[str, str] | None = None,
        fresh: bool = False,
        start_at: datetime | None = None,
        listener_executor: Executor | None = None,
    ) -> None:
        """`start_at` pins the sandbox's clock to that moment at start (tests)."""
        self.directory = Path(directory)
        self.port = port
        self.env = dict(os.environ if env is None else env)
        self.fresh = fresh
        self.start_at = start_at
        self.listener_executor = listener_executor
        self.clock = SandboxClock()
        self.generation = 0  # goes up when the clock moves or a job runs
        self.activity: list[dict[str, Any]] = []  # the clock panel's results, newest last
        self.reports: list[tuple[str, bytes]] = []  # impact reports made from the clock panel
        self._lock = threading.RLock()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._server: Any = None
        self._saved_version = -1
        self._own_executor: ThreadPoolExecutor | None = None

    # -- lifecycle --------------------------------------------------------------------------

    @property
    def database_path(self) -> Path:
        return self.directory / DATABASE_FILE

    @property
    def slack_path(self) -> Path:
        return self.directory / SLACK_FILE

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/"

    def start(self) -> Sandbox:
        if self.fresh:
            for name in (DATABASE_FILE, DATABASE_FILE + "-wal", DATABASE_FILE + "-shm", SLACK_FILE):
                with contextlib.suppress(FileNotFoundError):
                    (self.directory / name).unlink()
        settings = load_config({k: v for k, v in self.env.items() if k not in _IGNORED})
        kept = self._read_kept()
        new_database = not self.database_path.exists()
        if kept is not None:
            self.clock.offset = timedelta(seconds=float(kept.get("clock_offset_seconds", 0)))
        if self.start_at is not None:
            self.clock.offset = self.start_at - utc_now()
        self.standin = SlackStandIn(clock=self.clock.seconds).start()
        if kept is not None:
            try:
                self.standin.restore(kept["slack"])
            except (KeyError, TypeError, ValueError) as exc:
                self.standin.stop()
                raise SandboxError(
                    f"{self.slack_path} is not a sandbox this version can read ({exc!r}); "
                    "start over with --fresh"
                ) from None
        else:
            seed_workspace(self.standin)
        self.config = dataclasses.replace(
            settings,
            database_url=f"sqlite:///{self.database_path.resolve()}",
            slack_api_url=self.standin.api_url,
            slack_bot_token=self.standin.bot_token,
            slack_signing_secret=secrets.token_hex(16),
            host=HOST,
            port=self.port,
        )
        self.db = Database(self.config.database_url)
        self.db.upgrade()
        self.services = Services(self.config, self.db, clock=self.clock)
        if new_database:
            seed_settings(self.services, self.standin.team_id)
        self.client = make_client(self.config, backoff=0.05)
        if self.listener_executor is None:
            # Bolt's lazy listeners run here; stop() waits for them, so nothing is left running.
            self.listener_executor = self._own_executor = ThreadPoolExecutor(
                max_workers=8, thread_name_prefix="sandbox-lazy"
            )
        app = create_app(
            self.services, client=self.client, listener_executor=self.listener_executor
        )
        wsgi = _Routes(SandboxPage(self), KindnessWsgi(app, self.services))
        try:
            self._server = create_server(
                wsgi,
                host=HOST,
                port=self.port,
                threads=THREADS,
                ident="kindness-bot-sandbox",
                asyncore_use_poll=True,
            )
        except OSError as exc:
            self.standin.stop()
            self.db.dispose()
            raise SandboxError(
                f"cannot listen on {HOST}:{self.port} ({exc.strerror or exc}); "
                f"is something else using it? Try: kindness-bot sandbox --port {self.port + 1}"
            ) from None
        self.port = self._server.effective_port
        self.driver = SlackDriver(
            f"http://{HOST}:{self.port}/slack/events",
            self.config.slack_signing_secret or "",
            self.standin,
        )
        self.ui = SlackUi(self.driver)
        self._spawn(self._serve, "sandbox-http")
        self._spawn(self._keep_saving, "sandbox-save")
        return self

    def _serve(self) -> None:
        """waitress's loop in small steps until stop(); then, in this thread, its workers end
        first and only then are its sockets closed (waitress's own run() has no stop, and
        closing its channels from another thread races with workers waking the loop)."""
        server = self._server
        try:
            while not self._stopping.is_set():
                server.asyncore.loop(timeout=0.05, map=server._map, use_poll=True, count=1)
        finally:
            server.task_dispatcher.shutdown(cancel_pending=True, timeout=10)
            for channel in list(server._map.values()):
                channel.close()

    def stop(self) -> None:
        self._stopping.set()
        for thread in self._threads:
            thread.join(timeout=15)
        self._threads.clear()
        if self._server is not None:
            if self._own_executor is not None:
                self._own_executor.shutdown(wait=True)
            self.save()
            self.standin.stop()
            self.db.dispose()
            self._server = None

    def wait(self) -> None:
        """Block until stopped (Ctrl-C or SIGTERM in the command line)."""
        while not self._stopping.wait(0.5):
            pass

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _spawn(self, target: Any, name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    # -- keeping the Slack side -------------------------------------------------------------

    def _read_kept(self) -> dict[str, Any] | None:
        if not self.slack_path.exists():
            return None
        try:
            kept = json.loads(self.slack_path.read_text(encoding="utf-8"))
            if not isinstance(kept, dict) or "slack" not in kept:
                raise ValueError("not a sandbox file")
        except ValueError as exc:
            raise SandboxError(
                f"{self.slack_path} cannot be read ({exc}); start over with --fresh"
            ) from None
        return kept

    def save(self) -> None:
        with self._lock:
            version = self.standin.version + self.generation
            if version == self._saved_version:
                return
            kept = {
                "slack": self.standin.snapshot(),
                "clock_offset_seconds": self.clock.offset.total_seconds(),
            }
            partial = self.slack_path.with_suffix(".json.partial")
            partial.write_text(json.dumps(kept), encoding="utf-8")
            partial.replace(self.slack_path)
            self._saved_version = version

    def _keep_saving(self) -> None:
        while not self._stopping.wait(SAVE_EVERY_SECONDS):
            try:
                self.save()
            except OSError as exc:
                log.warning("could not save the sandbox's Slack side: %s", exc)

    # -- the clock panel --------------------------------------------------------------------

    def run_job(self, job: str) -> JobRun:
        run = run_job_now(
            job, self.services, WebApiSlack(self.client), self.standin.team_id, self.clock()
        )
        run = dataclasses.replace(run, message=self._by_name(run.message))
        self._note(run.message, ok=run.ok)
        return run

    def _by_name(self, text: str) -> str:
        """The panel says ``#kindness-network`` and "Kindness Network", as Slack would, where a
        job's line has the channel's and the workspace's ids (the command line keeps the ids,
        which an operator types)."""
        text = re.sub(rf"\b{re.escape(self.standin.team_id)}\b", self.standin.team_name, text)
        for channel in self.standin.conversations():
            if channel.get("is_im") or not channel.get("name"):
                continue
            text = re.sub(rf"\b{re.escape(channel['id'])}\b", f"#{channel['name']}", text)
        return text

    def make_report(self) -> dict[str, str]:
        """The impact report at the sandbox's time, made as ``/kindness report`` and
        ``kindness-bot report`` make it (the default period: the last 12 weeks), kept for the
        page to offer (``report``)."""
        team = self.standin.team_id
        settings = self.services.settings.get(team)
        now = self.clock()
        names = Directory(self.services.db, team, SlackNames(self.client))
        made = make_report(
            self.services.db,
            self.services.framework,
            team,
            "html",
            report_period(settings.timezone, now),
            now=now,
            min_group=settings.min_group,
            names=names,
        )
        with made.content:
            content = made.content.read()
        with self._lock:
            self.reports.append((made.filename, content))
            number = len(self.reports)
        what = describe_file(made.kind, made.fmt, made.first_day, made.last_day)
        message = f"Made {what} at the sandbox's time: {made.filename}"
        self._note(message, ok=True)
        return {"message": message, "url": f"/sandbox/reports/{number}", "filename": made.filename}

    def report(self, number: int) -> tuple[str, bytes] | None:
        """A report made from the clock panel (numbered from 1), as (file name, content)."""
        with self._lock:
            return self.reports[number - 1] if 0 < number <= len(self.reports) else None

    def advance(self, step: str) -> datetime:
        now = self.clock.advance(CLOCK_STEPS[step])
        self._note(f"Moved the clock forward by a {step}.", ok=True)
        return now

    def add_examples(self) -> int:
        added = add_examples(self.services, self.standin.team_id, self.clock())
        if added:
            self._note(f"Added {added} example entries over the last four weeks.", ok=True)
        else:
            self._note("The example entries are there already.", ok=True)
        return added

    def preview_site(self) -> Path:
        """The published site built from the sandbox's own log (``kindness-bot publish``), in
        ``sandbox-site/`` beside its database: the page links to it."""
        from bot.site.build import build_site

        folder = self.directory / SITE_FOLDER
        with self._lock:
            build_site(
                self.services.db,
                self.services.framework,
                self.standin.team_id,
                folder,
                title="Stories of kindness (sandbox preview)",
                force=True,
            )
        return folder

    def _note(self, text: str, *, ok: bool) -> None:
        with self._lock:
            self.generation += 1
            self.activity.append({"text": text, "ok": ok, "at": self.clock().isoformat()})
            del self.activity[:-8]

    def version(self) -> str:
        return f"{self.standin.version}.{self.generation}"

    def view_for(self, user: str) -> dict[str, Any]:
        settings = self.services.settings.get(self.standin.team_id)
        now = self.clock()
        seen = view_for(self.ui, user)
        seen["version"] = self.version()
        seen["clock"] = {
            "now": now.isoformat(),
            "timezone": settings.timezone,
            "local": now.astimezone(ZoneInfo(settings.timezone)).strftime("%a %d %b %Y, %H:%M"),
            "channel": settings.channel_id,
            "activity": list(self.activity),
        }
        seen["roles"] = {m.id: m.role for m in MEMBERS}
        return seen


class _Routes:
    """The page under `/` and `/sandbox/`, everything else to the bot's own WSGI app."""

    def __init__(self, page: Any, bot: KindnessWsgi) -> None:
        self.page = page
        self.bot = bot

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/" or path.startswith("/sandbox/") or path == "/favicon.ico":
            return self.page(environ, start_response)
        return self.bot(environ, start_response)


def run_sandbox(env: Mapping[str, str], *, port: int, fresh: bool, announce: str | None) -> int:
    """The command line's `sandbox` (and `make run` without a Slack app): serve until stopped."""
    sandbox = Sandbox(Path.cwd(), port=port, env=env, fresh=fresh)
    # Before the announcement: whoever reads it may stop the sandbox at once.
    stop_on_sigterm()
    try:
        sandbox.start()
    except SandboxError as exc:
        print(f"kindness-bot: {exc}")
        return 2
    default = "Sandbox: open {url} (Ctrl-C stops it; its data stays in sandbox.db)"
    try:
        print((announce or default).format(url=sandbox.url), flush=True)
        sandbox.wait()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        sandbox.stop()
    return 0
