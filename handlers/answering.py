"""Every listener, wrapped once: store first, answer in the ack, Slack calls after it.

A listener body is a plain function of the request that returns an ``Answer``:

- ``ack``: the body of the HTTP answer Slack gets. For a slash command it is the member's
  answer (``say(message)``: Slack shows a command's ack body as an ephemeral message); for a
  modal submission, its ``response_action`` (``update_view``, ``field_errors``); for buttons,
  shortcuts and events, nothing (``later(...)``).
- ``then``: Slack work to do after the ack, each a function of ``Slack`` (``reply(message)``,
  ``open_modal(view)``, or any function that calls ``slack.client``). It runs on the app's
  listener executor, so the member's answer never waits for Slack.

The body's database work (the service commits) is done before it returns, so an ack is a
promise: a crash after it loses nothing. No Slack call belongs there: it would spend Slack's
3 seconds. The work runs under ``member_waiting()`` (short lock timeouts), so a write that
cannot finish in time fails fast into a clear answer.

Failures, the same for every listener:
- a refusal (``LogError``) is answered with its one clear sentence, quoting the member's words
  when they were not saved;
- any other exception is logged with its traceback and answered ("Sorry — something went
  wrong…"), with the words that came with the request quoted back; an event that could not be
  stored is answered 503, so that Slack sends it again;
- a failure after the ack (Slack refused ``views.open``, a ``response_url`` would not take the
  answer…) is logged and, where Slack still listens, answered through ``slack.reply``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, BoltRequest, BoltResponse, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import SQLAlchemyError

from bot.blocks import capture
from bot.db import member_waiting
from bot.errors import LogError

log = logging.getLogger(__name__)

BoltListener = Callable[..., BoltResponse | None]


class SlackReplyRefused(Exception):
    """A ``response_url`` did not take the answer (expired, used up, or invalid)."""

    def __init__(self, status: int, body: str) -> None:
        super().__init__(f"response_url answered {status}: {body}")
        self.reason = body or str(status)


@dataclass
class Slack:
    """Slack after the ack: the Web API, and the way back to the member who asked."""

    client: WebClient
    team_id: str
    user_id: str
    trigger_id: str = ""
    respond: Respond | None = None  # when the request carried a response_url
    channel_id: str | None = None  # with thread_ts: answers go privately into that thread
    thread_ts: str | None = None
    quiet: bool = False  # failures after the ack are logged, not told (events)

    def reply(self, message: dict[str, Any], *, replace: bool = False) -> None:
        """Answer privately: through the response_url (over the clicked message when
        ``replace``), else in the thread the request came from, else by DM."""
        if self.respond is not None:
            sent = self.respond(**message, response_type="ephemeral", replace_original=replace)
            if sent.status_code != 200:
                raise SlackReplyRefused(sent.status_code, sent.body)
        elif self.thread_ts and self.channel_id:
            self.client.chat_postEphemeral(
                channel=self.channel_id, user=self.user_id, thread_ts=self.thread_ts, **message
            )
        else:
            self.client.chat_postMessage(channel=self.user_id, **message)

    def open_modal(self, view: dict[str, Any]) -> None:
        self.client.views_open(trigger_id=self.trigger_id, view=view)


SlackWork = Callable[[Slack], None]


@dataclass(frozen=True)
class Answer:
    """What a listener body returns: the ack's body, and the Slack work to do after it."""

    ack: dict[str, Any] | None = None
    then: tuple[SlackWork, ...] = ()
    status: int = 200  # not 2xx: Slack is asked to send the request again (events)


def say(message: dict[str, Any], *then: SlackWork) -> Answer:
    """A slash command's answer, shown to the member alone, in the ack."""
    return Answer({"response_type": "ephemeral", **message}, then)


def later(*then: SlackWork) -> Answer:
    """Nothing in the ack; ``then`` after it."""
    return Answer(None, then)


def update_view(view: dict[str, Any], *then: SlackWork) -> Answer:
    """A modal submission's answer: the modal turns into ``view``."""
    return Answer({"response_action": "update", "view": view}, then)


def field_errors(errors: dict[str, str]) -> Answer:
    """A modal submission's refusal: the modal stays open, each error under its block."""
    return Answer({"response_action": "errors", "errors": errors})


