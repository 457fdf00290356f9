"""The screening app's answers to news from the cases app (see :mod:`relocard.cases.signals`)."""

from __future__ import annotations

from django.dispatch import receiver

from relocard.cases.signals import application_submitted
from relocard.screening.services import screening_on_submit
from relocard.screening.signals import list_version_loaded
from relocard.screening.tasks import rescreen_version


@receiver(application_submitted, dispatch_uid="screening_on_submit")
def _screen_on_submit(sender, application, **kwargs) -> None:
    screening_on_submit(application)


@receiver(list_version_loaded, dispatch_uid="screening_rescreen_on_load")
def _rescreen_on_load(sender, version, **kwargs) -> None:
    # Enqueued in the loading transaction: the worker starts once the version is committed.
    rescreen_version.enqueue(version.pk)
