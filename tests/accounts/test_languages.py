"""Which language a person reads: staff default to their member state's, a choice is kept on
the account (the switcher), and e-mails follow the account."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from relocard.accounts.models import Role
from relocard.audit.models import AuditEvent
from relocard.common.languages import language_for, member_state_language
from relocard.common.notifications import notify_user

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("state", "language"), [("FR", "fr"), ("DE", "de"), ("PL", "pl"), ("CY", "el")]
)
def test_staff_read_their_member_states_language_until_they_choose(
    client, make_user, state, language
):
    caseworker = make_user(Role.CASEWORKER, state, preferred_language="")
    assert language_for(caseworker) == language
    client.force_login(caseworker)
    page = client.get(reverse("console:queue"))
    assert f'<html lang="{language}"' in page.content.decode()

    response = client.post(reverse("set_language"), {"language": "en", "next": "/console/"})
    assert response.cookies["relocard_language"].value == "en"
    caseworker.refresh_from_db()
    assert caseworker.preferred_language == "en"
    assert '<html lang="en"' in client.get(reverse("console:queue")).content.decode()
    event = AuditEvent.objects.get(action="account.language_set", object_id=str(caseworker.pk))
    assert event.data == {"language": "en", "previous": ""}


def test_a_member_state_outside_the_interfaces_languages_reads_english():
    assert member_state_language("IT") == "en"
    assert member_state_language(None) == "en"


def test_a_new_browser_reads_the_accounts_language(client, make_user):
    holder = make_user(Role.APPLICANT, preferred_language="ru")
    client.force_login(holder)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "de"
    assert '<html lang="ru"' in client.get(reverse("privacy")).content.decode()
    # The cookie (set by the switcher, with the account) is the browser's own choice.
    client.cookies["relocard_language"] = "pl"
    assert '<html lang="pl"' in client.get(reverse("privacy")).content.decode()


def test_an_applicant_picks_any_of_the_six_and_e_mails_follow(client, make_user):
    holder = make_user(Role.APPLICANT)
    client.force_login(holder)
    for code in ("fr", "de", "pl", "el", "ru"):
        response = client.post(reverse("set_language"), {"language": code, "next": "/"})
        assert response.status_code == 302
        assert response.cookies["relocard_language"].value == code
        holder.refresh_from_db()
        assert holder.preferred_language == code
    mail.outbox.clear()
    notify_user.call(holder.pk, "renewal_window")
    (message,) = mail.outbox
    with translation.override("ru"):
        assert message.subject == gettext("You have a new message in your account")
    assert message.subject != "You have a new message in your account"


def test_an_unknown_language_changes_nothing(client, make_user):
    holder = make_user(Role.APPLICANT, preferred_language="ru")
    client.force_login(holder)
    client.post(reverse("set_language"), {"language": "xx", "next": "/"})
    holder.refresh_from_db()
    assert holder.preferred_language == "ru"
    assert not AuditEvent.objects.filter(action="account.language_set").exists()


def test_anonymous_visitors_choose_by_cookie_only(client):
    response = client.post(reverse("set_language"), {"language": "de", "next": "/"})
    assert response.cookies["relocard_language"].value == "de"
    assert '<html lang="de"' in client.get(reverse("home")).content.decode()


def test_a_language_chosen_before_signing_in_is_kept_on_the_account(client, make_user):
    caseworker = make_user(Role.CASEWORKER, "DE", preferred_language="")
    client.post(reverse("set_language"), {"language": "pl", "next": "/"})
    signed_in = client.post(
        reverse("accounts:login"),
        {"username": caseworker.email, "password": "a-long-test-password"},
    )
    assert signed_in.status_code == 302
    caseworker.refresh_from_db()
    assert caseworker.preferred_language == "pl"
    assert AuditEvent.objects.filter(action="account.language_set").count() == 1
