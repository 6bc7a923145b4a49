"""Consent to share an entry beyond the network: given and withdrawn by its author alone,
never for a private entry, an anonymous one only anonymously; a coordinator asks once."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from bot.db import Database
from bot.errors import (
    AlreadyAskedToShare,
    EntryNotFound,
    NotYourEntry,
    OnlyAnonymously,
    PrivateNotShareable,
)
from bot.learning_log import LearningLog
from bot.models import Entry
from conftest import BotUnderTest, FakeClock, message_text
from sandbox import InputValue
from slack_helpers import button, buttons, message_of, modal_values

ANN, BEN, COORD = "UANN", "UBEN", "UCOORD"
T = "T1"


def last_dm(bot: BotUnderTest, user: str) -> dict:
    """The latest message the bot sent the member, as their client holds it."""
    return bot.standin.messages_in(bot.standin.dm_with(user))[-1]


def consent(db: Database, entry_id: int) -> tuple[str, object, object]:
    with db.reading() as session:
        entry = session.get(Entry, entry_id)
        assert entry is not None
        return entry.share_consent, entry.share_consent_at, entry.share_asked_at


# -- the rules, on both stores ------------------------------------------------------------------


def test_an_entry_is_never_shared_by_default(learning_log: LearningLog) -> None:
    saved = learning_log.add_entry(T, ANN, "We listened first", goal="g3")
    assert consent(learning_log.db, saved.entry.id) == ("none", None, None)


def test_the_author_shares_with_their_name_and_the_time_is_kept(
    learning_log: LearningLog, clock: FakeClock
) -> None:
    entry = learning_log.add_entry(T, ANN, "We listened first", goal="g3").entry
    clock.advance(hours=1)
    shared = learning_log.share_entry(T, ANN, entry.id)
    assert shared.share_consent == "named"
    assert consent(learning_log.db, entry.id)[:2] == ("named", clock())


def test_an_anonymous_entry_is_shared_only_anonymously(learning_log: LearningLog) -> None:
    entry = learning_log.add_entry(T, ANN, "Quietly", goal="g1", visibility="anonymous").entry
    with pytest.raises(OnlyAnonymously):
        learning_log.share_entry(T, ANN, entry.id)
    assert consent(learning_log.db, entry.id)[0] == "none"
    learning_log.share_entry(T, ANN, entry.id, anonymously=True)
    assert consent(learning_log.db, entry.id)[0] == "anonymous"


def test_a_private_entry_can_never_be_shared(learning_log: LearningLog) -> None:
    entry = learning_log.add_entry(T, ANN, "Mine alone", goal="g1", visibility="private").entry
    for anonymously in (False, True):
        with pytest.raises(PrivateNotShareable):
            learning_log.share_entry(T, ANN, entry.id, anonymously=anonymously)
    with pytest.raises(PrivateNotShareable):
        learning_log.add_entry(T, ANN, "Mine alone", visibility="private", share=True)
    assert consent(learning_log.db, entry.id)[0] == "none"


def test_only_the_author_shares_and_a_missing_entry_is_said_to_be_missing(
    learning_log: LearningLog,
) -> None:
    entry = learning_log.add_entry(T, ANN, "Ours", goal="g1").entry
    private = learning_log.add_entry(T, ANN, "Mine", goal="g1", visibility="private").entry
    with pytest.raises(NotYourEntry):
        learning_log.share_entry(T, BEN, entry.id)
    with pytest.raises(EntryNotFound):
        learning_log.share_entry(T, BEN, private.id)  # another's private entry does not exist
    with pytest.raises(EntryNotFound):
        learning_log.share_entry(T, ANN, 999)
    assert consent(learning_log.db, entry.id)[0] == "none"


def test_editing_a_shared_entrys_text_withdraws_consent_until_given_again(
    learning_log: LearningLog,
) -> None:
    entry = learning_log.add_entry(T, ANN, "First words", goal="g1", share=True).entry
    assert entry.share_consent == "named"
    same = learning_log.edit_entry(T, ANN, entry.id, text="First words", goal="g2")
    assert (same.share_consent, same.share_withdrawn) == ("named", False)
    edited = learning_log.edit_entry(T, ANN, entry.id, text="Second thoughts")
    assert (edited.share_consent, edited.share_withdrawn) == ("none", True)
    assert learning_log.share_entry(T, ANN, entry.id).share_consent == "named"


def test_making_a_shared_entry_private_withdraws_and_anonymous_keeps_it_anonymously(
    learning_log: LearningLog,
) -> None:
    entry = learning_log.add_entry(T, ANN, "Words", goal="g1", share=True).entry
    assert learning_log.edit_entry(T, ANN, entry.id, visibility="anonymous").share_consent == (
        "anonymous"
    )
    assert learning_log.edit_entry(T, ANN, entry.id, visibility="network").share_consent == (
        "anonymous"
    )
    assert learning_log.edit_entry(T, ANN, entry.id, visibility="private").share_consent == "none"


def test_unshare_withdraws_and_delete_and_forget_me_leave_nothing_to_share(
    learning_log: LearningLog,
) -> None:
    first = learning_log.add_entry(T, ANN, "One", goal="g1", share=True).entry
    second = learning_log.add_entry(T, ANN, "Two", goal="g1", share=True).entry
    third = learning_log.add_entry(T, ANN, "Three", goal="g1", share=True).entry
    learning_log.unshare_entry(T, ANN, first.id)
    assert consent(learning_log.db, first.id)[0] == "none"
    learning_log.delete_entry(T, ANN, second.id)
    learning_log.forget_me(T, ANN)
    with learning_log.db.reading() as session:
        assert session.scalars(select(Entry.id).where(Entry.id == third.id)).all() == []


def test_a_coordinator_asks_once_per_entry_whatever_the_answer(learning_log: LearningLog) -> None:
    entry = learning_log.add_entry(T, ANN, "Ask me", goal="g1").entry
    author, seen = learning_log.ask_to_share(T, COORD, entry.id)
    assert (author, seen.id, seen.is_mine) == (ANN, entry.id, True)
    with pytest.raises(AlreadyAskedToShare):
        learning_log.ask_to_share(T, COORD, entry.id)
    learning_log.answer_share_request(T, ANN, entry.id, "none")
    with pytest.raises(AlreadyAskedToShare):
        learning_log.ask_to_share(T, "UOTHERCOORD", entry.id)
    assert consent(learning_log.db, entry.id)[0] == "none"


def test_nobody_is_asked_about_a_private_or_an_already_shared_entry(
    learning_log: LearningLog,
) -> None:
    private = learning_log.add_entry(T, ANN, "Mine", goal="g1", visibility="private").entry
    shared = learning_log.add_entry(T, ANN, "Ours", goal="g1", share=True).entry
    with pytest.raises(EntryNotFound):
        learning_log.ask_to_share(T, COORD, private.id)
    with pytest.raises(AlreadyAskedToShare) as refused:
        learning_log.ask_to_share(T, COORD, shared.id)
    assert refused.value.consented


# -- in Slack ----------------------------------------------------------------------------------


@pytest.fixture
def network(sqlite_db: Database, clock: FakeClock) -> Iterator[BotUnderTest]:
    from conftest import _make_bot

    for bot in _make_bot(sqlite_db, clock, KINDNESS_ADMINS=COORD):
        bot.standin.add_user(ANN, "Ann")
        bot.standin.add_user(BEN, "Ben")
        bot.standin.add_user(COORD, "Cora")
        yield bot


def test_share_and_unshare_commands(bot: BotUnderTest) -> None:
    bot.slack.command("log g3 We listened first", user=ANN)
    [entry] = bot.entries()
    answer = bot.answer_text(bot.slack.command(f"share {entry.id}", user=ANN))
    assert f"#{entry.id} may be shared beyond the network, with your name" in answer
    assert bot.entries()[0].share_consent == "named"
    answer = bot.answer_text(bot.slack.command(f"share #{entry.id} anonymously", user=ANN))
    assert "anonymously, without your name" in answer
    assert bot.entries()[0].share_consent == "anonymous"
    answer = bot.answer_text(bot.slack.command(f"unshare {entry.id}", user=ANN))
    assert "no longer shared beyond the network" in answer
    assert bot.entries()[0].share_consent == "none"


@pytest.mark.parametrize(
    ("setup", "command", "expected"),
    [
        ("log g1 Ben's words", "share 1", "belongs to another member"),
        ("log g1 Ann's words", "share 999", "I can't find entry #999"),
        ("log g1 Ann's words", "share", "I can't find entry #?"),
        ("log g1 Ann's words", "share 1 loudly", "`loudly` is not an option I know"),
        ("log g1 Ann's words", "unshare 1 anonymously", "`anonymously` is not an option"),
    ],
)
def test_share_refusals_say_what_to_change(
    bot: BotUnderTest, setup: str, command: str, expected: str
) -> None:
    bot.slack.command(setup, user=BEN if "Ben" in setup else ANN)
    answer = bot.answer_text(bot.slack.command(command, user=ANN))
    assert expected in answer and "Usage: `/kindness" in answer
    assert [e.share_consent for e in bot.entries()] == ["none"]


def test_share_of_a_private_or_an_anonymous_entry_with_a_name_is_refused(bot: BotUnderTest) -> None:
    bot.log.add_entry(bot.standin.team_id, ANN, "Mine", goal="g1", visibility="private")
    bot.log.add_entry(bot.standin.team_id, ANN, "Quiet", goal="g1", visibility="anonymous")
    private = bot.answer_text(bot.slack.command("share 1", user=ANN))
    assert "Entry #1 is private" in private and "cannot be shared" in private
    named = bot.answer_text(bot.slack.command("share 2", user=ANN))
    assert "`/kindness share 2 anonymously`" in named
    assert [e.share_consent for e in bot.entries()] == ["none", "none"]


def test_the_log_modal_has_an_unticked_share_box_and_ticking_it_consents(
    bot: BotUnderTest,
) -> None:
    bot.slack.command("log", user=ANN)
    view = bot.standin.last("views.open").args["view"]
    share = next(b for b in view["blocks"] if b.get("block_id") == "share")
    assert share["optional"] and "initial_options" not in share["element"]
    values = modal_values("We listened first", visibility="anonymous")
    values["share"] = {"share": InputValue.checkboxes([("share", "It may be shared")])}
    reply = bot.slack.view_submission("log_entry", values, user=ANN)
    assert reply.json["response_action"] == "update"
    [entry] = bot.entries()
    assert (entry.share_consent, entry.visibility) == ("anonymous", "anonymous")


def test_ticking_share_on_a_private_entry_keeps_the_modal_open_and_stores_nothing(
    bot: BotUnderTest,
) -> None:
    values = modal_values("Only mine", visibility="private")
    values["share"] = {"share": InputValue.checkboxes([("share", "It may be shared")])}
    reply = bot.slack.view_submission("log_entry", values, user=ANN)
    assert reply.json["response_action"] == "errors"
    assert "private" in reply.json["errors"]["share"]
    assert bot.entries() == []


def test_the_share_button_under_my_entry_shares_and_then_offers_to_stop(bot: BotUnderTest) -> None:
    bot.slack.command("log g3 We listened first", user=ANN)
    bot.log.add_entry(bot.standin.team_id, ANN, "Private", goal="g1", visibility="private")
    mine = message_of(bot, bot.slack.command("mine", user=ANN))
    labels = [b["text"]["text"] for b in buttons(mine)]
    assert labels.count("Share beyond the network") == 1  # none under the private entry
    share = button(mine, "Share beyond the network")
    reply = bot.slack.block_action(share["action_id"], share["value"], user=ANN, message=mine)
    assert "may be shared beyond the network" in bot.answer_text(reply)
    assert bot.entries()[0].share_consent == "named"
    mine = message_of(bot, bot.slack.command("mine", user=ANN))
    stop = button(mine, "Stop sharing")
    bot.slack.block_action(stop["action_id"], stop["value"], user=ANN, message=mine)
    assert bot.entries()[0].share_consent == "none"


def test_editing_a_shared_entry_says_consent_is_withdrawn(bot: BotUnderTest) -> None:
    entry = bot.log.add_entry(bot.standin.team_id, ANN, "First", goal="relationships", share=True)
    reply = bot.slack.view_submission(
        "edit_entry_modal",
        modal_values("Second thoughts"),
        user=ANN,
        private_metadata=json.dumps({"entry": entry.entry.id}),
    )
    shown = message_text(reply.json["view"])
    assert "after this change it is not, until you agree again" in shown
    assert bot.entries()[0].share_consent == "none"


def test_a_coordinator_asks_from_search_and_the_author_answers_in_a_dm(
    network: BotUnderTest,
) -> None:
    bot = network
    bot.slack.command("log g3 We listened first", user=ANN)
    # A member sees no *Ask to share*; a coordinator does.
    assert not [
        b
        for b in buttons(message_of(bot, bot.slack.command("search listened", user=BEN)))
        if b["text"]["text"] == "Ask to share"
    ]
    found = message_of(bot, bot.slack.command("search listened", user=COORD))
    ask = button(found, "Ask to share")
    reply = bot.slack.block_action(ask["action_id"], ask["value"], user=COORD, message=found)
    assert "I have asked the author of #1" in bot.answer_text(reply)
    dm = last_dm(bot, ANN)
    assert "May the network share your story #1" in dm["text"]
    labels = [b["text"]["text"] for b in buttons(dm)]
    assert labels == ["Yes, with my name", "Yes, anonymously", "No"]

    # Ben cannot answer for Ann.
    yes = button(dm, "Yes, with my name")
    bot.slack.block_action(yes["action_id"], yes["value"], user=BEN, message=dm)
    assert bot.entries()[0].share_consent == "none"
    anonymously = button(dm, "Yes, anonymously")
    reply = bot.slack.block_action(
        anonymously["action_id"], anonymously["value"], user=ANN, message=dm
    )
    assert "anonymously, without your name" in bot.answer_text(reply)
    assert bot.entries()[0].share_consent == "anonymous"

    # Asked once: a second click is refused, and no second DM goes out.
    sent = len(bot.standin.calls_to("chat.postMessage"))
    reply = bot.slack.block_action(ask["action_id"], ask["value"], user=COORD, message=found)
    assert "already agreed to share it" in bot.answer_text(reply)
    assert len(bot.standin.calls_to("chat.postMessage")) == sent


def test_an_anonymous_entrys_author_is_offered_no_yes_with_my_name(network: BotUnderTest) -> None:
    bot = network
    bot.log.add_entry(
        bot.standin.team_id, ANN, "Quietly listened", goal="g1", visibility="anonymous"
    )
    found = message_of(bot, bot.slack.command("search listened", user=COORD))
    ask = button(found, "Ask to share")
    bot.slack.block_action(ask["action_id"], ask["value"], user=COORD, message=found)
    dm = last_dm(bot, ANN)
    assert [b["text"]["text"] for b in buttons(dm)] == ["Yes, anonymously", "No"]
    assert "Ann" not in bot.answer_text(bot.slack.command("search listened", user=COORD))


def test_a_member_who_presses_ask_to_share_is_refused_and_nobody_is_asked(
    network: BotUnderTest,
) -> None:
    bot = network
    bot.slack.command("log g3 We listened first", user=ANN)
    found = message_of(bot, bot.slack.command("search listened", user=COORD))
    ask = button(found, "Ask to share")
    reply = bot.slack.block_action(ask["action_id"], ask["value"], user=BEN, message=found)
    assert "Only the network's coordinators" in bot.answer_text(reply)
    assert bot.standin.calls_to("chat.postMessage") == []
    assert bot.entries()[0].share_asked_at is None


def test_app_home_offers_coordinators_ask_to_share_beside_the_latest(network: BotUnderTest) -> None:
    bot = network
    bot.slack.command("log g3 We listened first", user=ANN)
    bot.slack.event({"type": "app_home_opened", "user": COORD, "tab": "home"})
    home = bot.standin.home_view(COORD)
    assert [b for b in buttons(home) if b["text"]["text"] == "Ask to share"]
    bot.slack.event({"type": "app_home_opened", "user": BEN, "tab": "home"})
    assert not [
        b for b in buttons(bot.standin.home_view(BEN)) if b["text"]["text"] == "Ask to share"
    ]


# -- the migration ----------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request: pytest.FixtureRequest, tmp_path) -> Iterator[Database]:
    if request.param == "sqlite":
        db = Database(f"sqlite:///{tmp_path / 'empty.db'}")
    else:
        server = request.getfixturevalue("postgres")
        db = Database(server.create_database(f"share_{abs(hash(tmp_path)) % 10**9}"))
    yield db
    db.dispose()


def test_0011_adds_consent_unshared_and_goes_back_and_forth(empty_database: Database) -> None:
    from alembic import command
    from sqlalchemy import inspect, text

    from bot.db import alembic_config

    db = empty_database

    def migrate(revision: str, *, down: bool = False) -> None:
        engine = db.engine.execution_options(sqlite_immediate=True)
        with engine.connect() as connection, connection.begin():
            (command.downgrade if down else command.upgrade)(alembic_config(connection), revision)

    migrate("0009")
    with db.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO workspaces (team_id, timezone, created_at, updated_at) "
                "VALUES ('T1', 'UTC', '2026-11-01 10:00:00', '2026-11-01 10:00:00')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO entries (team_id, user_id, kind, text, visibility, source, "
                "created_at, updated_at) VALUES ('T1', 'U1', 'story', 'Before', 'network', "
                "'slash', '2026-11-01 10:00:00', '2026-11-01 10:00:00')"
            )
        )
    migrate("0011")
    with db.engine.connect() as connection:
        row = connection.execute(
            text("SELECT share_consent, share_consent_at, share_asked_at FROM entries")
        ).one()
    assert tuple(row) == ("none", None, None)  # never shared by default, old entries too
    assert "site_builds" in inspect(db.engine).get_table_names()
    endorsing = {"endorsed_on", "endorsement_url"}
    assert endorsing <= {c["name"] for c in inspect(db.engine).get_columns("organisations")}
    migrate("0009", down=True)
    columns = {c["name"] for c in inspect(db.engine).get_columns("entries")}
    assert not columns & {"share_consent", "share_consent_at", "share_asked_at"}
    assert "site_builds" not in inspect(db.engine).get_table_names()
    assert not endorsing & {c["name"] for c in inspect(db.engine).get_columns("organisations")}
    migrate("head")
    with db.engine.connect() as connection:
        assert connection.execute(text("SELECT text FROM entries")).scalar_one() == "Before"
