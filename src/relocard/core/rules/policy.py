"""Policy files: dated parameters per member state, validated, resolved to a snapshot, hashed.

A policy is two layers of YAML: ``programme.yaml`` (the programme-wide defaults, every
parameter) and one file per member state (``fr.yaml`` ...) that overrides any parameter from a
date. Each value has a ``from`` date, an optional ``until`` date and a reference to a source.

Resolving a country on a date gives a :class:`Policy`: the snapshot of every parameter in
force (the country's value if it has one that day, else the programme's), the criteria of each
stage, the date since which exactly this snapshot has been in force (``effective``) and a hash
of its values. The hash and ``effective`` go into every decision's stamp, so that a decision can
be replayed years later: loading the policy on ``effective`` must give the same hash.

What-if reforms apply overrides to a snapshot without touching any file; overridden values are
marked as such in explanations and change the hash.

Files are validated against ``schemas/policy.schema.yaml`` (JSON Schema) when loaded, then for
what a schema cannot say (real dates, overlapping values, references to unknown sources). Every
error is a :class:`PolicyError` naming the file and the key.
"""

from __future__ import annotations

import bisect
import hashlib
import itertools
import json
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from fractions import Fraction
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from types import MappingProxyType
from typing import Any

import jsonschema_rs
import yaml

from relocard.core.rules.errors import PolicyError, ReplayError, RulesInputError
from relocard.core.rules.vocabulary import Cefr

#: Version of the engine's rule definitions; bump it whenever a criterion's logic changes, so
#: that a stamp tells which logic a stored decision was taken under.
ENGINE_VERSION = "1.0.0"

PROGRAMME_FILE = "programme.yaml"
SCHEMA_FILE = "schemas/policy.schema.yaml"


class Stage(StrEnum):
    """The two decisions the rules serve: a first card, and renewal after the trial year."""

    ISSUANCE = "issuance"
    RENEWAL = "renewal"

    @classmethod
    def parse(cls, value: Stage | str) -> Stage:
        try:
            return cls(value)
        except ValueError:
            allowed = ", ".join(s.value for s in cls)
            raise RulesInputError(f"unknown stage {value!r}; use one of {allowed}") from None


# --- YAML: safe, dates kept as text, duplicate keys refused ----------------------------------


class _Loader(yaml.SafeLoader):
    """SafeLoader that keeps dates as strings (checked later) and refuses duplicate keys.

    PyYAML silently keeps the last of two equal keys: in a policy file that would hide a value.
    """


# YAML 1.2 rules for plain scalars: dates stay text (checked later), and only true/false are
# booleans, so that the key `on:` of a test case or the country code NO stay strings.
_DROPPED = {"tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:bool"}
_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in _DROPPED]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue  # keys merged from an anchor may be overridden: that is what << is for
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            line = key_node.start_mark.line + 1
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r} (line {line})", key_node.start_mark
            )
        seen.add(key)
    loader.flatten_mapping(node)  # merged keys first, so explicit keys win below
    return {
        loader.construct_object(k, deep=True): loader.construct_object(v, deep=True)
        for k, v in node.value
    }


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_yaml(text: str, label: str) -> Any:
    """Parse YAML safely; a syntax error or a duplicate key is a :class:`PolicyError`."""
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise PolicyError(f"{label}: not valid YAML{where}: {problem}") from None