def send_again(*then: SlackWork) -> Answer:
    """An event not stored: answered 503, so Slack delivers it again."""
    return Answer(None, then, status=503)


def reply(message: dict[str, Any], *, replace: bool = False) -> SlackWork:
    def send(slack: Slack) -> None:
        slack.reply(message, replace=replace)

    send.__qualname__ = "reply"
    return send


def open_modal(view: dict[str, Any]) -> SlackWork:
    def send(slack: Slack) -> None:
        slack.open_modal(view)

    send.__qualname__ = "open_modal"
    return send


# -- the wrappers, one per kind of listener ---------------------------------------------------


class Click:
    """One button press: who, where, and the value the button carried."""

    def __init__(self, body: dict[str, Any], team_id: str) -> None:
        self.body = body
        self.team_id = team_id
        self.user_id: str = body["user"]["id"]
        self.trigger_id: str = body.get("trigger_id", "")
        action = body["actions"][0]
        raw = action.get("value") or "{}"
        try:
            decoded = json.loads(raw)
        except ValueError:
            decoded = {}
        self.value: dict[str, Any] = decoded if isinstance(decoded, dict) else {}
        self.on_home = (body.get("view") or {}).get("type") == "home"

    @property
    def entry_id(self) -> int:
        try:
            return int(self.value.get("entry", 0))
        except (TypeError, ValueError):
            return 0


def slash_command(handle: Callable[[dict[str, Any], str, WebClient], Answer]) -> BoltListener:
    """``handle(body, team_id, client)`` answers a slash command. ``client`` is only for a
    check that must come before the answer (a coordinator's rights before storing what they
    log for a member), asked once with a short timeout — as for a modal submission."""

    def failed(error: Exception, body: dict[str, Any]) -> Answer:
        # The words are quoted back when the command carried more than a subcommand's name.
        words = str(body.get("text") or "").strip()
        typed = f"{body.get('command', '')} {words}" if len(words.split()) > 1 else None
        return say(_failure(error, words=typed))

    return _listener(
        "slash command",
        lambda body, slack: handle(body, slack.team_id, slack.client),
        refused=lambda error, body: say(capture.error_message(error)),
        failed=failed,
    )


def button(
    handle: Callable[[Click], Answer],
    *,
    replace_on_refusal: Callable[[LogError], bool] = lambda error: False,
) -> BoltListener:
    """``handle(click)`` commits the click's change and returns what to show after the ack."""
    return _listener(
        "button",
        lambda body, slack: handle(Click(body, slack.team_id)),
        refused=lambda error, body: later(
            reply(capture.error_message(error), replace=replace_on_refusal(error))
        ),
        failed=lambda error, body: later(reply(_failure(error))),
    )


def shortcut(handle: Callable[[dict[str, Any], str], Answer]) -> BoltListener:
    """``handle(body, team_id)`` for a shortcut; what it opens or says goes in ``then``."""
    return _listener(
        "shortcut",
        lambda body, slack: handle(body, slack.team_id),
        refused=lambda error, body: later(reply(capture.error_message(error))),
        failed=lambda error, body: later(reply(_failure(error))),
    )


def submission(
    handle: Callable[[dict[str, Any], dict[str, Any], str, WebClient], Answer],
    *,
    error_field: str,
) -> BoltListener:
    """``handle(body, view, team_id, client)`` stores a modal's submission and answers it.

    ``client`` is only for a check that must come before the answer (a coordinator's
    rights), asked once with a short timeout. A failure keeps the modal open, with the
    member's words in it, and says so under ``error_field`` (or the first input, when the
    modal has no such field)."""

    def view_of(body: dict[str, Any]) -> dict[str, Any]:
        return body.get("view") if isinstance(body.get("view"), dict) else {}

    return _listener(
        "modal submission",
        lambda body, slack: handle(body, view_of(body), slack.team_id, slack.client),
        refused=lambda error, body: field_errors(
            {_field_in(view_of(body), error_field): capture.explain(error)}
        ),
        failed=lambda error, body: field_errors(
            {_field_in(view_of(body), error_field): capture.FAILED_IN_FORM}
        ),
    )


