"""Policy files: validation with errors naming file and key, dated values, hashes, overrides."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from importlib import resources
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from relocard.core.rules import (
    Cefr,
    PolicyError,
    PolicyLibrary,
    ReplayError,
    RulesInputError,
    Stage,
    Stamp,
    load_policy,
    parameter_specs,
)
from relocard.core.rules.criteria import CRITERIA
from relocard.core.rules.policy import KINDS, load_yaml, parse_overrides
from relocard.core.rules.vocabulary import EU_MEMBER_STATES, EU_OFFICIAL_LANGUAGES

SHIPPED = Path(str(resources.files("relocard.policies")))


@pytest.fixture
def policies(tmp_path: Path) -> Path:
    """A writable copy of the shipped policy files."""
    for name in ("programme.yaml", "fr.yaml", "de.yaml", "pl.yaml", "cy.yaml"):
        shutil.copy(SHIPPED / name, tmp_path / name)
    return tmp_path


def edit(path: Path, change: object) -> None:
    data = yaml.safe_load(path.read_text("utf-8"))
    change(data)  # type: ignore[operator]
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")


# --- the shipped files ---------------------------------------------------------------------


def test_the_shipped_files_validate_and_cover_four_member_states() -> None:
    library = PolicyLibrary()
    files = library.validate()
    assert library.countries() == ("CY", "DE", "FR", "PL")
    assert {f.scope for f in files} == {"programme", "country"}
    for f in files:
        assert "configuration, not law" in f.note


def test_the_programme_defaults_are_the_issue_s_values() -> None:
    policy = load_policy("FR", on=date(2026, 3, 1))
    assert policy.value("education.min_isced") == 6
    assert policy.value("language.min_cefr") is Cefr.B1
    assert policy.value("language.accepted") == EU_OFFICIAL_LANGUAGES
    assert len(policy.value("language.accepted")) == 24
    assert policy.value("means.monthly_amount") == Decimal(1000)
    assert policy.value("means.months") == 12
    assert policy.value("residence.required_share") == Fraction(3, 4)
    assert policy.value("housing.countries") == EU_MEMBER_STATES
    assert len(policy.value("housing.countries")) == 27
    assert policy.value("renewal.window_days") == 120
    assert policy.value("renewal.reminder_days") == (60, 30)
    assert policy.criteria("issuance") == ("nationality", "education", "language", "means")
    assert set(policy.criteria(Stage.RENEWAL)) == {
        "employment", "residence", "housing", "means", "education", "language"
    }  # fmt: skip


def test_every_value_names_its_source() -> None:
    policy = load_policy("DE", on=date(2026, 3, 1))
    for p in policy.parameters.values():
        assert p.reference is not None and p.reference.source.title and p.reference.source.title_ru
        assert p.since is not None and p.unit


def test_germany_calibrates_the_monthly_amount_from_2026() -> None:
    before = load_policy("DE", on=date(2025, 12, 31))
    after = load_policy("DE", on=date(2026, 1, 1))
    assert before.value("means.monthly_amount") == 1000
    assert after.value("means.monthly_amount") == 1100
    assert after.parameters["means.monthly_amount"].origin == "DE"
    assert (
        "not an adopted measure" in after.parameters["means.monthly_amount"].reference.source.title
    )
    assert (before.effective, before.valid_until) == (date(2024, 6, 1), date(2025, 12, 31))
    assert (after.effective, after.valid_until) == (date(2026, 1, 1), None)
    assert before.hash != after.hash
    # Other states keep the programme amount and the programme's snapshot.
    assert load_policy("FR", on=date(2026, 1, 1)).value("means.monthly_amount") == 1000


def test_the_hash_depends_on_values_and_country_only() -> None:
    a = load_policy("FR", on=date(2025, 1, 1))
    assert a.hash == load_policy("FR", on=date(2027, 6, 1)).hash
    assert a.hash != load_policy("PL", on=date(2025, 1, 1)).hash
    assert a.hash.startswith("sha256:") and len(a.hash) == len("sha256:") + 64
    # DE before its calibration has DE's country in the hash, and otherwise FR's values.
    assert load_policy("DE", on=date(2025, 1, 1)).hash != a.hash


def test_before_the_programme_there_is_no_policy() -> None:
    with pytest.raises(RulesInputError, match="no policy is in force in FR on 2024-05-31"):
        load_policy("FR", on=date(2024, 5, 31))


@pytest.mark.parametrize("country", ["XX", "", "EU", "programme"])
def test_unknown_countries_are_refused(country: str) -> None:
    with pytest.raises(RulesInputError, match="unknown country"):
        load_policy(country, on=date(2026, 1, 1))


def test_lower_case_country_codes_are_accepted() -> None:
    assert load_policy("fr", on=date(2026, 1, 1)).country == "FR"


def test_load_policy_checks_the_stage() -> None:
    with pytest.raises(RulesInputError, match="unknown stage 'appeal'"):
        load_policy("FR", "appeal", on=date(2026, 1, 1))


@given(st.dates(min_value=date(2024, 6, 1), max_value=date(2032, 12, 31)))
def test_a_snapshot_is_the_same_on_its_effective_date(day: date) -> None:
    policy = load_policy("DE", on=day)
    assert policy.effective <= day
    assert policy.valid_until is None or day <= policy.valid_until
    assert load_policy("DE", on=policy.effective).hash == policy.hash
    expected = 1100 if day >= date(2026, 1, 1) else 1000
    assert policy.value("means.monthly_amount") == expected


# --- the schema ----------------------------------------------------------------------------


def test_the_schema_lists_every_parameter_with_a_known_kind() -> None:
    specs = parameter_specs()
    assert {s.kind for s in specs.values()} <= set(KINDS)
    used = {p for c in CRITERIA.values() for p in c.params}
    assert used <= set(specs)
    assert {"renewal.window_days", "renewal.reminder_days", "card.validity_months"} <= set(specs)


def test_the_schema_enumerates_exactly_the_criteria() -> None:
    text = (SHIPPED / "schemas/policy.schema.yaml").read_text("utf-8")
    schema = load_yaml(text, "schema")
    assert schema["$defs"]["criteria"]["items"]["enum"] == list(CRITERIA)


@pytest.mark.parametrize(
    ("file", "change", "message"),
    [
        (
            "de.yaml",
            lambda d: d["parameters"].__setitem__(
                "means.montly_amount", d["parameters"]["means.monthly_amount"]
            ),
            "de.yaml: parameters: unknown key 'means.montly_amount'",
        ),
        (
            "de.yaml",
            lambda d: d["parameters"]["means.monthly_amount"]["values"][0].pop("reference"),
            "de.yaml: parameters['means.monthly_amount'].values[0]: \"reference\" is a required property",
        ),
        (
            "de.yaml",
            lambda d: d["parameters"]["means.monthly_amount"]["values"][0].__setitem__(
                "value", "1100 EUR"
            ),
            "de.yaml: parameters['means.monthly_amount'].values[0].value:",
        ),
        (
            "de.yaml",
            lambda d: d["parameters"]["means.monthly_amount"].__setitem__("unit", "RUB"),
            "de.yaml: parameters['means.monthly_amount'].unit:",
        ),
        (
            "de.yaml",
            lambda d: d["parameters"]["means.monthly_amount"]["values"][0]["reference"].__setitem__(
                "source", "bundestag"
            ),
            "de.yaml: parameters['means.monthly_amount'].values[0].reference.source: unknown source 'bundestag'",
        ),
        (
            "de.yaml",
            lambda d: d["parameters"]["means.monthly_amount"]["values"][0].__setitem__(
                "from", "2026-02-30"
            ),
            "de.yaml: parameters['means.monthly_amount'].values[0].from: '2026-02-30' is not a real date",
        ),
        (
            "de.yaml",
            lambda d: d["parameters"]["means.monthly_amount"]["values"][0].__setitem__(
                "until", "2025-01-01"
            ),
            "de.yaml: parameters['means.monthly_amount'].values[0].until: 2025-01-01 is before from",
        ),
        (
            "de.yaml",
            lambda d: d["parameters"]["means.monthly_amount"]["values"].append(
                {"value": 1200, "from": "2026-01-01", "reference": {"source": "de-illustration"}}
            ),
            "de.yaml: parameters['means.monthly_amount'].values[1]: starts on 2026-01-01, the same day as values[0]",
        ),
        (
            "de.yaml",
            lambda d: d.__setitem__("country", "FR"),
            "de.yaml: country: the file is named for DE",
        ),
        (
            "de.yaml",
            lambda d: d.__setitem__("stages", {"issuance": ["nationality", "charm"]}),
            "de.yaml: stages.issuance[1]:",
        ),
        (
            "programme.yaml",
            lambda d: d["parameters"].pop("means.months"),
            'programme.yaml: parameters: "means.months" is a required property',
        ),
        (
            "programme.yaml",
            lambda d: d["parameters"]["residence.required_share"]["values"][0].__setitem__(
                "value", "5/4"
            ),
            "programme.yaml: parameters['residence.required_share'].values[0].value: '5/4' is not a share",
        ),
        (
            "programme.yaml",
            lambda d: d["parameters"]["means.monthly_amount"]["values"][0].__setitem__(
                "value", 1000.001
            ),
            "programme.yaml: parameters['means.monthly_amount'].values[0].value: 1000.001 has more than two decimal places",
        ),
        (
            "programme.yaml",
            lambda d: d.pop("note"),
            'programme.yaml: (top level): "note" is a required property',
        ),
    ],
)
def test_a_bad_policy_file_names_the_file_and_the_key(
    policies: Path, file: str, change: object, message: str
) -> None:
    edit(policies / file, change)
    library = PolicyLibrary(policies)
    with pytest.raises(PolicyError) as info:
        library.snapshot("DE", on=date(2026, 3, 1))
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_overlapping_explicit_ranges_are_refused(policies: Path) -> None:
    def change(d: dict) -> None:
        d["parameters"]["means.monthly_amount"]["values"] = [
            {
                "value": 1000,
                "from": "2024-06-01",
                "until": "2026-06-30",
                "reference": {"source": "de-illustration"},
            },
            {"value": 1100, "from": "2026-01-01", "reference": {"source": "de-illustration"}},
        ]

    edit(policies / "de.yaml", change)
    with pytest.raises(
        PolicyError,
        match=r"values\[1\]: in force from 2026-01-01, which overlaps values\[0\] \(from 2024-06-01 until 2026-06-30\)",
    ):
        PolicyLibrary(policies).snapshot("DE", on=date(2026, 3, 1))


def test_a_gap_in_a_country_file_falls_back_to_the_programme(policies: Path) -> None:
    def change(d: dict) -> None:
        d["parameters"]["means.monthly_amount"]["values"] = [
            {
                "value": 1100,
                "from": "2026-01-01",
                "until": "2026-06-30",
                "reference": {"source": "de-illustration"},
            },
            {"value": 1200, "from": "2027-01-01", "reference": {"source": "de-illustration"}},
        ]

    edit(policies / "de.yaml", change)
    library = PolicyLibrary(policies)
    values = {d: library.snapshot("DE", on=d).value("means.monthly_amount") for d in (
        date(2025, 12, 31), date(2026, 1, 1), date(2026, 6, 30), date(2026, 7, 1), date(2027, 1, 1)
    )}  # fmt: skip
    assert list(values.values()) == [1000, 1100, 1100, 1000, 1200]
    gap = library.snapshot("DE", on=date(2026, 8, 1))
    assert gap.effective == date(2026, 7, 1)
    assert gap.valid_until == date(2026, 12, 31)
    assert gap.parameters["means.monthly_amount"].origin == "programme"


def test_duplicate_keys_and_bad_yaml_are_errors(policies: Path) -> None:
    text = (policies / "fr.yaml").read_text("utf-8")
    (policies / "fr.yaml").write_text(text + "title: France again\n", "utf-8")
    with pytest.raises(PolicyError, match=r"fr\.yaml: not valid YAML.*duplicate key 'title'"):
        PolicyLibrary(policies).snapshot("FR", on=date(2026, 1, 1))
    (policies / "fr.yaml").write_text("schema: [unclosed\n", "utf-8")
    with pytest.raises(PolicyError, match=r"fr\.yaml: not valid YAML at line"):
        PolicyLibrary(policies).snapshot("FR", on=date(2026, 1, 1))


def test_yaml_keeps_codes_and_dates_as_text() -> None:
    assert load_yaml("a: NO\nb: on\nc: 2024-06-01\nd: true\n", "x") == {
        "a": "NO", "b": "on", "c": "2024-06-01", "d": True
    }  # fmt: skip


# --- overrides -----------------------------------------------------------------------------


def test_overrides_take_text_or_values_and_keep_the_parameter_type() -> None:
    parsed = parse_overrides(
        {
            "means.monthly_amount": "1200.50",
            "means.months": 18,
            "language.min_cefr": "b2",
            "language.accepted": "FR, de",
            "residence.required_share": "2/3",
            "housing.countries": ["FR", "DE"],
            "renewal.reminder_days": "90,60,30",
        }
    )
    assert parsed == {
        "means.monthly_amount": Decimal("1200.50"),
        "means.months": 18,
        "language.min_cefr": Cefr.B2,
        "language.accepted": frozenset({"fr", "de"}),
        "residence.required_share": Fraction(2, 3),
        "housing.countries": frozenset({"FR", "DE"}),
        "renewal.reminder_days": (90, 60, 30),
    }


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"means.montly_amount": "1"}, "override 'means.montly_amount': unknown parameter"),
        ({"means.monthly_amount": "abc"}, "override means.monthly_amount: 'abc' is not a number"),
        ({"means.monthly_amount": "-5"}, "override means.monthly_amount=-5:"),
        ({"means.months": "1.5"}, "override means.months: '1.5' is not a whole number"),
        ({"language.min_cefr": "B3"}, "override language.min_cefr=B3:"),
        ({"language.accepted": "french"}, "override language.accepted=french:"),
        ({"language.accepted": ""}, "override language.accepted=:"),
        ({"residence.required_share": "3:4"}, "override residence.required_share=3:4:"),
        (
            {"residence.required_share": "5/4"},
            "override residence.required_share: '5/4' is not a share",
        ),
        ({"housing.countries": "France"}, "override housing.countries=France:"),
        ({"means.monthly_amount": "1000.001"}, "more than two decimal places"),
    ],
)
def test_bad_overrides_name_the_parameter(overrides: dict, message: str) -> None:
    with pytest.raises(RulesInputError) as info:
        parse_overrides(overrides)
    assert message in str(info.value)


def test_an_override_changes_the_snapshot_and_is_marked() -> None:
    base = load_policy("FR", on=date(2026, 3, 1))
    reform = load_policy("FR", on=date(2026, 3, 1), overrides={"means.monthly_amount": "1200"})
    assert reform.value("means.monthly_amount") == 1200
    assert reform.overridden == ("means.monthly_amount",)
    assert reform.parameters["means.monthly_amount"].since is None
    assert reform.hash != base.hash
    same = load_policy("FR", on=date(2026, 3, 1), overrides={"means.monthly_amount": 1000})
    assert same.hash == base.hash  # equal values hash alike, overridden or not


# --- stamps --------------------------------------------------------------------------------


def test_a_stamp_replays_until_someone_edits_history(policies: Path) -> None:
    library = PolicyLibrary(policies)
    stamp = library.snapshot("DE", on=date(2026, 3, 1)).stamp
    assert stamp.effective == date(2026, 1, 1)
    assert library.check_stamp(Stamp.from_mapping(stamp.to_dict())).hash == stamp.hash

    # A new dated value later on leaves the old decision replayable ...
    def later(d: dict) -> None:
        d["parameters"]["means.monthly_amount"]["values"].append(
            {"value": 1200, "from": "2027-01-01", "reference": {"source": "de-illustration"}}
        )

    edit(policies / "de.yaml", later)
    assert PolicyLibrary(policies).check_stamp(stamp).hash == stamp.hash

    # ... but rewriting the value in force is caught.
    def rewrite(d: dict) -> None:
        d["parameters"]["means.monthly_amount"]["values"][0]["value"] = 1150

    edit(policies / "de.yaml", rewrite)
    with pytest.raises(ReplayError, match="edited retroactively"):
        PolicyLibrary(policies).check_stamp(stamp)


def test_a_stamp_with_a_bad_date_is_refused() -> None:
    with pytest.raises(RulesInputError, match="stamp: effective"):
        Stamp.from_mapping(
            {"country": "FR", "effective": "soon", "hash": "x", "engine_version": "1"}
        )
    with pytest.raises(RulesInputError, match="stamp: missing key 'hash'"):
        Stamp.from_mapping({"country": "FR", "effective": "2026-01-01", "engine_version": "1"})


def test_snapshots_are_cached() -> None:
    day = date(2026, 3, 1)
    assert load_policy("PL", on=day) is load_policy("PL", on=day + timedelta(days=30))