def key_path(parts: Iterable[str | int]) -> str:
    """``parameters['means.months'].values[0].from`` from a JSON path."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif "." in part or not part.replace("_", "").isalnum():
            out += f"[{part!r}]"
        else:
            out += f".{part}" if out else part
    return out or "(top level)"


def schema_errors(validator: Any, instance: Any, label: str) -> None:
    """Raise the most telling schema error as one line naming the file and the key.

    An unknown key comes first: a misspelt key also makes the right one "missing", and the
    typo is what the author needs to see.
    """
    errors = list(validator.iter_errors(instance))
    if not errors:
        return
    unknown = [
        e
        for e in errors
        if isinstance(e.kind, jsonschema_rs.ValidationErrorKind.AdditionalProperties)
    ]
    error = (unknown or errors)[0]
    where = key_path(list(error.instance_path))
    if unknown:
        keys = ", ".join(repr(k) for k in error.kind.unexpected)
        raise PolicyError(f"{label}: {where}: unknown key {keys}")
    raise PolicyError(f"{label}: {where}: {error.message}")


@cache
def _schema_document() -> dict[str, Any]:
    text = resources.files("relocard.policies").joinpath(SCHEMA_FILE).read_text("utf-8")
    return load_yaml(text, SCHEMA_FILE)


@cache
def _schema_validator() -> Any:
    return jsonschema_rs.validator_for(_schema_document())


# --- parameter kinds -------------------------------------------------------------------------


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _number_text(text: str) -> int | float:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise ValueError(f"{text!r} is not a number") from None
    return int(value) if value == value.to_integral_value() else float(value)


def _int_text(text: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise ValueError(f"{text!r} is not a whole number") from None


def _money(value: Any) -> Decimal:
    amount = Decimal(str(value))
    if amount != amount.quantize(Decimal("0.01")):
        raise ValueError(f"{value!r} has more than two decimal places (euro cents)")
    return amount


def _share(value: Any) -> Fraction:
    share = Fraction(str(value))
    if not 0 < share <= 1:
        raise ValueError(f"{value!r} is not a share between 0 (excluded) and 1")
    return share


@dataclass(frozen=True, slots=True)
class Kind:
    """How values of one ``$defs`` kind are read from text (``--set``) and held in Python."""

    from_text: Callable[[str], Any]
    to_python: Callable[[Any], Any]


KINDS: dict[str, Kind] = {
    "isced_level": Kind(_int_text, int),
    "months": Kind(_int_text, int),
    "days": Kind(_int_text, int),
    "cefr_level": Kind(lambda t: t.strip().upper(), Cefr),
    "money_eur": Kind(_number_text, _money),
    "share": Kind(lambda t: t.strip(), _share),
    "country_codes": Kind(lambda t: [p.upper() for p in _split(t)], frozenset),
    "language_codes": Kind(lambda t: [p.lower() for p in _split(t)], frozenset),
    "employment_statuses": Kind(lambda t: [p.lower() for p in _split(t)], frozenset),
    "tenures": Kind(lambda t: [p.lower() for p in _split(t)], frozenset),
    "day_list": Kind(lambda t: [_int_text(p) for p in _split(t)], tuple),
}


@dataclass(frozen=True, slots=True)
class ParameterSpec:
    """A parameter the engine knows: its unit, the kind of its value, what it is for."""

    name: str
    unit: str
    kind: str
    description: str

    @property
    def converter(self) -> Kind:
        return KINDS[self.kind]


@cache
def parameter_specs() -> dict[str, ParameterSpec]:
    """Every parameter, read from the schema (the one place that lists them)."""
    props = _schema_document()["properties"]["parameters"]["properties"]
    specs = {}
    for name, sub in props.items():
        value_ref = sub["properties"]["values"]["items"]["properties"]["value"]["$ref"]
        kind = value_ref.rsplit("/", 1)[-1]
        if kind not in KINDS:  # pragma: no cover - guarded by a test on the shipped schema
            raise PolicyError(f"{SCHEMA_FILE}: parameter {name}: unknown kind {kind!r}")
        specs[name] = ParameterSpec(
            name=name,
            unit=sub["properties"]["unit"]["const"],
            kind=kind,
            description=sub.get("description", ""),
        )
    return specs


@cache
def _value_validator(kind: str) -> Any:
    document = _schema_document()
    return jsonschema_rs.validator_for({"$defs": document["$defs"], "$ref": f"#/$defs/{kind}"})


def to_json(value: Any) -> Any:
    """A parameter value as plain JSON: sets sorted, shares as ``"3/4"``, money as numbers."""
    if isinstance(value, frozenset):
        return sorted(value)
    if isinstance(value, tuple | list):
        return [to_json(v) for v in value]
    if isinstance(value, Fraction):
        return f"{value.numerator}/{value.denominator}"
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, StrEnum):
        return value.value
    return value


def _canonical(value: Any) -> Any:
    """A parameter value in the one spelling the hash uses (1000 and 1000.00 hash alike)."""
    if isinstance(value, Decimal):
        return str(value.quantize(Decimal("0.01")))
    return to_json(value)


# --- the data classes --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Source:
    """Where values come from: the proposal now, a statute later."""

    id: str
    title: str
    title_ru: str
    url: str | None = None
    published: date | None = None
    #: Titles in other languages (``titles`` in the policy file), as (language, title) pairs.
    titles: tuple[tuple[str, str], ...] = ()

    def title_in(self, lang: str) -> str:
        """The title in ``lang``; English when the policy gives none in that language."""
        if lang.startswith("ru"):
            return self.title_ru
        return dict(self.titles).get(lang[:2], self.title)


@dataclass(frozen=True, slots=True)
class Reference:
    """A value's legal or documentary basis: a source and, optionally, where in it."""

    source: Source
    detail: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source.id,
            "title": self.source.title,
            "detail": self.detail,
            "url": self.source.url,
        }


