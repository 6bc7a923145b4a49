"""App Home shows the network's chart: uploaded privately once per workspace and day, left
out (never waited for) while Slack is still processing it, and in words as well."""

from __future__ import annotations

import pytest

from bot.report import charts
from conftest import BotUnderTest, FakeClock

pytestmark = pytest.mark.skipif(not charts.available(), reason="matplotlib is not installed")

ANN, BEN = "UANN", "UBEN"


def images(view: dict) -> list[dict]:
    return [block for block in view["blocks"] if block["type"] == "image"]


def open_home(bot: BotUnderTest, user: str) -> dict:
    assert bot.slack.event(bot.slack.app_home_opened(user)).status == 200
    view = bot.standin.home_view(user)
    assert view is not None
    return view


@pytest.fixture
def shared(bot: BotUnderTest, clock: FakeClock) -> BotUnderTest:
    """Entries from yesterday: the chart, drawn once a day, runs to the end of yesterday."""
    team = bot.standin.team_id
    clock.advance(days=-1)
    bot.log.add_entry(team, ANN, "We sat with a family for an hour", goal="g3")
    bot.log.add_entry(team, BEN, "Rewrote the rejection letter", goal="g4")
    bot.log.add_entry(team, BEN, "Only for me", goal="g1", visibility="private")
    clock.advance(days=1)
    return bot


def test_home_shows_the_networks_chart_uploaded_once_a_day(
    shared: BotUnderTest, clock: FakeClock
) -> None:
    bot = shared
    [image] = images(open_home(bot, ANN))
    [uploaded] = bot.standin.files
    assert uploaded.content.startswith(b"\x89PNG") and uploaded.channels == ()  # no message
    assert image["slack_file"] == {"id": uploaded.id}
    # The figures in words, private entries not counted.
    assert "By goal: g1 0, g2 0, g3 1, g4 1, g5 0, g6 0." in image["alt_text"]

    # A young network's chart starts at its first week, not eleven empty ones before it.
    assert image["title"]["text"] == "Entries per goal, the network's first week (to yesterday)"
    assert "Entries per week, oldest first: 2." in image["alt_text"]

    bot.log.add_entry(bot.standin.team_id, BEN, "Logged today", goal="g6")
    [again] = images(open_home(bot, BEN))
    assert again["slack_file"] == image["slack_file"]  # same day: the same picture…
    assert again["alt_text"] == image["alt_text"]  # …and the same words for it
    assert len(bot.standin.files) == 1

    clock.advance(days=1)
    [next_day] = images(open_home(bot, ANN))
    assert len(bot.standin.files) == 2 and next_day["slack_file"] != image["slack_file"]
    assert "g5 0, g6 1." in next_day["alt_text"]


def test_a_chart_slack_is_still_processing_is_left_out_until_the_next_visit(
    shared: BotUnderTest,
) -> None:
    bot = shared
    bot.standin.delay_file_processing(references=1)
    view = open_home(bot, ANN)
    assert images(view) == []
    assert "The network's log: 2 shared entries" in str(view)  # Home all the same, at once
    assert len(images(open_home(bot, ANN))) == 1  # processed by the next visit


def test_a_chart_that_cannot_be_uploaded_leaves_home_in_words(shared: BotUnderTest) -> None:
    bot = shared
    bot.standin.fail_next("files.getUploadURLExternal", error="missing_scope")
    view = open_home(bot, ANN)
    assert images(view) == [] and "The network's log: 2 shared entries" in str(view)


def test_a_network_that_has_shared_nothing_yet_gets_no_chart(bot: BotUnderTest) -> None:
    bot.log.add_entry(bot.standin.team_id, BEN, "Only for me", goal="g1", visibility="private")
    view = open_home(bot, ANN)
    assert images(view) == [] and bot.standin.files == []


def test_an_older_networks_chart_shows_twelve_weeks(bot: BotUnderTest, clock: FakeClock) -> None:
    team = bot.standin.team_id
    clock.advance(days=-200)
    bot.log.add_entry(team, ANN, "Where it began", goal="g1")
    clock.advance(days=199)
    bot.log.add_entry(team, BEN, "Yesterday's", goal="g3")
    clock.advance(days=1)
    [image] = images(open_home(bot, ANN))
    assert image["title"]["text"] == "Entries per goal, last 12 weeks (to yesterday)"
