"""Finding 8: bidirectional control characters (U+202E and its kin) are refused in free text.

Before, a verifier's reason "Tenancy \u202eexe.txt" reached the holder's page unchanged and
displayed as something it did not say. One validator (relocard.common.text) serves every form
and every API schema.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from tests.web.test_form_errors import ARGS, FORMS

from relocard.audit.models import AuditEvent
from relocard.cards import credentials as creds
from relocard.common.text import BIDI_CONTROLS, forbidden_character, validate_free_text
from relocard.verification.models import CardCheck

CONTROLS = [*sorted(BIDI_CONTROLS), "\x00", "\x1b", "\x85"]


@pytest.mark.parametrize("char", CONTROLS, ids=[f"U+{ord(c):04X}" for c in CONTROLS])
def test_each_control_character_is_found(char):
    assert forbidden_character(f"Tenancy {char}flat 3") == char


def test_ordinary_text_in_any_script_passes():
    for text in (
        "Аренда квартиры 3\nна год",
        "Tenancy\tflat 3\r\n",
        "عقد إيجار",
        "שכירות",
        "👩\u200d💻 café",  # a zero-width joiner inside an emoji is not a direction control
    ):
        assert forbidden_character(text) is None


@pytest.mark.parametrize(("name", "cls"), FORMS, ids=[name for name, _cls in FORMS])
def test_every_text_field_of_every_form_refuses_them(name, cls):
    from django import forms

    form = cls(data={}, **ARGS.get(name, {}))
    form.is_valid()
    for field_name, field in form.fields.items():
        if isinstance(field, forms.CharField) and not isinstance(field.widget, forms.PasswordInput):
            assert validate_free_text in field.validators, f"{name}.{field_name}"


@pytest.mark.django_db
def test_a_web_check_with_a_reversed_reason_is_refused_and_records_nothing(
    client, card, make_code, landlord
):
    code = make_code("rent")
    client.force_login(landlord)
    events = AuditEvent.objects.count()
    response = client.post(
        reverse("verification:check_code"),
        {
            "code": code,
            "date_of_birth": str(card.applicant.date_of_birth),
            "reason": "Tenancy \u202eexe.txt",
        },
    )
    assert response.status_code == 400
    assert "U+202E right-to-left override" in response.content.decode()
    assert CardCheck.objects.count() == 0 and AuditEvent.objects.count() == events


@pytest.mark.django_db
def test_an_api_check_with_an_isolate_in_its_reason_is_refused(client, card, api_key):
    key, _user = api_key
    response = client.post(
        "/api/checks/qr",
        {"payload": creds.latest(card, "rc1").payload, "reason": "Viewing \u2067x\u2069"},
        content_type="application/json",
        HTTP_X_API_KEY=key,
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_request"
    assert body["fields"][0]["field"] == "reason" and "U+2067" in body["fields"][0]["message"]
    assert CardCheck.objects.count() == 0


@pytest.mark.django_db
def test_the_service_refuses_them_whatever_the_interface(card, make_code, landlord):
    from relocard.verification.errors import InvalidReason
    from relocard.verification.services.checks import _clean_reason

    with pytest.raises(InvalidReason, match=r"U\+202D"):
        _clean_reason("Rent \u202dok")
