"""What members see when they log, list, search and change their entries.

Action ids used here are the contract with ``handlers/actions.py``; each is a constant below.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.blocks import kit
from bot.blocks.kit import Block
from bot.errors import (
    ActionAlreadyDone,
    BadDate,
    BadRange,
    CoordinatorUnconfirmed,
    DateMissing,
    DateOutOfRange,
    EmptyPeriod,
    EmptySearch,
    EmptyText,
    EntryNotFound,
    EntryTooLong,
    GivenTwice,
    InstantWithoutOffset,
    LogError,
    NoSuchMember,
    NotACoordinator,
    NotAnAction,
    NotYourEntry,
    StorageFailed,
    UnknownChoice,
)
from bot.goals import Framework, Goal
from bot.learning_log import EntryView, MyLog, SearchPage
from bot.models import KINDS, VISIBILITIES
from bot.report.weekly_chart import ChartImage
from bot.slack_text import one_line, to_plain
from bot.words import count

# Action ids (buttons) and callback ids (modals).
OPEN_LOG_MODAL = "open_log_modal"
SET_GOAL = "set_goal"
EDIT_ENTRY = "edit_entry"
DELETE_ENTRY = "delete_entry"
UNDO_ENTRY = "undo_entry"
COMPLETE_ACTION = "complete_action"
SEARCH_MORE = "search_more"
FORGET_ME_CONFIRMED = "forget_me_confirmed"
LOG_MODAL = "log_entry"
EDIT_MODAL = "edit_entry_modal"
COMPLETE_MODAL = "complete_action_modal"

KIND_LABELS = {"story": "Story", "action": "Action", "reflection": "Reflection"}
KIND_PROMPTS = {
    "story": "Share a story",
    "action": "Commit to an action",
    "reflection": "Reflect",
}
VISIBILITY_LABELS = {
    "network": ("The network", "shown with your name"),
    "anonymous": ("Anonymous", 'shown as "a member"'),
    "private": ("Private", "only you ever see it"),
}
PREVIEW = 280


# -- pieces ----------------------------------------------------------------------------------


def slack_date(moment: datetime) -> str:
    """A date Slack shows in each reader's own time zone."""
    fallback = moment.strftime("%d %b %Y")
    return f"<!date^{int(moment.timestamp())}^{{date_short}}|{fallback}>"


def goal_name(framework: Framework, key: str | None) -> str:
    goal = framework.get(key) if key else None
    if goal is None:
        return "_no goal yet_" if key is None else key
    return f"g{goal.number} {goal.title}"


def author(entry: EntryView) -> str:
    if entry.is_mine:
        return "you"
    if entry.author_id is None:
        return "a member"
    return f"<@{entry.author_id}>"


def entry_heading(entry: EntryView, framework: Framework) -> str:
    """``#12 · Story · g3 Put relationships at the centre · 25 Nov · you``."""
    parts = [f"*#{entry.id} · {KIND_LABELS[entry.kind]}*", goal_name(framework, entry.goal_key)]
    parts.append(slack_date(entry.created_at))
    parts.append(author(entry))
    if entry.logged_by and entry.author_id is not None:
        # Never beside an anonymous entry: who logged it would hint at whose it is.
        parts.append(f"logged by <@{entry.logged_by}>")
    if entry.kind == "action":
        parts.append(
            {"open": "open", "done": "done ✓", "dropped": "dropped"}[entry.action_status or "open"]
        )
    if entry.visibility != "network":
        parts.append("🔒 private" if entry.visibility == "private" else "anonymous")
    if entry.permalink:
        parts.append(f"<{entry.permalink}|message>")
    return " · ".join(parts)


def entry_text(entry: EntryView, framework: Framework, *, preview: int = PREVIEW) -> str:
    return entry_heading(entry, framework) + "\n" + kit.quote(one_line(entry.text, preview))


def entry_block(entry: EntryView, framework: Framework, *, accessory: Block | None = None) -> Block:
    return kit.section(entry_text(entry, framework), accessory=accessory)


def entry_value(entry_id: int, **extra: Any) -> str:
    return json.dumps({"entry": entry_id, **extra}, separators=(",", ":"))


