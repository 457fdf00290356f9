"""``relocard credential keys`` uses the platform's key store unless told otherwise: the same
folder the settings compute (``$RELOCARD_KEY_DIR``, else ``keys`` in the state folder)."""

from __future__ import annotations

from click.testing import CliRunner

from relocard.cli import main


def _run(*args, env):
    return CliRunner().invoke(main, ["credential", "keys", *args], env=env)


def test_keys_go_to_the_state_folder_by_default(tmp_path, monkeypatch):
    monkeypatch.delenv("RELOCARD_KEY_DIR", raising=False)
    monkeypatch.delenv("RELOCARD_KEY_PASSPHRASE", raising=False)
    env = {"RELOCARD_VAR_DIR": str(tmp_path / "state")}
    result = _run("init", "--member-state", "FR", env=env)
    assert result.exit_code == 0, result.output
    assert any((tmp_path / "state" / "keys").iterdir())
    listed = _run("list", env=env)
    assert listed.exit_code == 0 and "FR" in listed.output


def test_relocard_key_dir_wins_over_the_state_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("RELOCARD_KEY_PASSPHRASE", raising=False)
    env = {"RELOCARD_VAR_DIR": str(tmp_path / "state"), "RELOCARD_KEY_DIR": str(tmp_path / "k")}
    assert _run("init", "--member-state", "DE", env=env).exit_code == 0
    assert any((tmp_path / "k").iterdir()) and not (tmp_path / "state" / "keys").exists()
