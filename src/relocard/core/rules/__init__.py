"""Rules as code: the relocatee-card criteria per member state, every decision explained.

The public API, in the order a caller meets it::

    from relocard.core.rules import evaluate, Facts, AcceptedException

    result = evaluate(country="FR", stage="renewal", facts=facts_json, on=date.today(),
                      exceptions=[AcceptedException(kind="force_majeure_absence", days=12,
                                                    accepted_by="A. Martin", reason="...")])
    result.outcome            # Outcome.ELIGIBLE / NOT_ELIGIBLE / UNDETERMINED
    result.reasons("ru")      # explanations of the criteria not met (a refusal's reasons)
    result.to_dict()          # the JSON of ``relocard rules explain``
    result.stamp              # country, effective date, hash, engine version: store it
    replay(stamp, stage=..., facts=...)   # the same decision years later, or ReplayError

    evaluate_table(df, country="FR", stage="issuance", on=day)   # Polars, same rules
    simulate(df, country="FR", stage="issuance", on=day, overrides={"means.months": "18"})

Policies live in :mod:`relocard.policies` (YAML, one file per member state, dated values with
references); :func:`load_policy` resolves one on a date. Bulk evaluation (Polars) is imported
lazily so that a single ``evaluate`` never pays for it.

Exceptions::

    RulesError                      base of everything the engine raises on purpose
     +-- RulesInputError            bad input: facts, country, stage, override, table column
     +-- PolicyError                a policy or test-case file breaks its schema (file, key)
     +-- ReplayError                a stored stamp no longer matches the policy files
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from relocard.core.rules.accepted import AcceptedException
from relocard.core.rules.criteria import CRITERIA, EXCEPTION_KINDS, Criterion, Result
from relocard.core.rules.engine import (
    CriterionResult,
    Evaluation,
    Explanation,
    Outcome,
    criteria_for,
    evaluate,
    evaluate_policy,
    explanation_text,
    replay,
)
from relocard.core.rules.errors import PolicyError, ReplayError, RulesError, RulesInputError
from relocard.core.rules.facts import Facts, LanguageSkill
from relocard.core.rules.policy import (
    ENGINE_VERSION,
    Parameter,
    Policy,
    PolicyLibrary,
    Stage,
    Stamp,
    default_library,
    load_policy,
    parameter_specs,
)
from relocard.core.rules.vocabulary import Cefr, Employment, Tenure

if TYPE_CHECKING:
    from relocard.core.rules.bulk import (
        evaluate_table,
        facts_table,
        read_population,
        simulate,
        write_population,
    )
    from relocard.core.rules.cases import run_cases

_LAZY = {
    "evaluate_table": "relocard.core.rules.bulk",
    "facts_table": "relocard.core.rules.bulk",
    "read_population": "relocard.core.rules.bulk",
    "simulate": "relocard.core.rules.bulk",
    "write_population": "relocard.core.rules.bulk",
    "run_cases": "relocard.core.rules.cases",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)


__all__ = [
    "CRITERIA",
    "ENGINE_VERSION",
    "EXCEPTION_KINDS",
    "AcceptedException",
    "Cefr",
    "Criterion",
    "CriterionResult",
    "Employment",
    "Evaluation",
    "Explanation",
    "Facts",
    "LanguageSkill",
    "Outcome",
    "Parameter",
    "Policy",
    "PolicyError",
    "PolicyLibrary",
    "ReplayError",
    "Result",
    "RulesError",
    "RulesInputError",
    "Stage",
    "Stamp",
    "Tenure",
    "criteria_for",
    "default_library",
    "evaluate",
    "evaluate_policy",
    "evaluate_table",
    "explanation_text",
    "facts_table",
    "load_policy",
    "parameter_specs",
    "read_population",
    "replay",
    "run_cases",
    "simulate",
    "write_population",
]
