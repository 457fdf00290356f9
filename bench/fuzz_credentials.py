"""Coverage-guided fuzzing of every parser in the credentials library (atheris).

    uv sync --group fuzz
    uv run --group fuzz python bench/fuzz_credentials.py -max_total_time=300

The contract under test: :func:`verify` never raises and never says ``valid`` for anything
but the genuine payloads it was seeded with; every lower-level parser raises only
:class:`CredentialError` subclasses. The fuzzer feeds bytes into five shapes of input: raw
text, a Base45 layer over fuzzed bytes, a zlib layer over fuzzed CBOR, a COSE_Sign1 around
fuzzed claims signed by a trusted key (reaching the claims parser past the signature), and
SD-JWT-looking text; plus the status-list, trust-list and SD-JWT parsers directly.
"""

from __future__ import annotations

import contextlib
import sys
import tempfile
import zlib
from datetime import UTC, date, datetime, timedelta

import atheris

with atheris.instrument_imports():
    from relocard.core.credentials import (
        STATUSES,
        CardClaims,
        CredentialError,
        KeyStore,
        StatusList,
        StatusRef,
        TrustList,
        base45,
        build_trust_list,
        issue_card_vc,
        issue_rc1,
        verify,
    )
    from relocard.core.credentials.cose import decode_sign1, sign1
    from relocard.core.credentials.sdjwt import SdJwt, unpack_claims

T0 = datetime(2025, 1, 1, tzinfo=UTC)
STORE = KeyStore(tempfile.mkdtemp(prefix="relocard-fuzz-"))
STORE.ensure_programme(now=T0)
SIGNER = STORE.ensure_member_state("FR", now=T0)
SIGNED_TRUST = build_trust_list(STORE, now=T0, valid_for=timedelta(days=3650))
TRUST = TrustList.from_signed(SIGNED_TRUST, STORE.programme_certificate(), at=T0)
CARD = CardClaims(
    "FR-2025-000001", "IVANOVA", "ANNA", "1990-04-01", "FR",
    date(2025, 1, 2), date(2026, 1, 1), StatusRef(3, "https://relocard.example/status/FR/1"),
)  # fmt: skip
GENUINE = {
    issue_rc1(CARD, SIGNER, issued_at=T0 + timedelta(days=1)),
    issue_card_vc(CARD, SIGNER, vct="urn:x", issuer="https://x", issued_at=T0 + timedelta(days=1)),
}
STATUS = StatusList(16)
AT = date(2025, 6, 1)


def check_verdict(text: str, *, may_be_valid: bool = False) -> None:
    """``verify`` returns a verdict; ``valid`` only for a genuine payload (or, with
    ``may_be_valid``, for claims the trusted key itself signed)."""
    result = verify(text, trust_list=TRUST, status_lists={CARD.status.uri: STATUS}, at=AT)
    assert result.status in STATUSES, result.status
    if result.valid and not may_be_valid:
        assert text.strip() in GENUINE, text[:80]
    result.to_dict()


def expect_credential_error(fn, *args) -> None:
    with contextlib.suppress(CredentialError):
        fn(*args)


def test_one_input(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    shape = fdp.ConsumeIntInRange(0, 8)
    rest = fdp.ConsumeBytes(fdp.remaining_bytes())
    if shape == 0:
        check_verdict(rest.decode("utf-8", "replace"))
    elif shape == 1:
        check_verdict("RC1:" + base45.encode(rest))
    elif shape == 2:
        check_verdict("RC1:" + base45.encode(zlib.compress(rest)))
    elif shape == 3:
        # A genuine signature over fuzzed claims: exercises the claims parser.
        signed = sign1(rest, SIGNER.private_key, SIGNER.kid)
        check_verdict("RC1:" + base45.encode(zlib.compress(signed)), may_be_valid=True)
    elif shape == 4:
        text = rest.decode("ascii", "replace")
        check_verdict(sorted(GENUINE)[0][: len(text) % 600] + text)
    elif shape == 5:
        expect_credential_error(base45.decode, rest.decode("utf-8", "replace"))
        expect_credential_error(decode_sign1, rest)
    elif shape == 6:
        expect_credential_error(StatusList.from_cbor, rest)
        expect_credential_error(
            StatusList.from_json, {"bits": 2, "lst": rest.decode("ascii", "replace")}
        )
    elif shape == 7:
        text = rest.decode("utf-8", "replace")
        with contextlib.suppress(CredentialError):
            unpack_claims(SdJwt.parse(text))
        check_verdict(text + "~")
    else:
        expect_credential_error(TrustList.from_signed, rest, STORE.programme_certificate())


def main() -> None:
    for payload in GENUINE:
        assert verify(payload, trust_list=TRUST, at=AT).valid
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
