"""A labelled set of name pairs for measuring the matcher's precision and recall.

Each pair is a listed person (an entity as the EU list would hold it: an English-style Latin
alias and, for most, a Cyrillic one) and a query (one name and a date of birth), labelled match
or not. The people are fictional; the names are chosen for the hard parts of Russian names
(ю/я/й/ё/х/ц/ч/ш/щ/ь, patronymics, -ov/-ova pairs).

True matches are spelled by ``iuliia``, a transliteration library, in the schemas that real
documents use (ICAO Doc 9303 in passports since 2014, MVD 310 and 782 in older passports, BGN/
PCGN, Wikipedia, bank and metro schemas, the UNGEGN and scientific schemas with diacritics), in
Cyrillic, with English spellings, with the surname first or last and the patronymic present or
not. Spelling them with a library rather than with the matcher's own rules keeps the test
honest. Near misses are other people: the same surname with another given name, the same given
name with another surname, the other sex's form of the same name, similar surnames, another
patronymic, and the same name with a date of birth the list rules out.

Run ``uv run python tests/core/screening/labelled.py`` for the table in docs/screening.md.
"""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass
from datetime import date

import iuliia

from relocard.core.screening import (
    RAISE_THRESHOLD,
    BirthDate,
    Entity,
    NameAlias,
    Query,
    ScreeningIndex,
    SubjectType,
)

#: The schemas real documents are written in (``iuliia`` names them).
SCHEMAS = {
    "icao": iuliia.ICAO_DOC_9303,
    "mvd_310": iuliia.MVD_310,
    "mvd_782": iuliia.MVD_782,
    "bgn_pcgn": iuliia.BGN_PCGN,
    "wikipedia": iuliia.WIKIPEDIA,
    "yandex_money": iuliia.YANDEX_MONEY,
    "mosmetro": iuliia.MOSMETRO,
    "ungegn": iuliia.UNGEGN_1987,
    "scientific": iuliia.SCIENTIFIC,
}

#: English spellings that are not a transliteration schema's output.
ENGLISH = {
    "Александр": ["Alexander"],
    "Алексей": ["Alexei", "Alexey"],
    "Юлия": ["Julia", "Yulia"],
    "Пётр": ["Peter"],
    "Евгений": ["Yevgeny", "Evgeny"],
    "Ксения": ["Xenia"],
    "Фёдор": ["Fyodor", "Fedor"],
    "Семён": ["Semyon"],
    "Максим": ["Maxim"],
    "Дмитрий": ["Dmitry"],
    "Юрий": ["Yury", "Yuri"],
    "Людмила": ["Ludmila"],
    "Наталья": ["Natalya", "Natalia"],
    "Григорий": ["Grigory", "Gregory"],
    "Вячеслав": ["Vyacheslav"],
    "Михаил": ["Mikhail"],
}


@dataclass(frozen=True)
class Person:
    given: str
    patronymic: str
    surname: str
    born: date
    #: how the list gives the date of birth: "full", "year", "range", "circa" or "none"
    listed_birth: str = "full"
    #: whether the list has a Cyrillic alias
    cyrillic: bool = True


