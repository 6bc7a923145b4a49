"""What a coordinator is told about the files they ask for: the export and the impact report
(``/kindness export``, ``/kindness report``) — on their way, in the DM, or why not."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.blocks.kit import notice
from bot.coordinator_files import EXPORT, SITE, CoordinatorFile

_FORMAT_NAMES = {
    "csv": "CSV",
    "json": "JSON",
    "md": "Markdown",
    "html": "HTML",
    "pdf": "PDF",
    "zip": "zip",
}
_WHAT = {
    EXPORT: "the learning log export",
    "report": "the impact report",
    SITE: "the network's published site",
}
_MAY = {
    EXPORT: "export the learning log",
    "report": "have the impact report",
    SITE: "publish the network's site",
}
SITE_NOTE = (
    "Only stories whose authors agreed to share them beyond the network, anonymous ones "
    "without a name. Unzip it onto any web host, or into a git repository."
)
# Who coordinates, in a member's words (never the setting an operator keeps them in).
COORDINATORS_ARE = (
    "they are the workspace's admins and owners, and the members a coordinator named in the "
    "settings."
)
PRIVACY = "Private entries are never included; anonymous entries appear as \u201ca member\u201d."
# Slack's answers to an upload that a coordinator can act on.
_UPLOAD_ADVICE = {
    "not_allowed_token_type": "the app's token cannot upload files: reinstall the app",
    "file_uploads_disabled": "file uploads are turned off in this workspace; an owner can "
    "turn them on, or whoever runs the bot can make the file for you",
    "file_uploads_except_images_disabled": "this workspace only allows images to be "
    "uploaded; an owner can change that, or whoever runs the bot can make the file for you",
}


def days(first: date | None, last: date | None) -> str:
    """``7 Sep – 25 Nov 2026``, ``since 1 Sep 2026``, ``up to 30 Nov 2026``, ``all time``."""

    def day(value: date, *, year: bool = True) -> str:
        return f"{value.day} {value:%b}" + (f" {value.year}" if year else "")

    if first and last:
        if first == last:
            return day(first)
        return f"{day(first, year=first.year != last.year)} – {day(last)}"
    if first:
        return f"since {day(first)}"
    if last:
        return f"up to {day(last)}"
    return "all time"


def describe(kind: str, fmt: str, first: date | None, last: date | None) -> str:
    """``the impact report (HTML, 7 Sep – 25 Nov 2026)``."""
    if kind == SITE:
        return f"{_WHAT[kind]} (a zip of its pages)"
    return f"{_WHAT[kind]} ({_FORMAT_NAMES.get(fmt, fmt)}, {days(first, last)})"


def _described(made: CoordinatorFile) -> str:
    return describe(made.kind, made.fmt, made.first_day, made.last_day)


def preparing_message(description: str) -> dict[str, Any]:
    return notice(f"Preparing {description}… it will be in our DM in a moment.")


def delivered_message(
    made: CoordinatorFile, permalink: str | None, *, here: bool
) -> dict[str, Any]:
    """Where the file went: the DM with the bot (a link to it), or just above when the
    command was typed in that DM."""
    name = f"<{permalink}|{made.filename}>" if permalink else f"`{made.filename}`"
    where = "is just above, in this DM" if here else "is in our DM"
    if made.kind == SITE:
        return notice(
            f"Done: {_described(made)} {where}: {name} — {_stories(made)}. {made.changes or ''}"
        )
    count = f"{made.entries:,} shared {'entry' if made.entries == 1 else 'entries'}"
    text = f"Done: {_described(made)} {where}: {name} — {count}. {PRIVACY}"
    return notice(text)


def _stories(made: CoordinatorFile) -> str:
    return f"{made.entries:,} {'story' if made.entries == 1 else 'stories'}"


def upload_comment(made: CoordinatorFile) -> str:
    """The words above the file in the DM."""
    if made.kind == SITE:
        return f"Here is {_described(made)}: {_stories(made)}. {made.changes or ''} {SITE_NOTE}"
    count = f"{made.entries:,} shared {'entry' if made.entries == 1 else 'entries'}"
    title = _described(made)
    return f"Here is {title}: {count}. {PRIVACY}"


def not_coordinator_message(kind: str) -> dict[str, Any]:
    return notice(
        f"Only the network's coordinators can {_MAY[kind]}, so nothing was made: "
        f"{COORDINATORS_ARE} Ask one of them, or see the network's figures with "
        "`/kindness stats`."
    )


def coordinator_check_failed_message(kind: str, reason: str) -> dict[str, Any]:
    return notice(
        f"Slack did not say whether you are a coordinator (`{reason}`), so I did not make "
        f"{_WHAT[kind]}. Please try again in a minute."
    )


def preparation_failed_message(description: str, *, database: bool) -> dict[str, Any]:
    cause = (
        "the learning log could not be reached just now"
        if database
        else "something went wrong on my side"
    )
    return notice(
        f"Sorry — I could not prepare {description}: {cause}. Nothing was sent; "
        "please try again in a minute."
    )


def upload_failed_message(
    description: str, reason: str | None, *, needed: str | None = None
) -> dict[str, Any]:
    """``reason``: Slack's error code, or None when the upload did not reach Slack;
    ``needed``: the permission Slack says is missing (``missing_scope``)."""
    if reason is None:
        return notice(
            f"I prepared {description}, but the upload to Slack did not go through, so "
            "nothing was sent. Please try again in a minute."
        )
    if reason == "missing_scope":
        what = f"the `{needed}` permission" if needed else "a permission this needs"
        advice = (
            f"the app lacks {what}: whoever runs the bot can add it by updating the app from "
            "its manifest and reinstalling it"
        )
    else:
        advice = _UPLOAD_ADVICE.get(reason, "please try again in a minute")
    return notice(
        f"I prepared {description}, but Slack did not take the upload (`{reason}`), "
        f"so nothing was sent: {advice}."
    )
