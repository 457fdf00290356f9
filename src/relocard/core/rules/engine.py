"""Evaluate one case: every criterion of a stage, explained, and the whole stamped for replay.

``evaluate`` is the single entry point the platform calls. It resolves the policy in force
(cached), runs each criterion's compiled rule (cached per policy hash and the values'
provenance) on the facts, words the result (a message rendered in any language:
:mod:`relocard.core.i18n`) with the facts, the threshold, any exception applied, the
parameters read and their legal basis, and stamps the evaluation with the policy's country,
effective date, hash and the engine version. ``replay`` rebuilds an evaluation from a stored
stamp and refuses if the parameters in force on that date have changed since.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from relocard.core.i18n import Msg
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
    Source,
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


#: The languages a stored explanation carries rendered (the rest render from its message).
STORED_LANGUAGES = ("en", "ru")


@dataclass(frozen=True, slots=True)
class Explanation:
    """A text of the explanation in every language: a message rendered on demand."""

    message: Msg
    #: The stored shape, computed once for texts that recur in every evaluation (titles,
    #: the parameters' basis): see :func:`Explanation.fixed`.
    stored: Mapping[str, Any] | None = field(default=None, compare=False, repr=False)

    @classmethod
    def fixed(cls, message: Msg) -> Explanation:
        return cls(message, _stored(message))

    def get(self, lang: str) -> str:
        """The text in ``lang`` (``fr``, ``ru-RU``...); English where no translation exists."""
        return self.message.render(lang)

    @property
    def en(self) -> str:
        return self.message.render("en")

    @property
    def ru(self) -> str:
        return self.message.render("ru")

    def to_dict(self) -> dict[str, Any]:
        """English and Russian as text (readable JSON), and the message, from which any other
        language renders later (``explanation_text``)."""
        return dict(self.stored if self.stored is not None else _stored(self.message))


def _stored(message: Msg) -> dict[str, Any]:
    out: dict[str, Any] = {lang: message.render(lang) for lang in STORED_LANGUAGES}
    out["message"] = message.to_json()
    return out


def explanation_text(stored: Mapping[str, Any] | str | None, lang: str) -> str:
    """A stored explanation (``Explanation.to_dict``) in ``lang``.

    The text stored in that language if any (what the decision said); else rendered from the
    stored message; rows written before messages were stored (English and Russian only) read
    in English."""
    if not isinstance(stored, Mapping):
        return stored or ""
    lang = lang.lower()[:2]
    text = stored.get(lang)
    if text:
        return str(text)
    message = stored.get("message")
    if isinstance(message, Mapping):
        try:
            return Msg.from_json(message).render(lang)
        except (KeyError, ValueError, TypeError, IndexError):
            pass  # a damaged message: the English text below
    return str(stored.get("en") or "")


@dataclass(frozen=True, slots=True)
class CriterionResult:
    """One criterion's result with everything needed to justify it.

    ``explanation`` is the plain reason (what the applicant reads); ``details`` names the
    parameters and since when they are in force (shown in a disclosure); ``sources`` are the
    legal or documentary bases of those parameters, cited once per evaluation."""

    id: str
    result: Result
    title: Explanation
    facts: Mapping[str, Any]
    threshold: Mapping[str, Any]
    reference: tuple[Parameter, ...]
    exceptions: tuple[AppliedException, ...]
    explanation: Explanation
    details: Explanation

    @property
    def sources(self) -> tuple[Source, ...]:
        return t.sources(self.reference)

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
            "details": self.details.to_dict(),
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

    @property
    def sources(self) -> tuple[Source, ...]:
        """The legal or documentary bases of every criterion, each once, in criterion order."""
        found: dict[str, Source] = {}
        for c in self.criteria:
            for source in c.sources:
                found.setdefault(source.id, source)
        return tuple(found.values())

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of ``relocard rules explain``."""
        return {
            "outcome": self.outcome.value,
            "criteria": [c.to_dict() for c in self.criteria],
            "legal_basis": [_source_dict(s) for s in self.sources],
            "policy": self.stamp.to_dict(),
        }


def _source_dict(source: Source) -> dict[str, Any]:
    titles = {"en": source.title, "ru": source.title_ru, **dict(source.titles)}
    return {"id": source.id, "title": titles, "url": source.url}


@dataclass(frozen=True, slots=True)
class _Program:
    criterion: Criterion
    values: tuple[tuple[str, Compiled], ...]
    condition: Compiled
    basis: tuple[Parameter, ...]
    title: Explanation
    details: Explanation


_programs: dict[tuple[str, Stage, str], tuple[_Program, ...]] = {}
_programs_lock = threading.Lock()


def _program(policy: Policy, stage: Stage) -> tuple[_Program, ...]:
    """The stage's criteria compiled against the policy's values, cached by the policy's hash
    and the values' provenance. The explanation's basis shows where each value comes from, and a
    what-if override equal to the value in force has the same hash: keyed by the hash alone,
    its "not in force" basis was served to real evaluations."""
    key = (policy.hash, stage, policy.provenance)
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
            basis=CRITERIA[cid].basis(policy),
            title=Explanation.fixed(CRITERIA[cid].title),
            details=Explanation.fixed(t.basis(CRITERIA[cid].basis(policy))),
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
    declared: bool = False,
) -> Evaluation:
    """Evaluate ``stage`` for one case under the policy of ``country`` in force on ``on``.

    ``facts`` are verified facts (a :class:`Facts` or the FACTS.json shape); absent ones make
    the criteria that need them ``unknown``. ``overrides`` are what-if parameter values;
    ``exceptions`` are exceptions a caseworker accepted. ``declared`` says the facts are the
    applicant's declaration, not verified (the "what we will check" before submission): the
    criteria not met are then worded as declared. Bad input raises :class:`RulesInputError`
    naming the key.
    """
    stage = Stage.parse(stage)
    parsed = Facts.from_mapping(facts)
    accepted = tuple(AcceptedException.from_mapping(e) for e in exceptions)
    policy = (library or default_library()).snapshot(country, on=on, overrides=overrides)
    return evaluate_policy(policy, stage, parsed, accepted, on=on, declared=declared)


def evaluate_policy(
    policy: Policy,
    stage: Stage | str,
    facts: Facts,
    exceptions: Sequence[AcceptedException] = (),
    *,
    on: date | None = None,
    declared: bool = False,
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
            _explain(program, env, program.condition(env), facts, policy, exceptions, declared)
        )
    return Evaluation(
        outcome=Outcome.of([r.result for r in results]),
        stage=stage,
        on=on or policy.effective,
        criteria=tuple(results),
        policy=policy,
    )


def _explain(
    program: _Program,
    env: Env,
    verdict: bool | None,
    facts: Facts,
    policy: Policy,
    exceptions: Sequence[AcceptedException],
    declared: bool = False,
) -> CriterionResult:
    criterion = program.criterion
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
    ctx = Context(result, facts, env.values, policy, applied, declared)
    reason = criterion.wording(ctx)
    for a in applied:
        # Not a catalogue entry: two sentences side by side in every language.
        reason = Msg(
            "{reason} {exception}",
            (("reason", reason), ("exception", EXCEPTION_KINDS[a.kind].wording(ctx, a))),
        )
    threshold = {
        name: to_json(policy.values[name] if name in policy.values else env.values[name])
        for name in criterion.threshold
    }
    return CriterionResult(
        id=criterion.id,
        result=result,
        title=program.title,
        facts=facts.subset(criterion.fields),
        threshold=threshold,
        reference=program.basis,
        exceptions=applied,
        explanation=Explanation(reason),
        details=program.details,
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
