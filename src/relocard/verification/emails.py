"""The verifiers' sign-up link: the organisation registers only once its address is proven.

The register form takes the organisation and an address; whatever the address, the page that
follows says "check your e-mail" (no oracle by words). The task worker then decides what to
send: to a new address, a link to choose a password, which creates the account and the
organisation; to an address that already has an account, the note the applicants' sign-up
sends (:func:`relocard.accounts.emails.send_signup_email`).

The link carries the organisation's details encrypted and authenticated (Fernet, a key derived
from the secret key, valid two days): a private landlord's organisation name is their own name,
and names never appear in URLs or logs, so nothing of it is readable in the link.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.mail import send_mail
from django.tasks import task
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from relocard.accounts.emails import SIGNUP_MAX_AGE, send_signup_email
from relocard.accounts.models import User

_KEY_PURPOSE = b"relocard.verification.register"


def _fernet() -> Fernet:
    key = hmac.new(settings.SECRET_KEY.encode(), _KEY_PURPOSE, hashlib.sha256).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def registration_token(email: str, details: dict) -> str:
    """The link's token: the address and the organisation's details, encrypted."""
    data = json.dumps({"e": email, "o": details}, separators=(",", ":")).encode()
    return _fernet().encrypt(data).decode("ascii")


def registration_from_token(token: str) -> tuple[str, dict] | None:
    """``(email, details)`` from a link no older than two days, or ``None``."""
    try:
        data = json.loads(_fernet().decrypt(token.encode("ascii"), ttl=SIGNUP_MAX_AGE))
    except (InvalidToken, UnicodeEncodeError, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("o"), dict):
        return None
    email = data.get("e")
    return (email, data["o"]) if isinstance(email, str) and email else None


@task()
def send_verifier_signup_email(email: str, details: dict, language: str = "en") -> str:
    """A link to finish the registration, or, if the address has an account, a note saying so."""
    if User.objects.filter(email__iexact=email).exists():
        return send_signup_email.call(email, language)
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    link = settings.RELOCARD_BASE_URL + reverse(
        "verification:register_confirm", kwargs={"token": registration_token(email, details)}
    )
    with translation.override(language):
        subject = _("Finish registering your organisation with Relocard")
        body = _(
            "To finish registering your organisation to check relocatee cards, open this link "
            "within two days and choose a password:\n%(url)s\n\nIf you did not register, "
            "ignore this e-mail.\n"
        ) % {"url": link}
    send_mail(subject, body, None, [email])
    return "new"
