"""Screening against the sample list: names across scripts and orders, dates of birth, scores,
reasons; the bulk run, the single check and the exhaustive loop give the same hits."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from screening_strategies import SAMPLE

from relocard.core.i18n import Msg
from relocard.core.screening import (
    MAX_NAME_LENGTH,
    MAX_NAMES,
    RAISE_THRESHOLD,
    BirthAgreement,
    BirthDate,
    Entity,
    NameAlias,
    Query,
    QueryError,
    ScreeningIndex,
    SubjectType,
    parse_list,
    parse_query,
)


@pytest.fixture(scope="module")
def index():
    return ScreeningIndex(parse_list(SAMPLE.read_bytes()).entities)


def ids(hits):
    return [h.list_id for h in hits]


def screen(index, *names, born=None):
    return index.screen(Query(names=names, birth_date=born))


def test_the_documented_query(index):
    query = parse_query({"names": ["IULIIA ZHUKOVA", "Юлия Жукова"], "birth_date": "1980-09-30"})
    (hit,) = index.screen(query)
    assert hit.to_dict() == {
        "list_id": "900101",
        "reference": "EU.9001.01",
        "name": "Yuliya Vladimirovna ZHUKOVA",
        "score": 1.0,
        "reasons": [
            "IULIIA ZHUKOVA ~ listed name Yuliya Vladimirovna ZHUKOVA (name score 1.00)",
            "name parts agree: IULIIA ~ Yuliya (1.00), ZHUKOVA ~ ZHUKOVA (1.00)",
            "the listed name also has the middle name Vladimirovna",
            "date of birth 1980-09-30 is the listed date of birth",
        ],
    }
    assert hit.birth is BirthAgreement.SAME_DATE
    assert [r.code for r in hit.reasons] == [
        "name",
        "parts",
        "middle_only_listed",
        "birth_date_same",
    ]


@pytest.mark.parametrize(
    "name",
    [
        "IULIIA ZHUKOVA",
        "Юлия Жукова",
        "ЖУКОВА Юлия Владимировна",
        "Zhukova Yulia",
        "YULIYA VLADIMIROVNA ZHUKOVA",
        "Julija Žukova",
        "Iuliia Vladimirovna Zhukova",
        "zhukova, iuliia",
    ],
)
def test_one_person_in_every_script_order_and_spelling(index, name):
    (hit,) = screen(index, name, born=date(1980, 9, 30))
    assert hit.list_id == "900101" and hit.score >= 0.95


def test_a_latin_query_can_match_the_cyrillic_alias_best(index):
    (hit,) = screen(index, "ALEKSANDR PETROV", born=date(1959, 3, 14))
    assert hit.name == "Александр Иванович ПЕТРОВ" and hit.score == 1.0
    assert "script" in [r.code for r in hit.reasons]


def test_english_forms_are_close_but_not_equal():
    listed = Entity(
        logical_id="1",
        reference=None,
        subject_type=SubjectType.PERSON,
        aliases=(NameAlias(whole_name="Aleksandr Ivanovich PETROV"),),
        birth_dates=(BirthDate(full=date(1959, 3, 14)),),
    )
    query = Query(names=("Alexander Petrov",), birth_date=date(1959, 3, 14))
    (hit,) = ScreeningIndex([listed]).screen(query)
    assert RAISE_THRESHOLD <= hit.score < 1
    assert "Alexander ~ Aleksandr (0.95)" in hit.to_dict()["reasons"][1]


def test_surname_first_is_reported(index):
    (hit,) = screen(index, "SHCHUKIN GRIGORII", born=date(1965, 5, 5))
    assert hit.list_id == "900102"
    assert "order" in [r.code for r in hit.reasons]


def test_different_patronymics_exclude(index):
    assert screen(index, "Yuliya Petrovna Zhukova", born=date(1980, 9, 30)) == ()
    assert screen(index, "Sergei Ivanovich Ivanov", born=date(1962, 1, 1)) == ()
    (hit,) = screen(index, "Sergei Petrovich Ivanov", born=date(1962, 1, 1))
    assert hit.list_id == "900107"


def test_a_patronymic_known_from_one_name_counts_for_the_others(index):
    """The passport name has no patronymic; the Cyrillic name of the same person has one."""
    other = Query(names=("IULIIA ZHUKOVA", "Жукова Юлия Петровна"), birth_date=date(1980, 9, 30))
    assert index.screen(other) == ()
    same = Query(names=("IULIIA ZHUKOVA", "Жукова Юлия Владимировна"), birth_date=date(1980, 9, 30))
    (hit,) = index.screen(same)
    assert hit.list_id == "900101" and hit.score == 1.0
    assert "Владимировна ~" in hit.to_dict()["reasons"][1]


def test_a_listed_patronymic_counts_for_the_short_aliases():
    """The list's short alias has no patronymic; the full alias of the same entity has one."""
    listed = Entity(
        logical_id="1",
        reference=None,
        subject_type=SubjectType.PERSON,
        aliases=(
            NameAlias(whole_name="Vera El'darovna KUZ'MINA"),
            NameAlias(whole_name="Vera Kuzmina"),
        ),
    )
    index = ScreeningIndex([listed])
    assert index.screen(Query(names=("VERA KUZMINA", "Кузьмина Вера Васильевна"))) == ()
    assert ids(index.screen(Query(names=("VERA KUZMINA",)))) == ["1"]
    assert ids(index.screen(Query(names=("VERA KUZMINA", "Кузьмина Вера Эльдаровна")))) == ["1"]


