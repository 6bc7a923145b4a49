"""The goals framework: data, not code.

The default framework (``default_goals.toml`` beside this module) is a short paraphrase of the
Commitment to Kindness' six goals. A network replaces it by pointing ``KINDNESS_GOALS_FILE`` at a
TOML file of the same shape. Every rule below is checked when the file is loaded, so a mistake
stops the bot at start with the file's name and the problem, never halfway through a week.

Goal keys must not collide with the quick-log grammar (``/kindness log [kind] [goal] text``):
a key may not be a kind word (story, action, reflection, outcome) nor look like ``g3``, which
always means "goal number 3".
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

MAX_GOALS = 12
MAX_TITLE = 60
MAX_SUMMARY = 150
MAX_QUESTION = 300
MAX_DIGEST_TITLE = 60
RESERVED_KEYS = frozenset({"story", "action", "reflection", "outcome"})
_KEY_PATTERN = re.compile(r"^[a-z][a-z0-9-]{0,39}$")
_NUMBER_REF = re.compile(r"^g?(\d{1,2})$")


class GoalsFileError(Exception):
    """The goals file cannot be used; ``str()`` names the file and the problem."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


@dataclass(frozen=True)
class Goal:
    key: str
    number: int
    title: str
    summary: str
    questions: tuple[str, ...]


@dataclass(frozen=True)
class Framework:
    name: str
    goals: tuple[Goal, ...]
    source: str
    digest_title: str = ""  # the weekly digest's title; the name when the file gives none

    @property
    def example(self) -> Goal:
        """The goal examples name: the third (as in ``/kindness search listening g3``), or the
        last of a smaller framework."""
        return self.goals[min(2, len(self.goals) - 1)]

    def get(self, key: str) -> Goal | None:
        return next((g for g in self.goals if g.key == key), None)

    def resolve(self, reference: str) -> Goal | None:
        """A goal from what a member typed: ``g3``, ``3``, or a key (any case)."""
        ref = reference.strip().lower()
        match = _NUMBER_REF.match(ref)
        if match:
            number = int(match.group(1))
            return next((g for g in self.goals if g.number == number), None)
        return self.get(ref)

    def numbers_hint(self) -> str:
        """How a member writes a goal by number, for usage texts: ``g1..g6``, ``g1|g2``, or
        ``g2|g5|g9`` when the numbers have gaps."""
        numbers = [g.number for g in self.goals]
        contiguous = numbers == list(range(numbers[0], numbers[0] + len(numbers)))
        if len(numbers) >= 3 and contiguous:
            return f"g{numbers[0]}..g{numbers[-1]}"
        return "|".join(f"g{n}" for n in numbers)

    def references(self) -> list[str]:
        """What a member may type for a goal, for "did you mean" answers and usage texts."""
        return [f"g{g.number}" for g in self.goals] + [g.key for g in self.goals]


def default_goals_path() -> str:
    return str(resources.files("bot").joinpath("default_goals.toml"))


def load_framework(path: str | None = None) -> Framework:
    """Load and check a framework file; the packaged default when ``path`` is None."""
    source = path or default_goals_path()
    try:
        raw = Path(source).read_bytes()
    except OSError as exc:
        raise GoalsFileError(source, f"cannot be read ({exc.strerror or exc})") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise GoalsFileError(source, "is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise GoalsFileError(source, f"is not valid TOML ({exc})") from None
    return _parse_framework(data, source)


def _parse_framework(data: dict, source: str) -> Framework:
    goals_data = data.get("goals")
    if not isinstance(goals_data, list) or not goals_data:
        raise GoalsFileError(source, "defines no goals (add [[goals]] tables)")
    if len(goals_data) > MAX_GOALS:
        raise GoalsFileError(
            source, f"defines {len(goals_data)} goals; at most {MAX_GOALS} are allowed"
        )
    goals = [_parse_goal(item, index, source) for index, item in enumerate(goals_data, start=1)]
    _check_unique(goals, source)
    name = data.get("name", "Goals")
    if not isinstance(name, str) or not name.strip():
        raise GoalsFileError(source, "'name' must be a non-empty string")
    title = data.get("digest_title", name)
    if not isinstance(title, str) or not title.strip():
        raise GoalsFileError(source, "'digest_title' must be a non-empty string")
    if len(title.strip()) > MAX_DIGEST_TITLE:
        raise GoalsFileError(
            source,
            f"'digest_title' has {len(title.strip())} characters; at most {MAX_DIGEST_TITLE}",
        )
    ordered = tuple(sorted(goals, key=lambda g: g.number))
    return Framework(name=name.strip(), goals=ordered, source=source, digest_title=title.strip())


def _parse_goal(item: object, index: int, source: str) -> Goal:
    where = f"goal #{index}"
    if not isinstance(item, dict):
        raise GoalsFileError(source, f"{where} is not a table")
    for field in ("key", "number", "title", "summary", "questions"):
        if field not in item:
            raise GoalsFileError(source, f"{where} is missing '{field}'")
    key = item["key"]
    if not isinstance(key, str) or not _KEY_PATTERN.match(key):
        raise GoalsFileError(
            source,
            f"{where} has key {key!r}: use lowercase letters, digits and hyphens, "
            "starting with a letter (at most 40 characters)",
        )
    where = f"goal '{key}'"
    if key in RESERVED_KEYS or _NUMBER_REF.match(key):
        raise GoalsFileError(
            source, f"{where}: the key is reserved for the quick-log grammar; choose another"
        )
    number = item["number"]
    if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= 99:
        raise GoalsFileError(source, f"{where}: 'number' must be a whole number from 1 to 99")
    title = _text_field(item, "title", MAX_TITLE, where, source)
    summary = _text_field(item, "summary", MAX_SUMMARY, where, source)
    if "\n" in summary:
        raise GoalsFileError(source, f"{where}: 'summary' must be one line")
    questions = item["questions"]
    if not isinstance(questions, list) or not questions:
        raise GoalsFileError(source, f"{where} has an empty question bank (add 'questions')")
    cleaned: list[str] = []
    for number_in_bank, question in enumerate(questions, start=1):
        if not isinstance(question, str) or not question.strip():
            raise GoalsFileError(source, f"{where}: question {number_in_bank} is empty")
        if len(question.strip()) > MAX_QUESTION:
            raise GoalsFileError(
                source,
                f"{where}: question {number_in_bank} has {len(question.strip())} characters; "
                f"at most {MAX_QUESTION}",
            )
        cleaned.append(question.strip())
    return Goal(key, number, title, summary, tuple(cleaned))


def _text_field(item: dict, field: str, limit: int, where: str, source: str) -> str:
    value = item[field]
    if not isinstance(value, str) or not value.strip():
        raise GoalsFileError(source, f"{where}: '{field}' must be a non-empty string")
    value = value.strip()
    if len(value) > limit:
        raise GoalsFileError(
            source, f"{where}: '{field}' has {len(value)} characters; at most {limit}"
        )
    return value


def _check_unique(goals: list[Goal], source: str) -> None:
    seen_keys: set[str] = set()
    seen_numbers: set[int] = set()
    for goal in goals:
        if goal.key in seen_keys:
            raise GoalsFileError(source, f"the key '{goal.key}' is used by two goals")
        if goal.number in seen_numbers:
            raise GoalsFileError(source, f"the number {goal.number} is used by two goals")
        seen_keys.add(goal.key)
        seen_numbers.add(goal.number)
