"""The evidence sections of the report in words, once, for every format: a summary in plain
sentences built from the figures (no language model), *Most significant change*, *Outcomes*,
*Voices*, *Actions followed through* and *Method and limitations*.

Each section is a title and a list of parts (a paragraph, a quote, a table, a list); the HTML
and Markdown writers (``evidence_html``, ``evidence_markdown``) only lay them out, so the
formats say the same thing. Members' words are quoted in full (a Slack link is an extra: a
free workspace hides messages after 90 days).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.goals import Framework
from bot.names import Directory
from bot.report import words
from bot.report.evidence import Evidence, Quote, Voice
from bot.report.figures import ImpactReport
from bot.words import HOW_WE_KNOW_WORDS, SECTOR_WORDS, WHO_CHANGED_WORDS, count, plural

SOURCE_WORDS = {
    "slash": "typed as a /kindness command",
    "modal": "written in the bot's form",
    "thread": "replies to the weekly prompt (in its thread, or to it by DM)",
    "shortcut": "Slack messages saved with the Save to learning log shortcut",
}


@dataclass(frozen=True)
class Paragraph:
    """Plain words (each writer escapes them), after an optional bold ``lead``."""

    text: str
    note: bool = False  # a quieter aside
    lead: str | None = None


@dataclass(frozen=True)
class Quoted:
    text: str  # the member's words, as stored (Slack's format)
    who: str  # "Ann (NHS Fife), story, 3 Nov 2026"
    lines: tuple[tuple[str, str], ...] = ()  # ("Why it matters", "…"), ("How we know", "…")
    link: str | None = None


@dataclass(frozen=True)
class Table:
    headers: list[str]
    rows: list[list[str]]


@dataclass(frozen=True)
class Bullets:
    items: list[str]


Part = Paragraph | Quoted | Table | Bullets


@dataclass
class Section:
    key: str
    title: str
    parts: list[Part] = field(default_factory=list)
    subtitle: str | None = None  # for a sub-heading inside a section (per goal)


def _pct(part: int, whole: int) -> str:
    return f"{part / whole:.0%}" if whole else "—"


def _shown(value: int | None, min_group: int) -> str:
    return words.hidden_note(min_group) if value is None else f"{value:,}"


def _who(quote: Quote, names: Directory, tz: str) -> str:
    if quote.author_id is None:
        who = "a member"
    else:
        who = names.user(quote.author_id) or quote.author_id
        if quote.organisation:
            who += f" ({quote.organisation})"
    return f"{who}, {quote.kind}, {words.day(quote.created_at, tz)}"


def _quoted(quote: Quote, names: Directory, tz: str, *extra: tuple[str, str]) -> Quoted:
    lines: list[tuple[str, str]] = []
    if quote.why:
        lines.append(("Why it matters", quote.why))
    if quote.who_changed:
        lines.append(("Who changed", WHO_CHANGED_WORDS.get(quote.who_changed, quote.who_changed)))
    if quote.how_we_know:
        lines.append(("How we know", HOW_WE_KNOW_WORDS.get(quote.how_we_know, quote.how_we_know)))
    lines += extra
    link = quote.permalink if quote.permalink and quote.permalink.startswith("http") else None
    return Quoted(quote.text, _who(quote, names, tz), tuple(lines), link)


# -- the summary --------------------------------------------------------------------------------


def summary(report: ImpactReport, evidence: Evidence, framework: Framework) -> Section:
    """A few sentences a board member reads first, each built from a figure below."""
    head = report.headline
    tz = report.period.tz
    entries = int(head.entries.value or 0)
    members = int(head.members.value or 0)
    sentences = [
        f"Over the period ({words.span(report.period.start, report.period.end, tz)}), "
        f"{count(members, 'member')} shared {count(entries, 'entry')} in the network's "
        f"learning log ({words.change(head.entries)} on the period before)."
    ]
    voices = evidence.voices
    if voices.organisations:
        sectors = [
            SECTOR_WORDS.get(v.name, v.name) for v in voices.sectors if v.name != "not given"
        ]
        across = (
            f", across the {', '.join(sectors)} {plural('sector', len(sectors))}" if sectors else ""
        )
        sentences.append(
            f"Named entries came from {count(len(voices.organisations), 'organisation')}{across}."
        )
        if voices.went_silent:
            sentences.append(
                f"{count(len(voices.went_silent), 'organisation')} that shared in the period "
                "before went silent."
            )
    follow = evidence.follow_through
    if follow.committed:
        median = (
            f" (a median of {count(round(follow.median_days_to_done), 'day')})"
            if follow.median_days_to_done is not None
            else ""
        )
        sentences.append(
            f"Members committed to {count(follow.committed, 'action')}; {follow.done:,} "
            f"({_pct(follow.done, follow.committed)}) {'was' if follow.done == 1 else 'were'} "
            f"done by the period's end{median}, "
            f"and {follow.reflected:,} led to a written reflection."
        )
    outcomes = evidence.outcomes
    if outcomes.total:
        backed = outcomes.how_we_know.get("figures", 0)
        told = outcomes.how_we_know.get("told", 0)
        sentences.append(
            f"They recorded {count(outcomes.total, 'outcome')} — changes they saw: "
            f"{backed:,} backed by figures, {told:,} reported by others, the rest seen by the "
            "teller or not said."
        )
    if evidence.chosen:
        labels = ", ".join(c.label for c in evidence.chosen)
        sentences.append(
            f"The network chose its most significant story in "
            f"{count(len(evidence.chosen), 'selection round')} ({labels})."
        )
    quiet = [words.goal_short(framework, g.key) for g in report.quiet_goals]
    if quiet:
        sentences.append(f"Nothing was shared under {', '.join(quiet)}.")
    method = evidence.method
    share = method.self_reported_share
    if share is not None:
        sentences.append(
            f"{share:.0%} of what is reported here is members' own account of their work; "
            "see Method and limitations for what the figures cannot show."
        )
    return Section("summary", "Summary", [Paragraph(" ".join(sentences))])


# -- most significant change -------------------------------------------------------------------


def most_significant(evidence: Evidence, names: Directory, tz: str) -> Section:
    section = Section("msc", "Most significant change")
    if not evidence.chosen:
        section.parts.append(
            Paragraph(
                "No selection round closed with a recorded choice in this period. Each month "
                "(or quarter) members vote on a shortlist of the period's stories and a "
                "coordinator records the network's choice and its reasons; they appear here.",
                note=True,
            )
        )
        return section
    section.parts.append(
        Paragraph(
            "In each selection round members read a shortlist of the period's shared stories "
            "and voted for the one that made the most significant difference; a coordinator "
            "recorded the network's choice and its reasons (the Most Significant Change "
            "technique)."
        )
    )
    for chosen in evidence.chosen:
        section.parts.append(
            Quoted(
                chosen.story.text,
                f"{chosen.label} · " + _who(chosen.story, names, tz),
                (
                    *_quoted(chosen.story, names, tz).lines,
                    ("Why the network chose it", chosen.reasons),
                    (
                        "The vote",
                        f"{count(chosen.votes, 'vote')} of {count(chosen.voters, 'member')} "
                        f"voting, from a shortlist of {count(chosen.shortlisted, 'story')}",
                    ),
                ),
                _quoted(chosen.story, names, tz).link,
            )
        )
    return section


# -- outcomes -----------------------------------------------------------------------------------


def outcomes(evidence: Evidence, framework: Framework, names: Directory, tz: str) -> Section:
    found = evidence.outcomes
    section = Section("outcomes", "Outcomes")
    if not found.total:
        section.parts.append(
            Paragraph(
                "No outcome — a change members saw in behaviour, practice, policy or "
                "relationships — was recorded in this period (/kindness log outcome).",
                note=True,
            )
        )
        return section
    section.parts.append(
        Paragraph(
            f"{count(found.total, 'outcome')} recorded: changes members saw, who changed and "
            "how they know."
        )
    )
    section.parts.append(
        Table(
            ["Who changed", "outcomes"],
            [
                [WHO_CHANGED_WORDS.get(k, k) if k else "not said", f"{n:,}"]
                for k, n in found.who_changed.most_common()
            ],
        )
    )
    section.parts.append(
        Table(
            ["How we know", "outcomes"],
            [
                [HOW_WE_KNOW_WORDS.get(k, k) if k else "not said", f"{n:,}"]
                for k, n in found.how_we_know.most_common()
            ],
        )
    )
    keys = [g.key for g in framework.goals] + sorted(
        (k for k in found.per_goal if k not in {g.key for g in framework.goals}),
        key=lambda k: k or "",
    )
    for key in keys:
        if not found.per_goal.get(key):
            continue
        quotes = found.quoted.get(key, [])
        section.parts.append(
            Paragraph(
                f"{count(found.per_goal[key], 'outcome')}"
                + (
                    f", the {len(quotes)} best evidenced:"
                    if found.per_goal[key] > len(quotes)
                    else ":"
                ),
                lead=words.goal_title(framework, key),
            )
        )
        section.parts.extend(_quoted(q, names, tz) for q in quotes)
    return section


# -- voices -------------------------------------------------------------------------------------


def _voice_rows(voices: list[Voice], min_group: int, labels: dict[str, str]) -> list[list[str]]:
    """A sector's or a place's row: its name, organisations, members and entries."""
    return [
        [
            labels.get(voice.name, voice.name),
            str(voice.organisations),
            _shown(voice.members, min_group),
            _shown(voice.entries, min_group),
        ]
        for voice in voices
    ]


def voices(report: ImpactReport, evidence: Evidence) -> Section:
    found = evidence.voices
    min_group = report.min_group
    section = Section("voices", "Voices")
    if not found.organisations and not found.not_heard:
        section.parts.append(
            Paragraph(
                "No member has named their organisation yet (/kindness org <name>), so the "
                "report cannot say which organisations, sectors or places took part.",
                note=True,
            )
        )
    if found.organisations:
        section.parts.append(
            Paragraph(
                f"Named entries came from {count(len(found.organisations), 'organisation')}. "
                "Anonymous entries are never counted for an organisation."
            )
        )
        section.parts.append(
            Table(
                ["Organisation", "sector", "place", "members", "entries"],
                [
                    [
                        v.name,
                        SECTOR_WORDS.get(v.sector or "", "—"),
                        v.place or "—",
                        _shown(v.members, min_group),
                        _shown(v.entries, min_group),
                    ]
                    for v in found.organisations
                ],
            )
        )
        section.parts.append(
            Table(
                ["Sector", "organisations", "members", "entries"],
                _voice_rows(found.sectors, min_group, SECTOR_WORDS),
            )
        )
        section.parts.append(
            Table(
                ["Place", "organisations", "members", "entries"],
                _voice_rows(found.places, min_group, {}),
            )
        )
    if found.members_without_organisation:
        section.parts.append(
            Paragraph(
                f"{count(found.members_without_organisation, 'member')} shared without naming "
                "an organisation."
            )
        )
    if found.went_silent:
        section.parts.append(
            Paragraph(
                "(shared in the period before, not in this one): "
                + ", ".join(found.went_silent)
                + ".",
                lead="Went silent",
            )
        )
    if found.not_heard:
        section.parts.append(
            Paragraph(
                "in this period or the one before: " + ", ".join(found.not_heard) + ".",
                lead="Not heard from",
            )
        )
    rows = []
    for index, bucket in enumerate(report.period.buckets):
        members = report.members_per_bucket[index]
        hidden = min_group > 0 and 0 < members < min_group
        organisations = found.organisations_per_bucket[index]
        rows.append(
            [
                words.bucket_label(bucket, report.period.unit),
                _shown(None if hidden else members, min_group),
                _shown(organisations, min_group),
            ]
        )
    section.parts.append(Paragraph(f"Participation, {report.period.unit} by {report.period.unit}:"))
    section.parts.append(Table([report.period.unit.capitalize(), "members", "organisations"], rows))
    return section


# -- actions followed through ---------------------------------------------------------------------


def follow_through(evidence: Evidence) -> Section:
    follow = evidence.follow_through
    section = Section("follow", "Actions followed through")
    if not follow.committed:
        section.parts.append(
            Paragraph("No shared action was committed to in this period.", note=True)
        )
        return section
    median = (
        f"{follow.median_days_to_done:.1f} days" if follow.median_days_to_done is not None else "—"
    )
    section.parts.append(
        Paragraph(
            "Of the shared actions members committed to in this period, how many were done by "
            "its end, and how many led to a written reflection (what we learnt)."
        )
    )
    section.parts.append(
        Table(
            ["Committed", "done", "reflected", "dropped", "median days to done"],
            [
                [
                    f"{follow.committed:,}",
                    f"{follow.done:,} ({_pct(follow.done, follow.committed)})",
                    f"{follow.reflected:,} ({_pct(follow.reflected, follow.committed)})",
                    f"{follow.dropped:,}",
                    median,
                ]
            ],
        )
    )
    return section


# -- method and limitations ----------------------------------------------------------------------


def method(report: ImpactReport, evidence: Evidence) -> Section:
    found = evidence.method
    tz = report.period.tz
    section = Section("method", "Method and limitations")
    section.parts.append(
        Paragraph(
            f"{words.span(report.period.start, report.period.end, tz)} "
            f"({words.length(report)}, {tz}), compared with the same length of time before it. "
            f"Made on {words.day(report.generated_at, tz)} from the bot's own store of the "
            "learning log, which keeps members' words (Slack may hide old messages).",
            lead="The period",
        )
    )
    gathered = [
        f"{count(n, 'entry')} {SOURCE_WORDS.get(source, source)}"
        for source, n in sorted(found.by_source.items(), key=lambda item: -item[1])
    ]
    if found.logged_for_members:
        gathered.append(
            f"of the shared entries, {found.logged_for_members:,} were logged by a coordinator "
            "on a member's behalf"
        )
    section.parts.append(
        Paragraph(
            "members wrote them in Slack, when they chose to — "
            "the log holds what they shared, not everything that happened.",
            lead="How entries were gathered",
        )
    )
    if gathered:
        section.parts.append(Bullets(gathered))
    section.parts.append(
        Paragraph(
            f"of {count(found.total, 'entry')} written in the "
            f"period, {found.private:,} {'was' if found.private == 1 else 'were'} private "
            "(kept for their authors alone: never read, quoted or counted anywhere else in "
            f"this report) and {found.anonymous:,} shared anonymously (quoted as “a member”, "
            "never counted for an organisation).",
            lead="Left out or unattributed",
        )
    )
    share = found.self_reported_share
    section.parts.append(
        Paragraph(
            (
                f"{share:.0%} of the shared entries are their tellers' own accounts; only "
                f"{count(found.outcomes_with_figures, 'outcome')} "
                f"{'is' if found.outcomes_with_figures == 1 else 'are'} backed by figures and "
                f"{found.outcomes_told:,} by what others told. Read them as members' "
                "testimony, not as measured impact."
                if share is not None
                else "nothing was shared in the period."
            ),
            lead="Self-reported",
        )
    )
    section.parts.append(
        Paragraph(
            (
                f"a figure drawn from fewer than {found.min_group} members is hidden; "
                f"{count(found.hidden, 'figure')} {'was' if found.hidden == 1 else 'were'} "
                "hidden in this report."
                if found.min_group
                else "off — every figure is shown, however few members it is drawn from "
                "(a coordinator sets one with the min_group setting)."
            ),
            lead="Anonymity threshold",
        )
    )
    section.parts.append(
        Paragraph(
            "the difference made to people who never "
            "wrote in the log, changes members did not notice or did not share, and cause: "
            "a story says what a member saw, not that the network caused it.",
            lead="What the figures cannot show",
        )
    )
    return section


def sections(
    report: ImpactReport, evidence: Evidence, framework: Framework, names: Directory
) -> tuple[Section, list[Section], Section]:
    """The summary (first), the evidence sections (after the headline figures), and *Method
    and limitations* (last)."""
    tz = report.period.tz
    middle = [
        most_significant(evidence, names, tz),
        outcomes(evidence, framework, names, tz),
        voices(report, evidence),
        follow_through(evidence),
    ]
    return summary(report, evidence, framework), middle, method(report, evidence)
