"""Forms of the mission desk: they parse; the services validate values and write."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from relocard.common.forms import DatePartsField, Form
from relocard.enrolment.models import PaymentMethod, VisaEntries

_STALE = _("This form is out of date. Open the page again and redo the step.")


class BiometricsForm(Form):
    device_reference = forms.CharField(
        label=_("Device reference"),
        max_length=64,
        help_text=_("The enrolment station's reference in the national system."),
    )
    place = forms.CharField(label=_("Mission or place"), max_length=120)


class FeeForm(Form):
    # Text, not a number field: the service reads the amount and says what is wrong with it.
    amount = forms.CharField(label=_("Amount paid (EUR)"), max_length=20)
    method = forms.ChoiceField(
        label=_("Paid by"), choices=PaymentMethod.choices, widget=forms.RadioSelect
    )


class VisaForm(Form):
    number = forms.CharField(
        label=_("Visa number"),
        max_length=20,
        help_text=_("As on the visa sticker: the three-letter state code and nine digits."),
    )
    valid_from = DatePartsField(label=_("Valid from"))
    valid_until = DatePartsField(label=_("Valid until"))
    entries = forms.ChoiceField(
        label=_("Number of entries"), choices=VisaEntries.choices, widget=forms.RadioSelect
    )
    in_russia = forms.BooleanField(
        label=_("The applicant is in Russia and needs this visa to enter the member state."),
    )


class OrderForm(Form):
    place = forms.CharField(
        label=_("Collection at (mission)"),
        max_length=120,
        help_text=_("The mission where the applicant collects the card."),
    )


class ProductionVersionForm(Form):
    version = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=1,
        error_messages={"required": _STALE, "invalid": _STALE, "min_value": _STALE},
    )


class HandOverForm(ProductionVersionForm):
    mrz = forms.CharField(
        label=_("Passport's machine-readable zone"),
        help_text=_(
            "The two lines at the bottom of the passport's photo page: type them, or scan them "
            "with the document reader."
        ),
        max_length=200,
        strip=False,
        widget=forms.Textarea(
            attrs={"rows": 2, "class": "mono", "spellcheck": "false", "autocomplete": "off"}
        ),
    )


class PhotoForm(Form):
    photo = forms.FileField(
        label=_("Photo"),
        help_text=_(
            "A passport-style photo: JPEG or PNG, 35 x 45 mm in shape, at least 413 x 531 "
            "pixels, the face looking straight at the camera."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png"}),
    )
