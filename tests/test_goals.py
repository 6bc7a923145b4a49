"""The goals framework: the shipped default, and every way a network's own file can be wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.goals import GoalsFileError, load_framework

GOOD_GOAL = """
[[goals]]
key = "{key}"
number = {number}
title = "A goal"
summary = "One line."
questions = ["What happened?"]
"""


def _write(tmp_path: Path, body: str) -> str:
    path = tmp_path / "goals.toml"
    path.write_text(body, encoding="utf-8")
    return str(path)


def _goals(n: int) -> str:
    return "".join(GOOD_GOAL.format(key=f"goal-{chr(97 + i)}", number=i + 1) for i in range(n))


def test_the_default_framework_has_six_goals_with_question_banks() -> None:
    framework = load_framework()
    assert [(g.number, g.key) for g in framework.goals] == [
        (1, "purpose"),
        (2, "leadership"),
        (3, "relationships"),
        (4, "systems"),
        (5, "sustain"),
        (6, "evidence"),
    ]
    assert all(len(g.questions) >= 5 for g in framework.goals)
    assert all(len(set(g.questions)) == len(g.questions) for g in framework.goals)
    assert framework.goals[2].title == "Put relationships at the centre"


def test_a_goal_is_found_by_number_or_key() -> None:
    framework = load_framework()
    assert framework.resolve("g4").key == "systems"
    assert framework.resolve("4").key == "systems"
    assert framework.resolve("Systems").key == "systems"
    assert framework.resolve("g7") is None
    assert framework.resolve("kindness") is None


def test_a_networks_own_file_replaces_the_default(tmp_path: Path) -> None:
    framework = load_framework(_write(tmp_path, 'name = "Our goals"\n' + _goals(2)))
    assert framework.name == "Our goals"
    assert [g.key for g in framework.goals] == ["goal-a", "goal-b"]


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ('name = "x"\n', "defines no goals"),
        (_goals(13), "defines 13 goals; at most 12"),
        (
            GOOD_GOAL.format(key="same", number=1) + GOOD_GOAL.format(key="same", number=2),
            "the key 'same' is used by two goals",
        ),
        (
            GOOD_GOAL.format(key="one", number=1) + GOOD_GOAL.format(key="two", number=1),
            "the number 1 is used by two goals",
        ),
        (
            GOOD_GOAL.format(key="a", number=1).replace('title = "A goal"\n', ""),
            "goal #1 is missing 'title'",
        ),
        (
            GOOD_GOAL.format(key="a", number=1).replace('["What happened?"]', "[]"),
            "goal 'a' has an empty question bank",
        ),
        (
            GOOD_GOAL.format(key="a", number=1).replace('["What happened?"]', '["  "]'),
            "goal 'a': question 1 is empty",
        ),
        (GOOD_GOAL.format(key="story", number=1), "reserved for the quick-log grammar"),
        (GOOD_GOAL.format(key="g2", number=1), "reserved for the quick-log grammar"),
        (GOOD_GOAL.format(key="Bad Key", number=1), "use lowercase letters"),
        (GOOD_GOAL.format(key="a", number=0), "'number' must be a whole number from 1 to 99"),
        (
            GOOD_GOAL.format(key="a", number=1).replace('"One line."', '"' + "x" * 151 + '"'),
            "'summary' has 151 characters; at most 150",
        ),
        ("[[goals]\n", "is not valid TOML"),
    ],
)
def test_a_bad_goals_file_is_refused_naming_the_file_and_problem(
    tmp_path: Path, body: str, problem: str
) -> None:
    path = _write(tmp_path, body)
    with pytest.raises(GoalsFileError) as refused:
        load_framework(path)
    assert problem in str(refused.value)
    assert str(refused.value).startswith(path)


def test_a_missing_goals_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(GoalsFileError) as refused:
        load_framework(str(tmp_path / "nowhere.toml"))
    assert "nowhere.toml: cannot be read" in str(refused.value)
