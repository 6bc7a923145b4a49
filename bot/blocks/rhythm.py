"""What the network sees from its rhythm — the weekly prompt and digest — and what a
coordinator sees: the settings modal, the settings summary, the figures, and the DM sent when
the bot cannot post to the channel.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from bot.blocks import controls, entries, kit
from bot.blocks import pairs as pair_blocks
from bot.blocks.files import COORDINATORS_ARE
from bot.blocks.kit import Block
from bot.blocks.settings import SettingLine, setting_lines
from bot.goals import Framework, Goal
from bot.learning_log import EntryView
from bot.pairs import PairFigures
from bot.participation import Participation
from bot.report.weekly_chart import ChartImage
from bot.settings import DAY_NAMES, WorkspaceSettings
from bot.slack_text import neutralise, one_line
from bot.summary import GoalWeek, WeekFigures, WeeklySummary
from bot.weeks import local_date, local_date_before
from bot.words import count

SETTINGS_MODAL = "settings_modal"
DIGEST_HIGHLIGHTS = 3
HIGHLIGHT_LENGTH = 240
SPARKS = "▁▂▃▄▅▆▇█"


# -- the weekly prompt ----------------------------------------------------------------------------


def prompt_message(goal: Goal, question: str, *, by_dm: bool = False) -> dict[str, Any]:
    """The weekly prompt; ``by_dm``: as sent to a member who takes prompts by DM."""
    where = "here (just below, or in this thread)" if by_dm else "in this thread"
    blocks = [
        kit.header(f"This week · g{goal.number} {goal.title}"),
        kit.section(f"*{question}*"),
        kit.context(goal.summary),
        kit.section(
            f"Reply {where} and your answer goes into the network's learning log "
            f"under g{goal.number}. Or use a button — they also let you stay anonymous or "
            "keep it private:"
        ),
        entries.log_buttons(goal, block_id="prompt_log"),
    ]
    if by_dm:
        blocks.append(
            kit.context(
                "You get the weekly prompt by DM because you asked to. "
                "`/kindness prompts channel` stops it; `/kindness away` pauses it."
            )
        )
    return kit.message(blocks, f"This week's prompt (g{goal.number} {goal.title}): {question}")


def question_message(question: str) -> dict[str, Any]:
    """A prompt's question alone, for a DM prompt whose goal left the framework since."""
    return {"text": question}


# -- the weekly digest ----------------------------------------------------------------------------


def digest_message(
    summary: WeeklySummary,
    framework: Framework,
    tz: str,
    *,
    preview: bool = False,
    chart: ChartImage | None = None,
    in_channel: int | None = None,
) -> dict[str, Any]:
    """The digest: counts, the 12-week chart (when given), highlights per goal (top few, then
    how many more), completed actions, quiet goals, the trend. Fits Slack's limits however busy
    the week was: each goal is one block, highlights are cut short, and every list says what it
    left out. Every figure the chart shows is also in words, so the digest reads as well where
    an image cannot be shown. ``in_channel``: how many people are in the network channel, so
    that those taking part read as a share of them."""
    period = _period(summary.start, summary.end, tz)
    blocks: list[Block] = []
    if preview:
        blocks.append(
            kit.context("Preview — only you can see this. The digest is posted on its day.")
        )
    title = framework.digest_title or framework.name
    blocks.append(kit.header(f"{title} · {period}"))
    if summary.total == 0:
        blocks.append(
            kit.section(
                "Nothing was shared in the learning log this time. A quiet week happens — "
                "what is one small thing you noticed?"
            )
        )
        if chart is not None:
            blocks.append(kit.image(chart.file_id, chart.alt_text, chart.title))
        blocks.append(entries.log_buttons(block_id="digest_log"))
        return kit.message(blocks, f"{title} ({period}): a quiet week")

    blocks.append(kit.section(_headline(summary, in_channel)))
    if chart is not None:
        blocks.append(kit.image(chart.file_id, chart.alt_text, chart.title))
    for goal_week in summary.goals:
        if goal_week.total:
            blocks.append(kit.section(_goal_section(goal_week, framework)))
    if summary.actions_completed:
        blocks.append(kit.section(_completed(summary.actions_completed, framework)))
    if summary.quiet_goals:
        names = ", ".join(entries.goal_name(framework, key) for key in summary.quiet_goals)
        blocks.append(kit.section(f"*Quiet this week:* {names}. Got a story for one of them?"))
    blocks.append(kit.context(_trend_line(summary)))
    blocks.append(entries.log_buttons(block_id="digest_log"))
    blocks.append(
        kit.context(
            "Private entries never appear here; anonymous ones appear without a name. "
            "Find more with `/kindness search <words>` or "
            f"`/kindness search g{framework.example.number}`."
        )
    )
    text = (
        f"{title} ({period}): {count(summary.total, 'entry')} from "
        f"{count(summary.participants, 'member')}"
    )
    return kit.message(blocks, text)


