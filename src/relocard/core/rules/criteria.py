"""The programme's criteria, each written once in the expression language, with its wording.

A :class:`Criterion` holds its logic as expression trees (``values`` then ``condition``) and a
function that words the outcome in English and Russian. The single-case path and the bulk path
both compile the same trees (see :mod:`relocard.core.rules.expr`); the facts and parameters a
criterion reads are found by walking its trees, never listed by hand.

Which criteria make up a stage is policy (``stages`` in the policy files); what a criterion
means is code, versioned by :data:`relocard.core.rules.policy.ENGINE_VERSION`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

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

    def p(self, name: str) -> Any:
        return self.policy.values[name]


type Wording = Callable[[Context], tuple[str, str]]


@dataclass(frozen=True, slots=True)
class Criterion:
    """One criterion: logic as expression trees, its threshold's names, and its wording."""

    id: str
    title: tuple[str, str]
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
    wording: Callable[[Context, AppliedException], tuple[str, str]]


# --- wording helpers -------------------------------------------------------------------------


def _missing(ctx: Context, names: tuple[str, ...]) -> list[str]:
    return [n for n in names if getattr(ctx.facts, n) is None]


# --- nationality -----------------------------------------------------------------------------


def _nationality(ctx: Context) -> tuple[str, str]:
    accepted = sorted(ctx.p("nationality.accepted"))
    acc_en = t.join([t.country_name(c, "en") for c in accepted], "en", "or")
    acc_ru = ", ".join(t.country_name(c, "ru") for c in accepted)
    code = ctx.facts.nationality
    if ctx.result is Result.UNKNOWN:
        return (
            "Verified evidence of nationality is missing: provide a passport for a caseworker "
            f"to check. The programme is open to nationals of {acc_en}.",
            "Нет подтверждённых сведений о гражданстве: представьте паспорт для проверки "
            f"сотрудником. Программа допускает гражданство: {acc_ru}.",
        )
    assert code is not None
    if ctx.result is Result.MET:
        return (
            f"Verified nationality: {t.country_name(code, 'en')}, which the programme accepts.",
            f"Подтверждённое гражданство: {t.country_name(code, 'ru')} — допускается программой.",
        )
    return (
        f"Verified nationality: {t.country_name(code, 'en')}; the programme is open only to "
        f"nationals of {acc_en}.",
        f"Подтверждённое гражданство: {t.country_name(code, 'ru')}; программа допускает только "
        f"гражданство: {acc_ru}.",
    )


NATIONALITY = Criterion(
    id="nationality",
    title=("Nationality", "Гражданство"),
    values=(),
    condition=Field("nationality").is_in(Param("nationality.accepted")),
    threshold=("nationality.accepted",),
    wording=_nationality,
)


# --- education -------------------------------------------------------------------------------


def _isced(level: int, lang: str) -> str:
    name_en, name_ru = ISCED_LEVELS[level]
    return f"{level} ({name_en})" if lang == "en" else f"{level} ({name_ru})"


def _education(ctx: Context) -> tuple[str, str]:
    need = ctx.p("education.min_isced")
    if ctx.result is Result.UNKNOWN:
        return (
            "Verified evidence of a degree is missing: provide a diploma showing ISCED level "
            f"{_isced(need, 'en')} or higher.",
            "Нет подтверждённых сведений об образовании: представьте диплом уровня МСКО "
            f"{_isced(need, 'ru')} или выше.",
        )
    have = ctx.facts.isced_level
    assert have is not None
    if ctx.result is Result.MET:
        return (
            f"Highest verified degree: ISCED level {_isced(have, 'en')}; at least level "
            f"{_isced(need, 'en')} is required.",
            f"Подтверждённый уровень образования: МСКО {_isced(have, 'ru')}; требуется не ниже "
            f"уровня {_isced(need, 'ru')}.",
        )
    return (
        f"Highest verified degree: ISCED level {_isced(have, 'en')}, below the level "
        f"{_isced(need, 'en')} required.",
        f"Подтверждённый уровень образования: МСКО {_isced(have, 'ru')} — ниже требуемого "
        f"уровня {_isced(need, 'ru')}.",
    )


EDUCATION = Criterion(
    id="education",
    title=("Higher education", "Высшее образование"),
    values=(),
    condition=Field("isced_level").ge(Param("education.min_isced")),
    threshold=("education.min_isced",),
    wording=_education,
)


