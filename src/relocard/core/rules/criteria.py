"""The programme's criteria, each written once in the expression language, with its wording.

A :class:`Criterion` holds its logic as expression trees (``values`` then ``condition``) and a
function that words the outcome as a message rendered in any language (:mod:`relocard.core.i18n`). The single-case path and the bulk path
both compile the same trees (see :mod:`relocard.core.rules.expr`); the facts and parameters a
criterion reads are found by walking its trees, never listed by hand.

Which criteria make up a stage is policy (``stages`` in the policy files); what a criterion
means is code, versioned by :data:`relocard.core.rules.policy.ENGINE_VERSION`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final

from relocard.core.i18n import Count, Country, Items, Language, Money, Msg, gettext_noop, msg
from relocard.core.rules import text as t
from relocard.core.rules.accepted import AcceptedException
from relocard.core.rules.expr import (
    AnyElement,
    Default,
    Denominator,
    Element,
    ExceptionInput,
    ExceptionRule,
    Expr,
    Field,
    Minimum,
    Numerator,
    Param,
    Value,
    walk,
)
from relocard.core.rules.facts import Facts
from relocard.core.rules.policy import Parameter, Policy, to_json
from relocard.core.rules.vocabulary import (
    CEFR_RANK,
    EU_MEMBER_STATES,
    EU_OFFICIAL_LANGUAGES,
    ISCED_LEVELS,
)


class Result(StrEnum):
    """A criterion is met, not met, or unknown (a fact is missing or not yet verified)."""

    MET = "met"
    NOT_MET = "not_met"
    UNKNOWN = "unknown"

    @classmethod
    def from_bool(cls, value: bool | None) -> Result:
        if value is None:
            return cls.UNKNOWN
        return cls.MET if value else cls.NOT_MET


@dataclass(frozen=True, slots=True)
class AppliedException:
    """An exception rule that changed a value, with the accepted exceptions behind it."""

    kind: str
    priority: int
    changes: str
    before: Any
    after: Any
    accepted: tuple[AcceptedException, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "priority": self.priority,
            "changes": self.changes,
            "before": to_json(self.before),
            "after": to_json(self.after),
            "accepted": [a.to_dict() for a in self.accepted],
        }


@dataclass(frozen=True, slots=True)
class Context:
    """What a criterion's wording may use."""

    result: Result
    facts: Facts
    values: Mapping[str, Any]
    policy: Policy
    applied: tuple[AppliedException, ...]
    #: The facts are the applicant's declaration, not yet verified (the "what we will check"
    #: before submission): a criterion not met is worded as declared, not as verified.
    declared: bool = False

    def p(self, name: str) -> Any:
        return self.policy.values[name]

    def shortfall(self, verified: str, declared: str) -> str:
        """The template of a criterion not met: ``declared`` when the facts are declared."""
        return declared if self.declared else verified


type Wording = Callable[[Context], Msg]


@dataclass(frozen=True, slots=True)
class Criterion:
    """One criterion: logic as expression trees, its threshold's names, and its wording."""

    id: str
    title: Msg
    values: tuple[tuple[str, Expr], ...]
    condition: Expr
    threshold: tuple[str, ...]
    wording: Wording
    fields: tuple[str, ...] = field(init=False)
    params: tuple[str, ...] = field(init=False)
    defaults: tuple[Default, ...] = field(init=False)

    def __post_init__(self) -> None:
        nodes = [n for _, e in self.values for n in walk(e)] + walk(self.condition)
        object.__setattr__(self, "fields", _unique(n.name for n in nodes if isinstance(n, Field)))
        # Threshold parameters first (in the threshold's order), then any other the logic reads.
        used = [n.name for n in nodes if isinstance(n, Param)]
        ordered = [n for n in self.threshold if n in used] + used
        object.__setattr__(self, "params", _unique(ordered))
        object.__setattr__(self, "defaults", tuple(n for n in nodes if isinstance(n, Default)))

    def basis(self, policy: Policy) -> tuple[Parameter, ...]:
        return tuple(policy.parameters[name] for name in self.params)


def _unique(names: Any) -> tuple[str, ...]:
    return tuple(dict.fromkeys(names))


@dataclass(frozen=True, slots=True)
class ExceptionKind:
    """A kind of accepted exception: the attributes it needs and how it is worded."""

    kind: str
    attributes: tuple[str, ...]
    wording: Callable[[Context, AppliedException], Msg]


# --- wording helpers -------------------------------------------------------------------------
#
# Every text below is an English template marked for the gettext catalogue (see
# relocard.core.i18n); a wording returns a Msg that is rendered in the reader's language.