def digest_preview_message(
    summary: WeeklySummary, framework: Framework, tz: str, *, with_chart: bool
) -> dict[str, Any]:
    """``/kindness digest``: the digest as it would be posted now, for one member's eyes
    (``with_chart``: the posted digest will also show the chart of the last 12 weeks)."""
    message = digest_message(summary, framework, tz, preview=True)
    if with_chart:
        message["blocks"].insert(
            1, kit.context("The digest itself also shows a chart of the last 12 weeks.")
        )
    return message


def _headline(summary: WeeklySummary, in_channel: int | None = None) -> str:
    kinds = summary.counts_by_kind
    who = f"*{count(summary.participants, 'member')}*"
    # Members who log from elsewhere may outnumber the channel: a share only when it is one.
    if in_channel is not None and in_channel >= max(summary.participants, 2):
        who = f"*{summary.participants} of the {count(in_channel, 'member')}* of the channel"
    parts = [
        f"*{count(summary.total, 'entry')}* from {who}: "
        f"{count(kinds['story'], 'story')}, {count(kinds['action'], 'action')} committed, "
        f"{count(kinds['reflection'], 'reflection')}"
        + (f", {count(kinds['outcome'], 'outcome')} seen." if kinds.get("outcome") else ".")
    ]
    done = len(summary.actions_completed)
    if done:
        parts.append(f"{count(done, 'action')} completed.")
    return " ".join(parts)


def _goal_section(goal_week: GoalWeek, framework: Framework) -> str:
    counts = ", ".join(count(n, kind) for kind, n in goal_week.counts.items() if n)
    lines = [f"*{entries.goal_name(framework, goal_week.goal_key)}* — {counts}"]
    for entry in goal_week.highlights[:DIGEST_HIGHLIGHTS]:
        lines.append(_highlight(entry))
    more = goal_week.total - min(len(goal_week.highlights), DIGEST_HIGHLIGHTS)
    if more > 0:
        goal = framework.get(goal_week.goal_key) if goal_week.goal_key else None
        where = f"`/kindness search g{goal.number}`" if goal else "`/kindness mine`"
        lines.append(f"_…and {more} more — see them with {where}_")
    return "\n".join(lines)


def _highlight(entry: EntryView) -> str:
    who = "a member" if entry.author_id is None else f"<@{entry.author_id}>"
    link = f" · <{entry.permalink}|message>" if entry.permalink else ""
    kind = entries.KIND_LABELS[entry.kind].lower()
    text = kit.quote(one_line(entry.text, HIGHLIGHT_LENGTH), HIGHLIGHT_LENGTH + 80)
    why = ""
    if entry.why_it_matters:
        why = "\n      _Why it matters:_ " + one_line(
            neutralise(entry.why_it_matters), HIGHLIGHT_LENGTH
        )
    return f"{text}{why}\n      — {who}, {kind}{link}"


def _completed(actions: Sequence[EntryView], framework: Framework) -> str:
    lines = [f"*Actions completed ({len(actions)})*"]
    for action in actions[:5]:
        who = "a member" if action.author_id is None else f"<@{action.author_id}>"
        lines.append(f"✓ {one_line(neutralise(action.text), 150)} — {who}")
    if len(actions) > 5:
        lines.append(f"_…and {len(actions) - 5} more_")
    return "\n".join(lines)


def _trend_line(summary: WeeklySummary) -> str:
    if summary.first_week:
        # A new network: twelve weeks of nothing before this one would say nothing true.
        return "The network's first week in the learning log: everything above is new."
    totals = [w.total for w in summary.trend]
    average = summary.previous_weeks_average
    this_week = summary.trend[-1].total if summary.trend else summary.total
    if average == 0:
        comparison = "the first busy week in a while"
    elif this_week > average * 1.2:
        comparison = f"more than the average of {average:.0f} a week before it"
    elif this_week < average * 0.8:
        comparison = f"fewer than the average of {average:.0f} a week before it"
    else:
        comparison = f"about the average of {average:.0f} a week"
    return (
        f"Entries per week, last {count(len(totals), 'week')}: {sparkline(totals)} — {comparison}."
    )


def sparkline(values: Sequence[int]) -> str:
    top = max(values, default=0)
    if top == 0:
        return SPARKS[0] * len(values)
    return "".join(SPARKS[min(len(SPARKS) - 1, round(v / top * (len(SPARKS) - 1)))] for v in values)


