"""`kindness-bot sandbox` and `make run` without Slack: the real bot, a local Slack, one page."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from ports import free_port

from bot.organisations import get_or_create_organisation, set_member_organisation
from runtime.sandbox import Sandbox, SandboxError
from sandbox.examples import MEMBERS, NETWORK_CHANNEL

SCRIPT = str(Path(sys.executable).parent / "kindness-bot")
START = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)  # a Wednesday
MORAG, DEVI, TAMA = (member.id for member in MEMBERS)


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    before = set(threading.enumerate())
    with Sandbox(tmp_path, port=0, env={}, start_at=START) as running:
        yield running
    left = [t.name for t in set(threading.enumerate()) - before]
    assert not left, f"the sandbox left threads running: {left}"


def call(sandbox: Sandbox, operation: str, **body: object) -> dict:
    request = urllib.request.Request(
        f"{sandbox.url}sandbox/api/{operation}",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=15) as response:
        return json.loads(response.read())


def seen_by(sandbox: Sandbox, user: str) -> dict:
    with urllib.request.urlopen(f"{sandbox.url}sandbox/api/state?user={user}", timeout=10) as r:
        return json.loads(r.read())


def wait_until(check, what: str, timeout: float = 10) -> None:
    """The bot answers after its acknowledgement (Bolt's lazy listeners): poll, never sleep."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    pytest.fail(f"gave up waiting for {what}")


def texts(view: dict) -> str:
    return json.dumps(view["ephemerals"]) + json.dumps(view["conversations"])


# -- the page and the bot, on loopback -------------------------------------------------------


def test_the_page_and_the_bots_endpoints_share_one_loopback_port(sandbox: Sandbox) -> None:
    assert sandbox.url.startswith("http://127.0.0.1:")
    with urllib.request.urlopen(sandbox.url, timeout=5) as page:
        assert b"sandbox.js" in page.read()
    with urllib.request.urlopen(f"{sandbox.url}sandbox/static/sandbox.js", timeout=5) as script:
        assert script.headers["Content-Type"].startswith("text/javascript")
    with urllib.request.urlopen(f"{sandbox.url}healthz", timeout=5) as health:
        assert json.loads(health.read()) == {"ok": True}


def test_the_page_refuses_other_hosts_and_forms(sandbox: Sandbox) -> None:
    rebound = urllib.request.Request(sandbox.url, headers={"Host": "evil.example"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(rebound, timeout=5)
    assert refused.value.code == 403
    form = urllib.request.Request(
        f"{sandbox.url}sandbox/api/examples",
        data=b"user=U0MORAG",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(form, timeout=5)
    assert refused.value.code == 400


def test_three_members_in_three_time_zones_and_one_is_a_coordinator(sandbox: Sandbox) -> None:
    view = seen_by(sandbox, MORAG)
    people = {p["id"]: p for p in view["people"] if not p["is_bot"]}
    assert set(people) == {MORAG, DEVI, TAMA}
    assert len({p["tz"] for p in people.values()}) == 3
    assert [p["id"] for p in people.values() if p["is_admin"]] == [MORAG]
    network = next(c for c in view["conversations"] if c["id"] == NETWORK_CHANNEL)
    assert network["is_member"] and network["bot_is_member"]
    assert sandbox.services.settings.get(sandbox.standin.team_id).channel_id == NETWORK_CHANNEL


def test_a_command_typed_in_the_page_is_answered_only_to_its_member(sandbox: Sandbox) -> None:
    call(
        sandbox, "send", user=DEVI, channel=NETWORK_CHANNEL, text="/kindness log g3 Tea, no agenda"
    )
    wait_until(lambda: "Saved your story" in texts(seen_by(sandbox, DEVI)), "the answer")
    assert "Saved your story" not in texts(seen_by(sandbox, TAMA))
    [entry] = sandbox.services.log.search(sandbox.standin.team_id, TAMA, "agenda").entries
    assert entry.author_id == DEVI and entry.goal_key == "relationships"


def test_a_command_the_app_does_not_have_gets_slackbots_word(sandbox: Sandbox) -> None:
    call(sandbox, "send", user=DEVI, channel=NETWORK_CHANNEL, text="/kindly help")
    view = seen_by(sandbox, DEVI)
    assert view["ephemerals"][-1]["via"] == "slack"
    assert "/kindly is not a valid command" in view["ephemerals"][-1]["text"]


def test_the_bots_direct_messages_can_be_written_in_and_say_where_words_go(
    sandbox: Sandbox,
) -> None:
    # The app's Messages tab takes replies to prompts sent by DM; a message that answers no
    # prompt is told how to log instead.
    call(sandbox, "open_app", user=DEVI, tab="messages")
    dm = next(c for c in seen_by(sandbox, DEVI)["conversations"] if c["kind"] == "im")
    answer = call(sandbox, "send", user=DEVI, channel=dm["id"], text="hello?")
    assert answer["warning"] is None
    wait_until(lambda: "/kindness log" in texts(seen_by(sandbox, DEVI)), "the bot's word")


def test_app_home_is_published_when_a_member_opens_it(sandbox: Sandbox) -> None:
    call(sandbox, "open_app", user=TAMA, tab="home")
    wait_until(lambda: seen_by(sandbox, TAMA)["home"] is not None, "the Home tab")
    assert seen_by(sandbox, DEVI)["home"] is None


def test_the_coordinator_gets_the_impact_report_in_her_dm_and_a_member_does_not(
    sandbox: Sandbox,
) -> None:
    call(sandbox, "examples", user=MORAG)
    call(sandbox, "send", user=MORAG, channel=NETWORK_CHANNEL, text="/kindness report html")
    wait_until(lambda: "is in our DM" in texts(seen_by(sandbox, MORAG)), "the report", 30)
    [report] = sandbox.standin.files
    assert report.name.startswith("kindness-report-") and report.name.endswith(".html")
    assert report.channels == (sandbox.standin.dm_with(MORAG),)
    page = report.content.decode()
    assert "impact report" in page
    # The example entries come with a closed round: every section of the report has content.
    for section in (
        "Summary",
        "Most significant change",
        "Outcomes",
        "Voices",
        "Actions followed through",
        "Method and limitations",
    ):
        assert f"<h2>{section}</h2>" in page, section
    assert "Why the network chose it:" in page and "A family told us our letter" in page
    assert report.name in json.dumps(seen_by(sandbox, MORAG))  # shown in her DM

    call(sandbox, "send", user=DEVI, channel=NETWORK_CHANNEL, text="/kindness export csv")
    wait_until(
        lambda: "Only the network's coordinators" in texts(seen_by(sandbox, DEVI)), "the refusal"
    )
    assert len(sandbox.standin.files) == 1


# -- the clock panel ---------------------------------------------------------------------------


def test_the_clock_panel_posts_once_per_week_like_kindness_bot_post(sandbox: Sandbox) -> None:
    first = call(sandbox, "job", user=MORAG, job="prompt")
    assert first["warning"] is None
    # As people read it: the week as a date, the channel by its name.
    assert "posted the prompt for the week of 23 Nov 2026 in #kindness-network" in first["message"]
    assert NETWORK_CHANNEL not in first["message"] and "2026-W" not in first["message"]
    nudges = call(sandbox, "job", user=MORAG, job="nudges")
    assert nudges["message"].startswith("nudges in Kindness Network: ")
    again = call(sandbox, "job", user=MORAG, job="prompt")
    assert "posted already" in again["message"]
    call(sandbox, "clock", user=MORAG, step="week")
    later = call(sandbox, "job", user=MORAG, job="prompt")
    assert "posted the prompt for the week of 30 Nov 2026" in later["message"]
    prompts = [m for m in sandbox.standin.messages_in(NETWORK_CHANNEL) if m.get("blocks")]
    assert len(prompts) == 2
    assert sandbox.clock().date().isoformat() == "2026-12-02"


def test_three_members_who_said_yes_meet_in_a_group_dm_and_we_met_leads_to_an_action(
    sandbox: Sandbox,
) -> None:
    team = sandbox.standin.team_id
    sandbox.services.settings.apply(team, {"pairs_every_weeks": "1"}, by_user=None)
    with sandbox.services.db.session() as session:
        for user, name in ((MORAG, "Fife Council"), (DEVI, "Age Scotland"), (TAMA, "Te Whare")):
            org = get_or_create_organisation(session, team, name, now=START)
            set_member_organisation(session, team, user, org, now=START)
    for user in (MORAG, DEVI, TAMA):
        call(sandbox, "send", user=user, channel=NETWORK_CHANNEL, text="/kindness pairs on")
    wait_until(lambda: sandbox.services.members.status(team, TAMA).pairs, "the yes")
    call(sandbox, "clock", user=MORAG, step="week")  # Wed 2 Dec: the round of week 49
    run = call(sandbox, "job", user=MORAG, job="pairs")
    assert "3 members available; 1 group DMs opened" in run["message"]
    (group,) = [c for c in seen_by(sandbox, DEVI)["conversations"] if c["name"].count(",") == 2]
    assert group["name"].startswith("kindness, ")
    (opening,) = group["messages"]
    shown = json.dumps(opening)
    assert "Age Scotland" in shown and "Te Whare" in shown and "Fife Council" in shown
    we_met = next(
        e
        for b in opening["blocks"]
        for e in b.get("elements", [])
        if e.get("action_id") == "pair_met"
    )
    call(sandbox, "click", user=DEVI, action=we_met, channel=group["id"], message_ts=opening["ts"])
    wait_until(lambda: sandbox.standin.modal_stack(DEVI), "What will you try?")
    (modal,) = sandbox.standin.modal_stack(DEVI)
    call(
        sandbox,
        "submit",
        user=DEVI,
        view_id=modal["id"],
        values={
            "text": {"text": {"type": "plain_text_input", "value": "Ask before I fix"}},
            "visibility": {
                "visibility": {"type": "radio_buttons", "selected_option": {"value": "network"}}
            },
        },
    )
    wait_until(lambda: sandbox.services.log.list_mine(team, DEVI).open_actions, "the action")
    (action,) = sandbox.services.log.list_mine(team, DEVI).open_actions
    assert action.text == "Ask before I fix" and action.follow_up_at is not None
    again = call(sandbox, "job", user=MORAG, job="pairs")  # once per round
    assert again["message"].endswith("no group DM opened by this run")


def test_moving_the_clock_dates_new_entries_by_the_sandboxs_time(sandbox: Sandbox) -> None:
    call(sandbox, "clock", user=MORAG, step="day")
    call(sandbox, "send", user=MORAG, channel=NETWORK_CHANNEL, text="/kindness log A Thursday")
    wait_until(lambda: "Saved" in texts(seen_by(sandbox, MORAG)), "the answer")
    [entry] = sandbox.services.log.list_mine(sandbox.standin.team_id, MORAG).entries
    assert entry.created_at.date().isoformat() == "2026-11-26"


def test_example_entries_are_added_once(sandbox: Sandbox) -> None:
    assert call(sandbox, "examples", user=MORAG)["added"] == 25
    listed = {
        o.name: (o.sector, o.place)
        for o in sandbox.services.organisations.listed(sandbox.standin.team_id)
    }
    assert listed["Fife Council"] == ("public", "Scotland") and len(listed) == 3
    outcomes = [
        e
        for e in sandbox.services.log.latest_shared(sandbox.standin.team_id, MORAG, limit=30)
        if e.kind == "outcome"
    ]
    assert len(outcomes) == 3 and all(o.who_changed and o.how_we_know for o in outcomes)
    assert any(o.why_it_matters for o in outcomes)
    assert call(sandbox, "examples", user=MORAG)["added"] == 0
    digest = call(sandbox, "job", user=MORAG, job="digest")
    assert "posted the digest for the week of 23 Nov 2026" in digest["message"]
    latest = sandbox.standin.messages_in(NETWORK_CHANNEL)[-1]
    assert "The week in kindness" in json.dumps(latest["blocks"])


# -- kept between runs, and started over ------------------------------------------------------


def test_a_restart_keeps_the_channel_and_the_log_and_fresh_starts_over(tmp_path: Path) -> None:
    with Sandbox(tmp_path, port=0, env={}, start_at=START) as first:
        call(first, "job", user=MORAG, job="prompt")
        call(first, "clock", user=MORAG, step="day")
        moved_to = first.clock()
    assert (tmp_path / "sandbox.db").exists() and (tmp_path / "sandbox-slack.json").exists()
    assert not (tmp_path / "kindness.db").exists()

    with Sandbox(tmp_path, port=0, env={}) as second:
        assert len(second.standin.messages_in(NETWORK_CHANNEL)) == 1
        assert abs((second.clock() - moved_to).total_seconds()) < 60
        assert "posted already" in call(second, "job", user=MORAG, job="prompt")["message"]

    with Sandbox(tmp_path, port=0, env={}, fresh=True) as fresh:
        assert fresh.standin.messages_in(NETWORK_CHANNEL) == []
        assert "posted the" in call(fresh, "job", user=MORAG, job="prompt")["message"]


def test_the_sandbox_ignores_the_database_and_slack_settings_of_production(
    tmp_path: Path,
) -> None:
    production = {
        "DATABASE_URL": "postgresql+psycopg://prod@db.example/kindness",
        "SLACK_BOT_TOKEN": "xoxb-real",
        "SLACK_API_URL": "https://slack.com/api/",
    }
    with Sandbox(tmp_path, port=0, env=production) as running:
        assert running.config.database_url.endswith("sandbox.db")
        assert running.config.slack_api_url.startswith("http://127.0.0.1:")
        assert running.config.slack_bot_token != "xoxb-real"


# -- the command line --------------------------------------------------------------------------


def _clean_env(**env: str) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "KINDNESS_"))}
    clean.pop("DATABASE_URL", None)
    clean.update(env)
    return clean


def _serve(tmp_path: Path, *args: str, **env: str) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [SCRIPT, *args],
        cwd=tmp_path,
        env=_clean_env(**env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    first_line = process.stdout.readline()  # printed once the page answers
    return process, first_line


def _stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=20)
    assert process.returncode == 0, process.stderr.read() if process.stderr else ""


def test_make_run_without_a_slack_app_starts_the_sandbox_and_says_so(tmp_path: Path) -> None:
    port = free_port()
    process, line = _serve(tmp_path, "run", "--or-sandbox", PORT=str(port))
    try:
        assert line.startswith("No Slack app is configured, so this is the sandbox")
        assert f"http://127.0.0.1:{port}/" in line
        assert "SLACK_BOT_TOKEN" in line and "Set up with your workspace" in line
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as page:
            assert page.status == 200
    finally:
        _stop(process)
    assert (tmp_path / "sandbox.db").exists() and not (tmp_path / "kindness.db").exists()


def test_make_run_with_half_a_slack_app_stays_strict(tmp_path: Path) -> None:
    result = subprocess.run(
        [SCRIPT, "run", "--or-sandbox"],
        cwd=tmp_path,
        env=_clean_env(SLACK_BOT_TOKEN="xoxb-1"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "SLACK_SIGNING_SECRET: required" in result.stderr
    assert not (tmp_path / "sandbox.db").exists()


def test_sandbox_on_a_port_in_use_says_which_and_what_to_try(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [SCRIPT, "sandbox", "--port", str(port)],
            cwd=tmp_path,
            env=_clean_env(),
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.stdout + result.stderr
    assert f"--port {port + 1}" in result.stdout + result.stderr
    assert "Traceback" not in result.stderr


def test_sandbox_fresh_starts_over(tmp_path: Path) -> None:
    (tmp_path / "sandbox-slack.json").write_text("{not json")
    port = free_port()
    process, line = _serve(tmp_path, "sandbox", "--port", str(port), "--fresh")
    try:
        assert line.startswith(f"Sandbox: open http://127.0.0.1:{port}/ (Ctrl-C stops it")
    finally:
        _stop(process)
    assert json.loads((tmp_path / "sandbox-slack.json").read_text())["slack"]["users"]


def test_a_sandbox_file_it_cannot_read_says_to_start_over(tmp_path: Path) -> None:
    (tmp_path / "sandbox-slack.json").write_text('{"slack": {"users": {}}}')
    with pytest.raises(SandboxError, match="start over with --fresh"):
        Sandbox(tmp_path, port=0, env={}).start()


def test_the_sandboxs_files_are_ignored_by_git() -> None:
    from runtime.sandbox import DATABASE_FILE, SLACK_FILE

    repository = Path(__file__).parent.parent
    names = [
        DATABASE_FILE,
        DATABASE_FILE + "-wal",
        DATABASE_FILE + "-shm",
        SLACK_FILE,
        SLACK_FILE + ".partial",
    ]
    checked = subprocess.run(
        ["git", "check-ignore", "--no-index", *names],
        cwd=repository,
        capture_output=True,
        text=True,
    )
    assert checked.stdout.split() == names


def test_the_clock_panel_makes_the_report_at_the_sandboxs_time(sandbox: Sandbox) -> None:
    call(sandbox, "examples", user=MORAG)
    call(sandbox, "clock", user=MORAG, step="week")
    made = call(sandbox, "report", user=MORAG)
    # Twelve weeks to the sandbox's now (2 Dec 2026), not to the real clock's.
    assert made["filename"] == "kindness-report-2026-09-14-to-2026-12-02.html"
    assert "Made the impact report (HTML, 14 Sep – 2 Dec 2026)" in made["message"]
    assert made["message"] in texts_of_activity(sandbox)
    with urllib.request.urlopen(f"{sandbox.url}{made['url'].lstrip('/')}", timeout=10) as got:
        assert got.headers["Content-Security-Policy"] == "sandbox"
        report = got.read().decode()
    assert "<h1>Commitment to Kindness: impact report</h1>" in report
    # Authors by the names Slack shows, never by id.
    assert "— Tama, " in report and TAMA not in report and MORAG not in report
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(f"{sandbox.url}sandbox/reports/9", timeout=5)
    assert missing.value.code == 404


def texts_of_activity(sandbox: Sandbox) -> list[str]:
    return [a["text"] for a in seen_by(sandbox, MORAG)["clock"]["activity"]]


def test_the_page_links_to_a_preview_of_the_site_built_from_the_sandboxs_log(
    sandbox: Sandbox,
) -> None:
    with urllib.request.urlopen(sandbox.url, timeout=5) as page:
        assert b'href="/sandbox/site/"' in page.read()
    call(sandbox, "examples", user=MORAG)
    entry = sandbox.services.log.add_entry(
        sandbox.standin.team_id, DEVI, "We shared the rota with the team.", goal="g2", share=True
    ).entry
    with urllib.request.urlopen(f"{sandbox.url}sandbox/site/", timeout=60) as index:
        assert index.headers["Content-Type"].startswith("text/html")
        assert b"We shared the rota with the team." in index.read()
    with urllib.request.urlopen(
        f"{sandbox.url}sandbox/site/stories/{entry.id}.html", timeout=10
    ) as story:
        assert b"We shared the rota with the team." in story.read()
    with pytest.raises(urllib.error.HTTPError) as outside:
        urllib.request.urlopen(f"{sandbox.url}sandbox/site/../sandbox.db", timeout=10)
    assert outside.value.code == 404
