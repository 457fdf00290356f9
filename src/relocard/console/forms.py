"""Forms of the staff console."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from relocard.accounts.forms import ProfileForm
from relocard.cases.models import CaseState, EvidenceKind, EvidenceStatus
from relocard.common.forms import DatePartsField, Form, parse_number
from relocard.common.names import country_choices
from relocard.core.rules import parameter_specs

STATE_FILTERS = [
    ("", _("Open cases")),
    ("all", _("All filed cases")),
    *[(v, label) for v, label in CaseState.choices if v != CaseState.DRAFT],
]
SORTS = [
    ("deadline", _("Deadline, closest first")),
    ("-deadline", _("Deadline, latest first")),
    ("submitted", _("Submitted, oldest first")),
    ("-submitted", _("Submitted, newest first")),
]


class QueueFilterForm(Form):
    state = forms.ChoiceField(label=_("Status"), choices=STATE_FILTERS, required=False)
    sort = forms.ChoiceField(label=_("Sort by"), choices=SORTS, required=False)
    mission = forms.ChoiceField(label=_("Mission"), required=False)

    def __init__(self, *args, missions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mission"].choices = [("", _("All")), *((str(m.pk), str(m)) for m in missions)]
        if not missions:
            del self.fields["mission"]


class VersionForm(Form):
    """Every decision form carries the case version it was loaded with (stale forms fail)."""

    version = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=1,
        error_messages={
            "required": _("This form is out of date. Open the case again and redo the step."),
            "invalid": _("This form is out of date. Open the case again and redo the step."),
            "min_value": _("This form is out of date. Open the case again and redo the step."),
        },
    )


class ConfirmRefusalForm(VersionForm):
    """A refusal is confirmed only with the box ticked: one click on a button is not enough
    for a decision that ends an application (works without JavaScript)."""

    confirm = forms.BooleanField(
        label=_("I have read the reasons and confirm the refusal of this application"),
        error_messages={"required": _("Tick the box to confirm the refusal.")},
    )


class ReviewForm(Form):
    status = forms.ChoiceField(
        label=_("Result of the check"),
        choices=[
            (EvidenceStatus.VERIFIED, _("Verified")),
            (EvidenceStatus.REJECTED, _("Rejected")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose whether the document is verified or rejected.")},
    )
    note = forms.CharField(
        label=_("Note to the applicant (required when rejecting)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=1000,
    )


class CorrectionForm(VersionForm):
    message = forms.CharField(
        label=_("What should the applicant correct or add?"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=4000,
        help_text=_("The applicant reads this. Be specific: which document, what is wrong."),
        error_messages={"required": _("Write what the applicant should correct or add.")},
    )
    kinds = forms.MultipleChoiceField(
        label=_("Documents asked for"),
        choices=EvidenceKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class ApproveForm(VersionForm):
    summary = forms.CharField(
        label=_("Note for the file (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )


class RefuseForm(VersionForm):
    """One reason field per criterion of the case's stage (built from the rules)."""

    summary = forms.CharField(
        label=_("Summary for the applicant (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
    )

    def __init__(self, *args, criteria: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        for cid, label in criteria:
            self.fields[f"reason_{cid}"] = forms.CharField(
                label=label,
                required=False,
                widget=forms.Textarea(attrs={"rows": 3}),
                max_length=2000,
                help_text=_("Leave empty if this criterion is met."),
            )

    def reasons(self) -> dict[str, str]:
        return {cid: self.cleaned_data.get(f"reason_{cid}", "") for cid, _label in self.criteria}

    def clean(self):
        cleaned = super().clean()
        if not any((cleaned.get(f"reason_{cid}") or "").strip() for cid, _l in self.criteria):
            raise forms.ValidationError(
                _("Give the reason for at least one criterion that is not met.")
            )
        return cleaned


class ReturnForm(VersionForm):
    reason = forms.CharField(
        label=_("Why does the refusal go back to review?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": _("Write why the refusal goes back to review.")},
    )


class ApprovalExceptionForm(VersionForm):
    """An approval against the pre-check: one reason per criterion that blocks it."""

    summary = forms.CharField(
        label=_("Note for the file (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )

    def __init__(self, *args, criteria: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        for cid, label in criteria:
            self.fields[f"exception_{cid}"] = forms.CharField(
                label=label,
                widget=forms.Textarea(attrs={"rows": 3}),
                max_length=2000,
                help_text=_("Why the card is justified although this criterion is not met."),
                error_messages={
                    "required": _("Give the reason for the exception for this criterion.")
                },
            )

    def exceptions(self) -> dict[str, str]:
        return {cid: self.cleaned_data.get(f"exception_{cid}", "") for cid, _label in self.criteria}


class ApprovalReturnForm(VersionForm):
    reason = forms.CharField(
        label=_("Why does the approval go back to review?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": _("Write why the approval goes back to review.")},
    )


class EmbassyApplicantForm(ProfileForm):
    email = forms.EmailField(
        label=_("Applicant's e-mail address"),
        help_text=_(
            "The applicant receives a link to follow the case from their own account (or to "
            "create one)."
        ),
    )
    field_order = ["email"]


class ExceptionForm(VersionForm):
    days = forms.IntegerField(
        label=_("Days abroad to excuse"),
        min_value=1,
        max_value=366,
        help_text=_("Only days of documented force majeure; the policy caps what counts."),
        error_messages={"required": _("Enter the number of days abroad to excuse.")},
    )
    reason = forms.CharField(
        label=_("Justification (named in the decision)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": _("Write why the absence is excused.")},
    )


class AppealDecisionForm(Form):
    outcome = forms.ChoiceField(
        label=_("Decision on the appeal"),
        widget=forms.RadioSelect,
        choices=[("upheld", _("Uphold the appeal")), ("dismissed", _("Dismiss the appeal"))],
        error_messages={"required": _("Choose whether to uphold or dismiss the appeal.")},
    )
    reason = forms.CharField(
        label=_("Reasons (the applicant reads them)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        error_messages={"required": _("Write the reasons for the decision on the appeal.")},
    )


class TransferRefuseForm(Form):
    reason = forms.CharField(
        label=_("Why is the transfer refused?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": _("Write why the transfer is refused.")},
    )


#: A parameter's kind of value -> its unit, in the reader's language.
UNIT_LABELS = {
    "months": _("months"),
    "days": _("days"),
    "day_list": _("days before the end, a list"),
    "money_eur": _("euros"),
    "share": _("share of days"),
    "isced_level": _("ISCED 2011 level"),
    "cefr_level": _("CEFR level"),
    "country_codes": _("ISO country codes"),
    "language_codes": _("ISO language codes"),
    "employment_statuses": _("employment statuses"),
    "tenures": _("kinds of tenure"),
}
#: What a value of each kind looks like, for the error that refuses another one.
EXPECTED = {
    "months": _("a whole number of months, e.g. 12"),
    "days": _("a whole number of days, e.g. 30"),
    "day_list": _("whole numbers of days separated by commas, e.g. 60,30,7"),
    "money_eur": _("an amount in euros, e.g. 1200"),
    "share": _("a share of days such as 3/4"),
    "isced_level": _("an ISCED 2011 level from 0 to 8"),
    "cefr_level": _("a CEFR level: A1, A2, B1, B2, C1 or C2"),
    "country_codes": _("ISO country codes separated by commas, e.g. fr,de"),
    "language_codes": _("ISO language codes separated by commas, e.g. fr,de,en"),
    "employment_statuses": _("employment statuses separated by commas, e.g. employed"),
    "tenures": _("kinds of tenure separated by commas, e.g. owner,tenant"),
}


def unit_label(spec) -> str:
    return str(UNIT_LABELS.get(spec.kind, spec.unit))


def _parameter_choices():
    return [
        (name, f"{name} ({unit_label(spec)})") for name, spec in sorted(parameter_specs().items())
    ]


class WhatIfForm(Form):
    member_state = forms.ChoiceField(label=_("Member state"))
    stage = forms.ChoiceField(
        label=_("Stage"), choices=[("issuance", _("First card")), ("renewal", _("Renewal"))]
    )
    parameter = forms.ChoiceField(label=_("Parameter"), choices=_parameter_choices)
    value = forms.CharField(
        label=_("New value"),
        max_length=400,
        help_text=_("As in the policy files, e.g. 1200, B2, 3/4, or a list such as fr,de,en."),
    )
    on = DatePartsField(
        label=_("Applies from"),
        help_text=_("The day the new value would apply."),
    )

    def __init__(self, *args, member_states, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member_state"].choices = country_choices(member_states)

    def clean(self):
        """An amount is typed in the reader's locale ("1 200,50" in Russian) and read by the
        one number parser; the rules get it in the policy files' form."""
        cleaned = super().clean()
        spec = parameter_specs().get(cleaned.get("parameter", ""))
        value = cleaned.get("value")
        if spec is not None and value and spec.kind == "money_eur":
            try:
                cleaned["value"] = str(parse_number(value))
            except ValueError as exc:
                self.add_error("value", str(exc))
        return cleaned

    def value_error(self, parameter: str, value: str) -> str:
        """The rules refused the value: say, in the reader's language, what it should be."""
        spec = parameter_specs().get(parameter)
        expected = EXPECTED.get(spec.kind) if spec is not None else None
        if expected is None:
            return _("“%(value)s” cannot be used for this parameter.") % {"value": value}
        return _("“%(value)s” cannot be used here. Enter %(expected)s.") % {
            "value": value,
            "expected": expected,
        }


class IdentityChangeDecisionForm(Form):
    outcome = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            ("approve", _("Approve: the document shows the new details")),
            ("refuse", _("Refuse")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose whether to approve or refuse the change.")},
    )
    note = forms.CharField(
        label=_("Reason (required when refusing; the holder reads it)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )
