"""Forms of the applicant portal (each page asks one thing where that helps)."""

from __future__ import annotations

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from relocard.accounts.forms import ProfileForm
from relocard.cases.facts import EXPIRING_KINDS
from relocard.cases.models import EvidenceKind, IdentityChangeKind
from relocard.common.forms import DatePartsField, Form
from relocard.reference.models import MemberState


def member_state_choices():
    ru = (get_language() or "en").startswith("ru")
    return [
        (ms.code, ms.name_ru if ru else ms.name_en)
        for ms in MemberState.objects.filter(programme_enabled=True).order_by("code")
    ]


class StartForm(Form):
    member_state = forms.ChoiceField(
        label=_("In which country do you want to live?"),
        choices=member_state_choices,
        widget=forms.RadioSelect,
        help_text=_(
            "The card gives you a residence permit in this country only. You can have one open application per country."
        ),
        error_messages={"required": _("Choose the country you want to live in.")},
    )


class EvidenceKindForm(Form):
    kind = forms.ChoiceField(
        label=_("What kind of document do you want to upload?"),
        choices=EvidenceKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the kind of document.")},
    )


class EvidenceFileForm(Form):
    file = forms.FileField(
        label=_("Upload a file"),
        help_text=_("A PDF, PNG or JPEG scan or photo, at most 10 MB."),
        error_messages={
            "required": _("Choose a file to upload."),
            "empty": _("The file is empty. Choose the scan or photo again."),
        },
    )
    expires_on = DatePartsField(
        label=_("Valid until (if the document shows a date)"),
        required=False,
    )

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        if kind not in EXPIRING_KINDS:
            del self.fields["expires_on"]
        self.fields["file"].widget.attrs["accept"] = "application/pdf,image/png,image/jpeg"


class SubmitForm(Form):
    token = forms.CharField(widget=forms.HiddenInput)
    confirm = forms.BooleanField(
        label=_("I confirm that the information and documents I gave are true and complete."),
        error_messages={"required": _("Confirm that the information is true and complete.")},
    )


class CorrectionAnswerForm(Form):
    token = forms.CharField(widget=forms.HiddenInput)
    answer = forms.CharField(
        label=_("Your answer to the caseworker"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        required=False,
        help_text=_(
            "Say what you corrected or added. Do not write anything about your political views, religion or health."
        ),
    )


class WithdrawForm(Form):
    confirm = forms.BooleanField(
        label=_("Yes, withdraw this application"),
        error_messages={"required": _("Tick the box to confirm that you want to withdraw.")},
    )

    def __init__(self, *args, renewal: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if renewal:
            self.fields["confirm"].label = _("Yes, withdraw this renewal")


class RenewForm(Form):
    confirm = forms.BooleanField(
        label=_("I want to renew my card for another year"),
        error_messages={"required": _("Tick the box to start the renewal.")},
    )


class AppealForm(Form):
    target = forms.ChoiceField(label=_("Which decision do you appeal?"), widget=forms.RadioSelect)
    grounds = forms.CharField(
        label=_("Why is the decision wrong?"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=6000,
        help_text=_(
            "Refer to the criteria and the facts. You can upload new documents after a successful appeal. "
            "Do not write anything about your political views, religion or health."
        ),
    )

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = choices


class TransferForm(Form):
    to_state = forms.ChoiceField(
        label=_("To which country are you moving?"),
        choices=member_state_choices,
        widget=forms.RadioSelect,
        help_text=_(
            "Caseworkers there take over your case with its history. Your current card is replaced "
            "by one of the new country when they accept."
        ),
    )


class IdentityChangeForm(ProfileForm):
    """A change of identity details: the new values, and the document that shows them."""

    kind = forms.ChoiceField(
        label=_("Which document shows the new details?"),
        choices=IdentityChangeKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the document that shows the new details.")},
    )
    file = forms.FileField(
        label=_("Upload the document"),
        help_text=_(
            "The new passport's photo page, or the name-change document with your passport: "
            "a PDF, PNG or JPEG, at most 10 MB."
        ),
        error_messages={
            "required": _("Choose a file to upload."),
            "empty": _("The file is empty. Choose the scan or photo again."),
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.pop("safe_mode", None)
        self.fields["file"].widget.attrs["accept"] = "application/pdf,image/png,image/jpeg"
