"""The EU consolidated financial-sanctions list in its published XML format (FSF 1.1).

The European Commission publishes the list as "Financial Sanctions Files" in one XML document::

    <export xmlns="http://eu.europa.ec/fpi/fsd/export"
            generationDate="2026-05-08T14:10:07.123+02:00" globalFileId="184961">
      <sanctionEntity euReferenceNumber="EU.1234.56" logicalId="135909" ...>
        <regulation publicationDate="2022-02-25" numberTitle="2022/332 (OJ L53)" programme="UKR" .../>
        <subjectType code="person" classificationCode="P"/>
        <nameAlias firstName="" middleName="" lastName="" wholeName="..." nameLanguage="RU"
                   function="" gender="M" title="" strong="true" logicalId="..."/>
        <birthdate circa="false" birthdate="1952-10-07" dayOfMonth="7" monthOfYear="10"
                   year="1952" city="..." countryIso2Code="RU" .../>
        <citizenship countryIso2Code="RU" countryDescription="RUSSIAN FEDERATION" .../>
        <identification .../> <address .../> <remark>...</remark>
      </sanctionEntity>
      ...
    </export>

:func:`parse_list` reads it into frozen values; :func:`write_list` writes values in the same
shape (for tests, benchmarks and demo data). It keeps what screening needs (names, dates of
birth, citizenship, the regulations an entity is listed under) and skips the rest (addresses,
identity documents, remarks).

Safety: the file comes from outside, so it is parsed with ``defusedxml`` with document type
declarations forbidden: no external entity is ever fetched (XXE) and no entity is expanded
(billion laughs). The EU's files never carry a DTD, so refusing one costs nothing.

A file is used whole or not at all: any problem raises :class:`ListFormatError` naming the
entity and the attribute, and nothing is returned.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Final
from xml.etree.ElementTree import Element, ParseError, SubElement, tostring

import defusedxml
import defusedxml.ElementTree as SafeET

from relocard.core.i18n import Msg
from relocard.core.screening.errors import ListFormatError
from relocard.core.screening.messages import CIRCA, NO_DATE

__all__ = [
    "NAMESPACE",
    "BirthAgreement",
    "BirthDate",
    "Entity",
    "NameAlias",
    "Regulation",
    "SanctionsList",
    "SubjectType",
    "parse_list",
    "write_list",
]

#: The XML namespace of the Financial Sanctions Files export.
NAMESPACE: Final = "http://eu.europa.ec/fpi/fsd/export"
_NS: Final = "{" + NAMESPACE + "}"

#: How far (in years) a birth year marked ``circa="true"`` may be from the real one.
CIRCA_YEARS: Final = 1

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_YEAR = re.compile(r"\d{4}")
_SMALL_INT = re.compile(r"\d{1,2}")


class SubjectType(StrEnum):
    """``subjectType/@code``: the EU list holds persons and enterprises."""

    PERSON = "person"
    ENTERPRISE = "enterprise"


class BirthAgreement(StrEnum):
    """How a known date of birth compares with one listed date of birth."""

    #: The listed full date is the same day.
    SAME_DATE = "same_date"
    #: The listed year (and month, where listed) or year range agrees; no day is listed.
    SAME_YEAR = "same_year"
    #: The listed date is approximate (``circa``) and the year is within :data:`CIRCA_YEARS`.
    NEAR_YEAR = "near_year"
    #: The listed date cannot be this person's.
    CONTRADICTS = "contradicts"
    #: The entry gives no date (only a place of birth).
    NO_DATE = "no_date"


@dataclass(frozen=True, slots=True)
class NameAlias:
    """One ``nameAlias``: a name under which the entity is listed, in one language or script."""

    whole_name: str
    first_name: str = ""
    middle_name: str = ""
    last_name: str = ""
    #: ``nameLanguage``: an ISO 639-1 code in upper case (``RU``, ``SV``), or "" (English).
    language: str = ""
    function: str = ""
    gender: str = ""
    title: str = ""
    #: ``strong="false"`` marks a weak alias (a nickname, a vague name).
    strong: bool = True
    logical_id: str | None = None


@dataclass(frozen=True, slots=True)
class BirthDate:
    """One ``birthdate``: a full date, a year (with or without month), a range, or only a place."""

    full: date | None = None
    year: int | None = None
    month: int | None = None
    year_from: int | None = None
    year_to: int | None = None
    circa: bool = False
    city: str = ""
    country: str = ""

    @property
    def is_dated(self) -> bool:
        return (
            self.full is not None
            or self.year is not None
            or self.year_from is not None
            or self.year_to is not None
        )

    def describe(self) -> str:
        """The listed date in English: ``1952-10-07``, ``1952``, ``1950-1955``, ``circa 1952``."""
        return self.message().render("en")

    def message(self) -> Msg:
        """The listed date as a message, read in any language: the date as the list writes it
        (digits), and an approximate one with the reader's word for "circa"."""
        if self.full is not None:
            text = self.full.isoformat()
        elif self.year is not None:
            text = f"{self.year}-{self.month:02d}" if self.month else str(self.year)
        elif self.year_from is not None or self.year_to is not None:
            text = f"{self.year_from or '...'}-{self.year_to or '...'}"
        else:
            return Msg(NO_DATE)
        return Msg(CIRCA, (("date", text),)) if self.circa else Msg("{date}", (("date", text),))

    def compare(self, born: date) -> BirthAgreement:
        """Compare a known date of birth with this listed one.

        A listed full date must be the same day; a listed year (and month) must agree; a range
        must contain the year. ``circa`` widens a year by :data:`CIRCA_YEARS` either way (a full
        date marked circa counts only by its year).
        """
        if not self.is_dated:
            return BirthAgreement.NO_DATE
        if self.circa:
            years = self._years()
            low, high = years[0] - CIRCA_YEARS, years[1] + CIRCA_YEARS
            return BirthAgreement.NEAR_YEAR if low <= born.year <= high else _NO
        if self.full is not None:
            return BirthAgreement.SAME_DATE if self.full == born else _NO
        if self.year is not None:
            if born.year != self.year or (self.month is not None and born.month != self.month):
                return _NO
            return BirthAgreement.SAME_YEAR
        low, high = self._years()
        return BirthAgreement.SAME_YEAR if low <= born.year <= high else _NO

    def _years(self) -> tuple[int, int]:
        if self.full is not None:
            return self.full.year, self.full.year
        if self.year is not None:
            return self.year, self.year
        return (self.year_from or 1, self.year_to or 9999)


