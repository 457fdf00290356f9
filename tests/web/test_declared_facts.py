"""The console's case page names each declared and verified fact and formats its value in the
reader's language ("Declared: isced_level = 7" once showed the raw keys)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation
from lxml import html

EVIDENCE = [
    ("passport", {"passport-nationality": "RU"}),
    ("diploma", {"diploma-isced_level": "7"}),
    (
        "language_certificate",
        {"language_certificate-language": "fr", "language_certificate-cefr": "B2"},
    ),
    ("liquid_assets", {"liquid_assets-amount_eur": "30000.50"}),
    ("employment_contract", {"employment_contract-country": "FR"}),
    ("lease_or_deed", {"lease_or_deed-tenure": "tenant", "lease_or_deed-country": "FR"}),
]


def _facts(client, user, reference, language, which="declared"):
    client.force_login(user)
    client.cookies["relocard_language"] = language
    response = client.get(reverse("console:case", args=[reference]))
    assert response.status_code == 200
    tree = html.fromstring(response.content.decode())
    return [" ".join(p.text_content().split()) for p in tree.xpath(f"//p[@class='facts-{which}']")]


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "en",
            [
                "Declared: Nationality shown in the passport: Russian Federation",
                "Declared: Level of the degree: Master's degree or equivalent (ISCED 7)",
                "Declared: Language: French; Level (CEFR): B2",
                "Declared: Amount in euros: EUR 30,000.50",
                "Declared: Employment status: employed; Country of work: France",
                "Declared: Do you rent or own the home?: I rent it; Country of the home: France",
            ],
        ),
        (
            "ru",
            [
                "Указано заявителем: Гражданство, указанное в паспорте: Российская Федерация",
                "Указано заявителем: Уровень образования: Магистр или равноценный уровень (МСКО 7)",
                "Указано заявителем: Сумма в евро: 30 000,50 евро",
                "Указано заявителем: Статус занятости: работа по найму; Страна работы: Франция",
                "Указано заявителем: Вы снимаете жильё или оно принадлежит вам?: Снимаю; "
                "Страна, где находится жильё: Франция",
            ],
        ),
    ],
)
def test_declared_facts_are_named_and_formatted(client, make_case, staff, language, expected):
    case = make_case("in_review", evidence=EVIDENCE)
    shown = _facts(client, staff["caseworker"], case.reference, language)
    for line in expected:
        assert line in shown, (line, shown)
    text = " ".join(shown)
    for raw in ("isced_level", "amount_eur", "nationality =", "tenure", "= 7"):
        assert raw not in text
    # The verified facts read the same way.
    verified = _facts(client, staff["caseworker"], case.reference, language, "verified")
    assert len(verified) == len(EVIDENCE)
    assert not any("isced_level" in line for line in verified)


def test_yes_no_dates_and_unknown_facts():
    from relocard.cases.facts import fact_rows

    with translation.override("ru"):
        rows = fact_rows("other", {"label": "перевод диплома", "sworn": True, "on": "2026-03-01"})
        assert rows == [
            ("Что это за документ?", "перевод диплома"),
            ("on", "1 марта 2026"),  # facts no form asks for any more: by name
            ("sworn", "Да"),
        ]
        assert fact_rows("diploma", {"isced_level": 9}) == [("Уровень образования", "9")]
        assert fact_rows("liquid_assets", {"amount_eur": "lots"}) == [("Сумма в евро", "lots")]
    with translation.override("en"):
        assert fact_rows("passport", {"nationality": "other", "x": False}) == [
            ("Nationality shown in the passport", "Other"),
            ("x", "No"),
        ]
        assert fact_rows("travel", None) == []


def test_the_applicants_nationality_is_a_country_name(client, make_case, staff):
    case = make_case("in_review")
    client.force_login(staff["caseworker"])
    client.cookies["relocard_language"] = "ru"
    tree = html.fromstring(client.get(reverse("console:case", args=[case.reference])).content)
    rows = {
        " ".join(row.xpath("./dt")[0].text_content().split()): " ".join(
            row.xpath("./dd")[0].text_content().split()
        )
        for row in tree.xpath("//div[@class='summary-row']")
    }
    assert rows["Гражданство"] == "Россия", rows  # not "RU"
