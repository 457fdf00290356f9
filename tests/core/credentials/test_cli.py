"""``relocard credential``: the JSON contract, exit codes, and the operator commands."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner

from relocard.cli import main


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli")
    runner = CliRunner()
    keys = str(root / "keys")

    def run(*args, input=None):
        return runner.invoke(
            main, ["credential", *args], input=input, env={"RELOCARD_KEY_DIR": keys}
        )

    assert run("keys", "init", "--member-state", "FR").exit_code == 0
    claims = root / "claims.json"
    claims.write_text(json.dumps({
        "card_number": "FR-2025-000001", "family_name": "IVANOVA", "given_name": "ANNA",
        "date_of_birth": "1990-04-01", "member_state": "FR", "valid_from": "2025-01-01",
        "valid_until": "2099-12-31", "status_list": {"idx": 5, "uri": "https://relocard.example/status/FR/1"},
    }))  # fmt: skip
    payload = run("issue", str(claims), "--pdf", str(root / "card.pdf")).output.strip()
    trust = root / "trust.jws"
    anchor = root / "anchor.pem"
    assert run("trust-list", "--out", str(trust), "--anchor-out", str(anchor)).exit_code == 0
    status = root / "status.jwt"
    out = run(
        "status-list",
        "--member-state",
        "FR",
        "--uri",
        "https://relocard.example/status/FR/1",
        "--suspend",
        "5",
    )
    status.write_text(out.output)
    return run, root, payload, trust, anchor, status, claims


def test_verify_prints_the_verdict_and_exits_1_when_not_valid(env) -> None:
    run, root, payload, trust, anchor, status, _ = env
    result = run(
        "verify",
        payload,
        "--trust-list",
        str(trust),
        "--trust-anchor",
        str(anchor),
        "--status-list",
        str(status),
    )
    assert result.exit_code == 1, result.output
    data = json.loads(result.output)
    assert list(data) == ["valid", "status", "claims", "checks"]
    assert data["status"] == "suspended" and data["valid"] is False
    assert (root / "card.pdf").read_bytes().startswith(b"%PDF")


def test_payload_from_stdin_and_file(env) -> None:
    run, root, payload, trust, *_ = env
    (root / "payload.txt").write_text(payload + "\n")
    good = _list(run, root, "good.jwt")
    for args, stdin in ((["@" + str(root / "payload.txt")], None), (["-"], payload)):
        result = run(
            "verify", *args, "--trust-list", str(trust), "--status-list", good, input=stdin
        )
        assert json.loads(result.output)["status"] == "valid" and result.exit_code == 0


def test_a_definite_verdict_that_is_not_valid_exits_1(env) -> None:
    run, *_ = env
    result = run("verify", "HC1:NOT-OURS")
    assert result.exit_code == 1 and json.loads(result.output)["status"] == "not_relocard"


def _list(run, root, name: str, *args: str, member_state: str = "FR") -> str:
    """A status list signed by the CLI, written to ``root/name``; its path."""
    out = run(
        "status-list",
        "--member-state",
        member_state,
        "--uri",
        "https://relocard.example/status/FR/1",
        *args,
    )
    assert out.exit_code == 0, out.output
    (root / name).write_text(out.output)
    return str(root / name)


def _unknown(result) -> str:
    """The status check's detail of a status-unknown verdict (exit 3), checked."""
    assert result.exit_code == 3, result.output
    data = json.loads(result.output)
    assert (data["valid"], data["status"]) == (False, "status_unknown")
    status = data["checks"][-1]
    assert status["step"] == "status" and status["ok"] is None
    assert status["detail"].startswith("status unknown: revocation could not be checked")
    assert data["claims"]["card_number"] == "FR-2025-000001"  # a genuine card, shown as such
    return status["detail"]


def test_offline_without_a_status_list_is_status_unknown_exit_3(env) -> None:
    run, _, payload, trust, *_ = env
    detail = _unknown(run("verify", payload, "--trust-list", str(trust)))
    assert "no status list was given" in detail


def test_an_unreachable_status_list_is_status_unknown_not_an_error(env) -> None:
    run, root, payload, trust, *_ = env
    for source in ("http://127.0.0.1:9/status/FR/1", str(root / "missing.jwt")):
        detail = _unknown(
            run("verify", payload, "--trust-list", str(trust), "--status-list", source)
        )
        assert source in detail


def test_a_status_list_of_an_unknown_signer_is_status_unknown(env, tmp_path) -> None:
    run, root, payload, trust, *_ = env
    runner = CliRunner()
    keys = str(tmp_path / "other")
    assert (
        runner.invoke(
            main, ["credential", "keys", "init", "--member-state", "FR", "--key-dir", keys]
        ).exit_code
        == 0
    )
    forged = runner.invoke(main, [
        "credential", "status-list", "--member-state", "FR", "--key-dir", keys,
        "--uri", "https://relocard.example/status/FR/1",
    ])  # fmt: skip
    (root / "forged.jwt").write_text(forged.output)
    detail = _unknown(
        run(
            "verify", payload, "--trust-list", str(trust), "--status-list", str(root / "forged.jwt")
        )
    )
    assert "unknown key" in detail


