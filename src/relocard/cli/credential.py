"""``relocard credential``: verify cards, and the operator commands around keys and lists.

``verify`` prints the verifier's JSON verdict and exits 0 when the card is valid, 1 for any
other definite verdict (revoked, suspended, expired, not yet valid, not genuine), and 3 when
the card is genuine but its revocation could not be checked (``status_unknown``: no status
list given, or one that could not be read, was not verified, has expired or does not cover
the card). Arguments it cannot use (an unreadable payload or trust list, a trust list whose
signature fails, a malformed date) are one line on stderr and exit code 2.

Keys live in ``--key-dir`` (or ``RELOCARD_KEY_DIR``); when the key files are encrypted the
passphrase comes from ``RELOCARD_KEY_PASSPHRASE``, never from the command line.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import click
from cryptography.hazmat.primitives import hashes, serialization

from relocard.cli._common import fail, print_json, read_json_file
from relocard.core.credentials import (
    INVALID,
    SUSPENDED,
    CardClaims,
    CardFace,
    ClaimsError,
    CredentialError,
    KeyStore,
    StatusList,
    StatusListUnavailable,
    StatusRef,
    TrustList,
    build_trust_list,
    issue_card_vc,
    issue_rc1,
    kid_from_text,
    kid_text,
    render_card_pdf,
    status_list_from_jwt,
)
from relocard.core.credentials import verify as verify_credential

TRUST_ANCHOR_ENV = "RELOCARD_TRUST_ANCHOR"
KEY_DIR_ENV = "RELOCARD_KEY_DIR"
PASSPHRASE_ENV = "RELOCARD_KEY_PASSPHRASE"  # noqa: S105 (a variable name, not a secret)
_FETCH_TIMEOUT = 10
_MAX_DOWNLOAD = 8 * 1024 * 1024

#: ``credential verify``'s exit codes (2, arguments it cannot use, is every command's).
EXIT_VALID = 0
EXIT_NOT_VALID = 1
EXIT_STATUS_UNKNOWN = 3


class _Unreadable(Exception):
    """A source that could not be read; the message says which and why."""


def _fetch(source: str, what: str) -> bytes:
    """Bytes from a file path, ``-`` (stdin) or an http(s) URL; :class:`_Unreadable` if not."""
    if source.startswith(("https://", "http://")):
        try:
            with urllib.request.urlopen(source, timeout=_FETCH_TIMEOUT) as response:  # noqa: S310
                data = response.read(_MAX_DOWNLOAD + 1)
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise _Unreadable(
                f"cannot download the {what} from {source}: {getattr(exc, 'reason', exc)}"
            ) from None
        if len(data) > _MAX_DOWNLOAD:
            raise _Unreadable(f"the {what} at {source} is larger than 8 MiB")
        return data
    try:
        if source == "-":
            return sys.stdin.buffer.read()
        return Path(source).read_bytes()
    except OSError as exc:
        raise _Unreadable(f"cannot read the {what} {source}: {exc.strerror or exc}") from None


def _read_source(source: str, what: str) -> bytes:
    """As :func:`_fetch`, but an unreadable source is an unusable argument: exit 2."""
    try:
        return _fetch(source, what)
    except _Unreadable as exc:
        fail(str(exc))


def _parse_at(value: str | None) -> date | datetime | None:
    if value is None:
        return None
    try:
        if len(value) == 10:
            return date.fromisoformat(value)
        moment = datetime.fromisoformat(value)
    except ValueError:
        fail(f"--at {value!r} is not a date (YYYY-MM-DD) or an ISO date-time")
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def default_key_dir() -> Path:
    """The platform's key store: ``$RELOCARD_KEY_DIR``, else ``keys`` in the state folder
    (``$RELOCARD_VAR_DIR``, else ``./var``), as the settings compute it."""
    if os.environ.get(KEY_DIR_ENV):
        return Path(os.environ[KEY_DIR_ENV]).resolve()
    return (Path(os.environ.get("RELOCARD_VAR_DIR", Path.cwd() / "var")) / "keys").resolve()


def _keystore(key_dir: str | None) -> Any:
    directory = key_dir or default_key_dir()
    passphrase = os.environ.get(PASSPHRASE_ENV)
    return KeyStore(directory, passphrase=passphrase.encode() if passphrase else None)


key_dir_option = click.option(
    "--key-dir",
    type=click.Path(file_okay=False),
    help=f"Directory of the key files (default: ${KEY_DIR_ENV}, else var/keys, the platform's).",
)


@click.group()
def cli() -> None:
    """Signed credentials: verify cards; manage keys, trust list and status lists."""


@cli.command()
@click.argument("payload")
@click.option(
    "--trust-list",
    "trust_list_source",
    metavar="FILE|URL",
    help="The signed trust list (offline when a file is given).",
)
@click.option(
    "--trust-anchor",
    metavar="FILE",
    help=f"The programme certificate (PEM) that must have signed the trust list "
    f"(default: ${TRUST_ANCHOR_ENV}; without it the list's own certificate is used).",
)
@click.option(
    "--status-list",
    "status_sources",
    metavar="FILE|URL",
    multiple=True,
    help="A statuslist+jwt to check revocation against (repeatable).",
)
@click.option("--at", "at_text", metavar="YYYY-MM-DD", help="Verify as of this day (default: now).")
@click.option("--nonce", help="Require a key-bound SD-JWT presentation with this nonce.")
@click.option("--aud", help="Require a key-bound SD-JWT presentation for this audience.")
def verify(
    payload: str,
    trust_list_source: str | None,
    trust_anchor: str | None,
    status_sources: tuple[str, ...],
    at_text: str | None,
    nonce: str | None,
    aud: str | None,
) -> None:
    """Verify PAYLOAD (an RC1: QR payload or an SD-JWT VC presentation) and print JSON.

    PAYLOAD may be '-' to read standard input or '@FILE' to read a file.

    \b
    Exit codes:
      0  valid
      1  not valid: revoked, suspended, expired, not yet valid, or not a genuine card
      2  an argument cannot be used (nothing was verified)
      3  status unknown: a genuine card whose revocation could not be checked (no
         --status-list given, or the list could not be read, is not verified, has
         expired or does not cover the card); never treat it as valid
    """
    at = _parse_at(at_text)
    if payload == "-":
        text = sys.stdin.read()
    elif payload.startswith("@"):
        text = _read_source(payload[1:], "payload file").decode("utf-8", "replace")
    else:
        text = payload
    trust_list = None
    anchor_path = trust_anchor or os.environ.get(TRUST_ANCHOR_ENV)
    if trust_list_source:
        anchor = _read_source(anchor_path, "trust anchor") if anchor_path else None
        moment = at if isinstance(at, datetime) else datetime.now(UTC)
        if isinstance(at, date) and not isinstance(at, datetime):
            moment = datetime(at.year, at.month, at.day, tzinfo=UTC)
        try:
            trust_list = TrustList.from_signed(
                _read_source(trust_list_source, "trust list"), anchor, at=moment
            )
        except CredentialError as exc:
            fail(f"trust list {trust_list_source}: {exc}")
    status_lists: list[Any] = []
    for source in status_sources:
        if trust_list is None:
            fail("--status-list needs --trust-list to check the list's signature")
        # A list that cannot be read or verified is no argument error: the card's status is
        # then unknown (fail closed), and the verdict says which list and why.
        try:
            status_lists.append(
                status_list_from_jwt(_fetch(source, "status list"), trust_list.signer)
            )
        except _Unreadable as exc:
            status_lists.append(StatusListUnavailable(None, str(exc)))
        except CredentialError as exc:
            status_lists.append(StatusListUnavailable(None, f"the status list {source}: {exc}"))
    result = verify_credential(
        text.strip(),
        trust_list=trust_list,
        status_lists=status_lists or None,
        at=at,
        expected_nonce=nonce,
        expected_aud=aud,
    )
    print_json(result.to_dict())
    if result.valid:
        sys.exit(EXIT_VALID)
    sys.exit(EXIT_STATUS_UNKNOWN if result.status == "status_unknown" else EXIT_NOT_VALID)


# --- keys -------------------------------------------------------------------------------------


@cli.group()
def keys() -> None:
    """Create, rotate, withdraw and list the document-signer keys."""


@keys.command("init")
@key_dir_option
@click.option(
    "--member-state", "member_states", multiple=True, required=True, help="e.g. FR (repeatable)."
)
def keys_init(key_dir: str | None, member_states: tuple[str, ...]) -> None:
    """Create the programme key and, per member state, a CA and a first signer."""
    store = _keystore(key_dir)
    try:
        store.ensure_programme()
        signers = [store.ensure_member_state(code.upper()) for code in member_states]
    except CredentialError as exc:
        fail(str(exc))
    print_json({"active": {s.member_state: s.kid_text for s in signers}})


@keys.command("rotate")
@key_dir_option
@click.option("--member-state", required=True, help="e.g. FR.")
def keys_rotate(key_dir: str | None, member_state: str) -> None:
    """Make a new signer active; the old one keeps verifying until withdrawn."""
    try:
        kid = _keystore(key_dir).rotate(member_state.upper())
    except CredentialError as exc:
        fail(str(exc))
    print_json({"member_state": member_state.upper(), "active": kid_text(kid)})


# A base64url key id begins with "-" once in 64: taken for an unknown option, it was refused
# ("No such option"), in an emergency. Unknown options are taken as the key id instead.
@keys.command("withdraw", context_settings={"ignore_unknown_options": True})
@click.argument("kid")
@click.option("--reason", required=True, help="Why (published in the trust list).")
@key_dir_option
def keys_withdraw(kid: str, reason: str, key_dir: str | None) -> None:
    """Withdraw the signer KID at once (emergency); publish a new trust list after.

    KID as `keys list` prints it (11 base64url characters), or as 16 hex digits."""
    try:
        new = _keystore(key_dir).withdraw(kid_from_text(kid), reason)
    except CredentialError as exc:
        fail(str(exc))
    print_json({"withdrawn": kid, "new_active": kid_text(new) if new else None})


@keys.command("list")
@key_dir_option
def keys_list(key_dir: str | None) -> None:
    """List every signer with its state (no secrets)."""
    try:
        signers = _keystore(key_dir).signers()
    except CredentialError as exc:
        fail(str(exc))
    print_json([s.to_dict() for s in signers])


# --- the sealing keys of decision letters ------------------------------------------------------


@cli.group()
def seal() -> None:
    """Create, rotate and show the member states' letter-sealing keys (PAdES)."""


