"""Card validity (issue 11, finding 4): the earlier of the card year's end and the passport's
expiry; the card (page, PDF, credential) and the decision say which."""

from __future__ import annotations

from datetime import date, timedelta

import pypdfium2
import pytest
from django.urls import reverse

from relocard.accounts.models import Applicant
from relocard.audit.models import AuditEvent
from relocard.cards import credentials as creds
from relocard.cards.services import card_validity
from relocard.cases import approval
from relocard.cases import services as cs
from relocard.cases.services import local_today
from relocard.common.errors import InvalidState
from relocard.core.calendar import validity_limit

pytestmark = pytest.mark.django_db


def test_validity_limit_takes_the_earlier_date():
    year_end = date(2027, 12, 3)
    assert validity_limit(year_end, date(2027, 2, 1)) == (date(2027, 2, 1), "passport")
    assert validity_limit(year_end, date(2030, 1, 1)) == (year_end, "card_year")
    assert validity_limit(year_end, year_end) == (year_end, "card_year")
    assert validity_limit(year_end, None) == (year_end, "card_year")


def _with_passport_expiry(app, expiry: date):
    Applicant.objects.filter(pk=app.applicant_id).update(passport_expiry=expiry)
    app.applicant.refresh_from_db()
    return app


def test_a_card_never_outlives_the_passport(client, make_case, staff):
    """The reported case: card valid until the year's end, passport expiring months before."""
    app = make_case("in_review")
    today = local_today(app.member_state)
    expiry = today + timedelta(days=60)
    _with_passport_expiry(app, expiry)
    cs.application_approve(actor=staff["caseworker"], application=app, version=app.version)
    card = app.cards.get()
    assert card.valid_until == expiry < card_validity("FR", today)
    assert card.valid_until_reason == "passport"
    # The signed credentials carry the same end date.
    verdict = creds.verify_payload(creds.latest(card, "rc1").payload)
    assert verdict.valid and verdict.claims["valid_until"] == expiry.isoformat()
    event = AuditEvent.objects.get(action="card.issued")
    assert event.data["valid_until_reason"] == "passport"
    # The holder's pages and the PDF say why.
    client.force_login(app.applicant.user)
    page = client.get(reverse("portal:card", args=[app.reference, card.pk])).content.decode()
    assert "Valid until the expiry of the passport." in page
    case_page = client.get(reverse("portal:case", args=[app.reference])).content.decode()
    assert "the expiry of the passport" in case_page
    pdf = client.get(reverse("portal:card_pdf", args=[app.reference, card.pk, "a4"]))
    text = pypdfium2.PdfDocument(pdf.content)[0].get_textpage().get_text_range()
    assert f"{expiry.isoformat()} (passport expiry)" in text
    # So does the caseworker's record.
    client.force_login(staff["caseworker"])
    html = client.get(reverse("console:case", args=[app.reference])).content.decode()
    assert "valid until the expiry of the passport" in html


def test_a_later_passport_leaves_the_card_year(make_case, staff):
    app = make_case("approved")
    card = app.cards.get()
    assert card.valid_until == card_validity("FR", card.valid_from)
    assert card.valid_until_reason == "card_year"


def test_the_verified_passport_document_counts_too(make_case, staff):
    app = make_case("in_review")
    expiry = local_today(app.member_state) + timedelta(days=90)
    app.evidence.filter(kind="passport").update(expires_on=expiry)
    cs.application_approve(actor=staff["caseworker"], application=app, version=app.version)
    assert app.cards.get().valid_until == expiry


def test_an_expired_passport_blocks_approval(make_case, staff):
    app = make_case("in_review")
    _with_passport_expiry(app, local_today(app.member_state))
    assert "passport_expired" in [b.code for b in approval.approval_blockers(app)]
    with pytest.raises(InvalidState, match="passport has expired"):
        cs.application_approve(actor=staff["caseworker"], application=app, version=app.version)
    app.refresh_from_db()
    assert app.state == "in_review" and not app.cards.exists()
