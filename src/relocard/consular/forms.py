"""Forms of the consular channel: interest, slots, windows, check-in."""

from __future__ import annotations

import re
from datetime import datetime, time

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from relocard.common.forms import DatePartsField, Form

_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


class InterestForm(Form):
    """The applicant's own passport data, for one of their open applications."""

    application = forms.ChoiceField(label=_("Application"))
    surname = forms.CharField(
        label=_("Surname, as in the passport"),
        max_length=80,
        help_text=_("In Latin letters as printed, or in Cyrillic, e.g. IVANOVA or Иванова"),
    )
    given_names = forms.CharField(label=_("Given names, as in the passport"), max_length=120)
    date_of_birth = DatePartsField(label=_("Date of birth"))
    nationality = forms.ChoiceField(
        label=_("Nationality"), choices=[("RU", _("Russian Federation"))]
    )
    passport_number = forms.CharField(
        label=_("Passport number"),
        max_length=20,
        help_text=_("Of your international passport, e.g. 751234567"),
    )
    passport_expiry = DatePartsField(label=_("Passport expiry date"))

    def __init__(self, *args, applications=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["application"].choices = [
            (a.reference, f"{a.reference} ({a.member_state_id})") for a in applications
        ]


class SlotsForm(Form):
    day = DatePartsField(label=_("Day"))
    times = forms.CharField(
        label=_("Times"),
        max_length=400,
        help_text=_("The mission's local times, separated by commas, e.g. 09:00, 09:30, 10:00"),
    )
    per_time = forms.IntegerField(label=_("People per time"), min_value=1, max_value=20, initial=1)

    def clean_times(self) -> list[time]:
        parts = [p.strip() for p in self.cleaned_data["times"].split(",") if p.strip()]
        out = []
        for part in parts:
            match = _TIME.match(part)
            if match is None:
                raise ValidationError(
                    _("“%(value)s” is not a time: write it as 09:30."), params={"value": part}
                )
            out.append(time(int(match[1]), int(match[2])))
        if not out:
            raise ValidationError(_("Give at least one time, e.g. 09:00, 09:30."))
        return out


class WindowForm(Form):
    first_day = DatePartsField(label=_("First day"))
    last_day = DatePartsField(label=_("Last day"))
    closes_on = DatePartsField(label=_("Registration closes on"))
    closes_time = forms.TimeField(
        label=_("at (the mission's local time)"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        initial=time(18, 0),
    )

    def closes_at(self, zone) -> datetime:
        return datetime.combine(
            self.cleaned_data["closes_on"], self.cleaned_data["closes_time"], tzinfo=zone
        )


class CheckInForm(Form):
    mrz = forms.CharField(
        label=_("Machine-readable zone"),
        help_text=_(
            "The two lines at the foot of the passport's data page: type or paste them, or "
            "scan them with a document reader."
        ),
        widget=forms.Textarea(
            attrs={
                "rows": 3,
                "class": "mono",
                "autocomplete": "off",
                "spellcheck": "false",
                "autocapitalize": "characters",
            }
        ),
        max_length=200,
        strip=False,
    )