def _seal_json(key: Any) -> dict[str, str]:
    return {
        "member_state": key.member_state,
        "subject": key.certificate.subject.rfc4514_string(),
        "issuer": key.ca_certificate.subject.rfc4514_string(),
        "not_after": key.certificate.not_valid_after_utc.isoformat(),
        "sha256": key.certificate.fingerprint(hashes.SHA256()).hex(),
    }


@seal.command("init")
@key_dir_option
@click.option(
    "--member-state", "member_states", multiple=True, required=True, help="e.g. FR (repeatable)."
)
def seal_init(key_dir: str | None, member_states: tuple[str, ...]) -> None:
    """Create, per member state, the CA if missing and a sealing key with its certificate."""
    store = _keystore(key_dir)
    try:
        keys = [store.ensure_seal(code.upper()) for code in member_states]
    except CredentialError as exc:
        fail(str(exc))
    print_json([_seal_json(k) for k in keys])


@seal.command("rotate")
@key_dir_option
@click.option("--member-state", required=True, help="e.g. FR.")
def seal_rotate(key_dir: str | None, member_state: str) -> None:
    """Replace the sealing key; letters sealed before keep a valid seal."""
    try:
        key = _keystore(key_dir).rotate_seal(member_state.upper())
    except CredentialError as exc:
        fail(str(exc))
    print_json(_seal_json(key))


