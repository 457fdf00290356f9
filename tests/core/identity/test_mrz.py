"""The TD3 machine-readable zone: the ICAO specimen, Russian passports, Hypothesis properties,
and every way the reader refuses input."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from relocard.core.identity import (
    EXPIRY_YEARS_AHEAD,
    MRZBuildError,
    MRZFormatError,
    check_digit,
    format_td3,
    mrz_name,
    parse_td3,
    split_lines,
)
from relocard.core.identity.messages import MRZ_ERROR_TEMPLATES

from .passports import SPECIMEN_FIELDS, SPECIMEN_LINES, TODAY, russian_passport, td3_fields

SPECIMEN = "\n".join(SPECIMEN_LINES)

# --- check digits -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "digit"),
    [
        ("520727", "3"),  # the worked example of Doc 9303 Part 3, 4.9
        ("L898902C3", "6"),  # the specimen's fields
        ("740812", "2"),
        ("120415", "9"),
        ("ZE184226B<<<<<", "1"),
        ("L898902C36740812212041 59ZE184226B<<<<<1".replace(" ", ""), "0"),
        ("<<<<<<<<<<<<<<", "0"),
        ("", "0"),
    ],
)
def test_check_digit_examples(data: str, digit: str) -> None:
    assert check_digit(data) == digit


def test_check_digit_refuses_other_characters() -> None:
    with pytest.raises(ValueError, match="machine-readable-zone character"):
        check_digit("abc")


# --- the ICAO specimen ---------------------------------------------------------------------


def test_specimen_built_from_its_fields_has_the_printed_check_digits() -> None:
    assert format_td3(**SPECIMEN_FIELDS) == SPECIMEN_LINES


def test_specimen_parses_to_its_fields() -> None:
    mrz = parse_td3(SPECIMEN, today=TODAY)
    assert mrz.to_dict() == {
        "document_type": "P",
        "issuing_state": "UTO",
        "surname": "ERIKSSON",
        "given_names": "ANNA MARIA",
        "document_number": "L898902C3",
        "nationality": "UTO",
        "birth_date": "1974-08-12",
        "expiry_date": "2012-04-15",
        "sex": "F",
        "personal_number": "ZE184226B",
        "checks": {
            "document_number": True,
            "birth_date": True,
            "expiry_date": True,
            "personal_number": True,
            "composite": True,
        },
        "valid": True,
    }
    assert mrz.lines == SPECIMEN_LINES
    assert not mrz.name_possibly_truncated


@pytest.mark.parametrize(
    ("position", "check"),
    [(9, "document_number"), (19, "birth_date"), (27, "expiry_date"), (42, "personal_number")],
)
def test_a_wrong_check_digit_is_reported_by_name_and_by_the_composite(
    position: int, check: str
) -> None:
    line2 = SPECIMEN_LINES[1]
    wrong = str((int(line2[position]) + 1) % 10)
    mrz = parse_td3(f"{SPECIMEN_LINES[0]}\n{line2[:position]}{wrong}{line2[position + 1 :]}",
                    today=TODAY)  # fmt: skip
    assert mrz.checks.failed == (check, "composite")
    assert not mrz.valid


def test_a_wrong_composite_alone() -> None:
    mrz = parse_td3(SPECIMEN[:-1] + "1", today=TODAY)
    assert mrz.checks.failed == ("composite",)


def test_a_changed_name_passes_every_check_digit() -> None:
    """No check digit covers the names: only a comparison with the page catches this."""
    mrz = parse_td3(SPECIMEN.replace("ERIKSSON", "ERIKSSEN"), today=TODAY)
    assert mrz.valid and mrz.surname == "ERIKSSEN"


def test_values_ten_apart_are_the_same_to_the_check_digits() -> None:
    """ICAO's 7-3-1 scheme cannot tell C (12) from M (22), nor 0 from < or A from K."""
    mrz = parse_td3(SPECIMEN.replace("L898902C3", "L898902M3"), today=TODAY)
    assert mrz.valid and mrz.document_number == "L898902M3"