def _missing(ctx: Context, names: tuple[str, ...]) -> list[str]:
    return [n for n in names if getattr(ctx.facts, n) is None]


def _countries(codes: Any) -> Items:
    return Items(tuple(Country(c) for c in sorted(codes)), "or")


# --- nationality -----------------------------------------------------------------------------

NATIONALITY_UNKNOWN = gettext_noop(
    "Verified evidence of nationality is missing: provide a passport for a caseworker to "
    "check. The programme is open to nationals of {accepted}."
)
NATIONALITY_MET = gettext_noop("Verified nationality: {country}, which the programme accepts.")
NATIONALITY_NOT_MET = gettext_noop(
    "Verified nationality: {country}; the programme is open only to nationals of {accepted}."
)
NATIONALITY_DECLARED = gettext_noop(
    "Declared nationality: {country}; the programme is open only to nationals of {accepted}."
)


def _nationality(ctx: Context) -> Msg:
    accepted = _countries(ctx.p("nationality.accepted"))
    code = ctx.facts.nationality
    if ctx.result is Result.UNKNOWN:
        return msg(NATIONALITY_UNKNOWN, accepted=accepted)
    assert code is not None
    if ctx.result is Result.MET:
        return msg(NATIONALITY_MET, country=Country(code))
    template = ctx.shortfall(NATIONALITY_NOT_MET, NATIONALITY_DECLARED)
    return msg(template, country=Country(code), accepted=accepted)


NATIONALITY = Criterion(
    id="nationality",
    title=Msg(gettext_noop("Nationality")),
    values=(),
    condition=Field("nationality").is_in(Param("nationality.accepted")),
    threshold=("nationality.accepted",),
    wording=_nationality,
)


# --- education -------------------------------------------------------------------------------

ISCED_LEVEL = gettext_noop("{level} ({name})")
EDUCATION_UNKNOWN = gettext_noop(
    "Verified evidence of a degree is missing: provide a diploma showing ISCED level {need} or "
    "higher."
)
EDUCATION_MET = gettext_noop(
    "Highest verified degree: ISCED level {have}; at least level {need} is required."
)
EDUCATION_NOT_MET = gettext_noop(
    "Highest verified degree: ISCED level {have}, below the level {need} required."
)
EDUCATION_DECLARED = gettext_noop(
    "Highest declared degree: ISCED level {have}, below the level {need} required."
)


def _isced(level: int) -> Msg:
    return msg(ISCED_LEVEL, level=str(level), name=Msg(ISCED_LEVELS[level]))


def _education(ctx: Context) -> Msg:
    need = _isced(ctx.p("education.min_isced"))
    if ctx.result is Result.UNKNOWN:
        return msg(EDUCATION_UNKNOWN, need=need)
    have = ctx.facts.isced_level
    assert have is not None
    if ctx.result is Result.MET:
        return msg(EDUCATION_MET, have=_isced(have), need=need)
    template = ctx.shortfall(EDUCATION_NOT_MET, EDUCATION_DECLARED)
    return msg(template, have=_isced(have), need=need)


EDUCATION = Criterion(
    id="education",
    title=Msg(gettext_noop("Higher education")),
    values=(),
    condition=Field("isced_level").ge(Param("education.min_isced")),
    threshold=("education.min_isced",),
    wording=_education,
)


# --- language --------------------------------------------------------------------------------

ANY_EU_LANGUAGE = gettext_noop("an official EU language")
ACCEPTED_LANGUAGES = gettext_noop("one of the accepted languages ({languages})")
LANGUAGE_NEED = gettext_noop("{accepted} at CEFR level {level} or higher")
LANGUAGE_SKILL = gettext_noop("{language} at {level}")
LANGUAGE_UNKNOWN = gettext_noop(
    "Verified evidence of language skills is missing: provide a certificate showing {need}."
)
LANGUAGE_MET = gettext_noop("Verified language skills meet the requirement of {need}: {skills}.")
LANGUAGE_NONE = gettext_noop("No language skills are verified; {need} is required.")
LANGUAGE_NOT_MET = gettext_noop(
    "No verified language meets the requirement of {need}; verified: {skills}."
)
LANGUAGE_DECLARED = gettext_noop(
    "No declared language meets the requirement of {need}; declared: {skills}."
)


def _accepted_languages(ctx: Context) -> Msg:
    accepted = ctx.p("language.accepted")
    if accepted == EU_OFFICIAL_LANGUAGES:
        return Msg(ANY_EU_LANGUAGE)
    codes = tuple(Language(c) for c in sorted(accepted))
    return msg(ACCEPTED_LANGUAGES, languages=Items(codes, "or"))


def _skills(skills: Any) -> Items:
    return Items(
        tuple(msg(LANGUAGE_SKILL, language=Language(s.language), level=s.cefr) for s in skills),
        ",",
    )


def _language(ctx: Context) -> Msg:
    need = msg(LANGUAGE_NEED, accepted=_accepted_languages(ctx), level=ctx.p("language.min_cefr"))
    if ctx.result is Result.UNKNOWN:
        return msg(LANGUAGE_UNKNOWN, need=need)
    skills = ctx.facts.languages or ()
    accepted = ctx.p("language.accepted")
    level = CEFR_RANK[ctx.p("language.min_cefr")]
    good = [s for s in skills if s.language in accepted and s.cefr.rank >= level]
    if ctx.result is Result.MET:
        return msg(LANGUAGE_MET, need=need, skills=_skills(good))
    if not skills:
        return msg(LANGUAGE_NONE, need=need)
    template = ctx.shortfall(LANGUAGE_NOT_MET, LANGUAGE_DECLARED)
    return msg(template, need=need, skills=_skills(skills))


LANGUAGE = Criterion(
    id="language",
    title=Msg(gettext_noop("European language")),
    values=(),
    condition=AnyElement(
        Field("languages"),
        Element("language").is_in(Param("language.accepted"))
        & Element("cefr").lookup(CEFR_RANK).ge(Param("language.min_cefr").lookup(CEFR_RANK)),
    ),
    threshold=("language.min_cefr", "language.accepted"),
    wording=_language,
)


# --- means -----------------------------------------------------------------------------------

MEANS_CALCULATION = gettext_noop("{months} x {monthly}")
MEANS_UNKNOWN = gettext_noop(
    "Verified evidence of liquid assets is missing: provide bank statements or similar proof "
    "of at least {need} ({calculation})."
)
MEANS_MET = gettext_noop("Liquid assets of {have} meet the {need} required ({calculation}).")
MEANS_NOT_MET = gettext_noop(
    "Liquid assets of {have} are below the {need} required ({calculation})."
)
MEANS_DECLARED = gettext_noop(
    "Declared liquid assets of {have} are below the {need} required ({calculation})."
)


def _means(ctx: Context) -> Msg:
    calculation = msg(
        MEANS_CALCULATION,
        months=ctx.p("means.months"),
        monthly=Money(ctx.p("means.monthly_amount")),
    )
    need = Money(ctx.values["required_eur"])
    if ctx.result is Result.UNKNOWN:
        return msg(MEANS_UNKNOWN, need=need, calculation=calculation)
    have = ctx.facts.liquid_assets_eur
    assert have is not None
    if ctx.result is Result.MET:
        template = MEANS_MET
    else:
        template = ctx.shortfall(MEANS_NOT_MET, MEANS_DECLARED)
    return msg(template, have=Money(have), need=need, calculation=calculation)


MEANS = Criterion(
    id="means",
    title=Msg(gettext_noop("Liquid assets")),
    values=(("required_eur", Param("means.months") * Param("means.monthly_amount")),),
    condition=Field("liquid_assets_eur").ge(Value("required_eur")),
    threshold=("means.months", "means.monthly_amount", "required_eur"),
    wording=_means,
)


# --- employment ------------------------------------------------------------------------------

_EMPLOYMENT = {
    # Translators: an employment status in a rule explanation ("Verified employment status: ...").
    "employed": gettext_noop("employed"),
    # Translators: an employment status in a rule explanation.
    "self_employed": gettext_noop("self-employed"),
    # Translators: an employment status in a rule explanation.
    "none": gettext_noop("not employed"),
}
_EMPLOYMENT_ORDER = tuple(_EMPLOYMENT)
#: The employment statuses' names, for any page that shows a declared status.
EMPLOYMENT_STATUSES: Final = _EMPLOYMENT
EMPLOYMENT_UNKNOWN = gettext_noop(
    "Verified evidence of employment is missing: provide an employment contract or a business "
    "registration (required: {accepted})."
)
EMPLOYMENT_MET = gettext_noop(
    "Verified employment status: {status}; the trial year requires being {accepted}."
)
EMPLOYMENT_NOT_MET = gettext_noop(
    "Verified employment status: {status}; by the end of the trial year the holder must be "
    "{accepted}."
)
EMPLOYMENT_DECLARED = gettext_noop(
    "Declared employment status: {status}; by the end of the trial year the holder must be "
    "{accepted}."
)