@dataclass(frozen=True, slots=True)
class DatedValue:
    """One value of a parameter and the days it is in force (``until`` inclusive)."""

    value: Any
    start: date
    until: date | None
    reference: Reference


@dataclass(frozen=True, slots=True)
class Series:
    """A parameter's values over time in one file, sorted by start date."""

    name: str
    unit: str
    values: tuple[DatedValue, ...]

    def at(self, day: date) -> tuple[DatedValue, date | None] | None:
        """The value in force on ``day`` and its last day (``None``: open-ended)."""
        starts = [v.start for v in self.values]
        i = bisect.bisect_right(starts, day) - 1
        if i < 0:
            return None
        current = self.values[i]
        nxt = self.values[i + 1].start - timedelta(days=1) if i + 1 < len(self.values) else None
        last = current.until if current.until is not None else nxt
        if last is not None and day > last:
            return None
        return current, last

    def boundaries(self) -> set[date]:
        """Days on which this series starts or stops a value."""
        out = set()
        for v in self.values:
            out.add(v.start)
            if v.until is not None:
                out.add(v.until + timedelta(days=1))
        return out


@dataclass(frozen=True, slots=True)
class PolicyFile:
    """One validated policy file."""

    label: str
    scope: str
    country: str | None
    title: str
    note: str
    sources: Mapping[str, Source]
    stages: Mapping[Stage, tuple[str, ...]]
    parameters: Mapping[str, Series]


@dataclass(frozen=True, slots=True)
class Parameter:
    """A parameter as in force in one snapshot."""

    name: str
    value: Any
    unit: str
    since: date | None
    until: date | None
    reference: Reference | None
    origin: str

    @property
    def overridden(self) -> bool:
        """A what-if value, not in force anywhere."""
        return self.origin == "override"

    def to_dict(self) -> dict[str, Any]:
        return {
            "parameter": self.name,
            "value": to_json(self.value),
            "unit": self.unit,
            "in_force_since": None if self.since is None else self.since.isoformat(),
            "override": self.overridden,
            "origin": self.origin,
            **(
                {"source": None, "title": None, "detail": None, "url": None}
                if self.reference is None
                else self.reference.to_dict()
            ),
        }


@dataclass(frozen=True, slots=True)
class Stamp:
    """What a decision records so it can be replayed: country, snapshot date, hash, engine."""

    country: str
    effective: date
    hash: str
    engine_version: str

    def to_dict(self) -> dict[str, str]:
        return {
            "country": self.country,
            "effective": self.effective.isoformat(),
            "hash": self.hash,
            "engine_version": self.engine_version,
        }

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Stamp:
        """Read a stored stamp (the ``policy`` object of an evaluation's JSON)."""
        try:
            return cls(
                country=str(data["country"]),
                effective=date.fromisoformat(str(data["effective"])),
                hash=str(data["hash"]),
                engine_version=str(data["engine_version"]),
            )
        except KeyError as exc:
            raise RulesInputError(f"stamp: missing key {exc.args[0]!r}") from None
        except ValueError:
            raise RulesInputError(
                f"stamp: effective {data.get('effective')!r} is not a date (YYYY-MM-DD)"
            ) from None