def test_same_surname_other_given_name_is_not_a_hit(index):
    assert screen(index, "Olga Zhukova", born=date(1980, 9, 30)) == ()
    assert screen(index, "Iuliana Zhukova", born=date(1980, 9, 30)) == ()


def test_the_other_sex_is_not_a_hit(index):
    assert screen(index, "Aleksandra Petrova", born=date(1959, 3, 14)) == ()
    assert screen(index, "Iulii Zhukov", born=date(1980, 9, 30)) == ()


class TestBirthDates:
    def test_a_full_date_that_contradicts_excludes(self, index):
        assert screen(index, "IULIIA ZHUKOVA", born=date(1980, 9, 29)) == ()
        assert screen(index, "ALEKSANDR PETROV", born=date(1985, 3, 14)) == ()

    def test_a_listed_year_must_agree(self, index):
        (hit,) = screen(index, "GRIGORII SHCHUKIN", born=date(1965, 12, 31))
        assert hit.birth is BirthAgreement.SAME_YEAR and hit.score == 0.95
        assert hit.reasons[-1].text == (
            "year of birth 1965 agrees with the listed 1965 (no day listed)"
        )
        assert screen(index, "GRIGORII SHCHUKIN", born=date(1966, 1, 1)) == ()

    def test_an_approximate_listed_date_reads_circa_in_the_readers_language(self):
        entity = Entity(
            logical_id="1",
            reference=None,
            subject_type=SubjectType.PERSON,
            aliases=(NameAlias(whole_name="IVAN CIRCOV", first_name="IVAN", last_name="CIRCOV"),),
            birth_dates=(BirthDate(year=1970, circa=True), BirthDate(year=1990)),
        )
        index = ScreeningIndex([entity])
        (hit,) = index.screen(Query(names=("Ivan Circov",), birth_date=date(1971, 3, 2)))
        reason = hit.reasons[-1]
        assert reason.text == "year of birth 1971 is within a year of the listed circa 1970"
        russian = reason.message.render("ru")
        assert russian == (
            "год рождения 1971 отличается от указанного в списке около 1970 не более чем на год"
        )
        assert "circa" not in russian
        # Stored as a message, it reads the same after a round trip through JSON.
        assert Msg.from_json(reason.message.to_json()).render("ru") == russian
        assert BirthDate(year=1952, month=10, circa=True).message().render("ru") == "около 1952-10"
        assert BirthDate(year=1952).describe() == "1952"

    def test_reasons_read_in_the_readers_language(self, index):
        (hit,) = screen(index, "Юлия Жукова", born=date(1980, 9, 30))
        english = [r.message.render("en") for r in hit.reasons]
        assert english == [r.text for r in hit.reasons]
        assert "date of birth 1980-09-30 is the listed date of birth" in english
        assert "matched across scripts: Cyrillic-script query, Latin-script listed name" in english
        russian = [r.message.render("ru") for r in hit.reasons]
        assert "дата рождения 30 сентября 1980\u00a0г. совпадает с указанной в списке" in russian
        assert "совпадение в разных алфавитах: запрос кириллицей, имя в списке латиницей" in russian
        assert not any("listed" in text or "query" in text for text in russian)
        # A stored message reads the same after a round trip through JSON.
        stored = [Msg.from_json(r.message.to_json()) for r in hit.reasons]
        assert [m.render("ru") for m in stored] == russian

    def test_circa_widens_the_year_by_one(self, index):
        assert ids(screen(index, "Natalia Smirnova", born=date(1970, 1, 1))) == ["900103"]
        assert ids(screen(index, "Natalia Smirnova", born=date(1972, 12, 31))) == ["900103"]
        assert screen(index, "Natalia Smirnova", born=date(1973, 1, 1)) == ()

    def test_a_year_range(self, index):
        assert ids(screen(index, "Sergey Ivanov", born=date(1960, 1, 1))) == ["900107"]
        assert screen(index, "Sergey Ivanov", born=date(1959, 12, 31)) == ()

    def test_any_listed_date_may_agree(self, index):
        assert ids(screen(index, "Olga Volkova", born=date(1975, 4, 20))) == ["900108"]
        assert ids(screen(index, "Olga Volkova", born=date(1976, 11, 2))) == ["900108"]
        assert screen(index, "Olga Volkova", born=date(1975, 5, 20)) == ()

    def test_no_listed_date_lets_the_name_decide(self, index):
        (hit,) = screen(index, "Dmitriy Kozlov", born=date(2001, 1, 1))
        assert hit.birth is BirthAgreement.NO_DATE and hit.score == 0.9
        assert hit.reference is None
        assert hit.reasons[-1].code == "birth_unlisted"

    def test_no_queried_date_lets_the_name_decide(self, index):
        (hit,) = screen(index, "IULIIA ZHUKOVA")
        assert hit.birth is None and hit.score == 0.9
        assert hit.reasons[-1].code == "birth_not_given"


