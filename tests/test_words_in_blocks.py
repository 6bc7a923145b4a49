"""Every word the bot sends to Slack is built in ``bot/blocks/``: read with ``ast``, no handler,
job, process, Slack adapter or core module builds a Slack message or mrkdwn of its own.

Examined: every module of ``handlers/``, ``schedules/``, ``runtime/`` and ``bot/`` outside
``bot/blocks/`` (the core and ``bot/slack/``). Found wrong:

- a dict literal that is Block Kit: a ``"type"`` of a block, element or text object
  (``"section"``, ``"mrkdwn"``, ``"button"``…), or a ``"blocks"`` key;
- a dict literal that is a Slack message: only a message's keys (``text``, ``blocks``,
  ``thread_ts``, ``response_type``…), ``text`` or ``blocks`` among them;
- a call of a Web API method or a ``respond`` with ``text=``/``blocks=`` given as a literal
  or an f-string;
- a string (an f-string's pieces read together) with Slack's markup: a mention ``<@…>``,
  ``<#…>``, a broadcast ``<!here>``/``<!channel>``/``<!everyone>``/``<!subteam^…>``/``<!date^…>``,
  ``*bold*``, ``_italic_``, an ``:emoji:`` standing as a word, a bullet ``•``.

What is not a Slack message, and how this test knows (the decision):

- **docstrings**: read by developers;
- **log lines**: the arguments of a logger's method (``log.info(…)``, ``logging.warning(…)``);
- **command-line output**: what is printed (``print(…)``, a stream's ``write(…)``) and
  ``argparse``'s help (``add_argument``, ``add_parser``, ``ArgumentParser``): the shell's
  words, never Slack's — ``kindness-bot`` prints no Slack markup, so this rule only lets a
  shell's ``*`` or ``_`` through;
- **patterns and tests that read Slack's markup**: the arguments of ``re``'s functions
  (``re.compile``, ``re.match``…), of ``startswith``/``endswith``, and both sides of a
  comparison (``"<@" in word``) — they recognise markup, they do not build it.

The exceptions below are files for people outside Slack, each with its reason; the list only
shrinks.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parent.parent
EXAMINED = ("handlers", "schedules", "runtime", "bot")
WORDS_ROOM = Path("bot", "blocks")

# (file, function; "" for the whole file) → why its markup is not for Slack. Markdown
# (CommonMark) for files read outside Slack shares ``_italic_`` with mrkdwn.
_MARKDOWN_FILE = "CommonMark in a file read outside Slack (an editor, a site), never mrkdwn"
NOT_FOR_SLACK: dict[tuple[str, str], str] = {
    ("bot/export.py", "_markdown_item"): f"the log's Markdown export: {_MARKDOWN_FILE}",
    ("bot/export.py", "_outcome_lines"): f"the log's Markdown export: {_MARKDOWN_FILE}",
    ("bot/report/as_markdown.py", ""): f"the impact report as Markdown: {_MARKDOWN_FILE}",
    ("bot/report/evidence_markdown.py", ""): f"the report's evidence: {_MARKDOWN_FILE}",
}

BLOCK_KIT_TYPES = frozenset(
    {
        # blocks
        "section", "context", "actions", "header", "divider", "image", "input", "rich_text",
        "file", "video", "markdown",
        # text objects
        "mrkdwn", "plain_text",
        # elements
        "button", "static_select", "external_select", "users_select", "conversations_select",
        "channels_select", "multi_static_select", "multi_users_select", "overflow",
        "datepicker", "timepicker", "datetimepicker", "checkboxes", "radio_buttons",
        "plain_text_input", "number_input", "email_text_input", "url_text_input",
        # surfaces
        "modal", "home",
    }
)  # fmt: skip
MESSAGE_KEYS = frozenset(
    {
        "text", "blocks", "attachments", "thread_ts", "response_type", "replace_original",
        "delete_original", "mrkdwn", "unfurl_links", "unfurl_media", "reply_broadcast",
        "icon_emoji", "username",
    }
)  # fmt: skip
SLACK_MARKUP = re.compile(
    r"<[@#]"  # a member's or channel's mention
    r"|<!(?:here|channel|everyone|subteam\^|date\^)"  # a broadcast or a date
    r"|(?<![\w*])\*[^*\s](?:[^*\n]*[^*\s])?\*(?![\w*])"  # *bold*
    r"|(?<![\w_])_[^_\s](?:[^_\n]*[^_\s])?_(?![\w_])"  # _italic_
    r"|(?<![^\s(\x00]):[a-z0-9_+-]+:(?=$|[\s.,;!?)])"  # :emoji: standing as a word
    r"|•"
)
# An f-string's placeholders, read as one character that is neither a word nor a space.
PLACEHOLDER = "\x00"

LOGGER_METHODS = frozenset({"debug", "info", "warning", "error", "exception", "critical", "log"})
LOGGERS = re.compile(r"^(log|logger|logging|_log|LOG)$")
SHELL_CALLS = frozenset({"print", "write", "add_argument", "add_parser", "ArgumentParser"})
RE_FUNCTIONS = frozenset(
    {"compile", "match", "fullmatch", "search", "sub", "subn", "split", "findall", "finditer"}
)
TEXT_TESTS = frozenset({"startswith", "endswith", "removeprefix", "removesuffix"})
SLACK_SENDS = re.compile(r"^(chat_\w+|views_\w+|files_upload\w*|respond|say|postMessage)$")


@dataclass(frozen=True)
class Found:
    path: str
    line: int
    what: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.what}"


def examined_files(root: Path = REPOSITORY) -> Iterator[Path]:
    for folder in EXAMINED:
        for path in sorted((root / folder).rglob("*.py")):
            relative = path.relative_to(root)
            if relative.parts[: len(WORDS_ROOM.parts)] != WORDS_ROOM.parts:
                yield path


def _text_of(node: ast.AST) -> str | None:
    """A string literal's text, or an f-string's pieces with placeholders between them."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(
            v.value if isinstance(v, ast.Constant) and isinstance(v.value, str) else PLACEHOLDER
            for v in node.values
        )
    return None