@dataclass(frozen=True, slots=True)
class Policy:
    """The parameters in force for one country from ``effective`` (through ``valid_until``)."""

    country: str
    effective: date
    valid_until: date | None
    parameters: Mapping[str, Parameter]
    stages: Mapping[Stage, tuple[str, ...]]
    hash: str
    values: Mapping[str, Any] = field(repr=False)
    #: A digest of where each value comes from (its dates, reference and origin: what-if or
    #: not), which ``hash`` leaves out on purpose; what an explanation shows depends on it.
    provenance: str = field(repr=False, compare=False)

    def value(self, name: str) -> Any:
        return self.parameters[name].value

    def criteria(self, stage: Stage | str) -> tuple[str, ...]:
        stage = Stage.parse(stage)
        try:
            return self.stages[stage]
        except KeyError:
            raise RulesInputError(
                f"stage {stage.value!r} has no criteria in the {self.country} policy"
            ) from None

    @property
    def stamp(self) -> Stamp:
        return Stamp(self.country, self.effective, self.hash, ENGINE_VERSION)

    @property
    def overridden(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.parameters.values() if p.overridden)


def policy_hash(
    country: str, stages: Mapping[Stage, tuple[str, ...]], params: Mapping[str, Parameter]
) -> str:
    """SHA-256 of the snapshot's values, units and stage criteria (references excluded: fixing
    a citation's wording must not make past decisions unreplayable)."""
    document = {
        "country": country,
        "stages": {s.value: list(c) for s, c in sorted(stages.items())},
        "parameters": {n: [p.unit, _canonical(p.value)] for n, p in sorted(params.items())},
    }
    blob = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(blob.encode("utf-8")).hexdigest()


# --- parsing a file ------------------------------------------------------------------------


def _date(text: str, label: str, path: list[str | int]) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise PolicyError(f"{label}: {key_path(path)}: {text!r} is not a real date") from None


def parse_policy_file(text: str, label: str) -> PolicyFile:
    """Validate and parse one policy file's text; ``label`` names it in errors."""
    data = load_yaml(text, label)
    if not isinstance(data, dict):
        raise PolicyError(f"{label}: (top level): expected a mapping of keys to values")
    schema_errors(_schema_validator(), data, label)
    sources = {
        sid: Source(
            id=sid,
            title=" ".join(s["title"].split()),
            title_ru=" ".join(s["title_ru"].split()),
            url=s.get("url"),
            titles=tuple((lang, " ".join(t.split())) for lang, t in s.get("titles", {}).items()),
            published=_date(s["published"], label, ["sources", sid, "published"])
            if "published" in s
            else None,
        )
        for sid, s in data["sources"].items()
    }
    specs = parameter_specs()
    parameters: dict[str, Series] = {}
    for name, raw in data["parameters"].items():
        spec = specs[name]
        values = []
        for i, item in enumerate(raw["values"]):
            path: list[str | int] = ["parameters", name, "values", i]
            ref = item["reference"]
            if ref["source"] not in sources:
                known = ", ".join(sorted(sources)) or "none defined in this file"
                raise PolicyError(
                    f"{label}: {key_path([*path, 'reference', 'source'])}: unknown source "
                    f"{ref['source']!r}; define it under sources (known: {known})"
                )
            try:
                value = spec.converter.to_python(item["value"])
            except (ValueError, ArithmeticError) as exc:
                raise PolicyError(f"{label}: {key_path([*path, 'value'])}: {exc}") from None
            start = _date(item["from"], label, [*path, "from"])
            until = _date(item["until"], label, [*path, "until"]) if "until" in item else None
            if until is not None and until < start:
                raise PolicyError(
                    f"{label}: {key_path([*path, 'until'])}: {until} is before from ({start})"
                )
            values.append(
                (
                    i,
                    DatedValue(
                        value, start, until, Reference(sources[ref["source"]], ref.get("detail"))
                    ),
                )
            )
        values.sort(key=lambda iv: iv[1].start)
        for (i, a), (j, b) in itertools.pairwise(values):
            where = f"{label}: {key_path(['parameters', name, 'values', j])}"
            if a.start == b.start:
                raise PolicyError(
                    f"{where}: starts on {b.start}, the same day as values[{i}]; give each "
                    "value its own dates"
                )
            if a.until is not None and a.until >= b.start:
                raise PolicyError(
                    f"{where}: in force from {b.start}, which overlaps values[{i}] (from "
                    f"{a.start} until {a.until}); give each value its own dates"
                )
        parameters[name] = Series(name, raw["unit"], tuple(v for _, v in values))
    stages = {Stage(k): tuple(v) for k, v in data.get("stages", {}).items()}
    return PolicyFile(
        label=label,
        scope=data["scope"],
        country=data.get("country"),
        title=data["title"],
        note=" ".join(data["note"].split()),
        sources=MappingProxyType(sources),
        stages=MappingProxyType(stages),
        parameters=MappingProxyType(parameters),
    )