_NO: Final = BirthAgreement.CONTRADICTS


@dataclass(frozen=True, slots=True)
class Regulation:
    """One ``regulation`` an entity is listed (or amended) under."""

    programme: str = ""
    number_title: str = ""
    regulation_type: str = ""
    publication_date: date | None = None
    entry_into_force_date: date | None = None
    url: str = ""


@dataclass(frozen=True, slots=True)
class Entity:
    """One ``sanctionEntity``: a listed person or enterprise with all its names."""

    logical_id: str
    #: ``euReferenceNumber`` (``EU.1234.56``); some entries have none.
    reference: str | None
    subject_type: SubjectType
    aliases: tuple[NameAlias, ...]
    birth_dates: tuple[BirthDate, ...] = ()
    #: ``citizenship/@countryIso2Code`` values (``RU``; ``00`` means unknown in the EU's data).
    citizenships: tuple[str, ...] = ()
    regulations: tuple[Regulation, ...] = ()
    united_nation_id: str = ""
    designation_date: date | None = None

    @property
    def is_person(self) -> bool:
        return self.subject_type is SubjectType.PERSON


@dataclass(frozen=True, slots=True)
class SanctionsList:
    """A whole list file: its generation date, the EU's file id, its SHA-256 and its entities."""

    generation_date: datetime
    global_file_id: str | None
    sha256: str
    entities: tuple[Entity, ...]

    def persons(self) -> Iterator[Entity]:
        return (e for e in self.entities if e.is_person)

    def __len__(self) -> int:
        return len(self.entities)