# --- Russian passports ---------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(25))
def test_generated_russian_passports_round_trip(seed: int) -> None:
    passport = russian_passport(random.Random(seed))
    mrz = parse_td3(passport.text, today=TODAY)
    assert mrz.valid
    assert (mrz.issuing_state, mrz.nationality, mrz.document_type) == ("RUS", "RUS", "P")
    assert mrz.surname == mrz_name(passport.surname).replace("<", " ")
    assert mrz.given_names == mrz_name(passport.given_names).replace("<", " ")
    assert mrz.document_number == passport.document_number
    assert (mrz.birth_date, mrz.expiry_date, mrz.sex) == (
        passport.birth_date,
        passport.expiry_date,
        passport.sex,
    )
    assert mrz.personal_number == ""


def test_a_russian_passport_by_hand() -> None:
    lines = format_td3(
        surname="Подъячева",
        given_names="Юлия",
        document_number="751234567",
        nationality="RUS",
        birth_date=dt.date(1990, 2, 28),
        expiry_date=dt.date(2031, 5, 17),
        sex="F",
    )
    assert lines == (
        "P<RUSPODIEIACHEVA<<IULIIA<<<<<<<<<<<<<<<<<<<",
        # Check digits confirmed with an independent implementation (the mrz package, which
        # writes 0 where this one writes < for the unused personal number: both are allowed).
        "7512345672RUS9002281F3105179<<<<<<<<<<<<<<<2",
    )
    mrz = parse_td3("\n".join(lines), today=TODAY)
    assert mrz.valid and mrz.surname == "PODIEIACHEVA" and mrz.given_names == "IULIIA"


def test_an_unused_personal_number_may_have_0_as_its_check_digit() -> None:
    line1, line2 = format_td3(**{**SPECIMEN_FIELDS, "personal_number": ""})
    assert line2[28:43] == "<" * 15
    with_zero = line2[:42] + "0" + check_digit(line2[0:10] + line2[13:20] + line2[21:42] + "0")
    assert parse_td3(f"{line1}\n{line2}", today=TODAY).valid
    assert parse_td3(f"{line1}\n{with_zero}", today=TODAY).valid
    with_one = line2[:42] + "1" + line2[43]
    assert parse_td3(f"{line1}\n{with_one}", today=TODAY).checks.failed == (
        "personal_number",
        "composite",
    )


# --- centuries -----------------------------------------------------------------------------


def _with_dates(birth: str, expiry: str) -> str:
    line2 = SPECIMEN_LINES[1]
    body = line2[:13] + birth + check_digit(birth) + line2[20] + expiry + check_digit(expiry)
    body += line2[28:43]
    return f"{SPECIMEN_LINES[0]}\n{body}{check_digit(body[0:10] + body[13:20] + body[21:43])}"


@pytest.mark.parametrize(
    ("today", "birth", "expected"),
    [
        (dt.date(2026, 6, 1), "260601", dt.date(2026, 6, 1)),  # born today
        (dt.date(2026, 6, 1), "260602", dt.date(1926, 6, 2)),  # tomorrow: a century ago
        (dt.date(2026, 6, 1), "000229", dt.date(2000, 2, 29)),
        (dt.date(2099, 12, 31), "000229", dt.date(2000, 2, 29)),
        (dt.date(2026, 6, 1), "991231", dt.date(1999, 12, 31)),
    ],
)
def test_birth_dates_are_never_in_the_future(today: dt.date, birth: str, expected: dt.date) -> None:
    assert parse_td3(_with_dates(birth, "300101"), today=today).birth_date == expected


@pytest.mark.parametrize(
    ("expiry", "expected"),
    [
        ("360601", dt.date(2036, 6, 1)),  # a ten-year passport issued today
        ("460601", dt.date(2046, 6, 1)),  # the edge of the window
        ("470101", dt.date(1947, 1, 1)),  # beyond it: the past century
        ("120415", dt.date(2012, 4, 15)),
        ("000229", dt.date(2000, 2, 29)),
    ],
)
def test_expiry_dates_may_lie_up_to_the_window_ahead(expiry: str, expected: dt.date) -> None:
    assert EXPIRY_YEARS_AHEAD == 20
    assert parse_td3(_with_dates("740812", expiry), today=TODAY).expiry_date == expected