# --- overrides ---------------------------------------------------------------------------------


def parse_overrides(overrides: Mapping[str, Any] | None) -> dict[str, Any]:
    """Validate what-if overrides: parameter name -> value (text as on the command line, or a
    Python value). Returns name -> value in the parameter's Python type."""
    if not overrides:
        return {}
    specs = parameter_specs()
    out = {}
    for name, raw in overrides.items():
        spec = specs.get(name)
        if spec is None:
            raise RulesInputError(
                f"override {name!r}: unknown parameter; known parameters: {', '.join(specs)}"
            )
        try:
            json_value = spec.converter.from_text(raw) if isinstance(raw, str) else to_json(raw)
        except ValueError as exc:
            raise RulesInputError(f"override {name}: {exc}") from None
        for error in _value_validator(spec.kind).iter_errors(json_value):
            raise RulesInputError(f"override {name}={_show(raw)}: {error.message}")
        try:
            out[name] = spec.converter.to_python(json_value)
        except (ValueError, ArithmeticError) as exc:
            raise RulesInputError(f"override {name}: {exc}") from None
    return out


def _show(raw: Any) -> str:
    return raw if isinstance(raw, str) else json.dumps(to_json(raw))


def _overrides_key(values: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((n, json.dumps(_canonical(v))) for n, v in values.items()))


# --- the library of files ------------------------------------------------------------------


