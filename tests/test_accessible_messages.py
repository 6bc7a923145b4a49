"""Every message and view the bot builds can be read without seeing it: a screen reader reads a
message's top-level ``text`` (not its blocks), a modal's title, an image's alt text.

The builders are found, not listed: every public function of every module in ``bot/blocks/``
that returns a message or a view (``dict[str, Any]``) is called with examples of its
parameters, taken by parameter name or by type from ``EXAMPLES`` below, once with only what it
needs and once with every optional part filled in. A builder someone adds is walked too; one
whose parameter has a type with no example yet fails here, naming the type to add.

A gap is:
- a message without a top-level ``text``, or one that says nothing its blocks say (no word of
  four letters or more in common);
- a modal without a title; a Home tab that does not start with a header;
- an image without alt text;
- meaning carried by emoji or colour alone: a button, header, title, option or line whose
  words are only emoji or symbols (a coloured button's words must say what it does).
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

import bot.blocks
from bot.audit import AuditLine
from bot.blocks import kit
from bot.blocks.answers import HelpRow
from bot.blocks.organisations import organisation_field
from bot.blocks.pairs import figures_lines
from bot.coordinator_files import make_export
from bot.db import Database
from bot.endorsements import Endorsement
from bot.errors import EntryTooLong
from bot.export import Period
from bot.followups import FollowUp
from bot.goals import load_framework
from bot.journal import Journal, MineRequest
from bot.learning_log import LearningLog
from bot.members import MemberPreferences
from bot.names import Directory
from bot.organisations import Choice, OrganisationInfo, OrganisationSummary
from bot.pairs import Introduction, PairFigures
from bot.participation import participation
from bot.report.weekly_chart import ChartImage
from bot.selection import Candidate, RoundTime, RoundView, Vote
from bot.settings import SettingsStore
from bot.summary import digest_summary, weekly_figures
from bot.weeks import week_of, weeks_ending
from conftest import FakeClock
from handlers.commands import SUBCOMMANDS

T, ANN, BEN = "T0001", "UANN", "UBEN"
NOW = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)
TZ = "Europe/London"
FRAMEWORK = load_framework()


# -- the examples --------------------------------------------------------------------------------


@dataclass
class World:
    """A small network with a bit of everything, for the builders' examples."""

    db: Database
    log: LearningLog
    clock: FakeClock

    def entries(self):
        return self.log.list_mine(T, ANN, limit=10).entries


def _world(db: Database) -> World:
    clock = FakeClock(NOW - timedelta(days=8))
    log = LearningLog(db, FRAMEWORK, clock=clock)
    log.add_entry(T, ANN, "Tea &amp; a chat with <@UBEN> :seedling:", goal="g3")
    action = log.add_entry(T, ANN, "Phone three families", kind="action", goal="g2")
    log.add_entry(T, ANN, "Kept to myself", goal="g1", visibility="private")
    log.add_entry(T, BEN, "Said without a name", goal="g4", visibility="anonymous")
    clock.set(NOW - timedelta(days=1))
    log.complete_action(T, ANN, action.entry.id, "It took courage")
    log.add_entry(T, ANN, "Another open action", kind="action", goal="g5")
    clock.set(NOW)
    return World(db, log, clock)


def _entry(world: World, kind: str):
    return next(e for e in world.entries() if e.kind == kind)


def _open_action(world: World):
    return world.log.list_mine(T, ANN).open_actions[0]


def _settings(world: World):
    store = SettingsStore(world.db, default_timezone=TZ, clock=world.clock)
    store.update(T, {"channel": "C0NETWORK"}, by_user=None)
    return store.get(T)


def _summary(world: World):
    return digest_summary(world.db, FRAMEWORK, T, week_of(NOW, TZ), NOW)


def _figures(world: World):
    return weekly_figures(world.db, T, weeks_ending(week_of(NOW, TZ), 8))


def _participation(world: World):
    return participation(world.db, T, week_of(NOW, TZ), now=NOW)


def _coordinator_file(world: World):
    names = Directory(world.db, T)
    return make_export(world.db, FRAMEWORK, T, "csv", Period(), now=NOW, tz=TZ, names=names)


def _followup(world: World) -> FollowUp:
    action = _open_action(world)
    return FollowUp(action.id, ANN, action.text, action.goal_key, 1, NOW, NOW)


def _help_rows(for_coordinators: bool) -> list[HelpRow]:
    return [
        HelpRow(s.summary, s.example_in(FRAMEWORK))
        for s in SUBCOMMANDS
        if s.for_coordinators == for_coordinators
    ]


