"""Passport numbers encrypted at rest with a keyed blind index for look-ups (issue 12, data at
rest; issue 11, one person one card)."""

from __future__ import annotations

import pytest
from django.core.exceptions import FieldError
from django.db import connection

from relocard.accounts.models import Applicant
from relocard.common import encrypted_fields as ef

pytestmark = pytest.mark.django_db

PURPOSE = "accounts.applicant.passport_number"


def _raw(pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT passport_number FROM accounts_applicant WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def _set_raw(pk: int, value: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE accounts_applicant SET passport_number = %s WHERE id = %s", [value, pk]
        )


def test_the_database_holds_no_passport_number_in_clear(make_applicant):
    person = make_applicant(passport_number="751234567")
    stored = _raw(person.pk)
    assert stored.startswith("enc1:") and "751234567" not in stored
    assert Applicant.objects.get(pk=person.pk).passport_number == "751234567"
    assert Applicant.objects.values_list("passport_number", flat=True).get(pk=person.pk) == (
        "751234567"
    )
    # Two writes of the same number differ (a fresh nonce each time).
    person.save(update_fields=["passport_number"])
    assert _raw(person.pk) != stored
    # Look-ups go through the keyed index; the encrypted column cannot be searched.
    with pytest.raises(FieldError):
        list(Applicant.objects.filter(passport_number="751234567"))
    assert Applicant.objects.filter(passport_index=person.passport_index).get() == person


def test_altered_or_moved_ciphertext_fails_closed(make_applicant):
    person = make_applicant()
    stored = _raw(person.pk)
    tampered = stored[:-6] + ("A" if stored[-6] != "A" else "B") + stored[-5:]
    _set_raw(person.pk, tampered)
    with pytest.raises(ef.DecryptionError):
        Applicant.objects.get(pk=person.pk)
    with pytest.raises(ef.DecryptionError):  # sealed for another field
        ef.decrypt(ef.encrypt("751234567", purpose="other.field"), purpose=PURPOSE)
    with pytest.raises(ef.DecryptionError):
        ef.decrypt("enc1:00000000:AAAA", purpose=PURPOSE)


def test_rows_in_clear_are_read_then_sealed_and_keys_rotate(make_applicant, monkeypatch):
    person = make_applicant(passport_number="751112223")
    _set_raw(person.pk, "751112223")  # as written before the migration
    assert Applicant.objects.get(pk=person.pk).passport_number == "751112223"
    assert ef.reencrypt(Applicant, "passport_number") >= 1
    old_kid = _raw(person.pk).split(":")[1]

    # Rotation: a new current key, the old one retired; rows are written again.
    old_key = ef._keys()[0]
    monkeypatch.setenv(ef.ENV_KEY, "ab" * 32)
    monkeypatch.setenv(ef.ENV_RETIRED, old_key.hex())
    ef._keys.cache_clear()
    try:
        assert Applicant.objects.get(pk=person.pk).passport_number == "751112223"
        ef.reencrypt(Applicant, "passport_number")
        assert _raw(person.pk).split(":")[1] not in (old_kid,)
        monkeypatch.delenv(ef.ENV_RETIRED)
        ef._keys.cache_clear()
        assert Applicant.objects.get(pk=person.pk).passport_number == "751112223"
    finally:
        monkeypatch.delenv(ef.ENV_KEY)
        ef._keys.cache_clear()


def test_a_bad_key_setting_is_refused(monkeypatch):
    monkeypatch.setenv(ef.ENV_KEY, "abcd")
    ef._keys.cache_clear()
    try:
        with pytest.raises(ValueError, match="32 bytes"):
            ef.encrypt("x", purpose=PURPOSE)
    finally:
        monkeypatch.delenv(ef.ENV_KEY)
        ef._keys.cache_clear()
