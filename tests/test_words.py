"""Words right for any count: every message builder, rendered with 0, 1 and 2 of everything
it counts, never says "1 entries" (nor "1 members", "1 weeks"…)."""

from __future__ import annotations

import inspect
import io
import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
from test_blocks import entry as view_of

from bot.blocks import (
    answers,
    controls,
    files,
    home,
    modals,
    nudges,
    organisations,
    refusals,
    rhythm,
)
from bot.blocks import entries as entry_pieces
from bot.blocks.settings import describe
from bot.coordinator_files import CoordinatorFile
from bot.errors import (
    BadDate,
    BadRange,
    CoordinatorUnconfirmed,
    DateOutOfRange,
    EntryTooLong,
    NoSuchMember,
    NotACoordinator,
    UnknownGoal,
    UnknownOption,
)
from bot.followups import FollowUp
from bot.goals import Framework, load_framework
from bot.journal import JournalPage, MyExport
from bot.learning_log import EntryView, MyLog, SearchPage
from bot.members import MemberStatus
from bot.organisations import Choice, OrganisationInfo, OrganisationSummary
from bot.participation import Participation, QuietMember
from bot.settings import WorkspaceSettings
from bot.summary import GoalWeek, WeekFigures, WeeklySummary
from bot.weeks import week_of
from bot.words import count, plural
from conftest import message_text
from schedules.nudges import NudgeReport

NOW = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)
PLURAL_NOUNS = (
    "entries|members|stories|actions|reflections|weeks|days|goals|follow-ups|prompts|"
    "quiet members|people|files|replies|outcomes|organisations"
)
# "1" then at most two words ("1 shared entries", "all 1 of your entries"), then a plural.
WRONG = re.compile(rf"(?<![\w.,#/-])1 (?:[a-z][\w'-]* ){{0,2}}?(?:{PLURAL_NOUNS})\b")


def test_the_helper_counts_in_words() -> None:
    assert [count(n, "entry") for n in (0, 1, 2, 1234)] == [
        "0 entries",
        "1 entry",
        "2 entries",
        "1,234 entries",
    ]
    assert count(1, "shared entry") == "1 shared entry"
    assert count(3, "shared entry") == "3 shared entries"
    assert count(2, "story") == "2 stories" and count(2, "member") == "2 members"
    assert plural("follow-up", 2) == "follow-ups" and plural("person", 5) == "people"


# -- data with n of everything -------------------------------------------------------------------


def entry(number: int, **overrides: Any) -> EntryView:
    return view_of(number, f"Entry number {number}", **{"logged_by": None, **overrides})


def entries(n: int, **overrides: Any) -> list[EntryView]:
    return [entry(i + 1, **overrides) for i in range(n)]


def figures(n: int) -> list[WeekFigures]:
    week = week_of(NOW, "UTC")
    return [WeekFigures(week.shifted(-i), n, n, n, {"relationships": n}) for i in range(max(n, 1))]


def summary(n: int, framework: Framework, kind: str = "story") -> WeeklySummary:
    """A week of ``n`` entries of ``kind`` from ``n`` members, ``n`` actions completed."""
    week = week_of(NOW, "UTC")
    kinds = {"story": 0, "action": 0, "reflection": 0, kind: n}
    goals = [
        GoalWeek(g.key, dict(kinds), entries(n)) if g.number == 3 else GoalWeek(g.key, {}, [])
        for g in framework.goals
    ]
    return WeeklySummary(
        "T1",
        week,
        week.start,
        week.end,
        goals,
        kinds,
        n,
        n,
        entries(n, kind="action", action_status="done"),
        [],
        figures(n),
    )


def settings(n: int) -> WorkspaceSettings:
    return WorkspaceSettings(
        "T1",
        "C1",
        0,
        "10:00",
        4,
        "15:00",
        "UTC",
        True,
        max(n, 1),
        n,
        None,
        "UBOSS",
        coordinators=tuple(f"UC{i}" for i in range(n)),
    )


def followup(n: int) -> FollowUp:
    return FollowUp(1, "UANN", "Thank the night shift", "relationships", n, NOW, NOW)


def participation(n: int) -> Participation:
    quiet = [QuietMember(f"UQ{i}", NOW, None) for i in range(n)]
    return Participation(week_of(NOW, "UTC"), n, [f"UF{i}" for i in range(n)], quiet, max(n, 1))


def status(n: int) -> MemberStatus:
    return MemberStatus(
        nudges=bool(n),
        away_until=date(2027, 1, n + 1),
        prompts_by_dm=bool(n),
        today=date(2026, 11, 25),
    )


