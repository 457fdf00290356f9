"""Screening people against the persons of a sanctions list: one matcher for one or many.

:class:`ScreeningIndex` is built once per list version from its entities (only persons are
indexed: an enterprise never matches a person). :meth:`ScreeningIndex.screen` screens one
query; :meth:`ScreeningIndex.screen_many` screens many at once (the bulk re-screening of all
holders when a new list version is loaded). ``screen`` *is* ``screen_many`` with one query: there
is one code path, so the bulk run and the single check always give the same hits.

How a query name is compared with a listed name (an alias)
-----------------------------------------------------------
1. Both are analysed by :func:`.names.analyse_name`: canonical tokens that merge the spellings
   of Russian names across scripts and transliterations, and a role for each (core, middle,
   initial). The names of one person share their middle names (:func:`_share_middle_names`).
2. Tokens are compared by :func:`.names.token_similarity` (``rapidfuzz``'s Indel similarity on
   the whole tokens and on their consonants, the lower; 0 for the male and female forms of one
   name); a pair below :data:`TOKEN_THRESHOLD` does not count.
3. Query and alias tokens are paired one to one, best pairs first, core with core and middle
   with middle, whatever their order (surname first or last).
4. A match needs two core pairs (given name and surname). The *name score* is the weighted
   mean similarity of the pairs, with a penalty for each core word left without a counterpart
   (:data:`UNMATCHED_WEIGHT`) and for middle names (patronymics) that both sides give and that
   differ (:data:`MIDDLE_CONFLICT_WEIGHT`). A middle name on one side only costs nothing.
5. The date of birth confirms or excludes: a listed full date must be the same day, a listed
   year (and month) or year range must agree, ``circa`` widens a year by one. A listed date that
   contradicts excludes the entity, whatever the name. The score is the name score times
   :data:`BIRTH_FACTORS` (a full date confirmed counts most, no date to compare least).
6. An entity is raised to an officer when its best alias scores at least
   :data:`RAISE_THRESHOLD`. Each hit carries its score and its reasons.

Blocking (why it is fast, and exact)
------------------------------------
Comparing every holder with every alias costs holders x aliases comparisons. The index instead
keeps, for every alias, each *pair* of its core tokens (as ids in the list's token vocabulary).
For a query, each distinct token is compared once with the vocabulary (``rapidfuzz``'s
``cdist``, in C, on all cores, with the tokens of a length that leaves room for the threshold)
and the similar vocabulary tokens are cached; the candidates of a
query name are the aliases holding a pair of tokens similar to a pair of its core tokens. Since
a match needs two core pairs above the token threshold, every alias that could match is a
candidate: blocking changes the speed, never the hits. :meth:`ScreeningIndex.screen_exhaustive`
compares with every alias in a loop and is kept as the reference the tests and the benchmark
check the index against.
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import Any, Final

import numpy as np
from rapidfuzz import fuzz, process

from relocard.core.i18n import Items, Msg
from relocard.core.screening.errors import QueryError
from relocard.core.screening.fsf import BirthAgreement, Entity, NameAlias
from relocard.core.screening.messages import message, render
from relocard.core.screening.names import (
    NameForm,
    Role,
    Script,
    analyse_name,
    token_similarity,
)

__all__ = [
    "BIRTH_FACTORS",
    "MAX_NAMES",
    "MAX_NAME_LENGTH",
    "MIDDLE_CONFLICT_WEIGHT",
    "MIDDLE_WEIGHT",
    "RAISE_THRESHOLD",
    "TOKEN_THRESHOLD",
    "UNMATCHED_WEIGHT",
    "Hit",
    "Query",
    "Reason",
    "ScreeningIndex",
    "parse_query",
]

#: Two canonical tokens below this Indel similarity are different names.
TOKEN_THRESHOLD: Final = 0.85
#: A hit is raised to a screening officer from this score on (see docs/screening.md for the
#: precision and recall measured at it).
RAISE_THRESHOLD: Final = 0.85
#: Weight of a matched middle-name pair (a core pair weighs 1).
MIDDLE_WEIGHT: Final = 0.5
#: Penalty for each core word of either name left without a counterpart.
UNMATCHED_WEIGHT: Final = 0.25
#: Penalty when both names give a middle name (patronymic) and they differ.
MIDDLE_CONFLICT_WEIGHT: Final = 1.0
#: Factor on the name score by what the date of birth says (``None``: nothing to compare).
BIRTH_FACTORS: Final[Mapping[BirthAgreement | None, float]] = MappingProxyType(
    {
        BirthAgreement.SAME_DATE: 1.0,
        BirthAgreement.SAME_YEAR: 0.95,
        BirthAgreement.NEAR_YEAR: 0.95,
        BirthAgreement.NO_DATE: 0.9,
        None: 0.9,
    }
)
#: Limits on a query (a holder has a Latin and a Cyrillic name, perhaps a former name or two).
MAX_NAMES: Final = 20
MAX_NAME_LENGTH: Final = 200

_BIRTH_RANK: Final = {
    BirthAgreement.SAME_DATE: 3,
    BirthAgreement.SAME_YEAR: 2,
    BirthAgreement.NEAR_YEAR: 1,
    BirthAgreement.CONTRADICTS: 0,
}
_ISO_DATE: Final = re.compile(r"\d{4}-\d{2}-\d{2}")
_QUERY_FIELDS: Final = ("names", "birth_date")
_EMPTY: Final[Mapping[int, float]] = MappingProxyType({})
#: Query tokens compared with the vocabulary per call of ``cdist`` (bounds its memory).
_CHUNK: Final = 2048
#: The cache of similar tokens is emptied when it grows past this many query tokens.
_CACHE_LIMIT: Final = 500_000


@dataclass(frozen=True, slots=True)
class Query:
    """A person to screen: their names in any script and order, and their date of birth.

    Raises :class:`QueryError` for no names, a name with fewer than two name parts, too many
    or too long names.
    """

    names: tuple[str, ...]
    birth_date: date | None = None
    #: The names analysed (:func:`.names.analyse_name`), once, when the query is made.
    forms: tuple[NameForm, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if isinstance(self.names, str) or not isinstance(self.names, tuple | list):
            raise QueryError("names", "expected a list of names")
        object.__setattr__(self, "names", tuple(self.names))
        if not self.names:
            raise QueryError("names", "give at least one name")
        if len(self.names) > MAX_NAMES:
            raise QueryError("names", f"at most {MAX_NAMES} names, got {len(self.names)}")
        forms = []
        for i, name in enumerate(self.names):
            if not isinstance(name, str):
                raise QueryError(f"names[{i}]", "expected a name as text")
            if len(name) > MAX_NAME_LENGTH:
                raise QueryError(f"names[{i}]", f"longer than {MAX_NAME_LENGTH} characters")
            forms.append(analyse_name(name))
            if len(forms[-1].core) < 2:
                raise QueryError(
                    f"names[{i}]",
                    f"{name!r} has fewer than two name parts; give the given name and the surname",
                )
        if self.birth_date is not None and not isinstance(self.birth_date, date):
            raise QueryError("birth_date", "expected a date")
        object.__setattr__(self, "forms", _share_middle_names(forms))


def _share_middle_names(forms: list[NameForm]) -> tuple[NameForm, ...]:
    """Give each name without a middle name the middle names (patronymics) of the others.

    The names of one person (a query's, or a listed entity's aliases) describe one person: a
    holder's passport name has no patronymic but the Cyrillic name has, and a listed person's
    short alias has none but the full one has. Once the patronymic is known, a person with
    another patronymic is another person, even where the short names alone would match.
    """
    middles: dict[str, str] = {}
    for form in forms:
        for word, token, role in zip(form.words, form.tokens, form.roles, strict=True):
            if role is Role.MIDDLE:
                middles.setdefault(token, word)
    if not middles:
        return tuple(forms)
    return tuple(
        form
        if Role.MIDDLE in form.roles
        else form._replace(
            words=form.words + tuple(middles.values()),
            tokens=form.tokens + tuple(middles),
            roles=form.roles + (Role.MIDDLE,) * len(middles),
        )
        for form in forms
    )


def parse_query(raw: object) -> Query:
    """A :class:`Query` from its JSON form ``{"names": [...], "birth_date": "YYYY-MM-DD"}``.

    ``birth_date`` may be left out or ``null``. Raises :class:`QueryError` naming the field.
    """
    if not isinstance(raw, Mapping):
        raise QueryError("query", 'expected an object {"names": [...], "birth_date": ...}')
    unknown = sorted(str(k) for k in raw if k not in _QUERY_FIELDS)
    if unknown:
        raise QueryError(unknown[0], f"unknown field (expected {' and '.join(_QUERY_FIELDS)})")
    if "names" not in raw:
        raise QueryError("names", "missing; give a list of the person's names")
    names = raw["names"]
    if not isinstance(names, list):
        raise QueryError("names", "expected a list of names")
    born = raw.get("birth_date")
    birth_date = None
    if born is not None:
        if not isinstance(born, str) or not _ISO_DATE.fullmatch(born):
            raise QueryError("birth_date", f"{born!r} is not a date in the form YYYY-MM-DD")
        try:
            birth_date = date.fromisoformat(born)
        except ValueError:
            raise QueryError("birth_date", f"{born} is not a date that exists") from None
    return Query(names=tuple(names), birth_date=birth_date)


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a hit was raised: a stable ``code`` and its ``params`` (see :mod:`.messages`)."""

    code: str
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """In English."""
        return render(self.code, self.params)

    @property
    def message(self) -> Msg:
        """In any language: ``reason.message.render("ru")``."""
        return message(self.code, self.params)


