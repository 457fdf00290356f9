"""Checking a card: share codes, QR checks, verifier organisations and their API.

The public surface (import from the modules; this package does not import them itself, as a
Django app must not load models at import time):

* :mod:`.services` (a package, one module per concern, all re-exported):
  ``organisation_register``, ``organisation_decide``, ``member_add`` (:mod:`.organisations`),
  ``api_key_create``, ``api_key_revoke``, ``api_key_authenticate`` (:mod:`.api_keys`),
  ``share_code_create``, ``share_code_revoke`` (:mod:`.share_codes`), ``check_by_share_code``,
  ``check_by_qr``, ``check_viewed`` (:mod:`.checks`);
* :mod:`.hotpath`: the checks' only hand-written SQL, ``share_code_find`` and ``check_write``
  (one statement with the audit writer's insert on PostgreSQL, the ORM elsewhere);
* :mod:`.selectors`: ``check_summary`` (a :class:`~.selectors.CheckSummary`),
  ``holder_codes``, ``holder_checks``, ``organisation_checks``, ``confirm_check``,
  ``shareable_cards``, ``organisation_members``, ``organisation_api_keys``,
  ``organisations_to_decide`` (built on :mod:`relocard.common.access`, where every
  permission decision of checking a card is, ``require_checker`` included);
* :mod:`.codes` (pure): ``new_share_code``, ``normalise_share_code``, ``new_check_id``, ...;
* :mod:`.qrimage`: ``decode_qr``; :mod:`.record`: ``check_record_pdf``;
* :mod:`.ratelimit`: ``check_allowed``, ``confirm_allowed``;
* :mod:`.api`: the django-ninja API mounted at ``/api/``, with its own table of public error
  codes (``PUBLIC_ERRORS``, ``ERROR_CODES``); :mod:`.benchmark`: the baseline write of
  bench/verify_http.py, mounted only when ``RELOCARD_BENCH_BASELINE`` is set.

Errors are the platform's (:mod:`relocard.common.errors`), and this app's own in
:mod:`.errors` (``QrImageError``, ``WrongPurpose``, ``RateLimited``).
"""