def test_an_enterprise_never_matches_a_person(index):
    # 900106 is an enterprise named exactly "YULIYA ZHUKOVA" / "Юлия Жукова"; the person with
    # that name (900101) is ruled out by the date of birth, so nothing may be left.
    assert screen(index, "YULIYA ZHUKOVA", "Юлия Жукова", born=date(1990, 1, 1)) == ()
    only_enterprise = [e for e in parse_list(SAMPLE.read_bytes()).entities if not e.is_person]
    assert ScreeningIndex(only_enterprise).screen(Query(names=("YULIYA ZHUKOVA",))) == ()


def test_a_weak_alias_is_said_to_be_weak(index):
    (hit,) = screen(index, "Dima Kozel", born=date(1977, 1, 1))
    assert hit.list_id == "900105"
    assert "the list marks this name as a weak alias" in hit.to_dict()["reasons"]


def test_a_double_surname_with_a_confirmed_date_is_raised(index):
    (hit,) = screen(index, "Iuliia Zhukova-Smirnova", born=date(1980, 9, 30))
    assert hit.list_id == "900101" and RAISE_THRESHOLD <= hit.score < 1
    assert hit.to_dict()["reasons"][2] == "the listed name also has the middle name Vladimirovna"
    assert "name parts without a counterpart: Smirnova" in hit.to_dict()["reasons"]
    assert screen(index, "Iuliia Zhukova-Smirnova") == ()  # no date: not enough


