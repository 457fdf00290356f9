"""The public legal pages: the accessibility statement, the legal notice and the contact page
of each member state. Proper names come from the policy files (:mod:`relocard.core.legal`);
every sentence is in the templates, so each language reads its own."""

from __future__ import annotations

from datetime import date

from django.http import Http404
from django.shortcuts import render

from relocard.common import access
from relocard.core.legal import contact, member_states_with_contact
from relocard.core.privacy import member_states_with_notice, privacy_notice

#: When the accessibility statement was last reviewed against the site (update on review).
ACCESSIBILITY_REVIEWED = date(2026, 12, 6)


def _contacts():
    return [contact(code) for code in member_states_with_contact()]


def accessibility(request):
    return render(
        request,
        "portal/accessibility.html",
        {"contacts": _contacts(), "reviewed": ACCESSIBILITY_REVIEWED},
    )


def legal_notice(request):
    notices = {code: privacy_notice(code) for code in member_states_with_notice()}
    return render(
        request,
        "portal/legal_notice.html",
        {"entries": [(c, notices.get(c.member_state)) for c in _contacts()]},
    )


def contact_list(request):
    return render(request, "portal/contact.html", {"contacts": _contacts()})


def contact_member_state(request, code: str):
    if code.upper() not in member_states_with_contact():
        raise Http404(access.NOT_FOUND)
    return render(request, "portal/contact_member_state.html", {"contact": contact(code.upper())})
