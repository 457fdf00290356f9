"""Which language a person reads: the one rule for pages, e-mails and PDFs.

A person's language is the one they chose (stored on the account by the language switcher, and
in the cookie). Until a staff member chooses one, they read the official language of their
member state (:data:`relocard.core.eu.OFFICIAL_LANGUAGE`: the French console in French, the
Cypriot one in Greek), when the interface speaks it; everyone else reads English.

The user is duck-typed (``preferred_language``, ``member_state_id``, ``role``) so that this
module stays below the accounts app.
"""

from __future__ import annotations

from django.conf import settings

from relocard.core.eu import OFFICIAL_LANGUAGE

#: Roles that read the interface in their own choice only (no member state of their own).
_NO_STATE_DEFAULT = ("applicant", "programme_admin")


def available() -> tuple[str, ...]:
    """The codes of ``settings.LANGUAGES``, in its order."""
    return tuple(code for code, _name in settings.LANGUAGES)


def supported(code: str | None) -> str | None:
    """``code`` if the interface speaks it (``fr-FR`` counts as ``fr``), else None."""
    if not code:
        return None
    base = code.lower().split("-")[0]
    return base if base in available() else None


def member_state_language(member_state: str | None) -> str:
    """The language a member state's staff read by default (English if not in LANGUAGES)."""
    return supported(OFFICIAL_LANGUAGE.get(member_state or "")) or settings.LANGUAGE_CODE


def language_for(user) -> str:
    """The language to show ``user`` pages, e-mails and PDFs in."""
    chosen = supported(getattr(user, "preferred_language", None))
    if chosen:
        return chosen
    if getattr(user, "role", None) not in _NO_STATE_DEFAULT:
        return member_state_language(getattr(user, "member_state_id", None))
    return settings.LANGUAGE_CODE
