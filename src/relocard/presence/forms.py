from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from relocard.common.forms import DatePartsField, Form
from relocard.common.names import country_choices
from relocard.presence.services import schengen_destinations


def destination_choices(issuer: str | None = None):
    """Schengen states other than the card's issuer, by name in the reader's language."""
    return [
        ("", _("Not another Schengen country, or I prefer not to say")),
        *country_choices(schengen_destinations(issuer)),
    ]


class TripForm(Form):
    left = DatePartsField(
        label=_("Day you left the country"),
        required=False,
        help_text=_("Leave empty only if you do not know it."),
    )
    returned = DatePartsField(
        label=_("Day you came back"),
        required=False,
        help_text=_("Leave empty if you are still abroad or it is not planned yet."),
    )
    destination = forms.ChoiceField(
        label=_("Country visited"),
        required=False,
        choices=destination_choices,
        help_text=_(
            "Only needed for trips to other Schengen countries, which count "
            "against 90 days in any 180."
        ),
    )

    def __init__(self, *args, issuer: str | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["destination"].choices = destination_choices(issuer)


class PlanForm(Form):
    leave = DatePartsField(label=_("Leave on"))
    return_ = DatePartsField(label=_("Come back on"))

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("leave")
            and cleaned.get("return_")
            and cleaned["return_"] < cleaned["leave"]
        ):
            self.add_error(
                "return_", _("The day you come back must be on or after the day you leave.")
            )
        return cleaned


class TripEvidenceForm(Form):
    file = forms.FileField(
        label=_("Ticket, boarding pass or passport stamp"),
        help_text=_("A PDF, PNG or JPEG scan or photo, at most 10 MB."),
    )
