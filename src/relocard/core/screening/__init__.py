"""Sanctions screening: the EU's consolidated list, and matching Russian names against it.

Nobody receives a relocatee card without a security screening. This package is its pure core:
it reads the EU consolidated financial-sanctions list (Financial Sanctions Files, XML) and
screens people against the persons on it, across scripts (Cyrillic, Latin), transliterations
(ICAO, older passports, English and other European forms), name orders and the presence or
absence of patronymics, with the date of birth confirming or excluding. The Django shell stores
list versions and hits, and routes possible matches to screening officers; this package knows
nothing of that.

Public API::

    parse_list(data: bytes) -> SanctionsList     # the published XML; all or nothing
    SanctionsList.entities -> tuple[Entity, ...]  # persons and enterprises, their names, dates
    parse_query(mapping) -> Query                 # the CLI's JSON, strictly validated
    Query(names=(...), birth_date=date | None)
    index = ScreeningIndex(sanctions_list.entities)   # once per list version
    index.screen(query) -> tuple[Hit, ...]            # the hits an officer must see, best first
    index.screen_many(queries) -> list[tuple[Hit, ...]]   # bulk re-screening, same hits
    Hit.to_dict()                                 # what `relocard screening match` prints
    entity_record(entity) / entity_from_record(d) # what the database keeps of an entity
    list_changes(earlier, later) -> ListChanges   # added/removed/changed logical ids
    load_screening_policy("FR") -> ScreeningPolicy    # national checks per stage, deadline
    check_request_jws(signer, document) -> str    # a national check's signed request
    analyse_name(text) -> NameForm                # canonical tokens and roles of one name

    RAISE_THRESHOLD, TOKEN_THRESHOLD, BIRTH_FACTORS   # the calibrated constants

Exceptions::

    ScreeningError              base of everything raised on purpose
    ├── ListFormatError         (also a ValueError) a list file that cannot be used: not XML,
    │                           a DTD, another namespace, a missing logicalId or name, ...
    ├── QueryError              (also a ValueError) a query that cannot be used; ``field``
    │                           names the part that is wrong
    └── ScreeningPolicyError    a policy file's screening section cannot be read

How names are compared and scored is in :mod:`.names` and :mod:`.matching`, and for people in
``docs/screening.md`` (with the precision and recall measured on a labelled set).
"""

from relocard.core.screening.errors import ListFormatError, QueryError, ScreeningError
from relocard.core.screening.fsf import (
    CIRCA_YEARS,
    NAMESPACE,
    BirthAgreement,
    BirthDate,
    Entity,
    NameAlias,
    Regulation,
    SanctionsList,
    SubjectType,
    parse_list,
)
from relocard.core.screening.matching import (
    BIRTH_FACTORS,
    MAX_NAME_LENGTH,
    MAX_NAMES,
    MIDDLE_CONFLICT_WEIGHT,
    MIDDLE_WEIGHT,
    RAISE_THRESHOLD,
    TOKEN_THRESHOLD,
    UNMATCHED_WEIGHT,
    Hit,
    Query,
    Reason,
    ScreeningIndex,
    parse_query,
)
from relocard.core.screening.messages import REASON_TEMPLATES
from relocard.core.screening.names import (
    NameForm,
    Role,
    Script,
    analyse_name,
    canonical_token,
)
from relocard.core.screening.policy import (
    CHECK_TYPES,
    ScreeningPolicy,
    ScreeningPolicyError,
    load_screening_policy,
)
from relocard.core.screening.records import (
    CHECK_REQUEST_TYP,
    ListChanges,
    check_request_jws,
    entity_from_record,
    entity_record,
    list_changes,
    record_fingerprint,
)

__all__ = [
    "BIRTH_FACTORS",
    "CHECK_REQUEST_TYP",
    "CHECK_TYPES",
    "CIRCA_YEARS",
    "MAX_NAMES",
    "MAX_NAME_LENGTH",
    "MIDDLE_CONFLICT_WEIGHT",
    "MIDDLE_WEIGHT",
    "NAMESPACE",
    "RAISE_THRESHOLD",
    "REASON_TEMPLATES",
    "TOKEN_THRESHOLD",
    "UNMATCHED_WEIGHT",
    "BirthAgreement",
    "BirthDate",
    "Entity",
    "Hit",
    "ListChanges",
    "ListFormatError",
    "NameAlias",
    "NameForm",
    "Query",
    "QueryError",
    "Reason",
    "Regulation",
    "Role",
    "SanctionsList",
    "ScreeningError",
    "ScreeningIndex",
    "ScreeningPolicy",
    "ScreeningPolicyError",
    "Script",
    "SubjectType",
    "analyse_name",
    "canonical_token",
    "check_request_jws",
    "entity_from_record",
    "entity_record",
    "list_changes",
    "load_screening_policy",
    "parse_list",
    "parse_query",
    "record_fingerprint",
]