@pytest.mark.parametrize(
    ("birth", "iso"), [("74<<<<", "1974"), ("7408<<", "1974-08"), ("<<<<<<", None)]
)
def test_a_partly_unknown_birth_date_gives_what_is_known(birth: str, iso: str | None) -> None:
    mrz = parse_td3(_with_dates(birth, "300101"), today=TODAY)
    assert mrz.valid and mrz.birth_date is None and mrz.birth_date_iso == iso
    assert mrz.to_dict()["birth_date"] == iso


# --- tolerated and refused input -----------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        SPECIMEN,
        SPECIMEN + "\n",
        SPECIMEN.replace("\n", "\r\n") + "\r\n",  # a document reader's CR LF
        SPECIMEN.replace("\n", "\r") + "\r",
        "  \t" + SPECIMEN.replace("\n", "  \n\n  ") + "\n\n",
        "\n" + SPECIMEN + "\u00a0",
    ],
)
def test_whitespace_and_line_breaks_around_the_lines_are_tolerated(text: str) -> None:
    assert split_lines(text) == SPECIMEN_LINES


@pytest.mark.parametrize(
    ("text", "code", "params"),
    [
        ("", "empty", {}),
        (" \r\n\t", "empty", {}),
        (SPECIMEN_LINES[0], "line_count", {"count": 1}),
        (SPECIMEN + "\n" + SPECIMEN_LINES[1], "line_count", {"count": 3}),
        ("".join(SPECIMEN_LINES), "lines_joined", {}),
        (SPECIMEN[:-1], "line_length", {"line": 2, "length": 43}),
        (SPECIMEN_LINES[0] + "<\n" + SPECIMEN_LINES[1], "line_length", {"line": 1, "length": 45}),
        (SPECIMEN.lower(), "bad_character", {"line": 1, "position": 1, "character": "'p' (U+0070)"}),
        (SPECIMEN.replace("ANNA<", "ANNA "), "bad_character",
         {"line": 1, "position": 20, "character": "U+0020"}),
        (SPECIMEN.replace("L898", "L8\u0398"), "bad_character",
         {"line": 2, "position": 3, "character": "'\u0398' (U+0398)"}),
        (SPECIMEN.replace("\n", "\x1d"), "bad_character",
         {"line": 1, "position": 45, "character": "U+001D"}),
        (SPECIMEN.replace("P<UTO", "V<UTO"), "not_passport", {"value": "V<"}),
        (SPECIMEN.replace("P<UTO", "P<U1O"), "not_letters",
         {"line": 1, "start": 3, "end": 5, "field": "issuing_state", "value": "U1O"}),
        (SPECIMEN.replace("ANNA", "ANN4"), "not_letters",
         {"line": 1, "start": 6, "end": 44, "field": "name",
          "value": "ERIKSSON<<ANN4<MARIA<<<<<<<<<<<<<<<<<<<"}),
        (SPECIMEN.replace("C36UTO", "C36UT0"), "not_letters",
         {"line": 2, "start": 11, "end": 13, "field": "nationality", "value": "UT0"}),
        (SPECIMEN.replace("7408122F", "741312" + "2F"), "bad_date",
         {"line": 2, "start": 14, "end": 19, "field": "birth_date", "value": "741312"}),
        (SPECIMEN.replace("7408122F", "74O8122F"), "bad_date",
         {"line": 2, "start": 14, "end": 19, "field": "birth_date", "value": "74O812"}),
        (SPECIMEN.replace("7408122F", "740<122F"), "bad_date",
         {"line": 2, "start": 14, "end": 19, "field": "birth_date", "value": "740<12"}),
        (SPECIMEN.replace("1204159", "1204319"), "bad_date",
         {"line": 2, "start": 22, "end": 27, "field": "expiry_date", "value": "120431"}),
        (SPECIMEN.replace("1204159", "12<4159"), "bad_date",
         {"line": 2, "start": 22, "end": 27, "field": "expiry_date", "value": "12<415"}),
        (SPECIMEN.replace("C36UTO", "C3OUTO"), "bad_check_digit",
         {"position": 10, "field": "document_number", "value": "O"}),
        (SPECIMEN.replace("<<<<<10", "<<<<<A0"), "bad_check_digit",
         {"position": 43, "field": "personal_number", "value": "A"}),
        (SPECIMEN[:-1] + "<", "bad_check_digit", {"position": 44, "field": "composite",
                                                  "value": "<"}),
        (SPECIMEN.replace("2F12", "2Q12"), "bad_sex", {"value": "Q"}),
    ],
)  # fmt: skip
def test_unreadable_input_is_refused_with_a_specific_error(
    text: str, code: str, params: dict
) -> None:
    with pytest.raises(MRZFormatError) as caught:
        parse_td3(text, today=TODAY)
    assert caught.value.code == code
    assert dict(caught.value.params) == params
    assert "\n" not in str(caught.value)


