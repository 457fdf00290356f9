"""The case pages ask in one query which kinds of record a case has (``common.related``) and
skip reading the empty ones. That must change nothing on the page: each page is rendered with
the probe's answer and with "everything present" (every read done), and the two must match,
for cases with and without each kind of record."""

from __future__ import annotations

import re

import pytest
import time_machine
from django.core.exceptions import FieldDoesNotExist
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from relocard.common import related

pytestmark = pytest.mark.django_db

_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


# --- the probe ------------------------------------------------------------------------------


def test_present_answers_per_relation_in_one_query(make_case, staff):
    from relocard.cases import services as cs

    app = make_case("in_review")
    names = ["corrections", "evidence", "appeals", "photos", "duplicate_hits"]
    with CaptureQueriesContext(connection) as ctx:
        found = related.present(app, names)
    assert len(ctx.captured_queries) == 1
    assert found == {
        "corrections": False,
        "evidence": True,
        "appeals": False,
        "photos": False,
        "duplicate_hits": False,
    }
    app.refresh_from_db()
    cs.correction_request(
        actor=staff["caseworker"],
        application=app,
        message="Add a lease.",
        kinds=["lease_or_deed"],
        version=app.version,
    )
    assert related.present(app, names)["corrections"] is True
    # Another case's rows are not this case's.
    assert related.present(make_case("in_review"), ["corrections"]) == {"corrections": False}


def test_present_of_nothing_asks_nothing(make_case):
    app = make_case()
    with CaptureQueriesContext(connection) as ctx:
        assert related.present(app, []) == {}
    assert ctx.captured_queries == []


def test_present_refuses_what_is_not_a_reverse_foreign_key(make_case):
    app = make_case()
    with pytest.raises(FieldDoesNotExist):
        related.present(app, ["no_such_relation"])
    with pytest.raises(TypeError, match="not a reverse foreign key"):
        related.present(app, ["applicant"])  # a forward key
    with pytest.raises(TypeError, match="not a reverse foreign key"):
        related.present(app, ["mission_link"])  # one-to-one: at most one row, read directly


# --- the pages ------------------------------------------------------------------------------


def _everything_present(instance, relations):
    return dict.fromkeys(relations, True)


def _page(client, url, monkeypatch, *, probe: bool) -> str:
    with monkeypatch.context() as m:
        if not probe:
            m.setattr(related, "present", _everything_present)
        response = client.get(url)
    assert response.status_code == 200
    return _CSRF.sub("", response.content.decode())


def _same_with_and_without_probe(client, url, monkeypatch):
    with time_machine.travel("2026-12-01 10:00:00+00:00", tick=False):
        client.get(url)  # the first view of a session records it
        probed = _page(client, url, monkeypatch, probe=True)
        read_all = _page(client, url, monkeypatch, probe=False)
    assert probed == read_all
    return probed


def _cases(make_case, staff):
    """Cases with none and with each kind of record the probe gates."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from tests.enrolment.conftest import photo_bytes

    from relocard.cases import services as cs
    from relocard.cases.appeals import appeal_lodge
    from relocard.cases.models import Application, Channel
    from relocard.cases.transfers import transfer_request
    from relocard.enrolment import services as es

    plain = make_case("in_review")
    corrected = make_case("correction_requested")
    refused = make_case("refused")
    decision = refused.decisions.get(status="confirmed")
    appeal_lodge(
        actor=refused.applicant.user,
        application=refused,
        grounds="My diploma was misread.",
        decision=decision,
    )
    moving = make_case("approved")
    transfer_request(actor=moving.applicant.user, application=moving, to_state_code="DE")
    mission = make_case("submitted")
    Application.objects.filter(pk=mission.pk).update(channel=Channel.EMBASSY)
    mission.refresh_from_db()
    officer = staff["consular_officer"]
    es.biometrics_record(
        actor=officer, application=mission, device_reference="ST-7", place="Moscow"
    )
    es.fee_record(actor=officer, application=mission, amount="99", method="cash")
    es.photo_upload(
        actor=officer,
        application=mission,
        upload=SimpleUploadedFile("me.jpg", photo_bytes(), content_type="image/jpeg"),
    )
    cs.application_start_review(
        actor=staff["caseworker"], application=mission, version=mission.version
    )
    return {
        "plain": plain,
        "corrected": corrected,
        "refused and appealed": refused,
        "moving": moving,
        "at the mission": mission,
    }


def test_the_console_case_page_is_the_same_with_and_without_the_probe(
    client, make_case, staff, monkeypatch
):
    cases = _cases(make_case, staff)
    client.force_login(staff["caseworker"])
    pages = {
        name: _same_with_and_without_probe(
            client, reverse("console:case", args=[app.reference]), monkeypatch
        )
        for name, app in cases.items()
    }
    # The records are on the pages (the comparison is not of two empty pages).
    assert "History at the mission" in pages["at the mission"]
    assert "Moscow" in pages["at the mission"]
    assert "My diploma was misread." in pages["refused and appealed"]
    assert "Add a lease." in pages["corrected"]
    assert "Transfer to" in pages["moving"]
    assert "History at the mission" not in pages["plain"]


def test_the_applicant_case_page_is_the_same_with_and_without_the_probe(
    client, make_case, staff, monkeypatch
):
    cases = _cases(make_case, staff)
    pages = {}
    for name, app in cases.items():
        client.force_login(app.applicant.user)
        pages[name] = _same_with_and_without_probe(
            client, reverse("portal:case", args=[app.reference]), monkeypatch
        )
    assert "Add a lease." in pages["corrected"]
    assert "Appeal lodged on" in pages["refused and appealed"]
    assert "Biometrics enrolment" in pages["at the mission"]
    assert "Biometrics enrolment" not in pages["plain"]


def test_a_plain_case_reads_no_empty_kind_of_record(client, make_case, staff):
    """An online case in review with no appeal, transfer, correction, duplicate or mission
    record: those tables are asked about once, in the probe, and not read."""
    app = make_case("in_review")
    gated = [
        "cases_appeal",
        "cases_transferrequest",
        "cases_correctionrequest",
        "cases_acceptedexception",
        "cases_identitychangerequest",
        "enrolment_biometricenrolment",
        "enrolment_feepayment",
        "enrolment_entryvisa",
        "enrolment_productiontransition",
        "enrolment_holderphoto",
    ]
    for user, url in (
        (staff["caseworker"], reverse("console:case", args=[app.reference])),
        (app.applicant.user, reverse("portal:case", args=[app.reference])),
    ):
        client.force_login(user)
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        reads = [q["sql"] for q in ctx.captured_queries if q["sql"].lstrip().startswith("SELECT")]
        probes = [sql for sql in reads if sql.lstrip().startswith("SELECT EXISTS")]
        assert len(probes) == 1
        for table in gated:
            assert not any(f'"{table}"' in sql for sql in reads if sql not in probes), (url, table)