# --- language --------------------------------------------------------------------------------


def _accepted_languages(ctx: Context) -> tuple[str, str, str]:
    """The accepted languages as (English, Russian nominative, Russian instrumental)."""
    accepted = ctx.p("language.accepted")
    if accepted == EU_OFFICIAL_LANGUAGES:
        return "an official EU language", "официальный язык ЕС", "официальным языком ЕС"
    codes = sorted(accepted)
    en = t.join([t.language_name(c, "en") for c in codes], "en", "or")
    ru = ", ".join(t.language_name(c, "ru") for c in codes)
    return (
        f"one of the accepted languages ({en})",
        f"один из допускаемых языков ({ru})",
        f"одним из допускаемых языков ({ru})",
    )


def _skills(skills: Any, lang: str) -> str:
    if lang == "en":
        return ", ".join(f"{t.language_name(s.language, 'en')} at {s.cefr}" for s in skills)
    return ", ".join(f"{t.language_name(s.language, 'ru')} — {s.cefr}" for s in skills)


def _language(ctx: Context) -> tuple[str, str]:
    level = ctx.p("language.min_cefr")
    acc_en, acc_ru, acc_ru_ins = _accepted_languages(ctx)
    need_en = f"{acc_en} at CEFR level {level} or higher"
    need_ru = f"{acc_ru} на уровне не ниже {level} по шкале CEFR"
    if ctx.result is Result.UNKNOWN:
        return (
            f"Verified evidence of language skills is missing: provide a certificate showing "
            f"{need_en}.",
            "Нет подтверждённых сведений о знании языков: представьте сертификат, "
            f"подтверждающий владение {acc_ru_ins} на уровне не ниже {level} по шкале CEFR.",
        )
    skills = ctx.facts.languages or ()
    accepted = ctx.p("language.accepted")
    good = [s for s in skills if s.language in accepted and s.cefr.rank >= CEFR_RANK[level]]
    if ctx.result is Result.MET:
        return (
            f"Verified language skills meet the requirement of {need_en}: {_skills(good, 'en')}.",
            f"Подтверждённое владение языком соответствует требованию ({need_ru}): "
            f"{_skills(good, 'ru')}.",
        )
    if not skills:
        return (
            f"No language skills are verified; {need_en} is required.",
            f"Подтверждённых знаний языков нет; требуется {need_ru}.",
        )
    return (
        f"No verified language meets the requirement of {need_en}; verified: "
        f"{_skills(skills, 'en')}.",
        f"Ни один из подтверждённых языков не соответствует требованию ({need_ru}); "
        f"подтверждено: {_skills(skills, 'ru')}.",
    )


