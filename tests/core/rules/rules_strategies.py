"""Hypothesis strategies for the rules engine's tests: facts, exceptions, overrides."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import strategies as st

COUNTRIES = ["RU", "KZ", "BY", "UA", "FR", "DE", "PL", "CY", "GR", "CH", "GB", "GE"]
LANGUAGES = ["fr", "de", "en", "el", "ga", "pl", "ru", "uk", "tr", "sr"]
LEVELS = ["A1", "A2", "B1", "B2", "C1", "C2"]

amounts = st.one_of(
    st.integers(0, 200_000),
    st.decimals(min_value=0, max_value=200_000, places=2, allow_nan=False, allow_infinity=False),
    # The thresholds in force (12 x 1,000 and 12 x 1,100) and their neighbours.
    st.sampled_from([Decimal("11999.99"), 12000, Decimal("12000.01"), 13200, Decimal("13199.99")]),
)


@st.composite
def residence(draw: st.DrawFn) -> dict[str, int]:
    period = draw(st.sampled_from([365, 366]) | st.integers(1, 366))
    # Dwell around three quarters, where the rule turns.
    near = (3 * period + 3) // 4
    present = draw(st.integers(max(0, near - 3), min(period, near + 3)) | st.integers(0, period))
    out = {}
    if draw(st.booleans()):
        out["period_days"] = period
    if draw(st.booleans()) or "period_days" not in out:
        out["present_days"] = present
    if "period_days" not in out and draw(st.booleans()):
        out.pop("present_days")
    return out


facts_mappings = st.fixed_dictionaries(
    {},
    optional={
        "nationality": st.sampled_from(COUNTRIES),
        "education": st.fixed_dictionaries({}, optional={"isced_level": st.integers(0, 8)}),
        "languages": st.lists(
            st.fixed_dictionaries(
                {"language": st.sampled_from(LANGUAGES), "cefr": st.sampled_from(LEVELS)}
            ),
            max_size=4,
        ),
        "employment": st.sampled_from(["employed", "self_employed", "none"]),
        "housing": st.fixed_dictionaries(
            {},
            optional={
                "tenure": st.sampled_from(["owner", "tenant", "none"]),
                "country": st.sampled_from(COUNTRIES),
            },
        ),
        "liquid_assets_eur": amounts,
        "residence": residence(),
    },
)

force_majeure = st.lists(
    st.builds(
        dict,
        kind=st.just("force_majeure_absence"),
        days=st.integers(1, 60),
        accepted_by=st.sampled_from(["Claire Dubois", "Jan Kowalski"]),
        reason=st.just("airport closure, evidence E-1"),
    ),
    max_size=2,
)

overrides = st.fixed_dictionaries(
    {},
    optional={
        "means.monthly_amount": st.sampled_from(["900", "1000", "1100.50"]),
        "means.months": st.sampled_from(["6", "12", "18"]),
        "language.min_cefr": st.sampled_from(LEVELS),
        "language.accepted": st.sampled_from(["fr,de,en", "en", "pl,el"]),
        "residence.required_share": st.sampled_from(["2/3", "3/4", "4/5", "1/1"]),
        "residence.force_majeure_cap_days": st.sampled_from(["0", "15", "60"]),
        "housing.countries": st.sampled_from(["FR,DE", "CH,GB"]),
        "housing.tenures": st.sampled_from(["owner", "owner,tenant,none"]),
        "employment.accepted": st.sampled_from(["employed", "employed,self_employed"]),
        "nationality.accepted": st.sampled_from(["RU", "RU,BY"]),
        "education.min_isced": st.sampled_from(["5", "6", "7"]),
    },
)