def _called_name(call: ast.Call) -> tuple[str, str]:
    """(the object's name, the function's name) of ``obj.f(…)`` or ``f(…)``."""
    func = call.func
    if isinstance(func, ast.Attribute):
        owner = func.value
        owner_name = owner.id if isinstance(owner, ast.Name) else getattr(owner, "attr", "")
        return owner_name, func.attr
    if isinstance(func, ast.Name):
        return "", func.id
    return "", ""


def _not_for_slack(call: ast.Call) -> bool:
    owner, name = _called_name(call)
    return (
        (name in LOGGER_METHODS and LOGGERS.match(owner) is not None)
        or name in SHELL_CALLS
        or (owner == "re" and name in RE_FUNCTIONS)
        or name in TEXT_TESTS
    )


def _is_block_kit(node: ast.Dict) -> str | None:
    keys = {k.value: v for k, v in zip(node.keys, node.values, strict=True) if _is_str(k)}
    kind = keys.get("type")
    if isinstance(kind, ast.Constant) and kind.value in BLOCK_KIT_TYPES:
        return f"a Block Kit {kind.value!r} built here"
    if "blocks" in keys:
        return "a message's blocks built here"
    if "text" in keys and len(keys) == len(node.keys) and set(keys) <= MESSAGE_KEYS:
        return "a Slack message built here"
    return None