def made_file(n: int) -> CoordinatorFile:
    return CoordinatorFile(
        "export", "csv", "f.csv", io.BytesIO(), n, date(2026, 9, 1), date(2026, 11, 30)
    )


def builders(framework: Framework) -> dict[str, Callable[[int], Any]]:
    """Every message builder, as a function of n: the count of whatever it counts."""
    goal = framework.goals[0]
    return {
        "help_message": lambda n: answers.help_message(
            [answers.HelpRow("help", "/kindness help")] * n,
            framework,
            coordinators=[answers.HelpRow("export", "/kindness export")] * n,
        ),
        "coordinators_help_message": lambda n: answers.coordinators_help_message(
            [answers.HelpRow("export", "/kindness export")] * n
        ),
        "coordinators_help_blocks": lambda n: answers.coordinators_help_blocks(
            [answers.HelpRow("export", "/kindness export")] * n
        ),
        "did_you_mean_message": lambda n: refusals.did_you_mean_message(
            "/kindness serch", "/kindness search " + "x" * n, "search " + "x" * n
        ),
        "goals_message": lambda n: answers.goals_message(
            Framework("Ours", framework.goals[: max(n, 1)], "test")
        ),
        "saved_message": lambda n: answers.saved_message(entry(n), framework),
        "done_message": lambda n: answers.done_message(
            entry(n, kind="action"), entry(n + 1, kind="reflection") if n else None, framework
        ),
        "mine_message": lambda n: answers.mine_message(
            MyLog(entries(n), entries(n, kind="action", action_status="open")), framework
        ),
        "search_message": lambda n: answers.search_message(
            SearchPage(["kind"], None, entries(n), n > 1, 0), framework
        ),
        "forget_me_message": lambda n: answers.forget_me_message(n),
        "undone_message": lambda n: answers.undone_message(entry(n)),
        "forgotten_message": lambda n: answers.forgotten_message(n),
        "deleted_message": lambda n: answers.deleted_message(
            entry(n), MyLog(entries(n), []), framework
        ),
        "nudges_message": lambda n: answers.nudges_message(
            bool(n), changed=n > 1, usage="/kindness nudges on|off"
        ),
        "usage_message": lambda n: refusals.usage_message("/kindness settings [show]"),
        "failure_message": lambda n: refusals.failure_message(database=bool(n), words="x" * n),
        "slack_refused_message": lambda n: refusals.slack_refused_message("ratelimited"),
        "error_message": lambda n: refusals.error_message(
            EntryTooLong(4000 + n, 4000, text="words"), usage="/kindness log"
        ),
        "explain": lambda n: "\n".join(
            refusals.explain(error)
            for error in (
                UnknownGoal("g9", [f"g{i}" for i in range(n)]),
                UnknownOption("x", ["a"] * n),
                BadDate("x"),
                DateOutOfRange("2026-01-01", "2026-11-26", "2027-11-26"),
                BadRange("2026-11-01", "2026-10-01"),
                NoSuchMember("@ann"),
                NotACoordinator("log for another member"),
                CoordinatorUnconfirmed(),
            )
        ),
        "log_modal": lambda n: modals.log_modal(framework, text="x" * (3000 + n)),
        "edit_modal": lambda n: modals.edit_modal(entry(n), framework, {}),
        "complete_modal": lambda n: modals.complete_modal(entry(n, kind="action"), framework, {}),
        "why_modal": lambda n: modals.why_modal(entry(n), {}),
        "organisation_message": lambda n: organisations.organisation_message(org(n)),
        "choice_message": lambda n: organisations.choice_message(
            Choice(("cleared", "set", "offer")[n], "NHS Fiffe", org(n + 1)), entry_id=n
        ),
        "chosen_message": lambda n: organisations.chosen_message(org(n + 1)),
        "organisation_modal": lambda n: organisations.organisation_modal(org(n)),
        "organisations_list_message": lambda n: organisations.organisations_list_message(
            [OrganisationSummary(i, f"Org {i}", "public", None, n, n) for i in range(n)]
        ),
        "organisation_changed_message": lambda n: organisations.organisation_changed_message(
            "Renamed", org(n + 1)
        ),
        "saved_view": lambda n: modals.saved_view(entry(n), framework),
        "save_message_modal": lambda n: modals.save_message_modal(
            framework,
            text="x" * n,
            author_id="UANN" if n else None,
            saver_id="UBEN" if n > 1 else "UANN",
            permalink="https://example.slack.com/p1" if n > 1 else None,
            goal=None,
            metadata={},
        ),
        "home_view": lambda n: home.home_view(
            MyLog(entries(n), entries(n, kind="action", action_status="open")),
            entries(n, is_mine=False),
            {"relationships": n},
            framework,
            member=controls.member_settings_blocks(status(n)),
        ),
        "thread_not_saved_message": lambda n: answers.thread_not_saved_message(),
        "thread_saved_message": lambda n: answers.thread_saved_message(entry(n), framework),
        "prompt_message": lambda n: rhythm.prompt_message(goal, "Who?", by_dm=bool(n)),
        "question_message": lambda n: rhythm.question_message("Who helped you?"),
        "digest_message": lambda n: "\n".join(
            message_text(
                rhythm.digest_message(
                    summary(n, framework, kind), framework, "UTC", in_channel=n + 1
                )
            )
            for kind in ("story", "action", "reflection", "outcome")
        ),
        "digest_preview_message": lambda n: rhythm.digest_preview_message(
            summary(n, framework, "story"), framework, "UTC", with_chart=bool(n)
        ),
        "stats_message": lambda n: rhythm.stats_message(figures(n), framework, "UTC"),
        "settings_message": lambda n: rhythm.settings_message(settings(n), date(2026, 11, 25)),
        "settings_modal": lambda n: rhythm.settings_modal(settings(n), names_coordinators=bool(n)),
        "settings_saved_view": lambda n: rhythm.settings_saved_view(
            settings(n), date(2026, 11, 25)
        ),
        "not_admin_message": lambda n: rhythm.not_admin_message(),
        "admin_check_failed_message": lambda n: rhythm.admin_check_failed_message(),
        "channel_problem_message": lambda n: rhythm.channel_problem_message(
            "the prompt", "C1", "is_archived"
        ),
        "invite_needed_message": lambda n: rhythm.invite_needed_message("C1"),
        "refusal_view": lambda n: rhythm.refusal_view(),
        "followup_message": lambda n: nudges.followup_message(followup(n), framework, n, n),
        "quiet_message": lambda n: nudges.quiet_message(n),
        "snoozed_message": lambda n: nudges.snoozed_message(entry(n), NOW),
        "dropped_message": lambda n: nudges.dropped_message(entry(n)),
        "away_message": lambda n: controls.away_message(status(n), changed=bool(n)),
        "prompts_message": lambda n: controls.prompts_message(status(n), changed=bool(n)),
        "member_settings_blocks": lambda n: controls.member_settings_blocks(status(n)),
        "journal_message": lambda n: controls.journal_message(
            JournalPage(entries(n), n, 0, date(2026, 9, 1), None, None), framework
        ),
        "export_on_its_way_message": lambda n: controls.export_on_its_way_message("csv"),
        "kept_message": lambda n: controls.kept_message(entry(n), framework),
        "export_comment": lambda n: controls.export_comment(MyExport("f.csv", b"", n, "csv")),
        "logged_for_message": lambda n: controls.logged_for_message(
            entry(n, is_mine=False, logged_by="UC"), framework, "UANN", None
        ),
        "member_not_told_message": lambda n: controls.member_not_told_message("UANN", "x"),
        "logged_for_you_message": lambda n: controls.logged_for_you_message(
            entry(n, logged_by="UC"), framework
        ),
        "welcome_message": lambda n: controls.welcome_message(framework, "C1"),
        "participation_blocks": lambda n: controls.participation_blocks(participation(n)),
        "participation_message": lambda n: controls.participation_message(participation(n)),
        "stats_message with participation": lambda n: rhythm.stats_message(
            figures(n), framework, "UTC", participation=participation(n)
        ),
        "dm_not_a_reply_message": lambda n: controls.dm_not_a_reply_message(),
        # The coordinators' files (export, report).
        "preparing_message": lambda n: files.preparing_message("the export"),
        "delivered_message": lambda n: files.delivered_message(
            made_file(n), "https://x/p" if n else None, here=bool(n)
        ),
        "not_coordinator_message": lambda n: files.not_coordinator_message(
            "export" if n else "report"
        ),
        "coordinator_check_failed_message": lambda n: files.coordinator_check_failed_message(
            "report", "timeout"
        ),
        "preparation_failed_message": lambda n: files.preparation_failed_message(
            "the export", database=bool(n)
        ),
        "upload_failed_message": lambda n: files.upload_failed_message(
            "the export", ["missing_scope", "file_uploads_disabled", None][n], needed="x:y"
        ),
        # Words outside Slack messages: settings read back, the DM job's line, the report.
        "settings.describe": lambda n: describe(settings(n)),
        "NudgeReport.describe": lambda n: NudgeReport("T1", n, n, n, n, n, n, n, n).describe(),
    }


def org(n: int) -> OrganisationInfo | None:
    """No organisation, one without a sector or place, one with both."""
    if n == 0:
        return None
    return OrganisationInfo(n, "NHS Fife", "public" if n > 1 else None, "Fife" if n > 1 else None)


BUILDER_NAME = re.compile(r"_(message|view|modal|blocks)$|^explain$|^export_comment$|^with_")


def test_every_message_builder_is_rendered_here() -> None:
    """A new builder must join the list below, so that its counts are checked too."""
    known = set(builders(load_framework()))
    for module in (
        answers,
        refusals,
        modals,
        home,
        entry_pieces,
        rhythm,
        nudges,
        controls,
        files,
        organisations,
    ):
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if function.__module__ == module.__name__ and BUILDER_NAME.search(name):
                assert name in known, f"{module.__name__}.{name} is not rendered by this test"


@pytest.mark.parametrize("name", sorted(builders(load_framework())))
def test_no_message_says_1_entries_whatever_the_count(name: str) -> None:
    build = builders(load_framework())[name]
    for n in (0, 1, 2):
        rendered = build(n)
        text = rendered if isinstance(rendered, str) else message_text({"x": rendered})
        if isinstance(rendered, list) and rendered and isinstance(rendered[0], tuple):
            text = "\n".join(f"{label}: {value}" for label, value in rendered)
        wrong = WRONG.search(text)
        assert wrong is None, (
            f"{name} with {n}: …{text[max(0, wrong.start() - 40) : wrong.end() + 20]}…"
        )


def test_the_checker_catches_what_it_is_for() -> None:
    for wrong in ("1 entries", "all 1 of your entries", "1 shared entries", "last 1 weeks"):
        assert WRONG.search(wrong), wrong
    for right in (
        "1 entry",
        "g1 Make kindness",
        "#1 · Story",
        "11 entries",
        "0.1 entries",
        "21 weeks",
    ):
        assert not WRONG.search(right), right


OPERATOR_WORDS = re.compile(r"KINDNESS_\w+|SLACK_\w+|DATABASE_URL|kindness-bot \w+|\.env\b")


@pytest.mark.parametrize("name", sorted(builders(load_framework())))
def test_no_message_names_an_operators_setting_or_command(name: str) -> None:
    """Members and coordinators read these in Slack: no environment variable, no shell."""
    build = builders(load_framework())[name]
    for n in (0, 1, 2):
        rendered = build(n)
        text = rendered if isinstance(rendered, str) else message_text({"x": rendered})
        if name == "settings.describe":
            continue  # what a shell prints
        found = OPERATOR_WORDS.search(text)
        assert found is None, f"{name} with {n} says {found.group(0)!r}"


def test_coordinators_files_and_settings_refusals_speak_plainly() -> None:
    from bot.blocks import files
    from bot.blocks.settings import ADMINS_ONLY

    texts = [
        message_text(files.not_coordinator_message("export")),
        message_text(files.not_coordinator_message("report")),
        message_text(files.upload_failed_message("the export", "missing_scope", needed="x:y")),
        message_text(files.upload_failed_message("the export", "file_uploads_disabled")),
        ADMINS_ONLY,
    ]
    for text in texts:
        assert OPERATOR_WORDS.search(text) is None, text
    assert "the workspace's admins and owners" in texts[0]


def test_the_reports_trend_sentences_count_right_and_know_a_first_period() -> None:
    from types import SimpleNamespace

    from bot.report.figures import Figure, GoalFigures
    from bot.report.words import trend_sentence

    def goal(now: int, before: int) -> GoalFigures:
        nothing = Figure(0, 0)
        return GoalFigures("g", Figure(now, before), {}, nothing, nothing, nothing, [])

    def report(before: int) -> SimpleNamespace:
        headline = SimpleNamespace(entries=Figure(5, before))
        return SimpleNamespace(min_group=0, headline=headline)

    said = [trend_sentence(goal(n, m), report(m)) for n in (0, 1, 2) for m in (0, 1, 2)]
    for text in said:
        assert WRONG.search(text) is None, text
    assert trend_sentence(goal(1, 0), report(0)) == "1 entry."
    assert trend_sentence(goal(1, 0), report(3)) == "1 entry, where the period before had none."
    assert (
        trend_sentence(goal(0, 1), report(1))
        == "Quiet in this period, after 1 entry in the one before."
    )
