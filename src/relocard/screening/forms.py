"""Forms of the screening officers' pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from relocard.common.forms import Form
from relocard.screening.models import CheckAnswer, ReviewOutcome


class ReviewForm(Form):
    outcome = forms.ChoiceField(
        label=_("Your finding"), choices=ReviewOutcome.choices, widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label=_("Reason"),
        help_text=_(
            "What tells the person apart from the listed one, or why it is the same person "
            "(e.g. another date of birth in the passport, another patronymic). It stays on "
            "record; a second screening officer decides."
        ),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )


class ReturnForm(Form):
    reason = forms.CharField(
        label=_("Why does it go back?"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class AnswerForm(Form):
    answer = forms.ChoiceField(
        label=_("The authority's answer"), choices=CheckAnswer.choices, widget=forms.RadioSelect
    )
    authority_reference = forms.CharField(
        label=_("The authority's reference"),
        help_text=_("Required for an objection."),
        required=False,
        max_length=80,
    )
    note = forms.CharField(
        label=_("Note (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )
