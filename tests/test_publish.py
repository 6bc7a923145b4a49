"""``kindness-bot publish``: a static site of the stories whose authors consented, the same
bytes from the same data, members' words escaped, refusals before anything is written."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.db import Database
from bot.errors import BadBaseUrl, BadSiteTitle, OutputIsAFile, OutputNotOurs, OutputNotWritable
from bot.learning_log import LearningLog
from bot.models import Member
from bot.site.build import MARKER, PAGE_SIZE, build_site
from conftest import FakeClock

T = "T1"
ANN, BEN = "UANN0001", "UBEN0002"
SCRIPT = str(Path(sys.executable).parent / "kindness-bot")


def files_of(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def texts_of(root: Path) -> str:
    """Every text file of the site, together (the chart is left out)."""
    return "".join(c.decode() for p, c in files_of(root).items() if not p.endswith(".png"))


def name_member(log: LearningLog, user_id: str, name: str) -> None:
    with log.db.session() as session:
        session.add(
            Member(team_id=T, user_id=user_id, display_name=name, created_at=datetime.now(UTC))
        )


@pytest.fixture
def network(learning_log: LearningLog, clock: FakeClock) -> LearningLog:
    """Ann's named story, Ben's anonymous one, and entries nobody agreed to share."""
    learning_log.add_entry(T, ANN, "We listened first, then planned.", goal="g3", share=True)
    clock.advance(days=1)
    learning_log.add_entry(
        T, BEN, "A quiet word changed the meeting.", goal="g1", visibility="anonymous", share=True
    )
    clock.advance(days=1)
    learning_log.add_entry(T, ANN, "Not for the website.", goal="g3")
    learning_log.add_entry(T, BEN, "My own journal.", goal="g2", visibility="private")
    name_member(learning_log, ANN, "Ann Jones")
    name_member(learning_log, BEN, "Ben Smith")
    return learning_log


def build(log: LearningLog, framework, out: Path, **options):
    return build_site(log.db, framework, T, out, **options)


def test_the_site_holds_exactly_the_consented_stories(network: LearningLog, framework, tmp_path):
    out = tmp_path / "site"
    result = build(network, framework, out)
    site = files_of(out)
    assert result.stories == 2
    stories = sorted(p for p in site if p.startswith("stories/"))
    assert stories == ["stories/1.html", "stories/2.html"]
    everything = texts_of(out)
    assert "We listened first" in everything and "A quiet word" in everything
    assert "Not for the website" not in everything and "My own journal" not in everything
    assert "Ann Jones" in site["stories/1.html"].decode()
    # The anonymous story names nobody, anywhere.
    assert "Ben Smith" not in everything
    assert "A member of the network" in site["stories/2.html"].decode()
    for page in ("index.html", "commitment.html", "feed.xml", "style.css", MARKER):
        assert page in site
    assert {f"goals/{g.key}.html" for g in framework.goals} <= set(site)
    index = site["index.html"].decode()
    assert index.index("A quiet word") < index.index("We listened first")  # newest first


def test_no_page_has_a_script_or_anything_from_another_host(network, framework, tmp_path):
    out = tmp_path / "site"
    build(network, framework, out, base_url="https://example.org/stories")
    for path, content in files_of(out).items():
        if path.endswith(".html") or path.endswith(".css"):
            text = content.decode()
            assert "<script" not in text and "javascript:" not in text, path
            assert "://" not in text and "@import" not in text, path  # every link is local


def test_the_same_data_builds_the_same_bytes(network: LearningLog, framework, tmp_path):
    first, second = tmp_path / "one", tmp_path / "two"
    build(network, framework, first)
    build(network, framework, second)
    assert files_of(first) == files_of(second)
    again = build(network, framework, first)
    assert (again.added, again.changed, again.removed, again.written) == ([], [], [], 0)


def test_a_withdrawn_story_is_gone_at_the_next_build_and_the_build_says_so(
    network: LearningLog, framework, tmp_path
) -> None:
    out = tmp_path / "site"
    build(network, framework, out)
    stamp = (out / "stories/2.html").stat().st_mtime_ns
    network.unshare_entry(T, ANN, 1)
    result = build(network, framework, out)
    assert result.removed == ["stories/1.html"]
    assert "index.html" in result.changed and "goals/relationships.html" in result.changed
    assert not (out / "stories/1.html").exists()
    assert "We listened first" not in (out / "index.html").read_text()
    assert (out / "stories/2.html").stat().st_mtime_ns == stamp  # unchanged, not rewritten


def test_an_edited_story_leaves_the_site_until_its_author_agrees_again(
    network: LearningLog, framework, tmp_path
) -> None:
    out = tmp_path / "site"
    build(network, framework, out)
    network.edit_entry(T, ANN, 1, text="Second thoughts about it.")
    assert "stories/1.html" in build(network, framework, out).removed
    network.share_entry(T, ANN, 1)
    assert "stories/1.html" in build(network, framework, out).added
    assert "Second thoughts" in (out / "stories/1.html").read_text()


def test_members_words_are_escaped_and_carry_nothing_of_the_workspace(
    learning_log: LearningLog, framework, tmp_path
) -> None:
    words = (
        "&lt;script&gt;alert(1)&lt;/script&gt; thanks <@UBEN0002> and <@UNOBODY9> in "
        "<#C0CHANNEL|kindness>; see <https://acme.slack.com/archives/C1/p123|this thread>, "
        "<https://acme.slack.com/archives/C1/p999>, <https://example.org/guide|the guide>, "
        "<mailto:ann@example.org|ann@example.org> or write to jo.bloggs@example.org"
    )
    learning_log.add_entry(T, ANN, words, goal="g1", share=True)
    name_member(learning_log, BEN, "Ben Smith")
    out = tmp_path / "site"
    build(learning_log, framework, out)
    everything = texts_of(out)
    for secret in ("UBEN0002", "UNOBODY9", "C0CHANNEL", "slack.com", "@example.org", "mailto"):
        assert secret not in everything, secret
    page = (out / "stories/1.html").read_text()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script" not in page
    assert "@Ben Smith" in page and "@a member" in page and "#kindness" in page
    assert "this thread" in page and "a Slack message" in page
    assert "the guide (https://example.org/guide)" in page  # a link shown as text
    assert '<a href="https' not in page
    assert "[email address]" in page


def test_pages_of_the_index_and_of_a_goal_hold_page_size_stories(
    learning_log: LearningLog, framework, clock, tmp_path
) -> None:
    for n in range(PAGE_SIZE + 1):
        clock.advance(minutes=1)
        learning_log.add_entry(T, ANN, f"Story number {n}", goal="g3", share=True)
    out = tmp_path / "site"
    build(learning_log, framework, out)
    assert (out / "index-2.html").exists() and (out / "goals/relationships-2.html").exists()
    assert "Story number 0" in (out / "index-2.html").read_text()
    assert 'href="index-2.html" rel="next"' in (out / "index.html").read_text()


# -- where it is written, and what it is given --------------------------------------------------


def test_a_file_as_output_is_refused(network, framework, tmp_path) -> None:
    target = tmp_path / "site"
    target.write_text("mine")
    with pytest.raises(OutputIsAFile):
        build(network, framework, target)
    assert target.read_text() == "mine"


def test_a_folder_of_someone_elses_files_is_refused_unless_forced(network, framework, tmp_path):
    target = tmp_path / "site"
    target.mkdir()
    (target / "notes.txt").write_text("keep me")
    with pytest.raises(OutputNotOurs) as refused:
        build(network, framework, target)
    assert "--force" in str(refused.value)
    assert files_of(target) == {"notes.txt": b"keep me"}
    assert not [p for p in tmp_path.iterdir() if "building" in p.name]  # nothing half-built
    build(network, framework, target, force=True)
    assert not (target / "notes.txt").exists() and (target / "index.html").exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_a_place_that_cannot_be_written_is_refused(network, framework, tmp_path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(OutputNotWritable):
            build(network, framework, locked / "site")
    finally:
        locked.chmod(0o700)


def test_a_place_whose_folder_does_not_exist_is_refused(network, framework, tmp_path) -> None:
    with pytest.raises(OutputNotWritable) as refused:
        build(network, framework, tmp_path / "no" / "such" / "site")
    assert "does not exist" in str(refused.value)


@pytest.mark.parametrize(
    "title", ["<script>alert(1)</script>", "Stories &amp; more", "", "x" * 121]
)
def test_a_title_with_markup_or_out_of_bounds_is_refused(network, framework, tmp_path, title):
    with pytest.raises(BadSiteTitle):
        build(network, framework, tmp_path / "site", title=title)
    assert not (tmp_path / "site").exists()


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        'https://example.org/"><script>',
        "example.org",
        "https://exa mple.org",
        "ftp://example.org",
    ],
)
def test_a_base_url_with_markup_or_not_a_web_address_is_refused(network, framework, tmp_path, url):
    with pytest.raises(BadBaseUrl):
        build(network, framework, tmp_path / "site", base_url=url)
    assert not (tmp_path / "site").exists()


def test_the_title_and_base_url_reach_the_pages_and_the_feed(network, framework, tmp_path):
    out = tmp_path / "site"
    build(network, framework, out, title="Kind Words", base_url="https://example.org/kind/")
    assert "<title>Stories · Kind Words</title>" in (out / "index.html").read_text()
    feed = (out / "feed.xml").read_text()
    assert "<id>https://example.org/kind/stories/1.html</id>" in feed
    import xml.etree.ElementTree as ElementTree

    entries = ElementTree.fromstring(feed).findall("{http://www.w3.org/2005/Atom}entry")
    assert len(entries) == 2


# -- the command line ---------------------------------------------------------------------------


def test_kindness_bot_publish_builds_and_says_what_changed(
    sqlite_db: Database, framework, tmp_path
):
    clock = FakeClock(datetime(2026, 11, 25, 12, 0, tzinfo=UTC))
    log = LearningLog(sqlite_db, framework, clock=clock)
    log.add_entry(T, ANN, "We listened first.", goal="g3", share=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "KINDNESS_"))}
    env["DATABASE_URL"] = str(sqlite_db.engine.url)

    def publish(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [SCRIPT, "publish", *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    first = publish("-o", "site")
    assert first.returncode == 0, first.stderr
    assert "Built the site in site: 1 story" in first.stderr
    log.unshare_entry(T, ANN, 1)
    second = publish("-o", "site")
    assert "removed: stories/1.html" in second.stderr
    (tmp_path / "file").write_text("x")
    refused = publish("-o", "file")
    assert refused.returncode == 2 and "is a file, not a folder" in refused.stderr
    assert "Traceback" not in refused.stderr
    bad = publish("-o", "other", "--title", "<b>Bold</b>")
    assert bad.returncode == 2 and "contains markup" in bad.stderr
    assert not (tmp_path / "other").exists()


def test_a_place_nobody_can_write_is_refused_even_for_root(network, framework) -> None:
    with pytest.raises(OutputNotWritable) as refused:
        build(network, framework, Path("/proc/kindness-site"))
    assert "cannot write the site to /proc/kindness-site" in str(refused.value)


def test_a_storys_why_it_matters_outcome_and_organisation_are_on_its_page(
    learning_log: LearningLog, framework, tmp_path
) -> None:
    from bot.organisations import MemberOrganisations

    orgs = MemberOrganisations(learning_log.db, clock=learning_log.clock)
    orgs.choose(T, ANN, "Fife Council")
    orgs.choose(T, BEN, "Tiny Trust")
    learning_log.add_entry(
        T,
        ANN,
        "Tenants read the new letter to the end.",
        kind="outcome",
        goal="g4",
        share=True,
        why_it_matters="Fewer missed appointments for people we serve.",
        who_changed="people",
        how_we_know="figures",
    )
    learning_log.add_entry(T, BEN, "Quiet change.", goal="g1", visibility="anonymous", share=True)
    out = tmp_path / "site"
    build(learning_log, framework, out)
    page = (out / "stories/1.html").read_text()
    assert "<h2>Why it matters</h2>" in page and "Fewer missed appointments" in page
    assert "people we serve" in page and "we have figures" in page
    assert "Fife Council" in page
    assert "Tiny Trust" not in texts_of(out)  # an anonymous story names no organisation


# -- endorsements -------------------------------------------------------------------------------


def test_an_organisation_with_no_member_endorses_and_appears_on_the_commitment_page(
    network: LearningLog, framework, tmp_path
) -> None:
    from datetime import date

    from bot.endorsements import endorse, endorsements, withdraw

    now = datetime(2026, 11, 25, tzinfo=UTC)
    endorse(network.db, T, "Birch Trust", on=date(2026, 11, 2), now=now)
    endorse(
        network.db,
        T,
        "Ash <b>Council</b>",
        on=date(2026, 10, 1),
        url="https://ash.example.org/",
        now=now,
    )
    assert [e.name for e in endorsements(network.db, T)] == ["Ash <b>Council</b>", "Birch Trust"]
    out = tmp_path / "site"
    build(network, framework, out)
    page = (out / "commitment.html").read_text()
    assert "Ash &lt;b&gt;Council&lt;/b&gt;" in page and "<b>" not in page
    assert '<a href="https://ash.example.org/">' in page
    assert 'Birch Trust, since <time datetime="2026-11-02">' in page
    withdraw(network.db, T, "birch  trust")
    result = build(network, framework, out)
    assert result.changed == ["commitment.html"]
    assert "Birch Trust" not in (out / "commitment.html").read_text()


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", 'https://x.org/"><script>', "not a link", "ftp://x.org"]
)
def test_an_endorsement_link_with_markup_is_refused_and_nothing_stored(
    learning_log: LearningLog, url: str
) -> None:
    from datetime import date

    from bot.endorsements import BadEndorsementUrl, endorse, endorsements

    with pytest.raises(BadEndorsementUrl):
        endorse(
            learning_log.db,
            T,
            "Ash Council",
            on=date(2026, 10, 1),
            url=url,
            now=datetime(2026, 11, 25, tzinfo=UTC),
        )
    assert endorsements(learning_log.db, T) == []


def test_withdrawing_an_organisation_that_does_not_endorse_says_so(learning_log) -> None:
    from bot.endorsements import NotEndorsing, withdraw
    from bot.organisations import OrganisationNotFound

    with pytest.raises(OrganisationNotFound):
        withdraw(learning_log.db, T, "Nobody Ltd")
    from bot.organisations import MemberOrganisations

    MemberOrganisations(learning_log.db, clock=learning_log.clock).choose(T, ANN, "Fife Council")
    with pytest.raises(NotEndorsing):
        withdraw(learning_log.db, T, "Fife Council")


def test_orgs_endorse_and_withdraw_from_the_shell(sqlite_db: Database, tmp_path) -> None:
    from bot.endorsements import endorsements
    from bot.workspaces import ensure_workspace

    with sqlite_db.session() as session:
        ensure_workspace(session, T, now=datetime(2026, 11, 25, tzinfo=UTC))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "KINDNESS_"))}
    env["DATABASE_URL"] = str(sqlite_db.engine.url)

    def orgs(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [SCRIPT, "orgs", *args], env=env, capture_output=True, text=True, timeout=120
        )

    made = orgs(
        "endorse", "Ash Council", "--url", "https://ash.example.org", "--date", "2026-10-01"
    )
    assert made.returncode == 0, made.stderr
    assert (
        "'Ash Council' endorses the goals since 2026-10-01, https://ash.example.org" in made.stdout
    )
    bad = orgs("endorse", "Birch Trust", "--url", "javascript:alert(1)")
    assert bad.returncode == 2 and "is not a web address to link to" in bad.stderr
    late = orgs("endorse", "Birch Trust", "--date", "1/10/2026")
    assert late.returncode == 2 and "is not a date" in late.stderr
    assert [e.name for e in endorsements(sqlite_db, T)] == ["Ash Council"]
    gone = orgs("withdraw", "ash council")
    assert gone.returncode == 0 and "'Ash Council' no longer endorses the goals." in gone.stdout
    assert endorsements(sqlite_db, T) == []


# -- endorsements in Slack ----------------------------------------------------------------------


@pytest.fixture
def coordinated(sqlite_db: Database, clock: FakeClock):
    from conftest import _make_bot

    for bot in _make_bot(sqlite_db, clock, KINDNESS_ADMINS="UCORA"):
        bot.standin.add_user("UCORA", "Cora")
        bot.standin.add_user(ANN, "Ann")
        yield bot


def endorse_form(name: str, url: str | None = None, on: str | None = None) -> dict:
    from sandbox import InputValue

    return {
        "endorse_name": {"endorse_name": InputValue.plain_text(name)},
        "endorse_url": {"endorse_url": InputValue.plain_text(url)},
        "endorse_date": {"endorse_date": InputValue.datepicker(on)},
    }


def test_a_coordinator_records_an_endorsement_in_a_slack_form(coordinated) -> None:
    from bot.endorsements import endorsements

    bot = coordinated
    bot.slack.command("orgs endorse", user="UCORA")
    view = bot.standin.last("views.open").args["view"]
    assert view["callback_id"] == "endorse_organisation"
    refused = bot.slack.view_submission(
        "endorse_organisation", endorse_form("Ash Council", "javascript:alert(1)"), user="UCORA"
    )
    assert refused.json["response_action"] == "errors"
    assert "not a web address" in refused.json["errors"]["endorse_url"]
    assert endorsements(bot.services.db, bot.standin.team_id) == []
    saved = bot.slack.view_submission(
        "endorse_organisation",
        endorse_form("Ash Council", "https://ash.example.org", "2026-10-01"),
        user="UCORA",
    )
    assert "endorses the goals since 2026-10-01" in str(saved.json["view"])
    [made] = endorsements(bot.services.db, bot.standin.team_id)
    assert (made.name, made.url) == ("Ash Council", "https://ash.example.org")
    answer = bot.answer_text(bot.slack.command("orgs withdraw ash council", user="UCORA"))
    assert "no longer endorses the goals" in answer
    assert endorsements(bot.services.db, bot.standin.team_id) == []


def test_a_member_cannot_open_or_submit_the_endorsement_form(coordinated) -> None:
    from bot.endorsements import endorsements

    bot = coordinated
    answer = bot.answer_text(bot.slack.command("orgs endorse", user=ANN))
    assert "Only the network's coordinators" in answer
    assert bot.standin.calls_to("views.open") == []
    reply = bot.slack.view_submission("endorse_organisation", endorse_form("Ash"), user=ANN)
    assert reply.json["response_action"] == "update"
    assert endorsements(bot.services.db, bot.standin.team_id) == []


# -- /kindness publish ----------------------------------------------------------------------------


def dm_files(bot, user: str) -> list:
    dm = bot.standin.dm_with(user)
    return [f for f in bot.standin.files if f.channels == (dm,)]


def unzipped(content: bytes) -> dict[str, bytes]:
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_publish_in_slack_sends_the_site_as_a_zip_and_says_what_changed(coordinated) -> None:
    from conftest import message_text

    bot = coordinated
    team = bot.standin.team_id
    bot.log.add_entry(team, ANN, "We listened first.", goal="g3", share=True)
    bot.log.add_entry(team, ANN, "Kept to myself.", goal="g3")
    reply = bot.slack.command("publish", user="UCORA")
    assert reply.body == ""  # built after the ack
    preparing, done = [message_text(m) for m in bot.answers(reply)]
    assert "Preparing the network's published site" in preparing
    [first] = dm_files(bot, "UCORA")
    site = unzipped(first.content)
    assert "site/stories/1.html" in site and "site/stories/2.html" not in site
    assert b"We listened first." in site["site/stories/1.html"]
    assert "1 story" in done and "The first site built here." in done

    bot.log.add_entry(team, ANN, "A second story.", goal="g1", share=True)
    bot.log.unshare_entry(team, ANN, 1)
    reply = bot.slack.command("publish", user="UCORA")
    done = message_text(bot.answers(reply)[-1])
    assert "1 story" in done and "1 story added, 1 removed (#1)" in done
    second = dm_files(bot, "UCORA")[-1]
    assert "site/stories/1.html" not in unzipped(second.content)
    reply = bot.slack.command("publish", user="UCORA")
    assert "Nothing changed since the last build." in message_text(bot.answers(reply)[-1])
    assert dm_files(bot, "UCORA")[-1].content == second.content  # the same bytes


def test_publish_is_for_coordinators_and_takes_no_words(coordinated) -> None:
    from conftest import message_text

    bot = coordinated
    reply = bot.slack.command("publish", user=ANN)
    assert "can publish the network's site, so nothing was made" in message_text(
        bot.answers(reply)[-1]
    )
    assert bot.standin.files == []
    answer = bot.answer_text(bot.slack.command("publish now please", user="UCORA"))
    assert "Usage: `/kindness publish`" in answer and bot.standin.files == []


def test_a_rebuild_after_one_story_changed_rewrites_a_handful_of_files(
    learning_log: LearningLog, framework, clock, tmp_path
) -> None:
    for n in range(2 * PAGE_SIZE + 10):
        clock.advance(hours=1)
        learning_log.add_entry(T, ANN, f"Story {n} of many.", goal=f"g{n % 6 + 1}", share=True)
    out = tmp_path / "site"
    build(learning_log, framework, out)
    learning_log.edit_entry(T, ANN, 60, text="Story 59, told again.")
    learning_log.share_entry(T, ANN, 60)
    result = build(learning_log, framework, out)
    # Its page, the index page and the goal page listing it (not in the feed's newest 20).
    assert result.changed == ["goals/evidence.html", "index-2.html", "stories/60.html"]
    assert result.written == 3  # and the marker: 4 files written, every other one kept