@seal.command("show")
@key_dir_option
@click.option("--member-state", required=True, help="e.g. FR.")
@click.option("--ca-out", type=click.Path(dir_okay=False), help="Write the CA certificate (PEM).")
def seal_show(key_dir: str | None, member_state: str, ca_out: str | None) -> None:
    """Show the sealing certificate (no secrets); --ca-out writes the trust root for PDF readers."""
    try:
        key = _keystore(key_dir).seal(member_state.upper())
    except CredentialError as exc:
        fail(str(exc))
    if ca_out:
        Path(ca_out).write_bytes(key.ca_certificate.public_bytes(serialization.Encoding.PEM))
    print_json(_seal_json(key))


# --- lists ------------------------------------------------------------------------------------


@cli.command("trust-list")
@key_dir_option
@click.option("--valid-days", default=7, show_default=True, type=click.IntRange(1, 365))
@click.option("--out", type=click.Path(dir_okay=False), help="Write to FILE (default: stdout).")
@click.option(
    "--anchor-out",
    type=click.Path(dir_okay=False),
    help="Also write the programme certificate (PEM).",
)
def trust_list(
    key_dir: str | None, valid_days: int, out: str | None, anchor_out: str | None
) -> None:
    """Sign and print the trust list of every issuer in the key directory."""
    from cryptography.hazmat.primitives.serialization import Encoding

    store = _keystore(key_dir)
    try:
        signed = build_trust_list(store, valid_for=timedelta(days=valid_days))
        anchor = store.programme_certificate().public_bytes(Encoding.PEM)
    except CredentialError as exc:
        fail(str(exc))
    if anchor_out:
        Path(anchor_out).write_bytes(anchor)
    if out:
        Path(out).write_text(signed + "\n", encoding="ascii")
    else:
        click.echo(signed)


