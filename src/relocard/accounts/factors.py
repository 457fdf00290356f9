"""Second factors: authenticator apps (TOTP), passkeys (WebAuthn) and recovery codes.

The devices are django-otp's (``otp_totp``, ``otp_static``) and django-otp-webauthn's; this
module is the one place that creates, checks and removes them, each change audited:

* :func:`totp_start` / :func:`totp_confirm`: enrol an authenticator app (the device counts
  only once a code from it was typed);
* :func:`recovery_codes_create`: ten single-use codes, shown once, replacing any earlier ones;
* :func:`second_factor_check`: a code from an app or a recovery code, for sign-in and
  re-authentication (counted per account by the throttle, and by django-otp's own per-device
  back-off);
* :func:`factor_remove`: remove one app or passkey (never the last factor of an account that
  needs one);
* :func:`factor_reset_propose` / :func:`factor_reset_confirm` / :func:`factor_reset_cancel`:
  the four-eyes reset of a lost factor (who may: :mod:`relocard.common.access`).
"""

from __future__ import annotations

import base64
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp import devices_for_user, user_has_device
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from relocard.accounts import sessions, throttle
from relocard.accounts.models import (
    FactorReset,
    FactorResetStatus,
    RecoveryCode,
    RecoveryCodes,
    User,
)
from relocard.accounts.security import auth_event
from relocard.accounts.selectors import has_factor  # noqa: F401 (part of this module's interface)
from relocard.common import access
from relocard.common.errors import InvalidInput, InvalidState, NotAllowed

RECOVERY_CODES = 10


def factors_of(user) -> dict:
    return {
        "apps": list(TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk")),
        "passkeys": list(
            WebAuthnCredential.objects.filter(user=user, confirmed=True).order_by("pk")
        ),
        "recovery_left": RecoveryCode.objects.filter(device__user=user).count(),
    }


def totp_secret(device: TOTPDevice) -> str:
    """The key as an authenticator app takes it when typed: base32, in groups of four."""
    text = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def totp_start(*, user: User) -> TOTPDevice:
    """A new, unconfirmed authenticator-app key (earlier unconfirmed ones are dropped)."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        return TOTPDevice.objects.create(user=user, name=_("Authenticator app"), confirmed=False)


def _clean_code(token: str) -> str:
    return "".join(str(token or "").split()).lower()


def totp_confirm(*, request, user: User, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm an app with a code from it; the new recovery codes if the account had none."""
    if device.user_id != user.pk or device.confirmed:
        raise InvalidState(_("This set-up has expired. Start again."))
    code = _clean_code(token)
    if not code.isdigit() or len(code) != device.digits:
        raise InvalidInput(
            _("Enter the 6-digit code that the app shows, without spaces."), field="code"
        )
    if throttle.otp_wait(user.pk) is not None:
        raise NotAllowed(_("Too many wrong codes. Wait a few minutes and try again."))
    if not device.verify_token(code):
        throttle.otp_failed(user.pk)
        raise InvalidInput(
            _("That code is not right. Check the time on your phone and try the current code."),
            field="code",
        )
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        auth_event("auth.factor_enrolled", user=user, request=request, data={"kind": "totp"})
        codes = None
        if not RecoveryCode.objects.filter(device__user=user).exists():
            codes = recovery_codes_create(user=user, request=request)
    otp_login(request, device)
    sessions.mark_factor(request)
    return codes


def _new_code() -> str:
    text = base64.b32encode(secrets.token_bytes(8)).decode("ascii").lower()[:12]
    return f"{text[:4]}-{text[4:8]}-{text[8:]}"


def recovery_codes_create(*, user: User, request=None) -> list[str]:
    """Ten new single-use recovery codes (the earlier ones stop working); shown only once.

    Only a salted hash of each code's secret part is kept (see :class:`RecoveryCodes`)."""
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    hasher = PBKDF2PasswordHasher()
    codes: list[str] = []
    while len(codes) < RECOVERY_CODES:
        code = _new_code()
        if code[:4] not in {c[:4] for c in codes}:
            codes.append(code)
    with transaction.atomic():
        RecoveryCodes.objects.filter(user=user).delete()
        device = RecoveryCodes.objects.create(user=user, name=_("Recovery codes"))
        RecoveryCode.objects.bulk_create(
            [
                RecoveryCode(
                    device=device,
                    lookup=c[:4],
                    digest=hasher.encode(
                        c[4:].replace("-", ""),
                        hasher.salt(),
                        iterations=RecoveryCodes.ITERATIONS,
                    ),
                )
                for c in codes
            ]
        )
        auth_event("auth.recovery_codes_created", user=user, request=request)
    return codes


def second_factor_check(*, request, user: User, token: str) -> str:
    """Check a code from an app or a recovery code; marks the session; the kind used."""
    if throttle.otp_wait(user.pk) is not None:
        raise NotAllowed(
            _("Too many wrong codes. Wait a few minutes, then sign in again."), field="code"
        )
    code = _clean_code(token)
    if not code:
        raise InvalidInput(_("Enter the code from your app or a recovery code."), field="code")
    for device in devices_for_user(user, confirmed=True):
        if isinstance(device, TOTPDevice | RecoveryCodes) and device.verify_token(code):
            kind = "totp" if isinstance(device, TOTPDevice) else "recovery_code"
            otp_login(request, device)
            sessions.mark_factor(request)
            auth_event("auth.second_factor_passed", user=user, request=request, data={"kind": kind})
            return kind
    throttle.otp_failed(user.pk)
    auth_event("auth.second_factor_failed", user=user, request=request)
    raise InvalidInput(
        _("That code is not right. Enter the current code from your app, or a recovery code."),
        field="code",
    )


def factor_remove(*, request, user: User, kind: str, device_id: int) -> None:
    model = {"totp": TOTPDevice, "passkey": WebAuthnCredential}.get(kind)
    if model is None:
        raise InvalidInput(_("Choose what to remove."))
    with transaction.atomic():
        device = model.objects.select_for_update().filter(user=user, pk=device_id).first()
        if device is None:
            raise InvalidInput(_("That authenticator is not on your account."))
        left = (
            TOTPDevice.objects.filter(user=user, confirmed=True).count()
            + WebAuthnCredential.objects.filter(user=user, confirmed=True).count()
        )
        if left <= 1 and access.needs_second_factor(user):
            raise NotAllowed(
                _("This is your only second factor. Add another one before you remove it.")
            )
        device.delete()
        if left <= 1:
            RecoveryCodes.objects.filter(user=user).delete()
        auth_event("auth.factor_removed", user=user, request=request, data={"kind": kind})


# --- the four-eyes reset of a lost factor ------------------------------------------------------


def factor_reset_propose(*, actor: User, email: str, reason: str) -> FactorReset:
    reason = " ".join((reason or "").split())
    if not reason:
        raise InvalidInput(
            _("Say how the person proved who they are and what they lost."), field="reason"
        )
    target = User.objects.filter(email__iexact=(email or "").strip()).first()
    if not access.can_reset_second_factor(actor, target):
        # The same answer for an unknown address and for an account out of reach.
        raise InvalidInput(
            _("You cannot reset the second factor of this account. Check the address."),
            field="email",
        )
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=target.pk).first()
        if FactorReset.objects.filter(user=target, status=FactorResetStatus.PROPOSED).exists():
            raise InvalidState(
                _("A reset of this account is already waiting for confirmation."), field="email"
            )
        reset = FactorReset.objects.create(user=target, reason=reason[:300], proposed_by=actor)
        auth_event(
            "auth.factor_reset_proposed",
            user=target,
            data={"reset": reset.pk, "by": actor.pk},
        )
    return reset


