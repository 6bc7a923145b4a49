"""Every listener, wrapped once: store first, answer in the ack, Slack calls after it.

A listener is a plain module-level function that names what it needs as its parameters
(``services``, ``body``, ``team_id``, ``click``…: see ``Listeners``) and returns an ``Answer``;
``handlers.register`` wraps each one here, once, and hands it to Bolt. The ``Answer`` is:

- ``ack``: the body of the HTTP answer Slack gets. For a slash command it is the member's
  answer (``say(message)``: Slack shows a command's ack body as an ephemeral message); for a
  modal submission, its ``response_action`` (``update_view``, ``field_errors``); for buttons,
  shortcuts and events, nothing (``later(...)``).
- ``then``: Slack work to do after the ack, each a function of ``AfterAck`` (``reply(message)``,
  ``open_modal(view)``, or any function that calls the Slack port, ``slack.port``). It runs on
  the app's listener executor, so the member's answer never waits for Slack.

Listeners reach Slack only through the port (``bot.slack.port.SlackPort``, the jobs' own): the
work after the ack through ``AfterAck.port``, and the one check a few listeners make before
their answer through the ``slack`` they are given.

The listener's database work (the service commits) is done before it returns, so an ack is a
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

Every run is logged at DEBUG — its kind, the listener's name, how it ended (answered, refused,
failed), the workspace and the member — by ids, never by the member's words.
"""

from __future__ import annotations

import inspect
import json
import logging
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, BoltRequest, BoltResponse, Respond
from slack_sdk.oauth.installation_store import InstallationStore
from sqlalchemy.exc import SQLAlchemyError

from bot.blocks import kit, refusals
from bot.db import member_waiting
from bot.errors import LogError
from bot.services import Services
from bot.slack.client import WebApiSlack
from bot.slack.port import NO_ANSWER, SlackError, SlackPort

log = logging.getLogger(__name__)

BoltListener = Callable[..., BoltResponse | None]


class SlackReplyRefused(Exception):
    """A ``response_url`` did not take the answer (expired, used up, or invalid)."""

    def __init__(self, status: int, body: str) -> None:
        super().__init__(f"response_url answered {status}: {body}")
        self.reason = body or str(status)


@dataclass
class AfterAck:
    """Slack after the ack, for one request: the workspace's Slack port, and the way back to
    the member who asked (the response_url, when the request carried one: not the Web API)."""

    port: SlackPort
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
            self.port.ephemeral(self.channel_id, self.user_id, message, thread_ts=self.thread_ts)
        else:
            self.port.dm(self.user_id, message)

    def open_modal(self, view: dict[str, Any]) -> None:
        self.port.open_modal(self.trigger_id, view)

    def update_modal(self, view_id: str, view: dict[str, Any]) -> None:
        """An open modal shown again, changed (a click inside it)."""
        self.port.update_modal(view_id, view)


SlackWork = Callable[[AfterAck], None]


@dataclass(frozen=True)
class Answer:
    """What a listener returns: the ack's body, and the Slack work to do after it."""

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


def words_back(text: str | None) -> tuple[SlackWork, ...]:
    """After a refusal or a failure that quotes the member's unsaved words: when one message
    cannot show them all (``refusals.words_fit``), the file with every one of them, in their
    DM."""
    if not text or refusals.words_fit(text):
        return ()
    filename, content, comment = refusals.words_file(text)

    def send_words(slack: AfterAck) -> None:
        slack.port.upload(
            content, filename=filename, title="Your words", comment=comment, to_member=slack.user_id
        )

    return (send_words,)


def refusal(error: LogError, *, usage: str | None = None, replace: bool = False) -> Answer:
    """A refusal after the ack (a button, a shortcut, an event): its words, and the file of
    the member's words when they are too many for one message."""
    message = refusals.error_message(error, usage=usage)
    return later(reply(message, replace=replace), *words_back(error.text))


def reply(message: dict[str, Any], *, replace: bool = False) -> SlackWork:
    def send(slack: AfterAck) -> None:
        slack.reply(message, replace=replace)

    send.__qualname__ = "reply"
    return send


def open_modal(view: dict[str, Any]) -> SlackWork:
    def send(slack: AfterAck) -> None:
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
        view = body.get("view") if isinstance(body.get("view"), dict) else {}
        self.on_home = view.get("type") == "home"
        # A click inside a modal: its id, to show it again changed (views.update).
        self.modal_id: str | None = view.get("id") if view.get("type") == "modal" else None
        self.modal_metadata: dict[str, Any] = kit.metadata(view)
        channel = body.get("channel") if isinstance(body.get("channel"), dict) else {}
        container = body.get("container") if isinstance(body.get("container"), dict) else {}
        self.channel_id: str | None = channel.get("id") or container.get("channel_id")

    @property
    def entry_id(self) -> int:
        try:
            return int(self.value.get("entry", 0))
        except (TypeError, ValueError):
            return 0


