"""Benchmark: RC1 verification and issuance on one core, against baselines from the same run.

    uv sync --group bench && uv run --group bench python bench/credentials.py [--n 20000]

Measures, over N distinct payloads (each card a different number and name):

* raw ES256: ``cryptography``'s ``verify`` on each payload's Sig_structure and DER signature
  (the limit: every verifier must do this much);
* ours: :func:`relocard.core.credentials.verify` on the ``RC1:`` text (prefix, Base45, zlib,
  COSE, trust-list lookup, ES256, claims, validity, status);
* python-cwt: the same pipeline with COSE/CWT done by python-cwt (``cwt.decode``), Base45 and
  zlib as ours, claims read from its result;
* issuing: :func:`issue_rc1` for N cards (sign, CBOR, zlib, Base45; no rendering).

The machine is shared, so each measurement runs ``--rounds`` times interleaved with the
others and the best round counts; only ratios within the run are meaningful.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import tempfile
import time
import zlib
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from relocard.core.credentials import (
    CardClaims,
    KeyStore,
    StatusList,
    StatusRef,
    TrustList,
    base45,
    build_trust_list,
    issue_rc1,
    status_list_from_jwt,
    verify,
)
from relocard.core.credentials.cose import decode_sign1, sig_structure
from relocard.core.credentials.rc1 import RC1_CLAIM

T0 = datetime(2025, 1, 1, tzinfo=UTC)
AT = date(2025, 6, 1)
URI = "https://relocard.example/status/FR/1"


def cards(n: int) -> list[CardClaims]:
    names = ["IVANOVA", "PETROV", "SMIRNOVA", "KUZNETSOV", "POPOVA", "SOKOLOV", "LEBEDEVA"]
    return [
        CardClaims(
            card_number=f"FR-2025-{i:06d}",
            family_name=names[i % len(names)],
            given_name="ANNA MARIA" if i % 2 else "ALEKSANDR",
            date_of_birth=f"19{50 + i % 50:02d}-0{1 + i % 9}-1{i % 10}",
            member_state="FR",
            valid_from=date(2025, 1, 2),
            valid_until=date(2099, 12, 31),
            status=StatusRef(i, URI),
        )
        for i in range(n)
    ]


def best(fn: Callable[[], None], rounds: int, results: list[float]) -> None:
    gc.collect()
    gc.disable()
    try:
        start = time.perf_counter()
        fn()
        results.append(time.perf_counter() - start)
    finally:
        gc.enable()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    n = args.n
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core

    store = KeyStore(tempfile.mkdtemp(prefix="relocard-bench-"))
    store.ensure_programme(now=T0)
    signer = store.ensure_member_state("FR", now=T0)
    trust = TrustList.from_signed(
        build_trust_list(store, now=T0, valid_for=timedelta(days=3650)),
        store.programme_certificate(),
        at=T0,
    )
    lst = StatusList(n)
    token = lst.to_jwt(signer, uri=URI, iat=T0, exp=T0 + timedelta(days=3650), ttl=3600)
    status_lists = [status_list_from_jwt(token, trust.signer)]
    all_cards = cards(n)
    issued_at = T0 + timedelta(days=1)

    payloads: list[str] = []

    def issue_all() -> None:
        payloads.clear()
        payloads.extend(issue_rc1(c, signer, issued_at=issued_at) for c in all_cards)

    # Raw ES256 inputs: the exact bytes each payload's signature covers, DER-encoded.
    public_key = signer.certificate.public_key()
    issue_all()
    raw_inputs = []
    for p in payloads:
        msg = decode_sign1(zlib.decompress(base45.decode(p[4:])))
        sig = msg.signature
        der = encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big"))
        raw_inputs.append((der, sig_structure(msg.protected, msg.payload)))
    ecdsa = ec.ECDSA(hashes.SHA256())

    def raw_all() -> None:
        for der, tbs in raw_inputs:
            public_key.verify(der, tbs, ecdsa)

    def ours_all() -> None:
        for p in payloads:
            result = verify(p, trust_list=trust, status_lists=status_lists, at=AT)
            if not result.valid:
                raise SystemExit(f"unexpected verdict {result.status}")

    try:
        import cwt
        from cwt import COSEKey
    except ImportError:
        cwt = None
    cwt_key = None
    if cwt is not None:
        pem = signer.private_key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
        cwt_key = COSEKey.from_pem(
            signer.certificate.public_key().public_bytes(
                Encoding.PEM,
                __import__(
                    "cryptography"
                ).hazmat.primitives.serialization.PublicFormat.SubjectPublicKeyInfo,
            ),
            alg="ES256",
            kid=signer.kid,
        )
        del pem

    def cwt_all() -> None:
        for p in payloads:
            cose = zlib.decompress(base45.decode(p[4:]))
            claims = cwt.decode(cose, cwt_key)
            card = claims[RC1_CLAIM]
            if card[2][:3] != "FR-":
                raise SystemExit("python-cwt pipeline read the wrong claims")

    timings: dict[str, list[float]] = {"raw": [], "ours": [], "cwt": [], "issue": []}
    for _ in range(args.rounds):
        best(raw_all, 1, timings["raw"])
        best(ours_all, 1, timings["ours"])
        if cwt is not None:
            try:
                best(cwt_all, 1, timings["cwt"])
            except Exception as exc:  # report, do not hide, a baseline that cannot run
                print(f"python-cwt pipeline failed: {type(exc).__name__}: {exc}")
                cwt = None
        best(issue_all, 1, timings["issue"])

    def rate(key: str) -> float:
        return n / min(timings[key])

    raw, ours = rate("raw"), rate("ours")
    print(
        f"machine: {platform.processor() or platform.machine()}, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs (pinned to one), n={n}, best of {args.rounds} rounds"
    )
    print()
    print("| measurement | per second | per item | ratio |")
    print("|---|---:|---:|---|")
    print(
        f"| raw ES256 verify (cryptography) | {raw:,.0f} | {1e6 / raw:.1f} us | 1.00 (baseline) |"
    )
    print(
        f"| RC1 verify, ours (full pipeline) | {ours:,.0f} | {1e6 / ours:.1f} us | {ours / raw:.2f} of raw ES256 |"
    )
    if timings["cwt"] and cwt is not None:
        c = rate("cwt")
        print(
            f"| RC1 verify on python-cwt | {c:,.0f} | {1e6 / c:.1f} us | {c / raw:.2f} of raw; ours is {ours / c:.2f}x |"
        )
    iss = rate("issue")
    print(
        f"| RC1 issue, ours (no rendering) | {iss:,.0f} | {1e6 / iss:.1f} us | target >= 10,000/s |"
    )


if __name__ == "__main__":
    main()
