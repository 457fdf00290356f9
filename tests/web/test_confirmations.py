"""Check your answers has "Change" links; removing a document and confirming a refusal ask
first (a page or a ticked box, without JavaScript): no single-click destructive POST."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_check_your_answers_links_each_section_to_change_it(client, make_case):
    app = make_case("draft")
    client.force_login(app.applicant.user)
    html = client.get(reverse("portal:submit", args=[app.reference])).content.decode()
    profile = reverse("portal:profile")
    assert html.count(f'href="{profile}"') == 3  # name, date of birth, passport
    assert f'href="{reverse("portal:case", args=[app.reference])}#documents"' in html
    assert "Change the documents" in html


def test_removing_a_document_asks_first(client, make_case):
    app = make_case("draft")
    item = app.evidence.first()
    client.force_login(app.applicant.user)
    case = client.get(reverse("portal:case", args=[app.reference])).content.decode()
    url = reverse("portal:evidence_remove", args=[app.reference, item.pk])
    # The case page links to a page that asks; it holds no one-click removal form.
    assert f'href="{url}"' in case and f'action="{url}"' not in case
    asked = client.get(url)
    assert asked.status_code == 200 and "Remove this document?" in asked.content.decode()
    # A POST that did not come from that page (no confirmation) removes nothing.
    again = client.post(url)
    assert again.status_code == 200 and "Remove this document?" in again.content.decode()
    assert app.evidence.filter(pk=item.pk).exists()
    removed = client.post(url, {"confirm": "yes"})
    assert removed.status_code == 302
    assert not app.evidence.filter(pk=item.pk).exists()


def test_confirming_a_refusal_needs_the_box_ticked(client, make_case, staff):
    app = make_case("refusal_proposed")
    client.force_login(staff["supervisor"])
    url = reverse("console:confirm_refusal", args=[app.reference])
    page = client.get(reverse("console:case", args=[app.reference])).content.decode()
    assert "I have read the reasons and confirm the refusal" in page
    one_click = client.post(url, {"version": app.version})
    assert one_click.status_code == 400
    assert "Tick the box to confirm the refusal." in one_click.content.decode()
    app.refresh_from_db()
    assert app.state == "refusal_proposed"
    ticked = client.post(url, {"version": app.version, "confirm": "on"})
    assert ticked.status_code == 302
    app.refresh_from_db()
    assert app.state == "refused"
