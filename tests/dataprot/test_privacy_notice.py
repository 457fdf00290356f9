"""A complete privacy notice per member state, from its policy file, linked from every footer."""

from __future__ import annotations

import pytest
from django.urls import reverse

from relocard.core.privacy import (
    RETENTION_RECORDS,
    PrivacyPolicyError,
    member_states_with_notice,
    privacy_notice,
    retention_schedule,
)


def test_every_launch_state_has_a_complete_notice():
    assert set(member_states_with_notice()) >= {"FR", "DE", "PL", "CY"}
    for code in member_states_with_notice():
        notice = privacy_notice(code)
        for text in (notice.controller, notice.dpo, notice.authority):
            assert text.en and text.ru
        assert notice.authority_url.startswith("https://")
        assert notice.purposes and notice.legal_basis and notice.recipients and notice.rights
        assert {r.record for r in notice.retention} >= set(RETENTION_RECORDS)
    assert set(retention_schedule()) == set(RETENTION_RECORDS)
    with pytest.raises(PrivacyPolicyError):
        privacy_notice("XX")


def test_the_policy_files_with_their_privacy_sections_still_load():
    from relocard.core.rules.policy import PolicyLibrary

    files = PolicyLibrary().validate()  # every file against the schema, privacy included
    assert {f.country for f in files if getattr(f, "country", None)} >= {"FR", "DE", "PL", "CY"}


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "ru"])
def test_each_notice_is_served_in_the_readers_language(client, member_states, language):
    client.cookies["relocard_language"] = language
    for code in member_states_with_notice():
        response = client.get(reverse("privacy_member_state", args=[code]))
        assert response.status_code == 200
        html = response.content.decode()
        notice = privacy_notice(code)
        assert notice.controller.in_language(language) in html.replace("&#x27;", "'")
        assert notice.authority_name.replace("'", "&#x27;") in html
        assert "GDPR" in html or "GDPR" in notice.legal_basis[0].in_language(language)
        for item in notice.retention:
            assert item.text.in_language(language)[:40] in html.replace("&quot;", '"')
    assert client.get(reverse("privacy_member_state", args=["xx"])).status_code == 404


@pytest.mark.django_db
def test_every_page_footer_links_every_notice(client, member_states):
    for url in (reverse("home"), reverse("accounts:login"), reverse("privacy")):
        html = client.get(url).content.decode()
        for code in member_states_with_notice():
            assert reverse("privacy_member_state", args=[code]) in html
