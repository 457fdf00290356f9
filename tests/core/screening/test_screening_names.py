"""Russian names across scripts and spellings: canonical tokens, roles, token similarity."""

from __future__ import annotations

import iuliia
import pytest
from hypothesis import given
from hypothesis import strategies as st

from relocard.core.screening import TOKEN_THRESHOLD, Role, Script, analyse_name, canonical_token
from relocard.core.screening.names import token_similarity
from relocard.core.translit import icao_transliterate

SAME_NAME = [
    "IULIIA Yuliya Yulia Julija Юлия",
    "GRIGORII Grigoriy Grigory Grigorij Григорий",
    "NATALIA Natalya Natal'ya Natalja Наталья",
    "SHCHUKIN Schukin Ščukin Щукин",
    "KHRUSHCHEV Khrushchyov Hruščёv Хрущёв",
    "EVGENII Yevgeny Evgeniy Jewgeni Евгений",
    "SERGEEVICH Sergeyevich Sergejevič Сергеевич",
    "ILICH Ilyich Il'ich Ильич",
    "FEDOR Fyodor Fiodor Фёдор",
    "ELKINA Yolkina Yёlkina Ёлкина",
    "KSENIIA Kseniya Xenia Ksenia Ксения",
    "EKATERINA Yekaterina Jekaterina Екатерина",
    "DMITRII Dmitry Dmitriy Дмитрий",
    "NIKOLAI Nikolay Nikolaj Nicolai Николай",
    "ALEKSEEV Alexeyev Alekseyev Алексеев",
    "ZHUKOVA Žukova Жукова",
    "TSOI Tsoy Цой",
    "VLADIMIROVICH Wladimirowitsch Vladimirovič Владимирович",
    "SMIRNOV Smirnoff Смирнов",
    "IVANOV Iwanow Иванов",
    "MIKHAIL Mihail Михаил",
    "VIKTOR Victor Виктор",
    "MAKSIM Maxim Максим",
    "ALENA Alyona Алёна",
    "ARTEM Artyom Артём",
    "SEMEN Semyon Семён",
    "IVAN Іван Ivan",
]


@pytest.mark.parametrize("spellings", SAME_NAME, ids=[g.split()[0] for g in SAME_NAME])
def test_spellings_of_one_name_share_one_token(spellings):
    assert len({canonical_token(word) for word in spellings.split()}) == 1


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Юлия", "Юлиана"),
        ("Елена", "Алёна"),
        ("Жукова", "Жуков"),
        ("Александр", "Александра"),
        ("Жуковский", "Жуковская"),
        ("Евгений", "Евгения"),
        ("Щербаков", "Щербатов"),
        ("Иван", "Иванов"),
        ("Ольга", "Олег"),
    ],
)
def test_different_names_stay_apart(one, other):
    assert token_similarity(canonical_token(one), canonical_token(other)) < TOKEN_THRESHOLD


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Alexander", "Aleksandr"),
        ("Peter", "Petr"),
        ("Ludmila", "Liudmila"),
        ("Gregory", "Grigorii"),
    ],
)
def test_spellings_that_differ_in_vowels_stay_close(one, other):
    similarity = token_similarity(canonical_token(one), canonical_token(other))
    assert TOKEN_THRESHOLD <= similarity < 1


def test_similarity_is_symmetric_and_one_for_equal_tokens():
    assert token_similarity("Zukova", "Zukova") == 1.0
    assert token_similarity("Zukov", "Zukova") == token_similarity("Zukova", "Zukov") == 0.0
    assert token_similarity("aleksander", "aleksandr") == token_similarity(
        "aleksandr", "aleksander"
    )


def test_words_without_a_latin_reading_are_left_out():
    assert canonical_token("王") == ""
    form = analyse_name("Юлия 王 Жукова 1980")
    assert form.words == ("Юлия", "Жукова") and form.tokens == ("iulia", "Zukova")


@pytest.mark.parametrize(
    ("name", "roles"),
    [
        ("Юлия Владимировна Жукова", "core middle core"),
        ("ZHUKOVA Iuliia Vladimirovna", "core core middle"),
        ("Roman Arkadyevich ABRAMOVICH", "core middle core"),
        ("ABRAMOVICH Roman Arkadyevich", "core core middle"),
        ("Roman Abramovich", "core core"),
        ("I. V. Zhukova", "initial initial core"),
        ("Evgenii Ilich Shoigu", "core middle core"),
        ("Anna Maria Petrova", "core core core"),
        ("Ivanova-Petrova Anna Sergeevna", "core core core middle"),
    ],
)
def test_roles(name, roles):
    assert " ".join(r.value for r in analyse_name(name).roles) == roles


def test_an_explicit_middle_name_is_the_middle_name():
    form = analyse_name("Tomas Gabriel Ferreira", middle_name="Gabriel")
    assert form.roles == (Role.CORE, Role.MIDDLE, Role.CORE)


def test_scripts():
    assert analyse_name("Юлия Жукова").script is Script.CYRILLIC
    assert analyse_name("IULIIA ZHUKOVA").script is Script.LATIN
    assert analyse_name("Юлия ZHUKOVA").script is Script.MIXED


_SYLLABLES = [c + v for c in "бвгджзклмнпрстфхцчшщ" for v in "аеёиоуыэюя"] + list("йь")


@given(st.lists(st.sampled_from(_SYLLABLES), min_size=2, max_size=5).map("".join))
def test_a_cyrillic_word_and_its_passport_transliteration_are_one_token(word):
    assert canonical_token(word) == canonical_token(icao_transliterate(word))


@given(st.lists(st.sampled_from(_SYLLABLES), min_size=2, max_size=5).map("".join))
def test_passport_schemes_of_one_word_stay_above_the_token_threshold(word):
    """Words spelled in the passports' three schemes (ICAO since 2014, MVD 310 and MVD 782
    before) by an independent library always count as the same name part."""
    tokens = {
        canonical_token(schema.translate(word))
        for schema in (iuliia.ICAO_DOC_9303, iuliia.MVD_310, iuliia.MVD_782)
    }
    for one in tokens:
        for other in tokens:
            assert token_similarity(one, other) >= TOKEN_THRESHOLD, (word, tokens)