LISTED: tuple[Person, ...] = (
    Person("Юлия", "Владимировна", "Жукова", date(1980, 9, 30)),
    Person("Григорий", "Андреевич", "Щукин", date(1965, 2, 11), "year"),
    Person("Наталья", "Сергеевна", "Смирнова", date(1971, 6, 5), "circa"),
    Person("Александр", "Иванович", "Петров", date(1959, 3, 14)),
    Person("Дмитрий", "Юрьевич", "Козлов", date(1977, 12, 1), "none"),
    Person("Евгений", "Ильич", "Хабаров", date(1968, 8, 19)),
    Person("Фёдор", "Семёнович", "Чернышёв", date(1955, 1, 23), "year"),
    Person("Ксения", "Петровна", "Цыганова", date(1988, 4, 2)),
    Person("Пётр", "Алексеевич", "Воробьёв", date(1962, 10, 10), "range"),
    Person("Семён", "Фёдорович", "Яковлев", date(1970, 7, 7), "full", False),
    Person("Екатерина", "Юрьевна", "Соловьёва", date(1983, 11, 30)),
    Person("Максим", "Вячеславович", "Щербаков", date(1979, 5, 16), "year"),
    Person("Людмила", "Григорьевна", "Юсупова", date(1966, 3, 3)),
    Person("Вячеслав", "Дмитриевич", "Кузьмин", date(1973, 9, 9), "full", False),
    Person("Алёна", "Игоревна", "Белоусова", date(1991, 2, 28)),
    Person("Артём", "Олегович", "Зайцев", date(1985, 6, 17), "year"),
    Person("Юрий", "Михайлович", "Ильин", date(1958, 12, 24)),
    Person("Михаил", "Евгеньевич", "Шувалов", date(1964, 4, 4), "none"),
    Person("Алексей", "Николаевич", "Хрущёв", date(1975, 8, 8)),
    Person("Татьяна", "Вячеславовна", "Ёлкина", date(1982, 1, 15), "circa"),
    Person("Ольга", "Анатольевна", "Щёголева", date(1969, 10, 31)),
    Person("Илья", "Ильич", "Рябцев", date(1987, 3, 21), "full", False),
    Person("Анастасия", "Денисовна", "Чайковская", date(1993, 7, 12)),
    Person("Виктор", "Фёдорович", "Ежов", date(1960, 5, 5), "year"),
    Person("Валерий", "Юрьевич", "Гуляев", date(1972, 11, 11)),
)

#: Near misses: (index into LISTED, given, patronymic, surname, date of birth, kind). A date of
#: birth of None means "the listed person's own" (the name alone must tell them apart).
NEAR_MISSES: tuple[tuple[int, str, str, str, date | None, str], ...] = (
    (0, "Ольга", "Владимировна", "Жукова", None, "same_surname"),
    (0, "Юлиана", "Владимировна", "Жукова", None, "same_surname"),
    (0, "Юлия", "Петровна", "Жукова", None, "other_patronymic"),
    (0, "Юлий", "Владимирович", "Жуков", None, "other_sex"),
    (0, "Юлия", "Владимировна", "Жуковская", None, "similar_surname"),
    (0, "Юлия", "Владимировна", "Жукова", date(1980, 9, 29), "other_birth_date"),
    (0, "Юлия", "Владимировна", "Жукова", date(1981, 9, 30), "other_birth_date"),
    (1, "Георгий", "Андреевич", "Щукин", None, "same_surname"),
    (1, "Григорий", "Андреевич", "Щукин", date(1966, 2, 11), "other_birth_year"),
    (1, "Григорий", "Андреевич", "Щуплов", None, "similar_surname"),
    (2, "Наталья", "Сергеевна", "Смирнова", date(1974, 6, 5), "other_birth_year"),
    (2, "Наталья", "Сергеевна", "Смирницкая", None, "similar_surname"),
    (2, "Надежда", "Сергеевна", "Смирнова", None, "same_surname"),
    (3, "Александра", "Ивановна", "Петрова", None, "other_sex"),
    (3, "Александр", "Иванович", "Петров", date(1985, 3, 14), "other_birth_date"),
    (3, "Александр", "Иванович", "Петренко", None, "similar_surname"),
    (3, "Алексей", "Иванович", "Петров", None, "same_surname"),
    (3, "Александр", "Сергеевич", "Петров", None, "other_patronymic"),
    (5, "Евгения", "Ильинична", "Хабарова", None, "other_sex"),
    (5, "Евгений", "Ильич", "Хабаров", date(1969, 8, 19), "other_birth_date"),
    (6, "Фёдор", "Семёнович", "Чернышов", date(1956, 1, 23), "other_birth_year"),
    (7, "Ксения", "Петровна", "Цыганкова", None, "similar_surname"),
    (7, "Ксения", "Павловна", "Цыганова", None, "other_patronymic"),
    (8, "Пётр", "Алексеевич", "Воробьёв", date(1970, 10, 10), "other_birth_year"),
    (8, "Павел", "Алексеевич", "Воробьёв", None, "same_surname"),
    (10, "Екатерина", "Юрьевна", "Соколова", None, "same_given"),
    (11, "Максим", "Вячеславович", "Щербатов", None, "similar_surname"),
    (12, "Людмила", "Григорьевна", "Юсупова", date(1967, 3, 3), "other_birth_date"),
    (14, "Алёна", "Игоревна", "Белова", None, "similar_surname"),
    (14, "Елена", "Игоревна", "Белоусова", None, "same_surname"),
    (15, "Артём", "Олегович", "Зайцев", date(1986, 6, 17), "other_birth_year"),
    (16, "Юрий", "Михайлович", "Ильюшин", None, "similar_surname"),
    (18, "Алексей", "Николаевич", "Хрусталёв", None, "similar_surname"),
    (19, "Татьяна", "Вячеславовна", "Ёлкина", date(1985, 1, 15), "other_birth_year"),
    (20, "Ольга", "Анатольевна", "Щеглова", None, "similar_surname"),
    (22, "Анастасия", "Денисовна", "Чайкина", None, "similar_surname"),
    (23, "Виктор", "Фёдорович", "Ежов", date(1961, 5, 5), "other_birth_year"),
    (24, "Валерия", "Юрьевна", "Гуляева", None, "other_sex"),
    (24, "Валерий", "Юрьевич", "Гуляев", date(1972, 11, 12), "other_birth_date"),
)