PAIRS = PairFigures(rounds=2, pairs=3, met=2, actions=1)
ORGANISATION = OrganisationInfo(1, "Leeds Mind", "voluntary", "Leeds")


def _candidates(world: World) -> list[Candidate]:
    """A shortlist of two: a member's story under their name, and an anonymous one."""
    story = _entry(world, "story")
    return [
        Candidate(
            story.id,
            story.kind,
            story.goal_key,
            story.text,
            "It changed how we meet",
            story.author_id,
            story.created_at,
            story.permalink,
            votes=3,
            organisation_id=1,
        ),
        Candidate(99, "outcome", "g4", "Said without a name", None, None, NOW, None, votes=1),
    ]


ROUND = RoundTime(
    period="2026-11",
    starts_at=datetime(2026, 11, 1, tzinfo=UTC),
    ends_at=datetime(2026, 12, 1, tzinfo=UTC),
    opens_at=datetime(2026, 12, 7, 9, tzinfo=UTC),
    closes_at=datetime(2026, 12, 14, 9, tzinfo=UTC),
    label="November 2026",
)


def _round_view(world: World) -> RoundView:
    candidates = _candidates(world)
    return RoundView(
        id=1,
        period=ROUND.period,
        starts_at=ROUND.starts_at,
        ends_at=ROUND.ends_at,
        channel_id="C0NETWORK",
        message_ts="1764000000.000100",
        closes_at=ROUND.closes_at,
        closed_at=ROUND.closes_at,
        candidates=candidates,
        voters=4,
        chosen=candidates[0],
        reasons="Families came back the week after",
        chosen_by=ANN,
        chosen_at=NOW,
    )


CHART = ChartImage("F0CHART0001", "Entries per goal, last 8 weeks", "g3 rose from 2 to 5")

# By annotation (as written in the builder's signature). Each gives an example from the world.
EXAMPLES: dict[str, Callable[[World], Any]] = {
    "Framework": lambda w: FRAMEWORK,
    "Goal": lambda w: FRAMEWORK.goals[2],
    "EntryView": lambda w: _entry(w, "story"),
    "Sequence[EntryView]": lambda w: w.log.latest_shared(T, ANN),
    "MyLog": lambda w: w.log.list_mine(T, ANN),
    "SearchPage": lambda w: w.log.search(T, ANN, "tea"),
    "MemberStatus": lambda w: MemberPreferences(w.db, clock=w.clock).status(T, ANN),
    "JournalPage": lambda w: Journal(w.db, FRAMEWORK, clock=w.clock).page(T, ANN, MineRequest()),
    "MyExport": lambda w: Journal(w.db, FRAMEWORK, clock=w.clock).export(T, ANN),
    "CoordinatorFile": _coordinator_file,
    "ChartImage": lambda w: CHART,
    "Participation": _participation,
    "FollowUp": _followup,
    "WeeklySummary": _summary,
    "Sequence[WeekFigures]": _figures,
    "WorkspaceSettings": _settings,
    "LogError": lambda w: EntryTooLong(3200, 3000, text="A story far too long…"),
    "dict[str | None, int]": lambda w: w.log.counts_by_goal(T, ANN),
    "dict[str, Any]": lambda w: {"entry_id": 1},
    "Sequence[tuple[str, str, str]]": lambda w: [("log", "/kindness log …", "log g3 We met")],
    "Sequence[Block]": lambda w: [],
    "Sequence[HelpRow]": lambda w: _help_rows(False),
    "Endorsement": lambda w: Endorsement("Leeds Mind", date(2026, 11, 20), "https://leeds.example"),
    "Sequence[AuditLine]": lambda w: [
        AuditLine(NOW, T, ANN, "changed the settings", "channel", {"channel": "C0NETWORK"}),
        AuditLine(NOW, T, "kindness-bot", "backed up", None, {}),
    ],
    "Choice": lambda w: Choice("offer", "leeds  mind", ORGANISATION),
    "OrganisationInfo": lambda w: ORGANISATION,
    "Sequence[OrganisationSummary]": lambda w: [
        OrganisationSummary(1, "Leeds Mind", "voluntary", "Leeds", 3, 12),
        OrganisationSummary(2, "Fife Council", None, None, 1, 0),
    ],
    "Sequence[Introduction]": lambda w: [
        Introduction(ANN, "Ann", "Leeds Mind", "Tea & a chat"),
        Introduction(BEN, None, None, None),
    ],
    "PairFigures": lambda w: PAIRS,
    "RoundTime": lambda w: ROUND,
    "RoundView": _round_view,
    "Vote": lambda w: Vote("moved", ROUND.period, 1, 2),
    "list[Candidate]": _candidates,
    "list[int]": lambda w: [c.entry_id for c in _candidates(w)][:1],
    "date": lambda w: date(2026, 12, 7),
    "datetime": lambda w: NOW + timedelta(days=7),
    "int": lambda w: 3,
    "bool": lambda w: True,
    "str": lambda w: "Some words about kindness",
}
# By parameter name and annotation, where a value must be one of a few (these win).
BY_NAME: dict[tuple[str, str], Callable[[World], Any]] = {
    ("action", "EntryView"): _open_action,
    ("removed", "EntryView"): lambda w: _entry(w, "story"),
    ("reflection", "EntryView"): lambda w: _entry(w, "reflection"),
    ("tz", "str"): lambda w: TZ,
    ("kind", "str"): lambda w: "export",
    ("fmt", "str"): lambda w: "csv",
    ("channel", "str"): lambda w: "C0NETWORK",
    ("member_id", "str"): lambda w: BEN,
    ("visibility", "str"): lambda w: "anonymous",
    ("goal", "str"): lambda w: "relationships",
    ("step", "int"): lambda w: 2,
    ("permalink", "str"): lambda w: "https://kindness.slack.com/archives/D1/p1",
    ("author_id", "str"): lambda w: BEN,
    ("callback_id", "str"): lambda w: "log_entry",
    ("coordinators", "Sequence[HelpRow]"): lambda w: _help_rows(True),
    ("organisation", "Block"): lambda w: organisation_field(ORGANISATION),
    ("more", "Sequence[Block]"): lambda w: [kit.section(figures_lines(PAIRS))],
    ("what", "str"): lambda w: "Renamed 'Leeds mind' to",
}


