"""Evaluate one case: every criterion of a stage, explained, and the whole stamped for replay.

``evaluate`` is the single entry point the platform calls. It resolves the policy in force
(cached), runs each criterion's compiled rule (cached per policy hash) on the facts, words the
result in English and Russian with the facts, the threshold, any exception applied and the
legal basis, and stamps the evaluation with the policy's country, effective date, hash and the
engine version. ``replay`` rebuilds an evaluation from a stored stamp and refuses if the
parameters in force on that date have changed since.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from relocard.core.rules import text as t
from relocard.core.rules.accepted import AcceptedException, aggregate
from relocard.core.rules.criteria import (
    CRITERIA,
    EXCEPTION_ATTRIBUTES,
    EXCEPTION_KINDS,
    AppliedException,
    Context,
    Criterion,
    Result,
)
from relocard.core.rules.errors import RulesInputError
from relocard.core.rules.expr import Compiled, Env, compile_python
from relocard.core.rules.facts import Facts
from relocard.core.rules.policy import (
    Parameter,
    Policy,
    PolicyLibrary,
    Stage,
    Stamp,
    default_library,
    to_json,
)


class Outcome(StrEnum):
    """A stage's outcome: all met; some not met; or none not met but some unknown."""

    ELIGIBLE = "eligible"
    NOT_ELIGIBLE = "not_eligible"
    UNDETERMINED = "undetermined"

    @classmethod
    def of(cls, results: Sequence[Result]) -> Outcome:
        if Result.NOT_MET in results:
            return cls.NOT_ELIGIBLE
        if Result.UNKNOWN in results:
            return cls.UNDETERMINED
        return cls.ELIGIBLE


@dataclass(frozen=True, slots=True)
class Explanation:
    """The same explanation in each language the programme speaks."""

    en: str
    ru: str

    def get(self, lang: str) -> str:
        """The text in ``lang`` (``en`` or ``ru``; a regional tag like ``ru-RU`` works too)."""
        return self.ru if lang.lower().startswith("ru") else self.en

    def to_dict(self) -> dict[str, str]:
        return {"en": self.en, "ru": self.ru}


@dataclass(frozen=True, slots=True)
class CriterionResult:
    """One criterion's result with everything needed to justify it."""

    id: str
    result: Result
    title: Explanation
    facts: Mapping[str, Any]
    threshold: Mapping[str, Any]
    reference: tuple[Parameter, ...]
    exceptions: tuple[AppliedException, ...]
    explanation: Explanation

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "result": self.result.value,
            "title": self.title.to_dict(),
            "facts": dict(self.facts),
            "threshold": dict(self.threshold),
            "reference": [p.to_dict() for p in self.reference],
            "exceptions": [e.to_dict() for e in self.exceptions],
            "explanation": self.explanation.to_dict(),
        }


