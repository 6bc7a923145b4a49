"""The sandbox page in a real browser: a coordinator and two members use the bot through it.

Debian's Chromium (/usr/bin/chromium), driven by Playwright — no browser is downloaded. Where
Chromium is missing the test is skipped, unless ``KINDNESS_REQUIRE_BROWSER=1`` (set by CI, which
installs it). Screenshots of each step go to ``build/screenshots/`` (or
``$KINDNESS_SCREENSHOTS``); ``docs/sandbox.png`` in the README is one of them.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sandbox.examples import MEMBERS
from sandbox.server import Sandbox

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
SCREENSHOTS = Path(
    os.environ.get("KINDNESS_SCREENSHOTS") or Path(__file__).parent.parent / "build" / "screenshots"
)
# A Wednesday afternoon: London 14:00, Toronto 09:00, Auckland 03:00 the next morning.
START = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)
MORAG, DEVI, TAMA = (member.id for member in MEMBERS)


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    with Sandbox(tmp_path, port=0, env={}, start_at=START) as running:
        yield running


@pytest.fixture
def page(sandbox: Sandbox):
    if not os.path.exists(CHROMIUM):
        if os.environ.get("KINDNESS_REQUIRE_BROWSER") == "1":
            pytest.fail("Chromium is required (KINDNESS_REQUIRE_BROWSER=1) but not installed")
        pytest.skip("Chromium is not installed here (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    profile = tempfile.mkdtemp(prefix="sandbox-chromium-")
    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_FLAGS,
            viewport={"width": 1400, "height": 860},
        )
        context.set_default_timeout(10_000)
        errors: list[str] = []
        tab = context.new_page()
        tab.on("pageerror", lambda error: errors.append(str(error)))
        tab.goto(sandbox.url)
        yield tab
        context.close()
    shutil.rmtree(profile, ignore_errors=True)
    assert not errors, f"the page's script failed: {errors}"


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def be(page, member: str) -> None:
    page.select_option("[data-testid=member-switcher]", member)
    page.wait_for_function(
        "m => document.querySelector('#member').value === m && "
        "document.querySelector('#member-role').textContent.length > 0",
        arg=member,
    )


def type_in(page, text: str, where: str = "composer") -> None:
    box = page.locator(f"[data-testid={where}]")
    box.fill(text)
    box.press("Enter")


def last(page, testid: str, text: str):
    """The newest message (or ephemeral) that contains `text`, waiting for it to appear."""
    found = page.locator(f"[data-testid={testid}]", has_text=text).last
    found.wait_for()
    return found


def test_a_coordinator_and_two_members_use_every_part_of_the_bot_in_the_page(
    sandbox: Sandbox, page
) -> None:
    from playwright.sync_api import expect

    modal = page.locator("[data-testid=modal]")

    # Morag, the coordinator, logs a story in one line.
    be(page, MORAG)
    type_in(page, "/kindness log g3 We sat with a family for an hour, no agenda")
    saved = last(page, "ephemeral", "Saved your story to the learning log")
    expect(saved).to_contain_text("Only visible to you")
    expect(saved).to_contain_text("g3 Put relationships at the centre")
    shot(page, "01-quick-log")

    # The log form: submitted empty, Slack itself asks for the required fields; words with no
    # substance get the bot's own error under the text; then it saves.
    type_in(page, "/kindness log")
    expect(modal).to_contain_text("Log to the network")
    modal.locator(".submit").click()
    expect(modal.locator("[data-block-id=goal] .error")).to_have_text(
        "Please complete this required field."
    )
    expect(modal.locator("[data-block-id=text] .error")).to_be_visible()
    modal.locator("[data-block-id=goal] select").select_option(label="g2 · Lead with kindness")
    modal.locator("[data-block-id=text] textarea").fill("   ")
    modal.locator(".submit").click()
    expect(modal.locator("[data-block-id=text] .error")).to_contain_text(
        "There is nothing to save yet"
    )
    shot(page, "02-modal-error")
    modal.locator("[data-block-id=text] textarea").fill(
        "I am running on empty this month and nobody at work knows."
    )
    modal.get_by_label("Private").check()
    modal.locator(".submit").click()
    expect(modal).to_contain_text("Thank you for adding to the network's learning")
    expect(modal).to_contain_text("private")
    modal.locator(".close").click()
    expect(modal).to_have_count(0)

    # The weekly prompt, from the clock panel.
    page.get_by_role("button", name="Post this week's prompt").click()
    prompt = last(page, "message", "This week")
    expect(page.locator("#activity")).to_contain_text("posted the 2026-W48 prompt")

    # Devi replies in the prompt's thread: the reply is saved, with a 🌱 and a private note.
    be(page, DEVI)
    prompt = last(page, "message", "This week")
    prompt.hover()
    prompt.locator(".menu-button").click()
    page.get_by_role("menuitem", name="Reply in thread").click()
    type_in(page, "We stopped asking for ID at the food bank door.", "thread-composer")
    thread = page.locator("[data-testid=thread]")
    expect(thread.locator("[data-reaction=seedling]")).to_contain_text("🌱 1")
    expect(thread.locator("[data-testid=ephemeral]")).to_contain_text(
        "Saved your reply to the learning log"
    )
    shot(page, "03-thread-reply")

    # Devi finds Morag's shared story by search, and never her private entry.
    type_in(page, "/kindness search family")
    found = last(page, "ephemeral", "Entries matching")
    expect(found).to_contain_text("We sat with a family for an hour")
    expect(found.locator(".mention")).to_contain_text("@Morag Campbell")
    type_in(page, "/kindness search empty")
    expect(last(page, "ephemeral", "Nothing in the learning log matches")).to_contain_text("empty")
    assert "running on empty" not in page.locator("#messages").inner_text()

    # Devi commits to an action; a week and a day later the nudge arrives by DM and she
    # answers it with a button, which replaces the nudge.
    type_in(page, "/kindness log action g4 Review the missed-appointment rule with the team")
    last(page, "ephemeral", "Saved your action")
    page.get_by_role("button", name="+1 week").click()
    page.get_by_role("button", name="+1 day").click()
    expect(page.locator("[data-testid=clock-now]")).to_contain_text("Thu 03 Dec 2026")
    page.get_by_role("button", name="Run nudges").click()
    expect(page.locator("[data-app=kindness] .badge")).to_have_text("1")
    page.locator("[data-app=kindness]").click()
    page.get_by_role("tab", name="Messages").click()
    nudge = last(page, "message", "How is it going?")
    expect(nudge).to_contain_text("Review the missed-appointment rule")
    shot(page, "04-nudge")
    nudge.get_by_role("button", name="Still on it").click()
    expect(last(page, "message", "I'll ask again")).not_to_contain_text("How is it going?")

    # App Home shows her own log and the network's latest.
    page.get_by_role("tab", name="Home").click()
    home = page.locator("[data-testid=home]")
    expect(home).to_contain_text("Your learning log")
    expect(home).to_contain_text("Review the missed-appointment rule")
    expect(home).to_contain_text("Latest from the network")
    shot(page, "05-home")

    # Settings: Tama, a member, is refused; Morag, the coordinator, gets the form and saves.
    be(page, TAMA)
    page.locator("[data-channel=kindness-network]").click()
    type_in(page, "/kindness settings")
    expect(last(page, "ephemeral", "coordinator")).to_be_visible()
    expect(modal).to_have_count(0)
    be(page, MORAG)
    type_in(page, "/kindness settings")
    expect(modal).to_contain_text("Network channel")
    expect(modal.locator("[data-block-id=channel] select")).to_have_value("C0KINDNET")
    modal.locator("[data-block-id=prompt_time] input").fill("09:30")
    shot(page, "06-settings")
    modal.locator(".submit").click()
    expect(modal).to_contain_text("09:30")
    modal.locator(".close").click()

    # The page shows what the bot stored: the database agrees.
    settings = sandbox.services.settings.get(sandbox.standin.team_id)
    assert settings.prompt_time == "09:30"
    entries = sandbox.services.log.search(sandbox.standin.team_id, DEVI, "food bank")
    assert [e.text for e in entries.entries] == ["We stopped asking for ID at the food bank door."]


def test_the_readme_screenshot_shows_a_week_of_the_network(sandbox: Sandbox, page) -> None:
    """Example entries, the prompt, a reply and the digest: the picture in the README."""
    from playwright.sync_api import expect

    be(page, MORAG)
    page.get_by_role("button", name="Add example entries").click()
    expect(page.locator("#activity")).to_contain_text("Added 22 example entries")
    page.get_by_role("button", name="Post this week's prompt").click()
    prompt = last(page, "message", "This week")
    prompt.hover()
    prompt.locator(".menu-button").click()
    page.get_by_role("menuitem", name="Reply in thread").click()
    type_in(
        page,
        "A tenant told us the new letter was the first one she read to the end.",
        "thread-composer",
    )
    expect(page.locator("[data-testid=thread] [data-reaction=seedling]")).to_be_visible()
    page.get_by_role("button", name="Post the digest").click()
    digest = last(page, "message", "The week in kindness")
    expect(digest).to_contain_text(re.compile(r"\d+ entries"))
    page.locator("#messages").evaluate("list => list.scrollTop = list.scrollHeight")
    shot(page, "sandbox")
