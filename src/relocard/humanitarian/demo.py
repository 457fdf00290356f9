"""The demo's waiting lists: in each launch member state two humanitarian officers and a
dozen synthetic requests (registered, triaged, some invited, one decided), all through the
services, so that the ledger, the audit log and the sealed grounds are what production makes.
FR also gets an approved referring organisation with one referrer."""

from __future__ import annotations

import random
from collections.abc import Callable

from faker import Faker

from relocard.accounts.models import Role, User
from relocard.accounts.services import staff_user_create
from relocard.consular.selectors import reservable_slots
from relocard.humanitarian import services as hs

GROUNDS = [
    "A criminal case was opened against me for posts against the war; my flat was searched.",
    "I was named a 'foreign agent'; my family is questioned about where I live now.",
    "My residence permit in a third country ends in two months and I cannot renew it.",
    "I took part in protests and was detained twice; a summons came to my parents' address.",
]


def seed_waitlists(
    *,
    states: list[str],
    fake: Faker,
    rnd: random.Random,
    password: Callable[[], str],
    totp: Callable[[User], str],
    admin: User,
    domain: str,
    per_state: int = 12,
) -> list[tuple[str, ...]]:
    creds: list[tuple[str, ...]] = []
    for ms in states:
        officers = []
        for n in (1, 2):
            secret = password()
            user = staff_user_create(
                actor=None,
                email=f"humanitarian.officer{n}.{ms.lower()}@{domain}",
                password=secret,
                role=Role.HUMANITARIAN_OFFICER,
                member_state=ms,
            )
            officers.append(user)
            creds.append((f"humanitarian_officer {ms}", user.email, secret, totp(user)))
        first, second = officers
        categories = [c.code for c in hs.humanitarian_policy(ms).categories]
        requests = []
        for i in range(per_state):
            person = User.objects.create_user(
                f"hv{i}.{ms.lower()}@{domain}", None, role=Role.APPLICANT
            )
            family = [
                hs.TravellerData(
                    "principal",
                    fake.last_name(),
                    fake.first_name(),
                    fake.date_of_birth(minimum_age=20, maximum_age=70),
                )
            ]
            for _ in range(rnd.choice([0, 0, 1, 2])):
                family.append(
                    hs.TravellerData(
                        "child",
                        family[0].surname,
                        fake.first_name(),
                        fake.date_of_birth(minimum_age=1, maximum_age=17),
                    )
                )
            request = hs.request_submit(
                actor=person,
                member_state=ms,
                visa_kind=rnd.choice(["national", "ltv"]),
                grounds=rnd.choice(GROUNDS),
                travellers=family,
                consent=True,
            )
            # Each assignment needs two officers: one proposes, the other confirms.
            for officer, proposer, confirmer in ((first, first, second), (second, first, second)):
                proposal = hs.assignment_propose(actor=proposer, request=request, officer=officer)
                hs.assignment_confirm(actor=confirmer, proposal=proposal)
            requests.append(request)
        # Most are triaged; a few wait for triage.
        for request in requests[: per_state - 3]:
            hs.request_triage(actor=first, request=request, category=rnd.choice(categories))
        # The first in line of each category is invited; one of them is decided.
        invited = []
        for category in categories:
            request = next(
                (r for r in requests[: per_state - 3] if _refresh(r).category == category), None
            )
            # a free slot the member state's missions published (none: no invitation)
            free = reservable_slots(ms)
            if request is not None and free:
                hs.request_invite(actor=first, request=request, slot=free[-1])
                invited.append(request)
        if invited:
            hs.decision_grant(
                actor=second, request=_refresh(invited[0]), reasons="The danger is established."
            )
    if "FR" in states:
        org = hs.referring_organisation_register(
            actor=admin, name="Demo Aid Association", country="FR", registration_number="W751000000"
        )
        hs.referring_organisation_decide(actor=admin, organisation=org, approve=True)
        secret = password()
        referrer = User.objects.create_user(f"referrer.fr@{domain}", secret)
        hs.referrer_add(actor=admin, organisation=org, user=referrer)
        creds.append(("referrer FR (NGO)", referrer.email, secret, totp(referrer)))
    return creds


def _refresh(request):
    request.refresh_from_db()
    return request