def _employment(ctx: Context) -> Msg:
    accepted = Items(
        tuple(Msg(_EMPLOYMENT[s]) for s in _EMPLOYMENT_ORDER if s in ctx.p("employment.accepted")),
        "or",
    )
    if ctx.result is Result.UNKNOWN:
        return msg(EMPLOYMENT_UNKNOWN, accepted=accepted)
    status = ctx.facts.employment
    assert status is not None
    if ctx.result is Result.MET:
        template = EMPLOYMENT_MET
    else:
        template = ctx.shortfall(EMPLOYMENT_NOT_MET, EMPLOYMENT_DECLARED)
    return msg(template, status=Msg(_EMPLOYMENT[status.value]), accepted=accepted)


EMPLOYMENT = Criterion(
    id="employment",
    title=Msg(gettext_noop("Employment")),
    values=(),
    condition=Field("employment").is_in(Param("employment.accepted")),
    threshold=("employment.accepted",),
    wording=_employment,
)


# --- residence -------------------------------------------------------------------------------

SHARE = Param("residence.required_share")
FORCE_MAJEURE = "force_majeure_absence"

RESIDENCE = Criterion(
    id="residence",
    title=Msg(gettext_noop("Presence in the issuing country")),
    values=(
        (
            "counted_present_days",
            Default(
                "counted_present_days",
                base=Field("present_days"),
                exceptions=(
                    # Catala-style exception: documented force-majeure absence, accepted by a
                    # caseworker, counts as presence up to the policy's cap, and never beyond
                    # the length of the period.
                    ExceptionRule(
                        kind=FORCE_MAJEURE,
                        priority=10,
                        marker="days",
                        when=Field("present_days").lt(Field("period_days")),
                        value=Minimum(
                            Field("present_days")
                            + Minimum(
                                ExceptionInput(FORCE_MAJEURE, "days"),
                                Param("residence.force_majeure_cap_days"),
                            ),
                            Field("period_days"),
                        ),
                    ),
                ),
            ),
        ),
        (
            "required_present_days",
            (Field("period_days") * Numerator(SHARE)).ceil_div(Denominator(SHARE)),
        ),
    ),
    # 4 x present >= 3 x days, in exact integers for any share.
    condition=(Value("counted_present_days") * Denominator(SHARE)).ge(
        Field("period_days") * Numerator(SHARE)
    ),
    threshold=(
        "residence.required_share",
        "required_present_days",
        "residence.force_majeure_cap_days",
    ),
    wording=lambda ctx: _residence(ctx),
)

_PRESENCE_FACTS = {
    "present_days": gettext_noop("present days"),
    "period_days": gettext_noop("days in the period"),
}
RESIDENCE_UNKNOWN = gettext_noop(
    "Verified evidence of presence is missing ({missing}): provide the presence summary for the "
    "trial year, from declared trips backed by evidence; presence on at least {share} of the "
    "days is required."
)
PRESENT_EXCUSED = gettext_noop(
    "Present in the issuing country on {present} of the {period} days of the period, counted "
    "as {counted} with absence excused for force majeure"
)
PRESENT = gettext_noop(
    "Present in the issuing country on {present} of the {period} days of the period"
)
RESIDENCE_MET = gettext_noop("{presence}; at least {required} ({share}) are required.")
RESIDENCE_NOT_MET = gettext_noop("{presence}, fewer than the {required} ({share}) required.")


def _residence(ctx: Context) -> Msg:
    share = ctx.p("residence.required_share")
    present, period = ctx.facts.present_days, ctx.facts.period_days
    if ctx.result is Result.UNKNOWN:
        missing = _missing(ctx, ("present_days", "period_days"))
        what = Items(tuple(Msg(_PRESENCE_FACTS[m]) for m in missing))
        return msg(RESIDENCE_UNKNOWN, missing=what, share=share)
    assert present is not None and period is not None
    counted, required = ctx.values["counted_present_days"], ctx.values["required_present_days"]
    if counted != present:
        presence = msg(PRESENT_EXCUSED, present=present, period=period, counted=counted)
    else:
        presence = msg(PRESENT, present=present, period=period)
    template = RESIDENCE_MET if ctx.result is Result.MET else RESIDENCE_NOT_MET
    return msg(template, presence=presence, required=required, share=share)


FORCE_MAJEURE_ITEM = gettext_noop("{absence} accepted by {accepted_by} (reason: {reason})")
FORCE_MAJEURE_APPLIED = gettext_noop(
    "Exception applied (documented force majeure): {items}; {counted} count as present "
    "(cap: {cap})."
)


