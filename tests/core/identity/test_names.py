"""The ICAO 9303 Part 3 Cyrillic table and names in the zone's letters."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from relocard.core.identity import mrz_name, mrz_name_field, split_name_field
from relocard.core.translit import CYRILLIC_TO_LATIN, icao_transliterate

#: Doc 9303 Part 3 (7th edition), section 6, "Transliteration of Cyrillic characters", typed
#: row by row from the table: the Russian alphabet, then the other letters it lists.
ICAO_PART3_CYRILLIC = """
А A  Б B  В V  Г G  Д D  Е E  Ё E  Ж ZH  З Z  И I  І I  Й I  К K  Л L  М M  Н N  О O  П P
Р R  С S  Т T  У U  Ф F  Х KH  Ц TS  Ч CH  Ш SH  Щ SHCH  Ы Y  Ъ IE  Э E  Ю IU  Я IA
Ѵ Y  Ґ G  Ў U  Ѫ U  Ѓ G  Ђ D  Ѕ DZ  Ј J  Ќ K  Љ LJ  Њ NJ  Һ C  Џ DZ  Є IE  Ї I
"""


def _table() -> dict[str, str]:
    words = ICAO_PART3_CYRILLIC.split()
    table = dict(zip(words[0::2], words[1::2], strict=True))
    table["Ь"] = ""  # the soft sign is not written
    return table


def test_the_table_is_icao_part_3() -> None:
    assert dict(CYRILLIC_TO_LATIN) == _table()


def test_every_russian_letter_is_in_the_table() -> None:
    russian = "АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ"
    assert len(russian) == 33 and all(letter in CYRILLIC_TO_LATIN for letter in russian)


@pytest.mark.parametrize(
    ("cyrillic", "latin"),
    [
        ("Юлия Щукина", "IULIIA SHCHUKINA"),
        ("Пётр Ильич", "PETR ILICH"),
        ("Подъячев", "PODIEIACHEV"),
        ("Хабибуллин", "KHABIBULLIN"),
        ("Цветаева", "TSVETAEVA"),
        ("Эйдельман", "EIDELMAN"),
        ("Наталья", "NATALIA"),
        ("Артём", "ARTEM"),
        ("Ксения", "KSENIIA"),
        ("Соловьёв-Седой", "SOLOVEV-SEDOI"),
        ("Жанна", "ZHANNA"),
        ("юлия", "IULIIA"),
    ],
)
def test_russian_names_as_in_passports(cyrillic: str, latin: str) -> None:
    assert icao_transliterate(cyrillic) == latin


@given(st.text(alphabet="абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ -"))
def test_transliterated_russian_is_plain_latin(text: str) -> None:
    out = icao_transliterate(text)
    assert all(ch in "ABCDEFGHIJKLMNOPQRSTUVWXYZ -" for ch in out)


@pytest.mark.parametrize(
    ("typed", "zone", "short"),
    [
        ("Анна-Мария", "ANNA<MARIIA", "ANNA<MARIIA"),
        ("O'Brien", "OBRIEN", "OBRIEN"),
        ("D’Artagnan", "DARTAGNAN", "DARTAGNAN"),
        ("Jürgen", "JUERGEN", "JURGEN"),
        ("Åsa Öberg", "AASA<OEBERG", "ASA<OBERG"),
        ("Straße", "STRASSE", "STRASSE"),
        ("Łukasz", "LUKASZ", "LUKASZ"),
        ("Søren", "SOEREN", "SOEREN"),
        ("Éloïse", "ELOISE", "ELOISE"),
        ("  van  der  Berg ", "VAN<DER<BERG", "VAN<DER<BERG"),
        ("Smith, Jr.", "SMITH<JR", "SMITH<JR"),
        ("", "", ""),
        ("---", "", ""),
    ],
)
def test_mrz_name(typed: str, zone: str, short: str) -> None:
    assert mrz_name(typed) == zone
    assert mrz_name(typed, short_umlauts=True) == short


@given(st.text(max_size=40))
def test_mrz_name_gives_only_zone_characters(text: str) -> None:
    out = mrz_name(text)
    assert all(ch in "ABCDEFGHIJKLMNOPQRSTUVWXYZ<" for ch in out)
    assert "<<" not in out and not out.startswith("<") and not out.endswith("<")


def test_name_field_and_its_split() -> None:
    field = mrz_name_field("Eriksson", "Anna Maria")
    assert field == "ERIKSSON<<ANNA<MARIA" + "<" * 19
    assert split_name_field(field) == ("ERIKSSON", "ANNA<MARIA")
    assert mrz_name_field("Иванов", "") == "IVANOV" + "<" * 33
    assert split_name_field(mrz_name_field("Иванов", "")) == ("IVANOV", "")
