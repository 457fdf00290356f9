"""What the database keeps of a listed entity, the changes between versions, and the policy's
national checks (pure core)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from relocard.core.rules.policy import Stage
from relocard.core.screening import (
    BirthDate,
    Entity,
    NameAlias,
    ScreeningPolicyError,
    SubjectType,
    entity_from_record,
    entity_record,
    list_changes,
    load_screening_policy,
    parse_list,
    record_fingerprint,
)
from relocard.core.screening.fsf import write_list


def test_every_entity_of_the_sample_survives_the_record():
    from pathlib import Path

    data = (Path(__file__).parent / "data" / "eu_list_small.xml").read_bytes()
    for entity in parse_list(data).entities:
        record = entity_record(entity)
        back = entity_from_record(record)
        assert entity_record(back) == record
        assert (back.logical_id, back.subject_type) == (entity.logical_id, entity.subject_type)
        # the dates, not the places of birth (nothing of the applicant's is compared with them)
        assert [_dated(b) for b in back.birth_dates] == [_dated(b) for b in entity.birth_dates]
        assert [a.whole_name for a in back.aliases] == [a.whole_name for a in entity.aliases]


def _dated(b: BirthDate) -> tuple:
    return (b.full, b.year, b.month, b.year_from, b.year_to, b.circa)


def test_a_fingerprint_changes_with_any_name_or_date():
    entity = Entity(
        logical_id="1",
        reference="EU.1.1",
        subject_type=SubjectType.PERSON,
        aliases=(NameAlias(whole_name="Olga VOLKOVA"),),
        birth_dates=(BirthDate(year=1975, month=4),),
    )
    base = record_fingerprint(entity_record(entity))
    renamed = Entity(**{**_fields(entity), "aliases": (NameAlias(whole_name="Olga VOLKOVA-"),)})
    redated = Entity(**{**_fields(entity), "birth_dates": (BirthDate(year=1975, month=5),)})
    assert record_fingerprint(entity_record(renamed)) != base
    assert record_fingerprint(entity_record(redated)) != base
    assert record_fingerprint(entity_record(Entity(**_fields(entity)))) == base


def _fields(entity: Entity) -> dict:
    return {f: getattr(entity, f) for f in entity.__slots__}


ids = st.dictionaries(st.from_regex(r"[0-9]{1,6}", fullmatch=True), st.sampled_from("abc"))


@given(ids, ids)
def test_changes_partition_the_two_versions(earlier, later):
    changes = list_changes(earlier, later)
    assert set(changes.added) == later.keys() - earlier.keys()
    assert set(changes.removed) == earlier.keys() - later.keys()
    assert set(changes.changed) == {
        k for k in later.keys() & earlier.keys() if later[k] != earlier[k]
    }
    assert list(changes.added) == sorted(changes.added, key=int)


def test_a_written_list_reads_back_the_same_records():
    entity = Entity(
        logical_id="7",
        reference=None,
        subject_type=SubjectType.ENTERPRISE,
        aliases=(NameAlias(whole_name="АО Ромашка"),),
    )
    from datetime import UTC, datetime

    data = write_list(datetime(2026, 1, 1, tzinfo=UTC), [entity], global_file_id="1")
    (back,) = parse_list(data).entities
    assert entity_record(back) == entity_record(entity)


def test_the_launch_states_require_national_checks():
    fr = load_screening_policy("fr")
    assert fr.checks(Stage.ISSUANCE) == ("sis", "police", "intelligence")
    assert fr.checks("renewal") == ("sis", "police")
    assert fr.answer_days == 30
    with pytest.raises(ScreeningPolicyError):
        load_screening_policy("XX")


def test_a_birth_date_is_kept_as_a_date():
    entity = Entity(
        logical_id="9",
        reference="EU.9",
        subject_type=SubjectType.PERSON,
        aliases=(NameAlias(whole_name="Ivan PETROV"),),
        birth_dates=(BirthDate(full=date(1959, 3, 14)),),
    )
    assert entity_from_record(entity_record(entity)).birth_dates[0].full == date(1959, 3, 14)
