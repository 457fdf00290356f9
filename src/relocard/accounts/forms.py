"""Forms for signing up, signing in and the applicant's personal data."""

from __future__ import annotations

import re

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from relocard.common.forms import DatePartsField, Form, NamedRequiredErrors

CYRILLIC = re.compile(r"^[А-Яа-яЁё][А-Яа-яЁё \-']*$")
#: Latin letters as in the passport's machine-readable zone transliteration (ICAO 9303).
LATIN = re.compile(r"^[A-Za-z][A-Za-z \-']*$")
PASSPORT = re.compile(r"^[0-9A-Z]{6,12}$")


class NewPasswordForm(Form):
    """A new password typed twice and checked against the password validators; the sign-up
    forms of applicants and of verifier organisations both build on it."""

    password = forms.CharField(
        label=_("Create a password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 10 characters. Avoid a password you use elsewhere."),
    )
    password_again = forms.CharField(
        label=_("Type the password again"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        cleaned = super().clean()
        password, again = cleaned.get("password"), cleaned.get("password_again")
        if password and again and password != again:
            self.add_error(
                "password_again", _("The two passwords are not the same. Type them again.")
            )
        if password and not self.errors.get("password"):
            try:
                password_validation.validate_password(password)
            except forms.ValidationError as exc:
                self.add_error("password", exc)
        return cleaned


class SignupForm(Form):
    """The first step of sign-up: the address only. The password is chosen after the link in
    the e-mail was opened, so that only the holder of the address can set it."""

    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text=_("We send you a link to create your account, and later messages about it."),
    )


class SecondFactorForm(Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=40,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
        help_text=_("The 6-digit code from your authenticator app, or one of your recovery codes."),
    )


class TotpSetupForm(Form):
    code = forms.CharField(
        label=_("Code from the app"),
        max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
        help_text=_("The 6 digits the app shows for Relocard."),
    )


class ReauthForm(Form):
    """Password and second factor again, before a decision or a change of factors."""

    reauth_password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    reauth_code = forms.CharField(
        label=_("Code from your authenticator app, or a recovery code"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code"}),
    )


class FactorResetForm(Form):
    email = forms.EmailField(label=_("E-mail address of the account"), max_length=254)
    reason = forms.CharField(
        label=_("How the person proved who they are, and what they lost"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class SigninForm(NamedRequiredErrors, AuthenticationForm):
    username = forms.EmailField(
        label=_("E-mail address"),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )
    error_messages = {
        "invalid_login": _(
            "The e-mail address or the password is not right. Check both and try again."
        ),
        "inactive": _("This account is disabled."),
    }


class ProfileForm(Form):
    surname_cyrillic = forms.CharField(
        label=_("Surname in Cyrillic"),
        max_length=80,
        help_text=_("As printed in your passport, e.g. Иванова"),
    )
    given_names_cyrillic = forms.CharField(
        label=_("Given names in Cyrillic"),
        max_length=120,
        help_text=_("First name and patronymic as printed, e.g. Анна Сергеевна"),
    )
    surname_latin = forms.CharField(
        label=_("Surname in Latin letters"),
        max_length=80,
        help_text=_("Exactly as in the passport's Latin line, e.g. IVANOVA"),
    )
    given_names_latin = forms.CharField(
        label=_("Given names in Latin letters"),
        max_length=120,
        help_text=_("Exactly as in the passport's Latin line, e.g. ANNA"),
    )
    date_of_birth = DatePartsField(label=_("Date of birth"))
    nationality = forms.ChoiceField(
        label=_("Nationality"),
        choices=[("RU", _("Russian Federation"))],
        help_text=_("The programme is open to citizens of the Russian Federation."),
    )
    passport_number = forms.CharField(
        label=_("Passport number"),
        max_length=20,
        help_text=_("Of your international passport, without spaces, e.g. 751234567"),
    )
    passport_expiry = DatePartsField(label=_("Passport expiry date"))
    safe_mode = forms.BooleanField(
        label=_("Safe mode: e-mails only say that there is a new message in my account"),
        required=False,
        help_text=_("Recommended if you live in Russia or someone may read your e-mail."),
    )

    def _clean_name(self, key: str, pattern: re.Pattern, message) -> str:
        value = " ".join(self.cleaned_data[key].split())
        if not pattern.match(value):
            raise forms.ValidationError(message)
        return value

    def clean_surname_cyrillic(self):
        return self._clean_name(
            "surname_cyrillic", CYRILLIC, _("Use Cyrillic letters, as in the passport.")
        )

    def clean_given_names_cyrillic(self):
        return self._clean_name(
            "given_names_cyrillic", CYRILLIC, _("Use Cyrillic letters, as in the passport.")
        )

    def clean_surname_latin(self):
        return self._clean_name(
            "surname_latin", LATIN, _("Use Latin letters A to Z, as in the passport.")
        ).upper()

    def clean_given_names_latin(self):
        return self._clean_name(
            "given_names_latin", LATIN, _("Use Latin letters A to Z, as in the passport.")
        ).upper()

    def clean_passport_number(self):
        value = re.sub(r"\s", "", self.cleaned_data["passport_number"]).upper()
        if not PASSPORT.match(value):
            raise forms.ValidationError(
                _("A passport number has 6 to 12 letters and digits, e.g. 751234567.")
            )
        return value

    def clean_date_of_birth(self):
        value = self.cleaned_data["date_of_birth"]
        today = timezone.localdate()
        if value >= today:
            raise forms.ValidationError(_("The date of birth must be in the past."))
        if value.year < 1900:
            raise forms.ValidationError(_("Enter the date of birth as printed in the passport."))
        if (today.year - value.year) < 14:
            raise forms.ValidationError(_("Applicants must be at least 14 years old."))
        return value

    def clean_passport_expiry(self):
        value = self.cleaned_data["passport_expiry"]
        if value < timezone.localdate():
            raise forms.ValidationError(_("The passport has expired. Enter a valid passport."))
        return value
