"""The Slack stand-in keeps the promises of its package docstring (sandbox/standin/): standard
library only, so `kindness-bot sandbox` can use it without the test tools; and each of its
parts finds the names it uses in itself or in the parts it inherits from, so a reader finds
where a name comes from by following the bases."""

from __future__ import annotations

import ast
import inspect
import sys
import textwrap
from pathlib import Path

from sandbox.standin import SlackStandIn
from sandbox.standin.workspace import Workspace

STANDIN = Path(__file__).resolve().parent.parent / "sandbox" / "standin"
PARTS = [part for part in SlackStandIn.__mro__ if part.__module__.startswith("sandbox.standin")]


def test_the_standin_imports_only_the_standard_library_block_kit_and_the_scopes() -> None:
    outside = []
    for path in sorted(STANDIN.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            for name in names:
                top = name.partition(".")[0]
                if top in sys.stdlib_module_names or top == "__future__":
                    continue
                if name in ("sandbox.blockkit", "bot.manifest") or name.startswith(
                    "sandbox.standin."
                ):
                    continue
                outside.append(f"{path.name}:{node.lineno} imports {name}")
    assert not outside, outside


def names_of(part: type) -> tuple[set[str], set[str]]:
    """(what a class defines: its members and the attributes it sets on self, what it reads
    from self)."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(part)))
    defined, read = set(vars(part)), set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "self"
        ):
            (defined if isinstance(node.ctx, ast.Store) else read).add(node.attr)
    return defined, read


def borrowed(part: type) -> set[str]:
    """Names `part` reads from self that neither it nor any class it inherits from defines."""
    inherited = set().union(*(names_of(base)[0] for base in part.__mro__[:-1]))
    return names_of(part)[1] - inherited


def test_each_part_uses_only_its_own_names_and_those_of_the_parts_it_inherits() -> None:
    assert len(PARTS) == 15  # SlackStandIn and its fourteen parts
    found = {part.__name__: sorted(borrowed(part)) for part in PARTS if borrowed(part)}
    assert not found, f"these parts use names they do not inherit: {found}"


class _Borrower(Workspace):
    def peek(self) -> dict:
        return self._views  # Views' state: Views is not among this class's bases


def test_a_part_reading_a_siblings_state_is_found() -> None:
    assert borrowed(_Borrower) == {"_views"}
