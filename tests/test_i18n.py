"""The Russian catalogue is complete, well-formed and compiled (the .mo is committed)."""

from __future__ import annotations

import gettext
import pathlib
import re

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
