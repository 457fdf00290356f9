"""Two decisions on the same case at the same moment: one wins, the other fails cleanly.

This needs two real database connections with row locks, so it runs on PostgreSQL (CI runs
the suite there too); SQLite serialises writers with IMMEDIATE transactions instead.
"""

from __future__ import annotations

import pytest
from django.db import connection
from tests.conftest import race

from relocard.cards.models import Card
from relocard.cases import services as cs
from relocard.cases.models import Application, Decision
from relocard.common.errors import RelocardError

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL row locks and two connections"
)
def test_concurrent_approve_and_refuse_one_wins(make_case, staff):
    app = make_case("in_review")
    version = app.version
    outcomes = race(
        lambda: cs.application_approve(actor=staff["caseworker"], application=app, version=version),
        lambda: cs.refusal_propose(
            actor=staff["supervisor"],
            application=app,
            reasons={"means": "low"},
            summary="",
            version=version,
        ),
    )
    failures = [o for o in outcomes if isinstance(o, RelocardError)]
    assert len(failures) == 1, outcomes
    assert "changed by someone else" in str(failures[0])
    app.refresh_from_db()
    assert app.state in ("approved", "refusal_proposed")
    assert Decision.objects.filter(application=app).count() == 1
    assert Card.objects.filter(application=app).count() == (1 if app.state == "approved" else 0)
    assert app.transitions.filter(from_state="in_review").count() == 1


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL row locks and two connections"
)
def test_concurrent_double_submit_makes_one_submission(make_case):
    app = make_case("draft")
    user = app.applicant.user
    outcomes = race(
        lambda: cs.application_submit(actor=user, application=app, token="same"),
        lambda: cs.application_submit(actor=user, application=app, token="same"),
    )
    assert not any(isinstance(o, RelocardError) for o in outcomes), outcomes
    assert Application.objects.get(pk=app.pk).transitions.filter(to_state="submitted").count() == 1
