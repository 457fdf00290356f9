"""The accredited organisations' sign-up link: an NGO applies only once its address is proven.

The same design as the verifiers' sign-up (:mod:`relocard.verification.emails`): whatever the
address, the page that follows says "check your e-mail"; the task worker sends a link to finish
the application to a new address, and the applicants' "you already have an account" note to an
address that has one. The link carries the organisation's details encrypted and authenticated.
"""

from __future__ import annotations

from django.conf import settings
from django.tasks import task
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from relocard.accounts.emails import details_from_token, details_token, send_details_link

_KEY_PURPOSE = b"relocard.humanitarian.organisation"


def application_token(email: str, details: dict) -> str:
    return details_token(_KEY_PURPOSE, email, details)


def application_from_token(token: str) -> tuple[str, dict] | None:
    """``(email, details)`` from a link no older than two days, or ``None``."""
    return details_from_token(_KEY_PURPOSE, token)


@task()
def send_referrer_signup_email(email: str, details: dict, language: str = "en") -> str:
    """A link to finish the organisation's application, or a note that the address has an
    account."""
    url = settings.RELOCARD_BASE_URL + reverse(
        "humanitarian:organisation_confirm", kwargs={"token": application_token(email, details)}
    )
    return send_details_link(
        email,
        language,
        url=url,
        subject=_("Finish your organisation's application to refer humanitarian-visa requests"),
        body=_(
            "To finish your organisation's application to refer humanitarian-visa requests, "
            "open this link within two days and choose a password:\n%(url)s\n\nProgramme staff "
            "check your organisation before you can refer anyone. If you did not apply, ignore "
            "this e-mail.\n"
        ),
    )
