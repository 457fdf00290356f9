"""The message centre: every e-mailed notification is kept in the account, in the recipient's
language; safe-mode e-mails point to it; a locked share code says on its row why it locked."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import override_settings
from django.urls import reverse
from tests.verification.test_services import WRONG_BIRTHDAY, check

from relocard.audit.models import AuditEvent
from relocard.common.models import Message
from relocard.common.notifications import notify

pytestmark = pytest.mark.django_db


@override_settings(RELOCARD_SHARE_CODE_MAX_FAILURES=2)
def test_a_locked_code_leaves_a_message_the_safe_mode_mail_points_to(
    client, card, make_code, landlord
):
    applicant = card.applicant
    applicant.safe_mode = True
    applicant.save(update_fields=["safe_mode"])
    user = applicant.user
    user.preferred_language = "ru"
    user.save(update_fields=["preferred_language"])
    code = make_code("rent")
    mail.outbox.clear()
    Message.objects.all().delete()
    for _ in range(2):
        # The bank sees the same "no match" as for a wrong date of birth: no oracle.
        assert check(landlord, code, WRONG_BIRTHDAY).result == "no_match"
    (sent,) = mail.outbox
    messages_url = reverse("portal:messages")
    assert messages_url in sent.body and "код" not in sent.body.lower()
    (message,) = Message.objects.filter(user=user)
    assert message.event == "share_code_locked" and message.language == "ru"
    assert "заблокирован" in message.body and message.read_at is None
    assert message.link == reverse("verification:share_codes")

    client.force_login(user)
    page = client.get(reverse("portal:dashboard"), headers={"accept-language": "ru"})
    assert 'class="count-badge">1<' in page.content.decode()
    inbox = client.get(messages_url).content.decode()
    assert message.subject in inbox
    opened = client.get(reverse("portal:message", args=[message.pk])).content.decode()
    assert "заблокирован" in opened and reverse("verification:share_codes") in opened
    message.refresh_from_db()
    assert message.read_at is not None
    assert AuditEvent.objects.filter(action="message.read", object_id=str(message.pk)).count() == 1
    client.get(reverse("portal:message", args=[message.pk]))
    assert AuditEvent.objects.filter(action="message.read").count() == 1  # read once
    assert "count-badge" not in client.get(reverse("portal:dashboard")).content.decode()

    # The code's row says why it locked and what to do.
    client.cookies["relocard_language"] = "en"  # the reader's choice wins over the account's
    codes = client.get(reverse("verification:share_codes"))
    html = codes.content.decode()
    assert "Locked after too many checks with a wrong date of birth" in html
    assert "make a new code" in html


def test_nobody_else_reads_a_message(client, card, make_applicant, staff):
    notify(card.applicant.user, "approved", card.application.reference)
    message = Message.objects.filter(user=card.applicant.user, event="approved").latest("id")
    url = reverse("portal:message", args=[message.pk])
    client.force_login(make_applicant().user)
    assert client.get(url).status_code == 404
    assert message.subject not in client.get(reverse("portal:messages")).content.decode()
    client.force_login(staff["caseworker"])
    assert client.get(url).status_code in (302, 403, 404)
    message.refresh_from_db()
    assert message.read_at is None


def test_every_notification_that_e_mails_keeps_a_message(card):
    from relocard.common.notifications import EVENTS, notify_many

    user = card.applicant.user
    Message.objects.all().delete()
    for event in EVENTS:
        notify(user, event, card.application.reference)
    assert sorted(Message.objects.values_list("event", flat=True)) == sorted(EVENTS)
    assert not Message.objects.filter(body="").exists()
    notify_many([(user.pk, card.application.reference)], "renewal_window")
    assert Message.objects.filter(event="renewal_window").count() == 2