def _period(start: datetime, end: datetime, tz: str) -> str:
    first, last = local_date(start, tz), local_date_before(end, tz)
    if first.month == last.month:
        return f"{first.day}–{last.day} {last:%b %Y}"
    return f"{first.day} {first:%b} – {last.day} {last:%b %Y}"


# -- figures --------------------------------------------------------------------------------------


def stats_message(
    figures: Sequence[WeekFigures],
    framework: Framework,
    tz: str,
    *,
    participation: Participation | None = None,
    pairs: PairFigures | None = None,
) -> dict[str, Any]:
    """Shared entries per goal per week over the last weeks: the measurement view; with
    ``participation`` (a coordinator's), who took part below the figures; with ``pairs``, the
    peer pairs' rounds in those weeks."""
    weeks = [f.week for f in figures]
    label_width = 8
    header = " " * label_width + "".join(f"{w.monday.day:>3}" for w in weeks) + "  total"
    months = " " * label_width + "".join(
        f"{w.monday:%b}"[:3].rjust(3) if i == 0 or w.monday.day <= 7 else "   "
        for i, w in enumerate(weeks)
    )
    rows = [months, header]
    keys: list[str | None] = [g.key for g in framework.goals]
    if any(None in f.by_goal for f in figures):
        keys.append(None)
    for key in keys:
        goal = framework.get(key) if key else None
        label = f"g{goal.number}" if goal else "no goal"
        counts = [f.by_goal.get(key, 0) for f in figures]
        rows.append(
            label.ljust(label_width) + "".join(f"{n:>3}" for n in counts) + f"{sum(counts):>7}"
        )
    rows.append(
        "all".ljust(label_width)
        + "".join(f"{f.total:>3}" for f in figures)
        + f"{sum(f.total for f in figures):>7}"
    )
    rows.append("members".ljust(label_width) + "".join(f"{f.participants:>3}" for f in figures))
    rows.append(
        "done".ljust(label_width)
        + "".join(f"{f.actions_completed:>3}" for f in figures)
        + f"{sum(f.actions_completed for f in figures):>7}"
    )
    legend = " · ".join(f"g{g.number} {g.title}" for g in framework.goals)
    blocks = [
        kit.header(f"The network's figures · last {count(len(figures), 'week')}"),
        kit.section(
            "Shared entries per goal, week by week (weeks start on Monday, "
            f"{tz}); *members* who took part, actions *done*."
        ),
        kit.preformatted("\n".join(rows)),
        kit.context(legend),
        kit.context(
            "Private entries are not counted. Coordinators get every shared entry as a file "
            "with `/kindness export`."
        ),
    ]
    if participation is not None:
        blocks += [kit.divider(), *controls.participation_blocks(participation)]
    if pairs is not None:
        blocks.append(kit.section(pair_blocks.figures_lines(pairs)))
    total = sum(f.total for f in figures)
    return kit.message(
        blocks,
        f"The network's figures: {count(total, 'shared entry')} in {count(len(figures), 'week')}",
    )


# -- settings -------------------------------------------------------------------------------------


def settings_message(settings: WorkspaceSettings, today: date) -> dict[str, Any]:
    return kit.message(_settings_summary(settings, today), "The network's rhythm settings")


def _settings_summary(settings: WorkspaceSettings, today: date) -> list[Block]:
    lines = [
        f"*{line.label}:* {_setting_value(line)}" for line in setting_lines(settings, today=today)
    ]
    return [
        kit.header("The network's rhythm"),
        kit.section("\n".join(lines)),
        kit.context("Coordinators change these with `/kindness settings`."),
    ]


def _setting_value(line: SettingLine) -> str:
    """Slack names channels and members itself from their ids: ``#name``, a person's name."""
    if line.channel_id:
        return f"<#{line.channel_id}>"
    if line.user_ids:
        return ", ".join(f"<@{user_id}>" for user_id in line.user_ids)
    return line.value


def _pairs_options(settings: WorkspaceSettings) -> list[dict[str, Any]]:
    choices = sorted({0, 1, 2, 3, 4, 6, 8, settings.pairs_every_weeks})
    return [
        kit.option(
            "Off"
            if n == 0
            else ("Week" if n == 1 else f"{n} weeks") + (" (suggested)" if n == 2 else ""),
            str(n),
        )
        for n in choices
    ]


