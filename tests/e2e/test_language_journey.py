"""The applicant's journey in Russian, French and German (issue 16): pick the language with
the switcher, sign in, read what the rules say about the declared documents, submit, read the
receipt; every page says its language in ``<html lang>``, and in a language whose catalogue
exists no English message leaks onto a page. Labels are looked up through the catalogue, as
a reader of that language sees them. The same pages are checked at a phone's width."""

from __future__ import annotations

import re

import pytest
from babel.messages.pofile import read_po
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import expect
from tests.e2e.conftest import PASSWORD, SCREENSHOTS

from relocard.core import i18n

pytestmark = pytest.mark.django_db(transaction=True)

SHORT = [
    ("passport", {"passport-nationality": "RU"}),
    ("diploma", {"diploma-isced_level": "5"}),
    (
        "language_certificate",
        {"language_certificate-language": "ru", "language_certificate-cefr": "C2"},
    ),
    ("liquid_assets", {"liquid_assets-amount_eur": "30000"}),
]


def _t(lang: str, message: str) -> str:
    with translation.override(lang):
        return gettext(message)


def _english_leaks(text: str, lang: str) -> list[str]:
    """English messages of the catalogue (translated there, long enough to be unambiguous,
    without placeholders) that appear as they are in ``text``."""
    with open(i18n.LOCALE_DIR / lang / "LC_MESSAGES" / "django.po", "rb") as fh:
        catalogue = read_po(fh)
    leaks = []
    for m in catalogue:
        if not m.id or not isinstance(m.id, str) or len(m.id) < 16 or m.string == m.id:
            continue
        if re.search(r"%\(|\{\w+\}|<", m.id):
            continue
        if m.id in text:
            leaks.append(m.id)
    return leaks


@pytest.mark.parametrize("lang", ["ru", "fr", "de"])
def test_apply_in_the_readers_language(journey, make_case, lang):
    page = journey.page
    app = make_case("draft", evidence=SHORT)
    user = app.applicant.user
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])

    # The switcher, before signing in: the sign-in page in the chosen language.
    page.goto("/accounts/login/")
    page.locator("#language-select").select_option(lang)
    page.locator("form.language-switch button").click()
    expect(page.locator("html")).to_have_attribute("lang", lang)
    page.get_by_label(_t(lang, "E-mail address")).fill(user.email)
    page.get_by_label(_t(lang, "Password")).fill(PASSWORD)
    page.locator("main").get_by_role("button", name=_t(lang, "Sign in")).click()
    page.wait_for_load_state()
    expect(page.locator("html")).to_have_attribute("lang", lang)

    pages = {}
    page.goto(f"/apply/{app.reference}/")
    page.get_by_role("link", name=_t(lang, "Check and submit")).click()
    expect(page.locator("html")).to_have_attribute("lang", lang)
    heading = page.get_by_role("heading", name=_t(lang, "What we will check"))
    expect(heading).to_be_visible()
    section = page.locator("section.what-we-check")
    expect(section).to_contain_text(_t(lang, "Higher education"))
    if lang == "ru":
        expect(section).to_contain_text("МСКО 5")
    journey.check(f"{lang}-check-answers")
    pages["check-answers"] = page.locator("main").inner_text()

    page.set_viewport_size({"width": 390, "height": 844})
    # "What we will check" fits a phone, and the document checklist above it stacks its rows:
    # each cell under the one before, labelled in the reader's language (the page check above
    # ran axe-core and measured the page at 390 px too).
    page.screenshot(path=str(SCREENSHOTS / f"{journey.name}-{lang}-phone.png"), full_page=True)
    box = section.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 390
    assert section.evaluate("e => e.scrollWidth <= e.clientWidth")
    cells = page.locator("table.checklist tbody tr").first.locator("td")
    first, second = cells.nth(0).bounding_box(), cells.nth(1).bounding_box()
    assert first is not None and second is not None
    assert second["y"] >= first["y"] + first["height"] - 1, (first, second)
    assert cells.nth(0).get_attribute("data-label") == _t(lang, "Criterion")
    page.set_viewport_size({"width": 1100, "height": 900})

    page.get_by_label(
        _t(lang, "I confirm that the information and documents I gave are true and complete.")
    ).check()
    page.get_by_role("button", name=_t(lang, "Submit application")).click()
    expect(page.get_by_role("heading", name=_t(lang, "Application submitted"))).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", lang)
    journey.check(f"{lang}-receipt")
    pages["receipt"] = page.locator("main").inner_text()

    # The choice made before signing in reached the account: e-mails follow it.
    user.refresh_from_db()
    assert user.preferred_language == lang

    if not i18n.has_catalogue(lang):
        pytest.skip(f"no {lang} catalogue yet: the English-leak check runs once it is merged")
    for name, text in pages.items():
        assert _english_leaks(text, lang) == [], f"English on the {lang} {name} page"
