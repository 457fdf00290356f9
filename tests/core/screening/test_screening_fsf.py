"""The EU list parser: the published shape, all-or-nothing errors, and no XML attacks."""

from __future__ import annotations

import hashlib
import pathlib
import time
from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from screening_strategies import (
    SAMPLE,
    document,
    entity_lists,
    generation_dates,
    person,
)

from relocard.core.screening import (
    BirthAgreement,
    BirthDate,
    ListFormatError,
    SubjectType,
    parse_list,
)
from relocard.core.screening.fsf import write_list


@pytest.fixture(scope="module")
def sample():
    return parse_list(SAMPLE.read_bytes())


def test_header_and_hash(sample):
    assert sample.generation_date == datetime(
        2026, 5, 8, 14, 10, 7, 123000, tzinfo=timezone(timedelta(hours=2))
    )
    assert sample.global_file_id == "184961"
    assert sample.sha256 == hashlib.sha256(SAMPLE.read_bytes()).hexdigest()
    assert len(sample) == 9
    assert [e.logical_id for e in sample.entities][:3] == ["900101", "900102", "900103"]
    assert sum(1 for _ in sample.persons()) == 8


def test_a_person_with_latin_cyrillic_and_czech_aliases(sample):
    zhukova = sample.entities[0]
    assert zhukova.reference == "EU.9001.01"
    assert zhukova.subject_type is SubjectType.PERSON
    assert [a.whole_name for a in zhukova.aliases] == [
        "Yuliya Vladimirovna ZHUKOVA",
        "Юлия Владимировна ЖУКОВА",
        "Julija Vladimirovna ŽUKOVA",
    ]
    latin, cyrillic, czech = zhukova.aliases
    assert (latin.first_name, latin.middle_name, latin.last_name) == (
        "Yuliya",
        "Vladimirovna",
        "ZHUKOVA",
    )
    assert latin.language == "" and cyrillic.language == "RU" and czech.language == "CS"
    assert latin.function == "Deputy head of a regional administration"
    assert latin.gender == "F" and latin.strong and latin.logical_id == "900201"
    assert zhukova.birth_dates == (BirthDate(full=date(1980, 9, 30), city="Tula", country="RU"),)
    assert zhukova.citizenships == ("RU",)
    assert zhukova.designation_date == date(2022, 2, 25)
    (regulation,) = zhukova.regulations
    assert regulation.programme == "UKR"
    assert regulation.number_title == "2022/332 (OJ L53)"
    assert regulation.publication_date == date(2022, 2, 25)
    assert regulation.url.startswith("https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=")
    assert "&toc=" in regulation.url  # the entity &amp; is decoded


def test_every_kind_of_birth_date(sample):
    by_id = {e.logical_id: e for e in sample.entities}
    assert by_id["900102"].birth_dates == (BirthDate(year=1965, country="00"),)
    assert by_id["900103"].birth_dates == (BirthDate(year=1971, circa=True, country="RU"),)
    assert not by_id["900105"].birth_dates[0].is_dated  # a place of birth only
    assert by_id["900105"].birth_dates[0].city == "Moscow"
    assert by_id["900107"].birth_dates == (BirthDate(year_from=1960, year_to=1964, country="RU"),)
    assert by_id["900108"].birth_dates == (
        BirthDate(year=1975, month=4, country="RU"),
        BirthDate(full=date(1976, 11, 2), country="RU"),
    )


def test_entries_without_reference_enterprises_and_weak_aliases(sample):
    by_id = {e.logical_id: e for e in sample.entities}
    assert by_id["900105"].reference is None
    assert [a.strong for a in by_id["900105"].aliases] == [True, True, True, False]
    assert by_id["900106"].subject_type is SubjectType.ENTERPRISE
    assert not by_id["900106"].is_person
    assert by_id["900109"].aliases[0].middle_name == "Gabriel"


