"""The Russian catalogue is complete, well-formed and compiled (the .mo is committed)."""

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

LOCALE = (
    pathlib.Path(__file__).resolve().parents[1]
    / "src"
    / "relocard"
    / "locale"
    / "ru"
    / "LC_MESSAGES"
)


def _catalog():
    with open(LOCALE / "django.po", "rb") as fh:
        return read_po(fh)


def test_every_message_is_translated_and_none_is_fuzzy():
    catalog = _catalog()
    untranslated = [
        m.id
        for m in catalog
        if m.id and not (m.string if isinstance(m.string, str) else all(m.string))
    ]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert untranslated == [] and fuzzy == []


def test_placeholders_survive_translation():
    pattern = re.compile(r"%\(\w+\)[sd]")
    bad = []
    for m in _catalog():
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


def test_compiled_catalogue_matches_the_source():
    with open(LOCALE / "django.mo", "rb") as fh:
        compiled = gettext.GNUTranslations(fh)
    for m in _catalog():
        if not m.id or isinstance(m.id, tuple):
            continue
        key = f"{m.context}\x04{m.id}" if m.context else m.id
        assert compiled._catalog.get(key) == m.string, (
            f"django.mo is stale for {m.id!r}: run compilemessages"
        )


def test_every_marked_string_in_the_source_is_in_the_catalogue(tmp_path):
    """Extract the messages as a translator would (Django's makemessages, on a copy of the
    package) and merge them into the catalogue: a string marked for translation in code or a
    template but missing from django.po, or only fuzzily matched, fails here instead of
    reaching Russian readers in English."""
    if shutil.which("xgettext") is None or shutil.which("msgmerge") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("GNU gettext (xgettext, msgmerge) is needed; .ci/run installs it")
        pytest.skip("GNU gettext (Debian package gettext) is not installed")
    package = LOCALE.parents[2]
    copy = tmp_path / "relocard"
    shutil.copytree(package, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "relocard.settings.base"}
    env.setdefault("RELOCARD_VAR_DIR", str(tmp_path / "var"))
    subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "-l", "ru", "--no-location"],
        cwd=copy,
        env=env,
        check=True,
        capture_output=True,
    )
    with open(copy / "locale" / "ru" / "LC_MESSAGES" / "django.po", "rb") as fh:
        merged = read_po(fh)
    missing = [
        m.id
        for m in merged
        if m.id and (m.fuzzy or not (m.string if isinstance(m.string, str) else all(m.string)))
    ]
    assert missing == [], "add these to django.po and compile it"