def test_hits_are_ordered_best_first_and_below_the_threshold_on_request(index):
    query = Query(names=("Sergey Petrov",), birth_date=date(1962, 1, 1))
    assert index.screen(query) == ()
    everything = index.screen(query, threshold=0)
    assert all(0 <= h.score <= 1 for h in everything)
    assert [h.score for h in everything] == sorted((h.score for h in everything), reverse=True)


def test_an_empty_index_finds_nothing():
    index = ScreeningIndex([])
    assert index.persons == 0 and index.screen(Query(names=("Ivan Ivanov",))) == ()


def test_the_index_keeps_distinct_alias_forms_only(index):
    assert index.persons == 8
    # Spellings that canonicalise alike are one form: 900101's "Yuliya Vladimirovna ZHUKOVA"
    # and "Julija Vladimirovna ŽUKOVA", 900105's "Dmitry Yuryevich" and "Dmitrii Iurevich".
    assert index.aliases == 16


class TestQueries:
    @pytest.mark.parametrize(
        ("raw", "message"),
        [
            ([], 'query: expected an object {"names": [...], "birth_date": ...}'),
            ({"names": ["Ivan Ivanov"], "dob": "1980-01-01"}, "dob: unknown field"),
            ({"birth_date": "1980-01-01"}, "names: missing"),
            ({"names": "Ivan Ivanov"}, "names: expected a list of names"),
            ({"names": []}, "names: give at least one name"),
            ({"names": ["Ivan Ivanov", 7]}, "names[1]: expected a name as text"),
            ({"names": ["Ivanov"]}, "names[0]: 'Ivanov' has fewer than two name parts"),
            ({"names": ["I. Ivanov"]}, "names[0]: 'I. Ivanov' has fewer than two name parts"),
            ({"names": ["  "]}, "names[0]: '  ' has fewer than two name parts"),
            ({"names": ["Ivan Ivanov"] * (MAX_NAMES + 1)}, f"names: at most {MAX_NAMES} names"),
            ({"names": ["Ivan " * MAX_NAME_LENGTH]}, f"longer than {MAX_NAME_LENGTH} characters"),
            (
                {"names": ["Ivan Ivanov"], "birth_date": "30.09.1980"},
                "birth_date: '30.09.1980' is not a date in the form YYYY-MM-DD",
            ),
            (
                {"names": ["Ivan Ivanov"], "birth_date": "1980-02-30"},
                "birth_date: 1980-02-30 is not a date that exists",
            ),
            ({"names": ["Ivan Ivanov"], "birth_date": 1980}, "birth_date: 1980 is not a date"),
        ],
    )
    def test_unusable_queries_name_the_field(self, raw, message):
        with pytest.raises(QueryError) as caught:
            parse_query(raw)
        assert message in str(caught.value)

    def test_a_valid_query(self):
        query = parse_query({"names": ["Ivan Ivanov", "Иван Иванов"], "birth_date": None})
        assert query == Query(names=("Ivan Ivanov", "Иван Иванов"))
        assert parse_query({"names": ["Ivan Ivanov"]}).birth_date is None

    def test_the_constructor_checks_too(self):
        with pytest.raises(QueryError, match="names: expected a list"):
            Query(names="Ivan Ivanov")  # type: ignore[arg-type]
        with pytest.raises(QueryError, match="birth_date: expected a date"):
            Query(names=("Ivan Ivanov",), birth_date="1980-01-01")  # type: ignore[arg-type]


# -- one code path: single, bulk and exhaustive give the same hits -------------------------------

