"""The sentences for the codes of :mod:`relocard.core.mission` and the photo checks."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from relocard.core.identity.photo import PhotoProblem

MISSION_MESSAGES = {
    "amount_missing": gettext_lazy("Enter the amount paid, in euros."),
    "amount_format": gettext_lazy(
        "“%(value)s” is not an amount in euros: type digits, with at most two decimals "
        "(for example 99 or 99.00)."
    ),
    "amount_not_positive": gettext_lazy("The amount must be more than zero."),
    "amount_too_large": gettext_lazy(
        "The amount is larger than EUR %(limit)s, which no fee at the mission is: check it."
    ),
    "amount_not_due": gettext_lazy(
        "EUR %(amount)s is not the fee due, EUR %(due)s: record the payment only once the "
        "full fee is paid."
    ),
    "visa_number_format": gettext_lazy(
        "A visa number is the issuing state's three-letter code and nine digits, for example "
        "%(prefix)s012345678."
    ),
    "visa_number_state": gettext_lazy(
        "This visa number is not one of this member state's: it must begin with %(prefix)s."
    ),
    "date_missing": gettext_lazy("Enter the date as YYYY-MM-DD."),
    "visa_starts_in_past": gettext_lazy("The visa's validity cannot start before today."),
    "visa_ends_before_start": gettext_lazy("The visa's last day must come after its first day."),
    "visa_too_long": gettext_lazy(
        "A long-stay visa is valid for at most %(days)s days: check the last day."
    ),
    "visa_entries": gettext_lazy("Choose the number of entries."),
}


def mission_message(code: str, params: dict) -> str:
    return str(MISSION_MESSAGES[code]) % params


def photo_problem_message(problem: PhotoProblem) -> str:
    return problem.message(_)
