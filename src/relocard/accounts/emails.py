"""E-mails about accounts, sent by the task worker: sign-up links, resets, lockouts.

Sign-up and password reset enqueue the same task whether or not the address has an account;
the task decides what to send. The person typing the address sees the same answer after the
same work either way (no oracle by words or by time).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.core.mail import send_mail
from django.tasks import task
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from relocard.accounts.models import User
from relocard.common.languages import language_for, supported

SIGNUP_SALT = "relocard.accounts.signup"
#: How long a sign-up link works.
SIGNUP_MAX_AGE = 2 * 24 * 60 * 60


def signup_token(email: str) -> str:
    return signing.dumps({"e": email}, salt=SIGNUP_SALT, compress=True)


def signup_email_from_token(token: str) -> str | None:
    try:
        data = signing.loads(token, salt=SIGNUP_SALT, max_age=SIGNUP_MAX_AGE)
    except signing.BadSignature:
        return None
    email = data.get("e") if isinstance(data, dict) else None
    return email if isinstance(email, str) and email else None


def _link_fernet(purpose: bytes) -> Fernet:
    key = hmac.new(settings.SECRET_KEY.encode(), purpose, hashlib.sha256).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def details_token(purpose: bytes, email: str, details: dict) -> str:
    """A sign-up link's token carrying the address and an organisation's details, encrypted
    and authenticated (Fernet, a key derived from the secret key for ``purpose``): names never
    appear readable in URLs or logs. A token made for one purpose is refused by the others."""
    data = json.dumps({"e": email, "o": details}, separators=(",", ":")).encode()
    return _link_fernet(purpose).encrypt(data).decode("ascii")


def details_from_token(purpose: bytes, token: str) -> tuple[str, dict] | None:
    """``(email, details)`` from a ``purpose`` link no older than two days, or ``None``."""
    try:
        data = json.loads(_link_fernet(purpose).decrypt(token.encode("ascii"), ttl=SIGNUP_MAX_AGE))
    except (InvalidToken, UnicodeEncodeError, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("o"), dict):
        return None
    email = data.get("e")
    return (email, data["o"]) if isinstance(email, str) and email else None


def send_details_link(email: str, language: str, *, url: str, subject: str, body: str) -> str:
    """The organisations' sign-up e-mail: ``body`` (with ``%(url)s``) to a new address; to an
    address that has an account, the note the applicants' sign-up sends. ``subject`` and
    ``body`` are lazy translations, rendered in ``language``. Returns what was sent."""
    if User.objects.filter(email__iexact=email).exists():
        return send_signup_email.call(email, language)
    with translation.override(_language(language)):
        send_mail(str(subject), str(body) % {"url": url}, None, [email])
    return "new"


def _language(language: str) -> str:
    return supported(language) or settings.LANGUAGE_CODE


@task()
def send_signup_email(email: str, language: str = "en") -> str:
    """A link to create the account, or, if the address has one, a note saying so."""
    existing = User.objects.filter(email__iexact=email).first()
    with translation.override(language_for(existing) if existing else _language(language)):
        if existing is not None:
            subject = _("You already have a Relocard account")
            body = _(
                "Someone (perhaps you) asked to create a Relocard account with this e-mail "
                "address, which already has one.\n\nSign in: %(signin)s\nForgot your password? "
                "Reset it: %(reset)s\n\nIf it was not you, you can ignore this e-mail.\n"
            ) % {
                "signin": settings.RELOCARD_BASE_URL + reverse("accounts:login"),
                "reset": settings.RELOCARD_BASE_URL + reverse("accounts:password_reset"),
            }
            sent = "existing"
        else:
            link = settings.RELOCARD_BASE_URL + reverse(
                "accounts:signup_confirm", kwargs={"token": signup_token(email)}
            )
            subject = _("Create your Relocard account")
            body = _(
                "To create your Relocard account, open this link within two days and choose a "
                "password:\n%(url)s\n\nIf you did not ask for an account, ignore this e-mail.\n"
            ) % {"url": link}
            sent = "new"
    send_mail(subject, body, None, [email])
    return sent


@task()
def send_password_reset(email: str, language: str = "en") -> int:
    """The reset link to each active account with this address (none for an unknown one)."""
    sent = 0
    for user in User.objects.filter(email__iexact=email, is_active=True):
        path = reverse(
            "accounts:password_reset_confirm",
            kwargs={
                "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                "token": default_token_generator.make_token(user),
            },
        )
        with translation.override(language_for(user)):
            subject = _("Reset the password of your Relocard account")
            body = _(
                "Someone asked to reset the password of this account. If it was you, open "
                "this link:\n%(url)s\n\nIf it was not you, ignore this e-mail: your password "
                "stays as it is.\n"
            ) % {"url": settings.RELOCARD_BASE_URL + path}
        send_mail(subject, body, None, [user.email])
        sent += 1
    return sent


@task()
def send_lockout_notice(user_id: int) -> None:
    user = User.objects.get(pk=user_id)
    minutes = max(1, settings.RELOCARD_LOCKOUT_SECONDS // 60)
    with translation.override(language_for(user)):
        subject = _("Sign-in to your Relocard account was paused")
        body = _(
            "There were too many wrong passwords for your account, so signing in is paused "
            "for %(minutes)s minutes.\n\nIf it was you, wait and try again, or reset your "
            "password: %(reset)s\nIf it was not you, your password held; consider changing it "
            "to a long one you use nowhere else.\n"
        ) % {
            "minutes": minutes,
            "reset": settings.RELOCARD_BASE_URL + reverse("accounts:password_reset"),
        }
    send_mail(subject, body, None, [user.email])