GIVEN = [
    "Юлия",
    "Юлиана",
    "Григорий",
    "Георгий",
    "Наталья",
    "Надежда",
    "Александр",
    "Александра",
    "Дмитрий",
    "Сергей",
    "Ольга",
    "Олег",
    "Иван",
    "Dima",
    "Tomas",
]
PATRONYMIC = [
    "Владимировна",
    "Андреевич",
    "Сергеевна",
    "Иванович",
    "Юрьевич",
    "Петрович",
    "Николаевна",
    "Gabriel",
    "",
]
SURNAME = [
    "Жукова",
    "Жуков",
    "Жуковская",
    "Щукин",
    "Смирнова",
    "Смирнов",
    "Петров",
    "Петрова",
    "Козлов",
    "Kozel",
    "Иванов",
    "Волкова",
    "Ferreira",
    "Жукова-Смирнова",
]
SPELLING = ["as is", "icao", "upper", "surname first"]


@st.composite
def queries(draw):
    from relocard.core.translit import icao_transliterate

    names = []
    for _ in range(draw(st.integers(1, 2))):
        given_name = draw(st.sampled_from(GIVEN))
        middle = draw(st.sampled_from(PATRONYMIC))
        surname = draw(st.sampled_from(SURNAME))
        parts = [given_name, middle, surname] if middle else [given_name, surname]
        spelling = draw(st.sampled_from(SPELLING))
        if spelling == "icao":
            parts = [icao_transliterate(p) for p in parts]
        elif spelling == "upper":
            parts = [p.upper() for p in parts]
        elif spelling == "surname first":
            parts = [parts[-1], *parts[:-1]]
        names.append(" ".join(parts))
    born = draw(
        st.none()
        | st.sampled_from(
            [
                date(1980, 9, 30),
                date(1965, 6, 1),
                date(1971, 1, 1),
                date(1959, 3, 14),
                date(1962, 2, 2),
                date(1975, 4, 4),
                date(1976, 11, 2),
            ]
        )
        | st.dates(min_value=date(1940, 1, 1), max_value=date(2005, 1, 1))
    )
    return Query(names=tuple(names), birth_date=born)


@settings(max_examples=150)
@given(st.lists(queries(), min_size=1, max_size=8), st.sampled_from([RAISE_THRESHOLD, 0.0]))
def test_bulk_single_and_exhaustive_screening_agree(queries_, threshold):
    entities = parse_list(SAMPLE.read_bytes()).entities
    bulk = ScreeningIndex(entities).screen_many(queries_, threshold=threshold)
    fresh = ScreeningIndex(entities)  # a new index: nothing cached from the bulk run
    single = [fresh.screen(q, threshold=threshold) for q in queries_]
    exhaustive = [fresh.screen_exhaustive(q, threshold=threshold) for q in queries_]
    assert bulk == single == exhaustive


def test_the_index_finds_a_match_the_blocking_could_only_find_through_similar_tokens():
    """Blocking on similar (not equal) tokens: both names differ from the listed spelling."""
    listed = Entity(
        logical_id="1",
        reference=None,
        subject_type=SubjectType.PERSON,
        aliases=(NameAlias(whole_name="Aleksandr Petrovich Alexeyev"),),
        birth_dates=(BirthDate(full=date(1970, 1, 1)),),
    )
    index = ScreeningIndex([listed])
    query = Query(names=("Alexander Aleksejev",), birth_date=date(1970, 1, 1))
    assert ids(index.screen(query)) == ["1"] == ids(index.screen_exhaustive(query))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=300)
@given(
    json_values
    | st.fixed_dictionaries(
        {"names": st.lists(st.text(max_size=40), max_size=3)},
        optional={"birth_date": st.none() | st.text(max_size=12) | st.dates().map(str)},
    )
)
def test_any_json_gives_a_query_or_a_query_error(raw):
    try:
        query = parse_query(raw)
    except QueryError as exc:
        assert str(exc).startswith(f"{exc.field}: ")
        return
    assert query.names and all(len(form.core) >= 2 for form in query.forms)
