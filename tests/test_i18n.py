"""Every interface language's catalogue is complete, well-formed and compiled (the .mo files
are committed), for each language in ``settings.LANGUAGES`` but English, the language the
messages are written in. A language in LANGUAGES without a catalogue fails here."""

from __future__ import annotations

import gettext
import os
import pathlib
import re
import shutil
import subprocess
import sys

import pytest
from babel.messages.pofile import read_po
from django.conf import settings

LOCALES = pathlib.Path(__file__).resolve().parents[1] / "src" / "relocard" / "locale"
#: The languages translated from English (the source language has no catalogue).
TRANSLATED = [code for code, _name in settings.LANGUAGES if code != "en"]

pytestmark = pytest.mark.parametrize("lang", TRANSLATED)


def _dir(lang: str) -> pathlib.Path:
    return LOCALES / lang / "LC_MESSAGES"


def _catalog(lang: str):
    path = _dir(lang) / "django.po"
    if not path.is_file():
        pytest.fail(f"{lang} is in settings.LANGUAGES but has no catalogue {path.name}")
    with open(path, "rb") as fh:
        return read_po(fh)


def test_every_message_is_translated_and_none_is_fuzzy(lang):
    catalog = _catalog(lang)
    untranslated = [
        m.id
        for m in catalog
        if m.id and not (m.string if isinstance(m.string, str) else all(m.string))
    ]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert untranslated == [] and fuzzy == []


#: ``%(name)s`` (Django's) and ``{name}`` (the core's messages, ``str.format``).
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w+(?:![rsa])?\}")


def test_placeholders_survive_translation(lang):
    pattern = PLACEHOLDER
    bad = []
    for m in _catalog(lang):
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        wanted = set().union(*(pattern.findall(i) for i in ids))
        for translated in strings:
            found = set(pattern.findall(translated))
            # Plural forms may leave out the count; otherwise every placeholder must survive.
            if found - wanted or (len(ids) == 1 and found != wanted):
                bad.append(m.id)
    assert bad == []


def test_compiled_catalogue_matches_the_source(lang):
    catalog = _catalog(lang)
    with open(_dir(lang) / "django.mo", "rb") as fh:
        compiled = gettext.GNUTranslations(fh)
    for m in catalog:
        if not m.id or isinstance(m.id, tuple):
            continue
        key = f"{m.context}\x04{m.id}" if m.context else m.id
        assert compiled._catalog.get(key) == m.string, (
            f"django.mo is stale for {m.id!r}: run compilemessages"
        )


def test_every_marked_string_in_the_source_is_in_the_catalogue(lang, tmp_path):
    """Extract the messages as a translator would (Django's makemessages, on a copy of the
    package) and merge them into the catalogue: a string marked for translation in code or a
    template but missing from django.po, or only fuzzily matched, fails here instead of
    reaching its readers in English."""
    if shutil.which("xgettext") is None or shutil.which("msgmerge") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("GNU gettext (xgettext, msgmerge) is needed; .ci/run installs it")
        pytest.skip("GNU gettext (Debian package gettext) is not installed")
    _catalog(lang)
    package = LOCALES.parent
    copy = tmp_path / "relocard"
    shutil.copytree(package, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "relocard.settings.base"}
    env.setdefault("RELOCARD_VAR_DIR", str(tmp_path / "var"))
    subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "-l", lang, "--no-location"],
        cwd=copy,
        env=env,
        check=True,
        capture_output=True,
    )
    with open(copy / "locale" / lang / "LC_MESSAGES" / "django.po", "rb") as fh:
        merged = read_po(fh)
    missing = [
        m.id
        for m in merged
        if m.id and (m.fuzzy or not (m.string if isinstance(m.string, str) else all(m.string)))
    ]
    assert missing == [], "add these to django.po and compile it"
