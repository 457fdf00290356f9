"""Every write of checking a card, one module per concern; this package re-exports them all.

* :mod:`.organisations`: ``organisation_register_request``, ``organisation_register``,
  ``organisation_decide``, ``member_add``;
* :mod:`.api_keys`: ``api_key_create``, ``api_key_revoke``, ``api_key_authenticate``
  (with the process's memory of keys found, ``forget_keys``), ``api_key_digest``;
* :mod:`.share_codes`: ``share_code_create``, ``share_code_revoke``, ``code_digest``,
  ``card_is_valid``;
* :mod:`.checks`: ``check_by_share_code``, ``check_by_qr``, ``check_viewed`` (and
  ``forget_lists``, the post_save hook that drops the QR verifier's cached lists).

Services take keyword-only arguments, ask :mod:`relocard.common.access` whether the actor may
act, run in one transaction with their audit event (:mod:`relocard.audit.services`, the one
writer of the audit log), and raise a :class:`~relocard.common.errors.RelocardError` before
writing anything when they cannot act. The checks' own SQL is in
:mod:`relocard.verification.hotpath`.
"""

from relocard.verification.services.api_keys import (
    API_KEY_PREFIX,
    api_key_authenticate,
    api_key_create,
    api_key_digest,
    api_key_revoke,
    forget_keys,
)
from relocard.verification.services.checks import (
    CHECK_OBJECT_TYPE,
    MAX_REASON,
    QR_RESULTS,
    check_by_qr,
    check_by_share_code,
    check_viewed,
    forget_lists,
)
from relocard.verification.services.organisations import (
    member_add,
    organisation_decide,
    organisation_register,
    organisation_register_request,
)
from relocard.verification.services.share_codes import (
    card_is_valid,
    code_digest,
    share_code_create,
    share_code_revoke,
)

__all__ = [
    "API_KEY_PREFIX",
    "CHECK_OBJECT_TYPE",
    "MAX_REASON",
    "QR_RESULTS",
    "api_key_authenticate",
    "api_key_create",
    "api_key_digest",
    "api_key_revoke",
    "card_is_valid",
    "check_by_qr",
    "check_by_share_code",
    "check_viewed",
    "code_digest",
    "forget_keys",
    "forget_lists",
    "member_add",
    "organisation_decide",
    "organisation_register",
    "organisation_register_request",
    "share_code_create",
    "share_code_revoke",
]
