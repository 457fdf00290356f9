"""Every form's "missing" error names its field: a summary of seven "This field is
required." tells the reader nothing."""

from __future__ import annotations

import importlib
import inspect

import pytest
from django import forms
from django.utils import translation

from relocard.common.forms import NamedRequiredErrors

MODULES = [
    "relocard.accounts.forms",
    "relocard.cards.views",
    "relocard.cases.facts",
    "relocard.console.forms",
    "relocard.portal.forms",
    "relocard.presence.forms",
    "relocard.verification.forms",
]
#: Arguments of the forms whose constructor needs some.
ARGS = {
    "RefuseForm": {"criteria": [("means", "Liquid assets")]},
    "ApprovalExceptionForm": {"criteria": [("language", "European language")]},
    "WhatIfForm": {"member_states": ["FR"]},
    "EvidenceFileForm": {"kind": "passport"},
    "AppealForm": {"choices": [("decision", "The decision")]},
    "ShareCodeCreateForm": {"cards": []},
}


def _project_forms():
    for name in MODULES:
        module = importlib.import_module(name)
        for cls_name, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == name and issubclass(cls, forms.BaseForm):
                yield cls_name, cls


FORMS = sorted(_project_forms(), key=lambda item: item[0])


def test_the_scan_finds_the_forms():
    names = {name for name, _cls in FORMS}
    assert {"ProfileForm", "SigninForm", "TripForm", "CorrectionForm", "QrCheckForm"} <= names
    assert len(names) > 40


@pytest.mark.parametrize(("name", "cls"), FORMS, ids=[name for name, _cls in FORMS])
@pytest.mark.parametrize("language", ["en", "ru"])
def test_every_required_field_names_itself_when_missing(name, cls, language):
    assert issubclass(cls, NamedRequiredErrors), f"{name} does not derive from the base form"
    with translation.override(language):
        form = cls(data={}, **ARGS.get(name, {}))
        form.is_valid()
        anonymous = [
            field
            for field, errors in form.errors.items()
            if field != "__all__" and any(str(e) == str(_default()) for e in errors)
        ]
        assert anonymous == []


def _default():
    return forms.Field.default_error_messages["required"]


def test_the_message_names_the_label_in_the_readers_language():
    from relocard.accounts.forms import ProfileForm

    form = ProfileForm(data={})
    assert not form.is_valid()
    assert form.errors["date_of_birth"] == [f"Fill in “{form.fields['date_of_birth'].label}”."]
    with translation.override("ru"):
        form = ProfileForm(data={})
        form.is_valid()
        label = str(form.fields["date_of_birth"].label)
        assert form.errors["date_of_birth"] == [f"Заполните поле «{label}»."]
        assert form.errors["nationality"][0].startswith("Выберите ответ")
