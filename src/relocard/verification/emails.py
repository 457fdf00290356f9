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

from django.conf import settings
from django.tasks import task
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from relocard.accounts.emails import details_from_token, details_token, send_details_link

_KEY_PURPOSE = b"relocard.verification.register"


def registration_token(email: str, details: dict) -> str:
    """The link's token: the address and the organisation's details, encrypted."""
    return details_token(_KEY_PURPOSE, email, details)


def registration_from_token(token: str) -> tuple[str, dict] | None:
    """``(email, details)`` from a link no older than two days, or ``None``."""
    return details_from_token(_KEY_PURPOSE, token)


@task()
def send_verifier_signup_email(email: str, details: dict, language: str = "en") -> str:
    """A link to finish the registration, or, if the address has an account, a note saying so."""
    url = settings.RELOCARD_BASE_URL + reverse(
        "verification:register_confirm", kwargs={"token": registration_token(email, details)}
    )
    return send_details_link(
        email,
        language,
        url=url,
        subject=_("Finish registering your organisation with Relocard"),
        body=_(
            "To finish registering your organisation to check relocatee cards, open this link "
            "within two days and choose a password:\n%(url)s\n\nIf you did not register, "
            "ignore this e-mail.\n"
        ),
    )
