"""The checks' hot path: one statement on PostgreSQL, the ORM elsewhere, the same rows.

On PostgreSQL each kind of check write (a check alone, a share code's failure counted, locked,
or reset, a QR check's card looked up or not found) is made twice from the same values, once
by the single statement and once through the ORM, each in a savepoint rolled back afterwards;
the check rows, the audit events (their hashes included), what the write returns and the
chain's verdict must be the same. On SQLite the statement does not exist, and the same
scenarios run through the ORM path that SQLite uses, against the values given.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection, transaction
from django.utils import timezone

from relocard.audit.chain import event_hash
from relocard.audit.models import AuditEvent
from relocard.audit.selectors import audit_chain_verify
from relocard.audit.services import audit_event_values
from relocard.verification import codes, hotpath
from relocard.verification.models import CardCheck, ShareCode, VerifierOrganisation

pytestmark = pytest.mark.django_db
ON_POSTGRESQL = connection.vendor == "postgresql"


def _values(organisation, user, *, method, share_code=None, card=None, result="no_match"):
    at = timezone.now()
    fields = {
        "check_id": codes.new_check_id(),
        "organisation": organisation,
        "checked_by": user,
        "api_key": None,
        "method": method,
        "purpose": "rent",
        "reason": "Tenancy application",
        "share_code": share_code,
        "card": card,
        "result": result,
        "detail": card.status if card is not None else "",
        "member_state": card.member_state_id if card is not None else "",
        "valid_until": card.valid_until if card is not None else None,
        "checked_at": at,
    }
    event = audit_event_values(
        actor=user,
        action=f"verification.{method}_check",
        object_type="verification.cardcheck",
        object_id=fields["check_id"],
        member_state=fields["member_state"],
        data={
            "organisation": organisation.pk,
            "api_key": None,
            "result": result,
            "d": date.today(),
        },
        at=at,
    )
    return fields, event


def _written(write, fields, event, **kwargs):
    """What ``write`` stores and returns, rolled back afterwards."""
    with transaction.atomic():
        check, extra = write(dict(fields), event, **kwargs)
        row = CardCheck.objects.filter(pk=check.pk).values().get()
        stored = AuditEvent.objects.filter(object_id=fields["check_id"]).values().get()
        codes_after = list(ShareCode.objects.order_by("id").values_list("failures", "locked_at"))
        verdict = audit_chain_verify().ok
        transaction.set_rollback(True)
    returned = {"card_id": check.card_id, "share_code_id": check.share_code_id, "extra": extra}
    row.pop("id")
    stored.pop("id")
    return row, stored, codes_after, verdict, returned


def _scenarios(card, share_code):
    now = timezone.now()
    return {
        "check alone": ({"method": "share_code"}, {}),
        "failure counted": (
            {"method": "share_code", "share_code": share_code},
            {"counter": ("failed", share_code.pk, 4, now)},
        ),
        "failure that locks": (
            {"method": "share_code", "share_code": share_code},
            {"counter": ("failed", share_code.pk, 0, now)},
        ),
        "failure of a missing code": ({"method": "share_code"}, {"counter": ("failed", 0, 4, now)}),
        "match resets the count": (
            {"method": "share_code", "share_code": share_code, "card": card, "result": "valid"},
            {"counter": ("matched", share_code.pk)},
        ),
        "qr, card found": ({"method": "qr", "result": "valid"}, {"card_number": card.number}),
        "qr, no such card": ({"method": "qr", "result": "valid"}, {"card_number": "0" * 20}),
        "qr, not genuine": ({"method": "qr", "result": "not_genuine"}, {}),
    }


@pytest.fixture
def setting(card, make_code, landlord):
    make_code("rent")
    share_code = ShareCode.objects.get()
    ShareCode.objects.filter(pk=share_code.pk).update(failures=2)
    share_code.refresh_from_db()
    organisation = VerifierOrganisation.objects.get(memberships__user=landlord)
    return card, share_code, organisation, landlord


@pytest.mark.skipif(not ON_POSTGRESQL, reason="the single statement is PostgreSQL's path")
@pytest.mark.parametrize(
    "scenario",
    [
        "check alone",
        "failure counted",
        "failure that locks",
        "failure of a missing code",
        "match resets the count",
        "qr, card found",
        "qr, no such card",
        "qr, not genuine",
    ],
)
def test_the_statement_and_the_orm_write_the_same_rows(setting, scenario):
    card, share_code, organisation, user = setting
    values, kwargs = _scenarios(card, share_code)[scenario]
    fields, event = _values(organisation, user, **values)
    by_statement = _written(hotpath._write_statement, fields, event, **kwargs)
    by_orm = _written(hotpath._write_orm, fields, event, **kwargs)
    assert by_statement == by_orm
    row, stored, _codes, verdict, returned = by_statement
    assert verdict, "the chain must verify after the write"
    assert (
        stored["hash"]
        == event["hash"]
        == event_hash(
            at=stored["at"],
            actor_id=stored["actor_id"],
            actor_label=stored["actor_label"],
            action=stored["action"],
            object_type=stored["object_type"],
            object_id=stored["object_id"],
            member_state=stored["member_state"],
            data=stored["data"],
        )
    )
    if scenario == "qr, card found":
        assert row["card_id"] == card.pk and returned["extra"] == (
            card.pk,
            card.applicant.latin_name,
        )
    if scenario == "failure that locks":
        assert returned["extra"][1] is not None


@pytest.mark.parametrize("scenario", ["check alone", "failure counted", "qr, card found"])
def test_the_path_of_this_database_writes_what_it_was_given(setting, scenario):
    card, share_code, organisation, user = setting
    values, kwargs = _scenarios(card, share_code)[scenario]
    fields, event = _values(organisation, user, **values)
    check, _extra = hotpath.check_write(dict(fields), event, **kwargs)
    row = CardCheck.objects.get(pk=check.pk)
    assert (row.check_id, row.method, row.result, row.checked_at) == (
        fields["check_id"],
        fields["method"],
        fields["result"],
        fields["checked_at"],
    )
    stored = AuditEvent.objects.get(object_id=fields["check_id"])
    assert stored.hash == event["hash"] and stored.data == event["data"]
    assert audit_chain_verify().ok


def test_a_lookup_of_a_missing_code_builds_the_same_instances(setting):
    _card, share_code, _organisation, _user = setting
    found = hotpath.share_code_find(share_code.digest)
    assert found.pk == share_code.pk and found.card.applicant.date_of_birth
    assert hotpath.share_code_find("0" * 64) is None