def goal_options(framework: Framework) -> list[Block]:
    return [kit.option(f"g{g.number} · {g.title}", g.key) for g in framework.goals]


def _log_buttons(goal: Goal | None = None) -> list[Block]:
    return [
        kit.button(
            KIND_PROMPTS[kind],
            f"{OPEN_LOG_MODAL}:{kind}",
            json.dumps({"kind": kind, "goal": goal.key if goal else None}),
            style="primary" if kind == "story" else None,
        )
        for kind in KINDS
    ]


def log_buttons(goal: Goal | None = None, *, block_id: str | None = None) -> Block:
    """Share a story / Commit to an action / Reflect — each opens the log modal."""
    return kit.actions(*_log_buttons(goal), block_id=block_id)


# -- answers to commands ---------------------------------------------------------------------


def help_message(
    rows: Sequence[tuple[str, str, str]], framework: Framework, *, preface: str | None = None
) -> dict[str, Any]:
    """``rows``: (usage, what it does, example) for each subcommand."""
    lines = [f"`{usage}` — {summary}\n      e.g. `{example}`" for usage, summary, example in rows]
    goals = ", ".join(f"`g{g.number}` {g.key}" for g in framework.goals)
    blocks = [kit.section(preface)] if preface else []
    blocks += [
        kit.header("The learning log"),
        kit.section(
            "Share stories, commit to actions and reflect, against the network's goals. "
            "Everything you log goes into a shared learning log the network can search "
            "and write up — unless you choose *anonymous* or *private*."
        ),
        kit.section("\n".join(lines)),
        kit.context(f"Goals: {goals}"),
        log_buttons(),
    ]
    return kit.message(blocks, "What you can do with /kindness")


def goals_message(framework: Framework) -> dict[str, Any]:
    blocks: list[Block] = [kit.header(framework.name)]
    for goal in framework.goals:
        blocks.append(
            kit.section(
                f"*g{goal.number} · {goal.title}*\n{goal.summary}",
                accessory=kit.button(
                    f"Log for g{goal.number}",
                    f"{OPEN_LOG_MODAL}:goal",
                    json.dumps({"kind": "story", "goal": goal.key}),
                ),
            )
        )
    return kit.message(blocks, f"{framework.name}: {count(len(framework.goals), 'goal')}")


def saved_message(
    entry: EntryView, framework: Framework, *, note: str | None = None
) -> dict[str, Any]:
    """Confirmation after a quick log; asks for the goal when it is missing."""
    kind = KIND_LABELS[entry.kind].lower()
    blocks: list[Block] = [kit.section(f"Saved your {kind} to the learning log.")]
    blocks.append(entry_block(entry, framework))
    if note:
        blocks.append(kit.context(note))
    if entry.goal_key is None:
        blocks.append(kit.section("*Which goal is it for?*"))
        blocks.append(goal_picker(entry.id, framework))
    blocks.append(
        kit.actions(
            kit.button("Edit", EDIT_ENTRY, entry_value(entry.id)),
            kit.button("Undo", UNDO_ENTRY, entry_value(entry.id)),
        )
    )
    return kit.message(blocks, f"Saved your {kind} (#{entry.id}) to the learning log")


def goal_picker(entry_id: int, framework: Framework) -> Block:
    return kit.actions(
        *[
            kit.button(
                f"g{g.number} {g.title}", f"{SET_GOAL}:{g.key}", entry_value(entry_id, goal=g.key)
            )
            for g in framework.goals
        ],
        block_id=f"goal_picker_{entry_id}",
    )


def done_message(
    action: EntryView, reflection: EntryView | None, framework: Framework
) -> dict[str, Any]:
    blocks = [
        kit.section(f"Action #{action.id} is done. Well done."),
        entry_block(action, framework),
    ]
    if reflection is not None:
        blocks.append(kit.section(f"Your reflection is saved as #{reflection.id}."))
        blocks.append(entry_block(reflection, framework))
    else:
        blocks.append(
            kit.context(f"What did you learn? `/kindness log reflection {action.goal_key or ''} …`")
        )
    return kit.message(blocks, f"Action #{action.id} is done")


