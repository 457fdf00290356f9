"""Background work of the screening: re-screening every holder and open case when a new list
version is loaded (enqueued by :func:`relocard.screening.services.list_version_load` inside its
transaction, so that the worker starts it once the version is committed)."""

from __future__ import annotations

from django.tasks import task

from relocard.screening.models import ListVersion
from relocard.screening.services import rescreen_all


@task()
def rescreen_version(version_id: int) -> dict[str, int]:
    version = ListVersion.objects.get(pk=version_id)
    if ListVersion.objects.filter(pk__gt=version_id).exists():
        return {"screened": 0, "superseded": 1}  # a newer version's run screens everyone
    return rescreen_all(version=version)
