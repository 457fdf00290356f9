"""Benchmark: re-screening every holder against a new list version, indexed vs a plain loop.

Builds a synthetic EU list in the published XML format (default 5,000 persons with 4 aliases
each, 20,000 aliases, in Cyrillic, BGN/PCGN, ICAO and MVD spellings, plus 1,000 enterprises)
and 300,000 synthetic holders (a passport Latin name and a Cyrillic name with patronymic, a date
of birth), 300 of whom are listed persons spelled differently. Then, in the same process:

* parses the list (``parse_list``) and builds the index (``ScreeningIndex``);
* re-screens all holders with ``ScreeningIndex.screen_many``, the bulk path (a fresh index per
  run, as after a new list version: nothing cached from an earlier run), ``--repeat`` times;
* times the plain loop, every holder against every alias (``screen_exhaustive``: the same
  scoring without the index), on a random sample of ``--sample`` holders, and scales it to all
  holders;
* checks that the bulk hits equal the loop's on the sample and that ``screen`` (the single
  check, as the CLI runs it) gives the same hits as the bulk run, and counts the planted
  listed persons found.

Run it with ``uv run python bench/screening.py`` (add ``--holders 30000`` for a quick look).
Results are printed as a Markdown table and written to ``bench/out/screening.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import platform
import random
import sys
import time
import warnings
from datetime import date, datetime, timedelta, timezone

import iuliia
import rapidfuzz
from faker.providers.person.ru_RU import Provider as RussianNames

from relocard.core.screening import (
    BirthDate,
    Entity,
    NameAlias,
    Query,
    Regulation,
    ScreeningIndex,
    SubjectType,
    parse_list,
)
from relocard.core.screening.fsf import write_list
from relocard.core.screening.names import analyse_name
from relocard.core.translit import icao_transliterate

warnings.filterwarnings("ignore", category=DeprecationWarning)  # iuliia's own

_ONSETS = [
    "б",
    "в",
    "г",
    "д",
    "ж",
    "з",
    "к",
    "л",
    "м",
    "н",
    "п",
    "р",
    "с",
    "т",
    "ф",
    "х",
    "ц",
    "ч",
    "ш",
    "щ",
    "бр",
    "гр",
    "др",
    "кр",
    "пр",
    "тр",
    "ст",
    "сл",
    "см",
]
_VOWELS = ["а", "е", "и", "о", "у", "ы", "я", "ю"]
_SUFFIXES = [("ов", "ова"), ("ев", "ева"), ("ин", "ина"), ("ский", "ская"), ("енко", "енко")]


def _zipf(items: list[str], rng: random.Random) -> tuple[list[str], list[float]]:
    """Items in random order with Zipf-like weights: the first has about 7 % (as the commonest
    Russian given names do)."""
    shuffled = items[:]
    rng.shuffle(shuffled)
    return shuffled, [1 / (rank + 3) for rank in range(len(shuffled))]


class Names:
    """Russian names with a plausible spread: common names often, a long tail of surnames."""

    def __init__(self, rng: random.Random, tail: int = 60_000) -> None:
        self.rng = rng
        self.given = {
            "m": _zipf(list(RussianNames.first_names_male), rng),
            "f": _zipf(list(RussianNames.first_names_female), rng),
        }
        self.middle = {
            "m": _zipf(list(RussianNames.middle_names_male), rng),
            "f": _zipf(list(RussianNames.middle_names_female), rng),
        }
        common = list(
            zip(RussianNames.last_names_male, RussianNames.last_names_female, strict=True)
        )
        stems: set[str] = set()
        while len(stems) < tail:
            stems.add(
                "".join(rng.choice(_ONSETS) + rng.choice(_VOWELS) for _ in range(rng.randint(1, 3)))
            )
        rare = []
        for stem in sorted(stems):
            male, female = rng.choice(_SUFFIXES)
            rare.append((stem.capitalize() + male, stem.capitalize() + female))
        self.common = common
        # The commonest surname (Smirnov, Ivanov) is carried by about 1 % of people.
        self.common_weights = [1 / (rank + 10) for rank in range(len(common))]
        self.rare = rare

    def person(self) -> tuple[str, str, str, str]:
        """(sex, given name, patronymic, surname) in Cyrillic."""
        rng = self.rng
        sex = rng.choice("mf")
        given = rng.choices(*self.given[sex])[0]
        middle = rng.choices(*self.middle[sex])[0]
        if rng.random() < 0.4:
            pair = rng.choices(self.common, self.common_weights)[0]
        else:
            pair = rng.choice(self.rare)
        return sex, given, middle, pair[0] if sex == "m" else pair[1]


def random_birth(rng: random.Random) -> date:
    return date(1945, 1, 1) + timedelta(days=rng.randrange(60 * 365))


def synthetic_list(
    persons: int, enterprises: int, names: Names, rng: random.Random
) -> list[Entity]:
    entities = []
    for number in range(persons):
        _, given, middle, surname = names.person()
        bgn = iuliia.BGN_PCGN.translate
        icao = iuliia.ICAO_DOC_9303.translate
        mvd = iuliia.MVD_310.translate
        aliases = (
            NameAlias(
                whole_name=f"{bgn(given)} {bgn(middle)} {bgn(surname).upper()}",
                first_name=bgn(given),
                middle_name=bgn(middle),
                last_name=bgn(surname).upper(),
            ),
            NameAlias(whole_name=f"{given} {middle} {surname.upper()}", language="RU"),
            NameAlias(whole_name=f"{icao(surname).upper()} {icao(given)} {icao(middle)}"),
            NameAlias(whole_name=f"{mvd(given)} {mvd(surname)}", strong=rng.random() < 0.8),
        )
        born = random_birth(rng)
        birth = rng.choices(
            [
                (BirthDate(full=born),),
                (BirthDate(year=born.year),),
                (BirthDate(year=born.year, circa=True),),
                (BirthDate(city="Moscow"),),
            ],
            [0.7, 0.15, 0.05, 0.1],
        )[0]
        entities.append(
            Entity(
                logical_id=str(100_000 + number),
                reference=f"EU.{9000 + number // 100}.{number % 100}",
                subject_type=SubjectType.PERSON,
                aliases=aliases,
                birth_dates=birth,
                citizenships=("RU",),
                regulations=(
                    Regulation(
                        programme="UKR",
                        number_title="2022/332 (OJ L53)",
                        regulation_type="amendment",
                        publication_date=date(2022, 2, 25),
                    ),
                ),
            )
        )
    for number in range(enterprises):
        _, _, _, surname = names.person()
        entities.append(
            Entity(
                logical_id=str(200_000 + number),
                reference=f"EU.{8000 + number // 100}.{number % 100}",
                subject_type=SubjectType.ENTERPRISE,
                aliases=(
                    NameAlias(whole_name=f'AO "{surname} Trade"'),
                    NameAlias(whole_name=f"{iuliia.BGN_PCGN.translate(surname)} Trade JSC"),
                ),
            )
        )
    return entities


Holder = tuple[tuple[str, ...], date]


def holders(
    count: int, planted: int, entities: list[Entity], names: Names, rng: random.Random
) -> tuple[list[Holder], dict[int, str]]:
    """Holders' names and dates of birth as the database holds them, and the planted persons.

    A holder has the Latin name of the passport (given name and surname, ICAO) and the Cyrillic
    name with patronymic.
    """
    queries: list[Holder] = []
    for _ in range(count):
        _, given, middle, surname = names.person()
        latin = icao_transliterate(f"{given} {surname}")
        queries.append(((latin, f"{surname} {given} {middle}"), random_birth(rng)))
    persons = [e for e in entities if e.is_person]
    expected: dict[int, str] = {}
    for position in rng.sample(range(count), planted):
        entity = rng.choice(persons)
        cyrillic = entity.aliases[1].whole_name.split()
        given, middle, surname = cyrillic[0], cyrillic[1], cyrillic[2].capitalize()
        schema = rng.choice([iuliia.ICAO_DOC_9303, iuliia.MVD_782, iuliia.WIKIPEDIA])
        listed = entity.birth_dates[0]
        born = listed.full or date(listed.year or 1970, 6, 15)
        queries[position] = (
            (schema.translate(f"{surname} {given}").upper(), f"{given} {surname}"),
            born,
        )
        expected[position] = entity.logical_id
    return queries, expected


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=5_000)
    parser.add_argument("--enterprises", type=int, default=1_000)
    parser.add_argument("--holders", type=int, default=300_000)
    parser.add_argument("--planted", type=int, default=300, help="listed persons among holders")
    parser.add_argument("--sample", type=int, default=25, help="holders timed in the plain loop")
    parser.add_argument("--repeat", type=int, default=2, help="bulk runs; the best is reported")
    parser.add_argument("--seed", type=int, default=20260524)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    t0 = time.perf_counter()
    names = Names(rng)
    entities = synthetic_list(args.persons, args.enterprises, names, rng)
    generated = datetime(2026, 5, 8, 14, 10, 7, tzinfo=timezone(timedelta(hours=2)))
    xml = write_list(generated, entities, global_file_id="184961")
    people, expected = holders(args.holders, args.planted, entities, names, rng)
    print(
        f"data: {args.persons:,} persons ({sum(len(e.aliases) for e in entities if e.is_person):,}"
        f" aliases), {args.enterprises:,} enterprises, {len(xml) / 1e6:.1f} MB of XML; "
        f"{len(people):,} holders ({time.perf_counter() - t0:.1f} s to generate)"
    )

    t0 = time.perf_counter()
    sanctions = parse_list(xml)
    parse_seconds = time.perf_counter() - t0
    t0 = time.perf_counter()
    index = ScreeningIndex(sanctions.entities)
    index_seconds = time.perf_counter() - t0
    print(
        f"parse: {parse_seconds:.2f} s; index: {index_seconds:.2f} s "
        f"({index.persons:,} persons, {index.aliases:,} distinct alias forms)"
    )

    bulk_times = []
    cpu_times = []
    query_times = []
    query_cpu_times = []
    results: list = []
    queries: list[Query] = []
    for _ in range(args.repeat):
        fresh = ScreeningIndex(sanctions.entities)
        t0, c0 = time.perf_counter(), time.process_time()
        queries = [Query(names=names_, birth_date=born) for names_, born in people]
        t1, c1 = time.perf_counter(), time.process_time()
        results = fresh.screen_many(queries)
        bulk_times.append(time.perf_counter() - t0)
        cpu_times.append(time.process_time() - c0)
        query_times.append(t1 - t0)
        query_cpu_times.append(c1 - c0)
    bulk_best, bulk_worst = min(bulk_times), max(bulk_times)
    load = os.getloadavg()[0]
    raised = sum(1 for hits in results if hits)
    distinct_words = len({w for q in queries for form in q.forms for w in form.words})
    distinct_tokens = len({t for q in queries for form in q.forms for t in form.tokens})
    found = sum(1 for i, lid in expected.items() if lid in {h.list_id for h in results[i]})
    print(
        f"bulk: runs {', '.join(f'{t:.1f}' for t in bulk_times)} s (of which queries built: "
        f"{', '.join(f'{t:.1f}' for t in query_times)} s; CPU time "
        f"{', '.join(f'{t:.1f}' for t in cpu_times)} s, of which queries built "
        f"{', '.join(f'{t:.1f}' for t in query_cpu_times)} s; load average {load:.1f}); "
        f"{distinct_words:,} distinct words, {distinct_tokens:,} distinct tokens; "
        f"{raised:,} holders raised, "
        f"{found}/{len(expected)} planted persons found"
    )

    sample_rng = random.Random(args.seed + 1)
    sample = sorted(sample_rng.sample(range(len(queries)), args.sample))
    sample += sorted(sample_rng.sample(sorted(expected), min(5, len(expected))))
    loop_index = ScreeningIndex(sanctions.entities)
    t0, c0 = time.perf_counter(), time.process_time()
    loop = [loop_index.screen_exhaustive(queries[i]) for i in sample]
    loop_seconds = time.perf_counter() - t0
    loop_cpu = time.process_time() - c0
    loop_cpu_scaled = loop_cpu / len(sample) * len(queries)
    per_holder = loop_seconds / len(sample)
    loop_scaled = per_holder * len(queries)
    mismatches = sum(loop[k] != results[i] for k, i in enumerate(sample))
    single = sum(index.screen(queries[i]) != results[i] for i in sample)
    print(
        f"plain loop: {loop_seconds:.1f} s for {len(sample)} holders ({per_holder * 1e3:.0f} ms "
        f"each, {loop_scaled / 3600:.1f} h scaled); mismatches with bulk: loop {mismatches}, "
        f"single {single}"
    )

    speedup = loop_scaled / bulk_best
    report = {
        "persons": args.persons,
        "aliases": sum(len(e.aliases) for e in entities if e.is_person),
        "enterprises": args.enterprises,
        "holders": len(queries),
        "xml_bytes": len(xml),
        "parse_seconds": round(parse_seconds, 3),
        "index_seconds": round(index_seconds, 3),
        "bulk_seconds_best": round(bulk_best, 2),
        "bulk_runs": [round(t, 2) for t in bulk_times],
        "bulk_cpu_seconds": [round(t, 2) for t in cpu_times],
        "load_average": round(load, 1),
        "loop_cpu_seconds_scaled": round(loop_cpu_scaled, 1),
        "speedup_cpu": round(loop_cpu_scaled / min(cpu_times), 1),
        "query_building_seconds": [round(t, 2) for t in query_times],
        "query_building_cpu_seconds": [round(t, 2) for t in query_cpu_times],
        "holders_raised": raised,
        "distinct_words": distinct_words,
        "distinct_tokens": distinct_tokens,
        "vocabulary": len(
            {
                t
                for e in sanctions.persons()
                for a in e.aliases
                for t in analyse_name(a.whole_name).tokens
            }
        ),
        "planted": len(expected),
        "planted_found": found,
        "loop_sample": len(sample),
        "loop_seconds_sample": round(loop_seconds, 2),
        "loop_seconds_scaled": round(loop_scaled, 1),
        "speedup": round(speedup, 1),
        "speedup_against_slowest_bulk_run": round(loop_scaled / bulk_worst, 1),
        "mismatches_loop": mismatches,
        "mismatches_single": single,
        "machine": {
            "python": platform.python_version(),
            "rapidfuzz": rapidfuzz.__version__,
            "cpus": os.cpu_count(),
            "processor": platform.processor() or platform.machine(),
        },
    }
    print()
    print("| measure | value |")
    print("| --- | --- |")
    print(
        f"| list | {args.persons:,} persons, {report['aliases']:,} aliases, {args.enterprises:,} enterprises |"
    )
    print(
        f"| parse the XML ({len(xml) / 1e6:.1f} MB) / build the index | {parse_seconds:.2f} / {index_seconds:.2f} s |"
    )
    print(
        f"| bulk, {len(queries):,} holders: best / slowest of {args.repeat} | {bulk_best:.1f} / {bulk_worst:.1f} s |"
    )
    print(
        f"| plain loop, {len(sample)} sampled holders | {loop_seconds:.1f} s ({per_holder * 1e3:.0f} ms each) |"
    )
    print(
        f"| plain loop, scaled to all holders | {loop_scaled:,.0f} s ({loop_scaled / 3600:.1f} h) |"
    )
    print(f"| bulk CPU time (all threads) / load average | {min(cpu_times):.1f} s / {load:.1f} |")
    print(f"| speed-up (scaled loop / best bulk) | {speedup:,.0f}x |")
    print(f"| speed-up in CPU time | {loop_cpu_scaled / min(cpu_times):,.0f}x |")
    print(f"| same hits: bulk = loop = single on the sample | {mismatches == single == 0} |")
    print(
        f"| holders raised / planted listed persons found | {raised:,} / {found} of {len(expected)} |"
    )

    out = pathlib.Path(__file__).parent / "out"
    out.mkdir(exist_ok=True)
    (out / "screening.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    return 0 if mismatches == single == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
