"""Closed vocabularies the criteria speak: CEFR levels, ISCED levels, EU languages and states.

These are facts about the world (standards and treaties), not policy: which of them a criterion
accepts is a parameter in the policy files. They live here so that the fact parser, the
explanations and the synthetic population agree on one spelling.
"""

from __future__ import annotations

from enum import StrEnum

from relocard.core.eu import EU_MEMBER_STATES, EU_OFFICIAL_LANGUAGES  # noqa: F401 - part of the vocabulary
from relocard.core.i18n import gettext_noop


class Cefr(StrEnum):
    """A level of the Common European Framework of Reference for Languages."""

    A1 = "A1"
    A2 = "A2"
    B1 = "B1"
    B2 = "B2"
    C1 = "C1"
    C2 = "C2"

    @property
    def rank(self) -> int:
        return CEFR_RANK[self.value]


#: CEFR level -> rank (A1 = 1 ... C2 = 6): the order the language criterion compares in.
CEFR_RANK: dict[str, int] = {level.value: i for i, level in enumerate(Cefr, start=1)}


class Employment(StrEnum):
    """What the employment fact may say (FACTS.json ``employment``)."""

    EMPLOYED = "employed"
    SELF_EMPLOYED = "self_employed"
    NONE = "none"


class Tenure(StrEnum):
    """How the applicant holds their home (FACTS.json ``housing.tenure``)."""

    OWNER = "owner"
    TENANT = "tenant"
    NONE = "none"


#: ISCED 2011 levels, named for the explanations (translated through the catalogue).
ISCED_LEVELS: dict[int, str] = {
    0: gettext_noop("early childhood education"),
    1: gettext_noop("primary education"),
    2: gettext_noop("lower secondary education"),
    3: gettext_noop("upper secondary education"),
    4: gettext_noop("post-secondary non-tertiary education"),
    5: gettext_noop("short-cycle tertiary education"),
    6: gettext_noop("bachelor's or equivalent"),
    7: gettext_noop("master's or equivalent"),
    8: gettext_noop("doctoral or equivalent"),
}