@dataclass(frozen=True, slots=True)
class Hit:
    """A listed person the query may be: the alias matched, the score and the reasons."""

    #: The entity's ``logicalId``.
    list_id: str
    #: The entity's ``euReferenceNumber`` (``None`` where the list gives none).
    reference: str | None
    #: The alias matched, as the list writes it.
    name: str
    #: 0..1, rounded to three decimals; raised from :data:`RAISE_THRESHOLD` on.
    score: float
    reasons: tuple[Reason, ...]
    #: The query's name that matched it.
    query_name: str
    name_score: float
    birth: BirthAgreement | None
    entity: Entity = field(repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """The hit as ``relocard screening match`` prints it."""
        return {
            "list_id": self.list_id,
            "reference": self.reference,
            "name": self.name,
            "score": self.score,
            "reasons": [r.text for r in self.reasons],
        }


_Sims = list[Mapping[int, float]]  # per query token: vocabulary id -> similarity
_Candidates = Callable[[NameForm, _Sims], Iterable[int]]
_Compare = Callable[[NameForm, int], _Sims]


@dataclass(frozen=True, slots=True)
class _Alignment:
    name_score: float
    pairs: tuple[tuple[float, int, int], ...]  # (similarity, query position, alias position)
    query_unmatched: tuple[int, ...]
    alias_unmatched: tuple[int, ...]
    middle: str  # "", "only_listed", "only_query", "differs"


class ScreeningIndex:
    """The persons of one list version, indexed for screening.

    Build it once per list version (``ScreeningIndex(sanctions_list.entities)``) and reuse it: it
    caches the similar tokens of the names it has seen. ``workers`` is how many threads
    ``rapidfuzz`` may use to compare new tokens with the vocabulary (``-1``: all cores); the
    hits never depend on it.
    """

    def __init__(self, entities: Iterable[Entity], *, workers: int = -1) -> None:
        self._workers = workers
        self._entities: list[Entity] = [e for e in entities if e.is_person]
        self._alias_entity: list[int] = []
        self._aliases: list[NameAlias] = []
        self._forms: list[NameForm] = []
        self._token_ids: list[tuple[int, ...]] = []
        vocabulary: dict[str, int] = {}
        pairs: dict[int, list[int]] = {}
        for number, entity in enumerate(self._entities):
            seen: set[tuple[object, ...]] = set()
            forms = _share_middle_names(
                [analyse_name(a.whole_name, middle_name=a.middle_name) for a in entity.aliases]
            )
            for alias, form in zip(entity.aliases, forms, strict=True):
                key = (form.tokens, form.roles, form.script)
                if not form.tokens or key in seen:
                    continue
                seen.add(key)
                ids = tuple(vocabulary.setdefault(t, len(vocabulary)) for t in form.tokens)
                index = len(self._aliases)
                self._alias_entity.append(number)
                self._aliases.append(alias)
                self._forms.append(form)
                self._token_ids.append(ids)
                core = [ids[i] for i in form.core]
                distinct = sorted(set(core))
                for x, u in enumerate(distinct):
                    if core.count(u) > 1:  # the same word twice (Lee Lee)
                        pairs.setdefault(u << 32 | u, []).append(index)
                    for v in distinct[x + 1 :]:
                        pairs.setdefault(u << 32 | v, []).append(index)
        self._vocabulary: list[str] = list(vocabulary)
        # The vocabulary sorted by token length, so that a query token is compared only with
        # tokens whose length leaves room for the threshold (Indel: 2 min / (a + b) >= t).
        by_length = sorted(range(len(self._vocabulary)), key=lambda i: len(self._vocabulary[i]))
        self._by_length_ids: list[int] = by_length
        self._by_length_tokens: list[str] = [self._vocabulary[i] for i in by_length]
        self._length_starts: list[int] = [
            bisect.bisect_left(self._by_length_tokens, n, key=len)
            for n in range(max(map(len, self._vocabulary), default=0) + 2)
        ]
        self._pairs: dict[int, tuple[int, ...]] = {
            k: tuple(sorted(set(v))) for k, v in pairs.items()
        }
        self._similar: dict[str, Mapping[int, float]] = {}

    @property
    def persons(self) -> int:
        """How many persons are indexed."""
        return len(self._entities)

    @property
    def aliases(self) -> int:
        """How many distinct alias forms are indexed."""
        return len(self._aliases)

    def screen(self, query: Query, *, threshold: float = RAISE_THRESHOLD) -> tuple[Hit, ...]:
        """The hits for one query, best first (those scoring at least ``threshold``)."""
        return self.screen_many([query], threshold=threshold)[0]

    def screen_many(
        self, queries: Sequence[Query], *, threshold: float = RAISE_THRESHOLD
    ) -> list[tuple[Hit, ...]]:
        """The hits for each query, in the order of the queries (the bulk re-screening)."""
        self._learn(
            {
                token
                for query in queries
                for form in query.forms
                for token, role in zip(form.tokens, form.roles, strict=True)
                if role is not Role.INITIAL
            }
        )
        return [self._screen(query, self._candidates, threshold) for query in queries]

    def screen_exhaustive(
        self, query: Query, *, threshold: float = RAISE_THRESHOLD
    ) -> tuple[Hit, ...]:
        """The same hits as :meth:`screen`, found by comparing the query with every alias.

        The reference that the index is tested and benchmarked against; far too slow for use.
        """

        def every_alias(form: NameForm, sims: list[Mapping[int, float]]) -> Iterable[int]:
            return range(len(self._aliases))

        def compare(form: NameForm, alias: int) -> list[Mapping[int, float]]:
            out: list[Mapping[int, float]] = []
            for token, role in zip(form.tokens, form.roles, strict=True):
                found: dict[int, float] = {}
                if role is not Role.INITIAL:
                    for other, vid in zip(
                        self._forms[alias].tokens, self._token_ids[alias], strict=True
                    ):
                        similarity = token_similarity(token, other)
                        if similarity >= TOKEN_THRESHOLD:
                            found[vid] = similarity
                out.append(found)
            return out

        return self._screen(query, every_alias, threshold, compare)

    # -- internals ---------------------------------------------------------------------------

    def _learn(self, tokens: set[str]) -> None:
        """Find, once per distinct token, the vocabulary tokens similar to it."""
        new = sorted(t for t in tokens if t not in self._similar)
        if not new:
            return
        if len(self._similar) + len(new) > _CACHE_LIMIT:
            self._similar.clear()
        by_length: dict[int, list[str]] = {}
        for token in new:
            by_length.setdefault(len(token), []).append(token)
        starts = self._length_starts
        longest = len(starts) - 2
        for length, group in by_length.items():
            low = min(math.floor(length * TOKEN_THRESHOLD / (2 - TOKEN_THRESHOLD)), longest + 1)
            high = min(math.ceil(length * (2 - TOKEN_THRESHOLD) / TOKEN_THRESHOLD), longest)
            first, last = starts[low], starts[high + 1]
            for start in range(0, len(group), _CHUNK):
                self._learn_chunk(group[start : start + _CHUNK], first, last)

    def _learn_chunk(self, chunk: list[str], first: int, last: int) -> None:
        """Compare ``chunk`` with the vocabulary tokens ``first:last`` (by length)."""
        if first >= last:
            self._similar.update(dict.fromkeys(chunk, _EMPTY))
            return
        choices = self._by_length_tokens[first:last]
        # ``cdist`` (C, all cores) is a filter on the whole tokens, with uint8 scores and a
        # cut-off one point low; each survivor is then scored exactly by ``token_similarity``,
        # so that a token's similarities never depend on how it was batched.
        matrix = process.cdist(
            chunk,
            choices,
            scorer=fuzz.ratio,
            score_cutoff=int(TOKEN_THRESHOLD * 100) - 1,
            dtype=np.uint8,
            workers=self._workers if len(chunk) * len(choices) > 1_000_000 else 1,
        )
        rows, cols = np.nonzero(matrix)
        found: dict[int, dict[int, float]] = {}
        ids = self._by_length_ids
        for row, col in zip(rows.tolist(), cols.tolist(), strict=True):
            similarity = token_similarity(chunk[row], choices[col])
            if similarity >= TOKEN_THRESHOLD:
                found.setdefault(row, {})[ids[first + col]] = similarity
        for row, token in enumerate(chunk):
            self._similar[token] = found.get(row, _EMPTY)

    def _sims(self, form: NameForm) -> list[Mapping[int, float]]:
        return [
            _EMPTY if role is Role.INITIAL else self._similar.get(token, _EMPTY)
            for token, role in zip(form.tokens, form.roles, strict=True)
        ]

    def _candidates(self, form: NameForm, sims: list[Mapping[int, float]]) -> Iterable[int]:
        core = [sims[i] for i in form.core if sims[i]]
        pairs = self._pairs
        out: set[int] = set()
        for x, first in enumerate(core):
            for second in core[x + 1 :]:
                for u in first:
                    for v in second:
                        found = pairs.get(u << 32 | v if u <= v else v << 32 | u)
                        if found:
                            out.update(found)
        return sorted(out)

    def _screen(
        self,
        query: Query,
        candidates: _Candidates,
        threshold: float,
        compare: _Compare | None = None,
    ) -> tuple[Hit, ...]:
        """Score the candidates of each of the query's names; keep each entity's best alias.

        ``compare`` replaces the cached token similarities (the exhaustive reference).
        """
        births: dict[int, BirthAgreement | None] = {}
        best: dict[int, tuple[float, NameForm, int, _Alignment]] = {}
        for form in query.forms:
            sims = self._sims(form)
            for alias in candidates(form, sims):
                entity = self._alias_entity[alias]
                if entity not in births:
                    births[entity] = _birth(self._entities[entity], query.birth_date)
                birth = births[entity]
                if birth is BirthAgreement.CONTRADICTS:
                    continue
                alignment = self._align(form, compare(form, alias) if compare else sims, alias)
                if alignment is None:
                    continue
                score = round(alignment.name_score * BIRTH_FACTORS[birth], 3)
                if entity not in best or score > best[entity][0]:
                    best[entity] = (score, form, alias, alignment)
        hits = [
            self._hit(query, form, alias, alignment, score, births[entity])
            for entity, (score, form, alias, alignment) in best.items()
            if score >= threshold
        ]
        hits.sort(key=lambda h: (-h.score, h.list_id))
        return tuple(hits)

    def _align(
        self, form: NameForm, sims: list[Mapping[int, float]], alias: int
    ) -> _Alignment | None:
        other = self._forms[alias]
        ids = self._token_ids[alias]
        options: list[tuple[float, int, int]] = []
        for qi, role in enumerate(form.roles):
            found = sims[qi]
            if role is Role.INITIAL or not found:
                continue
            for ai, alias_role in enumerate(other.roles):
                if alias_role is role:
                    similarity = found.get(ids[ai])
                    if similarity is not None:
                        options.append((similarity, qi, ai))
        options.sort(key=lambda o: (-o[0], o[1], o[2]))
        used_q = used_a = 0
        pairs: list[tuple[float, int, int]] = []
        for similarity, qi, ai in options:
            if used_q >> qi & 1 or used_a >> ai & 1:
                continue
            used_q |= 1 << qi
            used_a |= 1 << ai
            pairs.append((similarity, qi, ai))
        core_pairs = sum(1 for _, qi, _ in pairs if form.roles[qi] is Role.CORE)
        if core_pairs < 2:
            return None
        query_unmatched = tuple(
            i for i, r in enumerate(form.roles) if r is Role.CORE and not used_q >> i & 1
        )
        alias_unmatched = tuple(
            i for i, r in enumerate(other.roles) if r is Role.CORE and not used_a >> i & 1
        )
        query_middle = any(
            r is Role.MIDDLE and not used_q >> i & 1 for i, r in enumerate(form.roles)
        )
        alias_middle = any(
            r is Role.MIDDLE and not used_a >> i & 1 for i, r in enumerate(other.roles)
        )
        middle = ""
        penalty = UNMATCHED_WEIGHT * (len(query_unmatched) + len(alias_unmatched))
        if query_middle and alias_middle:
            middle = "differs"
            penalty += MIDDLE_CONFLICT_WEIGHT
        elif alias_middle:
            middle = "only_listed"
        elif query_middle:
            middle = "only_query"
        weighted = total = 0.0
        for similarity, qi, _ in pairs:
            weight = 1.0 if form.roles[qi] is Role.CORE else MIDDLE_WEIGHT
            weighted += weight * similarity
            total += weight
        pairs.sort(key=lambda p: p[1])
        return _Alignment(
            name_score=weighted / (total + penalty),
            pairs=tuple(pairs),
            query_unmatched=query_unmatched,
            alias_unmatched=alias_unmatched,
            middle=middle,
        )

    def _hit(
        self,
        query: Query,
        form: NameForm,
        alias: int,
        alignment: _Alignment,
        score: float,
        birth: BirthAgreement | None,
    ) -> Hit:
        entity = self._entities[self._alias_entity[alias]]
        listed = self._aliases[alias]
        other = self._forms[alias]
        reasons = [
            Reason(
                "name",
                {
                    "query": form.text,
                    "alias": listed.whole_name,
                    "name_score": f"{alignment.name_score:.2f}",
                },
            ),
            Reason(
                "parts",
                {
                    "pairs": ", ".join(
                        f"{form.words[qi]} ~ {other.words[ai]} ({similarity:.2f})"
                        for similarity, qi, ai in alignment.pairs
                    )
                },
            ),
        ]
        if form.script is not other.script and Script.OTHER not in (form.script, other.script):
            reasons.append(
                Reason("script", {"query_script": form.script, "alias_script": other.script})
            )
        core_order = [ai for _, qi, ai in alignment.pairs if form.roles[qi] is Role.CORE]
        if core_order != sorted(core_order):
            reasons.append(Reason("order"))
        query_middle = " ".join(
            form.words[i]
            for i, r in enumerate(form.roles)
            if r is Role.MIDDLE and all(qi != i for _, qi, _ in alignment.pairs)
        )
        alias_middle = " ".join(
            other.words[i]
            for i, r in enumerate(other.roles)
            if r is Role.MIDDLE and all(ai != i for _, _, ai in alignment.pairs)
        )
        if alignment.middle == "differs":
            reasons.append(
                Reason(
                    "middle_differs",
                    {"query_middle": query_middle, "alias_middle": alias_middle},
                )
            )
        elif alignment.middle == "only_listed":
            reasons.append(Reason("middle_only_listed", {"alias_middle": alias_middle}))
        elif alignment.middle == "only_query":
            reasons.append(Reason("middle_only_query", {"query_middle": query_middle}))
        extra = [form.words[i] for i in alignment.query_unmatched] + [
            other.words[i] for i in alignment.alias_unmatched
        ]
        if extra:
            reasons.append(Reason("extra_parts", {"parts": ", ".join(extra)}))
        if not listed.strong:
            reasons.append(Reason("weak_alias"))
        reasons.append(_birth_reason(entity, query.birth_date, birth))
        return Hit(
            list_id=entity.logical_id,
            reference=entity.reference,
            name=listed.whole_name,
            score=score,
            reasons=tuple(reasons),
            query_name=form.text,
            name_score=round(alignment.name_score, 3),
            birth=birth,
            entity=entity,
        )


def _birth(entity: Entity, born: date | None) -> BirthAgreement | None:
    """What the listed dates of birth say about ``born`` (``None``: no date in the query)."""
    if born is None:
        return None
    agreements = [b.compare(born) for b in entity.birth_dates if b.is_dated]
    if not agreements:
        return BirthAgreement.NO_DATE
    return max(agreements, key=_BIRTH_RANK.__getitem__)


def _birth_reason(entity: Entity, born: date | None, birth: BirthAgreement | None) -> Reason:
    if born is None or birth is None:
        return Reason("birth_not_given")
    if birth is BirthAgreement.NO_DATE:
        return Reason("birth_unlisted")
    listed = [b for b in entity.birth_dates if b.is_dated and b.compare(born) is birth]
    # Each listed date as a message: "circa 1952" reads in the officer's language.
    described = Items(tuple(b.message() for b in listed), ",")
    if birth is BirthAgreement.SAME_DATE:
        return Reason("birth_date_same", {"born": born})
    code = "birth_year_same" if birth is BirthAgreement.SAME_YEAR else "birth_year_near"
    return Reason(code, {"born_year": born.year, "listed": described})