def mine_message(mine: MyLog, framework: Framework, *, note: str | None = None) -> dict[str, Any]:
    blocks: list[Block] = [kit.section(note)] if note else []
    blocks.append(kit.header("Your learning log"))
    if not mine.entries and not mine.open_actions:
        blocks.append(kit.section("You have not logged anything yet."))
        blocks.append(log_buttons())
        return kit.message(blocks, "Your learning log is empty")
    if mine.open_actions:
        blocks.append(kit.section(f"*Open actions ({len(mine.open_actions)})*"))
        for action in mine.open_actions:
            blocks.append(
                entry_block(
                    action,
                    framework,
                    accessory=kit.button(
                        "Done", COMPLETE_ACTION, entry_value(action.id), style="primary"
                    ),
                )
            )
    blocks.append(kit.section("*Recent entries*"))
    for entry in mine.entries:
        blocks.append(entry_block(entry, framework))
        blocks.append(entry_actions(entry))
    blocks.append(
        kit.context("Close an action by typing `/kindness done <number> [what you learnt]`.")
    )
    return kit.message(blocks, "Your learning log")


def entry_actions(entry: EntryView) -> Block:
    return kit.actions(
        kit.button("Edit", EDIT_ENTRY, entry_value(entry.id)),
        kit.button(
            "Delete",
            DELETE_ENTRY,
            entry_value(entry.id),
            style="danger",
            confirm=kit.confirm_dialog(
                "Delete this entry?", "It leaves the learning log for good.", "Delete"
            ),
        ),
        block_id=f"entry_{entry.id}",
    )


def search_message(page: SearchPage, framework: Framework) -> dict[str, Any]:
    query = f"*{' '.join(page.words)}*" if page.words else "anything"
    scope = f" in {goal_name(framework, page.goal_key)}" if page.goal_key else ""
    if not page.entries:
        text = (
            f"Nothing in the learning log matches {query}{scope}."
            if page.offset == 0
            else f"No more entries match {query}{scope}."
        )
        return kit.message([kit.section(text)], f"No entries match {to_plain(query)}")
    first = page.offset + 1
    last = page.offset + len(page.entries)
    lead = f"Entries matching {query}{scope}" if page.words else f"Entries{scope}"
    blocks: list[Block] = [kit.section(f"{lead}, newest first ({first}–{last}):")]
    blocks += [entry_block(e, framework) for e in page.entries]
    if page.has_more:
        value = json.dumps({"q": query, "g": page.goal_key, "o": last}, separators=(",", ":"))
        blocks.append(kit.actions(kit.button("More results", SEARCH_MORE, value)))
    return kit.message(blocks, f"{count(len(page.entries), 'entry')} found")


def forget_me_message(total: int) -> dict[str, Any]:
    if total == 0:
        return kit.message(
            [kit.section("You have no entries in the learning log.")], "Nothing to delete"
        )
    yours = f"all {total} of your entries" if total > 1 else "your one entry"
    blocks = [
        kit.section(
            f"This deletes *{yours}* from the learning log — stories, actions and reflections, "
            "private ones included — and what the bot knows of you. It cannot be undone."
        ),
        kit.actions(
            kit.button(
                f"Delete all {total} entries" if total > 1 else "Delete your entry",
                FORGET_ME_CONFIRMED,
                "confirm",
                style="danger",
                confirm=kit.confirm_dialog(
                    "Delete everything?",
                    f"{yours[0].upper()}{yours[1:]} will be deleted.",
                    "Delete all",
                ),
            )
        ),
    ]
    return kit.message(blocks, f"Delete {yours}?")


def undone_message(removed: EntryView) -> dict[str, Any]:
    blocks = [
        kit.section(
            f"Removed #{removed.id} from the learning log. Your words, in case you want them:"
        ),
        kit.section(kit.quote(removed.text)),
    ]
    return kit.message(blocks, f"Removed #{removed.id} from the learning log")


