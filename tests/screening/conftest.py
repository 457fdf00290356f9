"""Fixtures of the screening tests: the gate on, screening officers, small lists in the EU's
published format (written with ``write_list``) and cases whose person is or is not listed."""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime

import pytest

from relocard.core.screening import BirthDate, Entity, NameAlias, SubjectType
from relocard.core.screening.fsf import write_list

ZHUKOVA = Entity(
    logical_id="900101",
    reference="EU.9001.01",
    subject_type=SubjectType.PERSON,
    aliases=(
        NameAlias(
            whole_name="Yuliya Vladimirovna ZHUKOVA",
            first_name="Yuliya",
            middle_name="Vladimirovna",
            last_name="ZHUKOVA",
        ),
        NameAlias(whole_name="Юлия Владимировна ЖУКОВА", language="RU"),
    ),
    birth_dates=(BirthDate(full=date(1980, 9, 30)),),
    citizenships=("RU",),
)
#: Listed with a year of birth only.
SHCHUKIN = Entity(
    logical_id="900102",
    reference="EU.9001.02",
    subject_type=SubjectType.PERSON,
    aliases=(
        NameAlias(whole_name="Grigoriy Andreyevich SHCHUKIN"),
        NameAlias(whole_name="Григорий Андреевич ЩУКИН", language="RU"),
    ),
    birth_dates=(BirthDate(year=1965),),
)
#: An enterprise with a person's name: never matched against a person.
ENTERPRISE = Entity(
    logical_id="900201",
    reference="EU.9002.01",
    subject_type=SubjectType.ENTERPRISE,
    aliases=(NameAlias(whole_name="ANNA IVANOVA"), NameAlias(whole_name="Анна Иванова")),
)
VOLKOVA = Entity(
    logical_id="900103",
    reference="",
    subject_type=SubjectType.PERSON,
    aliases=(NameAlias(whole_name="Olga Nikolayevna VOLKOVA"),),
    birth_dates=(BirthDate(full=date(1976, 11, 2)),),
)

ZHUKOVA_PROFILE = {
    "surname_latin": "ZHUKOVA",
    "given_names_latin": "IULIIA",
    "surname_cyrillic": "Жукова",
    "given_names_cyrillic": "Юлия Владимировна",
    "date_of_birth": date(1980, 9, 30),
}


def list_bytes(*entities: Entity, file_id: str = "184961", day: int = 8) -> bytes:
    return write_list(datetime(2026, 5, day, 14, 10, tzinfo=UTC), entities, global_file_id=file_id)


@pytest.fixture
def screening_on(settings):
    settings.RELOCARD_SCREENING_REQUIRED = True


@pytest.fixture
def officers(make_user):
    from relocard.accounts.models import Role

    return {
        "a": make_user(Role.SCREENING_OFFICER, "FR"),
        "b": make_user(Role.SCREENING_OFFICER, "FR"),
        "de": make_user(Role.SCREENING_OFFICER, "DE"),
    }


@pytest.fixture
def load(db):
    from relocard.screening.services import list_version_load

    def do(*entities: Entity, **kw):
        return list_version_load(data=list_bytes(*entities, **kw), loaded_by="test operator")

    return do


@pytest.fixture
def filed_case(make_case, staff):
    """A case filed and in review with every document verified; ``profile`` sets the person."""
    from relocard.cases import services as cs

    def make(profile: dict | None = None, member_state: str = "FR"):
        app = make_case("draft", member_state=member_state)
        if profile:
            applicant = app.applicant
            for k, v in profile.items():
                setattr(applicant, k, v)
            applicant.save()
        user = app.applicant.user
        cs.application_submit(actor=user, application=app, token=secrets.token_hex(8))
        app.refresh_from_db()
        cw = staff["caseworker"] if member_state == "FR" else staff["caseworker_de"]
        cs.application_start_review(actor=cw, application=app, version=app.version)
        app.refresh_from_db()
        for item in app.evidence.all():
            data = {f"review-{item.pk}-{k}": v for k, v in item.declared.items()}
            cs.evidence_review(actor=cw, evidence=item, status="verified", facts_data=data)
        app.refresh_from_db()
        return app

    return make


@pytest.fixture
def answer_checks(officers):
    """Answer every open national check of a case "no objection" with four eyes."""
    from relocard.screening import services as ss

    def do(app, first="a", second="b"):
        for check in app.national_checks.filter(cycle=app.cycle, status="requested"):
            ss.check_answer_record(
                actor=officers[first], check=check, answer="no_objection", authority_reference=""
            )
            ss.check_answer_confirm(actor=officers[second], check=check)

    return do
