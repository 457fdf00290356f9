"""Reads about accounts that more than one module needs (kept apart so that the session and
second-factor modules do not import each other)."""

from __future__ import annotations

from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from relocard.accounts.models import User

__all__ = ["account_exists", "has_factor", "unconfirmed_app"]


def has_factor(user) -> bool:
    """Whether the account has an app or a passkey (recovery codes alone do not count)."""
    return (
        TOTPDevice.objects.filter(user=user, confirmed=True).exists()
        or WebAuthnCredential.objects.filter(user=user, confirmed=True).exists()
    )


def account_exists(email: str) -> bool:
    """Whether an account has this e-mail address (for its owner's sign-up link only: never
    answer a stranger with it)."""
    return User.objects.filter(email__iexact=email).exists()


def unconfirmed_app(user, device_id: int) -> TOTPDevice | None:
    """The authenticator app this user started to add and has not confirmed yet."""
    return TOTPDevice.objects.filter(pk=device_id, user=user, confirmed=False).first()
