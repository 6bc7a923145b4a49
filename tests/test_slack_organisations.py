"""Organisations, why a story matters and outcomes, through the signed endpoint: what is stored,
what Slack was sent and what the member is told."""

from __future__ import annotations

import csv
import io
import json

import pytest
from sqlalchemy import select

from bot.export import write_export
from bot.models import Member, Organisation
from conftest import BotUnderTest, message_text
from sandbox import InputValue
from slack_helpers import NETWORK_CHANNEL, button, message_of, modal_values, post_prompt

ANN, BEN, CAT, BOSS = "UANN", "UBEN", "UCAT", "UBOSS"


def organisations(bot: BotUnderTest) -> dict[str, str | None]:
    """Each member's organisation, by member id."""
    with bot.services.db.reading() as session:
        rows = session.execute(
            select(Member.user_id, Organisation.name).outerjoin(
                Organisation, Organisation.id == Member.organisation_id
            )
        ).all()
    return dict(rows)


def organisation_rows(bot: BotUnderTest) -> list[str]:
    with bot.services.db.reading() as session:
        return sorted(session.scalars(select(Organisation.name)))


# -- /kindness org --------------------------------------------------------------------------------


def test_a_member_says_where_they_are_from_sees_it_and_clears_it(bot: BotUnderTest) -> None:
    answer = bot.answer_text(bot.slack.command("org NHS Fife", user=ANN))
    assert "you are from *NHS Fife*" in answer
    assert organisations(bot) == {ANN: "NHS Fife"}
    assert "You are from *NHS Fife*" in bot.answer_text(bot.slack.command("org", user=ANN))
    answer = bot.answer_text(bot.slack.command("org none", user=ANN))
    assert "no longer say" in answer
    assert organisations(bot) == {ANN: None}
    assert "have not said" in bot.answer_text(bot.slack.command("org", user=ANN))
    assert organisation_rows(bot) == ["NHS Fife"]  # kept for the entries written under it


def test_the_same_name_however_typed_is_one_organisation(bot: BotUnderTest) -> None:
    bot.slack.command("org NHS Fife", user=ANN)
    answer = bot.answer_text(bot.slack.command("org nhs  fife", user=BEN))
    assert "you are from *NHS Fife*" in answer
    assert organisations(bot) == {ANN: "NHS Fife", BEN: "NHS Fife"}
    assert organisation_rows(bot) == ["NHS Fife"]


def test_a_name_a_typo_away_is_offered_and_the_member_chooses(bot: BotUnderTest) -> None:
    bot.slack.command("org NHS Fife", user=ANN)
    reply = bot.slack.command("org NHS Fiffe", user=BEN)
    offer = message_of(bot, reply)
    assert "already has *NHS Fife*" in message_text(offer)
    assert organisations(bot) == {ANN: "NHS Fife"}  # nothing stored until Ben chooses
    use = button(offer, "Use NHS Fife")
    clicked = bot.slack.block_action(use["action_id"], use["value"], user=BEN, message=offer)
    assert "you are from *NHS Fife*" in bot.answer_text(clicked)
    assert organisations(bot) == {ANN: "NHS Fife", BEN: "NHS Fife"}

    offer = message_of(bot, bot.slack.command("org NHS Fiffe", user=CAT))
    mine = button(offer, "No, mine is NHS Fiffe")
    bot.slack.block_action(mine["action_id"], mine["value"], user=CAT, message=offer)
    assert organisations(bot)[CAT] == "NHS Fiffe"
    assert organisation_rows(bot) == ["NHS Fife", "NHS Fiffe"]


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("<@UBEN|ben>", "names a person or a channel"),
        ("<https://nhs.scot|nhs.scot>", "is a link"),
        ("www.nhs.scot", "is a link"),
        ("N" * 500, "500 characters; the limit is 100"),
        (":tada: :tada:", "no letters or digits"),
        ("   ", "have not said"),  # blank: shows where they stand
    ],
)
def test_a_name_that_cannot_be_an_organisation_is_answered_and_nothing_stored(
    bot: BotUnderTest, typed: str, said: str
) -> None:
    reply = bot.slack.command(f"org {typed}", user=ANN)
    assert reply.status == 200
    assert said in bot.answer_text(reply)
    assert organisation_rows(bot) == []
    assert organisations(bot).get(ANN) is None


