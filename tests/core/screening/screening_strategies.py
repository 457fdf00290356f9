"""Shared test data for the screening tests: the sample list, XML templates, Hypothesis strategies."""

from __future__ import annotations

import pathlib
from datetime import date, datetime, timedelta, timezone

from hypothesis import strategies as st

from relocard.core.screening import (
    BirthDate,
    Entity,
    NameAlias,
    Regulation,
    SubjectType,
)

DATA = pathlib.Path(__file__).resolve().parent / "data"
SAMPLE = DATA / "eu_list_small.xml"

HEADER = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<export xmlns="http://eu.europa.ec/fpi/fsd/export" '
    'generationDate="2026-05-08T14:10:07.123+02:00" globalFileId="184961">\n'
)
FOOTER = "</export>\n"


def person(
    logical_id: str = "1",
    names: tuple[str, ...] = ("Iuliia ZHUKOVA",),
    birth: str = 'birthdate="1980-09-30" dayOfMonth="30" monthOfYear="9" year="1980"',
    code: str = "person",
    reference: str = "EU.1.1",
) -> str:
    """One sanctionEntity element as the EU writes it (attributes may be replaced)."""
    aliases = "".join(
        f'<nameAlias firstName="" middleName="" lastName="" wholeName="{n}" function="" '
        f'gender="" title="" nameLanguage="" strong="true" regulationLanguage="en" '
        f'logicalId="{logical_id}{i}"/>\n'
        for i, n in enumerate(names)
    )
    return (
        f'<sanctionEntity designationDetails="" unitedNationId="" euReferenceNumber="{reference}" '
        f'logicalId="{logical_id}">\n'
        f'<subjectType code="{code}" classificationCode="P"/>\n'
        f"{aliases}"
        f'<birthdate circa="false" calendarType="GREGORIAN" {birth} countryIso2Code="RU" '
        f'logicalId="{logical_id}9"/>\n'
        "</sanctionEntity>\n"
    )


def document(*entities: str) -> bytes:
    return (HEADER + "".join(entities) + FOOTER).encode()


_LETTERS = "абвгдеёжзийклмнопрстуфхцчшщъыьэюяABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
words = st.text(alphabet=_LETTERS, min_size=1, max_size=12)
whole_names = st.lists(words, min_size=1, max_size=4).map(" ".join)
years = st.integers(min_value=1900, max_value=2010)
dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2010, 12, 31))


@st.composite
def birth_dates(draw: st.DrawFn) -> BirthDate:
    kind = draw(st.sampled_from(["full", "year", "month", "range", "place"]))
    circa = draw(st.booleans())
    if kind == "full":
        return BirthDate(full=draw(dates), circa=circa)
    if kind == "year":
        return BirthDate(year=draw(years), circa=circa)
    if kind == "month":
        return BirthDate(year=draw(years), month=draw(st.integers(1, 12)))
    if kind == "range":
        low = draw(years)
        return BirthDate(year_from=low, year_to=low + draw(st.integers(0, 10)))
    return BirthDate(city=draw(words), country="RU")


@st.composite
def entities(draw: st.DrawFn, logical_id: str) -> Entity:
    aliases = tuple(
        NameAlias(
            whole_name=name,
            language=draw(st.sampled_from(["", "RU", "SV", "CS"])),
            strong=draw(st.booleans()),
            logical_id=f"{logical_id}{i}",
        )
        for i, name in enumerate(draw(st.lists(whole_names, min_size=1, max_size=4)))
    )
    return Entity(
        logical_id=logical_id,
        reference=draw(st.none() | st.just(f"EU.{logical_id}.1")),
        subject_type=draw(st.sampled_from(SubjectType)),
        aliases=aliases,
        birth_dates=tuple(draw(st.lists(birth_dates(), max_size=3))),
        citizenships=tuple(draw(st.lists(st.sampled_from(["RU", "BY", "00"]), max_size=2))),
        regulations=(
            Regulation(
                programme="UKR",
                number_title="2022/332 (OJ L53)",
                regulation_type="amendment",
                publication_date=draw(dates),
                url="https://eur-lex.europa.eu/eli/reg/2022/332",
            ),
        ),
    )


@st.composite
def entity_lists(draw: st.DrawFn) -> list[Entity]:
    count = draw(st.integers(min_value=1, max_value=6))
    return [draw(entities(str(100 + i))) for i in range(count)]


generation_dates = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1)).map(
    lambda d: d.replace(tzinfo=timezone(timedelta(hours=2)))
)
