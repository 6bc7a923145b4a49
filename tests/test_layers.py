"""Which room may import which (docs/architecture.md), read from the source with ``ast``.

A module's room is its folder, with no list of modules to keep:

- ``deploy/`` (servers' configuration) and the entry points operators name, ``bot/__main__.py``
  (``python -m bot``) and ``bot/app.py`` (gunicorn's ``bot.app:wsgi``), import the processes;
- ``runtime/``: the processes, which import anything; only the above and ``sandbox/`` import it;
- ``handlers/`` (listeners, with Bolt) and ``schedules/`` (jobs, without a Slack library): neither
  imports the other, and jobs import no server;
- ``bot/slack/``: the Slack adapters, the only part of ``bot`` that talks to Slack;
- ``bot/blocks/``: every word the bot sends; it imports the core only;
- the rest of ``bot/``: the core, rules and storage, which imports nothing above it.

Every ``import`` counts wherever it stands — at the top, inside a function, under
``TYPE_CHECKING`` — since each is a dependency the next reader has to follow; and no import
circle exists.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "handlers", "schedules", "runtime", "sandbox", "deploy")

# The two names operators' units and commands give the processes: thin shims into runtime/,
# the only files in bot/ that import upward (and nothing imports them).
ENTRY_POINTS = frozenset({"bot.__main__", "bot.app"})

CORE, ADAPTER, BLOCKS = "core", "Slack adapters", "blocks"
HANDLERS, SCHEDULES, RUNTIME = "handlers", "schedules", "runtime"
SANDBOX, ENTRY, DEPLOY = "sandbox", "entry points", "deploy"
SLACK_SDK, BOLT, SERVER = "slack_sdk", "slack_bolt", "a server"
OUTSIDE = {"slack_sdk": SLACK_SDK, "slack_bolt": BOLT, "waitress": SERVER, "gunicorn": SERVER}
EVERYTHING = {CORE, ADAPTER, BLOCKS, HANDLERS, SCHEDULES, RUNTIME, SANDBOX, SLACK_SDK, BOLT, SERVER}

# What each room may import (the standard library and other libraries are anyone's).
MAY_IMPORT: dict[str, set[str]] = {
    CORE: {CORE},
    ADAPTER: {CORE, ADAPTER, SLACK_SDK, BOLT},
    BLOCKS: {CORE, BLOCKS},
    HANDLERS: {CORE, ADAPTER, BLOCKS, HANDLERS, SLACK_SDK, BOLT},
    # No slack_sdk: jobs talk to Slack through the Slack port (bot.slack.port), whose Web API
    # implementation is an adapter (bot.slack.client).
    SCHEDULES: {CORE, ADAPTER, BLOCKS, SCHEDULES},
    RUNTIME: EVERYTHING,
    # The local Slack (stand-in, page, example network): `kindness-bot sandbox`, in runtime/,
    # runs it beside the real app; the page knows a job's result by its type.
    SANDBOX: {CORE, ADAPTER, BLOCKS, SCHEDULES, SANDBOX, SLACK_SDK, BOLT, SERVER},
    ENTRY: {RUNTIME},
    DEPLOY: {RUNTIME, SERVER},
}

# Imports allowed to cross a layer the wrong way for a while, as (importer, imported), while
# the code they need moves to its room, each with where it is going (none today). When one is
# gone its entry must go too (test_every_allowance_is_still_needed): the list only shrinks.
ALLOWED_FOR_NOW: dict[tuple[str, str], str] = {}


@dataclass(frozen=True)
class Import:
    importer: str  # a module of the project
    target: str  # a module of the project, or a library's top-level name
    line: int


def modules_under(root: Path, packages: Iterable[str] = PACKAGES) -> dict[str, Path]:
    """Every module of ``packages`` under ``root``, by dotted name."""
    found = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def imports_of(modules: dict[str, Path]) -> Iterator[Import]:
    """Every import in ``modules``, resolved to a module of the project (the longest dotted
    prefix that is one) or to a library's top-level name."""

    def resolve(name: str) -> str:
        candidate = name
        while candidate:
            if candidate in modules:
                return candidate
            candidate = candidate.rpartition(".")[0]
        return name.partition(".")[0]

    def found_in(module: str, path: Path) -> Iterator[Import]:
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    yield Import(module, resolve(alias.name), node.lineno)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")
                    parts = parts[: len(parts) - node.level + 1]
                    base = ".".join([*parts, base] if base else parts)
                for alias in node.names:
                    # `from bot import metrics` imports the module bot.metrics.
                    submodule = f"{base}.{alias.name}"
                    yield Import(
                        module, submodule if submodule in modules else resolve(base), node.lineno
                    )

    for module, path in modules.items():
        # `from slack_sdk import A, B` is one import of slack_sdk.
        yield from dict.fromkeys(found_in(module, path))