def event(handle: Callable[[dict[str, Any], dict[str, Any], str], Answer]) -> BoltListener:
    """``handle(body, event, team_id)`` stores what an event carries before Slack gets its 200.

    An exception answers 503: the event was not stored, and Slack's retry is the way back.
    What an event answered 503 says to the member is said on its first delivery only, and a
    failure after the ack is logged, not told: the member did not ask anything."""

    def run(body: dict[str, Any], slack: Slack) -> Answer:
        payload = body.get("event")
        return handle(body, payload if isinstance(payload, dict) else {}, slack.team_id)

    return _listener(
        "event",
        run,
        refused=lambda error, body: later(),
        failed=lambda error, body: send_again(),
        quiet=True,
    )


# -- running them -------------------------------------------------------------------------------


def _listener(
    what: str,
    run: Callable[[dict[str, Any], Slack], Answer],
    *,
    refused: Callable[[LogError, dict[str, Any]], Answer],
    failed: Callable[[Exception, dict[str, Any]], Answer],
    quiet: bool = False,
) -> BoltListener:
    def listener(
        ack: Ack,
        body: dict[str, Any],
        client: WebClient,
        respond: Respond | None,
        context: dict[str, Any],
        request: BoltRequest,
    ) -> BoltResponse | None:
        slack = _slack(body, context, client, respond)
        slack.quiet = quiet
        try:
            with member_waiting():
                answer = run(body, slack)
        except LogError as error:
            answer = refused(error, body)
        except Exception as error:
            log.exception("a %s failed before its answer", what)
            answer = failed(error, body)
        if answer.status != 200 and request.headers.get("x-slack-retry-num"):
            answer = Answer(status=answer.status)  # the member was told on the first delivery
        return _finish(ack, answer, slack, context)

    return listener


# -- running them -------------------------------------------------------------------------------


def _finish(ack: Ack, answer: Answer, slack: Slack, context: dict[str, Any]) -> BoltResponse | None:
    if answer.ack is None:
        ack()
    else:
        ack(dict(answer.ack))
    if answer.then:
        executor = context["listener_runner"].listener_executor
        executor.submit(_run_after, answer.then, slack)
    if answer.status != 200:
        return BoltResponse(status=answer.status, body="")
    return None


def _run_after(work: tuple[SlackWork, ...], slack: Slack) -> None:
    """Each step on its own: one failing is answered, and the next still runs."""
    for step in work:
        name = getattr(step, "__qualname__", repr(step))
        try:
            step(slack)
        except (SlackApiError, SlackReplyRefused) as error:
            reason = (
                error.response.get("error") if isinstance(error, SlackApiError) else error.reason
            )
            log.warning("Slack refused %s after the ack: %s", name, reason)
            if not slack.quiet:
                _tell(slack, capture.slack_refused_message(str(reason)))
        except Exception as error:
            log.exception("%s failed after the ack", name)
            if not slack.quiet:
                _tell(slack, _failure(error))


def _tell(slack: Slack, message: dict[str, Any]) -> None:
    try:
        slack.reply(message)
    except Exception as error:  # Slack is not listening: the log is all that is left
        log.warning("could not tell %s what went wrong: %s", slack.user_id, error)


def _slack(
    body: dict[str, Any], context: dict[str, Any], client: WebClient, respond: Respond | None
) -> Slack:
    event = body.get("event") if isinstance(body.get("event"), dict) else {}
    team = body.get("team") if isinstance(body.get("team"), dict) else {}
    user = body.get("user") if isinstance(body.get("user"), dict) else {}
    return Slack(
        client=client,
        team_id=str(context.get("team_id") or body.get("team_id") or team.get("id") or ""),
        user_id=str(body.get("user_id") or user.get("id") or event.get("user") or ""),
        trigger_id=str(body.get("trigger_id") or ""),
        # Bolt always passes a ``respond``; it works only when the request had a response_url.
        respond=respond if context.get("response_url") else None,
        channel_id=event.get("channel"),
        thread_ts=event.get("thread_ts"),
    )


def _field_in(view: dict[str, Any], preferred: str) -> str:
    values = (view.get("state") or {}).get("values") or {}
    if preferred in values or not values:
        return preferred
    return next(iter(values))


def _failure(error: Exception, *, words: str | None = None) -> dict[str, Any]:
    return capture.failure_message(database=isinstance(error, SQLAlchemyError), words=words)
