"""Demo data of the security screening: a small list version in the EU's format, two screening
officers per member state, and the fictional listed persons some demo applicants resemble, so
that ``relocard demo`` shows the officers' queue (used by :mod:`relocard.demo`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

from relocard.accounts.models import Role, User
from relocard.accounts.services import staff_user_create
from relocard.core.screening import BirthDate, Entity, NameAlias, SubjectType
from relocard.core.screening.fsf import write_list
from relocard.screening import services as ss

__all__ = ["DEMO_LIST", "answer_checks", "listed_lookalike", "seed_screening"]


def _person(logical_id, latin, cyrillic, born: BirthDate | None) -> Entity:
    return Entity(
        logical_id=logical_id,
        reference=f"EU.DEMO.{logical_id[-2:]}",
        subject_type=SubjectType.PERSON,
        aliases=(NameAlias(whole_name=latin), NameAlias(whole_name=cyrillic, language="RU")),
        birth_dates=(born,) if born else (),
        citizenships=("RU",),
    )


#: Fictional listed persons (none is a real person on the EU list) and one enterprise.
DEMO_LIST = (
    _person(
        "990001",
        "Yuliya Vladimirovna ZHUKOVA",
        "Юлия Владимировна ЖУКОВА",
        BirthDate(full=date(1980, 9, 30)),
    ),
    _person(
        "990002", "Grigoriy Andreyevich SHCHUKIN", "Григорий Андреевич ЩУКИН", BirthDate(year=1965)
    ),
    _person("990003", "Natalya Sergeyevna ORLOVA", "Наталья Сергеевна ОРЛОВА", None),
    _person(
        "990004",
        "Alexander Ivanovich PETROV",
        "Александр Иванович ПЕТРОВ",
        BirthDate(full=date(1959, 3, 14)),
    ),
    Entity(
        logical_id="990101",
        reference="EU.DEMO.E1",
        subject_type=SubjectType.ENTERPRISE,
        aliases=(NameAlias(whole_name="TULA PRECISION WORKS JSC"),),
    ),
)

#: Demo applicants resembling a listed person (one per launch member state): their cases land
#: in the screening officers' queue.
_LOOKALIKES = (
    ("Жукова", "Юлия Владимировна", "ZHUKOVA", "IULIIA", date(1980, 9, 30)),
    ("Щукин", "Григорий Андреевич", "SHCHUKIN", "GRIGORII", date(1965, 6, 2)),
    ("Орлова", "Наталья Сергеевна", "ORLOVA", "NATALIA", date(1984, 1, 19)),
    ("Петров", "Александр Иванович", "PETROV", "ALEKSANDR", date(1959, 3, 14)),
)


def listed_lookalike(n: int) -> dict:
    surname, given, surname_latin, given_latin, born = _LOOKALIKES[n % len(_LOOKALIKES)]
    return {
        "surname_cyrillic": surname,
        "given_names_cyrillic": given,
        "surname_latin": surname_latin,
        "given_names_latin": given_latin,
        "date_of_birth": born,
    }


def seed_screening(
    *,
    states: list[str],
    password: Callable[[], str],
    totp: Callable[[User], str],
    domain: str,
) -> tuple[dict[str, tuple[User, User]], list[tuple[str, ...]]]:
    """Load the demo list as version #1 and make two screening officers per member state."""
    data = write_list(datetime(2026, 5, 8, 14, 10, tzinfo=UTC), DEMO_LIST, global_file_id="DEMO")
    ss.list_version_load(data=data, loaded_by="demo")
    officers: dict[str, tuple[User, User]] = {}
    creds: list[tuple[str, ...]] = []
    for ms in states:
        pair = []
        for n in (1, 2):
            secret = password()
            user = staff_user_create(
                actor=None,
                email=f"screening.officer{n}.{ms.lower()}@{domain}",
                password=secret,
                role=Role.SCREENING_OFFICER,
                member_state=ms,
            )
            pair.append(user)
            creds.append((f"screening_officer {ms}", user.email, secret, totp(user)))
        officers[ms] = (pair[0], pair[1])
    return officers, creds


def answer_checks(app, officers: dict[str, tuple[User, User]]) -> None:
    """Record "no objection" to each national check of a case, with four eyes."""
    first, second = officers[app.member_state_id]
    for check in app.national_checks.filter(cycle=app.cycle, status="requested"):
        ss.check_answer_record(
            actor=first, check=check, answer="no_objection", authority_reference=""
        )
        ss.check_answer_confirm(actor=second, check=check)
