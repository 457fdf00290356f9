"""Pages of the load test (bench/web_load.py) cost a fixed number of queries, however much
data lies around them: the applicant's case page, the console's case page, the audit log
filtered by a case, the card checks and the status list. (The queue, the dashboard and the
statistics are counted in test_console.py and test_statistics.py.)"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from tests.conftest import GOOD_EVIDENCE

pytestmark = pytest.mark.django_db


def _count(client, url, method="get", data=None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = getattr(client, method)(url, data or {})
    assert response.status_code == 200, response.status_code
    return len(ctx.captured_queries)


def _more_history(client, app, staff):
    """More history on the case: staff views (each one audited)."""
    client.force_login(staff["caseworker"])
    for _ in range(3):
        client.get(reverse("console:case", args=[app.reference]))


def test_the_applicant_case_page_costs_the_same_with_more_documents(client, make_case):
    from tests.conftest import upload

    from relocard.cases import services as cs

    app = make_case("draft", evidence=GOOD_EVIDENCE[:1])
    client.force_login(app.applicant.user)
    url = reverse("portal:case", args=[app.reference])
    _count(client, url)  # the first request of a session records it
    few = _count(client, url)
    for kind, facts in GOOD_EVIDENCE[1:]:
        cs.evidence_add(
            actor=app.applicant.user, application=app, kind=kind, upload=upload(), facts_data=facts
        )
    make_case("submitted")
    assert _count(client, url) == few


def test_the_console_case_page_costs_the_same_with_more_history(client, make_case, staff):
    app = make_case("in_review")
    url = reverse("console:case", args=[app.reference])
    client.force_login(staff["caseworker"])
    _count(client, url)  # the first view of a case may warm per-process caches
    few = _count(client, url)
    _more_history(client, app, staff)
    make_case("in_review")
    assert _count(client, url) == few


def test_the_audit_log_of_a_case_costs_the_same_with_more_events(client, make_case, staff):
    app = make_case("submitted")
    url = reverse("console:audit") + f"?case={app.reference}"
    client.force_login(staff["auditor"])
    _count(client, url)  # the first request of a session records it
    few = _count(client, url)
    _more_history(client, app, staff)
    make_case("submitted")
    client.force_login(staff["auditor"])
    _count(client, url)
    assert _count(client, url) == few


def test_the_status_list_costs_the_same_with_more_cards(client, make_case):
    make_case("approved")
    url = reverse("cards:status_list", args=["FR", "1"])
    _count(client, url)  # signs and caches the list
    few = _count(client, url)
    for _ in range(2):
        make_case("approved")
    assert _count(client, url) == few


@pytest.mark.parametrize("state", ["submitted", "approved"])
def test_the_console_case_page_reads_each_part_once(client, make_case, staff, state, settings):
    """The screening, the documents, the card year's decisions and the possible duplicates
    are read once and handed to every part of the page that needs them (they were read two
    or three times each: a quarter of the page's queries). A case in review also shows the
    approval gate, whose checks read what they check themselves: they are the checks the
    approval service runs on the locked case, one code path for both."""
    app = make_case(state)
    settings.RELOCARD_SCREENING_REQUIRED = True  # the page reads the screening
    client.force_login(staff["caseworker"])
    url = reverse("console:case", args=[app.reference])
    _count(client, url)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    reads = [q["sql"] for q in ctx.captured_queries if q["sql"].lstrip().startswith("SELECT")]
    for table in (
        "screening_listversion",
        "screening_screeningrun",
        "screening_nationalcheck",
        "cases_evidenceitem",
        "cases_decision",
        "cases_duplicatehit",
    ):
        assert sum(f'FROM "{table}"' in sql for sql in reads) == 1, table


@pytest.mark.parametrize("state", ["submitted", "approved"])
def test_the_applicant_case_page_reads_the_documents_and_transfers_once(client, make_case, state):
    """The documents serve the list and the pre-check, the transfers the list and whether a
    move can be asked for: each read once (they were read twice)."""
    app = make_case(state)
    client.force_login(app.applicant.user)
    url = reverse("portal:case", args=[app.reference])
    _count(client, url)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    reads = [q["sql"] for q in ctx.captured_queries if q["sql"].lstrip().startswith("SELECT")]
    assert sum('FROM "cases_evidenceitem"' in sql for sql in reads) == 1
    assert sum('FROM "cases_transferrequest"' in sql for sql in reads) == 1