# -- entries carry it -----------------------------------------------------------------------------


def test_an_entry_keeps_its_authors_organisation_and_an_anonymous_one_never_shows_it(
    bot: BotUnderTest,
) -> None:
    bot.slack.command("org Fife Council", user=ANN)
    bot.slack.command("log g3 We listened at the library", user=ANN)
    bot.log.add_entry(
        bot.standin.team_id, ANN, "We listened in secret", goal="g3", visibility="anonymous"
    )
    bot.slack.command("org NHS Fife", user=ANN)  # later: the entries keep the council
    found = bot.answer_text(bot.slack.command("search listened", user=BEN))
    assert "Fife Council" in found and "NHS Fife" not in found
    secret = next(line for line in found.splitlines() if "a member" in line)
    assert "Fife Council" not in secret

    out = io.StringIO()  # the coordinator's CSV: the column, empty for the anonymous one
    write_export(
        bot.services.db,
        bot.services.framework,
        bot.standin.team_id,
        "csv",
        out,
        now=bot.services.clock(),
    )
    rows = {row["text"]: row for row in csv.DictReader(io.StringIO(out.getvalue()))}
    assert rows["We listened at the library"]["organisation"] == "Fife Council"
    assert rows["We listened in secret"]["organisation"] == ""


# -- outcomes and why it matters ------------------------------------------------------------------


def test_an_outcome_is_logged_in_one_line(bot: BotUnderTest) -> None:
    answer = bot.answer_text(
        bot.slack.command("log outcome g3 Ward staff now ask patients first", user=ANN)
    )
    [entry] = bot.entries()
    assert (entry.kind, entry.goal_key) == ("outcome", "relationships")
    assert "Saved your outcome" in answer
    assert "Why it matters" in answer  # the button to add it


def test_the_log_modal_takes_why_it_matters_who_changed_how_we_know_and_the_organisation(
    bot: BotUnderTest,
) -> None:
    bot.slack.command("log", user=ANN)
    view = bot.standin.open_views()[-1]
    blocks = {b.get("block_id") for b in view["blocks"]}
    assert {"why", "who_changed", "how_we_know", "organisation"} <= blocks
    values = modal_values("Discharge letters are now written with families", kind="outcome")
    values["why"] = {"why": InputValue.plain_text("Families know what happens next & why")}
    values["who_changed"] = {"who_changed": InputValue.static_select("staff")}
    values["how_we_know"] = {"how_we_know": InputValue.static_select("figures")}
    values["organisation"] = {"organisation": InputValue.plain_text("NHS Fife")}
    reply = bot.slack.view_submission("log_entry", values, user=ANN, view_id=view["id"])
    assert reply.json["response_action"] == "update"
    [entry] = bot.entries()
    assert (entry.kind, entry.who_changed, entry.how_we_know) == ("outcome", "staff", "figures")
    assert entry.why_it_matters == "Families know what happens next &amp; why"
    assert organisations(bot) == {ANN: "NHS Fife"}
    assert entry.organisation_id is not None  # taken before the entry was stored
    confirmation = message_text(bot.standin.view(view["id"]))
    assert "Why it matters:" in confirmation and "we have figures" in confirmation


def test_the_log_modal_refuses_a_bad_organisation_and_why_for_an_action(
    bot: BotUnderTest,
) -> None:
    values = modal_values("We will ask", kind="action")
    values["why"] = {"why": InputValue.plain_text("Because")}
    values["organisation"] = {"organisation": InputValue.plain_text("<!channel>")}
    reply = bot.slack.view_submission("log_entry", values, user=ANN, view_id="VBAD1")
    assert reply.json["response_action"] == "errors"
    errors = reply.json["errors"]
    assert "names a person or a channel" in errors["organisation"]
    assert "stories and outcomes" in errors["why"]
    assert bot.entries() == [] and organisation_rows(bot) == []


def test_an_outcomes_answers_chosen_before_another_kind_are_let_go(bot: BotUnderTest) -> None:
    values = modal_values("We will ask", kind="action")
    values["who_changed"] = {"who_changed": InputValue.static_select("partners")}
    reply = bot.slack.view_submission("log_entry", values, user=ANN, view_id="VLETGO")
    assert reply.json["response_action"] == "update"
    [entry] = bot.entries()
    assert (entry.kind, entry.who_changed) == ("action", None)


