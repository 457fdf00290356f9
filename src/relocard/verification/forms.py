"""Forms for holders (share codes), verifiers (register, check) and the public confirmation."""

from __future__ import annotations

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from relocard.common.forms import DatePartsField, Form
from relocard.reference.models import MemberState
from relocard.verification.models import Purpose, VerifierKind


def country_choices():
    ru = (get_language() or "en").startswith("ru")
    rows = [(ms.code, ms.name_ru if ru else ms.name_en) for ms in MemberState.objects.all()]
    return [("", _("Choose a country")), *sorted(rows, key=lambda r: r[1])]


class RegisterForm(Form):
    """The organisation and an address; the password is chosen from the e-mailed link."""

    kind = forms.ChoiceField(
        label=_("Who checks cards?"),
        choices=VerifierKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the kind of organisation.")},
    )
    name = forms.CharField(
        label=_("Name of the organisation"),
        max_length=160,
        help_text=_("As registered. A private landlord enters their own full name."),
        error_messages={"required": _("Enter the organisation's name.")},
    )
    country = forms.ChoiceField(
        label=_("Country"),
        choices=country_choices,
        error_messages={"required": _("Choose the country where the organisation is.")},
    )
    registration_number = forms.CharField(
        label=_("Company or trade register number"),
        max_length=64,
        required=False,
        help_text=_("Leave it empty if you are a private landlord."),
    )
    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        help_text=_("Your own work address: you sign in with it."),
    )
    field_order = [
        "kind",
        "name",
        "country",
        "registration_number",
        "email",
    ]


class ReasonField(forms.CharField):
    def __init__(self, **kwargs):
        super().__init__(
            label=_("Why are you checking?"),
            max_length=200,
            help_text=_(
                "The holder reads this, e.g. “Tenancy application for flat 3, 12 Rue Cler”."
            ),
            error_messages={"required": _("Say why you are checking.")},
            **kwargs,
        )


class ShareCodeCheckForm(Form):
    code = forms.CharField(
        label=_("Share code"),
        max_length=20,
        help_text=_("9 letters and digits, e.g. R7K 3MX 9QH. The person gives it to you."),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}
        ),
        error_messages={"required": _("Enter the share code.")},
    )
    date_of_birth = DatePartsField(
        label=_("The person's date of birth"),
        help_text=_("As in their passport."),
        error_messages={
            "required": _("Enter the person's date of birth."),
            "invalid": _("Enter a real date, e.g. 27 04 1990."),
        },
    )
    reason = ReasonField()


class QrCheckForm(Form):
    payload = forms.CharField(
        label=_("Text of the QR code"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false", "autocomplete": "off"}),
        help_text=_("Paste what a QR reader shows (it starts with “RC1:”)."),
    )
    file = forms.FileField(
        label=_("Or upload a photo, scan or PDF of the card"),
        required=False,
        help_text=_("PNG, JPEG or PDF, at most 10 MB. The whole QR code must be visible."),
    )
    reason = ReasonField()

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("payload") and not cleaned.get("file") and not self.errors:
            self.add_error(
                "payload", _("Paste the text of the QR code, or upload a photo or PDF of the card.")
            )
        return cleaned


class ShareCodeCreateForm(Form):
    purpose = forms.ChoiceField(
        label=_("What is the code for?"),
        choices=Purpose.choices,
        widget=forms.RadioSelect,
        help_text=_("A code shows only what this purpose needs. Make one code per purpose."),
        error_messages={"required": _("Choose what the code is for.")},
    )
    card = forms.TypedChoiceField(
        label=_("Which card?"), coerce=int, widget=forms.RadioSelect, choices=()
    )

    def __init__(self, *args, cards, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["card"].choices = [
            (card.pk, f"{card.number} ({card.member_state})") for card in cards
        ]
        if len(cards) == 1:
            self.fields["card"].widget = forms.HiddenInput()
            self.fields["card"].initial = cards[0].pk


class ConfirmForm(Form):
    check_id = forms.CharField(
        label=_("Check id"),
        max_length=40,
        help_text=_("As printed on the record of the check, e.g. CHK-7K3MX-9QH2A-BC4DE."),
        error_messages={"required": _("Enter the check id.")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


class MemberForm(Form):
    email = forms.EmailField(
        label=_("Colleague's e-mail address"),
        max_length=254,
        help_text=_("They get an e-mail to set their password."),
    )


class ApiKeyForm(Form):
    name = forms.CharField(
        label=_("Name of the key"),
        max_length=80,
        help_text=_("Which system uses it, e.g. “Onboarding system”."),
        error_messages={"required": _("Name the key.")},
    )