def settings_modal(
    settings: WorkspaceSettings,
    *,
    metadata: dict[str, Any] | None = None,
    names_coordinators: bool = False,
) -> dict[str, Any]:
    """Every setting, prefilled; block ids are the setting keys, so errors land on the field.

    ``names_coordinators``: the coordinator opening it is an admin, who may change the list
    of coordinators; to the others the list is shown, not offered."""
    days = [kit.option(name.capitalize(), name) for name in DAY_NAMES]
    quiet = [kit.option("Off", "0")] + [
        kit.option(f"After {count(n, 'quiet week')}", str(n)) for n in (2, 3, 4, 6, 8, 12)
    ]
    if str(settings.quiet_nudge_weeks) not in {o["value"] for o in quiet}:
        weeks = settings.quiet_nudge_weeks
        quiet.append(kit.option(f"After {count(weeks, 'quiet week')}", str(weeks)))
    blocks = [
        kit.input_block(
            "Network channel",
            kit.conversations_select("channel", initial=settings.channel_id),
            block_id="channel",
            hint="Prompts and digests are posted here. Invite the bot to a private channel first.",
        ),
        kit.input_block(
            "Weekly prompt — day",
            kit.static_select("prompt_day", days, initial=DAY_NAMES[settings.prompt_day]),
            block_id="prompt_day",
        ),
        kit.input_block(
            "Weekly prompt — time",
            kit.timepicker("prompt_time", initial=settings.prompt_time),
            block_id="prompt_time",
        ),
        kit.input_block(
            "Weekly digest — day",
            kit.static_select("digest_day", days, initial=DAY_NAMES[settings.digest_day]),
            block_id="digest_day",
        ),
        kit.input_block(
            "Weekly digest — time",
            kit.timepicker("digest_time", initial=settings.digest_time),
            block_id="digest_time",
        ),
        kit.input_block(
            "Time zone",
            kit.text_input("timezone", initial=settings.timezone, max_length=64),
            block_id="timezone",
            hint="An IANA name such as Europe/London or America/New_York.",
        ),
        _on_off(
            "Nudges by DM", "nudges", "follow-ups on members' actions", on=settings.nudges_enabled
        ),
        kit.input_block(
            "Follow up on an action after (days)",
            kit.text_input("followup_days", initial=str(settings.followup_days), max_length=2),
            block_id="followup_days",
        ),
        kit.input_block(
            "Gentle nudge to quiet members",
            kit.static_select("quiet_weeks", quiet, initial=str(settings.quiet_nudge_weeks)),
            block_id="quiet_weeks",
        ),
        kit.input_block(
            "Pause the rhythm until",
            kit.datepicker(
                "paused_until",
                initial=settings.paused_until.isoformat() if settings.paused_until else None,
            ),
            block_id="paused_until",
            optional=True,
            hint="Nothing is posted or nudged before this date; prompts resume where they stopped.",
        ),
        _on_off(
            "Chart in the weekly digest",
            "digest_chart",
            "entries per goal over the last 12 weeks",
            on=settings.digest_chart,
        ),
        kit.input_block(
            "Peer pairs — a round every",
            kit.static_select(
                "pairs_every_weeks",
                _pairs_options(settings),
                initial=str(settings.pairs_every_weeks),
            ),
            block_id="pairs_every_weeks",
            hint="Members who said `/kindness pairs on` meet someone from another organisation.",
        ),
        kit.input_block(
            "Peer pairs — day",
            kit.static_select("pairs_day", days, initial=DAY_NAMES[settings.pairs_day]),
            block_id="pairs_day",
        ),
        kit.input_block(
            "Impact report: hide figures drawn from few members",
            kit.static_select(
                "min_group", _min_group_options(settings), initial=str(settings.min_group)
            ),
            block_id="min_group",
            hint="A per-goal figure drawn from fewer members than this is not shown in reports.",
        ),
        kit.input_block(
            "Most significant stories: a selection round",
            kit.static_select(
                "selection",
                [
                    kit.option("Monthly", "monthly"),
                    kit.option("Quarterly", "quarterly"),
                    kit.option("Off", "off"),
                ],
                initial=settings.selection,
            ),
            block_id="selection",
            hint="Members vote on a shortlist of the period's stories; you record their choice.",
        ),
        kit.input_block(
            "Selection round opens on day (of the month)",
            kit.text_input("selection_day", initial=str(settings.selection_day), max_length=2),
            block_id="selection_day",
            hint="1 to 28, at the prompt's time; it shortlists the month (or quarter) just ended.",
        ),
        kit.input_block(
            "Members vote for (days)",
            kit.text_input("selection_days", initial=str(settings.selection_days), max_length=2),
            block_id="selection_days",
        ),
        kit.input_block(
            "Keep entries for",
            kit.static_select(
                "keep_years", _keep_years_options(settings), initial=str(settings.keep_years)
            ),
            block_id="keep_years",
            hint="Older entries are deleted; coordinators are told by DM a month ahead, with "
            "an export. Reports and digests already sent keep their figures.",
        ),
        _on_off(
            "Welcome people who join the channel",
            "welcome",
            "a private note: what the network is, how to log",
            on=settings.welcome_enabled,
        ),
    ]
    if names_coordinators:
        blocks.append(
            kit.input_block(
                "Coordinators besides Slack's admins",
                kit.multi_users_select("coordinators", initial=list(settings.coordinators)),
                block_id="coordinators",
                optional=True,
                hint="They may change these settings, log for members and see participation.",
            )
        )
    else:
        named = ", ".join(f"<@{u}>" for u in settings.coordinators) or "none named"
        blocks.append(
            kit.context(
                f"*Coordinators besides Slack's admins:* {named}. "
                "Only Slack's admins and owners change this list."
            )
        )
    return kit.modal(
        "Network settings",
        blocks,
        callback_id=SETTINGS_MODAL,
        submit="Save",
        private_metadata=metadata,
    )