def _is_str(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def words_outside_blocks(path: Path, relative: str) -> list[Found]:
    """Every place in one module that builds Slack's words, but for the exceptions."""
    tree = ast.parse(path.read_text(), filename=str(path))
    skipped: set[int] = set()  # ids of nodes whose strings are not for Slack
    function_of: dict[int, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and _is_str(body[0].value):
                skipped.add(id(body[0].value))  # a docstring
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for inner in ast.walk(node):
                function_of.setdefault(id(inner), node.name)
        if isinstance(node, ast.Call) and _not_for_slack(node):
            skipped.update(id(n) for n in ast.walk(node))
        if isinstance(node, ast.Compare):  # "<@" in word, url.database in (…, ":memory:")
            skipped.update(id(n) for n in ast.walk(node))
    found: list[Found] = []

    def add(node: ast.AST, what: str) -> None:
        excused = {(relative, ""), (relative, function_of.get(id(node), ""))}
        if not excused & set(NOT_FOR_SLACK):
            found.append(Found(relative, getattr(node, "lineno", 0), what))

    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Dict):
            wrong = _is_block_kit(node)
            if wrong:
                add(node, wrong)
        elif isinstance(node, ast.Call) and SLACK_SENDS.match(_called_name(node)[1]):
            for keyword in node.keywords:
                if keyword.arg in ("text", "blocks") and (
                    _text_of(keyword.value) is not None
                    or isinstance(keyword.value, ast.List | ast.Dict)
                ):
                    add(node, f"{keyword.arg}= written in the call to Slack")
        elif isinstance(node, ast.JoinedStr | ast.Constant):
            text = _text_of(node)
            if text is None:
                continue
            if isinstance(node, ast.JoinedStr):
                skipped.update(id(v) for v in node.values)
            markup = SLACK_MARKUP.search(text)
            if markup:
                shown = markup.group(0).replace(PLACEHOLDER, "{…}")
                add(node, f"Slack markup {shown!r} in a string")
    return found


def all_words_outside_blocks(root: Path = REPOSITORY) -> list[Found]:
    found = []
    for path in examined_files(root):
        found += words_outside_blocks(path, path.relative_to(root).as_posix())
    return found


# -- the rule ----------------------------------------------------------------------------------


def test_no_handler_job_process_or_core_module_builds_slack_words() -> None:
    found = all_words_outside_blocks()
    assert not found, "words for Slack built outside bot/blocks/:\n" + "\n".join(map(str, found))


def test_every_exception_is_still_needed() -> None:
    """An exception whose markup is gone must go too: the list only shrinks."""
    for (relative, function), _why in NOT_FOR_SLACK.items():
        path = REPOSITORY / relative
        saved = dict(NOT_FOR_SLACK)
        NOT_FOR_SLACK.pop((relative, function))
        try:
            found = words_outside_blocks(path, relative)
        finally:
            NOT_FOR_SLACK.clear()
            NOT_FOR_SLACK.update(saved)
        assert found, f"{relative} {function}: nothing found there any more, drop the exception"


# -- the checker, on made-up modules ----------------------------------------------------------


WRONG = {
    "a Block Kit section": 'def f(words):\n    return {"type": "section", "text": words}\n',
    "a mrkdwn text object": 'x = {"type": "mrkdwn", "text": "hello"}\n',
    "blocks": 'def f(b):\n    return {"text": "t", "blocks": b}\n',
    "a bare message": 'def f(q):\n    return {"text": q}\n',
    "a message with its thread": 'def f(q, ts):\n    return {"text": q, "thread_ts": ts}\n',
    "a mention in an f-string": 'def f(u):\n    return f"Thanks <@{u}>!"\n',
    "a channel mention": 'def f(c):\n    return "see <#" + c + ">"\n',
    "a broadcast": 'x = "<!here> the digest is out"\n',
    "bold": 'x = "*Saved* to the log"\n',
    "bold around a placeholder": 'def f(t):\n    return f"*{t}*"\n',
    "italic": 'x = "_only you can see this_"\n',
    "an emoji": 'x = "Done :tada:"\n',
    "a bullet": 'def f(w):\n    return f"• {w}"\n',
    "a Web API call's text": 'def f(c, u):\n    c.chat_postMessage(channel=u, text=f"hi {u}")\n',
    "blocks in a call": 'def f(respond):\n    respond(blocks=[], text="x")\n',
}

RIGHT = {
    "a docstring": 'def f():\n    """*Bold* claims about <@U1> and :tada:."""\n',
    "a log line": 'import logging\nlog = logging.getLogger()\nlog.info("*%s* <@%s>", 1, 2)\n',
    "a log line with an f-string": 'def f(log, u):\n    log.warning(f"<@{u}> gone")\n',
    "command-line output": 'print("* a shell list item *", "_x_")\n',
    "argparse help": 'def f(p):\n    p.add_argument("--at", help="*now* by default")\n',
    "a pattern": 'import re\nM = re.compile(r"^<@([UW][A-Z0-9]+)>$")\n',
    "a test of typed words": 'def f(w):\n    return w.startswith("<@") or "<#" in w\n',
    "a data row": 'def f(t):\n    return {"text": t, "user_id": "U1", "kind": "story"}\n',
    "a time": 'x = "e.g. 2026-11-30T10:00+00:00"\n',
    "a key with colons": 'def f(e, s):\n    return f"entry:{e}:step:{s}"\n',
    "an SQLite URL": 'def f(u):\n    return u.database in (None, ":memory:") or "sqlite:///:memory:"\n',
    "arithmetic in words": 'x = "2 * 3 * 4"\ny = "snake_case_name"\n',
    "HTML": 'x = "<!DOCTYPE html>"\n',
    "a manifest's command": 'x = {"type": "slash_command", "text": "t"}\n',
}


@pytest.mark.parametrize("source", WRONG.values(), ids=list(WRONG))
def test_the_checker_finds_words_built_outside_blocks(tmp_path: Path, source: str) -> None:
    path = tmp_path / "made_up.py"
    path.write_text(source)
    assert words_outside_blocks(path, "handlers/made_up.py"), source


@pytest.mark.parametrize("source", RIGHT.values(), ids=list(RIGHT))
def test_the_checker_lets_through_what_is_not_for_slack(tmp_path: Path, source: str) -> None:
    path = tmp_path / "made_up.py"
    path.write_text(source)
    assert words_outside_blocks(path, "handlers/made_up.py") == [], source


def test_the_checker_names_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "made_up.py"
    path.write_text('import os\n\n\ndef f(u):\n    return f"Thanks <@{u}>"\n')
    (found,) = words_outside_blocks(path, "handlers/made_up.py")
    assert str(found) == "handlers/made_up.py:5: Slack markup '<@' in a string"


def test_the_checker_looks_at_every_room_but_blocks() -> None:
    seen = {p.relative_to(REPOSITORY).parts[0] for p in examined_files()}
    assert seen == set(EXAMINED)
    assert not any(p.is_relative_to(REPOSITORY / WORDS_ROOM) for p in examined_files())
    assert REPOSITORY / "bot" / "slack" / "admins.py" in set(examined_files())