def test_every_error_code_has_a_test_above() -> None:
    """Keep the table above complete: a new code needs a case."""
    tested = {
        "not_text", "empty", "line_count", "lines_joined", "line_length", "bad_character",
        "not_passport", "not_letters", "bad_date", "bad_check_digit", "bad_sex",
    }  # fmt: skip
    assert set(MRZ_ERROR_TEMPLATES) == tested


def test_non_text_is_refused() -> None:
    with pytest.raises(MRZFormatError) as caught:
        parse_td3(SPECIMEN.encode(), today=TODAY)  # type: ignore[arg-type]
    assert caught.value.code == "not_text" and "bytes" in str(caught.value)


def test_a_filler_as_check_digit_of_a_used_personal_number_fails_the_check() -> None:
    mrz = parse_td3(SPECIMEN.replace("<<<<<10", "<<<<<<0"), today=TODAY)
    assert mrz.checks.failed == ("personal_number", "composite")


@pytest.mark.parametrize("separator", ["\x1d", "\x1e", "\v", "\f", "\u2028", "\x85"])
def test_control_characters_are_not_line_breaks(separator: str) -> None:
    with pytest.raises(MRZFormatError) as caught:
        parse_td3(SPECIMEN.replace("\n", separator), today=TODAY)
    assert caught.value.code == "bad_character"
    assert caught.value.params["position"] == 45


def test_sex_unspecified_is_x() -> None:
    lines = format_td3(**{**SPECIMEN_FIELDS, "sex": "X"})
    assert lines[1][20] == "<"
    assert parse_td3("\n".join(lines), today=TODAY).sex == "X"


def test_an_error_message_translates_field_names() -> None:
    with pytest.raises(MRZFormatError) as caught:
        parse_td3(SPECIMEN.replace("7408122F", "741312" + "2F"), today=TODAY)
    table = {"Date of birth": "Дата рождения"}
    assert "Дата рождения" in caught.value.message(lambda s: table.get(s, s))


# --- writing a zone ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"document_number": "1234567890"}, "too_long"),
        ({"document_number": "12-34"}, "bad_value"),
        ({"personal_number": "A" * 15}, "too_long"),
        ({"nationality": "RU1"}, "bad_value"),
        ({"nationality": "RUSS"}, "too_long"),
        ({"sex": "Q"}, "bad_value"),
        ({"surname": "--"}, "bad_value"),
        ({"document_type": "V"}, "bad_value"),
    ],
)
def test_format_refuses_values_the_zone_cannot_hold(change: dict, code: str) -> None:
    with pytest.raises(MRZBuildError) as caught:
        format_td3(**{**SPECIMEN_FIELDS, **change})
    assert caught.value.code == code


