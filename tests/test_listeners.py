"""Listeners imported and called directly, as Bolt calls them, with fake Bolt arguments: what
the member is told (the ack, the answer through ``respond``, the calls to Slack after the ack)
and what is stored — without the HTTP endpoint or the Slack stand-in.

The end-to-end tests (test_slack_*.py) cover the same listeners through the signed endpoint;
these show that each is a plain function of its request, wrapped once
(``handlers.answering.Listeners``), with every Slack call after the ack.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any

import pytest
from slack_bolt import BoltContext, BoltRequest

from bot.blocks import entries, modals
from bot.config import load_config
from bot.db import Database
from bot.models import PostedPrompt
from bot.services import Services
from bot.workspaces import ensure_workspace
from conftest import FakeClock, failing_database, message_text
from handlers import actions, commands, events, views
from handlers.answering import Click, Listeners
from sandbox import InputValue
from serving import SIGNING_SECRET
from slack_helpers import modal_values

TEAM, ANN, BEN = "T1", "UANN", "UBEN"
CHANNEL = "C0NETWORK"


class Ack:
    """Bolt's ``ack``: remembers what the listener answered."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any] | None] = []

    def __call__(self, response: dict[str, Any] | None = None) -> None:
        self.calls.append(response)

    @property
    def body(self) -> dict[str, Any] | None:
        assert len(self.calls) == 1, f"acked {len(self.calls)} times"
        return self.calls[0]


class Sent:
    """What a response_url accepted."""

    status_code = 200
    body = "ok"


class Respond:
    """Bolt's ``respond``: the answers sent through the request's response_url."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []

    def __call__(self, **message: Any) -> Sent:
        self.messages.append(message)
        return Sent()


class Client:
    """The Web API as a listener sees it: every call recorded; answers given per method."""

    def __init__(self, **answers: dict[str, Any]) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.answers = answers

    def __getattr__(self, method: str) -> Callable[..., dict[str, Any]]:
        def call(**kwargs: Any) -> dict[str, Any]:
            self.calls.append((method, kwargs))
            return {"ok": True, **self.answers.get(method, {})}

        return call

    def called(self, method: str) -> list[dict[str, Any]]:
        return [kwargs for name, kwargs in self.calls if name == method]


class RightAway(Executor):
    """Runs the Slack work after the ack at once, in the test's thread."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        future: Future = Future()
        future.set_result(fn(*args, **kwargs))
        return future


@pytest.fixture
def services(sqlite_db: Database, clock: FakeClock) -> Services:
    config = load_config({"SLACK_BOT_TOKEN": "xoxb-unit", "SLACK_SIGNING_SECRET": SIGNING_SECRET})
    return Services(config, sqlite_db, clock=clock)


@pytest.fixture
def on(services: Services) -> Listeners:
    return Listeners(services, after_ack=RightAway())


def call(
    listener: Callable[..., Any],
    body: dict[str, Any],
    *,
    client: Client | None = None,
    response_url: bool = False,
    retry: int | None = None,
) -> tuple[Ack, Respond, Client, Any]:
    """The listener called as Bolt calls it; what it acked, responded and asked of Slack."""
    ack, respond, client = Ack(), Respond(), client or Client()
    context = BoltContext({"team_id": TEAM})
    if response_url:
        context["response_url"] = "https://hooks.slack.test/actions/1"
    headers = {"x-slack-retry-num": str(retry)} if retry is not None else {}
    request = BoltRequest(body="", headers=headers)
    returned = listener(
        ack=ack, body=body, client=client, respond=respond, context=context, request=request
    )
    return ack, respond, client, returned


def stored(services: Services, user: str = ANN) -> list:
    return services.log.list_mine(TEAM, user).entries


# -- a slash command ------------------------------------------------------------------------------


def command_body(text: str, user: str = ANN) -> dict[str, Any]:
    return {
        "command": "/kindness",
        "text": text,
        "user_id": user,
        "team_id": TEAM,
        "channel_id": CHANNEL,
        "response_url": "https://hooks.slack.test/commands/1",
        "trigger_id": "trigger-1",
    }


def test_a_quick_log_is_stored_and_its_confirmation_is_the_ack(
    on: Listeners, services: Services
) -> None:
    listener = on.command(commands.answer_command)
    ack, respond, client, _ = call(listener, command_body("log g3 Asked what would help"))

    (entry,) = stored(services)
    assert (entry.text, entry.goal_key, entry.kind) == (
        "Asked what would help",
        "relationships",
        "story",
    )
    assert ack.body["response_type"] == "ephemeral"
    assert "Saved your story to the learning log." in message_text(ack.body)
    assert respond.messages == [] and client.calls == []  # nothing to do after the ack