@dataclass(frozen=True)
class Pair:
    listed: Entity
    query: Query
    match: bool
    kind: str


def _translit(text: str, schema: str) -> str:
    return SCHEMAS[schema].translate(text)


def listed_entity(number: int, person: Person) -> Entity:
    latin = _translit(f"{person.given} {person.patronymic}", "bgn_pcgn")
    surname = _translit(person.surname, "bgn_pcgn").upper()
    aliases = [
        NameAlias(
            whole_name=f"{latin} {surname}",
            first_name=_translit(person.given, "bgn_pcgn"),
            middle_name=_translit(person.patronymic, "bgn_pcgn"),
            last_name=surname,
        )
    ]
    if person.cyrillic:
        aliases.append(
            NameAlias(
                whole_name=f"{person.given} {person.patronymic} {person.surname.upper()}",
                language="RU",
            )
        )
    born = person.born
    births = {
        "full": (BirthDate(full=born),),
        "year": (BirthDate(year=born.year),),
        "range": (BirthDate(year_from=born.year - 2, year_to=born.year + 2),),
        "circa": (BirthDate(year=born.year, circa=True),),
        "none": (BirthDate(city="Moscow"),),
    }[person.listed_birth]
    return Entity(
        logical_id=str(700000 + number),
        reference=f"EU.7000.{number}",
        subject_type=SubjectType.PERSON,
        aliases=tuple(aliases),
        birth_dates=births,
    )


def name_variants(given: str, patronymic: str, surname: str) -> list[tuple[str, str]]:
    """(kind, name) for one Cyrillic name: every schema, English forms, orders, scripts."""
    out: list[tuple[str, str]] = [
        ("cyrillic", f"{given} {surname}"),
        ("cyrillic_full", f"{surname} {given} {patronymic}"),
    ]
    for schema in SCHEMAS:
        g, p, s = (_translit(w, schema) for w in (given, patronymic, surname))
        out.append((f"{schema}", f"{g} {s}"))
        out.append((f"{schema}_full", f"{g} {p} {s}"))
        out.append((f"{schema}_surname_first", f"{s.upper()} {g.upper()}"))
    s = _translit(surname, "mvd_782")
    for english in ENGLISH.get(given, []):
        out.append(("english", f"{english} {s}"))
    return out


