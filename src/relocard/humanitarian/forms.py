"""Forms of the humanitarian route: the person's request, a referral, the officers' steps."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from relocard.common.forms import DatePartsField, Form
from relocard.common.languages import supported
from relocard.humanitarian.models import Outcome, Relationship, VisaKind
from relocard.humanitarian.selectors import ledger_member_states
from relocard.reference.models import MemberState


def _ru() -> bool:
    return (get_language() or "en").startswith("ru")


def member_state_choices():

    names = {ms.code: ms for ms in MemberState.objects.all()}
    return [
        (code, names[code].name_ru if _ru() else names[code].name_en)
        for code in ledger_member_states()
    ]


class PersonForm(Form):
    """The request itself: kind of visa, the person asking, the grounds, consent."""

    visa_kind = forms.ChoiceField(
        label=_("Which visa do you ask for?"),
        choices=VisaKind.choices,
        widget=forms.RadioSelect,
        initial=VisaKind.NATIONAL,
    )
    surname = forms.CharField(label=_("Surname, as in the passport"), max_length=80)
    given_names = forms.CharField(label=_("Given names, as in the passport"), max_length=120)
    date_of_birth = DatePartsField(label=_("Date of birth"))
    grounds = forms.CharField(
        label=_("Why do you need protection?"),
        help_text=_(
            "Describe the danger and what has happened. Only the humanitarian officers "
            "assigned to your request can read this; it is stored encrypted and never shown "
            "to the card service."
        ),
        widget=forms.Textarea(attrs={"rows": 10}),
        max_length=20_000,
    )
    consent = forms.BooleanField(
        label=_(
            "I give my explicit consent for the humanitarian officers of this country to "
            "process what I write about my grounds, which may reveal my political opinions "
            "or other sensitive facts, to decide on this request. I can withdraw my request "
            "at any time."
        ),
        error_messages={
            "required": _("Without your explicit consent the grounds cannot be processed.")
        },
    )


class RequestForm(PersonForm):
    member_state = forms.ChoiceField(
        label=_("To which country do you ask for a visa?"),
        choices=member_state_choices,
        widget=forms.RadioSelect,
    )

    field_order = ["member_state", "visa_kind"]


class OrganisationApplyForm(Form):
    """An NGO's application to refer requests; the password is chosen from the e-mailed link."""

    name = forms.CharField(
        label=_("Name of the organisation"),
        max_length=160,
        help_text=_("As registered."),
        error_messages={"required": _("Give the organisation's name.")},
    )
    country = forms.ChoiceField(
        label=_("To which country does your organisation refer requests?"),
        choices=lambda: [("", "—"), *member_state_choices()],
        error_messages={"required": _("Choose the country your organisation refers requests to.")},
    )
    registration_number = forms.CharField(
        label=_("Registration number"),
        max_length=64,
        help_text=_("The number in the register of associations or charities."),
        error_messages={"required": _("Give the organisation's registration number.")},
    )
    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        help_text=_("Your own work address: you sign in with it."),
    )


class ReferralForm(PersonForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grounds"].label = _("The person's grounds")
        self.fields["grounds"].help_text = _(
            "In the person's own words where possible. Once sent, your organisation cannot "
            "read them again here."
        )
        self.fields["consent"].label = _(
            "The person gave their explicit consent to the processing of their grounds by the "
            "humanitarian officers of this country, after we explained it to them."
        )
        self.fields["consent"].error_messages = {
            "required": _("Confirm that the person gave their explicit consent.")
        }


FAMILY_RELATIONSHIPS = [("", "—")] + [
    (value, label) for value, label in Relationship.choices if value != Relationship.PRINCIPAL
]


class FamilyMemberForm(Form):
    """One family member travelling together; an empty row is ignored."""

    relationship = forms.ChoiceField(
        label=_("Relationship"), choices=FAMILY_RELATIONSHIPS, required=False
    )
    surname = forms.CharField(label=_("Surname"), max_length=80, required=False)
    given_names = forms.CharField(label=_("Given names"), max_length=120, required=False)
    date_of_birth = DatePartsField(label=_("Date of birth"), required=False)

    def clean(self):
        data = super().clean()
        filled = [
            k for k in ("relationship", "surname", "given_names", "date_of_birth") if data.get(k)
        ]
        if filled and len(filled) < 4:
            raise forms.ValidationError(
                _(
                    "Give the relationship, surname, given names and date of birth of each family member."
                )
            )
        return data


FamilyFormSet = forms.formset_factory(FamilyMemberForm, extra=4, max_num=11, validate_max=True)


def reader_language() -> str:
    """The reader's language: the one the middleware activated for the request from
    ``relocard.common.languages.language_for`` (a message's is set the same way)."""
    return supported(get_language()) or settings.LANGUAGE_CODE


def category_choices(policy):
    language = reader_language()
    return [(c.code, c.title_in(language)) for c in policy.categories]


def reason_choices(policy, event: str, *, optional: bool = False):
    language = reader_language()
    choices = [(r.code, r.title_in(language)) for r in policy.reasons[event]]
    return ([("", _("In turn: no reason needed"))] if optional else []) + choices


class TriageForm(Form):
    category = forms.ChoiceField(label=_("Urgency category"), widget=forms.RadioSelect)

    def __init__(self, *args, policy, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices(policy)


class MoveForm(Form):
    category = forms.ChoiceField(label=_("Move to the category"))
    reason = forms.ChoiceField(label=_("Reason"))

    def __init__(self, *args, policy, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices(policy)
        self.fields["reason"].choices = reason_choices(policy, "move")


def slot_label(slot) -> str:
    """A slot's start in its mission's time zone, the zone named: "Mon 14 Dec 2026, 09:30
    (Europe/Moscow)"."""
    local = slot.mission.local(slot.starts_at)
    return f"{date_format(local, 'D j M Y, H:i')} ({slot.mission.time_zone})"


def mission_label(mission) -> str:
    return f"{mission.get_kind_display()} {mission.city}, {mission.address}"


class InviteForm(Form):
    """The invitation: a free published slot of one of the member state's missions (grouped
    by mission, times in the mission's time zone); it is reserved for the request."""

    slot = forms.TypedChoiceField(
        label=_("Mission and appointment (the mission's local time)"),
        coerce=int,
        error_messages={
            "invalid_choice": _("This slot is no longer free: choose another one."),
            "required": _("Choose a mission and a free slot."),
        },
    )
    reason = forms.ChoiceField(label=_("Out of turn?"), required=False)

    def __init__(self, *args, policy, slots, **kwargs):
        super().__init__(*args, **kwargs)
        self.slots = {s.pk: s for s in slots}
        groups: dict[int, tuple[str, list]] = {}
        for s in slots:
            _label, options = groups.setdefault(s.mission_id, (mission_label(s.mission), []))
            options.append((s.pk, slot_label(s)))
        self.fields["slot"].choices = [("", "—"), *groups.values()]
        self.fields["reason"].choices = reason_choices(policy, "invitation", optional=True)

    def clean_slot(self):
        return self.slots[self.cleaned_data["slot"]]


class DecisionForm(Form):
    outcome = forms.ChoiceField(
        label=_("Decision"), choices=Outcome.choices, widget=forms.RadioSelect
    )
    reasons = forms.CharField(
        label=_("Reasons (the person reads them)"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=10_000,
    )


class RemoveForm(Form):
    reason = forms.ChoiceField(label=_("Reason for removing the request"))

    def __init__(self, *args, policy, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].choices = reason_choices(policy, "removal")
