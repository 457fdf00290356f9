"""The project's base for forms: every error says which field it is about.

Django's "This field is required." names no field: in an error summary at the top of a
page, seven of them in a row tell the reader nothing. Every form of the platform derives
from :class:`Form` (or adds :class:`NamedRequiredErrors` to a Django form it extends), and a
required field without a message of its own gets one that names its label, in the reader's
language: "Fill in “Date of birth”.", "Choose an answer to “Purpose”.". The same mixin refuses
bidirectional control characters in every text field (:mod:`relocard.common.text`).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from babel import Locale
from babel.numbers import NumberFormatError, format_decimal, parse_decimal
from django import forms
from django.utils.translation import get_language
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


# --- numbers in the reader's locale ----------------------------------------------------------

#: Characters people type between groups of digits where the locale groups with a space:
#: a space, a no-break space, a narrow no-break space, a thin space.
_SPACES = " \u00a0\u202f\u2009"


def parse_number(text: str, *, language: str | None = None) -> Decimal:
    """The one parser of numbers typed by people: "15 000,50" in Russian, "15,000.50" in
    English, each in the reader's locale (Babel's CLDR data, in strict mode, so that "1,5" in
    English is refused rather than read as 15). Raises :class:`ValueError` with a message in
    the active language that shows the expected form."""
    locale = Locale.parse(language or get_language() or "en", sep="-")
    group = locale.number_symbols.get("latn", locale.number_symbols).get("group", ",")
    value = (text or "").strip()
    if group in _SPACES or group.isspace():
        # Any kind of space between digit groups is the locale's group separator.
        value = "".join(group if ch in _SPACES else ch for ch in value)
    symbols = locale.number_symbols.get("latn", locale.number_symbols)
    example = format_decimal(Decimal("15000.50"), format="#,##0.00", locale=locale)
    wrong = ValueError(
        _("Enter a number like %(example)s, with digits only.") % {"example": example}
    )
    if value[:1] in ("-", "\u2212"):
        raise ValueError(_("Enter a number that is not negative."))
    allowed = {group, symbols.get("decimal", ".")}
    if not value or not all((ch.isascii() and ch.isdigit()) or ch in allowed for ch in value):
        raise wrong  # no exponents, signs, letters or currency symbols
    try:
        number = parse_decimal(value, locale=locale, strict=True)
    except NumberFormatError:
        raise wrong from None
    return number


class LocalizedDecimalField(forms.DecimalField):
    """A decimal typed in the reader's locale, read by :func:`parse_number`; the limits
    (``min_value``, ``max_digits``, ``decimal_places``) are Django's, checked afterwards."""

    widget = forms.TextInput

    def __init__(self, **kwargs):
        kwargs.setdefault("localize", True)
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("inputmode", "decimal")
        self.widget.attrs.setdefault("autocomplete", "off")

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, Decimal):
            return value
        try:
            return parse_number(str(value))
        except ValueError as exc:
            raise forms.ValidationError(str(exc), code="invalid") from None

    def widget_attrs(self, widget):
        # No HTML min/step: a text input with the reader's separators (Django would add
        # type="number" constraints that the browser reads in its own locale).
        return {}


# --- dates as day, month and year ------------------------------------------------------------


class DatePartsWidget(forms.MultiWidget):
    """Three text boxes, day / month / year, as GOV.UK asks for dates: a native date input
    follows the browser's locale, not the page's (mm/dd/yyyy on a Russian page, and typing
    15031988 stored 3 December 1988). A single ISO value under the field's own name (a
    script, an older page) is read too."""

    template_name = "relocard/widgets/date_parts.html"
    is_date_parts = True

    def __init__(self, attrs=None):
        def box(size: int, max_length: int) -> forms.TextInput:
            return forms.TextInput(
                attrs={
                    "inputmode": "numeric",
                    "size": size,
                    "maxlength": max_length,
                    "autocomplete": "off",
                    "class": f"date-part date-part-{size}",
                }
            )

        super().__init__([box(2, 2), box(2, 2), box(4, 4)], attrs)

    def decompress(self, value):
        if isinstance(value, date):
            return [str(value.day), str(value.month), str(value.year)]
        if isinstance(value, str) and value:
            try:
                parsed = date.fromisoformat(value)
            except ValueError:
                return [None, None, None]
            return [str(parsed.day), str(parsed.month), str(parsed.year)]
        return [None, None, None]

    def value_from_datadict(self, data, files, name):
        if any(f"{name}_{i}" in data for i in range(3)):
            return [data.get(f"{name}_{i}", "") for i in range(3)]
        return data.get(name)

    def value_omitted_from_data(self, data, files, name):
        return name not in data and all(f"{name}_{i}" not in data for i in range(3))

    def id_for_label(self, id_):
        return f"{id_}_0" if id_ else ""

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        for sub, label in zip(
            context["widget"]["subwidgets"], (_("Day"), _("Month"), _("Year")), strict=True
        ):
            sub["label"] = label
        return context


class DatePartsField(forms.Field):
    """A date typed as day, month and year, with an error per part: "Date of birth must
    include a month", "Enter a real date for “Date of birth”", "Year must include 4 numbers".
    """

    widget = DatePartsWidget

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, date):
            return value
        label = str(self.label or _("the date")).rstrip(" :")
        if isinstance(value, str):
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                raise forms.ValidationError(
                    _("Enter a real date for “%(label)s”.") % {"label": label}, code="invalid"
                ) from None
        parts = [str(p or "").strip() for p in value]
        if not any(parts):
            return None
        names = (_("a day"), _("a month"), _("a year"))
        missing = [names[i] for i, p in enumerate(parts) if not p]
        if missing:
            raise forms.ValidationError(
                _("%(label)s must include %(parts)s.")
                % {"label": label, "parts": _(" and ").join(missing)},
                code="incomplete",
            )
        if not all(p.isascii() and p.isdigit() for p in parts):
            raise forms.ValidationError(
                _("Enter a real date for “%(label)s”, in numbers, such as 27 3 1990.")
                % {"label": label},
                code="invalid",
            )
        if len(parts[2]) != 4:
            raise forms.ValidationError(_("The year must include 4 numbers."), code="year")
        try:
            return date(int(parts[2]), int(parts[1]), int(parts[0]))
        except ValueError:
            raise forms.ValidationError(
                _("Enter a real date for “%(label)s”.") % {"label": label}, code="invalid"
            ) from None

    def validate(self, value):
        if value is None and self.required:
            raise forms.ValidationError(self.error_messages["required"], code="required")

    def has_changed(self, initial, data):
        return self.to_python_or_none(initial) != self.to_python_or_none(data)

    def to_python_or_none(self, value):
        try:
            return self.to_python(value)
        except forms.ValidationError:
            return None