class PolicyLibrary:
    """A directory of policy files, parsed once and resolved to cached snapshots.

    The default library reads the files shipped in :mod:`relocard.policies`; tests and programme
    staff can point one at another directory to try edited files before shipping them.
    """

    def __init__(self, root: Traversable | Path | None = None, label: str | None = None):
        self.root: Traversable = resources.files("relocard.policies") if root is None else root
        self.label = label or ("policies" if root is None else str(root))
        self._files: dict[str, PolicyFile] = {}
        self._boundaries: dict[str, list[date]] = {}
        self._snapshots: dict[tuple[Any, ...], Policy] = {}
        self._countries: tuple[str, ...] | None = None
        self._lock = threading.Lock()

    def countries(self) -> tuple[str, ...]:
        """The member states with a policy file, e.g. ``("CY", "DE", "FR", "PL")``."""
        if self._countries is None:
            names = (entry.name for entry in self.root.iterdir() if entry.is_file())
            self._countries = tuple(
                sorted(
                    n.removesuffix(".yaml").upper()
                    for n in names
                    if n.endswith(".yaml") and n != PROGRAMME_FILE and len(n) == len("fr.yaml")
                )
            )
        return self._countries

    def _load(self, name: str) -> PolicyFile:
        found = self._files.get(name)
        if found is not None:
            return found
        label = f"{self.label}/{name}"
        try:
            text = self.root.joinpath(name).read_text("utf-8")
        except OSError as exc:
            raise PolicyError(f"{label}: cannot read: {exc.strerror or exc}") from None
        parsed = parse_policy_file(text, label)
        self._files[name] = parsed
        return parsed

    def programme(self) -> PolicyFile:
        parsed = self._load(PROGRAMME_FILE)
        if parsed.scope != "programme":
            raise PolicyError(f"{parsed.label}: scope: expected 'programme'")
        return parsed

    def country_file(self, country: str) -> PolicyFile:
        code = self.check_country(country)
        parsed = self._load(f"{code.lower()}.yaml")
        if parsed.scope != "country" or parsed.country != code:
            raise PolicyError(
                f"{parsed.label}: country: the file is named for {code} but says "
                f"scope {parsed.scope!r}, country {parsed.country!r}"
            )
        return parsed

    def check_country(self, country: str) -> str:
        code = str(country).upper()
        known = self.countries()
        if code not in known:
            raise RulesInputError(
                f"unknown country {country!r}; policies exist for {', '.join(known)}"
            )
        return code

    def validate(self) -> list[PolicyFile]:
        """Load and check every file (the ``rules test`` command starts with this)."""
        return [self.programme(), *(self.country_file(c) for c in self.countries())]

    def _country_boundaries(self, code: str) -> list[date]:
        found = self._boundaries.get(code)
        if found is None:
            days: set[date] = set()
            for layer in (self.programme(), self.country_file(code)):
                for series in layer.parameters.values():
                    days |= series.boundaries()
            found = self._boundaries[code] = sorted(days)
        return found

    def snapshot(
        self, country: str, *, on: date, overrides: Mapping[str, Any] | None = None
    ) -> Policy:
        """The policy of ``country`` in force on ``on``, with what-if ``overrides`` applied."""
        if not isinstance(on, date):
            raise RulesInputError(f"on: expected a date, got {on!r}")
        code = self.check_country(country)
        values = parse_overrides(overrides)
        bounds = self._country_boundaries(code)
        i = bisect.bisect_right(bounds, on) - 1
        if i < 0:
            first = bounds[0].isoformat() if bounds else "never"
            raise RulesInputError(
                f"no policy is in force in {code} on {on.isoformat()}; the earliest values "
                f"apply from {first}"
            )
        effective = bounds[i]
        key = (code, effective, _overrides_key(values))
        found = self._snapshots.get(key)
        if found is not None:
            return found
        with self._lock:
            policy = self._resolve(code, effective, bounds, i, values)
            if len(self._snapshots) > 4096:
                self._snapshots.clear()
            self._snapshots[key] = policy
        return policy

    def _resolve(
        self,
        code: str,
        effective: date,
        bounds: list[date],
        i: int,
        overrides: Mapping[str, Any],
    ) -> Policy:
        programme, national = self.programme(), self.country_file(code)
        params: dict[str, Parameter] = {}
        for name, spec in parameter_specs().items():
            if name in overrides:
                params[name] = Parameter(
                    name, overrides[name], spec.unit, None, None, None, "override"
                )
                continue
            chosen = None
            for layer, origin in ((national, code), (programme, "programme")):
                series = layer.parameters.get(name)
                hit = series.at(effective) if series is not None else None
                if hit is not None:
                    chosen = (series, hit, origin)
                    break
            if chosen is None:
                raise RulesInputError(
                    f"no value of parameter {name} is in force in {code} on "
                    f"{effective.isoformat()}; add one to {programme.label}"
                )
            series, (dated, last), origin = chosen
            params[name] = Parameter(
                name, dated.value, series.unit, dated.start, last, dated.reference, origin
            )
        stages = dict(programme.stages)
        stages.update(national.stages)
        valid_until = bounds[i + 1] - timedelta(days=1) if i + 1 < len(bounds) else None
        frozen_stages = MappingProxyType(stages)
        frozen_params = MappingProxyType(params)
        return Policy(
            country=code,
            effective=effective,
            valid_until=valid_until,
            parameters=frozen_params,
            stages=frozen_stages,
            hash=policy_hash(code, frozen_stages, frozen_params),
            values=MappingProxyType({n: p.value for n, p in params.items()}),
            provenance=hashlib.sha256(
                repr(
                    [
                        (n, p.since, p.until, p.reference, p.origin)
                        for n, p in sorted(params.items())
                    ]
                ).encode("utf-8")
            ).hexdigest(),
        )

    def check_stamp(self, stamp: Stamp, overrides: Mapping[str, Any] | None = None) -> Policy:
        """The policy a stamp was taken under; :class:`ReplayError` if it no longer hashes alike."""
        policy = self.snapshot(stamp.country, on=stamp.effective, overrides=overrides)
        if policy.hash != stamp.hash:
            raise ReplayError(
                f"the {stamp.country} parameters in force on {stamp.effective.isoformat()} no "
                f"longer match the stamp (stamp {stamp.hash}, files {policy.hash}): a policy file "
                "was edited retroactively; restore the old values and add new dated ones instead"
            )
        return policy


@cache
def default_library() -> PolicyLibrary:
    """The library of the policy files shipped with Relocard (parsed once per process)."""
    return PolicyLibrary()


def load_policy(
    country: str,
    stage: Stage | str | None = None,
    *,
    on: date,
    overrides: Mapping[str, Any] | None = None,
    library: PolicyLibrary | None = None,
) -> Policy:
    """The policy of ``country`` in force on ``on`` (what-if ``overrides`` applied).

    ``stage``, when given, is checked to exist; the snapshot covers every stage either way, so
    its hash does not depend on it.
    """
    policy = (library or default_library()).snapshot(country, on=on, overrides=overrides)
    if stage is not None:
        policy.criteria(stage)
    return policy
