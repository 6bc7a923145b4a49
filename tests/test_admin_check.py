"""Whether a member is a Slack admin: asked of Slack once, remembered for a short life, and the
only Slack call a listener makes before its answer (docs/architecture.md: "Slack calls run
after the ack").

Through the signed endpoint against the stand-in, which records every Web API call.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.expiring import ExpiringAnswers
from bot.services import ADMIN_ANSWER_LIFE
from conftest import BotUnderTest, FakeClock
from handlers.commands import SUBCOMMANDS

BOSS, ANN = "UBOSS", "UANN"


def users_info_asked(bot: BotUnderTest) -> int:
    return len(bot.standin.calls_to("users.info"))


def audit(bot: BotUnderTest, user: str) -> str:
    """``/kindness audit``: a coordinator's command whose answer depends on Slack's word."""
    return bot.answer_text(bot.slack.command("audit", user=user))


# -- through Slack ---------------------------------------------------------------------------


def test_two_coordinator_commands_in_a_row_ask_slack_once(bot: BotUnderTest) -> None:
    bot.standin.add_user(BOSS, name="boss", is_admin=True)
    first, second = audit(bot, BOSS), audit(bot, BOSS)
    assert "Only the network's coordinators" not in first + second
    assert users_info_asked(bot) == 1
    assert bot.standin.last("users.info").args["user"] == BOSS


def test_slack_is_asked_again_once_the_answer_is_too_old(
    bot: BotUnderTest, clock: FakeClock
) -> None:
    bot.standin.add_user(BOSS, name="boss", is_admin=True)
    audit(bot, BOSS)
    clock.advance(seconds=ADMIN_ANSWER_LIFE.total_seconds() - 1)
    audit(bot, BOSS)
    assert users_info_asked(bot) == 1
    clock.advance(seconds=1)
    audit(bot, BOSS)
    assert users_info_asked(bot) == 2


def test_a_member_made_an_admin_is_seen_once_the_life_ends(
    bot: BotUnderTest, clock: FakeClock
) -> None:
    bot.standin.add_user(ANN, name="ann")
    assert "coordinators" in audit(bot, ANN).lower()
    refused = audit(bot, ANN)
    bot.standin.add_user(ANN, name="ann", is_admin=True)  # made an admin in Slack
    assert audit(bot, ANN) == refused  # Slack's last word is still trusted
    clock.advance(seconds=ADMIN_ANSWER_LIFE.total_seconds())
    assert audit(bot, ANN) != refused
    assert users_info_asked(bot) == 2


def test_an_admin_check_slack_could_not_answer_is_not_remembered(bot: BotUnderTest) -> None:
    bot.standin.add_user(BOSS, name="boss", is_admin=True)
    bot.standin.fail_next("users.info", status=503)
    unconfirmed = audit(bot, BOSS)
    confirmed = audit(bot, BOSS)
    assert confirmed != unconfirmed
    assert "Only the network's coordinators" not in confirmed
    assert users_info_asked(bot) == 2


def test_the_answer_is_remembered_per_workspace_and_member(bot: BotUnderTest) -> None:
    bot.standin.add_user(BOSS, name="boss", is_admin=True)
    bot.standin.add_user(ANN, name="ann")
    audit(bot, BOSS)
    audit(bot, ANN)
    audit(bot, BOSS)
    audit(bot, ANN)
    assert sorted(c.args["user"] for c in bot.standin.calls_to("users.info")) == [ANN, BOSS]
    assert bot.services.admin_answers.get((bot.standin.team_id, BOSS)) is True
    assert bot.services.admin_answers.get((bot.standin.team_id, ANN)) is False
    assert bot.services.admin_answers.get(("TOTHER", BOSS)) is None


# -- Slack calls after the ack ---------------------------------------------------------------


@pytest.fixture
def before_the_ack(
    bot: BotUnderTest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[list[tuple[str, list[str]]]]:
    """Each command's text, and the Web API methods it called before its answer: every call
    the stand-in saw up to the moment the listener handed its Slack work over to run after
    the ack (or up to the answer, when it had none)."""
    seen: list[tuple[str, list[str]]] = []
    marks: list[int] = []
    submit = bot.executor.submit

    def handed_over(fn, /, *args, **kwargs):
        marks.append(len(bot.standin.calls))
        return submit(fn, *args, **kwargs)

    monkeypatch.setattr(bot.executor, "submit", handed_over)
    command = bot.slack.command

    def command_watched(text: str, *args, **kwargs):
        start = len(bot.standin.calls)
        marks.clear()
        reply = command(text, *args, **kwargs)
        end = marks[0] if marks else len(bot.standin.calls)
        seen.append((text, [call.method for call in bot.standin.calls[start:end]]))
        return reply

    monkeypatch.setattr(bot.slack, "command", command_watched)
    yield seen


def test_every_command_calls_slack_after_its_answer_but_the_admin_check(
    bot: BotUnderTest, before_the_ack: list[tuple[str, list[str]]]
) -> None:
    """Every subcommand's example, by a Slack admin and by a member: before the answer, Slack
    is asked at most whether the member is an admin, and that once per member (remembered).

    Bolt's own ``auth.test`` (who the bot is, learnt on the first request a process serves,
    once) is the one call that is not the bot's."""
    bot.standin.add_user(BOSS, name="boss", is_admin=True)
    bot.standin.add_user(ANN, name="ann")
    framework = bot.services.framework
    for user in (BOSS, ANN):
        bot.slack.command("log action g3 Ask what would help", user=user)
        for sub in SUBCOMMANDS:
            example = sub.example_in(framework).removeprefix("/kindness ")
            reply = bot.slack.command(example, user=user)
            assert reply.status == 200, example
    (_, first), *rest = before_the_ack
    assert set(first) <= {"auth.test", "users.info"}, first
    for text, methods in rest:
        assert set(methods) <= {"users.info"}, (text, methods)
    # Each member's standing was asked once and remembered (users.info is also how names
    # are read, for the files, so its calls are not all admin checks).
    assert len(bot.services.admin_answers) == 2
    assert len(before_the_ack) == 2 * (len(SUBCOMMANDS) + 1)


