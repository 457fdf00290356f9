"""Comparing the zone with typed data: one readable line per field."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from relocard.core.identity import TypedIdentity, compare_identity, format_td3, parse_td3

from .passports import SPECIMEN_LINES, TODAY, russian_passport

SPECIMEN = parse_td3("\n".join(SPECIMEN_LINES), today=TODAY)
TYPED = TypedIdentity(
    surname="Eriksson",
    given_names="Anna Maria",
    birth_date=dt.date(1974, 8, 12),
    document_number="L898902C3",
    expiry_date=dt.date(2012, 4, 15),
)


def _by_field(result) -> dict:
    return {line.field: line for line in result.fields}


def test_everything_matches() -> None:
    result = compare_identity(SPECIMEN, TYPED)
    assert result.all_match and result.mismatches == ()
    assert [line.field for line in result.fields] == [
        "surname", "given_names", "birth_date", "document_number", "expiry_date",
    ]  # fmt: skip
    assert [line.message() for line in result.fields] == [
        "Surname: matches (ERIKSSON).",
        "Given names: matches (ANNA MARIA).",
        "Date of birth: matches (1974-08-12).",
        "Document number: matches (L898902C3).",
        "Date of expiry: matches (2012-04-15).",
    ]


def test_each_mismatch_is_named_with_both_values() -> None:
    typed = TypedIdentity(
        surname="Eriksen",
        given_names="Anna",
        birth_date=dt.date(1974, 8, 21),
        document_number="L898902C8",
        expiry_date=dt.date(2012, 4, 15),
    )
    result = compare_identity(SPECIMEN, typed)
    assert not result.all_match
    assert [line.field for line in result.mismatches] == [
        "surname", "given_names", "birth_date", "document_number",
    ]  # fmt: skip
    lines = _by_field(result)
    assert lines["surname"].message() == (
        "Surname: differs. The machine-readable zone has ERIKSSON, the typed data Eriksen "
        "(in the zone's letters: ERIKSEN)."
    )
    assert lines["birth_date"].message() == (
        "Date of birth: differs. The machine-readable zone has 1974-08-12, the typed data "
        "1974-08-21."
    )
    assert lines["expiry_date"].outcome == "match"


def test_cyrillic_names_are_compared_through_the_icao_table() -> None:
    passport = russian_passport(random.Random(3))
    mrz = parse_td3(passport.text, today=TODAY)
    typed = TypedIdentity(
        surname=passport.surname.lower(),
        given_names=passport.given_names.upper(),
        birth_date=passport.birth_date,
        document_number=f"{passport.document_number[:2]} {passport.document_number[2:]}",
        expiry_date=passport.expiry_date,
    )
    result = compare_identity(mrz, typed)
    assert result.all_match, [line.message() for line in result.fields]


def test_an_older_spelling_matches_the_latin_typed_and_says_so() -> None:
    lines = format_td3(
        surname="Щукина", given_names="YULIYA", document_number="751234567", nationality="RUS",
        birth_date=dt.date(1980, 1, 2), expiry_date=dt.date(2027, 1, 2), sex="F",
    )  # fmt: skip
    mrz = parse_td3("\n".join(lines), today=TODAY)
    typed = TypedIdentity(surname="Щукина", given_names="Юлия", given_names_latin="Yuliya")
    line = _by_field(compare_identity(mrz, typed))["given_names"]
    assert line.outcome == "match" and line.code == "match_latin"
    assert "IULIIA" in line.message() and "YULIYA" in line.message()


def test_a_truncated_name_matches_component_by_component() -> None:
    lines = (
        "P<RUSKONSTANTINOPOLSKAIA<<ANNA<M<IVANOVNA<<K",
        SPECIMEN_LINES[1],
    )
    mrz = parse_td3("\n".join(lines), today=TODAY)
    typed = TypedIdentity(surname="Константинопольская", given_names="Анна Мария Ивановна Ксения")
    result = _by_field(compare_identity(mrz, typed))
    assert result["surname"].code == "match"
    assert result["given_names"].code == "match_truncated"
    assert "ANNA MARIIA IVANOVNA KSENIIA" in result["given_names"].message()


def test_a_truncated_name_that_does_not_begin_the_typed_one_differs() -> None:
    lines = ("P<RUSKONSTANTINOPOLSKAIA<<ANNA<MARIIA<IVANOV", SPECIMEN_LINES[1])
    mrz = parse_td3("\n".join(lines), today=TODAY)
    typed = TypedIdentity(surname="Константинопольская", given_names="Анна Мария Петровна")
    assert _by_field(compare_identity(mrz, typed))["given_names"].outcome == "mismatch"


def test_nothing_typed_is_not_compared() -> None:
    result = compare_identity(SPECIMEN, TypedIdentity())
    assert {line.outcome for line in result.fields} == {"not_compared"}
    assert not result.all_match and result.mismatches == ()
    assert result.fields[0].message() == (
        "Surname: not typed; the machine-readable zone has ERIKSSON. Type it from the passport "
        "to compare."
    )


@pytest.mark.parametrize(
    ("birth", "typed", "code", "outcome"),
    [
        ("74<<<<", dt.date(1974, 8, 12), "partial_match", "not_compared"),
        ("7408<<", dt.date(1974, 8, 12), "partial_match", "not_compared"),
        ("7409<<", dt.date(1974, 8, 12), "mismatch", "mismatch"),
        ("<<<<<<", dt.date(1974, 8, 12), "unknown_in_mrz", "not_compared"),
    ],
)
def test_partly_unknown_birth_dates(birth: str, typed: dt.date, code: str, outcome: str) -> None:
    line1, line2 = format_td3(
        surname="X", given_names="Y", document_number="1", nationality="UTO", birth_date=None,
        expiry_date=dt.date(2030, 1, 1), sex="F",
    )  # fmt: skip
    mrz = parse_td3(f"{line1}\n{line2[:13]}{birth}{line2[19:]}", today=TODAY)
    line = _by_field(compare_identity(mrz, TypedIdentity(birth_date=typed)))["birth_date"]
    assert (line.code, line.outcome) == (code, outcome)


def test_to_dict_and_translation() -> None:
    result = compare_identity(SPECIMEN, TypedIdentity(surname="Eriksson"))
    data = result.to_dict()
    assert data["all_match"] is False
    assert data["fields"][0] == {
        "field": "surname",
        "outcome": "match",
        "code": "match",
        "mrz": "ERIKSSON",
        "typed": "Eriksson",
        "message": "Surname: matches (ERIKSSON).",
    }
    ru = {"Surname": "Фамилия", "{field}: matches ({mrz}).": "{field}: совпадает ({mrz})."}
    assert result.fields[0].message(lambda s: ru.get(s, s)) == "Фамилия: совпадает (ERIKSSON)."