def labelled_pairs() -> list[Pair]:
    pairs: list[Pair] = []
    entities = [listed_entity(i, p) for i, p in enumerate(LISTED)]
    for person, entity in zip(LISTED, entities, strict=True):
        for kind, name in name_variants(person.given, person.patronymic, person.surname):
            pairs.append(Pair(entity, Query(names=(name,), birth_date=person.born), True, kind))
        # A query without a date of birth (a former name, an incomplete record) still matches.
        passport = _translit(f"{person.given} {person.surname}", "icao")
        pairs.append(Pair(entity, Query(names=(passport,)), True, "no_birth_date"))
        if person.listed_birth == "full":
            # A double surname (married name) on the passport, the list giving one.
            other = "Иванова" if person.surname.endswith("а") else "Иванов"
            double = _translit(f"{person.given} {person.surname}-{other}", "icao")
            pairs.append(
                Pair(entity, Query(names=(double,), birth_date=person.born), True, "double_surname")
            )
    for index, given, patronymic, surname, born, kind in NEAR_MISSES:
        entity = entities[index]
        when = born or LISTED[index].born
        for variant, name in name_variants(given, patronymic, surname):
            if kind == "other_patronymic" and not variant.endswith("_full"):
                continue  # without the patronymic, these are the listed person's own name
            pairs.append(Pair(entity, Query(names=(name,), birth_date=when), False, kind))
    return pairs


@dataclass(frozen=True)
class Measure:
    true_positives: int
    false_positives: int
    false_negatives: int
    true_negatives: int

    @property
    def precision(self) -> float:
        raised = self.true_positives + self.false_positives
        return self.true_positives / raised if raised else 1.0

    @property
    def recall(self) -> float:
        found = self.true_positives + self.false_negatives
        return self.true_positives / found if found else 1.0


def evaluate(
    pairs: list[Pair], threshold: float = RAISE_THRESHOLD
) -> tuple[Measure, Counter[str], Counter[str]]:
    """Screen each pair's query against its listed person alone; count the outcomes.

    Returns the measure, and the misses (false negatives and false positives) by kind.
    """
    counts = Counter[str]()
    missed = Counter[str]()
    raised_wrongly = Counter[str]()
    indexes: dict[str, ScreeningIndex] = {}
    for pair in pairs:
        index = indexes.setdefault(pair.listed.logical_id, ScreeningIndex([pair.listed]))
        raised = bool(index.screen(pair.query, threshold=threshold))
        if pair.match and raised:
            counts["tp"] += 1
        elif pair.match:
            counts["fn"] += 1
            missed[pair.kind] += 1
        elif raised:
            counts["fp"] += 1
            raised_wrongly[pair.kind] += 1
        else:
            counts["tn"] += 1
    return (
        Measure(counts["tp"], counts["fp"], counts["fn"], counts["tn"]),
        missed,
        raised_wrongly,
    )


def main() -> None:  # pragma: no cover - prints the table for docs/screening.md
    pairs = labelled_pairs()
    positives = sum(p.match for p in pairs)
    print(f"{len(pairs)} pairs: {positives} true matches, {len(pairs) - positives} near misses")
    print("| threshold | precision | recall | false positives | false negatives |")
    print("| --- | --- | --- | --- | --- |")
    for threshold in (0.75, 0.8, RAISE_THRESHOLD, 0.9, 0.95):
        measure, missed, wrong = evaluate(pairs, threshold)
        print(
            f"| {threshold:.2f} | {measure.precision:.3f} | {measure.recall:.3f} | "
            f"{measure.false_positives} {dict(wrong)} | {measure.false_negatives} {dict(missed)} |"
        )


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