def test_a_long_name_is_cut_and_flagged_as_possibly_truncated() -> None:
    lines = format_td3(
        **{
            **SPECIMEN_FIELDS,
            "surname": "Константинопольская",
            "given_names": "Анна-Мария Ивановна",
        }
    )
    assert lines[0] == "P<UTOKONSTANTINOPOLSKAIA<<ANNA<MARIIA<IVANOV"
    mrz = parse_td3("\n".join(lines), today=TODAY)
    assert mrz.name_possibly_truncated and mrz.given_names == "ANNA MARIIA IVANOV"


# --- properties ----------------------------------------------------------------------------


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(td3_fields())
def test_generated_zones_round_trip(fields: dict) -> None:
    lines = format_td3(**fields)
    assume(not mrz_name(fields["surname"]) or len(lines[0].rstrip("<")) < 44)
    mrz = parse_td3("\n".join(lines), today=TODAY)
    assert mrz.valid
    assert mrz.lines == lines
    assert mrz.document_number == fields["document_number"]
    assert mrz.personal_number == fields["personal_number"]
    assert mrz.birth_date == fields["birth_date"]
    assert mrz.expiry_date == fields["expiry_date"]
    assert mrz.sex == fields["sex"]
    assert mrz.nationality == fields["nationality"]
    assert mrz.issuing_state == fields["issuing_state"]
    if len(lines[0].rstrip("<")) < 44:  # not truncated
        assert mrz.surname == mrz_name(fields["surname"]).replace("<", " ")
        assert mrz.given_names == mrz_name(fields["given_names"]).replace("<", " ")
    assert format_td3(
        surname=mrz.surname, given_names=mrz.given_names, document_number=mrz.document_number,
        nationality=mrz.nationality, issuing_state=mrz.issuing_state, birth_date=mrz.birth_date,
        expiry_date=mrz.expiry_date, sex=mrz.sex, personal_number=mrz.personal_number,
    ) == lines  # fmt: skip


_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<"
#: Positions (0-based, line 2) covered by a check digit, and the check digits themselves.
_CHECKED = [*range(0, 10), *range(13, 20), *range(21, 28), *range(28, 44)]


def _value(ch: str) -> int:
    return 0 if ch == "<" else int(ch, 36)


@settings(max_examples=500, suppress_health_check=[HealthCheck.too_slow])
@given(td3_fields(), st.sampled_from(_CHECKED), st.sampled_from(_ALPHABET))
def test_one_changed_character_in_a_checked_field_is_caught(
    fields: dict, position: int, new: str
) -> None:
    """Every single substitution in line 2 is refused by the reader or fails a check digit,
    unless the old and new characters' values differ by a multiple of 10 (ICAO's scheme cannot
    see those; see the test above)."""
    line1, line2 = format_td3(**fields)
    old = line2[position]
    assume(new != old)
    assume((_value(new) - _value(old)) % 10 != 0)
    mutated = f"{line1}\n{line2[:position]}{new}{line2[position + 1 :]}"
    try:
        mrz = parse_td3(mutated, today=TODAY)
    except MRZFormatError:
        return
    assert not mrz.valid


@settings(max_examples=200)
@given(st.text(max_size=120))
def test_arbitrary_text_is_read_or_refused_never_crashes(text: str) -> None:
    try:
        parse_td3(text, today=TODAY)
    except MRZFormatError as exc:
        assert exc.code in MRZ_ERROR_TEMPLATES


@settings(max_examples=300)
@given(td3_fields(), st.integers(0, 87), st.sampled_from(_ALPHABET))
def test_any_substitution_anywhere_is_read_or_refused(fields: dict, index: int, new: str) -> None:
    lines = list(format_td3(**fields))
    line, position = divmod(index, 44)
    lines[line] = lines[line][:position] + new + lines[line][position + 1 :]
    try:
        mrz = parse_td3("\n".join(lines), today=TODAY)
    except MRZFormatError as exc:
        assert exc.code in MRZ_ERROR_TEMPLATES
    else:
        assert dataclasses.asdict(mrz.checks).keys() == mrz.checks.to_dict().keys()
