"""What a member is told about their organisation (``/kindness org``, the offer of a known name,
App Home's line and form), and what coordinators see of the list (``/kindness orgs``).

Action and callback ids here are the contract with ``handlers/organisations.py``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from bot.blocks import kit
from bot.blocks.kit import Block
from bot.organisations import MAX_NAME, Choice, OrganisationInfo, OrganisationSummary
from bot.slack_text import from_plain
from bot.words import SECTOR_WORDS, count

ORG_USE = "org_use"  # "Use NHS Fife": value {"org": id, "entry": id?}
ORG_NEW = "org_new"  # "No, mine is …": value {"name": typed, "entry": id?}
ORG_OPEN = "org_open"  # App Home: open the form
ORG_MODAL = "org_modal"
ORG_FIELD = "organisation"
MAX_LISTED = 40  # organisations listed in one message before "…and N more"


def shown(name: str) -> str:
    """An organisation's name in mrkdwn (kept plain; Slack's escapes added)."""
    return from_plain(name)


def described(organisation: OrganisationInfo) -> str:
    """``*NHS Fife* (public · Fife)``."""
    extras = [SECTOR_WORDS.get(organisation.sector or "", ""), organisation.place or ""]
    details = " · ".join(from_plain(e) for e in extras if e)
    return f"*{shown(organisation.name)}*" + (f" ({details})" if details else "")


def organisation_message(current: OrganisationInfo | None) -> dict[str, Any]:
    """``/kindness org``: the member's organisation, and how to change it."""
    if current is None:
        text = (
            "You have not said which organisation you are from. It is optional: "
            "`/kindness org <name>` adds it to what you log from now on (never to "
            "anonymous entries)."
        )
    else:
        text = (
            f"You are from {described(current)}. Change it with `/kindness org <name>`, "
            "or `/kindness org none` to stop saying."
        )
    return kit.notice(text)


def choice_message(choice: Choice, *, entry_id: int | None = None) -> dict[str, Any]:
    """What came of naming one's organisation: set, cleared, or a known name offered."""
    if choice.outcome == "cleared":
        return kit.notice(
            "Done: you no longer say which organisation you are from. Entries you logged "
            "before keep the organisation they were written under."
        )
    organisation = choice.organisation
    assert organisation is not None
    if choice.outcome == "set":
        return kit.notice(
            f"Thank you — you are from {described(organisation)}. What you log from now on "
            "says so (never an anonymous entry)."
        )
    extra = {"entry": entry_id} if entry_id is not None else {}
    mine = kit.button(
        f"No, mine is {choice.typed}",
        ORG_NEW,
        json.dumps({"name": choice.typed, **extra}),
    )
    blocks: list[Block] = [
        kit.section(
            f"The network already has *{shown(organisation.name)}*. "
            f"Is that the one you mean by “{shown(choice.typed)}”?"
        ),
        kit.actions(
            kit.button(
                f"Use {organisation.name}",
                ORG_USE,
                json.dumps({"org": organisation.id, **extra}),
                style="primary",
            ),
            mine,
            block_id="org_offer",
        ),
    ]
    return kit.message(blocks, f"Do you mean {organisation.name}?")


def chosen_message(organisation: OrganisationInfo) -> dict[str, Any]:
    """After *Use …* or *No, mine is …*."""
    return choice_message(Choice("set", organisation.name, organisation))


def organisation_line(current: OrganisationInfo | None) -> list[Block]:
    """App Home: the member's organisation, with a button to say or change it."""
    if current is None:
        text = "*Your organisation* — optional: say which organisation you are from."
        label = "Add my organisation"
    else:
        text = f"*Your organisation* — {described(current)}"
        label = "Change"
    return [kit.section(text, accessory=kit.button(label, ORG_OPEN, "{}"))]


def organisation_modal(current: OrganisationInfo | None) -> dict[str, Any]:
    """App Home's form: the organisation's name (empty clears it)."""
    blocks = [
        kit.input_block(
            "Which organisation are you from?",
            kit.text_input(
                ORG_FIELD,
                max_length=MAX_NAME,
                initial=current.name if current else None,
                placeholder="e.g. NHS Fife, Fife Council, Barnardo's Scotland",
            ),
            block_id=ORG_FIELD,
            optional=True,
            hint="Optional. Shown beside what you log for the network, never beside an "
            "anonymous entry. Leave it empty to stop saying.",
        )
    ]
    return kit.modal("Your organisation", blocks, callback_id=ORG_MODAL, submit="Save")


def organisation_field(current: OrganisationInfo | None) -> Block:
    """The log modal's optional field, prefilled with the member's organisation."""
    return kit.input_block(
        "Your organisation (optional)",
        kit.text_input(
            ORG_FIELD,
            max_length=MAX_NAME,
            initial=current.name if current else None,
            placeholder="e.g. NHS Fife",
        ),
        block_id=ORG_FIELD,
        optional=True,
        hint="Kept for what you log from now on; never shown with an anonymous entry.",
    )


def welcome_line() -> str:
    """The welcome's gentle question (asked once: the welcome is sent once)."""
    return (
        "*Where are you from?* If you like, tell the network which organisation you lead or "
        "work in — `/kindness org NHS Fife` — so it can see who is learning together. It is "
        "optional and never shown with anonymous entries."
    )


# -- coordinators ------------------------------------------------------------------------------


def organisations_list_message(organisations: Sequence[OrganisationSummary]) -> dict[str, Any]:
    """``/kindness orgs``: each organisation with its sector, place, members and entries."""
    if not organisations:
        return kit.notice("No organisation yet: members add theirs with `/kindness org <name>`.")
    lines = []
    for org in organisations[:MAX_LISTED]:
        info = OrganisationInfo(org.id, org.name, org.sector, org.place)
        lines.append(
            f"• {described(info)} — {count(org.members, 'member')}, {count(org.entries, 'entry')}"
        )
    if len(organisations) > MAX_LISTED:
        lines.append(f"…and {len(organisations) - MAX_LISTED} more (`kindness-bot orgs list`).")
    blocks = [
        kit.section(f"*The network's organisations ({len(organisations)})*"),
        kit.section("\n".join(lines)),
        kit.context(
            "`/kindness orgs rename OLD > NEW` · `/kindness orgs merge FROM > INTO` · "
            "`/kindness orgs set NAME sector=public place=Fife`"
        ),
    ]
    return kit.message(blocks, f"{count(len(organisations), 'organisation')}")


def organisation_changed_message(what: str, organisation: OrganisationInfo) -> dict[str, Any]:
    """After a coordinator's rename, merge or description."""
    return kit.notice(f"{what}: {described(organisation)}.")