def _force_majeure(ctx: Context, applied: AppliedException) -> Msg:
    items = Items(
        tuple(
            msg(
                FORCE_MAJEURE_ITEM,
                absence=Count(a.days or 0, t.DAYS_OF_ABSENCE),
                accepted_by=a.accepted_by,
                reason=a.reason,
            )
            for a in applied.accepted
        ),
        ";",
    )
    return msg(
        FORCE_MAJEURE_APPLIED,
        items=items,
        counted=Count(applied.after - applied.before, t.DAYS),
        cap=Count(ctx.p("residence.force_majeure_cap_days"), t.DAYS),
    )


# --- housing ---------------------------------------------------------------------------------

_TENURE = {
    "owner": gettext_noop("owns a home"),
    "tenant": gettext_noop("rents a home"),
    "none": gettext_noop("neither owns nor rents a home"),
}
_HOW = {
    # Translators: fills {how} in "{how} a home in an EU member state is required".
    "owner": gettext_noop("owning"),
    # Translators: fills {how} in "{how} a home in an EU member state is required".
    "tenant": gettext_noop("renting"),
    # Translators: fills {how} in "{how} a home in an EU member state is required".
    "none": gettext_noop("having"),
}
HOUSING_NEED_EU = gettext_noop("{how} a home in an EU member state is required")
HOUSING_NEED_LISTED = gettext_noop("{how} a home in one of the accepted countries is required")
HOUSING_UNKNOWN = gettext_noop(
    "Verified evidence of housing is missing: provide a lease or a title deed showing the "
    "country of the home; {need}."
)
HOUSING_MET_EU = gettext_noop("Verified housing: {tenure} in {country}, an EU member state.")
HOUSING_MET_LISTED = gettext_noop("Verified housing: {tenure} in {country}, an accepted country.")
HOUSING_NO_HOME = gettext_noop("Verified housing: neither owns nor rents a home; {need}.")
HOUSING_TENURE_REFUSED = gettext_noop(
    "Verified housing: {tenure}, a tenure the policy does not accept; {need}."
)
HOUSING_OUTSIDE_EU = gettext_noop(
    "The verified home is in {country}, not an EU member state; {need}."
)
HOUSING_OUTSIDE_LISTED = gettext_noop(
    "The verified home is in {country}, not an accepted country; {need}."
)
HOUSING_DECLARED = gettext_noop("The declared home does not meet the rule: {need}.")


def _housing(ctx: Context) -> Msg:
    tenures = [x for x in ("owner", "tenant", "none") if x in ctx.p("housing.tenures")]
    is_eu = ctx.p("housing.countries") == EU_MEMBER_STATES
    how = Items(tuple(Msg(_HOW[x]) for x in tenures), "or")
    need = msg(HOUSING_NEED_EU if is_eu else HOUSING_NEED_LISTED, how=how)
    tenure, country = ctx.facts.housing_tenure, ctx.facts.housing_country
    if ctx.result is Result.UNKNOWN:
        return msg(HOUSING_UNKNOWN, need=need)
    if ctx.result is Result.MET:
        assert tenure is not None and country is not None
        return msg(
            HOUSING_MET_EU if is_eu else HOUSING_MET_LISTED,
            tenure=Msg(_TENURE[tenure.value]),
            country=Country(country),
        )
    if ctx.declared:
        return msg(HOUSING_DECLARED, need=need)
    if tenure is not None and tenure.value not in ctx.p("housing.tenures"):
        if tenure.value == "none":
            return msg(HOUSING_NO_HOME, need=need)
        return msg(HOUSING_TENURE_REFUSED, tenure=Msg(_TENURE[tenure.value]), need=need)
    assert country is not None
    template = HOUSING_OUTSIDE_EU if is_eu else HOUSING_OUTSIDE_LISTED
    return msg(template, country=Country(country), need=need)


HOUSING = Criterion(
    id="housing",
    title=Msg(gettext_noop("Housing in the EU")),
    values=(),
    condition=Field("housing_tenure").is_in(Param("housing.tenures"))
    & Field("housing_country").is_in(Param("housing.countries")),
    threshold=("housing.tenures", "housing.countries"),
    wording=_housing,
)


# --- registry --------------------------------------------------------------------------------

CRITERIA: dict[str, Criterion] = {
    c.id: c for c in (NATIONALITY, EDUCATION, LANGUAGE, MEANS, EMPLOYMENT, RESIDENCE, HOUSING)
}

EXCEPTION_KINDS: dict[str, ExceptionKind] = {
    FORCE_MAJEURE: ExceptionKind(FORCE_MAJEURE, ("days",), _force_majeure),
}

#: kind -> the attributes it needs (what :func:`relocard.core.rules.accepted.aggregate` checks).
EXCEPTION_ATTRIBUTES: dict[str, tuple[str, ...]] = {
    k: v.attributes for k, v in EXCEPTION_KINDS.items()
}
