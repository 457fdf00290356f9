"""Forms of the consular channel: interest, slots, windows, check-in, missions."""

from __future__ import annotations

import re
import zoneinfo
from datetime import datetime, time

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from relocard.common.forms import DatePartsField, Form
from relocard.consular.models import MissionKind

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


class ReservationCheckInForm(CheckInForm):
    """The door's form for a reserved slot: the reference from the person's invitation, then
    the passport's zone."""

    reference = forms.CharField(
        label=_("Reference on the invitation"),
        help_text=_("As printed on the paper or screen the person shows, e.g. R-ABCDE-23456."),
        max_length=32,
        widget=forms.TextInput(
            attrs={"class": "mono", "autocomplete": "off", "spellcheck": "false"}
        ),
    )

    field_order = ["reference", "mrz"]


WEEKDAYS = [
    ("1", _("Monday")),
    ("2", _("Tuesday")),
    ("3", _("Wednesday")),
    ("4", _("Thursday")),
    ("5", _("Friday")),
    ("6", _("Saturday")),
    ("7", _("Sunday")),
]


class MissionForm(Form):
    """A mission's details, for programme staff (member state and kind only when adding)."""

    member_state = forms.ChoiceField(label=_("Member state"))
    kind = forms.ChoiceField(label=_("Kind"))
    city = forms.CharField(label=_("City"), max_length=80)
    address = forms.CharField(label=_("Address"), max_length=200)
    time_zone = forms.CharField(
        label=_("Time zone"),
        max_length=64,
        initial="Europe/Moscow",
        help_text=_("An IANA time zone name, e.g. Europe/Moscow or Asia/Yekaterinburg"),
    )
    opening_weekdays = forms.MultipleChoiceField(
        label=_("Opening days"),
        choices=WEEKDAYS,
        widget=forms.CheckboxSelectMultiple,
        initial=["1", "2", "3", "4", "5"],
        error_messages={"required": _("Choose at least one opening day.")},
    )
    active = forms.BooleanField(
        label=_("Active: applicants can book here"), required=False, initial=True
    )

    def __init__(self, *args, member_states=(), adding: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if adding:
            self.fields["member_state"].choices = [(m.code, str(m)) for m in member_states]
            self.fields["kind"].choices = MissionKind.choices
        else:
            del self.fields["member_state"]
            del self.fields["kind"]

    def clean_time_zone(self) -> str:
        value = self.cleaned_data["time_zone"].strip()
        if value not in zoneinfo.available_timezones():
            raise ValidationError(
                _("“%(value)s” is not an IANA time zone, e.g. Europe/Moscow."),
                params={"value": value},
            )
        return value

    def clean_city(self) -> str:
        return " ".join(self.cleaned_data["city"].split())

    def clean_address(self) -> str:
        return " ".join(self.cleaned_data["address"].split())

    def clean_opening_weekdays(self) -> str:
        return ",".join(sorted(set(self.cleaned_data["opening_weekdays"])))


class OfficerAddForm(Form):
    """An existing consular officer's account for a mission (the service checks it)."""

    account = forms.CharField(
        label=_("Consular officer"),
        widget=forms.Select,
        help_text=_("Consular officers of this mission's member state who have no mission yet"),
        error_messages={"required": _("Choose a consular officer.")},
    )

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].widget.choices = [("", _("Choose an officer"))] + [
            (str(user.pk), f"{user.email} (#{user.pk})") for user in candidates
        ]


class OfficerMoveForm(Form):
    """Another mission of the officer's member state."""

    mission = forms.ChoiceField(
        label=_("Move to"), error_messages={"required": _("Choose a mission.")}
    )

    def __init__(self, *args, targets=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mission"].choices = [("", _("Choose a mission"))] + [
            (str(m.pk), str(m)) for m in targets
        ]