@pytest.mark.parametrize(
    ("listed", "born", "expected"),
    [
        (BirthDate(full=date(1980, 9, 30)), date(1980, 9, 30), BirthAgreement.SAME_DATE),
        (BirthDate(full=date(1980, 9, 30)), date(1980, 9, 29), BirthAgreement.CONTRADICTS),
        (BirthDate(full=date(1980, 9, 30)), date(1981, 9, 30), BirthAgreement.CONTRADICTS),
        (BirthDate(year=1980), date(1980, 1, 1), BirthAgreement.SAME_YEAR),
        (BirthDate(year=1980), date(1981, 1, 1), BirthAgreement.CONTRADICTS),
        (BirthDate(year=1980, month=4), date(1980, 4, 20), BirthAgreement.SAME_YEAR),
        (BirthDate(year=1980, month=4), date(1980, 5, 20), BirthAgreement.CONTRADICTS),
        (BirthDate(year=1980, circa=True), date(1981, 12, 31), BirthAgreement.NEAR_YEAR),
        (BirthDate(year=1980, circa=True), date(1982, 1, 1), BirthAgreement.CONTRADICTS),
        (BirthDate(full=date(1980, 9, 30), circa=True), date(1979, 1, 1), BirthAgreement.NEAR_YEAR),
        (BirthDate(year_from=1960, year_to=1964), date(1964, 12, 31), BirthAgreement.SAME_YEAR),
        (BirthDate(year_from=1960, year_to=1964), date(1965, 1, 1), BirthAgreement.CONTRADICTS),
        (BirthDate(year_from=1960), date(2001, 1, 1), BirthAgreement.SAME_YEAR),
        (BirthDate(year_to=1960), date(1961, 1, 1), BirthAgreement.CONTRADICTS),
        (BirthDate(city="Moscow"), date(1961, 1, 1), BirthAgreement.NO_DATE),
    ],
)
def test_birth_date_agreement(listed, born, expected):
    assert listed.compare(born) is expected


BAD_FILES: list[tuple[str, bytes, str]] = [
    ("empty", b"", "the file is empty"),
    ("blank", b"  \n ", "the file is empty"),
    ("not xml", b"name,surname\nIvan,Ivanov\n", "not well-formed XML"),
    ("html", b"<html><body>403 Forbidden</body>", "the root element is <html>"),
    ("truncated", document(person())[:-40], "not well-formed XML"),
    (
        "unknown encoding",
        document(person()).replace(b'encoding="UTF-8"', b'encoding="TF-8"'),
        "declares a character encoding that does not exist (unknown encoding: TF-8)",
    ),
    (
        "wrong encoding",
        document(person(names=("Юлия Жукова",))).replace(b'encoding="UTF-8"', b'encoding="ascii"'),
        "not well-formed XML",
    ),
    (
        "wrong root",
        b'<sdnList xmlns="http://eu.europa.ec/fpi/fsd/export" generationDate="2026-01-01T00:00:00"/>',
        "the root element is <sdnList>",
    ),
    (
        "no namespace",
        b'<export generationDate="2026-01-01T00:00:00"><sanctionEntity/></export>',
        "namespace (none)",
    ),
    (
        "wrong namespace",
        b'<export xmlns="http://example.org/other" generationDate="2026-01-01T00:00:00"/>',
        "namespace http://example.org/other; expected http://eu.europa.ec/fpi/fsd/export",
    ),
    (
        "no generation date",
        b'<export xmlns="http://eu.europa.ec/fpi/fsd/export">' + person().encode() + b"</export>",
        "has no generationDate",
    ),
    (
        "bad generation date",
        b'<export xmlns="http://eu.europa.ec/fpi/fsd/export" generationDate="yesterday">'
        + person().encode()
        + b"</export>",
        "generationDate 'yesterday' is not a date and time",
    ),
    ("no entities", document(), "holds no sanctionEntity"),
    (
        "missing logicalId",
        document(person(), person(logical_id="")),
        "sanctionEntity no. 2: missing logicalId",
    ),
    (
        "duplicate logicalId",
        document(person("7"), person("8"), person("7")),
        "sanctionEntity no. 3 (logicalId 7): logicalId 7 is already used by sanctionEntity no. 1",
    ),
    (
        "missing subjectType",
        document(person().replace('<subjectType code="person" classificationCode="P"/>', "")),
        "sanctionEntity no. 1 (logicalId 1): expected one subjectType, found 0",
    ),
    (
        "unknown subjectType",
        document(person(code="vessel")),
        "subjectType code 'vessel' is unknown",
    ),
    ("no name", document(person(names=("",))), "no nameAlias with a name"),
    (
        "impossible birth date",
        document(person(birth='birthdate="1980-02-30"')),
        "birthdate birthdate '1980-02-30' is not a date (YYYY-MM-DD)",
    ),
    (
        "impossible day and month",
        document(person(birth='dayOfMonth="31" monthOfYear="4" year="1980"')),
        "birthdate 1980-04-31 (year, monthOfYear, dayOfMonth) is not a date",
    ),
    ("bad year", document(person(birth='year="19x0"')), "birthdate year '19x0' is not a number"),
    (
        "bad month",
        document(person(birth='monthOfYear="13" year="1980"')),
        "monthOfYear 13 is not a month",
    ),
    (
        "date and year disagree",
        document(person(birth='birthdate="1980-09-30" year="1981"')),
        "birthdate 1980-09-30 disagrees with its year 1981",
    ),
    (
        "reversed range",
        document(person(birth='yearRangeFrom="1970" yearRangeTo="1960"')),
        "yearRangeFrom 1970 is after yearRangeTo 1960",
    ),
]


