"""A coordinator's words about the organisations endorsing the goals: the form that records
one, what it turns into, and a withdrawal. Block ids are the contract with
``handlers/endorsements.py`` (and are the fields an error lands on)."""

from __future__ import annotations

from typing import Any

from bot.blocks import kit
from bot.endorsements import Endorsement

ENDORSE_MODAL = "endorse_organisation"
NAME, URL, DATE = "endorse_name", "endorse_url", "endorse_date"


def endorse_modal() -> dict[str, Any]:
    blocks = [
        kit.section(
            "Record an organisation that endorses the network's goals. It is listed on the "
            "commitment page of the published site, with the date and its link; it needs no "
            "member here."
        ),
        kit.input_block(
            "Organisation",
            kit.text_input(NAME, max_length=200, placeholder="e.g. Fife Council"),
            block_id=NAME,
        ),
        kit.input_block(
            "Link to its endorsement (optional)",
            kit.text_input(URL, max_length=500, placeholder="https://…"),
            block_id=URL,
            optional=True,
        ),
        kit.input_block(
            "Endorsed on (optional: today)",
            kit.datepicker(DATE),
            block_id=DATE,
            optional=True,
        ),
    ]
    return kit.modal("Endorse the goals", blocks, callback_id=ENDORSE_MODAL, submit="Save")


def endorsed_view(made: Endorsement) -> dict[str, Any]:
    link = f" (<{made.url}|its link>)" if made.url else ""
    text = (
        f"*{kit_plain(made.name)}* endorses the goals since {made.endorsed_on.isoformat()}"
        f"{link}. It appears on the commitment page at the next `/kindness publish`."
    )
    return kit.modal(
        "Endorsement saved", [kit.section(text)], callback_id="endorsed", close="Close"
    )


def withdrawn_message(name: str) -> dict[str, Any]:
    return kit.notice(
        f"*{kit_plain(name)}* no longer endorses the goals: it leaves the commitment page at the "
        "next `/kindness publish`."
    )


def kit_plain(name: str) -> str:
    """An organisation's name (plain text) in mrkdwn, its markup characters escaped."""
    return name.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
