"""The applicant's or holder's own data: download everything held about them (JSON or PDF)."""

from __future__ import annotations

import json

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from relocard.audit.services import audit_record
from relocard.portal.subject_data import subject_data, subject_data_pdf
from relocard.portal.views import applicant_required


def _audited(request, fmt: str) -> dict:
    data = subject_data(request.user)
    audit_record(
        actor=request.user, action="subject.data_exported", obj=request.user, data={"format": fmt}
    )
    return data


def _filename(ext: str) -> str:
    return f"relocard-my-data-{timezone.localdate().isoformat()}.{ext}"


@applicant_required
@require_GET
def my_data_json(request):
    data = _audited(request, "json")
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2, default=str),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename("json")}"'
    return response


@applicant_required
@require_GET
def my_data_pdf(request):
    data = _audited(request, "pdf")
    pdf = subject_data_pdf(
        data,
        title=_("Everything Relocard holds about you"),
        intro=_(
            "Your account, personal details, cases with their history, decisions and documents, "
            "cards, trips, share codes and every check of your cards, as held on %(date)s. "
            "The JSON download holds the same data in a form other services can read."
        )
        % {"date": timezone.localdate().isoformat()},
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{_filename("pdf")}"'
    return response
