"""Benchmark: RC1 verification and issuance on one core, against baselines from the same run.

    uv sync --group bench
    uv run --group bench python bench/credentials.py [--n 20000] [--rounds 3] [--steps]
        [--clock cpu|wall]

Measures, over N distinct payloads (each card a different number, name and status index):

* raw ES256: ``cryptography``'s ``verify`` on each payload's Sig_structure and DER signature,
  both prepared beforehand (the limit: every verifier must do this much);
* ours: :func:`relocard.core.credentials.verify` on the ``RC1:`` text (prefix, Base45, zlib,
  COSE, trust-list lookup, ES256, claims, signer validity, validity, status list, and the
  verdict with its ten checks);
* python-cwt: the same pipeline with the COSE_Sign1 decoding and its ES256 check done by
  python-cwt, idiomatically (``COSE.new().decode(message, key)`` with the key object built
  once; ``cwt.decode`` does the same plus its own claim checks and is ~10 us slower, see
  ``--steps``), and every other step shared with ours: Base45, size-limited zlib, the claims
  reader and checks, signer validity, validity and the status list. It builds no verdict
  object and no check records, which ours does;
* issuing: :func:`issue_rc1` for N cards (claims, CBOR, ES256, zlib, Base45; no rendering).

The machine is shared and noisy, so the payloads are cut into chunks of ``--chunk`` (200,
~20 ms of work) and, in each of ``--rounds`` rounds, every measurement runs on a chunk before
the next chunk starts (interleaved at chunk level, so that a burst of load hits all of them
alike). A measurement's time is the sum over chunks of its best round: every one of the N
payloads is verified in it, and all contenders are timed the same way. Times are this
process's CPU time by default (``--clock cpu``), so that other work on a shared machine
does not count; ``--clock wall`` times elapsed time. ``--steps`` adds a
per-layer breakdown, measured the same way.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import tempfile
import time
import zlib
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

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
from relocard.core.credentials.cose import (
    cbor_loads_strict,
    decode_sign1,
    es256_der,
    sig_structure,
    sign1,
)
from relocard.core.credentials.rc1 import (
    MAX_INFLATED_BYTES,
    PREFIX,
    card_from_cwt,
    card_to_cwt,
    cbor_dumps,
    day_start,
    deflate,
)
from relocard.core.credentials.verify import _status, _validity, _window

T0 = datetime(2025, 1, 1, tzinfo=UTC)
AT = date(2025, 6, 1)
URI = "https://relocard.example/status/FR/1"
_ECDSA_SHA256 = ec.ECDSA(hashes.SHA256())


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


def measure(
    fns: dict[str, Callable[[Sequence[Any]], object]],
    items: Sequence[Any],
    *,
    rounds: int,
    chunk: int,
    clock: Callable[[], float] = time.process_time,
) -> dict[str, float]:
    """Seconds per item for each function: per chunk the best of ``rounds``, summed.

    Within a round the functions take turns chunk by chunk (in an order that rotates from
    chunk to chunk), so that each chunk's timings are seconds apart at most; the garbage
    collector runs between rounds only.
    """
    chunks = [items[i : i + chunk] for i in range(0, len(items), chunk)]
    names = list(fns)
    best = {name: [float("inf")] * len(chunks) for name in names}
    for _ in range(rounds):
        gc.collect()
        gc.disable()
        try:
            for i, part in enumerate(chunks):
                for k in range(len(names)):
                    name = names[(i + k) % len(names)]
                    start = clock()
                    fns[name](part)
                    best[name][i] = min(best[name][i], clock() - start)
        finally:
            gc.enable()
    return {name: sum(times) / len(items) for name, times in best.items()}


def inflate(data: bytes) -> bytes:
    """zlib with the same size limit and strictness as the verifier's."""
    inflater = zlib.decompressobj()
    out = inflater.decompress(data, MAX_INFLATED_BYTES)
    if inflater.unconsumed_tail or not inflater.eof or inflater.unused_data:
        raise ValueError("bad zlib stream")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--chunk", type=int, default=200, help="payloads per timed chunk")
    parser.add_argument("--steps", action="store_true", help="also time each layer")
    parser.add_argument(
        "--clock",
        choices=["cpu", "wall"],
        default="cpu",
        help="cpu: this process's CPU time (default; other load on a shared machine does not "
        "count); wall: elapsed time",
    )
    args = parser.parse_args()
    args.timer = time.process_time if args.clock == "cpu" else time.perf_counter
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
    status_list = StatusList(n)
    # Issued at the start of the day checked, within its time-to-live (else: status unknown).
    listed = datetime(AT.year, AT.month, AT.day, tzinfo=UTC)
    token = status_list.to_jwt(
        signer, uri=URI, iat=listed, exp=listed + timedelta(days=3650), ttl=86400
    )
    status_lists = [status_list_from_jwt(token, trust.signer)]
    all_cards = cards(n)
    issued_at = T0 + timedelta(days=1)
    payloads = [issue_rc1(c, signer, issued_at=issued_at) for c in all_cards]
    trusted = trust.signer(signer.kid)
    assert trusted is not None
    public_key = trusted.public_key

    # Raw ES256 inputs: the exact bytes each payload's signature covers, DER-encoded.
    raw_inputs = []
    for p in payloads:
        message = decode_sign1(inflate(base45.decode(p[len(PREFIX) :])))
        raw_inputs.append(
            (es256_der(message.signature), sig_structure(message.protected, message.payload))
        )

    def raw(items: Sequence[tuple[bytes, bytes]]) -> None:
        for der, tbs in items:
            public_key.verify(der, tbs, _ECDSA_SHA256)

    def ours(items: Sequence[str]) -> None:
        for p in items:
            result = verify(p, trust_list=trust, status_lists=status_lists, at=AT)
            if not result.valid:
                raise SystemExit(f"unexpected verdict {result.status}")

    import cwt
    from cwt import COSEKey

    cwt_key = COSEKey.from_pem(
        public_key.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo),
        alg="ES256",
        kid=signer.kid,
    )

    cose_reader = cwt.COSE.new()
    first, last, label = _window(AT)

    def python_cwt(items: Sequence[str]) -> None:
        for p in items:
            # COSE decoding and ES256 by python-cwt; every other step is ours, as in verify().
            payload = cose_reader.decode(inflate(base45.decode(p[len(PREFIX) :])), cwt_key)
            cwt_claims = cbor_loads_strict(payload, "claims")
            card = card_from_cwt(cwt_claims)
            iat = cwt_claims[6]
            expires = day_start(card.valid_until) + 86400
            if (
                card.member_state != trusted.member_state
                or not trusted.not_before_ts <= iat <= trusted.not_after_ts
                or _validity(iat, day_start(card.valid_from), expires, first, last, label)[1]
                != "valid"
                or _status(
                    trusted.member_state, card.status.idx, card.status.uri, status_lists, first
                )[1]
                is not None
            ):
                raise SystemExit("python-cwt pipeline: unexpected verdict")

    def issue(items: Sequence[CardClaims]) -> None:
        for c in items:
            issue_rc1(c, signer, issued_at=issued_at)

    indices = list(range(n))
    rates = {
        name: 1 / t
        for name, t in measure(
            {
                "raw": lambda part: raw([raw_inputs[i] for i in part]),
                "ours": lambda part: ours([payloads[i] for i in part]),
                "cwt": lambda part: python_cwt([payloads[i] for i in part]),
                "issue": lambda part: issue([all_cards[i] for i in part]),
            },
            indices,
            rounds=args.rounds,
            chunk=args.chunk,
            clock=args.timer,
        ).items()
    }

    import cryptography

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs (pinned to one); Python "
        f"{platform.python_version()}, cryptography {cryptography.__version__}, "
        f"cbor2 {_version('cbor2')}, python-cwt {cwt.__version__}; n={n}, "
        f"{args.rounds} rounds, chunks of {args.chunk}, {args.clock} clock"
    )
    print()
    print("| measurement | per second | per item | ratio |")
    print("|---|---:|---:|---|")
    raw_rate, ours_rate, cwt_rate = rates["raw"], rates["ours"], rates["cwt"]
    print(
        f"| raw ES256 verify (cryptography) | {raw_rate:,.0f} | {1e6 / raw_rate:.1f} us "
        "| 1.00 (baseline) |"
    )
    print(
        f"| RC1 verify, ours (full pipeline) | {ours_rate:,.0f} | {1e6 / ours_rate:.1f} us "
        f"| {ours_rate / raw_rate:.3f} of raw ES256 (target 0.70, one path) |"
    )
    print(
        f"| RC1 verify on python-cwt | {cwt_rate:,.0f} | {1e6 / cwt_rate:.1f} us "
        f"| {cwt_rate / raw_rate:.3f} of raw; ours is {ours_rate / cwt_rate:.2f}x (reported) |"
    )
    print(
        f"| RC1 issue, ours (no rendering) | {rates['issue']:,.0f} | "
        f"{1e6 / rates['issue']:.1f} us | target >= 10,000/s |"
    )
    if args.steps:
        steps(payloads, all_cards, signer, trust, cwt_key, status_lists, args)


