"""A crash mid-burst loses nothing that was acknowledged.

A real ``kindness-bot run`` takes a burst of ``/kindness log`` commands and thread replies and
is killed with SIGKILL (a crash, an OOM kill, a lost host) while they are in flight. Every
command that got its 200 is stored exactly once. Slack retries an event that got no 200, so
the replies that got none are sent again, as Slack would, to the restarted bot: every reply
ends up stored exactly once.
"""

from __future__ import annotations

import http.client
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from bot.db import Database
from bot.models import Entry, PostedPrompt
from bot.workspaces import ensure_workspace
from sandbox import SlackDriver, SlackStandIn
from serving import SIGNING_SECRET, BotProcess

COMMANDS = 240
REPLIES = 120
KILL_AFTER = 90  # answered requests before the kill: well inside the burst
CHANNEL = "CNETWORK"


def _prompt_thread(tmp_path: Path, standin: SlackStandIn) -> str:
    """A weekly prompt in the network channel, as the bot records the ones it posts."""
    standin.add_channel(CHANNEL, "kindness-network")
    driver = SlackDriver("http://127.0.0.1:1/", SIGNING_SECRET, standin)
    prompt = driver.message("This week's prompt", user=standin.bot_user_id, channel=CHANNEL)
    db = Database(f"sqlite:///{tmp_path / 'kindness.db'}")
    db.upgrade()
    now = datetime.now(UTC)
    with db.session() as session:
        ensure_workspace(session, standin.team_id, now=now)
        session.add(
            PostedPrompt(
                team_id=standin.team_id,
                period="2026-W48",
                goal_key="relationships",
                question="Who did you really listen to this week?",
                channel_id=CHANNEL,
                message_ts=prompt["ts"],
                posted_at=now,
            )
        )
    db.dispose()
    return prompt["ts"]


def _stored(tmp_path: Path) -> Counter[str]:
    db = Database(f"sqlite:///{tmp_path / 'kindness.db'}")
    try:
        with db.reading() as session:
            return Counter(session.scalars(select(Entry.text)))
    finally:
        db.dispose()


def test_a_crash_mid_burst_loses_nothing_that_was_acknowledged(tmp_path: Path) -> None:
    with SlackStandIn() as standin:
        thread_ts = _prompt_thread(tmp_path, standin)
        bot = BotProcess(tmp_path, standin, "run").wait_healthy()
        driver = SlackDriver(bot.events_url, SIGNING_SECRET, standin)
        replies = [
            (
                f"EvCRASH{n:04d}",
                driver.message(
                    f"reply {n}", user=f"UR{n % 7}", channel=CHANNEL, thread_ts=thread_ts
                ),
            )
            for n in range(REPLIES)
        ]
        answered = Counter[str]()
        lock = threading.Lock()
        enough = threading.Event()

        def send(n: int) -> tuple[str, str, int]:
            try:
                if n % 3 == 2 and n // 3 < REPLIES:
                    event_id, event = replies[n // 3]
                    status = driver.event(event, event_id=event_id).status
                    sent = ("reply", event["text"], status)
                else:
                    text = f"command {n}"
                    status = driver.command(f"log g3 {text}", user=f"UC{n % 5}").status
                    sent = ("command", text, status)
            except (OSError, http.client.HTTPException):  # died with the process, maybe
                sent = ("lost", str(n), 0)  # mid-answer: Slack counts that as no answer
            if sent[2] == 200:
                with lock:
                    answered[sent[0]] += 1
                    if sum(answered.values()) >= KILL_AFTER:
                        enough.set()
            return sent

        try:
            with ThreadPoolExecutor(max_workers=16) as pool:
                futures = [pool.submit(send, n) for n in range(COMMANDS + REPLIES)]
                assert enough.wait(timeout=120), "the burst never got going"
                bot.kill()
                outcomes = [f.result() for f in futures]
        finally:
            bot.stop()

        acknowledged = {text for kind, text, status in outcomes if status == 200}
        assert KILL_AFTER <= len(acknowledged) < COMMANDS + REPLIES, "the kill came mid-burst"
        stored = _stored(tmp_path)
        assert acknowledged <= set(stored), "an acknowledged request was lost"
        assert all(count == 1 for count in stored.values()), "something was stored twice"

        # Slack sends again every event that got no 200, to the restarted bot.
        restarted = BotProcess(tmp_path, standin, "run").wait_healthy()
        try:
            driver = SlackDriver(restarted.events_url, SIGNING_SECRET, standin)
            unanswered = [
                (event_id, event)
                for event_id, event in replies
                if event["text"] not in acknowledged
            ]
            for event_id, event in unanswered:
                assert driver.event(event, event_id=event_id, retry_num=1).status == 200
        finally:
            assert restarted.stop() == 0
        stored = _stored(tmp_path)
        assert all(stored[f"reply {n}"] == 1 for n in range(REPLIES))
        assert all(count == 1 for count in stored.values())
