"""Data-encryption keys in the key store (AES-256-GCM keys for sealed grounds)."""

from __future__ import annotations

import json
import stat

import pytest

from relocard.core.credentials import KeyStore
from relocard.core.credentials.errors import KeyStoreError


def test_a_data_key_is_made_once_and_kept_private(tmp_path):
    store = KeyStore(tmp_path)
    key_id, key = store.ensure_data_key("humanitarian-fr")
    assert len(key) == 32 and store.ensure_data_key("humanitarian-fr") == (key_id, key)
    path = tmp_path / "data-keys" / "humanitarian-fr.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert store.ensure_data_key("humanitarian-de")[1] != key


def test_rotation_keeps_old_keys_for_decryption(tmp_path):
    store = KeyStore(tmp_path)
    old_id, old = store.ensure_data_key("humanitarian-fr")
    new_id = store.rotate_data_key("humanitarian-fr")
    assert new_id != old_id and store.ensure_data_key("humanitarian-fr")[0] == new_id
    assert store.data_key("humanitarian-fr", old_id) == old


def test_with_a_passphrase_keys_are_wrapped_and_fail_closed(tmp_path):
    store = KeyStore(tmp_path, passphrase=b"correct horse")
    key_id, key = store.ensure_data_key("humanitarian-fr")
    text = (tmp_path / "data-keys" / "humanitarian-fr.json").read_text()
    assert '"key"' not in text and "wrapped" in json.loads(text)["keys"][key_id]
    assert (
        KeyStore(tmp_path, passphrase=b"correct horse").data_key("humanitarian-fr", key_id) == key
    )
    for other in (KeyStore(tmp_path, passphrase=b"wrong"), KeyStore(tmp_path)):
        with pytest.raises(KeyStoreError):
            other.data_key("humanitarian-fr", key_id)
    with pytest.raises(KeyStoreError):
        store.data_key("humanitarian-fr", "0000000000000000")
    with pytest.raises(KeyStoreError):
        store.ensure_data_key("../escape")
