"""Decision letters on the site: download (applicant and staff of the member state, audited)
and the public check by reference (no personal data, rate-limited)."""

from __future__ import annotations

import hashlib

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from relocard.common import access
from relocard.core.letters import check_seal
from relocard.letters import selectors, services
from relocard.letters.forms import LetterCheckForm
from relocard.verification import ratelimit
from relocard.verification.errors import RateLimited


@login_required
@require_GET
def download(request, reference, letter_reference):
    letter = access.get_letter(request.user, reference, letter_reference)
    data = services.letter_read(letter)
    services.letter_downloaded(actor=request.user, letter=letter)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{letter.reference}.pdf"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_http_methods(["GET", "POST"])
def verify(request):
    form = LetterCheckForm(request.POST or None, request.FILES or None)
    found = file_check = None
    if form.is_bound:
        try:
            ratelimit.confirm_allowed(ip=ratelimit.client_ip(request))
        except RateLimited as exc:
            response = render(
                request, "verification/rate_limited.html", {"message": exc.message}, status=429
            )
            response["Retry-After"] = str(exc.retry_after)
            return response
        if form.is_valid():
            found = selectors.letter_for_check(form.cleaned_data["reference"])
            if found is None:
                form.add_error(
                    "reference",
                    _(
                        "No decision letter has this reference. Compare it with the letter, "
                        "character by character."
                    ),
                )
            elif form.cleaned_data.get("file") is not None:
                data = form.cleaned_data["file"]
                seal = check_seal(data, [services.seal_trust_root(found.member_state_id)])
                file_check = {
                    "same": hashlib.sha256(data).hexdigest() == found.sha256,
                    "seal_valid": seal.valid,
                }
    status = 400 if form.is_bound and form.errors else 200
    return render(
        request,
        "letters/verify.html",
        {"form": form, "found": found, "file_check": file_check},
        status=status,
    )
