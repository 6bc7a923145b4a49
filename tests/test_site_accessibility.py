"""Every kind of page the published site has, in a real browser, checked by axe-core: no
serious or critical violation, headings in order, the language set, contrast AA.

Debian's Chromium (/usr/bin/chromium) driven by Playwright, as in ``test_sandbox_page.py``;
axe-core comes inside ``axe-playwright-python`` (nothing is downloaded). The pages are opened
from disk (``file://``): the site needs no server and asks no other host for anything — a
request that leaves the folder fails the test. A screenshot of the index goes to
``build/screenshots/site.png`` (``docs/site.png`` in the coordinators' guide is one).
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from datetime import date
from pathlib import Path

import pytest
from test_sandbox_page import CHROMIUM, CHROMIUM_FLAGS, SCREENSHOTS

from bot.endorsements import Endorsement
from bot.learning_log import LearningLog
from bot.models import Member
from bot.site.build import PAGE_SIZE, build_site

T = "T1"
# One page of each kind: index (first and a later page), a goal (first and later), a story
# named and anonymous, the commitment with its endorsements.
PAGES = [
    "index.html",
    "index-2.html",
    "goals/relationships.html",
    "goals/relationships-2.html",
    "goals/purpose.html",
    "stories/1.html",
    "stories/2.html",
    "commitment.html",
]
RULES = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21aa", "best-practice"]}}
# Named because the issue names them: any impact fails.
ALWAYS = {"heading-order", "html-has-lang", "html-lang-valid", "color-contrast", "image-alt"}


@pytest.fixture
def site(learning_log: LearningLog, framework, clock, tmp_path: Path) -> Path:
    learning_log.add_entry(
        T,
        "UANN",
        "We listened first.\n\nThen we planned together, & it <b>worked</b>.",
        goal="g3",
        share=True,
        why_it_matters="People we serve came back.",
    )
    learning_log.add_entry(
        T, "UBEN", "A quiet word.", goal="g1", visibility="anonymous", share=True
    )
    for n in range(PAGE_SIZE):
        clock.advance(hours=3)
        learning_log.add_entry(T, "UANN", f"Another story, number {n}.", goal="g3", share=True)
    with learning_log.db.session() as session:
        session.add(Member(team_id=T, user_id="UANN", display_name="Ann Jones", created_at=clock()))
    out = tmp_path / "site"
    build_site(
        learning_log.db,
        framework,
        T,
        out,
        title="Stories of kindness",
        endorsing=[
            Endorsement("Ash Council", date(2026, 10, 1), "https://ash.example.org/"),
            Endorsement("Birch Trust", date(2026, 11, 2)),
        ],
    )
    return out


@pytest.fixture
def browser():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("KINDNESS_REQUIRE_BROWSER") == "1":
            pytest.fail("Chromium is required (KINDNESS_REQUIRE_BROWSER=1) but not installed")
        pytest.skip("Chromium is not installed here (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    profile = tempfile.mkdtemp(prefix="site-chromium-")
    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_FLAGS,
            viewport={"width": 1100, "height": 900},
        )
        yield context
        context.close()
    shutil.rmtree(profile, ignore_errors=True)


def test_every_kind_of_page_passes_axe_core(site: Path, browser) -> None:
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    page = browser.new_page()
    elsewhere: list[str] = []
    page.on(
        "request",
        lambda request: (
            None if request.url.startswith(site.as_uri()) else elsewhere.append(request.url)
        ),
    )
    for path in PAGES:
        assert (site / path).exists(), path
        page.goto((site / path).as_uri())
        page.wait_for_load_state("load")
        violations = axe.run(page, options=RULES).response["violations"]
        failing = [
            (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
            for v in violations
            if v["impact"] in ("serious", "critical") or v["id"] in ALWAYS
        ]
        assert failing == [], f"{path}: {failing}"
        assert page.evaluate("document.documentElement.lang") == "en"
        levels = page.evaluate(
            "[...document.querySelectorAll('h1,h2,h3,h4,h5,h6')].map(h => +h.tagName[1])"
        )
        assert levels[0] == 1 and levels.count(1) == 1, (path, levels)
        assert all(b - a <= 1 for a, b in itertools.pairwise(levels)), (path, levels)
        if path == "index.html":
            chart = page.locator("figure.chart img")
            assert len(chart.get_attribute("alt") or "") > 40
            page.wait_for_function(
                "img => img.complete && img.naturalWidth > 0", arg=chart.element_handle()
            )
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / "site.png"), full_page=False)
    assert elsewhere == []  # nothing asked of another host (nor of anything outside the site)
