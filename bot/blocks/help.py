"""What each ``/kindness`` subcommand does, in a line: the words ``/kindness help``, the
"did you mean" answer and the members' guide's command table (docs/members.md) show beside
each command's example.

Keyed by the subcommand's name in ``handlers.commands.SUBCOMMANDS``, which holds the rest of
a command (its usage, its example, what runs it); a test keeps the two tables' names equal.
"""

from __future__ import annotations

SUMMARIES: dict[str, str] = {
    "help": "what you can do, with examples",
    "goals": "the network's goals, each with a button to log against it",
    "log": (
        "log in one line (a story unless you say otherwise; an outcome is a change you saw), "
        "or open the form with no text; coordinators log a member's story with `for @member`"
    ),
    "mine": (
        "your recent entries and open actions, to edit or delete; your journal over a range, "
        "private entries included; or all of it as a file in your DM"
    ),
    "done": "close one of your actions, optionally with what you learnt",
    "search": "the shared learning log, newest first; add a goal to narrow it, or give only a goal",
    "share": (
        "let one of your entries be shared beyond the network, on its public site (with your "
        "name, or anonymously); never a private one"
    ),
    "unshare": "take back your consent: the entry leaves the network's site at its next build",
    "org": (
        "the organisation you are from (optional; shown with what you log, never with an "
        "anonymous entry), or none"
    ),
    "nudges": "follow-up DMs about your actions, on or off",
    "away": (
        "no DMs from me (nudges, follow-ups, prompts by DM) until you are back; it ends by itself"
    ),
    "prompts": "the weekly prompt by DM as well as in the channel, or in the channel only",
    "pairs": (
        "peer pairs: each round, meet another member (from another organisation where I can) "
        "for support and challenge on the week's goal"
    ),
    "forget-me": "delete all your entries (asks you to confirm)",
    "digest": "a private preview of this week's digest so far",
    "stats": (
        "the network's figures per goal, week by week (12 weeks); coordinators also see who "
        "took part"
    ),
    "settings": (
        "the channel, days and times, time zone, nudges, pauses, the welcome and who else "
        "coordinates"
    ),
    "report": (
        "the impact report as a file in your DM (default: the last 12 weeks, as a PDF where "
        "the server can make one, else HTML)"
    ),
    "orgs": (
        "coordinators: the members' organisations — list them, put a name right, merge two "
        "that are one, or say an organisation's sector and place; record or withdraw an "
        "organisation's endorsement of the goals"
    ),
    "publish": (
        "coordinators: the network's site of the stories their authors agreed to share, as a "
        "zip in your DM, with what changed since the last one"
    ),
    "export": "the shared learning log as a file in your DM (never a private entry)",
    "selection": (
        "coordinators: pick the shortlist of the next round in which members choose the "
        "period's most significant story"
    ),
    "audit": (
        "coordinators: what coordinators did — settings, entries logged for members, exports,"
        " reports, deletions, restores (never members' words)"
    ),
}
