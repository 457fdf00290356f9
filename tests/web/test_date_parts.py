"""Dates are typed as day, month and year (GOV.UK's pattern), never in a native date input,
which follows the browser's locale rather than the page's: on a Russian page it asked for
mm/dd/yyyy, and typing 15031988 stored 3 December 1988."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse
from django.utils import translation

from relocard.accounts.forms import ProfileForm
from relocard.common.forms import DatePartsField
from relocard.common.forms import Form as BaseForm


class BirthForm(BaseForm):
    date_of_birth = DatePartsField(label="Date of birth")


def _errors(day, month, year):
    form = BirthForm({"date_of_birth_0": day, "date_of_birth_1": month, "date_of_birth_2": year})
    assert not form.is_valid()
    return form.errors["date_of_birth"]


def test_day_month_and_year_make_the_date():
    form = BirthForm({"date_of_birth_0": "15", "date_of_birth_1": "3", "date_of_birth_2": "1988"})
    assert form.is_valid() and form.cleaned_data["date_of_birth"] == date(1988, 3, 15)


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        (("15", "", "1988"), "Date of birth must include a month."),
        (("", "", "1988"), "Date of birth must include a day and a month."),
        (("15031988", "", ""), "Date of birth must include a month and a year."),
        (("31", "2", "1990"), "Enter a real date for “Date of birth”."),
        (("15031988", "3", "1988"), "Enter a real date for “Date of birth”."),
        (("1x", "3", "1988"), "in numbers"),
        (("15", "3", "88"), "The year must include 4 numbers."),
        (("", "", ""), "Fill in “Date of birth”."),
    ],
)
def test_each_part_gets_a_clear_error(parts, message):
    assert any(message in e for e in _errors(*parts))


def test_errors_and_labels_are_in_the_readers_language(client, make_applicant):
    with translation.override("ru"):
        assert "нужно указать месяц" in _errors("15", "", "1988")[0]
    applicant = make_applicant()
    client.force_login(applicant.user)
    client.cookies["relocard_language"] = "ru"  # the reader's choice
    html = client.get(reverse("portal:profile"), headers={"accept-language": "ru"})
    html = html.content.decode()
    assert 'type="date"' not in html
    for label in ("День", "Месяц", "Год"):
        assert f">{label}</label>" in html
    assert 'name="date_of_birth_0"' in html and 'id="id_date_of_birth_0"' in html


@pytest.mark.django_db
def test_every_form_with_a_date_uses_the_three_boxes():
    from relocard.console.forms import WhatIfForm
    from relocard.humanitarian.forms import FamilyMemberForm, RequestForm
    from relocard.portal.forms import EvidenceFileForm
    from relocard.presence.forms import PlanForm, TripForm
    from relocard.verification.forms import ShareCodeCheckForm

    forms = [
        ProfileForm(),
        TripForm(),
        PlanForm(),
        ShareCodeCheckForm(),
        RequestForm(),
        FamilyMemberForm(),
        WhatIfForm(member_states=["FR"]),
        EvidenceFileForm(kind="passport"),
    ]
    dated = 0
    for form in forms:
        for name, field in form.fields.items():
            assert field.widget.__class__.__name__ != "DateInput", (form, name)
            dated += isinstance(field, DatePartsField)
    assert dated >= 10
