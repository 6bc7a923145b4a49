"""The console script, run as a subprocess the way an operator runs it."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import select

from bot.db import Database, alembic_config
from bot.goals import load_framework
from bot.learning_log import LearningLog
from bot.models import PostedPrompt
from bot.settings import SettingsStore
from bot.weeks import utc_now

SCRIPT = str(Path(sys.executable).parent / "kindness-bot")


def run(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "KINDNESS_"))}
    clean.setdefault("DATABASE_URL", f"sqlite:///{tmp_path / 'kindness.db'}")
    clean.update(env)
    return subprocess.run(
        [SCRIPT, *args], cwd=tmp_path, env=clean, capture_output=True, text=True, timeout=60
    )


def test_run_without_a_slack_app_explains_how_to_create_one(tmp_path: Path) -> None:
    result = run(tmp_path, "run")
    assert result.returncode == 2
    assert "no Slack app to talk to yet" in result.stderr
    assert "kindness-bot manifest" in result.stderr and "SLACK_BOT_TOKEN=" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_settings_stop_the_program_with_one_message_naming_each(tmp_path: Path) -> None:
    result = run(
        tmp_path,
        "run",
        DATABASE_URL="oracle://nowhere/db",
        KINDNESS_TIMEZONE="Atlantis/Capital",
        SLACK_BOT_TOKEN="xoxb-1",
    )
    assert result.returncode == 2
    assert result.stderr.startswith("kindness-bot cannot start.")
    assert "  - DATABASE_URL: the database 'oracle' is not supported" in result.stderr
    assert "  - KINDNESS_TIMEZONE: 'Atlantis/Capital' is not a known time zone" in result.stderr
    assert "  - SLACK_SIGNING_SECRET: required" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_dotenv_file_in_the_working_directory_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("KINDNESS_TIMEZONE=Nowhere/Land\n")
    result = run(tmp_path, "goals")
    assert result.returncode == 2
    assert "KINDNESS_TIMEZONE: 'Nowhere/Land'" in result.stderr


def test_goals_prints_the_framework(tmp_path: Path) -> None:
    result = run(tmp_path, "goals")
    assert result.returncode == 0, result.stderr
    assert "g3  relationships: Put relationships at the centre" in result.stdout
    questions = [line for line in result.stdout.splitlines() if line.startswith("    - ")]
    assert len(questions) >= 30


def test_a_bad_goals_file_is_named_with_its_problem(tmp_path: Path) -> None:
    goals = tmp_path / "ours.toml"
    goals.write_text('name = "Ours"\n')
    result = run(tmp_path, "goals", KINDNESS_GOALS_FILE=str(goals))
    assert result.returncode == 2
    assert f"KINDNESS_GOALS_FILE: {goals}: defines no goals" in result.stderr


def test_db_upgrade_creates_the_schema(tmp_path: Path) -> None:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    result = run(tmp_path, "db", "upgrade")
    assert result.returncode == 0, result.stderr
    assert f"database is at revision {head}" in result.stdout
    assert (tmp_path / "kindness.db").exists()


@pytest.fixture
def one_workspace(tmp_path: Path) -> Path:
    db = Database(f"sqlite:///{tmp_path / 'kindness.db'}")
    db.upgrade()
    log = LearningLog(db, load_framework())
    log.add_entry("T0001", "UANN", "Shared with the network", goal="g2")
    log.add_entry("T0001", "UBEN", "Kept to myself", goal="g2", visibility="private")
    db.dispose()
    return tmp_path


def test_export_writes_csv_to_stdout_without_private_entries(one_workspace: Path) -> None:
    result = run(one_workspace, "export")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["text"] for r in rows] == ["Shared with the network"]


def test_export_markdown_for_a_named_team(one_workspace: Path) -> None:
    result = run(one_workspace, "export", "--team", "T0001", "--format", "md")
    assert result.returncode == 0, result.stderr
    assert "## 2. Lead with kindness" in result.stdout
    assert "Shared with the network" in result.stdout and "Kept to myself" not in result.stdout


def test_export_of_an_unknown_team_names_the_known_ones(one_workspace: Path) -> None:
    result = run(one_workspace, "export", "--team", "T9999")
    assert result.returncode == 2
    assert "no workspace 'T9999' is known (known: T0001); check the id" in result.stderr


def test_export_with_a_bad_date_says_how_to_write_it(one_workspace: Path) -> None:
    result = run(one_workspace, "export", "--since", "last tuesday")
    assert result.returncode == 2
    assert "write it as YYYY-MM-DD" in result.stderr


# -- the rhythm from the shell ---------------------------------------------------------------------


def test_settings_set_is_validated_like_the_modal(tmp_path: Path) -> None:
    result = run(
        tmp_path,
        "settings",
        "--team",
        "T0001",
        "set",
        "--create",
        "prompt_time=25:00",
        "timezone=Mars/Base",
    )
    assert result.returncode == 2
    assert "nothing was changed" in result.stderr
    assert "prompt_time '25:00'" in result.stderr and "timezone 'Mars/Base'" in result.stderr


def test_settings_set_then_show(tmp_path: Path) -> None:
    result = run(
        tmp_path,
        "settings",
        "--team",
        "T0001",
        "set",
        "--create",
        "channel=C0123ABC",
        "prompt_day=tue",
        "prompt_time=9:30",
        "timezone=Europe/London",
    )
    assert result.returncode == 0, result.stderr
    shown = run(tmp_path, "settings", "show")
    assert "Weekly prompt:       Tuesday 09:30 Europe/London" in shown.stdout
    assert "Channel:             C0123ABC" in shown.stdout


def test_post_prompt_twice_posts_once_and_says_so(tmp_path: Path) -> None:
    from sandbox import SlackStandIn

    with SlackStandIn() as standin:
        standin.add_channel("C0123ABC", "kindness-network")
        slack = {
            "SLACK_BOT_TOKEN": standin.bot_token,
            "SLACK_SIGNING_SECRET": "8f742231b10e8888abcd99yyyzzz85a5",
            "SLACK_API_URL": standin.api_url,
        }
        # No workspace in the database yet: the bot token's workspace comes from auth.test.
        setup = run(tmp_path, "settings", "set", "channel=C0123ABC", **slack)
        assert setup.returncode == 0, setup.stderr
        assert f"Saved. Settings of {standin.team_id}:" in setup.stdout
        assert "Channel:             #kindness-network (C0123ABC)" in setup.stdout
        first = run(tmp_path, "post", "prompt", "--at", "2026-11-23T10:00+00:00", **slack)
        second = run(tmp_path, "post", "prompt", "--at", "2026-11-23T11:00+00:00", **slack)
        digest = run(tmp_path, "post", "digest", "--at", "2026-11-27T15:00+00:00", **slack)
        posts = [c for c in standin.calls_to("chat.postMessage") if c.ok]
    assert first.returncode == 0, first.stderr
    assert (
        "posted the prompt for the week of 23 Nov 2026 in C0123ABC "
        "(g1 Make kindness an explicit value)" in first.stdout
    )
    assert (
        second.returncode == 0
        and "the prompt for the week of 23 Nov 2026 was posted already; nothing posted"
        in second.stdout
    )
    assert "posted the digest for the week of 23 Nov 2026" in digest.stdout
    assert len(posts) == 2


def test_post_pairs_opens_a_round_once_and_says_so(tmp_path: Path) -> None:
    from bot.members import MemberPreferences
    from sandbox import SlackStandIn

    with SlackStandIn() as standin:
        slack = {
            "SLACK_BOT_TOKEN": standin.bot_token,
            "SLACK_SIGNING_SECRET": "8f742231b10e8888abcd99yyyzzz85a5",
            "SLACK_API_URL": standin.api_url,
        }
        for user in ("UANN", "UBEN"):
            standin.add_user(user, name=user.lower())
        setup = run(tmp_path, "settings", "set", "pairs_every_weeks=2", "pairs_day=mon", **slack)
        assert setup.returncode == 0, setup.stderr
        assert "Peer pairs:          every 2 weeks, Monday 10:00" in setup.stdout
        db = Database(f"sqlite:///{tmp_path / 'kindness.db'}")
        members = MemberPreferences(db, clock=lambda: datetime(2026, 11, 25, tzinfo=UTC))
        for user in ("UANN", "UBEN"):
            members.set_pairs(standin.team_id, user, True)
        db.dispose()
        first = run(tmp_path, "post", "pairs", "--at", "2026-11-30T10:00+00:00", **slack)
        second = run(tmp_path, "post", "pairs", "--at", "2026-11-30T11:00+00:00", **slack)
        off_week = run(tmp_path, "post", "pairs", "--at", "2026-12-07T10:00+00:00", **slack)
        typo = run(tmp_path, "post", "pair", **slack)
        opened = [c for c in standin.calls_to("conversations.open") if c.ok]
    assert first.returncode == 0, first.stderr
    assert "2 members available; 1 group DM opened" in first.stdout
    assert second.returncode == 0 and "no group DM opened by this run" in second.stdout
    assert "the next begins on Mon 14 Dec 2026" in off_week.stdout
    assert typo.returncode == 2 and "invalid choice: 'pair'" in typo.stderr
    assert [c.args["users"] for c in opened] == ["UANN,UBEN"]


def test_post_without_an_offset_says_how_to_write_the_instant(tmp_path: Path) -> None:
    result = run(
        tmp_path,
        "post",
        "prompt",
        "--at",
        "2026-11-23T10:00",
        SLACK_BOT_TOKEN="xoxb-1",
        SLACK_SIGNING_SECRET="8f742231b10e8888abcd99yyyzzz85a5",
    )
    assert result.returncode == 2 and "has no UTC offset" in result.stderr


def test_four_posts_racing_at_four_instants_of_one_week_post_one_prompt(
    database: Database, tmp_path: Path
) -> None:
    """Four operators (or cron jobs) run `post prompt --at` for one week at the same moment."""
    from sandbox import SlackStandIn

    url = database.engine.url.render_as_string(hide_password=False)
    instants = (
        "2026-11-23T10:00+00:00",
        "2026-11-24T09:15+00:00",
        "2026-11-26T18:30+00:00",
        "2026-11-29T23:59+00:00",
    )
    with SlackStandIn() as standin:
        standin.add_channel("C0123ABC", "kindness-network")
        SettingsStore(database, clock=utc_now).apply(
            standin.team_id, {"channel": "C0123ABC"}, by_user=None
        )
        env = {
            "DATABASE_URL": url,
            "SLACK_BOT_TOKEN": standin.bot_token,
            "SLACK_SIGNING_SECRET": "8f742231b10e8888abcd99yyyzzz85a5",
            "SLACK_API_URL": standin.api_url,
        }
        # The first to claim the week waits on Slack until the other three have met its claim.
        slack_answers = standin.hold("chat.postMessage", at_most=120)
        racers = [
            start(tmp_path, f"racer-{n}", "post", "prompt", "--at", at, **env)
            for n, at in enumerate(instants)
        ]
        try:
            wait_until(
                lambda: sum("is being posted by" in r.stderr() for r in racers) == 3,
                "three of the four found the week's prompt being posted",
            )
        finally:
            slack_answers.set()
            codes = [r.process.wait(timeout=120) for r in racers]
        posts = standin.calls_to("chat.postMessage")
    assert codes == [0, 0, 0, 0], [r.stderr() for r in racers]
    outputs = sorted(r.stdout().strip() for r in racers)
    assert outputs == [
        "posted the prompt for the week of 23 Nov 2026 in C0123ABC "
        "(g1 Make kindness an explicit value)",
        *["the prompt for the week of 23 Nov 2026 was posted already; nothing posted"] * 3,
    ]
    assert [c.ok for c in posts] == [True]
    [message] = standin.messages_in("C0123ABC")
    with database.reading() as session:
        assert session.scalars(select(PostedPrompt.message_ts)).all() == [message["ts"]]
    assert all("Traceback" not in r.stderr() for r in racers)


@dataclass
class Racer:
    process: subprocess.Popen
    out: Path
    err: Path

    def stdout(self) -> str:
        return self.out.read_text()

    def stderr(self) -> str:
        return self.err.read_text()


def start(tmp_path: Path, name: str, *args: str, **env: str) -> Racer:
    """``kindness-bot args…`` started in the background, its output going to files."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "KINDNESS_"))}
    clean.update(env)
    out, err = tmp_path / f"{name}.out", tmp_path / f"{name}.err"
    with out.open("w") as stdout, err.open("w") as stderr:
        process = subprocess.Popen(
            [SCRIPT, *args], cwd=tmp_path, env=clean, stdout=stdout, stderr=stderr, text=True
        )
    return Racer(process, out, err)


