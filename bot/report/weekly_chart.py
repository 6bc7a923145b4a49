"""The network's chart outside the report: shared entries per goal, week by week, as a PNG
for Slack (the weekly digest and App Home)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.goals import Framework
from bot.report import charts
from bot.summary import WeekFigures
from bot.words import count

WEEKS = 12


@dataclass(frozen=True)
class ChartImage:
    """A chart already uploaded to Slack, and its words for those who cannot see it."""

    file_id: str
    title: str
    alt_text: str


def title(weeks: int = WEEKS) -> str:
    """Fewer weeks than ``WEEKS`` only for a young network, whose chart starts at its first
    shared entry rather than with empty weeks before anyone had shared anything."""
    if weeks == 1:
        return "Entries per goal, the network's first week"
    if weeks < WEEKS:
        return f"Entries per goal, the network's first {count(weeks, 'week')}"
    return f"Entries per goal, last {count(weeks, 'week')}"


def alt_text(figures: Sequence[WeekFigures], framework: Framework) -> str:
    """The chart in words: what a screen reader says, and what shows where images do not."""
    totals = [f.total for f in figures]
    keys = [g.key for g in framework.goals]
    per_goal = [
        (f"g{g.number}", sum(f.by_goal.get(g.key, 0) for f in figures)) for g in framework.goals
    ]
    busiest = max(per_goal, key=lambda item: item[1], default=("", 0))
    other = sum(sum(n for k, n in f.by_goal.items() if k not in keys) for f in figures)
    parts = [
        f"{title(len(figures))}: a stacked bar for each week, one colour per goal.",
        f"Entries per week, oldest first: {', '.join(str(t) for t in totals)}.",
        "By goal: " + ", ".join(f"{name} {count}" for name, count in per_goal) + ".",
    ]
    if other:
        parts.append(f"Without a goal or under older goals: {other}.")
    if busiest[1]:
        parts.append(f"Busiest goal: {busiest[0]}.")
    return " ".join(parts)


def weekly_chart_png(figures: Sequence[WeekFigures], framework: Framework) -> bytes:
    """Raises ``charts.ChartsUnavailable`` without matplotlib."""
    labels = [f"{f.week.monday.day} {f.week.monday:%b}" for f in figures]
    keys = [g.key for g in framework.goals]
    series = [
        charts.Series(
            f"g{goal.number} {goal.title}",
            [f.by_goal.get(goal.key, 0) for f in figures],
            charts.goal_colour(index),
        )
        for index, goal in enumerate(framework.goals)
    ]
    series.append(
        charts.Series(
            "no goal yet",
            [sum(n for k, n in f.by_goal.items() if k not in keys) for f in figures],
            charts.NO_GOAL_COLOUR,
        )
    )
    return charts.stacked_bars(title(len(figures)), labels, series, fmt="png", y_label="entries")