def parse_list(data: bytes) -> SanctionsList:
    """Parse a Financial Sanctions Files export (the bytes of the XML file).

    Raises :class:`ListFormatError` for a file that is not XML, declares a DTD, has another root
    or namespace, has no entity, or has an entity without ``logicalId``, ``subjectType`` or any
    name, a duplicate ``logicalId`` or an impossible date.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError("parse_list() takes the file's bytes")
    data = bytes(data)
    if not data.strip():
        raise ListFormatError("the file is empty; expected the EU's sanctions list in XML")
    digest = hashlib.sha256(data).hexdigest()
    root: Element | None = None
    header: tuple[datetime, str | None] | None = None
    entities: list[Entity] = []
    seen: dict[str, int] = {}
    depth = 0
    try:
        events = SafeET.iterparse(io.BytesIO(data), events=("start", "end"), forbid_dtd=True)
        for event, elem in events:
            if event == "start":
                depth += 1
                if root is None:
                    root = elem
                    header = _read_header(elem)
                continue
            depth -= 1
            if depth == 1 and elem.tag == _NS + "sanctionEntity":
                number = len(entities) + 1
                entity = _read_entity(elem, number)
                if entity.logical_id in seen:
                    raise ListFormatError(
                        f"{_where(number, entity.logical_id)}: logicalId {entity.logical_id} "
                        f"is already used by sanctionEntity no. {seen[entity.logical_id]}"
                    )
                seen[entity.logical_id] = number
                entities.append(entity)
                elem.clear()
                assert root is not None
                root.remove(elem)
    except ParseError as exc:
        line, column = getattr(exc, "position", (0, 0))
        reason = str(exc).split(":")[0].removeprefix("not well-formed").strip(" ()")
        raise ListFormatError(
            f"the file is not well-formed XML: {reason} at line {line}, column {column}"
        ) from None
    except LookupError as exc:  # expat: an encoding Python does not know
        raise ListFormatError(
            f"the file declares a character encoding that does not exist ({exc}); the EU's "
            "list is UTF-8"
        ) from None
    except defusedxml.DTDForbidden:
        raise ListFormatError(
            "the file declares a document type (<!DOCTYPE ...>); the EU's list never does, and "
            "such files are refused because entities can read local files or exhaust memory"
        ) from None
    except (defusedxml.EntitiesForbidden, defusedxml.ExternalReferenceForbidden):
        raise ListFormatError(
            "the file declares XML entities; the EU's list never does, and they are refused"
        ) from None
    if header is None:  # pragma: no cover - expat reports a missing root as a ParseError
        raise ListFormatError("the file has no root element")
    if not entities:
        raise ListFormatError(
            "the file holds no sanctionEntity; refusing an empty list (it would clear every "
            "screening result)"
        )
    generation_date, file_id = header
    return SanctionsList(
        generation_date=generation_date,
        global_file_id=file_id,
        sha256=digest,
        entities=tuple(entities),
    )


def _read_header(root: Element) -> tuple[datetime, str | None]:
    namespace, _, local = root.tag.rpartition("}")
    namespace = namespace.lstrip("{")
    if local != "export":
        raise ListFormatError(
            f"the root element is <{local}>; expected <export> of the EU's Financial Sanctions "
            "Files"
        )
    if namespace != NAMESPACE:
        raise ListFormatError(
            f"the root element is in namespace {namespace or '(none)'!s}; expected {NAMESPACE}"
        )
    raw = (root.get("generationDate") or "").strip()
    if not raw:
        raise ListFormatError("the root element <export> has no generationDate")
    try:
        generation_date = datetime.fromisoformat(raw)
    except ValueError:
        raise ListFormatError(
            f"generationDate {raw!r} is not a date and time (expected e.g. "
            "2026-05-08T14:10:07.123+02:00)"
        ) from None
    return generation_date, (root.get("globalFileId") or "").strip() or None


def _where(number: int, logical_id: str | None) -> str:
    return f"sanctionEntity no. {number}" + (f" (logicalId {logical_id})" if logical_id else "")


def _attr(elem: Element, name: str) -> str:
    return (elem.get(name) or "").strip()


def _read_entity(elem: Element, number: int) -> Entity:
    logical_id = _attr(elem, "logicalId")
    where = _where(number, logical_id)
    if not logical_id:
        raise ListFormatError(f"{where}: missing logicalId")
    subject_types = elem.findall(_NS + "subjectType")
    if len(subject_types) != 1:
        raise ListFormatError(f"{where}: expected one subjectType, found {len(subject_types)}")
    code = _attr(subject_types[0], "code")
    try:
        subject_type = SubjectType(code)
    except ValueError:
        raise ListFormatError(
            f"{where}: subjectType code {code!r} is unknown (expected 'person' or 'enterprise')"
        ) from None
    aliases = tuple(
        alias for alias in (_read_alias(a) for a in elem.findall(_NS + "nameAlias")) if alias
    )
    if not aliases:
        raise ListFormatError(f"{where}: no nameAlias with a name")
    return Entity(
        logical_id=logical_id,
        reference=_attr(elem, "euReferenceNumber") or None,
        subject_type=subject_type,
        aliases=aliases,
        birth_dates=tuple(_read_birth(b, where) for b in elem.findall(_NS + "birthdate")),
        citizenships=tuple(
            code
            for code in (_attr(c, "countryIso2Code") for c in elem.findall(_NS + "citizenship"))
            if code
        ),
        regulations=tuple(_read_regulation(r, where) for r in elem.findall(_NS + "regulation")),
        united_nation_id=_attr(elem, "unitedNationId"),
        designation_date=_date(elem, "designationDate", where),
    )


def _read_alias(elem: Element) -> NameAlias | None:
    first, middle, last = (_attr(elem, n) for n in ("firstName", "middleName", "lastName"))
    whole = " ".join(_attr(elem, "wholeName").split()) or " ".join(
        part for part in (first, middle, last) if part
    )
    if not whole:
        return None
    return NameAlias(
        whole_name=whole,
        first_name=first,
        middle_name=middle,
        last_name=last,
        language=_attr(elem, "nameLanguage").upper(),
        function=_attr(elem, "function"),
        gender=_attr(elem, "gender"),
        title=_attr(elem, "title"),
        strong=_attr(elem, "strong").lower() != "false",
        logical_id=_attr(elem, "logicalId") or None,
    )


def _read_birth(elem: Element, where: str) -> BirthDate:
    full = _date(elem, "birthdate", where)
    year = _int(elem, "year", _YEAR, where)
    month = _int(elem, "monthOfYear", _SMALL_INT, where)
    day = _int(elem, "dayOfMonth", _SMALL_INT, where)
    if month is not None and not 1 <= month <= 12:
        raise ListFormatError(f"{where}: birthdate monthOfYear {month} is not a month")
    if full is None and year is not None and month is not None and day is not None:
        try:
            full = date(year, month, day)
        except ValueError:
            raise ListFormatError(
                f"{where}: birthdate {year}-{month:02d}-{day:02d} (year, monthOfYear, "
                "dayOfMonth) is not a date"
            ) from None
    if full is not None and year is not None and full.year != year:
        raise ListFormatError(
            f"{where}: birthdate {full.isoformat()} disagrees with its year {year}"
        )
    year_from = _int(elem, "yearRangeFrom", _YEAR, where)
    year_to = _int(elem, "yearRangeTo", _YEAR, where)
    if year_from is not None and year_to is not None and year_from > year_to:
        raise ListFormatError(
            f"{where}: birthdate yearRangeFrom {year_from} is after yearRangeTo {year_to}"
        )
    return BirthDate(
        full=full,
        year=None if full is not None else year,
        month=None if full is not None or year is None else month,
        year_from=year_from,
        year_to=year_to,
        circa=_attr(elem, "circa").lower() == "true",
        city=_attr(elem, "city"),
        country=_attr(elem, "countryIso2Code"),
    )


def _read_regulation(elem: Element, where: str) -> Regulation:
    url_elem = elem.find(_NS + "publicationUrl")
    return Regulation(
        programme=_attr(elem, "programme"),
        number_title=_attr(elem, "numberTitle"),
        regulation_type=_attr(elem, "regulationType"),
        publication_date=_date(elem, "publicationDate", where),
        entry_into_force_date=_date(elem, "entryIntoForceDate", where),
        url=((url_elem.text or "").strip() if url_elem is not None else "")
        or _attr(elem, "publicationUrl"),
    )


def _date(elem: Element, name: str, where: str) -> date | None:
    raw = _attr(elem, name)
    if not raw:
        return None
    if _ISO_DATE.fullmatch(raw):
        try:
            return date.fromisoformat(raw)
        except ValueError:
            pass
    tag = elem.tag.rpartition("}")[2]
    raise ListFormatError(f"{where}: {tag} {name} {raw!r} is not a date (YYYY-MM-DD)")


def _int(elem: Element, name: str, pattern: re.Pattern[str], where: str) -> int | None:
    raw = _attr(elem, name)
    if not raw:
        return None
    if not pattern.fullmatch(raw):
        tag = elem.tag.rpartition("}")[2]
        raise ListFormatError(f"{where}: {tag} {name} {raw!r} is not a number")
    return int(raw)


def write_list(
    generation_date: datetime,
    entities: Iterator[Entity] | tuple[Entity, ...] | list[Entity],
    *,
    global_file_id: str | None = None,
) -> bytes:
    """An export in the EU's format holding ``entities`` (``parse_list`` reads it back).

    Attributes the values do not hold are written empty, as the EU writes them.
    """
    # Tags are written unqualified under a default namespace declared by hand: ElementTree's
    # default_namespace option refuses the EU's unqualified attributes.
    root = Element(
        "export",
        {
            "xmlns": NAMESPACE,
            "generationDate": generation_date.isoformat(),
            "globalFileId": global_file_id or "",
        },
    )
    for entity in entities:
        elem = SubElement(
            root,
            "sanctionEntity",
            {
                "designationDate": _iso(entity.designation_date),
                "designationDetails": "",
                "unitedNationId": entity.united_nation_id,
                "euReferenceNumber": entity.reference or "",
                "logicalId": entity.logical_id,
            },
        )
        for reg in entity.regulations:
            reg_elem = SubElement(
                elem,
                "regulation",
                {
                    "regulationType": reg.regulation_type,
                    "organisationType": "council",
                    "publicationDate": _iso(reg.publication_date),
                    "entryIntoForceDate": _iso(reg.entry_into_force_date),
                    "numberTitle": reg.number_title,
                    "programme": reg.programme,
                },
            )
            SubElement(reg_elem, "publicationUrl").text = reg.url
        SubElement(
            elem,
            "subjectType",
            {
                "code": entity.subject_type.value,
                "classificationCode": "P" if entity.is_person else "E",
            },
        )
        for alias in entity.aliases:
            SubElement(
                elem,
                "nameAlias",
                {
                    "firstName": alias.first_name,
                    "middleName": alias.middle_name,
                    "lastName": alias.last_name,
                    "wholeName": alias.whole_name,
                    "function": alias.function,
                    "gender": alias.gender,
                    "title": alias.title,
                    "nameLanguage": alias.language,
                    "strong": "true" if alias.strong else "false",
                    "regulationLanguage": "en",
                    "logicalId": alias.logical_id or "",
                },
            )
        for code in entity.citizenships:
            SubElement(
                elem,
                "citizenship",
                {"region": "", "countryIso2Code": code, "regulationLanguage": "en"},
            )
        for birth in entity.birth_dates:
            full = birth.full
            SubElement(
                elem,
                "birthdate",
                {
                    "circa": "true" if birth.circa else "false",
                    "calendarType": "GREGORIAN",
                    "city": birth.city,
                    "zipCode": "",
                    "birthdate": _iso(full),
                    "dayOfMonth": str(full.day) if full else "",
                    "monthOfYear": str(full.month if full else birth.month or ""),
                    "year": str(full.year if full else birth.year or ""),
                    "yearRangeFrom": str(birth.year_from or ""),
                    "yearRangeTo": str(birth.year_to or ""),
                    "region": "",
                    "place": "",
                    "countryIso2Code": birth.country,
                    "regulationLanguage": "en",
                },
            )
    body = tostring(root, encoding="unicode")
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + body).encode()


def _iso(value: date | None) -> str:
    return value.isoformat() if value is not None else ""
