"""A random population of card holders, written in bulk (the services would take minutes).

Every situation the nightly run must handle turns up: facts missing or partial, several facts
rows per case, trips with no return and entries with no departure, force-majeure exceptions in
the facts row's cycle and in others, evidence expiring before or after the card, renewals
pending or decided, card years over, running, and just started.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest

from relocard.core.identifiers import new_card_number, new_case_reference

_serial = itertools.count(1)

TODAY = date(2026, 6, 30)
MEMBER_STATES = ("FR", "DE", "PL", "CY")
LANGUAGES = ("", "", "none", "fr:B2", "en:A2", "de:C1;fr:A1", "pl:B1", "el:B2;en:C2")
EMPLOYMENT = ("", "employed", "employed", "self_employed", "none")
TENURE = ("", "tenant", "tenant", "owner", "none")
COUNTRIES = ("", "FR", "DE", "PL", "CY", "GB", "RU")
PENDING = ("draft", "submitted", "in_review", "correction_requested", "refusal_proposed")


@dataclass
class Population:
    cards: list
    staff: object


def build_population(
    n: int,
    *,
    seed: int,
    today: date = TODAY,
    staff_user=None,
    trips_per_holder: int = 10,
) -> Population:
    """``n`` active cards with random histories, facts and exceptions."""
    from relocard.accounts.models import Applicant, Role, User
    from relocard.cards.models import Card
    from relocard.cases.models import AcceptedException, Application, CaseFacts
    from relocard.presence.models import Trip

    rng = random.Random(seed)
    if staff_user is None:
        staff_user = User.objects.create_user(
            f"cw{next(_serial)}-{seed}@example.test",
            "a-long-test-password",
            role=Role.CASEWORKER,
            member_state_id="FR",
        )
    batch = next(_serial)
    users = User.objects.bulk_create(
        [
            User(
                email=f"holder{batch}-{seed}-{i}@example.test",
                password="!",
                role=Role.APPLICANT,
                preferred_language=rng.choice(("en", "ru")),
            )
            for i in range(n)
        ]
    )
    applicants = Applicant.objects.bulk_create(
        [
            Applicant(
                user=u,
                surname_cyrillic="Петрова",
                given_names_cyrillic="Мария",
                surname_latin="PETROVA",
                given_names_latin="MARIA",
                date_of_birth=date(1988, 1, 1),
                nationality="RU",
                passport_number=f"7{batch:03d}{i:06d}",
                passport_expiry=today + timedelta(days=3000),
                safe_mode=rng.random() < 0.3,
            )
            for i, u in enumerate(users)
        ]
    )
    plan = []
    for applicant in applicants:
        member_state = rng.choice(MEMBER_STATES)
        start = today + timedelta(days=rng.randint(-420, 20))
        length = rng.choice((364, 365, 365, 365))
        cycle = rng.choice((1, 1, 1, 2))
        renewal = rng.random()
        if start + timedelta(days=length) < today and renewal < 0.6:
            # Most holders whose year is over have applied to renew (their card stays active).
            stage, case_cycle, state = "renewal", cycle + 1, rng.choice(PENDING)
        elif renewal < 0.25:  # a renewal case in the next cycle, pending or not
            stage, case_cycle = "renewal", cycle + 1
            state = rng.choice((*PENDING, "approved", "refused", "withdrawn"))
        elif renewal < 0.3:  # a renewal case in the card's own cycle: never pending
            stage, case_cycle, state = "renewal", cycle, rng.choice(PENDING)
        else:
            stage, case_cycle, state = "issuance", cycle, "approved"
        plan.append((applicant, member_state, start, length, cycle, stage, case_cycle, state))
    applications = Application.objects.bulk_create(
        [
            Application(
                reference=new_case_reference(ms),
                applicant=a,
                member_state_id=ms,
                state=state,
                stage=stage,
                cycle=case_cycle,
                created_by=a.user,
            )
            for a, ms, _s, _l, _c, stage, case_cycle, state in plan
        ]
    )
    cards = Card.objects.bulk_create(
        [
            Card(
                number=new_card_number(ms),
                application=app,
                applicant=a,
                member_state_id=ms,
                cycle=cycle,
                valid_from=start,
                valid_until=start + timedelta(days=length),
                status_list_index=batch * 100_000 + i,
                issued_at=app.created_at,
            )
            for i, ((a, ms, start, length, cycle, *_rest), app) in enumerate(
                zip(plan, applications, strict=True)
            )
        ]
    )
    facts, exceptions, trips = [], [], []
    for card, app in zip(cards, applications, strict=True):
        roll = rng.random()
        cycles = [] if roll < 0.15 else [app.cycle] if roll < 0.85 else [1, app.cycle + 1]
        for c in sorted(set(cycles)):
            expiry = rng.random()
            facts.append(
                CaseFacts(
                    application=app,
                    cycle=c,
                    nationality=rng.choice(("RU", "RU", "")),
                    isced_level=rng.choice((None, 3, 6, 7, 7)),
                    languages=rng.choice(LANGUAGES),
                    employment=rng.choice(EMPLOYMENT),
                    housing_tenure=rng.choice(TENURE),
                    housing_country=rng.choice(COUNTRIES),
                    liquid_assets_eur=rng.choice(
                        (None, Decimal("5000.00"), Decimal("30000.50"), Decimal("100000"))
                    ),
                    expires_on=None
                    if expiry < 0.5
                    else card.valid_until + timedelta(days=rng.randint(-200, 200)),
                )
            )
        if rng.random() < 0.3:
            exc_cycle = rng.choice((app.cycle, app.cycle, card.cycle, app.cycle + 1, 1))
            for _ in range(rng.randint(1, 2)):
                exceptions.append(
                    AcceptedException(
                        application=app,
                        cycle=exc_cycle,
                        kind="force_majeure_absence",
                        days=rng.choice((0, 3, 10, 25, 60)),
                        reason="Airport closure, evidence E-1042.",
                        accepted_by=staff_user,
                        accepted_at=app.created_at,
                    )
                )
        for _ in range(rng.randint(0, trips_per_holder)):
            left = card.valid_from + timedelta(days=rng.randint(-60, 400))
            nights = rng.choice((0, 1, 2, 3, 5, 8, 14, 21, 40, 90))
            returned = left + timedelta(days=nights)
            kind = rng.random()
            if kind < 0.04:
                returned = None
            elif kind < 0.07:
                left = None
            trips.append(
                Trip(
                    applicant=card.applicant,
                    left=left,
                    returned=returned,
                    created_by=card.applicant.user,
                    source=rng.choice(("declared", "evidence")),
                )
            )
    CaseFacts.objects.bulk_create(facts)
    AcceptedException.objects.bulk_create(exceptions)
    Trip.objects.bulk_create(trips)
    return Population(cards=cards, staff=staff_user)


@pytest.fixture
def population(db, member_states):
    return build_population


GOOD_FACTS = {
    "nationality": "RU",
    "isced_level": 7,
    "languages": "fr:B2",
    "employment": "employed",
    "housing_tenure": "tenant",
    "housing_country": "FR",
    "liquid_assets_eur": Decimal("30000"),
}


@pytest.fixture
def make_holder(db, member_states):
    """One active card, its case and (by default) facts meeting every criterion."""
    from relocard.accounts.models import Applicant, Role, User
    from relocard.cards.models import Card
    from relocard.cases.models import Application, CaseFacts

    def make(
        *,
        member_state: str = "FR",
        valid_from: date = TODAY - timedelta(days=100),
        days: int = 365,
        facts: dict | None = GOOD_FACTS,
        expires_on: date | None = None,
        safe_mode: bool = False,
        language: str = "en",
        stage: str = "issuance",
        state: str = "approved",
        case_cycle: int = 1,
    ) -> Card:
        n = next(_serial)
        user = User.objects.create_user(
            f"holder{n}@example.test",
            "a-long-test-password",
            role=Role.APPLICANT,
            preferred_language=language,
        )
        applicant = Applicant.objects.create(
            user=user,
            surname_cyrillic="Смирнов",
            given_names_cyrillic="Пётр",
            surname_latin="SMIRNOV",
            given_names_latin="PETR",
            date_of_birth=date(1985, 5, 5),
            nationality="RU",
            passport_number=f"76{n:07d}",
            passport_expiry=TODAY + timedelta(days=3000),
            safe_mode=safe_mode,
        )
        app = Application.objects.create(
            reference=new_case_reference(member_state),
            applicant=applicant,
            member_state_id=member_state,
            state=state,
            stage=stage,
            cycle=case_cycle,
            created_by=user,
        )
        card = Card.objects.create(
            number=new_card_number(member_state),
            application=app,
            applicant=applicant,
            member_state_id=member_state,
            cycle=1,
            valid_from=valid_from,
            valid_until=valid_from + timedelta(days=days - 1),
            status_list_index=900_000 + n,
            issued_at=app.created_at,
        )
        if facts is not None:
            CaseFacts.objects.create(application=app, cycle=1, expires_on=expires_on, **facts)
        return card

    return make


def add_trip(card, left: date | None, returned: date | None):
    from relocard.presence.models import Trip

    return Trip.objects.create(
        applicant=card.applicant, left=left, returned=returned, created_by=card.applicant.user
    )