# -- finding the builders ------------------------------------------------------------------------


def builders() -> Iterator[Callable[..., Any]]:
    """Every public function in bot/blocks/ (kit's primitives aside) that returns a message or a
    view."""
    for found in pkgutil.iter_modules(bot.blocks.__path__):
        module = importlib.import_module(f"bot.blocks.{found.name}")
        if found.name == "kit":
            continue
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if function.__module__ != module.__name__ or name.startswith("_"):
                continue
            if inspect.signature(function).return_annotation == "dict[str, Any]":
                yield function


BUILDERS = sorted(builders(), key=lambda f: f"{f.__module__}.{f.__name__}")


def _example(world: World, function: Callable[..., Any], parameter: inspect.Parameter) -> Any:
    annotation = str(parameter.annotation)
    wanted = annotation.removesuffix(" | None")
    if (parameter.name, wanted) in BY_NAME:
        return BY_NAME[parameter.name, wanted](world)
    if wanted not in EXAMPLES:
        pytest.fail(
            f"{function.__module__}.{function.__name__}: no example of {annotation!r} for its "
            f"parameter {parameter.name!r}; add one to EXAMPLES in {__name__}"
        )
    return EXAMPLES[wanted](world)


def calls(world: World, function: Callable[..., Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """The builder with only what it needs, then with every optional part given too."""
    parameters = [
        p for p in inspect.signature(function).parameters.values() if p.kind != p.VAR_KEYWORD
    ]
    needed = {p.name: _example(world, function, p) for p in parameters if p.default is p.empty}
    for name, value in needed.items():
        if value is True and str(inspect.signature(function).parameters[name].annotation) == "bool":
            needed[name] = False  # the other branch of a flag it must be given
    yield "needs only", needed
    full = {p.name: _example(world, function, p) for p in parameters}
    if full != needed:
        yield "everything given", full


# -- what a gap is -------------------------------------------------------------------------------

_EMOJI_CODE = re.compile(r":[a-z0-9_+'-]+:")
_SLACK_MARKUP = re.compile(r"<[^>|]*\|([^>]*)>|<[^>]*>")
_WORD = re.compile(r"[^\W\d_]{4,}")


def words_in(text: str) -> str:
    """What a screen reader would find to say, emoji and symbols left out."""
    text = _SLACK_MARKUP.sub(lambda m: m.group(1) or " ", _EMOJI_CODE.sub(" ", text))
    return "".join(c for c in text if unicodedata.category(c)[0] in "LN" or c.isspace()).strip()


def visible_texts(node: Any, at: str = "") -> Iterator[tuple[str, str]]:
    """(where, words) of every text object, button, option and image in ``node``."""
    if isinstance(node, dict):
        kind = node.get("type")
        if kind in ("plain_text", "mrkdwn") and isinstance(node.get("text"), str):
            yield at, node["text"]
            return
        for key, value in node.items():
            yield from visible_texts(value, f"{at}/{key}")
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from visible_texts(item, f"{at}/{index}")


def gaps(payload: dict[str, Any]) -> list[str]:
    found = []
    blocks = payload.get("blocks") or []
    kind = payload.get("type")
    if kind == "modal":
        title = (payload.get("title") or {}).get("text", "")
        if not words_in(title):
            found.append(f"a modal without a title in words: {title!r}")
    elif kind == "home":
        if not blocks or blocks[0].get("type") != "header":
            found.append("a Home tab that does not start with a header")
    else:
        text = payload.get("text")
        if not isinstance(text, str) or not words_in(text):
            found.append(f"no top-level text in words: {text!r}")
        elif blocks:
            in_blocks = " ".join(t for _, t in visible_texts(blocks)).lower()
            said = {w.lower() for w in _WORD.findall(words_in(text))}
            if said and not any(w in in_blocks for w in said):
                found.append(f"top-level text says nothing its blocks say: {text!r}")
    for at, text in visible_texts(payload):
        if text.strip() and not words_in(text):
            found.append(f"{at}: emoji or symbols alone: {text!r}")
    for image, at in _images(payload):
        if not words_in(str(image.get("alt_text") or "")):
            found.append(f"{at}: an image without alt text")
    for button, at in _buttons(payload):
        if not words_in(str((button.get("text") or {}).get("text") or "")):
            found.append(f"{at}: a button without words (colour alone: {button.get('style')})")
    return found


def _elements(node: Any, kind: str, at: str = "") -> Iterator[tuple[dict, str]]:
    if isinstance(node, dict):
        if node.get("type") == kind:
            yield node, at
        for key, value in node.items():
            yield from _elements(value, kind, f"{at}/{key}")
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _elements(item, kind, f"{at}/{index}")


def _images(payload: dict[str, Any]) -> Iterator[tuple[dict, str]]:
    return _elements(payload, "image")


def _buttons(payload: dict[str, Any]) -> Iterator[tuple[dict, str]]:
    return _elements(payload, "button")


# -- the walk ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    db = Database(f"sqlite:///{tmp_path_factory.mktemp('accessible') / 'kindness.db'}")
    db.upgrade()
    yield _world(db)
    db.dispose()


def test_the_walk_finds_the_builders_of_every_module() -> None:
    modules = {f.__module__.removeprefix("bot.blocks.") for f in BUILDERS}
    known = {"answers", "controls", "files", "home", "modals", "nudges", "refusals", "rhythm"}
    known |= {"endorsements", "keeping", "organisations", "pairs", "selection", "sharing"}
    assert modules >= known
    assert len(BUILDERS) >= 50


@pytest.mark.parametrize("builder", BUILDERS, ids=lambda f: f"{f.__module__[11:]}.{f.__name__}")
def test_every_message_and_view_can_be_read_without_seeing_it(
    world: World, builder: Callable[..., Any]
) -> None:
    built = 0
    for how, arguments in calls(world, builder):
        payload = builder(**arguments)
        if not isinstance(payload, dict) or not ({"blocks", "text", "type"} & set(payload)):
            continue  # a dict of something else (a form's errors)
        built += 1
        assert not gaps(payload), f"{builder.__name__} ({how}): {gaps(payload)}"
    if builder.__name__ not in ("entry_form_errors", "metadata"):
        assert built, f"{builder.__name__} built no message or view"


def test_a_gap_is_found() -> None:
    from bot.blocks import kit

    assert gaps({"blocks": [kit.section("Saved your story")]}) == [
        "no top-level text in words: None"
    ]
    assert gaps(kit.message([kit.section("Saved your story")], ":seedling:"))
    assert gaps(kit.message([kit.section("Saved your story")], "Deleted the others"))
    assert gaps(kit.message([kit.actions(kit.button(":x:", "a", style="danger"))], "Delete it"))
    image = {"type": "image", "image_url": "https://x/y.png", "alt_text": " "}
    assert gaps(kit.message([kit.section("A chart"), image], "The chart"))
    assert gaps(kit.home([kit.section("Hello")]))
    assert not gaps(kit.message([kit.section("Saved your story")], "Saved your story"))
