"""The facts each kind of evidence supports, as form fields: declared by the applicant on
upload, checked (and corrected if need be) by the caseworker on review.

Only what a criterion needs is asked. No free text about the person: the "other" kind takes a
document and a short label, with a warning not to write anything sensitive.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.utils.formats import date_format
from django.utils.translation import get_language, gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from relocard.cases.models import EvidenceKind
from relocard.common.forms import Form, LocalizedDecimalField
from relocard.common.names import country_choices as names_country_choices
from relocard.common.names import language_names
from relocard.core.eu import EU_MEMBER_STATES, EU_OFFICIAL_LANGUAGES
from relocard.core.i18n import Money, msg
from relocard.core.rules.criteria import EMPLOYMENT_STATUSES

#: The 24 official EU languages (ISO 639-1), then a few others applicants often hold.
EU_LANGUAGES = sorted(EU_OFFICIAL_LANGUAGES)
OTHER_LANGUAGES = ("no", "is", "sq", "sr", "mk", "tr", "uk", "ru")
CEFR_LEVELS = ("A1", "A2", "B1", "B2", "C1", "C2")
EU_COUNTRIES = sorted(EU_MEMBER_STATES)


def language_choices():
    names = language_names()
    return [(code, names.get(code, code)) for code in (*EU_LANGUAGES, *OTHER_LANGUAGES)]


def country_choices():
    return names_country_choices(EU_COUNTRIES)


ISCED_CHOICES = [
    (8, _("Doctorate (ISCED 8)")),
    (7, _("Master's degree or equivalent (ISCED 7)")),
    (6, _("Bachelor's degree or equivalent, including specialist diploma (ISCED 6)")),
    (5, _("Short-cycle tertiary education (ISCED 5)")),
    (4, _("Post-secondary, non-tertiary education (ISCED 4)")),
    (3, _("Secondary school or lower (ISCED 0-3)")),
]


class PassportFacts(Form):
    nationality = forms.ChoiceField(
        label=_("Nationality shown in the passport"),
        choices=[("RU", _("Russian Federation")), ("other", _("Other"))],
    )


class DiplomaFacts(Form):
    isced_level = forms.TypedChoiceField(
        label=_("Level of the degree"),
        choices=ISCED_CHOICES,
        coerce=int,
        help_text=_("A Russian specialist diploma (специалитет) counts as ISCED 6 or 7."),
    )


class LanguageFacts(Form):
    language = forms.ChoiceField(label=_("Language"), choices=language_choices)
    cefr = forms.ChoiceField(
        label=_("Level (CEFR)"),
        choices=[(c, c) for c in CEFR_LEVELS],
        help_text=_("The level printed on the certificate, from A1 (beginner) to C2 (mastery)."),
    )


class EmploymentFacts(Form):
    employment = forms.CharField(widget=forms.HiddenInput, initial="employed", disabled=True)
    country = forms.ChoiceField(label=_("Country of work"), choices=country_choices)


class BusinessFacts(Form):
    employment = forms.CharField(widget=forms.HiddenInput, initial="self_employed", disabled=True)
    country = forms.ChoiceField(
        label=_("Country where the business is registered"), choices=country_choices
    )


class HousingFacts(Form):
    tenure = forms.ChoiceField(
        label=_("Do you rent or own the home?"),
        choices=[
            ("tenant", pgettext_lazy("tenure", "I rent it")),
            ("owner", pgettext_lazy("tenure", "I own it")),
        ],
        widget=forms.RadioSelect,
    )
    country = forms.ChoiceField(label=_("Country of the home"), choices=country_choices)


class AssetsFacts(Form):
    amount_eur = LocalizedDecimalField(
        label=_("Amount in euros"),
        min_value=0,
        max_digits=12,
        decimal_places=2,
        help_text=_("Convert other currencies at the rate of the statement's date."),
    )


class OtherFacts(Form):
    label = forms.CharField(
        label=_("What is this document?"),
        max_length=80,
        help_text=_(
            "A few words, e.g. 'translation of the diploma'. Do not write anything about "
            "your health, beliefs or political views."
        ),
    )


class TravelFacts(Form):
    """Evidence of a trip supports the trip's dates, recorded with the trip itself."""