@pytest.mark.parametrize(
    ("data", "message"), [c[1:] for c in BAD_FILES], ids=[c[0] for c in BAD_FILES]
)
def test_a_malformed_file_is_refused_with_a_specific_error(data, message):
    with pytest.raises(ListFormatError) as caught:
        parse_list(data)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_one_bad_entity_refuses_the_whole_file():
    good = [person(str(i), names=(f"Ivan Ivanov{i}",)) for i in range(1, 50)]
    with pytest.raises(ListFormatError, match=r"sanctionEntity no\. 50"):
        parse_list(document(*good, person("x", birth='year="1o80"')))


def test_parse_list_takes_bytes_only():
    with pytest.raises(TypeError):
        parse_list(SAMPLE.read_text(encoding="utf-8"))  # type: ignore[arg-type]


def test_external_entities_are_never_resolved(tmp_path: pathlib.Path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE", encoding="utf-8")
    xxe = (
        '<?xml version="1.0"?>\n'
        f'<!DOCTYPE export [<!ENTITY leak SYSTEM "file://{secret}">]>\n'
        '<export xmlns="http://eu.europa.ec/fpi/fsd/export" generationDate="2026-01-01T00:00:00">'
        + person(names=("&leak; Ivanov",))
        + "</export>"
    ).encode()
    with pytest.raises(ListFormatError, match="declares a document type") as caught:
        parse_list(xxe)
    assert "TOP-SECRET" not in str(caught.value)


def test_an_external_dtd_is_refused():
    data = (
        '<?xml version="1.0"?>\n'
        '<!DOCTYPE export SYSTEM "http://127.0.0.1:9/evil.dtd">\n'
        '<export xmlns="http://eu.europa.ec/fpi/fsd/export" generationDate="2026-01-01T00:00:00">'
        + person()
        + "</export>"
    ).encode()
    with pytest.raises(ListFormatError, match="declares a document type"):
        parse_list(data)


def test_billion_laughs_is_refused_at_once():
    entities = "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
    bomb = (
        '<?xml version="1.0"?>\n'
        f'<!DOCTYPE export [<!ENTITY lol0 "lol">{entities}]>\n'
        '<export xmlns="http://eu.europa.ec/fpi/fsd/export" generationDate="2026-01-01T00:00:00">'
        + person(names=("&lol9; Ivanov",))
        + "</export>"
    ).encode()
    started = time.perf_counter()
    with pytest.raises(ListFormatError, match="declares a document type"):
        parse_list(bomb)
    assert time.perf_counter() - started < 5  # refused, not expanded (10**9 characters)


@settings(max_examples=60)
@given(entity_lists(), generation_dates, st.none() | st.just("184961"))
def test_written_lists_read_back_the_same(entities, generated, file_id):
    parsed = parse_list(write_list(generated, entities, global_file_id=file_id))
    assert parsed.entities == tuple(entities)
    assert parsed.generation_date == generated
    assert parsed.global_file_id == file_id


@settings(max_examples=200)
@given(st.binary(max_size=400))
def test_arbitrary_bytes_give_a_list_or_a_format_error(data):
    try:
        parse_list(data)
    except ListFormatError as exc:
        assert str(exc)


@settings(max_examples=200)
@given(st.data())
def test_damaged_copies_of_the_sample_give_a_list_or_a_format_error(data):
    raw = bytearray(SAMPLE.read_bytes())
    for _ in range(data.draw(st.integers(1, 5))):
        at = data.draw(st.integers(0, len(raw) - 1))
        if data.draw(st.booleans()):
            del raw[at : at + data.draw(st.integers(1, 30))]
        else:
            raw[at] = data.draw(st.integers(0, 255))
    try:
        parsed = parse_list(bytes(raw))
    except ListFormatError:
        return
    assert parsed.entities  # whatever survives is a whole, usable list
