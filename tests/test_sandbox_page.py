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
import struct
import tempfile
import time
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from runtime.sandbox import Sandbox
from sandbox.examples import MEMBERS

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


def eventually(check, what: str, timeout: float = 10) -> None:
    """The bot works after acknowledging (Bolt's lazy listeners): poll, never sleep blindly."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.05)


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
    expect(page.locator("#activity")).to_contain_text(
        "posted the prompt for the week of 23 Nov 2026 in #kindness-network"
    )

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
    """Example entries, the prompt, a reply and the digest with its chart: the README's
    picture."""
    from playwright.sync_api import expect

    be(page, MORAG)
    page.get_by_role("button", name="Add example entries").click()
    expect(page.locator("#activity")).to_contain_text("Added 25 example entries")
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
    chart = digest.locator("figure img")
    expect(chart).to_have_attribute("alt", re.compile("."))
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=chart.element_handle()
    )
    digest.evaluate("message => message.scrollIntoView({block: 'start'})")
    shot(page, "sandbox")


def test_shortcuts_edits_joins_files_and_slacks_refusals_show_in_the_page(
    sandbox: Sandbox, page
) -> None:
    """The rest of what a person does and sees: the message shortcut, editing a reply the bot
    saved, leaving and joining a channel, a file and an image the bot sends, and a message
    Slack refuses."""
    from playwright.sync_api import expect
    from slack_sdk import WebClient
    from slack_sdk.errors import SlackApiError

    modal = page.locator("[data-testid=modal]")
    team = sandbox.standin.team_id
    be(page, DEVI)
    page.get_by_role("button", name="Post this week's prompt").click()
    prompt = last(page, "message", "This week")
    prompt.hover()
    prompt.locator(".menu-button").click()
    page.get_by_role("menuitem", name="Reply in thread").click()
    type_in(page, "We phoned every tenant over 70.", "thread-composer")
    thread = page.locator("[data-testid=thread]")
    expect(thread.locator("[data-reaction=seedling]")).to_be_visible()

    # Editing the reply in Slack edits the entry.
    reply = thread.locator("[data-testid=message]", has_text="We phoned").last
    reply.hover()
    reply.locator(".menu-button").click()
    page.get_by_role("menuitem", name="Edit message").click()
    page.locator("#dialog-root textarea").fill("We phoned every tenant over 70, every week.")
    page.locator("#dialog-root .confirm").click()
    expect(reply).to_contain_text("(edited)")
    eventually(
        lambda: (
            [e.text for e in sandbox.services.log.search(team, DEVI, "phoned").entries]
            == ["We phoned every tenant over 70, every week."]
        ),
        "the entry to follow the edit",
    )

    # The message shortcut: any message into the log form, its words prefilled.
    type_in(page, "Our trustees now read one story at each meeting.")
    said = last(page, "message", "Our trustees")
    said.hover()
    said.locator(".menu-button").click()
    page.get_by_role("menuitem", name="Save to learning log").click()
    expect(modal.locator("[data-block-id=text] textarea")).to_have_value(
        "Our trustees now read one story at each meeting."
    )
    modal.get_by_role("button", name="Close").click()
    expect(modal).to_have_count(0)

    # Undo on the answer to a command replaces that answer (its response_url), not adds one.
    type_in(page, "/kindness log g2 A note I did not mean to save")
    answer = last(page, "ephemeral", "A note I did not mean to save")
    answer.get_by_role("button", name="Undo").click()
    expect(answer).to_contain_text("Removed #")
    expect(page.locator("[data-testid=ephemeral]", has_text="did not mean")).to_have_count(1)

    # Leaving and joining: Slack's "has joined the channel", and the composer comes back.
    page.get_by_role("button", name="Leave channel").click()
    page.get_by_role("button", name="Join channel").click()
    expect(last(page, "message", "has joined the channel")).to_contain_text("Devi Raman")
    expect(page.locator("[data-testid=composer]")).to_be_visible()

    # A file and an image the bot sends (as reports and charts are sent) show and download.
    bot = WebClient(token=sandbox.standin.bot_token, base_url=sandbox.standin.api_url)
    upload = bot.files_upload_v2(
        channel=DEVI, filename="report.csv", content="goal,entries\ng3,4\n", title="Report"
    )
    chart = bot.files_upload_v2(channel=DEVI, filename="chart.png", content=_png(120, 60))
    bot.chat_postMessage(
        channel=DEVI,
        text="Your chart",
        blocks=[
            {"type": "section", "text": {"type": "mrkdwn", "text": "Entries *per goal*"}},
            {
                "type": "image",
                "slack_file": {"id": chart["file"]["id"]},
                "alt_text": "entries per goal",
            },
        ],
    )
    # Over a Block Kit limit: Slack refuses, and the page says so.
    with pytest.raises(SlackApiError) as refused:
        bot.chat_postMessage(
            channel=DEVI,
            text="too long",
            blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}],
        )
    assert refused.value.response["error"] == "invalid_blocks"
    page.locator("[data-app=kindness]").click()
    page.get_by_role("tab", name="Messages").click()
    report = page.locator("[data-file='report.csv']")
    expect(report).to_contain_text("Report")
    with page.expect_download() as download:
        report.get_by_role("link", name="Download").click()
    assert Path(download.value.path()).read_text() == "goal,entries\ng3,4\n"
    image = page.locator("[data-testid=message] figure img").last
    expect(image).to_have_attribute("alt", "entries per goal")
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=image.element_handle()
    )
    expect(page.locator(".toast.error").last).to_contain_text("invalid_blocks")
    page.locator("#api-log summary").click()
    expect(page.locator("#api-log tr.failed").first).to_contain_text("chat.postMessage")
    shot(page, "07-files-and-refusals")
    assert upload["file"]["name"] == "report.csv"


def _png(width: int, height: int) -> bytes:
    """A plain green PNG, as a chart would be uploaded."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + b"\x2e\x5e\x4e" * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )
