"""Validation: what a member may write, checked field by field before anything is stored — and
by the Slack layer, to put a refusal on a form's own field. Each failure is its own
``LogError``, quoting the member's words back."""

from __future__ import annotations

from bot.errors import (
    EmptyText,
    EntryTooLong,
    NotForThisKind,
    UnknownGoal,
    UnknownHowWeKnow,
    UnknownKind,
    UnknownVisibility,
    UnknownWhoChanged,
    WhyTooLong,
)
from bot.goals import Framework
from bot.models import HOW_WE_KNOW, KINDS, VISIBILITIES, WHO_CHANGED

MAX_TEXT = 4000
MAX_WHY = 2000
# The kinds that carry each optional field.
WHY_KINDS = ("story", "outcome")
OUTCOME_KINDS = ("outcome",)


class Checks:
    """The checks, for the ``LearningLog`` (and a form's fields) to call."""

    framework: Framework

    def check_text(self, raw: str | None) -> str:
        cleaned = (raw or "").strip()
        if not cleaned:
            raise EmptyText(text=raw)
        if len(cleaned) > MAX_TEXT:
            raise EntryTooLong(len(cleaned), MAX_TEXT, text=cleaned)
        return cleaned

    def check_kind(self, kind: str, *, text: str | None = None) -> str:
        value = kind.strip().lower()
        if value not in KINDS:
            raise UnknownKind(kind, list(KINDS), text=text)
        return value

    def check_goal(self, reference: str | None, *, text: str | None = None) -> str | None:
        """A goal key from ``g3``, ``3`` or a key; None stays None (the goal is asked later)."""
        if reference is None or not reference.strip():
            return None
        goal = self.framework.resolve(reference)
        if goal is None:
            raise UnknownGoal(reference, self.framework.references(), text=text)
        return goal.key

    def check_why(self, raw: str | None, kind: str, *, text: str | None = None) -> str | None:
        """Why it matters: optional, for stories and outcomes, at most ``MAX_WHY``."""
        cleaned = (raw or "").strip()
        if not cleaned:
            return None
        if kind not in WHY_KINDS:
            raise NotForThisKind("why it matters", kind, WHY_KINDS)
        if len(cleaned) > MAX_WHY:
            raise WhyTooLong(len(cleaned), MAX_WHY, text=text)
        return cleaned

    def check_outcome(
        self, who_changed: str | None, how_we_know: str | None, kind: str
    ) -> tuple[str | None, str | None]:
        """An outcome's who changed and how we know: optional, each one of its choices."""
        who = (who_changed or "").strip().lower() or None
        how = (how_we_know or "").strip().lower() or None
        if (who or how) and kind not in OUTCOME_KINDS:
            raise NotForThisKind("who changed" if who else "how we know", kind, OUTCOME_KINDS)
        if who is not None and who not in WHO_CHANGED:
            raise UnknownWhoChanged(who_changed or "", list(WHO_CHANGED))
        if how is not None and how not in HOW_WE_KNOW:
            raise UnknownHowWeKnow(how_we_know or "", list(HOW_WE_KNOW))
        return who, how

    def check_visibility(self, visibility: str, *, text: str | None = None) -> str:
        value = visibility.strip().lower()
        if value not in VISIBILITIES:
            raise UnknownVisibility(visibility, list(VISIBILITIES), text=text)
        return value