def wait_until(condition: Callable[[], bool], what: str) -> None:
    """Wait for other processes to reach a state the test can see (never for a length of time)."""
    deadline = time.monotonic() + 120
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        time.sleep(0.05)


# -- the command line finds the right database, and never makes an empty one by accident ----------


def test_run_with_nothing_configured_offers_the_sandbox(tmp_path: Path) -> None:
    result = run(tmp_path, "run", DATABASE_URL="")
    assert result.returncode == 2
    assert "To try the bot first, without Slack: kindness-bot sandbox" in result.stderr


@pytest.mark.parametrize("command", [("report",), ("export",), ("settings", "show")])
def test_a_reading_command_on_a_missing_database_refuses_and_creates_nothing(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    result = run(tmp_path, *command, DATABASE_URL="")
    assert result.returncode == 2
    assert f"there is no database at {tmp_path / 'kindness.db'}" in result.stderr
    assert "this command does not create one: set DATABASE_URL" in result.stderr
    assert not (tmp_path / "kindness.db").exists()
    assert "Traceback" not in result.stderr


def sandbox_with_entries(directory: Path) -> None:
    """A sandbox.db as `kindness-bot sandbox` leaves it: Tama's name stored, Morag's not."""
    from bot.models import Member

    db = Database(f"sqlite:///{directory / 'sandbox.db'}")
    db.upgrade()
    log = LearningLog(db, load_framework())
    log.add_entry("T0KIND", "U0TAMA", "We asked each new starter what would help", goal="g3")
    log.add_entry("T0KIND", "U0MORAG", "Listening first changed the meeting", goal="g3")
    SettingsStore(db, clock=utc_now).apply("T0KIND", {"channel": "C0KINDNET"}, by_user="U0TAMA")
    with db.session() as session:
        tama = session.scalar(select(Member).where(Member.user_id == "U0TAMA"))
        if tama is None:
            tama = Member(team_id="T0KIND", user_id="U0TAMA", created_at=utc_now())
            session.add(tama)
        tama.display_name = "Tama"
    db.dispose()


def test_next_to_the_sandbox_a_command_says_how_to_use_it(tmp_path: Path) -> None:
    sandbox_with_entries(tmp_path)
    result = run(tmp_path, "report", DATABASE_URL="")
    assert result.returncode == 2
    assert (
        "sandbox.db is here but DATABASE_URL is not set, so this uses kindness.db; "
        "add --sandbox to use sandbox.db." in result.stderr
    )
    assert "add --sandbox to use sandbox.db." in result.stderr.splitlines()[-1]
    assert not (tmp_path / "kindness.db").exists()


def test_report_from_the_sandbox_names_authors_by_their_stored_names(tmp_path: Path) -> None:
    sandbox_with_entries(tmp_path)
    result = run(tmp_path, "report", "--sandbox", "--format", "md", DATABASE_URL="")
    assert result.returncode == 0, result.stderr
    report = result.stdout
    assert report.startswith("# Commitment to Kindness: impact report\n")
    assert "paraphrase" not in report.splitlines()[0]
    assert "_Tama, story," in report
    assert "_a member (name not stored), story," in report
    assert "U0TAMA" not in report and "U0MORAG" not in report
    note = report.rstrip().splitlines()[-1]
    assert "The goals: kindness-bot's short paraphrase" in note
    assert (
        "1 author appears as “a member (name not stored)”: the bot had not stored the name" in note
    )
    # A first period compares with nothing.
    assert "before: 0" not in report and "| before |" not in report
    assert "there is nothing to compare with yet" in report


def test_settings_show_names_who_changed_them(tmp_path: Path) -> None:
    sandbox_with_entries(tmp_path)
    result = run(tmp_path, "settings", "show", "--sandbox", DATABASE_URL="")
    assert result.returncode == 0, result.stderr
    assert "Last changed by:     Tama" in result.stdout
    assert "U0TAMA" not in result.stdout


def test_orgs_lists_renames_merges_and_describes_from_the_shell(tmp_path: Path) -> None:
    from bot.organisations import MemberOrganisations

    db = Database(f"sqlite:///{tmp_path / 'kindness.db'}")
    db.upgrade()
    organisations = MemberOrganisations(db, clock=utc_now)
    organisations.choose("T0001", "UANN", "NHS Fife")
    organisations.choose("T0001", "UBEN", "Fife NHS Board")
    organisations.choose("T0001", "UCAT", "Fife Council")
    db.dispose()

    merged = run(tmp_path, "orgs", "merge", "fife nhs board", "NHS Fife")
    assert merged.returncode == 0, merged.stderr
    assert "Merged 'fife nhs board' into 'NHS Fife'" in merged.stdout
    itself = run(tmp_path, "orgs", "merge", "NHS Fife", "N.H.S. Fife")
    assert itself.returncode == 2 and "cannot be merged into itself" in itself.stderr
    onto = run(tmp_path, "orgs", "rename", "Fife Council", "nhs fife")
    assert onto.returncode == 2 and "already exists" in onto.stderr
    described = run(tmp_path, "orgs", "set", "NHS Fife", "sector=public", "place=Fife")
    assert described.returncode == 0, described.stderr
    bad = run(tmp_path, "orgs", "set", "NHS Fife", "sector=charity")
    assert bad.returncode == 2 and "nothing was changed" in bad.stderr
    renamed = run(tmp_path, "orgs", "--team", "T0001", "rename", "Fife Council", "Fife Council HQ")
    assert renamed.returncode == 0, renamed.stderr
    listed = run(tmp_path, "orgs", "list")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.splitlines() == [
        "Fife Council HQ\t-\t-\t1 member\t0 entries",
        "NHS Fife\tpublic\tFife\t2 members\t0 entries",
    ]
    assert run(tmp_path, "orgs").stdout == listed.stdout
