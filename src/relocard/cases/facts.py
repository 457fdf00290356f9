"""The facts each kind of evidence supports, as form fields: declared by the applicant on
upload, checked (and corrected if need be) by the caseworker on review.

Only what a criterion needs is asked. No free text about the person: the "other" kind takes a
document and a short label, with a warning not to write anything sensitive.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from relocard.cases.models import EvidenceKind
from relocard.common.forms import Form, LocalizedDecimalField
from relocard.common.names import country_choices as names_country_choices
from relocard.common.names import language_names
from relocard.core.eu import EU_MEMBER_STATES, EU_OFFICIAL_LANGUAGES

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