def room_of(name: str) -> str | None:
    """The room of a module of the project (by its folder) or of a library (None: the standard
    library or a library anyone may use)."""
    top, _, rest = name.partition(".")
    if name in ENTRY_POINTS:
        return ENTRY
    if top == "bot":
        folder = rest.partition(".")[0]
        return {"blocks": BLOCKS, "slack": ADAPTER}.get(folder, CORE)
    if top in (HANDLERS, SCHEDULES, RUNTIME, SANDBOX, DEPLOY):
        return top
    return OUTSIDE.get(top)


def crossings(imports: Iterable[Import]) -> list[str]:
    """Each import that crosses a layer the wrong way, as a sentence."""
    wrong = []
    for found in imports:
        importer, target = room_of(found.importer), room_of(found.target)
        if importer is None or target is None or target in MAY_IMPORT[importer]:
            continue
        allowed = ", ".join(sorted(MAY_IMPORT[importer]))
        wrong.append(
            f"{found.importer} (line {found.line}) imports {found.target}: "
            f"{importer} may import only {allowed}"
        )
    return wrong


def circles(imports: Iterable[Import]) -> list[str]:
    """Each import circle among the project's modules (Tarjan's strongly connected
    components), as a sentence: the shortest way round from its first module, and every
    module caught in it."""
    graph: dict[str, set[str]] = {}
    for found in imports:
        graph.setdefault(found.importer, set())
        graph.setdefault(found.target, set())
        if found.target != found.importer:
            graph[found.importer].add(found.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    components: list[set[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for after in sorted(graph[node]):
            if after not in index:
                connect(after)
                low[node] = min(low[node], low[after])
            elif after in stack:
                low[node] = min(low[node], index[after])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(component)

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return [
        " → ".join(_way_round(graph, component))
        + (f" (caught in it: {', '.join(sorted(component))})" if len(component) > 2 else "")
        for component in sorted(components, key=min)
    ]


def _way_round(graph: dict[str, set[str]], component: set[str]) -> list[str]:
    start = min(component)
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for after in sorted(graph[node] & component):
            if after == start:
                return [*paths[node], start]
            if after not in paths:
                paths[after] = [*paths[node], after]
                queue.append(after)
    raise AssertionError("a strongly connected component has a way round")


def project_imports() -> list[Import]:
    return list(imports_of(modules_under(REPOSITORY)))


# -- the project --------------------------------------------------------------------------------


def test_no_import_crosses_a_layer_the_wrong_way() -> None:
    found = project_imports()
    allowed = {(i.importer, i.target) for i in found} & set(ALLOWED_FOR_NOW)
    wrong = crossings(i for i in found if (i.importer, i.target) not in allowed)
    assert not wrong, "\n".join(wrong)


def test_no_import_circle() -> None:
    found = circles(project_imports())
    assert not found, "\n".join(found)


def test_folders_import_one_way() -> None:
    """By folders, the house has no loop: runtime/ → handlers/, schedules/, sandbox/ →
    bot/blocks/, bot/slack/ → the core. Only the two entry points in bot/ point up, and
    nothing imports them."""
    found = project_imports()
    rooms = {
        (room_of(i.importer), room_of(i.target))
        for i in found
        if room_of(i.importer) not in (None, ENTRY) and room_of(i.target) not in (None, ENTRY)
    }
    graph = {(a, b) for a, b in rooms if a != b and b not in OUTSIDE.values()}
    assert not [f"{a} → {b} and {b} → {a}" for a, b in graph if (b, a) in graph], (
        "two folders import each other"
    )
    loops = circles(Import(a, b, 0) for a, b in graph)
    assert not loops, "\n".join(loops)
    assert not [i for i in found if room_of(i.target) == ENTRY], "something imports an entry point"


def test_every_allowance_is_still_needed() -> None:
    found = {(i.importer, i.target) for i in project_imports()}
    gone = [f"{a} → {b}" for a, b in ALLOWED_FOR_NOW if (a, b) not in found]
    assert not gone, "no longer imported; remove from ALLOWED_FOR_NOW: " + ", ".join(gone)
    still_wrong = crossings(Import(a, b, 0) for a, b in ALLOWED_FOR_NOW)
    assert len(still_wrong) == len(ALLOWED_FOR_NOW), "an allowance for an import that is fine"


def test_every_listed_module_exists() -> None:
    modules = modules_under(REPOSITORY)
    assert not ENTRY_POINTS - set(modules)


# -- the checker, on small made-up trees --------------------------------------------------------


def _tree(root: Path, files: dict[str, str]) -> dict[str, Path]:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    for package in PACKAGES:
        (root / package).mkdir(exist_ok=True)
        (root / package / "__init__.py").touch()
    return modules_under(root)


def test_the_checker_names_each_wrong_import_and_its_rule(tmp_path: Path) -> None:
    modules = _tree(
        tmp_path,
        {
            "bot/learning_log.py": "from slack_sdk import WebClient\n",
            "bot/summary.py": "def f():\n    from bot.blocks import rhythm\n",
            "bot/blocks/__init__.py": "",
            "bot/blocks/rhythm.py": "from schedules.followups import FollowUp\n",
            "handlers/commands.py": (
                "from typing import TYPE_CHECKING\n"
                "if TYPE_CHECKING:\n    from runtime.app import create_app\n"
            ),
            "schedules/followups.py": "import waitress\nfrom handlers import commands\n",
            "schedules/fanout.py": "from slack_sdk import WebClient\n",
            "runtime/__init__.py": "",
            "runtime/app.py": "import handlers.commands\nimport schedules.followups\n",
        },
    )
    wrong = crossings(imports_of(modules))
    assert wrong == [
        "bot.blocks.rhythm (line 1) imports schedules.followups: "
        "blocks may import only blocks, core",
        "bot.learning_log (line 1) imports slack_sdk: core may import only core",
        "bot.summary (line 2) imports bot.blocks.rhythm: core may import only core",
        "handlers.commands (line 3) imports runtime.app: handlers may import only "
        "Slack adapters, blocks, core, handlers, slack_bolt, slack_sdk",
        "schedules.fanout (line 1) imports slack_sdk: schedules may import only "
        "Slack adapters, blocks, core, schedules",
        "schedules.followups (line 1) imports waitress: schedules may import only "
        "Slack adapters, blocks, core, schedules",
        "schedules.followups (line 2) imports handlers.commands: schedules may import only "
        "Slack adapters, blocks, core, schedules",
    ]


def test_the_checker_lets_each_room_import_what_it_may(tmp_path: Path) -> None:
    modules = _tree(
        tmp_path,
        {
            "bot/app.py": "from runtime.wsgi import build\n",
            "bot/slack/client.py": "from slack_sdk import WebClient\nfrom bot import db\n",
            "bot/db.py": "import sqlalchemy\nfrom . import models\n",
            "bot/models.py": "",
            "bot/blocks/__init__.py": "",
            "bot/blocks/kit.py": "from ..models import x\n",
            "handlers/commands.py": "from slack_bolt import App\nfrom bot.blocks import kit\n",
            "schedules/prompt.py": "from bot.slack.client import make_client\n",
            "runtime/__init__.py": "",
            "runtime/wsgi.py": "import waitress\nimport handlers.commands\n",
            "runtime/sandbox.py": "from runtime import wsgi\nfrom sandbox import page\n",
            "sandbox/page.py": "from bot.blocks import kit\n",
        },
    )
    found = list(imports_of(modules))
    assert Import("bot.blocks.kit", "bot.models", 1) in found, "relative imports resolve"
    assert Import("bot.slack.client", "bot.db", 2) in found, "a module from its package"
    assert crossings(found) == []
    assert circles(found) == []


def test_the_checker_finds_each_circle_with_its_way_round(tmp_path: Path) -> None:
    modules = _tree(
        tmp_path,
        {
            "bot/app.py": "from bot.cli import main\n",
            "bot/cli.py": "def run():\n    from bot.serve import serve\n",
            "bot/serve.py": "from bot.app import create_app\nfrom bot import cli\n",
            "sandbox/page.py": (
                "from typing import TYPE_CHECKING\n"
                "if TYPE_CHECKING:\n    from sandbox.server import Sandbox\n"
            ),
            "sandbox/server.py": "from sandbox import page\n",
            "bot/db.py": "from bot import db\n",  # itself: no circle
        },
    )
    assert circles(imports_of(modules)) == [
        "bot.app → bot.cli → bot.serve → bot.app (caught in it: bot.app, bot.cli, bot.serve)",
        "sandbox.page → sandbox.server → sandbox.page",
    ]


@pytest.mark.parametrize(
    ("module", "room"),
    [
        ("bot.learning_log", CORE),
        ("bot.report.figures", CORE),
        ("bot.slack.client", ADAPTER),
        ("bot.blocks.kit", BLOCKS),
        ("runtime.cli", RUNTIME),
        ("bot.app", ENTRY),
        ("slack_sdk", SLACK_SDK),
        ("gunicorn", SERVER),
        ("sqlalchemy", None),
    ],
)
def test_rooms(module: str, room: str | None) -> None:
    assert room_of(module) == room