def forgotten_message(deleted: int) -> dict[str, Any]:
    return notice(
        f"Done: deleted {count(deleted, 'entry')} and what the bot knew "
        "of you. You can start again any time with `/kindness log`."
    )


def notice(text: str) -> dict[str, Any]:
    """A one-section answer."""
    return kit.message([kit.section(text)], text)


# -- errors ----------------------------------------------------------------------------------


def explain(error: LogError) -> str:
    """One clear sentence for each refusal, saying what to change."""
    if isinstance(error, EmptyText):
        return "There is nothing to save yet: add a few words about what happened."
    if isinstance(error, EntryTooLong):
        return (
            f"That is {error.length:,} characters; the learning log takes up to "
            f"{error.limit:,}. Shorten it by {error.length - error.limit:,} characters, "
            "or split it into two entries."
        )
    if isinstance(error, UnknownChoice):
        choices = ", ".join(f"`{c}`" for c in error.choices)
        article = "an" if error.what[:1] in "aeiou" else "a"
        return f"`{error.given}` is not {article} {error.what} I know. Use one of: {choices}."
    if isinstance(error, DateMissing):
        return f"`{error.after}` needs a date after it, e.g. `{error.after} 2027-01-04`."
    if isinstance(error, BadDate):
        given = f"`{error.given}` is not a date" if error.given else "A date is missing"
        instant = (
            ", or an instant with its UTC offset, e.g. `2027-01-04T09:00+00:00`"
            if error.instants
            else ""
        )
        return f"{given}: write it as YYYY-MM-DD, e.g. `2027-01-04`{instant}."
    if isinstance(error, InstantWithoutOffset):
        return f"`{error.given}` has no UTC offset: add one, e.g. `{error.given}+00:00`."
    if isinstance(error, EmptyPeriod):
        return (
            f"The period is empty: it starts {error.start} and ends {error.end}; "
            "give a start before the end."
        )
    if isinstance(error, GivenTwice):
        if error.first and error.second:
            return f"Give one {error.what}, not both `{error.first}` and `{error.second}`."
        return f"Give one {error.what}, not two."
    if isinstance(error, DateOutOfRange):
        return (
            f"`{error.given}` will not do: choose a date from {error.earliest} to {error.latest}."
        )
    if isinstance(error, BadRange):
        return f"`since {error.since}` comes after `until {error.until}`: swap them round."
    if isinstance(error, NoSuchMember):
        return (
            f"Slack sent `{error.given}` as a name, not as a member, so I can't tell who it is. "
            "Choose them from the list that pops up as you type @ — and if that is what you "
            'did, the app needs "Escape channels, users, and links" turned on for /kindness '
            "(a workspace admin can do it in the app's Slash Commands settings)."
        )
    if isinstance(error, NotACoordinator):
        return (
            f"Only the network's coordinators can {error.what}: Slack's workspace admins and "
            "owners, and the members they name in `/kindness settings`."
        )
    if isinstance(error, CoordinatorUnconfirmed):
        return (
            "Slack did not confirm in time that you are a coordinator, so nothing was saved. "
            "Please send it again."
        )
    if isinstance(error, EntryNotFound):
        return (
            f"I can't find entry #{error.entry_id}. "
            "`/kindness mine` lists your entries with their numbers."
        )
    if isinstance(error, NotYourEntry):
        return f"Entry #{error.entry_id} belongs to another member; you can only change your own."
    if isinstance(error, NotAnAction):
        return (
            f"Entry #{error.entry_id} is a {error.kind}, not an action, "
            "so there is nothing to close."
        )
    if isinstance(error, ActionAlreadyDone):
        return f"Action #{error.entry_id} is already done."
    if isinstance(error, EmptySearch):
        return "Give me a word or two to search for, e.g. `/kindness search listening`."
    if isinstance(error, StorageFailed):
        return (
            "Sorry — the learning log could not be written just now. Nothing was saved; "
            "please try again in a minute."
        )
    return str(error)


FAILED_IN_FORM = (
    "Sorry — something went wrong and nothing was saved. Your words are still here: "
    "press the button again in a moment."
)


