"""When a decision's letter is rendered: at once in production (and in the tests marked
``render_letters``); held, but still recorded with the decision, in the other tests."""

from __future__ import annotations

import pytest
from django.tasks import task_backends
from django.tasks.exceptions import InvalidTaskBackend

from relocard.cases import services as cs
from relocard.letters.apps import check_letter_task_backend
from relocard.letters.models import DecisionLetter
from relocard.letters.tasks import render_letter
from relocard.settings import base as production

pytestmark = pytest.mark.django_db


def test_production_settings_render_on_the_workers_backend():
    assert production.RELOCARD_LETTER_TASK_BACKEND == "default"
    assert production.RELOCARD_LETTER_TASK_BACKEND in production.TASKS
    backend = production.TASKS[production.RELOCARD_LETTER_TASK_BACKEND]["BACKEND"]
    assert "dummy" not in backend.lower()


def test_the_production_setting_renders_and_seals_at_once(make_case, settings):
    settings.RELOCARD_LETTER_TASK_BACKEND = production.RELOCARD_LETTER_TASK_BACKEND
    letter = DecisionLetter.objects.get(application=make_case("approved"))
    assert letter.status == "issued" and letter.attempts == 1 and letter.sha256


@pytest.mark.render_letters
def test_the_marker_renders_at_once(make_case):
    letter = DecisionLetter.objects.get(application=make_case("refused"))
    assert letter.status == "issued" and letter.kind == "refusal"


def test_other_tests_record_the_letter_and_hold_its_rendering(make_case):
    app = make_case("approved")
    letter = DecisionLetter.objects.get(application=app)
    assert letter.status == "pending" and letter.attempts == 0 and not letter.file
    held = [r for r in task_backends["deferred"].results if r.task.func is render_letter.func]
    assert [r.args for r in held] == [[letter.pk]]
    render_letter.call(*held[0].args)  # what the worker would do
    letter.refresh_from_db()
    assert letter.status == "issued" and letter.attempts == 1


def test_an_unknown_backend_refuses_the_decision(make_case, staff, settings):
    app = make_case("in_review")
    settings.RELOCARD_LETTER_TASK_BACKEND = "nowhere"
    with pytest.raises(InvalidTaskBackend, match="nowhere"):
        cs.application_approve(actor=staff["caseworker"], application=app, version=app.version)
    app.refresh_from_db()
    assert app.state == "in_review" and not app.decisions.exists()
    assert not DecisionLetter.objects.filter(application=app).exists()


def test_the_system_check_names_an_unknown_backend(settings):
    assert check_letter_task_backend() == []
    settings.RELOCARD_LETTER_TASK_BACKEND = "nowhere"
    (error,) = check_letter_task_backend()
    assert error.id == "relocard.letters.E001" and "'nowhere'" in error.msg
