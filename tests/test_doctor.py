"""`kindness-bot doctor`: the set-up checked in one step, against the Slack stand-in.

Each line is what an operator reads: ✔ when it holds, ✘ with what to do; the exit status is 0
only when everything holds.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.db import Database
from bot.settings import SettingsStore
from runtime.doctor import run_doctor
from sandbox import SlackStandIn
from schedules import claims

SCRIPT = str(Path(sys.executable).parent / "kindness-bot")
SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
# A Wednesday: Monday's 10:00 prompt is two days old, Friday's digest not due yet.
NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn() as slack:
        slack.add_channel("C0NETWORK", "kindness-network")
        yield slack


def environment(database: Database, standin: SlackStandIn, **more: str) -> dict[str, str]:
    return {
        "DATABASE_URL": database.engine.url.render_as_string(hide_password=False),
        "SLACK_BOT_TOKEN": standin.bot_token,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": standin.api_url,
        **more,
    }


def set_up(database: Database, team_id: str, *, at: datetime, **settings: object) -> None:
    store = SettingsStore(database, clock=lambda: at)
    store.apply(team_id, {"channel": "C0NETWORK", **settings}, by_user=None)


def doctor(env: dict[str, str], now: datetime = NOW) -> tuple[int, str]:
    out = io.StringIO()
    status = run_doctor(env, out, now=now)
    return status, out.getvalue()


def test_a_working_set_up_holds_on_every_line(
    database: Database, standin: SlackStandIn, tmp_path: Path
) -> None:
    set_up(database, standin.team_id, at=NOW - timedelta(days=1))
    status, said = doctor(environment(database, standin, KINDNESS_BACKUP_DIR=str(tmp_path)))
    assert status == 0, said
    lines = said.splitlines()
    assert "✔ Settings: read from the environment and .env" in lines
    assert any(line.startswith("✔ Database: ") and "newest revision" in line for line in lines)
    assert "✔ Slack token: accepted: the bot @kindness in Kindness Network (T0KIND)" in lines
    assert any(line.startswith("✔ Token's scopes: all ") for line in lines)
    assert "✔ Channel (T0KIND): #kindness-network, and the bot is in it" in lines
    assert "✔ Scheduler (T0KIND): no prompt yet; no digest yet" in lines
    assert (
        f"✔ Nightly backup: none yet into {tmp_path}; the scheduler takes one each night "
        "from 02:00 UTC" in lines
    )
    assert lines[-1].startswith("All ") and lines[-1].endswith(" checks hold.")
    assert not any(line.startswith(("✘", "!")) for line in lines)


def test_backups_off_is_a_warning_that_leaves_the_exit_status_0(
    database: Database, standin: SlackStandIn
) -> None:
    # The database may be backed up otherwise (a managed database's snapshots): said, not failed.
    set_up(database, standin.team_id, at=NOW - timedelta(days=1))
    status, said = doctor(environment(database, standin))
    assert status == 0, said
    assert "! Nightly backup: off: no backup is taken by the bot" in said
    assert "→ set KINDNESS_BACKUP_DIR to a directory" in said
    assert said.rstrip().splitlines()[-1].endswith("checks hold, with a warning (!) above.")


def test_the_last_nightly_backup_is_named_and_a_failed_one_says_what_to_do(
    database: Database, standin: SlackStandIn, tmp_path: Path
) -> None:
    from schedules.backups import run_nightly_backup

    set_up(database, standin.team_id, at=NOW - timedelta(days=1))
    env = environment(database, standin, KINDNESS_BACKUP_DIR=str(tmp_path))
    last_night = NOW.replace(hour=2, minute=5) - timedelta(days=1)
    done = run_nightly_backup(database, tmp_path, keep=7, now=last_night)
    assert done is not None and done.status == "done"
    status, said = doctor(env)
    assert status == 0, said
    assert f"✔ Nightly backup: the last finished Tue 1 Dec 2026 02:05 (UTC): {done.file}" in said
    # Tonight's fails (its directory went away): the reason, and what to do.
    failed = run_nightly_backup(database, tmp_path / "gone", keep=7, now=NOW)
    assert failed is not None and failed.status == "failed"
    status, said = doctor(env)
    assert status == 1
    assert "✘ Nightly backup: the last, of 2026-12-02, failed: FileNotFoundError" in said
    assert f"{tmp_path} is writable and has room" in said
    assert said.rstrip().endswith("checks need attention.")


def test_no_backup_finished_for_two_days_means_the_scheduler_is_not_taking_them(
    database: Database, standin: SlackStandIn, tmp_path: Path
) -> None:
    from schedules.backups import run_nightly_backup

    set_up(database, standin.team_id, at=NOW - timedelta(days=1))
    old = run_nightly_backup(database, tmp_path, keep=7, now=NOW - timedelta(days=3))
    assert old is not None and old.status == "done"
    status, said = doctor(environment(database, standin, KINDNESS_BACKUP_DIR=str(tmp_path)))
    assert status == 1
    assert (
        "✘ Nightly backup: no backup has finished in the last two days: the last was of "
        "2026-11-29" in said
    )
    assert "make sure the scheduler runs" in said


def test_missing_scopes_a_channel_the_bot_is_not_in_and_a_failed_post_say_what_to_do(
    database: Database, standin: SlackStandIn
) -> None:
    standin.bot_scopes = [s for s in standin.bot_scopes if s not in ("files:write", "users:read")]
    standin.add_channel("C0NETWORK", "kindness-network", is_private=True, bot_is_member=False)
    set_up(database, standin.team_id, at=NOW - timedelta(days=1))
    claims.claim(database, standin.team_id, "digest", "2026-W48", owner="host:1:1")
    claims.release(
        database,
        standin.team_id,
        "digest",
        "2026-W48",
        owner="host:1:1",
        reason="failed: ratelimited",
    )
    status, said = doctor(environment(database, standin))
    assert status == 1
    assert "✘ Token's scopes: missing files:write, users:read" in said
    assert "→ update the app from the manifest" in said
    assert "✘ Channel (T0KIND): the bot cannot see C0NETWORK" in said
    assert "invite the bot in the channel (/invite @kindness)" in said
    assert (
        "✘ Scheduler (T0KIND): the last digest failed" in said and "(failed: ratelimited)" in said
    )
    assert said.rstrip().endswith("checks need attention.")


def test_a_refused_token_is_named_with_slacks_answer(
    database: Database, standin: SlackStandIn
) -> None:
    status, said = doctor(environment(database, standin, SLACK_BOT_TOKEN="xoxb-not-the-one"))
    assert status == 1
    assert "✘ Slack token: Slack refused SLACK_BOT_TOKEN (invalid_auth)" in said
    assert "copy the Bot User OAuth Token again" in said


def test_a_prompt_that_fell_due_and_was_never_made_means_no_scheduler_ran(
    database: Database, standin: SlackStandIn
) -> None:
    # Set up three weeks ago; Monday's prompt (two days ago) was never claimed by anyone.
    set_up(database, standin.team_id, at=NOW - timedelta(weeks=3), timezone="Europe/London")
    status, said = doctor(environment(database, standin))
    assert status == 1
    assert (
        "✘ Scheduler (T0KIND): the prompt due Mon 30 Nov 2026 10:00 (Europe/London) was never made"
        in said
    )
    assert "make sure the scheduler runs (kindness-bot run, or kindness-bot scheduler" in said


def test_a_workspace_the_bot_has_not_been_set_up_in_says_how_to_set_it_up(
    database: Database, standin: SlackStandIn
) -> None:
    status, said = doctor(environment(database, standin))
    assert status == 1
    assert "✘ Workspace: the bot has not been set up in T0KIND yet" in said
    assert "kindness-bot settings set channel=" in said


def run(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "KINDNESS_"))}
    clean.pop("DATABASE_URL", None)
    clean.update(env)
    return subprocess.run(
        [SCRIPT, *args], cwd=cwd, env=clean, capture_output=True, text=True, timeout=60
    )


def test_doctor_with_nothing_set_up_offers_the_sandbox_and_creates_nothing(tmp_path: Path) -> None:
    result = run(tmp_path, "doctor")
    assert result.returncode == 1, result.stderr
    assert "✘ Slack app: none configured" in result.stdout
    assert "kindness-bot sandbox" in result.stdout
    assert f"✘ Database: there is no database at {tmp_path / 'kindness.db'}" in result.stdout
    assert not (tmp_path / "kindness.db").exists()


def test_doctor_from_the_shell_exits_0_when_everything_holds(
    sqlite_db: Database, standin: SlackStandIn, tmp_path: Path
) -> None:
    set_up(sqlite_db, standin.team_id, at=datetime.now(UTC))
    env = environment(sqlite_db, standin)
    result = run(tmp_path, "doctor", **env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "✔ Channel (T0KIND): #kindness-network, and the bot is in it" in result.stdout
    assert "! Nightly backup: off" in result.stdout  # a warning: the status stays 0


def test_doctor_on_the_sandbox_checks_its_database_only(
    tmp_path: Path, sqlite_template: Path
) -> None:
    import shutil

    shutil.copy(sqlite_template, tmp_path / "sandbox.db")
    result = run(tmp_path, "doctor", "--sandbox")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "✔ Slack app: the sandbox's pretend Slack" in result.stdout
    assert f"✔ Database: sqlite:///{tmp_path / 'sandbox.db'} answers" in result.stdout
    assert not (tmp_path / "kindness.db").exists()
