"""Pages speak the reader's language: labels and country names, never raw keys and codes;
numbers typed as the reader writes them ("15 000,50" in Russian, "15,000.50" in English)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from relocard.cases import services as cs
from relocard.cases.facts import AssetsFacts
from relocard.common.forms import parse_number

RU = {"accept-language": "ru"}


@pytest.mark.parametrize(
    ("language", "typed", "number"),
    [
        ("ru", "15 000,50", Decimal("15000.50")),
        ("ru", "15\u00a0000,50", Decimal("15000.50")),
        ("ru", "15\u202f000,50", Decimal("15000.50")),
        ("ru", "15000,50", Decimal("15000.50")),
        ("en", "15,000.50", Decimal("15000.50")),
        ("en", "15000.50", Decimal("15000.50")),
        ("de", "15.000,50", Decimal("15000.50")),
        ("fr", "15 000,50", Decimal("15000.50")),
    ],
)
def test_numbers_are_read_in_the_readers_locale(language, typed, number):
    with translation.override(language):
        assert parse_number(typed) == number


@pytest.mark.parametrize(
    ("language", "typed"),
    [
        ("en", "1,5"),  # not 15
        ("ru", "15,000.50"),
        ("en", "1e5"),
        ("en", "NaN"),
        ("en", "€100"),
        ("en", ""),
        ("ru", "-5"),
    ],
)
def test_numbers_in_another_form_are_refused_with_an_example(language, typed):
    with translation.override(language), pytest.raises(ValueError) as refused:
        parse_number(typed)
    assert "15" in str(refused.value) or "неотрицательное" in str(refused.value)


def test_the_amount_of_assets_is_typed_in_the_readers_locale():
    with translation.override("ru"):
        form = AssetsFacts({"amount_eur": "15 000,50"})
        assert form.is_valid(), form.errors
        assert form.cleaned_data["amount_eur"] == Decimal("15000.50")
        refused = AssetsFacts({"amount_eur": "15,000.50"})
        assert not refused.is_valid()
        assert "15\u00a0000,50" in refused.errors["amount_eur"][0]
    with translation.override("en"):
        form = AssetsFacts({"amount_eur": "15,000.50"})
        assert form.is_valid() and form.cleaned_data["amount_eur"] == Decimal("15000.50")


@pytest.mark.django_db
def test_documents_asked_for_are_named_not_keyed_in_russian(client, make_case, staff):
    app = make_case("in_review")
    cs.correction_request(
        actor=staff["caseworker"],
        application=app,
        message="Upload a readable scan.",
        kinds=["passport", "diploma"],
        version=app.version,
    )
    client.force_login(app.applicant.user)
    client.cookies["relocard_language"] = "ru"  # the reader's choice
    html = client.get(reverse("portal:case", args=[app.reference]), headers=RU).content.decode()
    assert "Запрошенные документы:" in html
    asked = html.split("Запрошенные документы:", 1)[1].split("</p>", 1)[0]
    assert "passport" not in asked and "diploma" not in asked and "Паспорт" in asked


@pytest.mark.django_db
def test_the_what_if_page_gives_units_and_errors_in_the_readers_language(client, make_case, staff):
    make_case("in_review")
    client.force_login(staff["programme_admin"])
    client.cookies["relocard_language"] = "ru"  # the reader's choice
    url = reverse("console:what_if")
    query = {"member_state": "FR", "stage": "issuance", "parameter": "residence.required_share",
             "value": "lots", "on": "2026-12-01"}  # fmt: skip
    bad = client.get(url, query, headers=RU)
    html = bad.content.decode()
    assert bad.status_code == 400
    assert "доля дней" in html and "(share of days)" not in html
    assert "Укажите долю дней" in html
    money = {**query, "parameter": "means.monthly_amount", "value": "1 200,50"}
    assert client.get(url, money, headers=RU).status_code == 200


def test_a_card_number_wraps_between_its_groups_only():
    from relocard.common.templatetags.relocard import card_number

    html = str(card_number("FR-7K3MX-9QH2A-BC4DE-FGH12"))
    assert html.count('<span class="nowrap">') == 5 and html.count("-<wbr>") == 4
    assert str(card_number("<script>")) == (
        '<span class="card-number-groups"><span class="nowrap">&lt;script&gt;</span></span>'
    )