def test_a_refused_command_is_answered_with_its_usage_and_the_words_back(
    on: Listeners, services: Services
) -> None:
    ack, _, _, _ = call(
        on.command(commands.answer_command), command_body("done 999 Learnt to listen")
    )

    answer = message_text(ack.body)
    assert "I can't find entry #999." in answer
    assert "Usage: `/kindness done <entry> [reflection]`" in answer
    assert "Learnt to listen" in answer  # the reflection, not saved, quoted back
    assert stored(services) == []


def test_a_log_the_database_cannot_write_is_answered_with_the_words_back(
    on: Listeners, services: Services
) -> None:
    listener = on.command(commands.answer_command)
    with failing_database(services.db):
        ack, _, _, _ = call(listener, command_body("log g3 Words that must not vanish"))

    answer = message_text(ack.body)
    assert "the learning log could not be written just now. Nothing was saved" in answer
    assert "Your words, so nothing is lost" in answer and "Words that must not vanish" in answer
    assert stored(services) == []


def test_an_unexpected_failure_is_logged_with_its_traceback_and_answered(
    on: Listeners, services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    listener = on.command(commands.answer_command)
    with failing_database(services.db), caplog.at_level(logging.ERROR):
        ack, _, _, _ = call(listener, command_body("search listening g3"))

    answer = message_text(ack.body)
    assert "the learning log could not be reached just now" in answer
    assert "Your words, so nothing is lost" in answer and "listening g3" in answer
    (record,) = [r for r in caplog.records if r.exc_info]
    assert record.getMessage() == (
        f"slash command answer_command failed before its answer (workspace {TEAM}, member {ANN})"
    )


# -- a button -------------------------------------------------------------------------------------


def click_body(action_id: str, value: dict[str, Any], user: str = ANN) -> dict[str, Any]:
    return {
        "type": "block_actions",
        "team": {"id": TEAM},
        "user": {"id": user, "team_id": TEAM},
        "trigger_id": "trigger-2",
        "response_url": "https://hooks.slack.test/actions/1",
        "container": {"type": "message", "channel_id": CHANNEL},
        "actions": [
            {"action_id": action_id, "type": "button", "value": json.dumps(value), "block_id": "b"}
        ],
    }


def test_choosing_a_goal_stores_it_and_replaces_the_message(
    on: Listeners, services: Services
) -> None:
    saved = services.log.add_entry(TEAM, ANN, "Tea with the new starter", goal=None)
    body = click_body(f"{entries.SET_GOAL}:systems", {"entry": saved.entry.id, "goal": "systems"})

    ack, respond, _, _ = call(on.button(actions.set_goal), body, response_url=True)

    assert ack.calls == [None]  # a button's ack carries nothing
    assert stored(services)[0].goal_key == "systems"
    (shown,) = respond.messages
    assert shown["replace_original"] is True and shown["response_type"] == "ephemeral"
    assert "Saved your story to the learning log." in message_text(shown)


def test_the_same_button_called_without_bolt_returns_its_answer(services: Services) -> None:
    saved = services.log.add_entry(TEAM, ANN, "Tea with the new starter", goal=None)
    body = click_body(entries.SET_GOAL, {"entry": saved.entry.id, "goal": "systems"})

    answer = actions.set_goal(Click(body, TEAM), services)

    assert answer.ack is None and len(answer.then) == 1  # the reply goes after the ack
    assert stored(services)[0].goal_key == "systems"  # stored before it returned


def test_a_button_on_someone_elses_entry_is_refused_and_changes_nothing(
    on: Listeners, services: Services
) -> None:
    saved = services.log.add_entry(TEAM, ANN, "Ann's own words", goal=None)
    body = click_body(entries.SET_GOAL, {"entry": saved.entry.id, "goal": "systems"}, user=BEN)

    _, respond, _, _ = call(on.button(actions.set_goal), body, response_url=True)

    (shown,) = respond.messages
    assert "belongs to another member" in message_text(shown)
    assert shown["replace_original"] is False
    assert stored(services)[0].goal_key is None


# -- a view submission ----------------------------------------------------------------------------


def submission_body(values: dict[str, Any], user: str = ANN, view_id: str = "V1") -> dict:
    return {
        "type": "view_submission",
        "team": {"id": TEAM},
        "user": {"id": user, "team_id": TEAM},
        "view": {
            "id": view_id,
            "type": "modal",
            "callback_id": modals.LOG_MODAL,
            "private_metadata": "",
            "state": {"values": values},
        },
    }


def test_a_submitted_modal_is_stored_and_turns_into_its_confirmation(
    on: Listeners, services: Services
) -> None:
    values = modal_values("Listened first", kind="reflection", visibility="anonymous")
    listener = on.submission(views.submit_log, error_field="text")

    ack, _, client, _ = call(listener, submission_body(values))

    (entry,) = stored(services)
    assert (entry.text, entry.kind, entry.visibility) == (
        "Listened first",
        "reflection",
        "anonymous",
    )
    assert ack.body["response_action"] == "update"
    assert "Saved." in message_text(ack.body["view"])
    assert client.calls == []  # not opened from App Home: nothing to refresh


def test_an_empty_modal_stays_open_with_the_reason_under_its_text(
    on: Listeners, services: Services
) -> None:
    values = modal_values("   ")
    ack, _, _, _ = call(
        on.submission(views.submit_log, error_field="text"), submission_body(values)
    )

    assert ack.body == {
        "response_action": "errors",
        "errors": {"text": "There is nothing to save yet: add a few words about what happened."},
    }
    assert stored(services) == []


def test_a_modal_failing_on_the_database_stays_open_and_says_so(
    on: Listeners, services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    values = modal_values("Words kept in the form", goal=None)
    values["goal"] = {"goal": InputValue.static_select("relationships")}
    listener = on.submission(views.submit_log, error_field="text")
    with failing_database(services.db), caplog.at_level(logging.ERROR):
        ack, _, _, _ = call(listener, submission_body(values))

    assert ack.body["response_action"] == "errors"
    assert "your words are still here" in ack.body["errors"]["text"]
    assert [r for r in caplog.records if r.exc_info]


# -- an event -------------------------------------------------------------------------------------


@pytest.fixture
def prompt_ts(services: Services) -> str:
    """A weekly prompt in the network channel, recorded as the bot records the ones it posts."""
    with services.db.session() as session:
        ensure_workspace(session, TEAM, now=services.clock())
        session.add(
            PostedPrompt(
                team_id=TEAM,
                period="2026-W48",
                goal_key="relationships",
                question="Who did you really listen to this week?",
                channel_id=CHANNEL,
                message_ts="1700000000.000100",
                posted_at=services.clock(),
            )
        )
    return "1700000000.000100"


def reply_body(text: str, thread_ts: str, ts: str = "1700000100.000200") -> dict[str, Any]:
    return {
        "type": "event_callback",
        "team_id": TEAM,
        "event_id": "Ev1",
        "event": {
            "type": "message",
            "user": ANN,
            "text": text,
            "ts": ts,
            "thread_ts": thread_ts,
            "channel": CHANNEL,
            "channel_type": "channel",
        },
    }


def test_a_reply_to_the_prompt_is_stored_before_its_200_then_noted(
    on: Listeners, services: Services, prompt_ts: str
) -> None:
    client = Client(chat_getPermalink={"permalink": "https://slack.test/p1"})

    ack, _, _, returned = call(
        on.event(events.on_message), reply_body("Listened to Ben", prompt_ts), client=client
    )

    assert ack.calls == [None] and returned is None  # 200, empty
    (entry,) = stored(services)
    assert (entry.text, entry.goal_key, entry.source) == (
        "Listened to Ben",
        "relationships",
        "thread",
    )
    assert entry.permalink == "https://slack.test/p1"  # linked after the ack
    assert client.called("reactions_add") == [
        {"channel": CHANNEL, "timestamp": "1700000100.000200", "name": "seedling"}
    ]
    (note,) = client.called("chat_postEphemeral")
    assert note["user"] == ANN and note["thread_ts"] == prompt_ts
    assert f"Saved your reply to the learning log as #{entry.id}" in message_text(note)


def test_a_reply_that_cannot_be_stored_asks_slack_to_send_it_again(
    on: Listeners, services: Services, prompt_ts: str, caplog: pytest.LogCaptureFixture
) -> None:
    listener = on.event(events.on_message)
    with failing_database(services.db), caplog.at_level(logging.ERROR):
        first = call(listener, reply_body("Words Slack will resend", prompt_ts))
        retried = call(listener, reply_body("Words Slack will resend", prompt_ts), retry=1)

    for ack, _, _, returned in (first, retried):
        assert ack.calls == [None] and returned.status == 503
    assert stored(services) == []


# -- registration ---------------------------------------------------------------------------------


def test_a_listener_asking_for_what_its_kind_is_not_given_fails_at_registration(
    on: Listeners,
) -> None:
    def peeks_at_slack(click: Click, client: Any) -> Any:
        raise AssertionError("never called")

    with pytest.raises(TypeError, match="peeks_at_slack asks for client"):
        on.button(peeks_at_slack)
