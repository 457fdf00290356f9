"""The message centre: every notification the platform e-mails is also kept here.

A safe-mode e-mail (the default, for people whose mail may be read) says only "you have a new
message in your account"; the message itself waits in the account, behind the sign-in and the
second factor, in the recipient's language as it was when it was sent. A message is written
in the same transaction as the change that causes it (the notification's outbox), so a change
that rolls back leaves no message, and a change that commits never loses one.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Message(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="inbox_messages"
    )
    #: The notification's event key (see ``common.notifications.EVENTS``).
    event = models.CharField(max_length=40)
    #: The case it is about, if any (shown, and linked to the case page).
    reference = models.CharField(max_length=40, blank=True)
    language = models.CharField(max_length=10)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"))
    #: Where to act on it, a path on this site (the case page, the share codes...).
    link = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="message_user_unread")]

    def __str__(self) -> str:
        return f"message {self.pk} ({self.event})"