def _min_group_options(settings: WorkspaceSettings) -> list[Block]:
    choices = [kit.option("Off — show every figure", "0")] + [
        kit.option(f"Fewer than {n} members", str(n)) for n in (3, 5, 10)
    ]
    if str(settings.min_group) not in {o["value"] for o in choices}:
        choices.append(
            kit.option(f"Fewer than {settings.min_group} members", str(settings.min_group))
        )
    return choices


def _keep_years_options(settings: WorkspaceSettings) -> list[Block]:
    choices = [kit.option("Forever", "0")] + [
        kit.option(count(n, "year"), str(n)) for n in (1, 2, 3, 5, 7, 10)
    ]
    if str(settings.keep_years) not in {o["value"] for o in choices}:
        choices.append(kit.option(count(settings.keep_years, "year"), str(settings.keep_years)))
    return choices


def settings_saved_view(settings: WorkspaceSettings, today: date) -> dict[str, Any]:
    blocks = _settings_summary(settings, today)
    return kit.modal("Settings saved", blocks, callback_id="settings_saved", close="Close")


NOT_ADMIN = (
    f"Only the network's coordinators can change settings: {COORDINATORS_ARE} "
    "`/kindness settings show` shows the settings and who coordinates."
)
# Under the settings modal's first field when saving could not confirm the rights in time.
ADMIN_UNCONFIRMED_IN_FORM = (
    "Slack did not confirm in time that you are a coordinator; nothing was saved. Press Save again."
)


def not_admin_message() -> dict[str, Any]:
    return kit.notice(NOT_ADMIN)


def admin_check_failed_message() -> dict[str, Any]:
    return kit.notice(
        "Slack did not confirm in time that you are a coordinator, so the settings did not "
        "open. Please run `/kindness settings` again."
    )


# -- when the channel cannot be posted to ---------------------------------------------------------


CHANNEL_ADVICE = {
    "not_in_channel": "the bot is not a member of that private channel. Invite it there with "
    "`/invite @kindness`, or choose another channel with `/kindness settings`",
    "channel_not_found": "that channel no longer exists, or the bot cannot see it. Choose "
    "another with `/kindness settings`",
    "is_archived": "that channel is archived. Unarchive it, or choose another with "
    "`/kindness settings`",
}


def channel_problem_message(what: str, channel: str, error: str) -> dict[str, Any]:
    advice = CHANNEL_ADVICE.get(
        error, f"Slack answered `{error}`. Check the channel with `/kindness settings`"
    )
    text = f"I could not post {what} in <#{channel}>: {advice}. I will try again at the next run."
    return kit.notice(text)


def invite_needed_message(channel: str) -> dict[str, Any]:
    return kit.notice(
        f"Settings saved. To post prompts and digests in <#{channel}> I need to be a member: "
        "type `/invite @kindness` in that channel."
    )


def refusal_view() -> dict[str, Any]:
    """The settings modal, on saving, to someone who is no longer a coordinator."""
    blocks = [kit.section(NOT_ADMIN)]
    return kit.modal("Network settings", blocks, callback_id="settings_refused", close="Close")


def _on_off(label: str, block_id: str, on_means: str, *, on: bool) -> Block:
    """A setting that is on or off, as two radio buttons (On says what it does)."""
    return kit.input_block(
        label,
        kit.radio_buttons(
            block_id,
            [kit.option("On", "on", on_means), kit.option("Off", "off")],
            initial="on" if on else "off",
        ),
        block_id=block_id,
    )