@dataclass(frozen=True, slots=True)
class Evaluation:
    """A stage evaluated for one case: outcome, every criterion, and the policy's stamp."""

    outcome: Outcome
    stage: Stage
    on: date
    criteria: tuple[CriterionResult, ...]
    policy: Policy = field(repr=False)

    @property
    def stamp(self) -> Stamp:
        return self.policy.stamp

    @property
    def not_met(self) -> tuple[CriterionResult, ...]:
        return tuple(c for c in self.criteria if c.result is Result.NOT_MET)

    @property
    def unknown(self) -> tuple[CriterionResult, ...]:
        return tuple(c for c in self.criteria if c.result is Result.UNKNOWN)

    @property
    def first_failing(self) -> str | None:
        """The first criterion (in the stage's order) that is not met, if any."""
        failing = self.not_met
        return failing[0].id if failing else None

    def criterion(self, criterion_id: str) -> CriterionResult:
        for c in self.criteria:
            if c.id == criterion_id:
                return c
        raise KeyError(criterion_id)

    def reasons(self, lang: str = "en") -> list[str]:
        """The explanations of the criteria not met: the refusal form's pre-filled reasons."""
        return [c.explanation.get(lang) for c in self.not_met]

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of ``relocard rules explain``."""
        return {
            "outcome": self.outcome.value,
            "criteria": [c.to_dict() for c in self.criteria],
            "policy": self.stamp.to_dict(),
        }


@dataclass(frozen=True, slots=True)
class _Program:
    criterion: Criterion
    values: tuple[tuple[str, Compiled], ...]
    condition: Compiled


_programs: dict[tuple[str, Stage], tuple[_Program, ...]] = {}
_programs_lock = threading.Lock()


def _program(policy: Policy, stage: Stage) -> tuple[_Program, ...]:
    """The stage's criteria compiled against the policy's values (cached by policy hash)."""
    key = (policy.hash, stage)
    found = _programs.get(key)
    if found is not None:
        return found
    programs = tuple(
        _Program(
            criterion=CRITERIA[cid],
            values=tuple(
                (name, compile_python(expr, policy.values)) for name, expr in CRITERIA[cid].values
            ),
            condition=compile_python(CRITERIA[cid].condition, policy.values),
        )
        for cid in policy.criteria(stage)
    )
    with _programs_lock:
        if len(_programs) > 1024:
            _programs.clear()
        _programs[key] = programs
    return programs


def evaluate(
    *,
    country: str,
    stage: Stage | str,
    facts: Facts | Mapping[str, Any],
    on: date,
    overrides: Mapping[str, Any] | None = None,
    exceptions: Sequence[AcceptedException | Mapping[str, Any]] = (),
    library: PolicyLibrary | None = None,
) -> Evaluation:
    """Evaluate ``stage`` for one case under the policy of ``country`` in force on ``on``.

    ``facts`` are verified facts (a :class:`Facts` or the FACTS.json shape); absent ones make
    the criteria that need them ``unknown``. ``overrides`` are what-if parameter values;
    ``exceptions`` are exceptions a caseworker accepted. Bad input raises
    :class:`RulesInputError` naming the key.
    """
    stage = Stage.parse(stage)
    parsed = Facts.from_mapping(facts)
    accepted = tuple(AcceptedException.from_mapping(e) for e in exceptions)
    policy = (library or default_library()).snapshot(country, on=on, overrides=overrides)
    return evaluate_policy(policy, stage, parsed, accepted, on=on)


def evaluate_policy(
    policy: Policy,
    stage: Stage | str,
    facts: Facts,
    exceptions: Sequence[AcceptedException] = (),
    *,
    on: date | None = None,
) -> Evaluation:
    """Evaluate with an already resolved policy (what ``evaluate`` and ``replay`` share)."""
    stage = Stage.parse(stage)
    totals = aggregate(exceptions, EXCEPTION_ATTRIBUTES)
    row = facts.row()
    results = []
    for program in _program(policy, stage):
        env = Env(row, totals)
        for name, fn in program.values:
            env.values[name] = fn(env)
        results.append(
            _explain(program.criterion, env, program.condition(env), facts, policy, exceptions)
        )
    return Evaluation(
        outcome=Outcome.of([r.result for r in results]),
        stage=stage,
        on=on or policy.effective,
        criteria=tuple(results),
        policy=policy,
    )


def _explain(
    criterion: Criterion,
    env: Env,
    verdict: bool | None,
    facts: Facts,
    policy: Policy,
    exceptions: Sequence[AcceptedException],
) -> CriterionResult:
    result = Result.from_bool(verdict)
    applied = tuple(
        AppliedException(
            kind=rule.kind,
            priority=rule.priority,
            changes=name,
            before=before,
            after=after,
            accepted=tuple(e for e in exceptions if e.kind == rule.kind),
        )
        for name, rule, before, after in env.applied
    )
    ctx = Context(result, facts, env.values, policy, applied)
    en, ru = criterion.wording(ctx)
    for a in applied:
        ex_en, ex_ru = EXCEPTION_KINDS[a.kind].wording(ctx, a)
        en, ru = f"{en} {ex_en}", f"{ru} {ex_ru}"
    basis = criterion.basis(policy)
    en, ru = f"{en} {t.basis(basis, 'en')}", f"{ru} {t.basis(basis, 'ru')}"
    threshold = {
        name: to_json(policy.values[name] if name in policy.values else env.values[name])
        for name in criterion.threshold
    }
    return CriterionResult(
        id=criterion.id,
        result=result,
        title=Explanation(*criterion.title),
        facts=facts.subset(criterion.fields),
        threshold=threshold,
        reference=basis,
        exceptions=applied,
        explanation=Explanation(en, ru),
    )


def replay(
    stamp: Stamp | Mapping[str, Any],
    *,
    stage: Stage | str,
    facts: Facts | Mapping[str, Any],
    exceptions: Sequence[AcceptedException | Mapping[str, Any]] = (),
    overrides: Mapping[str, Any] | None = None,
    library: PolicyLibrary | None = None,
) -> Evaluation:
    """Re-run a stored decision under the parameters its stamp names.

    Raises :class:`ReplayError` if the policy files no longer give the stamp's hash for that
    date (someone edited a value in force instead of adding a new dated one). The returned
    evaluation carries the current engine version; compare it with the stamp's to know whether
    the criteria's code has changed since.
    """
    if not isinstance(stamp, Stamp):
        stamp = Stamp.from_mapping(stamp)
    policy = (library or default_library()).check_stamp(stamp, overrides)
    parsed = Facts.from_mapping(facts)
    accepted = tuple(AcceptedException.from_mapping(e) for e in exceptions)
    return evaluate_policy(policy, stage, parsed, accepted, on=stamp.effective)


def criteria_for(
    country: str, stage: Stage | str, *, on: date, library: PolicyLibrary | None = None
) -> tuple[Criterion, ...]:
    """The criteria of a stage in force for a country on a date (e.g. to build a checklist)."""
    policy = (library or default_library()).snapshot(country, on=on)
    try:
        return tuple(CRITERIA[c] for c in policy.criteria(stage))
    except KeyError as exc:  # pragma: no cover - the schema enumerates criterion ids
        raise RulesInputError(f"unknown criterion {exc.args[0]!r}") from None
