"""Closed vocabularies the criteria speak: CEFR levels, ISCED levels, EU languages and states.

These are facts about the world (standards and treaties), not policy: which of them a criterion
accepts is a parameter in the policy files. They live here so that the fact parser, the
explanations and the synthetic population agree on one spelling.
"""

from __future__ import annotations

from enum import StrEnum

from relocard.core.eu import EU_MEMBER_STATES, EU_OFFICIAL_LANGUAGES  # noqa: F401 - part of the vocabulary


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


#: ISCED 2011 levels, named in English and Russian for the explanations.
ISCED_LEVELS: dict[int, tuple[str, str]] = {
    0: ("early childhood education", "дошкольное образование"),
    1: ("primary education", "начальное образование"),
    2: ("lower secondary education", "основное общее образование"),
    3: ("upper secondary education", "среднее общее образование"),
    4: ("post-secondary non-tertiary education", "послесреднее нетретичное образование"),
    5: ("short-cycle tertiary education", "короткий цикл высшего образования"),
    6: ("bachelor's or equivalent", "бакалавриат или эквивалентный уровень"),
    7: ("master's or equivalent", "магистратура или эквивалентный уровень"),
    8: ("doctoral or equivalent", "докторантура или эквивалентный уровень"),
}
