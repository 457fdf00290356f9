"""The accessibility statement, the legal notice and the contact pages (issue 16): reachable
from every page's footer, in English and Russian, with each launch state's authority from its
policy file; an unknown member state is "not found"."""

from __future__ import annotations

from html import escape

import pytest
from django.urls import reverse
from django.utils import translation

from relocard.core.legal import ContactPolicyError, contact, member_states_with_contact

pytestmark = pytest.mark.django_db

PAGES = ["accessibility", "legal_notice", "contact"]


def test_every_launch_state_has_a_contact():
    assert member_states_with_contact() == ("CY", "DE", "FR", "PL")
    fr = contact("fr")
    assert fr.authority.startswith("Ministère de l'Intérieur")
    assert fr.address[-1] == "France" and fr.url.startswith("https://")
    assert contact("DE").enforcement_name.startswith("Schlichtungsstelle")


@pytest.mark.parametrize("code", ["IT", "F", "../fr", ""])
def test_an_unknown_state_has_no_contact(code):
    with pytest.raises(ContactPolicyError):
        contact(code)


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("language", ["en", "ru"])
def test_each_page_is_linked_from_the_footer_and_names_every_authority(client, name, language):
    client.cookies["relocard_language"] = language
    home = client.get("/").content.decode()
    assert f'href="{reverse(name)}"' in home
    page = client.get(reverse(name))
    assert page.status_code == 200
    body = page.content.decode()
    assert f'lang="{language}"' in body
    for code in member_states_with_contact():
        assert (
            escape(contact(code).authority) in body
            or reverse("contact_member_state", args=[code]) in body
        )


def test_the_accessibility_statement_names_its_standard_gaps_and_enforcement(client):
    body = client.get(reverse("accessibility")).content.decode()
    assert "WCAG" in body and "2.2" in body and "partially compliant" in body
    assert "Known gaps" in body and "Défenseur des droits" in body
    assert "Rzecznik Praw Obywatelskich" in body


def test_a_state_contact_page_and_an_unknown_one(client):
    body = client.get(reverse("contact_member_state", args=["PL"])).content.decode()
    assert "Urząd do Spraw Cudzoziemców" in body and "00-564 Warszawa" in body
    assert reverse("privacy_member_state", args=["PL"]) in body
    assert client.get(reverse("contact_member_state", args=["IT"])).status_code == 404
    assert client.get("/contact/xx/").status_code == 404


def test_the_russian_statement_is_translated(client):
    with translation.override("ru"):
        client.cookies["relocard_language"] = "ru"
        body = client.get(reverse("accessibility")).content.decode()
    assert "Заявление о доступности" in body and "Known gaps" not in body
    # The known gaps say what is left after the tables stacked, in Russian too.
    assert "каждая таблица для сотрудников" in body and "очередь сотрудников" not in body


@pytest.mark.parametrize("name", PAGES)
def test_member_states_are_named_not_coded_in_russian(client, name):
    client.cookies["relocard_language"] = "ru"
    body = client.get(reverse(name)).content.decode()
    assert "(Франция)" in body or "Франция:" in body, name
    assert "(FR)" not in body and "FR:" not in body