def test_a_typo_in_the_log_modal_is_offered_by_dm_and_the_entry_follows_the_choice(
    bot: BotUnderTest,
) -> None:
    bot.slack.command("org NHS Fife", user=BEN)
    values = modal_values("A story from the ward")
    values["organisation"] = {"organisation": InputValue.plain_text("NHS Fiffe")}
    bot.slack.view_submission("log_entry", values, user=ANN, view_id="VTYPO1")
    [entry] = bot.entries()
    assert entry.organisation_id is None
    offer = bot.standin.last("chat.postMessage").args
    assert offer["channel"] == ANN and "NHS Fife" in offer["text"]
    message = {"ts": "1700000000.000077", "blocks": offer["blocks"], "text": offer["text"]}
    use = button(message, "Use NHS Fife")
    bot.slack.block_action(use["action_id"], use["value"], user=ANN, message=message)
    assert organisations(bot)[ANN] == "NHS Fife"
    assert bot.entries()[0].organisation_id is not None


def test_why_it_matters_after_a_thread_reply(bot: BotUnderTest) -> None:
    prompt = post_prompt(bot)
    bot.slack.event(
        bot.slack.message(
            "I sat with a family for an hour",
            user=ANN,
            channel=NETWORK_CHANNEL,
            thread_ts=prompt["ts"],
        )
    )
    note = bot.standin.last("chat.postEphemeral").args
    message = {"ts": "1700000000.000010", "blocks": note["blocks"], "text": note["text"]}
    why = button(message, "Why it matters")
    bot.slack.block_action(
        why["action_id"], why["value"], user=ANN, message=message, channel=NETWORK_CHANNEL
    )
    view = bot.standin.last("views.open").args["view"]
    assert "what changed, and for whom" in json.dumps(view)
    view_id = bot.standin.open_views()[-1]["id"]
    reply = bot.slack.view_submission(
        "why_it_matters_modal",
        {"why": {"why": InputValue.plain_text("She came back the next week with her sister")}},
        user=ANN,
        view_id=view_id,
        private_metadata=view["private_metadata"],
    )
    assert reply.json["response_action"] == "update"
    [entry] = bot.entries()
    assert entry.why_it_matters == "She came back the next week with her sister"
    shown = bot.answer_text(bot.slack.command("mine", user=ANN))
    assert "Why it matters:" in shown and "her sister" in shown


def test_why_it_matters_is_changed_from_mine(bot: BotUnderTest) -> None:
    saved = bot.log.add_entry(bot.standin.team_id, ANN, "A story", goal="g3").entry
    mine = message_of(bot, bot.slack.command("mine", user=ANN))
    edit = button(mine, "Edit")
    bot.slack.block_action(edit["action_id"], edit["value"], user=ANN, message=mine)
    view = bot.standin.last("views.open").args["view"]
    values = modal_values("A story")
    values["why"] = {"why": InputValue.plain_text("It changed how we meet")}
    bot.slack.view_submission(
        "edit_entry_modal",
        values,
        user=ANN,
        view_id=bot.standin.open_views()[-1]["id"],
        private_metadata=view["private_metadata"],
    )
    assert bot.log.get_entry(bot.standin.team_id, ANN, saved.id).why_it_matters == (
        "It changed how we meet"
    )


# -- welcome and App Home -------------------------------------------------------------------------


def test_the_welcome_asks_once_gently(bot: BotUnderTest) -> None:
    bot.services.settings.apply(bot.standin.team_id, {"channel": NETWORK_CHANNEL}, by_user=None)
    bot.standin.add_channel(NETWORK_CHANNEL, "kindness-network")
    bot.slack.event(bot.slack.member_joined_channel(user=ANN, channel=NETWORK_CHANNEL))
    welcome = bot.standin.last("chat.postEphemeral").args
    assert "`/kindness org" in json.dumps(welcome) and "optional" in json.dumps(welcome)


