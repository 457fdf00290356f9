"""The screening officers' pages through HTTP, what caseworkers and applicants see (and never
see), and the permission matrix of every screening view: every role, own and other state."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse
from joserfc import jws
from joserfc.jwk import ECKey
from tests.conftest import pass_second_factor
from tests.screening.conftest import ZHUKOVA, ZHUKOVA_PROFILE

from relocard.cards.credentials import keystore
from relocard.core.screening.messages import UNSCREENABLE
from relocard.screening.models import NationalCheck, ScreeningReview
from relocard.screening.selectors import latest_run

pytestmark = pytest.mark.django_db

SECRETS = ("900101", "EU.9001.01", "Yuliya", "ZHUKOVA</", "score", "Score", "sanction")


def _login(user) -> Client:
    c = Client()
    c.force_login(user)
    pass_second_factor(c, user)
    return c


@pytest.fixture
def matched(screening_on, load, filed_case):
    load(ZHUKOVA)
    return filed_case(ZHUKOVA_PROFILE)


def test_the_officer_sees_the_hit_and_two_officers_clear_it(matched, officers):
    run = latest_run(matched)
    a, b = _login(officers["a"]), _login(officers["b"])
    page = a.get(reverse("screening:queue")).content.decode()
    assert matched.reference in page
    detail = a.get(reverse("screening:run", args=[run.pk])).content.decode()
    assert "Yuliya Vladimirovna ZHUKOVA" in detail and "900101" in detail
    bad = a.post(reverse("screening:run_act", args=[run.pk, "propose"]), {"outcome": "clear"})
    assert bad.status_code == 400 and "Fill in “Reason”" in bad.content.decode()
    assert not ScreeningReview.objects.exists()
    ok = a.post(
        reverse("screening:run_act", args=[run.pk, "propose"]),
        {"outcome": "clear", "reason": "Passport gives another patronymic."},
    )
    assert ok.status_code == 302
    # the proposer cannot confirm: the page offers no button and the action changes nothing
    a.post(reverse("screening:run_act", args=[run.pk, "confirm"]))
    run.refresh_from_db()
    assert run.review == "pending"
    b.post(reverse("screening:run_act", args=[run.pk, "confirm"]))
    run.refresh_from_db()
    assert run.review == "cleared"


def test_the_hit_reasons_read_in_the_officers_language(matched, officers):
    run = latest_run(matched)
    a = _login(officers["a"])
    url = reverse("screening:run", args=[run.pk])
    english = a.get(url).content.decode()
    assert "date of birth 1980-09-30 is the listed date of birth" in english
    a.cookies["relocard_language"] = "ru"
    russian = a.get(url).content.decode()
    assert "дата рождения 30 сентября 1980\u00a0г. совпадает с указанной в списке" in russian
    assert "~ имя в списке Yuliya Vladimirovna ZHUKOVA (совпадение имени 1.00)" in russian
    assert "is the listed date of birth" not in russian and "name score" not in russian
    # A run stored before reasons were stored as messages: its fixed texts are translated.
    run.hits = [{**run.hits[0], "reasons": [UNSCREENABLE]}]
    run.hits[0].pop("messages")
    run.save(update_fields=["hits"])
    old = a.get(url).content.decode()
    assert "не удалось проверить автоматически" in old


def test_national_check_answer_and_signed_request(matched, officers):
    check = matched.national_checks.get(check_type="sis")
    a, b = _login(officers["a"]), _login(officers["b"])
    response = a.get(reverse("screening:check_request", args=[check.pk]))
    assert response.status_code == 200
    token = response.content.decode().strip()
    signer = keystore().ensure_member_state("FR")
    key = ECKey.import_key(signer.private_key.public_key())
    obj = jws.deserialize_compact(token, key, algorithms=["ES256"])
    assert obj.protected["typ"] == "relocard-national-check+jwt"
    document = json.loads(obj.payload)
    assert document["format"] == "relocard-national-check-request/1"
    assert document["case"] == matched.reference and document["check"] == "sis"
    assert document["person"]["date_of_birth"] == "1980-09-30"
    assert document["deadline"] == check.deadline.isoformat()
    bad = a.post(
        reverse("screening:check_act", args=[check.pk, "answer"]),
        {"answer": "objection", "authority_reference": ""},
    )
    assert bad.status_code == 400 and "reference" in bad.content.decode()
    a.post(
        reverse("screening:check_act", args=[check.pk, "answer"]),
        {"answer": "no_objection", "authority_reference": "SIS-77"},
    )
    b.post(reverse("screening:check_act", args=[check.pk, "confirm"]))
    check.refresh_from_db()
    assert check.status == "no_objection" and check.confirmed_by == officers["b"]


def test_the_caseworker_sees_only_that_screening_blocks(matched, staff, officers, answer_checks):
    answer_checks(matched)
    from relocard.screening import services as ss

    review = ss.review_propose(
        actor=officers["a"], run=latest_run(matched), outcome="confirm", reason="Same person."
    )
    ss.review_decide(actor=officers["b"], review=review, confirm=True)
    page = _login(staff["caseworker"]).get(reverse("console:case", args=[matched.reference]))
    text = page.content.decode()
    assert "Blocked by security screening: refuse or revoke through the four-eyes flow." in text
    assert 'name="reason_security_screening"' in text
    for secret in SECRETS:
        assert secret not in text


def test_the_applicant_sees_only_that_checks_are_under_way(matched):
    owner = _login(matched.applicant.user)
    pages = [
        reverse("portal:dashboard"),
        reverse("portal:case", args=[matched.reference]),
        reverse("portal:receipt", args=[matched.reference]),
        reverse("portal:my_data_json"),
    ]
    case_page = owner.get(pages[1]).content.decode()
    assert "Additional checks are under way" in case_page
    for url in pages:
        text = owner.get(url).content.decode()
        for secret in (*SECRETS, "screening", "national_check", "possible_match"):
            assert secret not in text, (url, secret)


def test_a_clear_applicant_sees_the_same_words(screening_on, load, filed_case):
    load(ZHUKOVA)
    clear = filed_case()
    text = _login(clear.applicant.user).get(reverse("portal:case", args=[clear.reference]))
    assert "Additional checks are under way" in text.content.decode()


# --- the permission matrix ------------------------------------------------------------------

ROLES = [
    "applicant",
    "consular_officer",
    "caseworker",
    "supervisor",
    "auditor",
    "programme_admin",
    "verifier",
    "humanitarian_officer",
    "referrer",
    "screening_officer",
]


@pytest.mark.parametrize("state", ["FR", "DE"])
@pytest.mark.parametrize("role", ROLES)
def test_access_matrix(matched, make_user, officers, role, state, client):
    run = latest_run(matched)
    check = matched.national_checks.get(check_type="police")
    version = run.version
    user = make_user(role, None if role in ("applicant", "programme_admin") else state)
    c = _login(user)
    allowed = role == "screening_officer" and state == "FR"
    for url in [
        reverse("screening:queue"),
        reverse("screening:run", args=[run.pk]),
        reverse("screening:check", args=[check.pk]),
        reverse("screening:check_request", args=[check.pk]),
        reverse("screening:versions"),
        reverse("screening:version", args=[version.pk]),
    ]:
        response = c.get(url)
        if allowed:
            assert response.status_code == 200, url
        elif role == "screening_officer" and url in (
            reverse("screening:queue"),
            reverse("screening:versions"),
            reverse("screening:version", args=[version.pk]),
        ):
            assert response.status_code == 200  # their own state's pages, empty
            assert matched.reference not in response.content.decode()
        else:
            assert response.status_code == 404, (url, response.status_code)
    c.post(
        reverse("screening:run_act", args=[run.pk, "propose"]),
        {"outcome": "clear", "reason": "Other person."},
    )
    c.post(
        reverse("screening:check_act", args=[check.pk, "answer"]),
        {"answer": "no_objection", "authority_reference": ""},
    )
    assert ScreeningReview.objects.exists() is allowed
    assert NationalCheck.objects.filter(status="answer_proposed").exists() is allowed
    # nobody but the applicant's own staff reads the case in the console, and never a hit
    if role in ("caseworker", "supervisor", "auditor", "programme_admin") and (
        state == "FR" or role == "programme_admin"
    ):
        text = c.get(reverse("console:case", args=[matched.reference])).content.decode()
        for secret in SECRETS:
            assert secret not in text


def test_a_screening_officer_has_no_console(officers):
    c = _login(officers["a"])
    assert c.get(reverse("console:queue")).status_code in (302, 403, 404)
    assert c.get(reverse("home"))["Location"] == reverse("screening:queue")


def test_the_queue_costs_a_fixed_number_of_queries(
    screening_on, load, filed_case, officers, django_assert_max_num_queries
):
    load(ZHUKOVA)
    for _ in range(4):
        filed_case(ZHUKOVA_PROFILE)
    c = _login(officers["a"])
    with django_assert_max_num_queries(14):
        response = c.get(reverse("screening:queue"))
    assert response.content.decode().count("/screening/runs/") == 4


def test_a_confirmed_match_is_refused_citing_the_screening_only(
    matched, staff, officers, answer_checks
):
    from relocard.screening import services as ss

    answer_checks(matched)
    review = ss.review_propose(
        actor=officers["a"], run=latest_run(matched), outcome="confirm", reason="Same person."
    )
    ss.review_decide(actor=officers["b"], review=review, confirm=True)
    cw = _login(staff["caseworker"])
    page = cw.get(reverse("console:case", args=[matched.reference])).content.decode()
    assert "public policy or internal security" in page  # the pre-filled standard reason
    response = cw.post(
        reverse("console:refuse", args=[matched.reference]),
        {
            "version": matched.version,
            "reason_security_screening": "The security checks found grounds of internal "
            "security that preclude the permit.",
        },
    )
    assert response.status_code == 302
    matched.refresh_from_db()
    _login(staff["supervisor"]).post(
        reverse("console:confirm_refusal", args=[matched.reference]),
        {"version": matched.version, "confirm": "on"},
    )
    matched.refresh_from_db()
    assert matched.state == "refused"
    text = (
        _login(matched.applicant.user)
        .get(reverse("portal:case", args=[matched.reference]))
        .content.decode()
    )
    assert "Security screening" in text
    for secret in SECRETS:
        assert secret not in text


def test_overdue_checks_are_listed_and_counted(matched, officers):
    from datetime import timedelta

    sis = matched.national_checks.get(check_type="sis")
    NationalCheck.objects.filter(pk=sis.pk).update(deadline=sis.deadline - timedelta(days=60))
    text = _login(officers["a"]).get(reverse("screening:queue")).content.decode()
    assert "1 check is overdue." in text
    assert text.count("(overdue)") == 1


def test_the_national_check_page_names_the_stage_in_the_officers_language(matched, officers):
    check = matched.national_checks.get(check_type="sis")
    a = _login(officers["a"])
    a.cookies["relocard_language"] = "ru"
    body = a.get(reverse("screening:check", args=[check.pk])).content.decode()
    assert check.stage == "issuance" and "(Первая карта)" in body
    assert "(issuance)" not in body and "(renewal)" not in body


def test_the_screening_queue_names_the_member_state(officers, member_states):
    a = _login(officers["a"])
    a.cookies["relocard_language"] = "ru"
    body = a.get(reverse("screening:queue")).content.decode()
    assert "Франция</h1>" in body and ": FR</h1>" not in body
