"""Consent to share an entry beyond the network (the published site): the rules, in one place.

- Never by default: an entry is shared only once its author says so — a checkbox in the log
  form, ``/kindness share``, a button under the entry, or a *Yes* to a coordinator's request.
- Only the author gives or withdraws it; the answer is kept with its time.
- A private entry can never be shared; an anonymous one only anonymously (``anonymous``), a
  network one with the author's name (``named``) or without it.
- Consent is for the words the author agreed to: changing a shared entry's text withdraws it
  until they say yes again; making the entry private withdraws it; making a named one
  anonymous keeps it, anonymously. ``unshare``, deleting the entry and ``forget-me`` end it.
- A coordinator asks an author once per entry, whatever the answer.
"""

from __future__ import annotations

from bot.errors import OnlyAnonymously, PrivateNotShareable

NONE, NAMED, ANONYMOUS = "none", "named", "anonymous"
# The answers to a coordinator's request (the buttons of the DM).
ANSWERS = (NAMED, ANONYMOUS, NONE)


def consent_to_share(entry_id: int | None, visibility: str, *, anonymously: bool) -> str:
    """The consent an author gives to share an entry of ``visibility``; refused for a private
    entry, and "with my name" for an anonymous one."""
    if visibility == "private":
        raise PrivateNotShareable(entry_id)
    if visibility == "anonymous":
        if not anonymously and entry_id is not None:
            raise OnlyAnonymously(entry_id)
        return ANONYMOUS
    return ANONYMOUS if anonymously else NAMED


def consent_after_change(consent: str, *, text_changed: bool, visibility: str) -> str:
    """What is left of ``consent`` once the author changed the entry."""
    if consent == NONE or text_changed or visibility == "private":
        return NONE
    if visibility == "anonymous":
        return ANONYMOUS
    return consent


def is_shared(consent: str) -> bool:
    return consent in (NAMED, ANONYMOUS)