def test_app_home_offers_the_organisation_and_its_form_sets_it(bot: BotUnderTest) -> None:
    bot.slack.event(bot.slack.app_home_opened(ANN))
    home = bot.standin.home_view(ANN)
    add = button(home, "Add my organisation")
    bot.slack.block_action(add["action_id"], add["value"], user=ANN, view=home["id"])
    form = bot.standin.open_views()[-1]
    reply = bot.slack.view_submission(
        "org_modal",
        {"organisation": {"organisation": InputValue.plain_text("https://fife.gov.uk")}},
        user=ANN,
        view_id=form["id"],
    )
    assert "is a link" in reply.json["errors"]["organisation"]
    bot.slack.view_submission(
        "org_modal",
        {"organisation": {"organisation": InputValue.plain_text("Fife Council")}},
        user=ANN,
        view_id=form["id"],
    )
    assert organisations(bot) == {ANN: "Fife Council"}
    assert "Fife Council" in message_text(bot.standin.home_view(ANN))


# -- coordinators --------------------------------------------------------------------------------


def test_coordinators_list_rename_and_merge_in_slack(bot: BotUnderTest) -> None:
    bot.standin.add_user(BOSS, name="boss", is_admin=True)
    bot.slack.command("org NHS Fife", user=ANN)
    bot.slack.command("org Fife NHS Board", user=BEN)
    refused = bot.answer_text(bot.slack.command("orgs", user=ANN))
    assert "Only the network's coordinators" in refused

    listed = bot.answer_text(bot.slack.command("orgs", user=BOSS))
    assert "Fife NHS Board" in listed and "1 member" in listed
    said = bot.answer_text(
        bot.slack.command("orgs set NHS Fife sector=public place=Fife", user=BOSS)
    )
    assert "*NHS Fife* (public · Fife)" in said
    itself = bot.answer_text(bot.slack.command("orgs merge NHS Fife > nhs fife", user=BOSS))
    assert "cannot be merged into itself" in itself
    onto = bot.answer_text(bot.slack.command("orgs rename Fife NHS Board > NHS  Fife", user=BOSS))
    assert "already exists" in onto and "merge" in onto
    assert organisation_rows(bot) == ["Fife NHS Board", "NHS Fife"]  # nothing half-done

    merged = bot.answer_text(bot.slack.command("orgs merge Fife NHS Board > NHS Fife", user=BOSS))
    assert "Merged" in merged and "NHS Fife" in merged
    assert organisations(bot) == {ANN: "NHS Fife", BEN: "NHS Fife"}
    renamed = bot.answer_text(
        bot.slack.command("orgs rename NHS Fife > NHS Fife Health Board", user=BOSS)
    )
    assert "NHS Fife Health Board" in renamed
    assert organisation_rows(bot) == ["NHS Fife Health Board"]
    unknown = bot.answer_text(
        bot.slack.command("orgs set NHS Fife Health Board sector=charity", user=BOSS)
    )
    assert "`charity` is not a sector" in unknown
    nothing = bot.answer_text(bot.slack.command("orgs set NHS Fife Health Board", user=BOSS))
    assert "say what to set after the name" in nothing
    two = bot.answer_text(bot.slack.command("orgs rename NHS Fife Health Board", user=BOSS))
    assert "needs two names with > between them" in two


def test_app_homes_form_offers_a_close_name_by_dm_and_an_empty_one_clears(
    bot: BotUnderTest,
) -> None:
    bot.slack.command("org NHS Fife", user=BEN)
    bot.slack.command("org Fife Council", user=ANN)
    bot.slack.event(bot.slack.app_home_opened(ANN))
    home = bot.standin.home_view(ANN)
    change = button(home, "Change")
    bot.slack.block_action(change["action_id"], change["value"], user=ANN, view=home["id"])
    form = bot.standin.open_views()[-1]
    bot.slack.view_submission(
        "org_modal",
        {"organisation": {"organisation": InputValue.plain_text("nhs fiffe")}},
        user=ANN,
        view_id=form["id"],
    )
    offer = bot.standin.last("chat.postMessage").args
    assert offer["channel"] == ANN and "Use NHS Fife" in json.dumps(offer["blocks"])
    assert organisations(bot)[ANN] == "Fife Council"  # unchanged until Ann chooses
    bot.slack.view_submission(
        "org_modal",
        {"organisation": {"organisation": InputValue.plain_text("")}},
        user=ANN,
        view_id=form["id"],
    )
    assert organisations(bot)[ANN] is None
