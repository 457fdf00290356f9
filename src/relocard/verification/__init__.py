"""Checking a card: share codes, QR checks, verifier organisations and their API.

The public surface (import from the modules; this package does not import them itself, as a
Django app must not load models at import time):

* :mod:`.services`: ``organisation_register``, ``organisation_decide``, ``member_add``,
  ``api_key_create``, ``api_key_revoke``, ``api_key_authenticate``, ``share_code_create``,
  ``share_code_revoke``, ``check_by_share_code``, ``check_by_qr``, ``check_viewed``;
* :mod:`.selectors`: ``check_summary`` (a :class:`~.selectors.CheckSummary`),
  ``holder_codes``, ``holder_checks``, ``organisation_checks``, ``confirm_check``;
* :mod:`.codes` (pure): ``new_share_code``, ``normalise_share_code``, ``new_check_id``, ...;
* :mod:`.qrimage`: ``decode_qr``; :mod:`.record`: ``check_record_pdf``;
* :mod:`.ratelimit`: ``check_allowed``, ``confirm_allowed``;
* :mod:`.api`: the django-ninja API mounted at ``/api/``.

Errors are the platform's (:mod:`relocard.common.errors`), and this app's own in
:mod:`.errors` (``QrImageError``, ``WrongPurpose``, ``RateLimited``).
"""
