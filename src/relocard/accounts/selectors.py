"""Reads about accounts that more than one module needs (kept apart so that the session and
second-factor modules do not import each other)."""

from __future__ import annotations

from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

__all__ = ["has_factor"]


def has_factor(user) -> bool:
    """Whether the account has an app or a passkey (recovery codes alone do not count)."""
    return (
        TOTPDevice.objects.filter(user=user, confirmed=True).exists()
        or WebAuthnCredential.objects.filter(user=user, confirmed=True).exists()
    )