# What every listener may ask for, by parameter name (as Bolt's own listeners do):
#   services  the configuration, storage and the learning log
#   body      the request as Slack sent it
#   team_id   the workspace it came from; user_id: the member who sent it
# and what each kind adds. ``slack`` (the Slack port) is given only where one Slack call must
# come before the answer (a coordinator's rights, checked once with a short timeout); every
# other Slack call belongs after the ack, in the answer's ``then``.
COMMON = frozenset({"services", "body", "team_id", "user_id"})
COMMAND_GIVES = COMMON | {"slack"}
BUTTON_GIVES = COMMON | {"click"}
# A button that runs a command (the "did you mean" one) checks a coordinator's rights as the
# command does, with the one Slack call a command may make before its answer.
COMMAND_BUTTON_GIVES = BUTTON_GIVES | {"slack"}
SHORTCUT_GIVES = COMMON
SUBMISSION_GIVES = COMMON | {"view", "slack"}
EVENT_GIVES = COMMON | {"event", "installation_store"}


class Listeners:
    """Turns listener functions into Bolt listeners, each wrapped the same way: the function
    runs under ``member_waiting()`` and returns an ``Answer``; a refusal (``LogError``) and any
    other exception are answered as its kind answers them, the latter logged with its
    traceback; the ack goes out, then the Slack work runs on ``after_ack``.

    A listener function names what it needs (``COMMON`` and its kind's additions); asking
    for anything else fails at registration, not at a member's first click."""

    def __init__(
        self,
        services: Services,
        *,
        after_ack: Executor,
        installation_store: InstallationStore | None = None,
    ) -> None:
        self.services = services
        self.after_ack = after_ack
        self.installation_store = installation_store

    def command(self, handle: Callable[..., Answer]) -> BoltListener:
        """A slash command: its answer travels in the ack."""

        def failed(error: Exception, body: dict[str, Any]) -> Answer:
            # The words are quoted back when the command carried more than a subcommand's name.
            words = str(body.get("text") or "").strip()
            typed = f"{body.get('command', '')} {words}" if len(words.split()) > 1 else None
            return say(_failure(error, words=typed), *words_back(typed))

        return self._wrap(
            "slash command",
            handle,
            COMMAND_GIVES,
            refused=lambda error, body: say(refusals.error_message(error), *words_back(error.text)),
            failed=failed,
        )

    def button(
        self,
        handle: Callable[..., Answer],
        *,
        replace_on_refusal: Callable[[LogError], bool] = lambda error: False,
        runs_a_command: bool = False,
    ) -> BoltListener:
        """A button: the click's change is committed before the ack, shown after it.
        ``runs_a_command``: it runs a slash command's subcommand, and is given what one is."""
        return self._wrap(
            "button",
            handle,
            COMMAND_BUTTON_GIVES if runs_a_command else BUTTON_GIVES,
            refused=lambda error, body: refusal(error, replace=replace_on_refusal(error)),
            failed=lambda error, body: later(reply(_failure(error))),
        )

    def shortcut(self, handle: Callable[..., Answer]) -> BoltListener:
        """A shortcut: what it opens or says goes in ``then``."""
        return self._wrap(
            "shortcut",
            handle,
            SHORTCUT_GIVES,
            refused=lambda error, body: refusal(error),
            failed=lambda error, body: later(reply(_failure(error))),
        )

    def submission(self, handle: Callable[..., Answer], *, error_field: str) -> BoltListener:
        """A modal's submission, stored before it is answered. A failure keeps the modal open,
        with the member's words in it, and says so under ``error_field`` (or the first input,
        when the modal has no such field)."""
        return self._wrap(
            "modal submission",
            handle,
            SUBMISSION_GIVES,
            refused=lambda error, body: field_errors(
                {_field_in(_view_of(body), error_field): refusals.explain(error)}
            ),
            failed=lambda error, body: field_errors(
                {_field_in(_view_of(body), error_field): refusals.FAILED_IN_FORM}
            ),
        )

    def event(self, handle: Callable[..., Answer]) -> BoltListener:
        """An event, whose words are stored before Slack gets its 200.

        An exception answers 503: the event was not stored, and Slack's retry is the way back.
        What an event answered 503 says to the member is said on its first delivery only, and
        a failure after the ack is logged, not told: the member did not ask anything."""
        return self._wrap(
            "event",
            handle,
            EVENT_GIVES,
            refused=lambda error, body: later(),
            failed=lambda error, body: send_again(),
            quiet=True,
        )

    # -- running them ----------------------------------------------------------------------------

    def _wrap(
        self,
        what: str,
        handle: Callable[..., Answer],
        gives: frozenset[str],
        *,
        refused: Callable[[LogError, dict[str, Any]], Answer],
        failed: Callable[[Exception, dict[str, Any]], Answer],
        quiet: bool = False,
    ) -> BoltListener:
        name = getattr(handle, "__qualname__", repr(handle))
        wanted = _asks_for(handle, name, what, gives)

        def listener(
            ack: Ack,
            body: dict[str, Any],
            client: Any,  # Bolt's WebClient for this request: only ever wrapped in the port
            respond: Respond | None,
            context: dict[str, Any],
            request: BoltRequest | None = None,
        ) -> BoltResponse | None:
            slack = _after_ack(body, context, WebApiSlack(client), respond)
            slack.quiet = quiet
            try:
                with member_waiting():
                    answer = handle(**self._given(wanted, body, slack))
                outcome = "answered"
            except LogError as error:
                answer = refused(error, body)
                outcome = f"refused ({type(error).__name__})"
            except Exception as error:
                log.exception(
                    "%s %s failed before its answer (workspace %s, member %s)",
                    what,
                    name,
                    slack.team_id or "?",
                    slack.user_id or "?",
                )
                answer = failed(error, body)
                outcome = "failed"
            retried = request is not None and request.headers.get("x-slack-retry-num")
            if answer.status != 200 and retried:
                answer = Answer(status=answer.status)  # the member was told the first time
            log.debug(
                "%s %s %s (workspace %s, member %s)",
                what,
                name,
                outcome,
                slack.team_id or "?",
                slack.user_id or "?",
            )
            return self._finish(ack, answer, slack)

        listener.__qualname__ = listener.__name__ = name
        return listener

    def _given(
        self, wanted: tuple[str, ...], body: dict[str, Any], slack: AfterAck
    ) -> dict[str, Any]:
        values: dict[str, Callable[[], Any]] = {
            "services": lambda: self.services,
            "body": lambda: body,
            "team_id": lambda: slack.team_id,
            "user_id": lambda: slack.user_id,
            "slack": lambda: slack.port,
            "click": lambda: Click(body, slack.team_id),
            "view": lambda: _view_of(body),
            "event": lambda: _event_of(body),
            "installation_store": lambda: self.installation_store,
        }
        return {name: values[name]() for name in wanted}

    def _finish(self, ack: Ack, answer: Answer, slack: AfterAck) -> BoltResponse | None:
        if answer.ack is None:
            ack()
        else:
            ack(dict(answer.ack))
        if answer.then:
            self.after_ack.submit(_run_after, answer.then, slack)
        if answer.status != 200:
            return BoltResponse(status=answer.status, body="")
        return None


