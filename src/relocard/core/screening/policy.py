"""The screening section of a member state's policy file: which national checks it requests.

A residence permit needs checks the platform cannot run itself (the Schengen Information System,
the national police, the intelligence service): the platform requests them from the national
authority, tracks their deadline and records the answer. Each country file says which checks
are required at issuance and at renewal::

    screening:
      note: ...
      national_checks:
        issuance: [sis, police, intelligence]
        renewal: [sis, police]
      answer_days: 30
      reference: {source: ..., detail: ...}

:func:`load_screening_policy` reads it (the rules engine has already validated the file against
its schema). A country file without the section requires no national check.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Final

from relocard.core.rules.errors import RulesError
from relocard.core.rules.policy import PolicyLibrary, Stage, default_library, load_yaml
from relocard.core.screening.errors import ScreeningError

__all__ = ["CHECK_TYPES", "ScreeningPolicy", "ScreeningPolicyError", "load_screening_policy"]

#: The national checks a policy may require, in the order they are listed.
CHECK_TYPES: Final = ("sis", "police", "intelligence")


class ScreeningPolicyError(ScreeningError):
    """A policy file's screening section cannot be read (an unknown country, a broken file)."""


@dataclass(frozen=True, slots=True)
class ScreeningPolicy:
    country: str
    issuance: tuple[str, ...] = ()
    renewal: tuple[str, ...] = ()
    answer_days: int = 30
    #: ``source: detail`` of the section's reference ("" without a section).
    reference: str = ""

    def checks(self, stage: Stage | str) -> tuple[str, ...]:
        """The national checks required for a case of ``stage`` (issuance or renewal)."""
        return self.issuance if Stage.parse(stage) is Stage.ISSUANCE else self.renewal


def _ordered(values) -> tuple[str, ...]:
    return tuple(c for c in CHECK_TYPES if c in set(values))


def _load(library: PolicyLibrary, code: str) -> ScreeningPolicy:
    parsed = library.country_file(code)  # validates the whole file, this section too
    text = library.root.joinpath(f"{code.lower()}.yaml").read_text("utf-8")
    section = load_yaml(text, parsed.label).get("screening")
    if section is None:
        return ScreeningPolicy(country=code)
    checks = section["national_checks"]
    ref = section["reference"]
    return ScreeningPolicy(
        country=code,
        issuance=_ordered(checks["issuance"]),
        renewal=_ordered(checks["renewal"]),
        answer_days=int(section["answer_days"]),
        reference=f"{ref['source']}: {ref.get('detail', '')}".rstrip(": "),
    )


@cache
def _default(code: str) -> ScreeningPolicy:
    library = default_library()
    return _load(library, library.check_country(code))


def load_screening_policy(country: str, *, library: PolicyLibrary | None = None) -> ScreeningPolicy:
    """The national checks ``country`` requires (no section: none).

    Raises :class:`ScreeningPolicyError` for an unknown country or a file that breaks its schema.
    """
    try:
        if library is None:
            return _default(str(country).upper())
        return _load(library, library.check_country(country))
    except RulesError as exc:
        raise ScreeningPolicyError(str(exc)) from None