def failure_message(*, database: bool = False, words: str | None = None) -> dict[str, Any]:
    """An unexpected failure, worded for the member; their words quoted back when given."""
    if database:
        first = (
            "Sorry — the learning log could not be reached just now, so nothing was done. "
            "Please try again in a minute."
        )
    else:
        first = (
            "Sorry — something went wrong on my side. Please try again in a minute; "
            "`/kindness mine` shows what the learning log holds."
        )
    blocks: list[Block] = [kit.section(first)]
    if words:
        blocks.append(kit.section("Your words, so nothing is lost:\n" + kit.quote(words)))
    return kit.message(blocks, first)


def slack_refused_message(reason: str) -> dict[str, Any]:
    """Slack refused a call made after the answer (a form that could not open…)."""
    text = (
        f"Slack did not let me finish that (`{reason}`); nothing of yours was lost. "
        "Please try again."
    )
    return notice(text)


def error_message(error: LogError, *, usage: str | None = None) -> dict[str, Any]:
    """The explanation, the usage when it helps, and the member's unsaved words quoted back."""
    blocks: list[Block] = [kit.section(explain(error))]
    if usage:
        blocks.append(kit.context(f"Usage: `{usage}`"))
    if error.text:
        blocks.append(kit.section("Your words, so nothing is lost:\n" + kit.quote(error.text)))
    return kit.message(blocks, explain(error))


# -- modals ----------------------------------------------------------------------------------


def log_modal(
    framework: Framework,
    *,
    kind: str = "story",
    goal: str | None = None,
    text: str | None = None,
    visibility: str = "network",
    source_note: str | None = None,
    metadata: dict[str, Any] | None = None,
    callback_id: str = LOG_MODAL,
    title: str = "Log to the network",
    submit: str = "Save",
    text_editable: bool = True,
) -> dict[str, Any]:
    """The log modal: kind, goal, text and visibility (prefilled where known).

    Slack caps a text input at 3,000 characters, below the log's 4,000. A longer text is
    prefilled cut, with a visible note; when editing such an entry the text is shown but not
    editable (``text_editable=False``), so saving the form can never shorten it.
    """
    blocks: list[Block] = []
    if source_note:
        blocks.append(kit.context(source_note))
    plain_text = to_plain(text) if text else None
    if plain_text and len(plain_text) > kit.INPUT_MAX_LENGTH and text_editable:
        blocks.append(
            kit.context(
                f"The text is {len(plain_text):,} characters; this form holds "
                f"{kit.INPUT_MAX_LENGTH:,}, so only the beginning is below."
            )
        )
    blocks += [
        kit.input_block(
            "What kind of entry?",
            kit.radio_buttons("kind", [kit.option(KIND_LABELS[k], k) for k in KINDS], initial=kind),
            block_id="kind",
        ),
        kit.input_block(
            "Which goal?",
            kit.static_select(
                "goal", goal_options(framework), initial=goal, placeholder="Choose a goal"
            ),
            block_id="goal",
        ),
    ]
    if text_editable:
        blocks.append(
            kit.input_block(
                "In your words",
                kit.text_input(
                    "text",
                    multiline=True,
                    max_length=kit.INPUT_MAX_LENGTH,
                    initial=plain_text,
                    placeholder="What happened, what will you do, or what did you learn?",
                ),
                block_id="text",
                hint=f"Up to {kit.INPUT_MAX_LENGTH:,} characters.",
            )
        )
    else:
        blocks.append(kit.section("*In your words*\n" + kit.quote(text or "")))
        blocks.append(
            kit.context("This text is longer than a form can hold, so it is kept as it is.")
        )
    blocks.append(
        kit.input_block(
            "Who can see it?",
            kit.radio_buttons(
                "visibility",
                [
                    kit.option(label, v, description)
                    for v, (label, description) in VISIBILITY_LABELS.items()
                ],
                initial=visibility,
            ),
            block_id="visibility",
        )
    )
    return kit.modal(
        title, blocks, callback_id=callback_id, submit=submit, private_metadata=metadata
    )


