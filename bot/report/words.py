"""What the report says, in words and numbers, whatever its format (HTML or Markdown)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.goals import Framework
from bot.names import UNNAMED, Directory
from bot.report import charts
from bot.report.figures import Bucket, Figure, GoalFigures, Highlight, ImpactReport
from bot.weeks import local_date, local_date_before
from bot.words import count


def number(value: float | None, *, decimals: int = 0) -> str:
    if value is None:
        return "—"
    return f"{value:,.{decimals}f}"


def change(figure: Figure, *, decimals: int = 0) -> str:
    """ "+50%", "−20%", "no change", "new" or "—" against the previous period."""
    if figure.hidden or figure.value is None:
        return "—"
    if figure.previous is None or figure.previous == 0:
        return "new" if figure.value else "—"
    relative = figure.change or 0.0
    if abs(relative) < 0.005:
        return "no change"
    sign = "+" if relative > 0 else "−"
    return f"{sign}{abs(relative):.0%}"


def hidden_note(min_group: int) -> str:
    return f"hidden: fewer than {min_group} members"


def shown(figure: Figure, min_group: int, *, decimals: int = 0) -> str:
    return hidden_note(min_group) if figure.hidden else number(figure.value, decimals=decimals)


def goal_figures_line(goal: GoalFigures, min_group: int) -> str:
    """``1 action, 1 reflection; 1 member; actions: 1 committed, 1 completed.``"""
    members = shown(goal.members, min_group)
    noun = "member" if goal.members.value == 1 and not goal.members.hidden else "members"
    return (
        f"{kinds_line(goal).capitalize()}; {members} {noun}; actions: "
        f"{shown(goal.actions_committed, min_group)} committed, "
        f"{shown(goal.actions_completed, min_group)} completed."
    )


def before(report: ImpactReport) -> str:
    """The comparison period in words, with its dates."""
    start, end = report.period.previous
    return f"the same length of time just before ({span(start, end, report.period.tz)})"


def span(start: datetime, end: datetime, tz: str) -> str:
    first, last = local_date(start, tz), local_date_before(end, tz)
    if first.year == last.year:
        return f"{first.day} {first:%b} – {last.day} {last:%b %Y}"
    return f"{first.day} {first:%b %Y} – {last.day} {last:%b %Y}"


def period_title(report: ImpactReport) -> str:
    period = report.period
    return f"{span(period.start, period.end, period.tz)} ({length(report)})"


def length(report: ImpactReport) -> str:
    """ "12 weeks", "12 weeks, the last one so far" (a period that runs to now) or "40 days"."""
    period = report.period
    days = (period.last_day - period.first_day).days + 1
    starts_monday = period.first_day.weekday() == 0
    if period.unit == "week" and starts_monday and (days % 7 == 0 or days > 7):
        weeks = len(period.buckets)
        text = count(weeks, "week")
        last = period.buckets[-1]
        return text if (last.end - last.start).days >= 6 else f"{text}, the last one so far"
    return count(days, "day")


def bucket_label(bucket: Bucket, unit: str) -> str:
    return (
        f"{bucket.first_day:%b %Y}"
        if unit == "month"
        else f"{bucket.first_day.day} {bucket.first_day:%b}"
    )


def goal_title(framework: Framework, key: str | None) -> str:
    goal = framework.get(key) if key else None
    if goal is not None:
        return f"g{goal.number} {goal.title}"
    return "No goal yet" if key is None else f"{key} (no longer in the framework)"


def goal_short(framework: Framework, key: str | None) -> str:
    goal = framework.get(key) if key else None
    if goal is not None:
        return f"g{goal.number}"
    return "no goal" if key is None else key


def goal_summary(framework: Framework, key: str | None) -> str | None:
    goal = framework.get(key) if key else None
    return goal.summary if goal else None


# The method note says how many authors are unnamed and how to get their names.
UNNAMED_AUTHOR = UNNAMED


def author(highlight: Highlight, names: Directory) -> str:
    if highlight.author_id is None:
        return "a member"
    return names.user(highlight.author_id) or UNNAMED_AUTHOR


def has_before(report: ImpactReport) -> bool:
    """Whether anything was shared in the period before: a first period compares with nothing."""
    return bool(report.headline.entries.previous)


def introduction(report: ImpactReport) -> str:
    if has_before(report):
        return f"What the network shared in its learning log, compared with {before(report)}."
    return (
        "What the network shared in its learning log. Nothing was shared in the same length of "
        "time before it, so there is nothing to compare with yet."
    )


def title(framework: Framework) -> str:
    return f"{framework.name}: impact report"


def method_note(report: ImpactReport, framework: Framework, names: Directory) -> str:
    """How the report was made: when, from what, what it leaves out, whose goals, whose names.
    Written last, after every author was named."""
    tz = report.period.tz
    parts = [
        f"Made by kindness-bot on {day(report.generated_at, tz)} from the shared learning log "
        f"({tz}).",
        PRIVACY,
    ]
    if report.min_group:
        parts.append(
            f"Figures per goal drawn from fewer than {report.min_group} members are hidden."
        )
    if framework.provenance:
        parts.append(f"The goals: {framework.provenance}")
    unnamed = len(names.unnamed)
    if unnamed:
        many = unnamed > 1
        parts.append(
            f"{count(unnamed, 'author')} {'appear' if many else 'appears'} as "
            f"“{UNNAMED_AUTHOR}”: the bot had not stored {'their names' if many else 'the name'} "
            "and could not ask Slack here. Made where the bot's Slack app is configured, the "
            "report names them."
        )
    return " ".join(parts)


def day(moment: datetime, tz: str) -> str:
    local = moment.astimezone(ZoneInfo(tz))
    return f"{local.day} {local:%b %Y}"


def kinds_line(goal: GoalFigures) -> str:
    parts = [count(n, kind) for kind, n in goal.by_kind.items() if n]
    return ", ".join(parts) if parts else "nothing shared"


@dataclass(frozen=True)
class HeadlineRow:
    label: str
    explanation: str
    figure: Figure
    decimals: int = 0


def headline_rows(report: ImpactReport) -> list[HeadlineRow]:
    h = report.headline
    return [
        HeadlineRow("Entries shared", "stories, actions, reflections and outcomes", h.entries),
        HeadlineRow("Members taking part", "shared or completed something", h.members),
        HeadlineRow("New voices", "members sharing for the first time", h.new_voices),
        HeadlineRow("Actions committed", "shared actions logged", h.actions_committed),
        HeadlineRow("Actions completed", "marked done in the period", h.actions_completed),
        HeadlineRow(
            "Median days to complete",
            "from committing to completing",
            h.median_days_to_complete,
            decimals=1,
        ),
    ]


def goal_table(report: ImpactReport, framework: Framework) -> tuple[list[str], list[list[str]]]:
    """Per goal: its title, entries, change, members, actions committed and completed; no
    change column in a first period, which has nothing to change from."""
    compare = has_before(report)
    headers = ["Goal", "entries", "change", "members", "actions committed", "completed"]
    rows = [
        [
            goal_title(framework, goal.key),
            shown(goal.entries, report.min_group),
            change(goal.entries),
            shown(goal.members, report.min_group),
            shown(goal.actions_committed, report.min_group),
            shown(goal.actions_completed, report.min_group),
        ]
        for goal in report.goals
    ]
    if not compare:
        headers.pop(2)
        for row in rows:
            row.pop(2)
    return headers, rows


def trend_sentence(goal: GoalFigures, report: ImpactReport) -> str:
    if goal.entries.hidden:
        return f"Figures {hidden_note(report.min_group)}."
    now, before = int(goal.entries.value or 0), int(goal.entries.previous or 0)
    if now == 0 and before == 0:
        return "Nothing shared in this period or the one before."
    if now == 0:
        return f"Quiet in this period, after {count(before, 'entry')} in the one before."
    if before == 0:
        if not has_before(report):
            return f"{count(now, 'entry')}."  # a first period: no "before" to speak of
        return f"{count(now, 'entry')}, where the period before had none."
    direction = "up" if now > before else "down" if now < before else "the same as"
    if direction == "the same as":
        return f"{count(now, 'entry')}, the same as the period before."
    return (
        f"{count(now, 'entry')}, {direction} from {before:,} in the period before "
        f"({change(goal.entries)})."
    )


PRIVACY = "Private entries are never counted or shown; anonymous entries appear as “a member”."


# -- the charts and the tables behind them ---------------------------------------------------


@dataclass(frozen=True)
class Chart:
    """A chart and the table of the same figures (the report is complete without pictures)."""

    key: str
    title: str
    alt: str
    headers: list[str]
    rows: list[list[str]]
    draw: Callable[[str], bytes]  # format ("png" or "svg") → image


def report_charts(report: ImpactReport, framework: Framework) -> list[Chart]:
    return [
        entries_chart(report, framework),
        members_chart(report),
        actions_chart(report, framework),
    ]


def entries_chart(report: ImpactReport, framework: Framework, *, title: str | None = None) -> Chart:
    unit = report.period.unit
    labels = [bucket_label(b, unit) for b in report.period.buckets]
    series = [
        charts.Series(
            goal_short(framework, goal.key) + " " + (goal_summary_title(framework, goal.key)),
            [v or 0 for v in goal.weekly],
            charts.goal_colour(index) if goal.key is not None else charts.NO_GOAL_COLOUR,
        )
        for index, goal in enumerate(report.goals)
    ]
    if any(report.hidden_per_bucket):
        series.append(
            charts.Series(
                f"goals with fewer than {report.min_group} members",
                report.hidden_per_bucket,
                charts.HIDDEN_COLOUR,
            )
        )
    heading = title or f"Entries per goal, {unit} by {unit}"
    headers = [unit.capitalize()] + [goal_short(framework, g.key) for g in report.goals]
    if any(report.hidden_per_bucket):
        headers.append("hidden")
    headers.append("all")
    rows = []
    for index, bucket in enumerate(report.period.buckets):
        cells = [bucket_label(bucket, unit)]
        cells += ["·" if g.weekly[index] is None else f"{g.weekly[index]:,}" for g in report.goals]
        if any(report.hidden_per_bucket):
            cells.append(f"{report.hidden_per_bucket[index]:,}")
        cells.append(f"{report.totals_per_bucket[index]:,}")
        rows.append(cells)
    total = sum(report.totals_per_bucket)
    alt = (
        f"{heading}: a stacked bar for each {unit}, one colour per goal; "
        f"{count(total, 'entry')} in all. The table below holds the same figures."
    )
    return Chart(
        "entries-per-goal",
        heading,
        alt,
        headers,
        rows,
        lambda fmt: charts.stacked_bars(heading, labels, series, fmt=fmt, y_label="entries"),
    )


def goal_summary_title(framework: Framework, key: str | None) -> str:
    goal = framework.get(key) if key else None
    if goal is None:
        return ""
    return goal.title  # the legend wraps a long title (charts.LEGEND_WIDTH)


def members_chart(report: ImpactReport) -> Chart:
    unit = report.period.unit
    labels = [bucket_label(b, unit) for b in report.period.buckets]
    heading = f"Members taking part, {unit} by {unit}"
    values = report.members_per_bucket
    alt = (
        f"{heading}: a bar for each {unit}, from {min(values, default=0)} to "
        f"{max(values, default=0)} members. The table below holds the same figures."
    )
    return Chart(
        "members-per-week",
        heading,
        alt,
        [unit.capitalize(), "members"],
        [[label, f"{value:,}"] for label, value in zip(labels, values, strict=True)],
        lambda fmt: charts.bars(heading, labels, values, fmt=fmt, y_label="members"),
    )


def actions_chart(report: ImpactReport, framework: Framework) -> Chart:
    heading = "Actions committed and completed, per goal"
    goals = [g for g in report.goals if g.key is not None or g.actions_committed.value]
    labels, committed, completed, rows = [], [], [], []
    for goal in goals:
        name = goal_short(framework, goal.key)
        rows.append(
            [
                goal_title(framework, goal.key),
                shown(goal.actions_committed, report.min_group),
                shown(goal.actions_completed, report.min_group),
            ]
        )
        if goal.actions_committed.hidden or goal.actions_completed.hidden:
            labels.append(f"{name} (hidden)")
            committed.append(0)
            completed.append(0)
        else:
            labels.append(name)
            committed.append(goal.actions_committed.value or 0)
            completed.append(goal.actions_completed.value or 0)
    alt = (
        f"{heading}: two bars for each goal, actions committed in the period and actions "
        "completed in it. The table below holds the same figures."
    )
    return Chart(
        "actions-per-goal",
        heading,
        alt,
        ["Goal", "committed", "completed"],
        rows,
        lambda fmt: charts.paired_bars(
            heading,
            labels,
            charts.Series("committed", committed, charts.PALETTE[1]),
            charts.Series("completed", completed, charts.PALETTE[2]),
            fmt=fmt,
            x_label="actions",
        ),
    )


def pairs_sentence(report: ImpactReport) -> str | None:
    """The peer pairs of the period in one sentence (None when no round began in it)."""
    pairs = report.pairs
    if not pairs.rounds:
        return None
    share = pairs.met_share
    met = f"{share:.0%} of pairs said they met" if share is not None else "no pair said they met"
    return (
        f"{count(pairs.rounds, 'round')} of peer pairs matched members across organisations "
        f"into {count(pairs.pairs, 'pair')}; {met}, and {count(pairs.actions, 'action')} "
        "came from pairs. Who met whom is not reported."
    )
