"""A language is added completely or the suite fails (docs/languages.md, "Adding a language").

For each language in ``settings.LANGUAGES``: a format module, a native name for the switcher,
Babel's locale data, a compiled catalogue (English, the source language, needs none) and the
rule texts translated in it. Each launch member state's official language is an interface
language, so its staff read the console in it."""

from __future__ import annotations

import importlib
from datetime import date

import pytest
from babel import Locale, UnknownLocaleError
from django.conf import settings
from django.conf.locale import LANG_INFO
from django.utils import formats, translation

from relocard.common.languages import available, member_state_language
from relocard.core import i18n
from relocard.core.eu import OFFICIAL_LANGUAGE
from relocard.core.rules import CRITERIA

CODES = [code for code, _name in settings.LANGUAGES]
LAUNCH_STATES = ("FR", "DE", "PL", "CY")


@pytest.mark.parametrize("lang", CODES)
def test_every_language_has_a_format_module(lang):
    module = importlib.import_module(f"relocard.formats.{lang}.formats")
    assert module.DATE_FORMAT, f"relocard/formats/{lang}/formats.py lacks DATE_FORMAT"
    with translation.override(lang):
        assert formats.get_format("DATE_FORMAT") == module.DATE_FORMAT
        # What the module leaves out comes from Django's own formats for the language.
        for name in ("SHORT_DATE_FORMAT", "DATETIME_FORMAT", "DATE_INPUT_FORMATS"):
            assert formats.get_format(name), f"no {name} for {lang}"
        assert (
            formats.date_format(date(2026, 1, 31))
            != formats.date_format(date(2026, 1, 31), use_l10n=False)
            or lang == "en"
        )


@pytest.mark.parametrize("lang", CODES)
def test_every_language_has_a_native_name_and_babel_data(lang):
    info = LANG_INFO.get(lang)
    assert info and info["name_local"], f"Django knows no native name for {lang}"
    try:
        locale = Locale.parse(lang)
    except UnknownLocaleError:  # pragma: no cover - the failure this test exists for
        pytest.fail(f"Babel has no locale data for {lang}")
    assert locale.territories["FR"] and locale.languages[lang]
    assert i18n.day(date(2026, 1, 31), lang)


@pytest.mark.parametrize("lang", [c for c in CODES if c != "en"])
def test_every_language_has_a_compiled_catalogue_with_the_rule_texts(lang):
    assert i18n.has_catalogue(lang), (
        f"{lang} is in settings.LANGUAGES but src/relocard/locale/{lang}/LC_MESSAGES/django.mo "
        "is missing: create and compile its catalogue (docs/languages.md)"
    )
    untranslated = [c.id for c in CRITERIA.values() if c.title.render(lang) == c.title.render("en")]
    assert untranslated == [], f"criterion titles not translated into {lang}"


def test_the_switcher_offers_every_language_in_its_own_name(client):
    html = client.get("/privacy/").content.decode()
    for lang in CODES:
        native = LANG_INFO[lang]["name_local"]
        assert f'value="{lang}" lang="{lang}"' in html
        assert native[0].upper() + native[1:] in html
    assert "Ελληνικά" in html and "Français" in html and "Polski" in html


def test_the_launch_states_staff_read_their_official_language():
    assert set(available()) == set(CODES)
    for state in LAUNCH_STATES:
        assert OFFICIAL_LANGUAGE[state] in CODES, f"{state}'s language is not offered"
        assert member_state_language(state) == OFFICIAL_LANGUAGE[state]
    assert {member_state_language(s) for s in LAUNCH_STATES} == {"fr", "de", "pl", "el"}


def test_policy_texts_read_in_their_language_or_in_english():
    """Policy texts are data, not catalogue entries: a language the file gives is read in it,
    any other in English (docs/languages.md)."""
    from relocard.core.privacy import privacy_notice
    from relocard.core.rules.policy import parse_policy_file

    controller = privacy_notice("FR").controller
    assert controller.in_language("fr").startswith("Ministère de l'Intérieur")
    assert controller.in_language("ru").startswith("Министерство")
    assert controller.in_language("de") == controller.en
    text = (i18n.LOCALE_DIR.parent / "policies" / "fr.yaml").read_text("utf-8")
    source = parse_policy_file(text, "fr.yaml").sources["fr-ceseda"]
    assert source.title_in("fr").startswith("Code de l'entrée")
    assert source.title_in("pl") == source.title