def _asks_for(
    handle: Callable[..., Answer], name: str, what: str, gives: frozenset[str]
) -> tuple[str, ...]:
    wanted = tuple(inspect.signature(handle).parameters)
    unknown = [n for n in wanted if n not in gives]
    if unknown:
        raise TypeError(
            f"{name} asks for {', '.join(unknown)}; a {what} listener is given only "
            f"{', '.join(sorted(gives))}"
        )
    return wanted


def _run_after(work: tuple[SlackWork, ...], slack: AfterAck) -> None:
    """Each step on its own: one failing is answered, and the next still runs. Slack's answer
    saying no is told as Slack's word; a call that got no answer, as any other failure."""
    for step in work:
        name = getattr(step, "__qualname__", repr(step))
        try:
            step(slack)
        except (SlackError, SlackReplyRefused) as error:
            if isinstance(error, SlackError) and error.kind == NO_ANSWER:
                log.exception("%s failed after the ack", name)
                if not slack.quiet:
                    _tell(slack, _failure(error))
                continue
            reason = error.error if isinstance(error, SlackError) else error.reason
            log.warning("Slack refused %s after the ack: %s", name, reason)
            if not slack.quiet:
                _tell(slack, refusals.slack_refused_message(str(reason)))
        except Exception as error:
            log.exception("%s failed after the ack", name)
            if not slack.quiet:
                _tell(slack, _failure(error))


def _tell(slack: AfterAck, message: dict[str, Any]) -> None:
    try:
        slack.reply(message)
    except Exception as error:  # Slack is not listening: the log is all that is left
        log.warning("could not tell %s what went wrong: %s", slack.user_id, error)


def _after_ack(
    body: dict[str, Any], context: dict[str, Any], port: SlackPort, respond: Respond | None
) -> AfterAck:
    event = _event_of(body)
    team = body.get("team") if isinstance(body.get("team"), dict) else {}
    user = body.get("user") if isinstance(body.get("user"), dict) else {}
    return AfterAck(
        port=port,
        team_id=str(context.get("team_id") or body.get("team_id") or team.get("id") or ""),
        user_id=str(body.get("user_id") or user.get("id") or event.get("user") or ""),
        trigger_id=str(body.get("trigger_id") or ""),
        # Bolt always passes a ``respond``; it works only when the request had a response_url.
        respond=respond if context.get("response_url") else None,
        channel_id=event.get("channel"),
        thread_ts=event.get("thread_ts"),
    )


def _view_of(body: dict[str, Any]) -> dict[str, Any]:
    view = body.get("view")
    return view if isinstance(view, dict) else {}


def _event_of(body: dict[str, Any]) -> dict[str, Any]:
    event = body.get("event")
    return event if isinstance(event, dict) else {}


def _field_in(view: dict[str, Any], preferred: str) -> str:
    values = (view.get("state") or {}).get("values") or {}
    if preferred in values or not values:
        return preferred
    return next(iter(values))


def _failure(error: Exception, *, words: str | None = None) -> dict[str, Any]:
    return refusals.failure_message(database=isinstance(error, SQLAlchemyError), words=words)