LANGUAGE = Criterion(
    id="language",
    title=("European language", "Европейский язык"),
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


def _means(ctx: Context) -> tuple[str, str]:
    months, monthly = ctx.p("means.months"), ctx.p("means.monthly_amount")
    required = ctx.values["required_eur"]
    calc_en = f"{months} x {t.money(monthly, 'en')}"
    calc_ru = f"{months} × {t.money(monthly, 'ru')}"
    need_en, need_ru = t.money(required, "en"), t.money(required, "ru")
    if ctx.result is Result.UNKNOWN:
        return (
            "Verified evidence of liquid assets is missing: provide bank statements or similar "
            f"proof of at least {need_en} ({calc_en}).",
            "Нет подтверждённых сведений о ликвидных средствах: представьте банковские выписки "
            f"или иное подтверждение наличия не менее {need_ru} ({calc_ru}).",
        )
    have = ctx.facts.liquid_assets_eur
    assert have is not None
    have_en, have_ru = t.money(have, "en"), t.money(have, "ru")
    if ctx.result is Result.MET:
        return (
            f"Liquid assets of {have_en} meet the {need_en} required ({calc_en}).",
            f"Ликвидные средства: {have_ru} — не меньше требуемых {need_ru} ({calc_ru}).",
        )
    return (
        f"Liquid assets of {have_en} are below the {need_en} required ({calc_en}).",
        f"Ликвидные средства: {have_ru} — меньше требуемых {need_ru} ({calc_ru}).",
    )


MEANS = Criterion(
    id="means",
    title=("Liquid assets", "Ликвидные средства"),
    values=(("required_eur", Param("means.months") * Param("means.monthly_amount")),),
    condition=Field("liquid_assets_eur").ge(Value("required_eur")),
    threshold=("means.months", "means.monthly_amount", "required_eur"),
    wording=_means,
)


# --- employment ------------------------------------------------------------------------------

_EMPLOYMENT = {
    "employed": ("employed", "работа по найму"),
    "self_employed": ("self-employed", "самостоятельная занятость (собственное дело)"),
    "none": ("not employed", "нет работы"),
}
_EMPLOYMENT_ORDER = tuple(_EMPLOYMENT)


def _employment(ctx: Context) -> tuple[str, str]:
    accepted = [s for s in _EMPLOYMENT_ORDER if s in ctx.p("employment.accepted")]
    acc_en = t.join([_EMPLOYMENT[s][0] for s in accepted], "en", "or")
    acc_ru = t.join([_EMPLOYMENT[s][1] for s in accepted], "ru", "or")
    if ctx.result is Result.UNKNOWN:
        return (
            "Verified evidence of employment is missing: provide an employment contract or a "
            f"business registration (required: {acc_en}).",
            "Нет подтверждённых сведений о занятости: представьте трудовой договор или документ "
            f"о регистрации собственного дела (требуется: {acc_ru}).",
        )
    status = ctx.facts.employment
    assert status is not None
    now_en, now_ru = _EMPLOYMENT[status.value]
    if ctx.result is Result.MET:
        return (
            f"Verified employment status: {now_en}; the trial year requires being {acc_en}.",
            f"Подтверждённый статус занятости: {now_ru}; требуется: {acc_ru}.",
        )
    return (
        f"Verified employment status: {now_en}; by the end of the trial year the holder must "
        f"be {acc_en}.",
        f"Подтверждённый статус занятости: {now_ru}; к концу испытательного года требуется: "
        f"{acc_ru}.",
    )


EMPLOYMENT = Criterion(
    id="employment",
    title=("Employment", "Занятость"),
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
    title=("Presence in the issuing country", "Присутствие в стране выдачи карты"),
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


def _residence(ctx: Context) -> tuple[str, str]:
    share = t.share(ctx.p("residence.required_share"))
    present, period = ctx.facts.present_days, ctx.facts.period_days
    if ctx.result is Result.UNKNOWN:
        missing = _missing(ctx, ("present_days", "period_days"))
        what_en = t.join(
            [
                {"present_days": "present days", "period_days": "days in the period"}[m]
                for m in missing
            ],
            "en",
        )
        what_ru = t.join(
            [
                {"present_days": "дни присутствия", "period_days": "число дней периода"}[m]
                for m in missing
            ],
            "ru",
        )
        return (
            f"Verified evidence of presence is missing ({what_en}): provide the presence summary "
            "for the trial year, from declared trips backed by evidence; presence on at least "
            f"{share} of the days is required.",
            f"Нет подтверждённых сведений о присутствии в стране ({what_ru}): представьте сводку "
            "о присутствии за испытательный год на основе заявленных поездок с подтверждающими "
            f"документами; требуется присутствие не менее {share} дней периода.",
        )
    assert present is not None and period is not None
    counted, required = ctx.values["counted_present_days"], ctx.values["required_present_days"]
    n = t.number
    if counted != present:
        have_en = (
            f"Present in the issuing country on {n(present, 'en')} of the {n(period, 'en')} days "
            f"of the period, counted as {n(counted, 'en')} with absence excused for force majeure"
        )
        have_ru = (
            f"Дней присутствия в стране выдачи карты: {n(present, 'ru')} из {n(period, 'ru')}; "
            f"с зачётом отсутствия по обстоятельствам непреодолимой силы — {n(counted, 'ru')}"
        )
    else:
        have_en = (
            f"Present in the issuing country on {n(present, 'en')} of the {n(period, 'en')} days "
            "of the period"
        )
        have_ru = f"Дней присутствия в стране выдачи карты: {n(present, 'ru')} из {n(period, 'ru')}"
    if ctx.result is Result.MET:
        return (
            f"{have_en}; at least {n(required, 'en')} ({share}) are required.",
            f"{have_ru}; требуется не менее {n(required, 'ru')} ({share}).",
        )
    return (
        f"{have_en}, fewer than the {n(required, 'en')} ({share}) required.",
        f"{have_ru}, что меньше требуемых {n(required, 'ru')} ({share}).",
    )


def _force_majeure(ctx: Context, applied: AppliedException) -> tuple[str, str]:
    cap = ctx.p("residence.force_majeure_cap_days")
    counted = applied.after - applied.before
    items_en = "; ".join(
        f"{t.days_en(a.days or 0)} of absence accepted by {a.accepted_by} (reason: {a.reason})"
        for a in applied.accepted
    )
    items_ru = "; ".join(
        f"отсутствие в течение {t.days_gen_ru(a.days or 0)} одобрено сотрудником: "
        f"{a.accepted_by} (основание: «{a.reason}»)"
        for a in applied.accepted
    )
    return (
        f"Exception applied (documented force majeure): {items_en}; {t.days_en(counted)} count "
        f"as present (cap: {t.days_en(cap)}, parameter residence.force_majeure_cap_days).",
        f"Применено исключение (подтверждённые обстоятельства непреодолимой силы): {items_ru}; "
        f"засчитано как присутствие: {t.days_ru(counted)} (предел — {t.days_ru(cap)}, "
        "параметр residence.force_majeure_cap_days).",
    )


# --- housing ---------------------------------------------------------------------------------

_TENURE = {
    "owner": ("owns a home", "собственное"),
    "tenant": ("rents a home", "арендуемое"),
    "none": ("neither owns nor rents a home", "нет"),
}


def _housing(ctx: Context) -> tuple[str, str]:
    tenures = [x for x in ("owner", "tenant", "none") if x in ctx.p("housing.tenures")]
    countries = ctx.p("housing.countries")
    is_eu = countries == EU_MEMBER_STATES
    where_en = "an EU member state" if is_eu else "one of the accepted countries"
    where_ru = "в государстве-члене ЕС" if is_eu else "в одной из допускаемых стран"
    how_en = t.join(
        [{"owner": "owning", "tenant": "renting", "none": "having"}[x] for x in tenures], "en", "or"
    )
    how_ru = t.join(
        [{"owner": "собственное", "tenant": "арендуемое", "none": "любое"}[x] for x in tenures],
        "ru",
        "or",
    )
    need_en = f"{how_en} a home in {where_en} is required"
    need_ru = f"требуется {how_ru} жильё {where_ru}"
    tenure, country = ctx.facts.housing_tenure, ctx.facts.housing_country
    if ctx.result is Result.UNKNOWN:
        return (
            "Verified evidence of housing is missing: provide a lease or a title deed showing "
            f"the country of the home; {need_en}.",
            "Нет подтверждённых сведений о жилье: представьте договор аренды или документ о праве "
            f"собственности с указанием страны; {need_ru}.",
        )
    if ctx.result is Result.MET:
        assert tenure is not None and country is not None
        verdict_en = "an EU member state" if is_eu else "an accepted country"
        verdict_ru = "государство-член ЕС" if is_eu else "допускаемая страна"
        return (
            f"Verified housing: {_TENURE[tenure.value][0]} in {t.country_name(country, 'en')}, "
            f"{verdict_en}.",
            f"Подтверждено жильё ({_TENURE[tenure.value][1]}) в стране: "
            f"{t.country_name(country, 'ru')} — {verdict_ru}.",
        )
    if tenure is not None and tenure.value not in ctx.p("housing.tenures"):
        if tenure.value == "none":
            return (
                f"Verified housing: neither owns nor rents a home; {need_en}.",
                f"Подтверждено, что собственного или арендуемого жилья нет; {need_ru}.",
            )
        return (
            f"Verified housing: {_TENURE[tenure.value][0]}, a tenure the policy does not accept; "
            f"{need_en}.",
            f"Подтверждено жильё ({_TENURE[tenure.value][1]}) — такой вид жилья не допускается; "
            f"{need_ru}.",
        )
    assert country is not None
    outside_en = "not an EU member state" if is_eu else "not an accepted country"
    outside_ru = "не государство-член ЕС" if is_eu else "не входит в число допускаемых стран"
    kind_ru = f" ({_TENURE[tenure.value][1]})" if tenure is not None else ""
    return (
        f"The verified home is in {t.country_name(country, 'en')}, {outside_en}; {need_en}.",
        f"Подтверждено жильё{kind_ru} в стране: {t.country_name(country, 'ru')} — "
        f"{outside_ru}; {need_ru}.",
    )


HOUSING = Criterion(
    id="housing",
    title=("Housing in the EU", "Жильё в ЕС"),
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
