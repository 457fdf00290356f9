"""The project's base for forms: every error says which field it is about.

Django's "This field is required." names no field: in an error summary at the top of a
page, seven of them in a row tell the reader nothing. Every form of the platform derives
from :class:`Form` (or adds :class:`NamedRequiredErrors` to a Django form it extends), and a
required field without a message of its own gets one that names its label, in the reader's
language: "Fill in “Date of birth”.", "Choose an answer to “Purpose”.".
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _

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
    """Mixin for a form: required fields with Django's anonymous message get a named one."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            # Compared as text: the default is lazy, and equal only in the same language.
            if str(field.error_messages.get("required")) == str(_DJANGO_REQUIRED):
                field.error_messages = {**field.error_messages, "required": required_message(field)}


class Form(NamedRequiredErrors, forms.Form):
    """Every plain form of the platform."""