@cli.command("status-list")
@key_dir_option
@click.option("--member-state", required=True)
@click.option("--uri", required=True, help="Where the list is published (its 'sub').")
@click.option("--size", default=131072, show_default=True, type=click.IntRange(8, 1 << 26))
@click.option(
    "--revoke", "revoked", multiple=True, type=click.IntRange(0), help="Index to mark revoked."
)
@click.option(
    "--suspend", "suspended", multiple=True, type=click.IntRange(0), help="Index to mark suspended."
)
@click.option("--ttl", default=3600, show_default=True, type=click.IntRange(60))
@click.option("--valid-hours", default=24, show_default=True, type=click.IntRange(1))
def status_list(
    key_dir: str | None,
    member_state: str,
    uri: str,
    size: int,
    revoked: tuple[int, ...],
    suspended: tuple[int, ...],
    ttl: int,
    valid_hours: int,
) -> None:
    """Sign a status list (the platform does this from its card table; this is for tests)."""
    try:
        lst = StatusList(size, bits=2)
        for idx in revoked:
            lst.set(idx, INVALID)
        for idx in suspended:
            lst.set(idx, SUSPENDED)
        now = datetime.now(UTC)
        signer = _keystore(key_dir).signer(member_state.upper())
        token = lst.to_jwt(
            signer, uri=uri, iat=now, exp=now + timedelta(hours=valid_hours), ttl=ttl
        )
    except CredentialError as exc:
        fail(str(exc))
    click.echo(token)


# --- issuing ----------------------------------------------------------------------------------


def _card_from_json(data: Any) -> Any:
    if not isinstance(data, dict):
        fail("the claims file must hold a JSON object")
    try:
        status = data.get("status_list") or {}
        return CardClaims(
            card_number=data.get("card_number"),
            family_name=data.get("family_name"),
            given_name=data.get("given_name", ""),
            date_of_birth=data.get("date_of_birth"),
            member_state=data.get("member_state"),
            valid_from=date.fromisoformat(str(data.get("valid_from"))),
            valid_until=date.fromisoformat(str(data.get("valid_until"))),
            status=StatusRef(idx=status.get("idx"), uri=status.get("uri")),
            kind=data.get("kind", "card"),
        )
    except ValueError as exc:
        fail(f"the claims file has a bad date: {exc}")
    except (ClaimsError, AttributeError, TypeError) as exc:
        fail(f"the claims file cannot be a card: {exc}")


@cli.command()
@click.argument("claims_file", metavar="CLAIMS.json")
@key_dir_option
@click.option(
    "--format", "fmt", type=click.Choice(["rc1", "sd-jwt"]), default="rc1", show_default=True
)
@click.option(
    "--vct", default="https://relocard.example/credentials/relocatee-card/v1", show_default=True
)
@click.option("--issuer", default="https://relocard.example", show_default=True)
@click.option(
    "--holder-jwk", type=click.Path(dir_okay=False), help="Holder public JWK (JSON) for cnf."
)
@click.option(
    "--pdf", type=click.Path(dir_okay=False), help="Also render the printable card (rc1 only)."
)
@click.option("--size", type=click.Choice(["A4", "ID-1"]), default="A4", show_default=True)
def issue(
    claims_file: str,
    key_dir: str | None,
    fmt: str,
    vct: str,
    issuer: str,
    holder_jwk: str | None,
    pdf: str | None,
    size: str,
) -> None:
    """Issue a credential for the card in CLAIMS.json (as the verifier prints claims)."""
    card = _card_from_json(read_json_file(claims_file))
    jwk = read_json_file(holder_jwk) if holder_jwk else None
    now = datetime.now(UTC)
    try:
        signer = _keystore(key_dir).signer(card.member_state)
        if fmt == "rc1":
            credential = issue_rc1(card, signer, issued_at=now)
            if pdf:
                Path(pdf).write_bytes(
                    render_card_pdf(CardFace.from_claims(card), credential, size=size)
                )  # type: ignore[arg-type]
        else:
            credential = issue_card_vc(
                card, signer, vct=vct, issuer=issuer, issued_at=now, holder_jwk=jwk
            )
    except CredentialError as exc:
        fail(str(exc))
    click.echo(credential)


__all__ = ["cli"]