def _open_reset(reset_id: int) -> FactorReset:
    reset = (
        FactorReset.objects.select_for_update()
        .select_related("user")
        .filter(pk=reset_id, status=FactorResetStatus.PROPOSED)
        .first()
    )
    if reset is None:
        raise InvalidState(_("This reset has already been decided."))
    return reset


def factor_reset_confirm(*, actor: User, reset_id: int) -> FactorReset:
    """The second person confirms: every factor of the account goes, its sessions end."""
    with transaction.atomic():
        reset = _open_reset(reset_id)
        if not access.can_confirm_factor_reset(actor, reset):
            raise NotAllowed(
                _("Another supervisor or programme admin must confirm a reset you proposed.")
            )
        user = reset.user
        TOTPDevice.objects.filter(user=user).delete()
        RecoveryCodes.objects.filter(user=user).delete()
        WebAuthnCredential.objects.filter(user=user).delete()
        reset.status, reset.decided_by, reset.decided_at = (
            FactorResetStatus.CONFIRMED,
            actor,
            timezone.now(),
        )
        reset.save(update_fields=["status", "decided_by", "decided_at"])
        auth_event(
            "auth.factor_reset_confirmed",
            user=user,
            data={"reset": reset.pk, "by": actor.pk, "proposed_by": reset.proposed_by_id},
        )
        sessions.sessions_end(actor=actor, user=user)
    return reset


def factor_reset_cancel(*, actor: User, reset_id: int) -> FactorReset:
    with transaction.atomic():
        reset = _open_reset(reset_id)
        if not access.can_reset_second_factor(actor, reset.user):
            raise NotAllowed(_("You cannot decide on this reset."))
        reset.status, reset.decided_by, reset.decided_at = (
            FactorResetStatus.CANCELLED,
            actor,
            timezone.now(),
        )
        reset.save(update_fields=["status", "decided_by", "decided_at"])
        auth_event(
            "auth.factor_reset_cancelled", user=reset.user, data={"reset": reset.pk, "by": actor.pk}
        )
    return reset


def resets_for(actor: User):
    """Open resets the actor may see: those of accounts within their reach."""
    if not access.can_handle_factor_resets(actor):
        return []
    pending = FactorReset.objects.filter(status=FactorResetStatus.PROPOSED).select_related(
        "user", "proposed_by"
    )
    return [r for r in pending if access.can_reset_second_factor(actor, r.user)]


def user_has_any_device(user) -> bool:
    return user_has_device(user, confirmed=True)