def test_the_admin_check_is_the_call_before_an_answer_and_only_the_first_time(
    bot: BotUnderTest, before_the_ack: list[tuple[str, list[str]]]
) -> None:
    bot.standin.add_user(BOSS, name="boss", is_admin=True)
    bot.slack.command("goals", user=BOSS)  # the process's first request (Bolt's auth.test)
    audit(bot, BOSS)
    audit(bot, BOSS)
    assert before_the_ack[1:] == [("audit", ["users.info"]), ("audit", [])]


# -- the memory itself -----------------------------------------------------------------------


def memory(clock: FakeClock, size: int = 3) -> ExpiringAnswers[str, bool]:
    return ExpiringAnswers(clock=clock, life=timedelta(minutes=5), size=size)


def test_an_answer_lives_its_life_and_no_longer() -> None:
    clock = FakeClock(datetime(2026, 12, 7, 9, 0, tzinfo=UTC))
    answers = memory(clock)
    answers.put("a", False)
    assert answers.get("a") is False
    clock.advance(minutes=4, seconds=59)
    assert answers.get("a") is False
    clock.advance(seconds=1)
    assert answers.get("a") is None
    assert len(answers) == 0  # forgotten, not only hidden


def test_a_clock_set_back_does_not_stretch_an_answers_life() -> None:
    clock = FakeClock(datetime(2026, 12, 7, 9, 0, tzinfo=UTC))
    answers = memory(clock)
    answers.put("a", True)
    clock.advance(hours=-1)
    assert answers.get("a") is None


def test_past_its_size_the_oldest_answer_is_forgotten_first() -> None:
    clock = FakeClock(datetime(2026, 12, 7, 9, 0, tzinfo=UTC))
    answers = memory(clock, size=2)
    answers.put("a", True)
    answers.put("b", True)
    answers.put("a", False)  # given again: now the newest
    answers.put("c", True)
    assert (answers.get("a"), answers.get("b"), answers.get("c")) == (False, None, True)
    assert len(answers) == 2
