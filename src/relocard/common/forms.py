"""The project's base for forms: every error says which field it is about.

Django's "This field is required." names no field: in an error summary at the top of a
page, seven of them in a row tell the reader nothing. Every form of the platform derives
from :class:`Form` (or adds :class:`NamedRequiredErrors` to a Django form it extends), and a
required field without a message of its own gets one that names its label, in the reader's
language: "Fill in “Date of birth”.", "Choose an answer to “Purpose”.". The same mixin refuses
bidirectional control characters in every text field (:mod:`relocard.common.text`).
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _

from relocard.common.text import validate_free_text

_DJANGO_REQUIRED = forms.Field.default_error_messages["required"]


def required_message(field: forms.Field) -> str:
    """The 'missing' error for ``field``, naming its label (in the active language)."""
    if isinstance(field.widget, forms.HiddenInput):
        # Only a stale or tampered page leaves a hidden field empty.
        return _("This page is out of date. Open it again and repeat the step.")
    label = str(field.label or "").rstrip(" :")
    if isinstance(field, forms.FileField):
        return _("Choose a file for “%(label)s”.") % {"label": label}
    if isinstance(field, (forms.ChoiceField, forms.BooleanField)):
        return _("Choose an answer to “%(label)s”.") % {"label": label}
    return _("Fill in “%(label)s”.") % {"label": label}


class NamedRequiredErrors:
    """Mixin for a form: required fields with Django's anonymous message get a named one, and
    text fields refuse bidirectional and other control characters (:mod:`relocard.common.text`).
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._guard_free_text()
        for field in self.fields.values():
            # Compared as text: the default is lazy, and equal only in the same language.
            if str(field.error_messages.get("required")) == str(_DJANGO_REQUIRED):
                field.error_messages = {**field.error_messages, "required": required_message(field)}

    def _guard_free_text(self) -> None:
        for field in self.fields.values():
            if (
                isinstance(field, forms.CharField)
                and not isinstance(field.widget, forms.PasswordInput)
                and validate_free_text not in field.validators
            ):
                # Each form instance has its own copy of its fields and their validators.
                field.validators.append(validate_free_text)

    def full_clean(self):
        # Again here: some forms add fields in their own __init__, after this one's.
        self._guard_free_text()
        super().full_clean()


class Form(NamedRequiredErrors, forms.Form):
    """Every plain form of the platform."""