FACT_FORMS: dict[str, type[forms.Form]] = {
    EvidenceKind.PASSPORT: PassportFacts,
    EvidenceKind.DIPLOMA: DiplomaFacts,
    EvidenceKind.LANGUAGE_CERTIFICATE: LanguageFacts,
    EvidenceKind.EMPLOYMENT_CONTRACT: EmploymentFacts,
    EvidenceKind.BUSINESS_REGISTRATION: BusinessFacts,
    EvidenceKind.LEASE_OR_DEED: HousingFacts,
    EvidenceKind.LIQUID_ASSETS: AssetsFacts,
    EvidenceKind.TRAVEL: TravelFacts,
    EvidenceKind.OTHER: OtherFacts,
}

#: Kinds whose documents expire (the applicant gives the date; expired evidence stops counting).
EXPIRING_KINDS = frozenset(
    {
        EvidenceKind.PASSPORT,
        EvidenceKind.LANGUAGE_CERTIFICATE,
        EvidenceKind.LEASE_OR_DEED,
        EvidenceKind.EMPLOYMENT_CONTRACT,
    }
)


def clean_facts(kind: str, data, *, prefix: str | None = None) -> tuple[dict, forms.Form]:
    """Validate the facts for ``kind``; return (facts as JSON-safe values, the bound form)."""
    form = FACT_FORMS[kind](data, prefix=prefix)
    if not form.is_valid():
        return {}, form
    facts = {}
    for key, value in form.cleaned_data.items():
        if key == "amount_eur":
            value = int(value) if value == value.to_integral_value() else float(value)
        facts[key] = value
    return facts, form


#: Facts a form asks for without a visible label (the kind of document gives them).
_HIDDEN_LABELS = {"employment": _("Employment status")}


def fact_rows(kind: str, facts: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    """A document's facts (declared or verified) as (label, value) in the reader's language,
    for staff pages: each fact named by the label of the form field that asks for it, each value
    as that field offers it (the degree "Master's degree or equivalent (ISCED 7)", a country's or
    language's name), amounts in euros and dates as the rest of the site writes them, yes or no
    for a yes/no fact. A fact no form asks for any more keeps its key, and its value as stored."""
    form = FACT_FORMS.get(kind)
    fields = form.base_fields if form is not None else {}
    facts = facts or {}
    # A fixed order, not the stored one (PostgreSQL's jsonb keeps keys in its own order): the
    # facts set without a form field first, then the form's fields, then old keys by name.
    hidden = [n for n in _HIDDEN_LABELS if n in facts and n not in fields]
    known = [n for n in fields if n in facts]
    order = hidden + known + sorted(set(facts) - set(hidden) - set(known))
    rows = []
    for name, value in ((n, facts[n]) for n in order):
        field = fields.get(name)
        label = _HIDDEN_LABELS.get(name) or (field.label if field is not None else None) or name
        rows.append((str(label), _fact_value(name, value, field)))
    return rows


def _fact_value(name: str, value: Any, field: forms.Field | None) -> str:
    lang = get_language() or "en"
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if value is None or value == "":
        return "–"
    if name == "employment" and value in EMPLOYMENT_STATUSES:
        return gettext(EMPLOYMENT_STATUSES[value])
    if isinstance(field, forms.ChoiceField):
        for key, text in field.choices:
            if str(key) == str(value):
                return str(text)
    if isinstance(field, LocalizedDecimalField) or name == "amount_eur":
        try:
            return msg("{amount}", amount=Money(_decimal(value))).render(lang)
        except (InvalidOperation, ValueError):
            return str(value)
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        try:
            return date_format(date.fromisoformat(value), "DATE_FORMAT")
        except ValueError:
            return value
    return str(value)


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _decimal(value: Any) -> int | Decimal:
    amount = Decimal(str(value))
    if not amount.is_finite():
        raise ValueError(value)
    return int(amount) if amount == amount.to_integral_value() else amount
