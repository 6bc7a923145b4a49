"""App Home: the member's buttons to log, their open actions and recent entries, the network's
latest and its figures (with the chart, when there is one), and their own settings."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.blocks import kit
from bot.blocks.entries import entry_actions, entry_block, log_buttons, open_action_block
from bot.blocks.kit import Block
from bot.blocks.sharing import ask_button, may_ask
from bot.goals import Framework
from bot.learning_log import EntryView, MyLog
from bot.report.weekly_chart import ChartImage
from bot.words import count


def home_view(
    mine: MyLog,
    latest: Sequence[EntryView],
    counts: dict[str | None, int],
    framework: Framework,
    *,
    chart: ChartImage | None = None,
    member: Sequence[Block] = (),
    coordinator: bool = False,
) -> dict[str, Any]:
    """App Home: buttons to log, my open actions and entries, the network's latest, figures
    (and its chart, when one is given); ``member``: the member's own settings (nudges, away,
    prompts), shown last. ``coordinator``: *Ask to share* beside the network's latest."""
    blocks: list[Block] = [
        kit.header("Your learning log"),
        kit.section("Share what happened, commit to something, or look back on it."),
        log_buttons(block_id="home_log"),
    ]
    if mine.open_actions:
        blocks += [kit.divider(), kit.section(f"*Your open actions ({len(mine.open_actions)})*")]
        blocks += [open_action_block(action, framework) for action in mine.open_actions[:5]]
    blocks += [kit.divider(), kit.section("*Your recent entries*")]
    if mine.entries:
        for entry in mine.entries[:5]:
            blocks += [entry_block(entry, framework), entry_actions(entry)]
    else:
        blocks.append(kit.context("Nothing yet — the buttons above take a few seconds."))
    blocks += [kit.divider(), kit.section("*Latest from the network*")]
    if latest:
        blocks += [
            entry_block(
                e, framework, accessory=ask_button(e.id) if coordinator and may_ask(e) else None
            )
            for e in latest
        ]
    else:
        blocks.append(kit.context("Nobody has shared anything yet. Be the first."))
    total = sum(counts.values())
    blocks += [kit.divider(), kit.section(f"*The network's log: {count(total, 'shared entry')}*")]
    figures = [f"*g{g.number} {g.title}*\n{counts.get(g.key, 0):,}" for g in framework.goals]
    for start in range(0, len(figures), kit.FIELDS):
        blocks.append(kit.fields(*figures[start : start + kit.FIELDS]))
    if chart is not None:
        blocks.append(kit.image(chart.file_id, chart.alt_text, chart.title))
    if member:
        blocks += [kit.divider(), *member]
    return kit.home(blocks)
