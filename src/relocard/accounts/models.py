"""User accounts: one user model for applicants, staff and verifiers, signed in by e-mail.

Staff carry a role and a member state (programme admins: all member states). What each role
may do is decided in :mod:`relocard.common.access`, nowhere else.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, ThrottlingMixin, TimestampMixin

from relocard.common.encrypted_fields import EncryptedTextField


class Role(models.TextChoices):
    APPLICANT = "applicant", _("Applicant")
    CONSULAR_OFFICER = "consular_officer", _("Consular officer")
    CASEWORKER = "caseworker", _("Caseworker")
    SUPERVISOR = "supervisor", _("Supervisor")
    AUDITOR = "auditor", _("Auditor")
    PROGRAMME_ADMIN = "programme_admin", _("Programme admin")
    #: A person checking cards for a bank, employer, letting agent or as a private landlord;
    #: belongs to a verifier organisation (:mod:`relocard.verification`), whose country is
    #: kept as the user's member state.
    VERIFIER = "verifier", _("Verifier")
    #: Triage, invitations and decisions of humanitarian-visa requests of their member state
    #: (:mod:`relocard.humanitarian`); reads a request's grounds only when assigned to it.
    #: Not a card role: sees no card case, and card staff see no request.
    HUMANITARIAN_OFFICER = "humanitarian_officer", _("Humanitarian officer")
    #: A person who refers humanitarian-visa requests for an accredited organisation (an NGO
    #: approved by programme staff); the organisation's country is kept as the member state.
    REFERRER = "referrer", _("Referrer for an accredited organisation")
    #: Reviews the possible sanctions-list matches and records the national checks of the
    #: cases of their member state (:mod:`relocard.screening`); the only role that reads the
    #: list, the hits and their scores. Takes no card decision.
    SCREENING_OFFICER = "screening_officer", _("Screening officer")


STAFF_ROLES = frozenset(
    {Role.CONSULAR_OFFICER, Role.CASEWORKER, Role.SUPERVISOR, Role.AUDITOR, Role.PROGRAMME_ADMIN}
)


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra) -> User:
        extra.update(is_staff=True, is_superuser=True, role=Role.PROGRAMME_ADMIN)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(_("e-mail address"), unique=True)
    role = models.CharField(_("role"), max_length=32, choices=Role.choices, default=Role.APPLICANT)
    member_state = models.ForeignKey(
        "reference.MemberState",
        verbose_name=_("member state"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        help_text=_(
            "Every staff user belongs to one member state; programme admins to none (all)."
        ),
    )
    preferred_language = models.CharField(
        _("preferred language"),
        max_length=8,
        choices=settings.LANGUAGES,
        blank=True,
        default="",
        help_text=_(
            "The language of pages, e-mails and PDFs. Empty until the person chooses one: staff "
            "then read their member state's official language, everyone else English."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("may use the admin site"), default=False)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                name="staff_role_has_member_state",
                condition=(
                    models.Q(role__in=["applicant", "programme_admin"])
                    | models.Q(member_state__isnull=False)
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.email

    @property
    def is_programme_staff(self) -> bool:
        return self.role in STAFF_ROLES


class Applicant(models.Model):
    """The person applying for (and later holding) a card: only what a criterion or the card needs.

    Names are kept as printed in the passport, in Cyrillic and in the Latin transliteration of
    the machine-readable zone. Nothing here records views, religion, ethnicity or health.
    """

    #: The account; none for a walk-in opened at an embassy until its holder links the case
    #: from their own account (:mod:`relocard.cases.walkins`).
    user = models.OneToOneField(
        User, on_delete=models.PROTECT, related_name="applicant", null=True, blank=True
    )
    surname_cyrillic = models.CharField(_("surname (Cyrillic)"), max_length=80)
    given_names_cyrillic = models.CharField(_("given names (Cyrillic)"), max_length=120)
    surname_latin = models.CharField(_("surname (Latin, as in the passport)"), max_length=80)
    given_names_latin = models.CharField(
        _("given names (Latin, as in the passport)"), max_length=120
    )
    date_of_birth = models.DateField(_("date of birth"))
    nationality = models.CharField(
        _("nationality"), max_length=2, help_text=_("ISO 3166-1 alpha-2 code, e.g. RU")
    )
    #: Encrypted at rest (AES-GCM, keys from the key store); found through ``passport_index``.
    passport_number = EncryptedTextField(
        _("passport number"), purpose="accounts.applicant.passport_number", plain_max_length=20
    )
    passport_expiry = models.DateField(_("passport expiry date"))
    #: Keyed look-up keys of the person (:mod:`relocard.common.person_index`): passport number
    #: and nationality; Latin name and date of birth. For duplicate detection, never shown.
    passport_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    name_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    #: Safe mode: e-mails carry no content, only "you have a new message in your account".
    safe_mode = models.BooleanField(
        _("safe mode"),
        default=True,
        help_text=_("E-mails only say that there is a new message in your account."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("applicant")
        verbose_name_plural = _("applicants")
        # No unique passport number: a number already in use is accepted and flagged to
        # caseworkers as a possible duplicate, never reported to the person typing it.

    def __str__(self) -> str:
        # Never the name: __str__ ends up in logs and admin change messages.
        return f"Applicant #{self.pk}"

    @property
    def latin_name(self) -> str:
        return f"{self.surname_latin}, {self.given_names_latin}"

    @property
    def cyrillic_name(self) -> str:
        return f"{self.surname_cyrillic} {self.given_names_cyrillic}"


class SessionRecord(models.Model):
    """One signed-in session of a user, so that they can list their sessions and end them.

    The session itself lives in Django's session store; this row names it and says when and
    from what kind of browser it started. No address is kept in clear, only a keyed hash
    (``relocard.accounts.security.keyed_hash``) to tell the holder's own places apart.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="session_records")
    session_key = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("signed in"), default=timezone.now)
    last_seen_at = models.DateTimeField(_("last active"), default=timezone.now)
    #: A short description of the browser ("Firefox on Linux"), never the full user agent.
    browser = models.CharField(_("browser"), max_length=80, blank=True)
    address_hash = models.CharField(max_length=16, blank=True)

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        indexes = [models.Index(fields=["user", "-last_seen_at"])]

    def __str__(self) -> str:
        return f"Session #{self.pk} of user #{self.user_id}"


class FactorResetStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    CONFIRMED = "confirmed", _("Confirmed")
    CANCELLED = "cancelled", _("Cancelled")


class FactorReset(models.Model):
    """A lost second factor, reset with four eyes: one person proposes, another confirms.

    Who may propose and confirm is decided in :mod:`relocard.common.access`
    (``can_reset_second_factor``); the confirmer is never the proposer nor the account itself.
    Confirming removes every authenticator and recovery code of the account and ends its
    sessions; at the next sign-in its holder enrols a new factor.
    """

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="factor_resets")
    reason = models.CharField(_("reason"), max_length=300)
    status = models.CharField(
        max_length=16, choices=FactorResetStatus.choices, default=FactorResetStatus.PROPOSED
    )
    proposed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="factor_resets_proposed"
    )
    proposed_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        related_name="factor_resets_decided",
        null=True,
        blank=True,
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("second-factor reset")
        verbose_name_plural = _("second-factor resets")
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(status="proposed"),
                name="one_open_factor_reset_per_user",
            ),
            models.CheckConstraint(
                name="factor_reset_four_eyes",
                condition=~models.Q(status="confirmed")
                | ~models.Q(decided_by=models.F("proposed_by")),
            ),
        ]

    def __str__(self) -> str:
        return f"Second-factor reset #{self.pk} of user #{self.user_id}"


class RecoveryCodes(TimestampMixin, ThrottlingMixin, Device):
    """A user's single-use recovery codes: a django-otp device, one per user.

    A code reads ``abcd-efgh-ijkl`` (60 random bits, base32): the first group names it (kept in
    clear to find it), the rest (40 bits) is its secret, kept only as a salted PBKDF2 hash
    (ASVS 6.5.2), so that a copy of the database does not give anyone a way in. A code is
    deleted when used; wrong codes slow the device down (django-otp's back-off).
    """

    #: PBKDF2 iterations for a recovery code's secret: one hash per attempt, ten per new set.
    ITERATIONS = 100_000

    class Meta:
        verbose_name = _("recovery codes")
        verbose_name_plural = _("recovery codes")

    def get_throttle_factor(self):
        return 1

    def verify_token(self, token):
        from django.contrib.auth.hashers import PBKDF2PasswordHasher

        allowed, _info = self.verify_is_allowed()
        if not allowed:
            return False
        code = "".join(ch for ch in str(token).lower() if ch.isalnum())
        match = None
        if len(code) == 12:
            candidate = self.codes.filter(lookup=code[:4]).first()
            if candidate is not None and PBKDF2PasswordHasher().verify(code[4:], candidate.digest):
                match = candidate
        if match is None:
            self.throttle_increment()
            return False
        match.delete()
        self.throttle_reset(commit=False)
        self.set_last_used_timestamp(commit=False)
        self.save()
        return True


class RecoveryCode(models.Model):
    device = models.ForeignKey(RecoveryCodes, on_delete=models.CASCADE, related_name="codes")
    lookup = models.CharField(max_length=4)
    digest = models.CharField(max_length=128)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["device", "lookup"], name="one_recovery_code_per_lookup"
            )
        ]

    def __str__(self) -> str:
        return f"Recovery code #{self.pk}"