def edit_modal(entry: EntryView, framework: Framework, metadata: dict[str, Any]) -> dict[str, Any]:
    return log_modal(
        framework,
        kind=entry.kind,
        goal=entry.goal_key,
        text=entry.text,
        visibility=entry.visibility,
        metadata={**metadata, "entry": entry.id},
        callback_id=EDIT_MODAL,
        title=f"Edit entry #{entry.id}",
        text_editable=len(to_plain(entry.text)) <= kit.INPUT_MAX_LENGTH,
    )


def complete_modal(
    action: EntryView, framework: Framework, metadata: dict[str, Any]
) -> dict[str, Any]:
    blocks = [
        kit.section(f"*Closing action #{action.id}*\n" + kit.quote(one_line(action.text, PREVIEW))),
        kit.input_block(
            "What did you learn? (optional)",
            kit.text_input("text", multiline=True, max_length=kit.INPUT_MAX_LENGTH),
            block_id="text",
            optional=True,
            hint="Saved as a reflection under the same goal.",
        ),
    ]
    return kit.modal(
        "Mark action done",
        blocks,
        callback_id=COMPLETE_MODAL,
        submit="Mark done",
        private_metadata={**metadata, "entry": action.id},
    )


def saved_view(entry: EntryView, framework: Framework, *, verb: str = "Saved") -> dict[str, Any]:
    """What the modal turns into once its entry is stored."""
    blocks = [
        kit.section(f"*{verb}.* Thank you for adding to the network's learning."),
        entry_block(entry, framework),
        kit.context("Find it again with `/kindness mine`."),
    ]
    return kit.modal(verb, blocks, callback_id="saved", close="Close")


def visibility_of(value: str | None) -> str:
    return value if value in VISIBILITIES else "network"


def home_view(
    mine: MyLog,
    latest: Sequence[EntryView],
    counts: dict[str | None, int],
    framework: Framework,
    *,
    chart: ChartImage | None = None,
    member: Sequence[Block] = (),
) -> dict[str, Any]:
    """App Home: buttons to log, my open actions and entries, the network's latest, figures
    (and its chart, when one is given); ``member``: the member's own settings (nudges, away,
    prompts), shown last."""
    blocks: list[Block] = [
        kit.header("Your learning log"),
        kit.section("Share what happened, commit to something, or look back on it."),
        log_buttons(block_id="home_log"),
    ]
    if mine.open_actions:
        blocks += [kit.divider(), kit.section(f"*Your open actions ({len(mine.open_actions)})*")]
        for action in mine.open_actions[:5]:
            blocks.append(
                entry_block(
                    action,
                    framework,
                    accessory=kit.button(
                        "Done", COMPLETE_ACTION, entry_value(action.id), style="primary"
                    ),
                )
            )
    blocks += [kit.divider(), kit.section("*Your recent entries*")]
    if mine.entries:
        for entry in mine.entries[:5]:
            blocks += [entry_block(entry, framework), entry_actions(entry)]
    else:
        blocks.append(kit.context("Nothing yet — the buttons above take a few seconds."))
    blocks += [kit.divider(), kit.section("*Latest from the network*")]
    if latest:
        blocks += [entry_block(e, framework) for e in latest]
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


def thread_not_saved_message() -> dict[str, Any]:
    """The ephemeral note under a thread reply the log could not store just now."""
    return notice(
        "I could not save your reply to the learning log just now. Your words are safe in "
        "the thread: Slack will send them to me again shortly, and :seedling: shows once "
        "they are saved."
    )


def thread_saved_message(entry: EntryView, framework: Framework) -> dict[str, Any]:
    """The ephemeral note under a thread reply that went into the log."""
    blocks = [
        kit.section(
            f"Saved your reply to the learning log as #{entry.id} under "
            f"*{goal_name(framework, entry.goal_key)}*, shared with the network. "
            "Editing or deleting your message updates the log too."
        ),
        kit.actions(
            kit.button("Edit", EDIT_ENTRY, entry_value(entry.id)),
            kit.button("Undo", UNDO_ENTRY, entry_value(entry.id)),
        ),
    ]
    return kit.message(blocks, f"Saved your reply to the learning log as #{entry.id}")
