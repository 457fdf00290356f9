"""YAML test cases beside the policies, run through both evaluation paths.

A case file (``relocard/policies/cases/*.yaml``, schema ``schemas/cases.schema.yaml``) lists
facts, a date, and the expected outcome and per-criterion results. :func:`run_cases` evaluates
each case with :func:`relocard.core.rules.evaluate` and with the bulk path on a one-row table,
and reports every difference: from the expectation, and between the two paths. ``relocard
rules test`` and the test suite both call it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import jsonschema_rs

from relocard.core.rules.accepted import AcceptedException, aggregate
from relocard.core.rules.criteria import EXCEPTION_ATTRIBUTES
from relocard.core.rules.engine import Evaluation, evaluate
from relocard.core.rules.errors import PolicyError, RulesError
from relocard.core.rules.facts import Facts
from relocard.core.rules.policy import PolicyLibrary, load_yaml, schema_errors

CASES_DIR = "cases"
SCHEMA_FILE = "schemas/cases.schema.yaml"


@dataclass(frozen=True, slots=True)
class Case:
    """One test case, parsed and checked."""

    file: str
    index: int
    name: str
    country: str
    stage: str
    on: date
    facts: Facts
    exceptions: tuple[AcceptedException, ...]
    overrides: Mapping[str, Any]
    expect: Mapping[str, Any]

    @property
    def label(self) -> str:
        return f"{self.file}: cases[{self.index}] ({self.name})"


@dataclass(frozen=True, slots=True)
class CaseResult:
    case: Case
    problems: tuple[str, ...] = field(default=())

    @property
    def passed(self) -> bool:
        return not self.problems


@cache
def _validator() -> Any:
    text = resources.files("relocard.policies").joinpath(SCHEMA_FILE).read_text("utf-8")
    return jsonschema_rs.validator_for(load_yaml(text, SCHEMA_FILE))


def default_case_files() -> list[Traversable]:
    """The case files shipped with the policies, in name order."""
    root = resources.files("relocard.policies").joinpath(CASES_DIR)
    return sorted((p for p in root.iterdir() if p.name.endswith(".yaml")), key=lambda p: p.name)


def expand(paths: Iterable[str | Path]) -> list[Path]:
    """Files as given, and the ``*.yaml`` files of directories."""
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            out += sorted(p.glob("*.yaml"))
        elif p.is_file():
            out.append(p)
        else:
            raise PolicyError(f"{raw}: no such file or directory")
    return out


def load_cases(source: Traversable | Path, label: str | None = None) -> list[Case]:
    """Parse and check one case file; a bad file is a :class:`PolicyError` naming the key."""
    label = label or str(source)
    try:
        text = source.read_text("utf-8")
    except OSError as exc:
        raise PolicyError(f"{label}: cannot read: {exc.strerror or exc}") from None
    data = load_yaml(text, label)
    if not isinstance(data, dict):
        raise PolicyError(f"{label}: (top level): expected a mapping with schema and cases")
    schema_errors(_validator(), data, label)
    cases = []
    for i, raw in enumerate(data["cases"]):
        where = f"{label}: cases[{i}] ({raw['name']})"
        try:
            on = date.fromisoformat(raw["on"])
        except ValueError:
            raise PolicyError(f"{where}: on: {raw['on']!r} is not a real date") from None
        try:
            facts = Facts.from_mapping(raw["facts"])
            exceptions = tuple(AcceptedException.from_mapping(e) for e in raw.get("exceptions", ()))
        except RulesError as exc:
            raise PolicyError(f"{where}: {exc}") from None
        cases.append(
            Case(
                file=label,
                index=i,
                name=raw["name"],
                country=raw["country"],
                stage=raw["stage"],
                on=on,
                facts=facts,
                exceptions=exceptions,
                overrides=raw.get("overrides", {}),
                expect=raw["expect"],
            )
        )
    return cases


def check_case(case: Case, library: PolicyLibrary | None = None) -> CaseResult:
    """Evaluate one case both ways and list what differs from the expectation."""
    try:
        result = evaluate(
            country=case.country,
            stage=case.stage,
            facts=case.facts,
            on=case.on,
            overrides=case.overrides,
            exceptions=case.exceptions,
            library=library,
        )
    except RulesError as exc:
        return CaseResult(case, (f"cannot evaluate: {exc}",))
    problems = _against_expectation(case, result)
    problems += _against_bulk(case, result, library)
    return CaseResult(case, tuple(problems))


def _against_expectation(case: Case, result: Evaluation) -> list[str]:
    problems = []
    expect = case.expect
    if result.outcome.value != expect["outcome"]:
        problems.append(f"outcome is {result.outcome.value}, expected {expect['outcome']}")
    got = {c.id: c.result.value for c in result.criteria}
    wanted = dict(expect["criteria"])
    if set(got) != set(wanted):
        problems.append(
            f"the case lists criteria {sorted(wanted)}, the stage has {sorted(got)}; list "
            "every criterion of the stage"
        )
    for cid, value in wanted.items():
        if cid in got and got[cid] != value:
            problems.append(f"{cid} is {got[cid]}, expected {value}")
    if "first_failing" in expect and result.first_failing != expect["first_failing"]:
        problems.append(
            f"first failing criterion is {result.first_failing}, expected {expect['first_failing']}"
        )
    if "effective" in expect and result.stamp.effective.isoformat() != expect["effective"]:
        problems.append(
            f"policy effective {result.stamp.effective}, expected {expect['effective']}"
        )
    for cid, texts in expect.get("explanation", {}).items():
        if cid not in got:
            problems.append(f"explanation of {cid}: not a criterion of the stage")
            continue
        criterion = result.criterion(cid)
        for lang, words in texts.items():
            # The reason and its technical details (parameters, what-if overrides) together.
            said = f"{criterion.explanation.get(lang)} {criterion.details.get(lang)}"
            if words not in said:
                problems.append(f"{cid} explanation ({lang}) lacks {words!r}: {said!r}")
    return problems


def _against_bulk(case: Case, result: Evaluation, library: PolicyLibrary | None) -> list[str]:
    # Local import: numpy and Polars (half a second to import) load only when a case is also run in bulk.
    from relocard.core.rules.bulk import evaluate_table, facts_table

    totals = aggregate(case.exceptions, EXCEPTION_ATTRIBUTES)
    columns = {f"{k}_{a}": v for k, attrs in totals.items() for a, v in attrs.items()}
    table = facts_table([case.facts], [columns])
    row = evaluate_table(table, stage=case.stage, policy=result.policy, library=library).row(
        0, named=True
    )
    problems = []
    for c in result.criteria:
        if row[c.id] != c.result.value:
            problems.append(f"bulk path gives {c.id} {row[c.id]}, single path {c.result.value}")
    if row["outcome"] != result.outcome.value:
        problems.append(f"bulk path gives outcome {row['outcome']}, single {result.outcome.value}")
    if row["first_failing"] != result.first_failing:
        problems.append(
            f"bulk path gives first failing {row['first_failing']}, single {result.first_failing}"
        )
    return problems


def run_cases(
    paths: Iterable[str | Path] | None = None, library: PolicyLibrary | None = None
) -> list[CaseResult]:
    """Run every case of the given files (default: the shipped ones)."""
    if paths:
        files = [(f, str(f)) for f in expand(paths)]
    else:
        files = [(f, f"policies/{CASES_DIR}/{f.name}") for f in default_case_files()]
    results = []
    for f, label in files:
        for case in load_cases(f, label):
            results.append(check_case(case, library))
    return results
