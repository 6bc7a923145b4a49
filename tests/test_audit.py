"""The audit trail: every coordinator action can be read back — who, when, what — and a
member's words are never in it. Through the signed endpoint, and at the shell."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot import audit
from bot.db import Database
from bot.goals import Framework
from bot.learning_log import LearningLog
from bot.settings import SettingsStore
from conftest import BotUnderTest, FakeClock, message_text
from slack_helpers import button, message_of

ANN, BOSS, COORD = "UANN", "UBOSS", "UCOORD"
WORDS = "She sat with the family all afternoon"
SCRIPT = str(Path(sys.executable).parent / "kindness-bot")


def actions(db: Database, team_id: str | None = None) -> list[tuple[str, str, str | None]]:
    return [
        (line.actor, line.action, line.subject) for line in audit.audit_trail(db, team_id=team_id)
    ]


def test_settings_coordinators_and_log_for_are_recorded_with_who_and_what(
    database: Database, framework: Framework, clock: FakeClock
) -> None:
    settings = SettingsStore(database, clock=clock)
    settings.apply("T1", {"channel": "C0NETWORK", "prompt_time": "9:30"}, by_user=BOSS)
    settings.apply("T1", {"prompt_time": "09:30", "nudges": "off"}, by_user=COORD)
    settings.apply("T1", {"coordinators": COORD}, by_user=None)
    log = LearningLog(database, framework, clock=clock)
    saved = log.add_entry("T1", ANN, WORDS, goal="g3", logged_by=COORD)
    log.add_entry("T1", ANN, "Her own words", goal="g3")
    log.delete_entry("T1", COORD, saved.entry.id)  # taken back by the coordinator

    trail = audit.audit_trail(database, team_id="T1")
    assert [(line.actor, line.action, line.subject) for line in trail] == [
        (BOSS, audit.SETTINGS_CHANGED, None),
        (COORD, audit.SETTINGS_CHANGED, None),
        (audit.OPERATOR, audit.COORDINATORS_CHANGED, None),
        (COORD, audit.LOGGED_FOR, ANN),
        (COORD, audit.ENTRY_DELETED, ANN),
    ]
    assert trail[0].details == {"channel": "C0NETWORK", "prompt_time": "09:30"}
    assert trail[1].details == {"nudges": False}  # only what changed
    assert trail[2].details == {"added": [COORD], "removed": []}
    assert trail[3].details == {"entry": saved.entry.id, "kind": "story", "goal": "relationships"}
    assert all(line.at == clock() for line in trail)
    assert WORDS not in repr(trail) and "Her own words" not in repr(trail)


def test_a_coordinator_reads_the_trail_in_slack_and_a_member_is_refused(
    bot: BotUnderTest,
) -> None:
    bot.standin.add_user(ANN, name="ann")
    bot.standin.add_user(BOSS, name="Boss", is_admin=True)
    team = bot.standin.team_id
    bot.services.settings.apply(team, {"coordinators": COORD}, by_user=BOSS)
    bot.slack.command(f"log for <@{ANN}|ann> g3 {WORDS}", user=COORD)
    bot.slack.command("export csv", user=BOSS, channel="C1")

    answer = bot.answer_text(bot.slack.command("audit", user=COORD))
    assert "What coordinators did" in answer
    assert f"<@{BOSS}> coordinators changed (added: {COORD}; removed: none)" in answer
    assert f"<@{COORD}> logged for a member — {ANN}" in answer
    assert f"<@{BOSS}> exported the log — kindness-log-start-to-" in answer
    assert "format: csv" in answer and "entries: 1" in answer
    assert WORDS not in answer

    refused = bot.answer_text(bot.slack.command("audit", user=ANN))
    assert "Only the network's coordinators can read the audit trail" in refused
    assert "What coordinators did" not in refused


def test_the_undo_button_of_a_story_logged_for_someone_is_recorded(bot: BotUnderTest) -> None:
    bot.standin.add_user(ANN, name="ann")
    team = bot.standin.team_id
    bot.services.settings.apply(team, {"coordinators": COORD}, by_user=None)
    reply = bot.slack.command(f"log for <@{ANN}|ann> Wrong person", user=COORD)
    undo = button(message_of(bot, reply), "Undo")
    bot.slack.block_action(
        undo["action_id"], undo["value"], user=COORD, message=message_of(bot, reply)
    )
    assert bot.entries() == []
    assert actions(bot.services.db, team)[-2:] == [
        (COORD, audit.LOGGED_FOR, ANN),
        (COORD, audit.ENTRY_DELETED, ANN),
    ]


def _run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "KINDNESS_"))}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'kindness.db'}"
    return subprocess.run(
        [SCRIPT, *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )


def test_kindness_bot_audit_prints_the_trail_by_workspace_and_date(
    tmp_path: Path, framework: Framework
) -> None:
    assert "Nothing recorded yet." in _run(tmp_path, "audit").stderr
    db = Database(f"sqlite:///{tmp_path / 'kindness.db'}")
    db.upgrade()
    long_ago = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
    SettingsStore(db, clock=lambda: long_ago).apply("T1", {"min_group": "5"}, by_user=BOSS)
    now = datetime.now(UTC)
    SettingsStore(db, clock=lambda: now).apply("T2", {"welcome": "off"}, by_user=COORD)
    db.dispose()
    assert _run(tmp_path, "export", "--team", "T1", "--offline").returncode == 0

    everything = _run(tmp_path, "audit").stdout.splitlines()
    assert len(everything) == 3
    assert everything[0].split("\t") == [
        "2025-03-01T09:00:00+00:00",
        "T1",
        BOSS,
        audit.SETTINGS_CHANGED,
        "-",
        "min_group: 5",
    ]
    assert everything[2].split("\t")[1:5] == ["T1", "operator", audit.EXPORTED, "-"]

    mine = _run(tmp_path, "audit", "--team", "T2").stdout.splitlines()
    assert [line.split("\t")[2:4] for line in mine] == [[COORD, audit.SETTINGS_CHANGED]]
    since = (now - timedelta(days=1)).date().isoformat()
    recent = _run(tmp_path, "audit", "--since", since).stdout.splitlines()
    assert [line.split("\t")[1] for line in recent] == ["T2", "T1"]


def test_a_message_of_the_trail_keeps_to_slacks_limits() -> None:
    from bot.blocks.keeping import audit_message

    lines = [
        audit.AuditLine(
            at=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=n),
            team_id="T1",
            actor=BOSS,
            action=audit.SETTINGS_CHANGED,
            subject=None,
            details={"channel": "C" + "X" * 200},
        )
        for n in range(40)
    ]
    message = audit_message(lines, "Europe/London")
    assert len(message["blocks"]) <= 50
    assert all(len(b.get("text", {}).get("text", "")) <= 3000 for b in message["blocks"])
    assert message_text(message).count("settings changed") == 40