def steps(
    payloads: list[str],
    all_cards: list[CardClaims],
    signer: Any,
    trust: TrustList,
    cwt_key: Any,
    status_lists: Any,
    args: argparse.Namespace,
) -> None:
    """Each layer alone, on the same payloads, measured the same way."""
    import cwt

    texts = [p[len(PREFIX) :] for p in payloads]
    compressed = [base45.decode(t) for t in texts]
    coses = [inflate(c) for c in compressed]
    parts = [decode_sign1(c) for c in coses]
    ders = [(es256_der(m.signature), sig_structure(m.protected, m.payload)) for m in parts]
    cwt_payloads = [m.payload for m in parts]
    key = trust.signer(signer.kid).public_key  # type: ignore[union-attr]
    issued_at = T0 + timedelta(days=1)
    maps = [card_to_cwt(c, issued_at) for c in all_cards]
    encoded = [cbor_dumps(m) for m in maps]
    messages = [sign1(p, signer.private_key, signer.kid) for p in encoded]
    deflated = [deflate(m) for m in messages]
    to_sign = [sig_structure(m.protected, m.payload) for m in map(decode_sign1, messages)]

    def each(fn: Callable[[Any], object], items: list[Any]) -> Callable[[Sequence[int]], None]:
        def run(part: Sequence[int]) -> None:
            for i in part:
                fn(items[i])

        return run

    cose_reader = cwt.COSE.new()
    verify_steps: dict[str, Callable[[Sequence[int]], None]] = {
        "base45 decode": each(base45.decode, texts),
        "zlib inflate (limited)": each(inflate, compressed),
        "COSE decode (cbor2)": each(decode_sign1, coses),
        "Sig_structure": each(lambda m: sig_structure(m.protected, m.payload), parts),
        "r, s to DER": each(es256_der, [m.signature for m in parts]),
        "ES256 verify": each(lambda x: key.verify(x[0], x[1], _ECDSA_SHA256), ders),
        "claims: cbor2 decode": each(lambda p: cbor_loads_strict(p, "claims"), cwt_payloads),
        "claims: CardClaims": each(
            lambda p: card_from_cwt(cbor_loads_strict(p, "claims")), cwt_payloads
        ),
        "whole verify()": each(
            lambda p: verify(p, trust_list=trust, status_lists=status_lists, at=AT),
            payloads,
        ),
        "python-cwt: cwt.decode": each(lambda c: cwt.decode(c, cwt_key), coses),
        "python-cwt: COSE.decode": each(lambda c: cose_reader.decode(c, cwt_key), coses),
    }
    issue_steps: dict[str, Callable[[Sequence[int]], None]] = {
        "claims map": each(lambda c: card_to_cwt(c, issued_at), all_cards),
        "CBOR encode (reused encoder)": each(cbor_dumps, maps),
        "CBOR encode (cbor2.dumps)": each(cbor2.dumps, maps),
        "ES256 sign (raw)": each(lambda m: signer.private_key.sign(m, _ECDSA_SHA256), to_sign),
        "COSE_Sign1 incl. ES256": each(lambda p: sign1(p, signer.private_key, signer.kid), encoded),
        "zlib deflate": each(deflate, messages),
        "base45 encode": each(base45.encode, deflated),
        "whole issue_rc1()": each(lambda c: issue_rc1(c, signer, issued_at=issued_at), all_cards),
    }
    indices = list(range(len(payloads)))
    for title, fns in (("verify", verify_steps), ("issue", issue_steps)):
        times = measure(fns, indices, rounds=args.rounds, chunk=args.chunk, clock=args.timer)
        print()
        print(f"| {title} step | per item |")
        print("|---|---:|")
        for name, t in times.items():
            print(f"| {name} | {t * 1e6:.2f} us |")


def _version(dist: str) -> str:
    from importlib.metadata import version

    return version(dist)


if __name__ == "__main__":
    main()