def test_a_status_list_with_a_broken_signature_is_status_unknown(env) -> None:
    run, root, payload, trust, *_ = env
    token = (root / "status.jwt").read_text().strip()
    head, _, signature = token.rpartition(".")
    (root / "broken.jwt").write_text(
        head + "." + ("A" if signature[0] != "A" else "B") + signature[1:]
    )
    detail = _unknown(
        run(
            "verify", payload, "--trust-list", str(trust), "--status-list", str(root / "broken.jwt")
        )
    )
    assert "signature does not verify" in detail


def test_an_expired_or_stale_status_list_is_status_unknown(env) -> None:
    run, root, payload, trust, *_ = env
    listed = _list(run, root, "short.jwt", "--valid-hours", "1", "--ttl", "60")
    in_two_hours = (datetime.now(UTC) + timedelta(hours=2)).isoformat(timespec="seconds")
    detail = _unknown(
        run(
            "verify",
            payload,
            "--trust-list",
            str(trust),
            "--status-list",
            listed,
            "--at",
            in_two_hours,
        )
    )
    assert "expired" in detail
    in_two_minutes = (datetime.now(UTC) + timedelta(minutes=2)).isoformat(timespec="seconds")
    detail = _unknown(
        run(
            "verify",
            payload,
            "--trust-list",
            str(trust),
            "--status-list",
            listed,
            "--at",
            in_two_minutes,
        )
    )
    assert "time-to-live of 60 s" in detail


def test_a_status_list_that_does_not_cover_the_card_is_status_unknown(env) -> None:
    run, root, payload, trust, *_ = env
    small = _list(run, root, "small.jwt", "--size", "8")  # the card's index is 5: covered
    assert run("verify", payload, "--trust-list", str(trust), "--status-list", small).exit_code == 0
    other = root / "other-uri.jwt"
    out = run("status-list", "--member-state", "FR", "--uri", "https://elsewhere.example/1")
    other.write_text(out.output)
    detail = _unknown(
        run("verify", payload, "--trust-list", str(trust), "--status-list", str(other))
    )
    assert "no status list for https://relocard.example/status/FR/1" in detail


def test_the_exit_codes_are_in_the_help(env) -> None:
    run, *_ = env
    text = run("verify", "--help").output
    for line in ("0  valid", "1  not valid", "2  an argument", "3  status unknown"):
        assert line in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--at", "2025-13-01"], "is not a date"),
        (["--trust-list", "/nonexistent/trust.jws"], "cannot read"),
        (["--status-list", "/x"], "needs --trust-list"),
    ],
)
def test_unusable_arguments_exit_2_with_one_line(env, args, message) -> None:
    run, _, payload, *_ = env
    result = run("verify", payload, *args)
    assert result.exit_code == 2
    assert message in result.output and result.output.count("\n") == 1


def test_a_trust_list_with_the_wrong_anchor_is_unusable(env, tmp_path) -> None:
    run, _, payload, trust, *_ = env
    other = CliRunner().invoke(
        main, ["credential", "keys", "init", "--member-state", "DE", "--key-dir", str(tmp_path)]
    )
    assert other.exit_code == 0
    from cryptography.hazmat.primitives.serialization import Encoding

    from relocard.core.credentials import KeyStore

    (tmp_path / "a.pem").write_bytes(
        KeyStore(tmp_path).programme_certificate().public_bytes(Encoding.PEM)
    )
    result = run(
        "verify", payload, "--trust-list", str(trust), "--trust-anchor", str(tmp_path / "a.pem")
    )
    assert result.exit_code == 2 and "does not match the programme key" in result.output


def test_keys_rotate_withdraw_list(env) -> None:
    run, *_ = env
    listed = json.loads(run("keys", "list").output)
    first = listed[0]["kid"]
    new = json.loads(run("keys", "rotate", "--member-state", "FR").output)["active"]
    assert new != first
    withdrawn = run("keys", "withdraw", first, "--reason", "test")
    assert withdrawn.exit_code == 0
    states = {s["kid"]: s["state"] for s in json.loads(run("keys", "list").output)}
    assert states == {first: "withdrawn", new: "active"}
    assert run("keys", "withdraw", "nope", "--reason", "x").exit_code == 2
    assert run("keys", "rotate", "--member-state", "XX").exit_code == 2


def test_issue_refuses_bad_claims(env, tmp_path) -> None:
    run, *_ = env
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"card_number": "x"}))
    result = run("issue", str(bad))
    assert result.exit_code == 2 and result.output.startswith("error:")
    # Without --key-dir the platform's key store is used (tests/cli/test_credential_keys_cli.py).


def test_every_command_is_documented() -> None:
    from pathlib import Path

    doc = (Path(__file__).parents[3] / "docs" / "credentials.md").read_text(encoding="utf-8")
    for command in (
        "verify",
        "keys init",
        "keys rotate",
        "keys withdraw",
        "keys list",
        "trust-list",
        "status-list",
        "issue",
    ):
        assert f"relocard credential {command}" in doc, command


def test_keys_withdraw_takes_a_key_id_that_begins_with_a_dash(env) -> None:
    """One base64url key id in 64 begins with "-": it is a key id, not an unknown option."""
    run, *_ = env
    result = run("keys", "withdraw", "-AAAAAAAAAA", "--reason", "test")
    assert result.exit_code == 2
    assert "No such option" not in result.output
    assert result.output.startswith("error:")  # the key store's answer: no such signer
