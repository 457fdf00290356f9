"""COSE_Sign1 (RFC 9052) and CWT claims (RFC 8392), the signed core of the QR payload.

Written on ``cbor2`` and ``cryptography`` rather than taken from a COSE package: the ones
available are slow (the benchmark compares against python-cwt) or pin old ``cbor2``
versions, and a verifier that must never raise on hostile input is easier to reason about
when every step is ours. Only what the formats need is here: one signer, ES256 to sign,
ES256 and PS256 to verify (the EU DCC test vectors use both).

ES256 signatures are written with a low ``s`` (``s <= n/2``, n the order of P-256): an
ECDSA signature ``(r, s)`` stays valid as ``(r, n - s)``, so without that rule anyone can
make a second, different signature for the same message (malleability), which matters
wherever a signature's bytes could serve as an identifier. :func:`verify_sign1` refuses a
high ``s`` unless the caller says the message comes from another issuer
(``allow_high_s=True``: the EU DCC test vectors, whose issuers do not normalise ``s``, as
RFC 9052 does not require it). See docs/credentials.md, "Low-s signatures".

Decoding is strict: one CBOR item and nothing after it, a 4-element array (tagged 18,
optionally inside the CWT tag 61, or untagged), a protected header that is a serialized map,
an unprotected map, a byte-string payload and signature. Anything else is a
:class:`CoseError` naming the part that is wrong.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import cbor2
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509 import Certificate

from .errors import CoseError, SignatureError

__all__ = [
    "ALG_ES256",
    "ALG_PS256",
    "CWT_EXP",
    "CWT_IAT",
    "CWT_ISS",
    "CWT_NBF",
    "CWT_STATUS",
    "CWT_SUB",
    "HEADER_ALG",
    "HEADER_KID",
    "P256_ORDER",
    "Sign1",
    "cbor_loads_strict",
    "decode_sign1",
    "es256_is_low_s",
    "es256_low_s",
    "kid_for_certificate",
    "sig_structure",
    "sign1",
    "verify_sign1",
]

HEADER_ALG = 1
HEADER_KID = 4
HEADER_TYP = 16
ALG_ES256 = -7
ALG_PS256 = -37
_ALG_NAMES = {ALG_ES256: "ES256", ALG_PS256: "PS256"}

CWT_ISS = 1
CWT_SUB = 2
CWT_EXP = 4
CWT_NBF = 5
CWT_IAT = 6
#: Token Status List reference claim (draft-ietf-oauth-status-list), ``{"status_list": ...}``.
CWT_STATUS = 65535

#: The order n of the P-256 group; a low-s ES256 signature has ``s <= n // 2``.
P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
# n // 2 as 32 big-endian bytes: for two 32-byte strings, byte order is number order, so a
# raw signature's s half is compared with it directly, without converting it to an int.
_HALF_ORDER = (P256_ORDER // 2).to_bytes(32, "big")

_TAG_SIGN1 = 18
_TAG_CWT = 61
_ECDSA_SHA256 = ec.ECDSA(hashes.SHA256())
_PSS_SHA256 = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)

# The Sig_structure prefix: array(4), text(10) "Signature1"; the rest is appended by hand
# because cbor2.dumps of the whole structure costs more than the concatenation.
_SIG1_PREFIX = b"\x84\x6aSignature1"
_OUR_PROTECTED = b"\xa2\x01\x26\x04\x48"


def cbor_loads_strict(data: bytes, what: str) -> Any:
    """Decode exactly one CBOR item, rejecting trailing bytes; :class:`CoseError` otherwise.

    ``cbor2.loads`` silently ignores trailing data in 5.x; reading through a decoder and
    checking the position behaves the same on 5.x and 6.x. Any exception from the decoder
    (its hierarchy differs between versions, and hostile input reaches corners such as
    RecursionError) becomes a CoseError.
    """
    if not data:
        raise CoseError(f"{what}: no CBOR data")
    fp = io.BytesIO(data)
    try:
        value = cbor2.CBORDecoder(fp).decode()
    except Exception as exc:  # every decoder failure is "bad CBOR" to the caller
        raise CoseError(f"{what} is not valid CBOR: {_short(exc)}") from None
    if fp.tell() != len(data):
        raise CoseError(f"{what}: {len(data) - fp.tell()} unexpected bytes after the CBOR item")
    return value


def _short(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 120 else text[:117] + "..."


def kid_for_certificate(certificate: Certificate) -> bytes:
    """Key id as in the EU DCC: the first 8 bytes of SHA-256 over the certificate's DER."""
    return hashlib.sha256(certificate.public_bytes(Encoding.DER)).digest()[:8]


def _bstr_head(n: int) -> bytes:
    if n < 24:
        return bytes((0x40 | n,))
    if n < 0x100:
        return bytes((0x58, n))
    if n < 0x10000:
        return b"\x59" + n.to_bytes(2, "big")
    if n < 0x100000000:
        return b"\x5a" + n.to_bytes(4, "big")
    return b"\x5b" + n.to_bytes(8, "big")


def sig_structure(protected: bytes, payload: bytes, external_aad: bytes = b"") -> bytes:
    """The bytes that a COSE_Sign1 signature covers (RFC 9052, section 4.4)."""
    return b"".join(
        (
            _SIG1_PREFIX,
            _bstr_head(len(protected)),
            protected,
            _bstr_head(len(external_aad)),
            external_aad,
            _bstr_head(len(payload)),
            payload,
        )
    )


@dataclass(frozen=True, slots=True, init=False)
class Sign1:
    """A decoded, not yet verified COSE_Sign1 message."""

    protected: bytes
    protected_header: Mapping[Any, Any]
    unprotected_header: Mapping[Any, Any]
    payload: bytes
    signature: bytes
    tagged_cwt: bool = False
    _claims: list[Mapping[Any, Any]] = field(default_factory=list, repr=False, compare=False)

    # Written out (the generated one's signature): the generated __init__ of a frozen
    # dataclass sets each field through object.__setattr__ by name, a third of what
    # decoding our messages costs beside the CBOR decoder; the slot descriptors are direct.
    def __init__(
        self,
        protected: bytes,
        protected_header: Mapping[Any, Any],
        unprotected_header: Mapping[Any, Any],
        payload: bytes,
        signature: bytes,
        tagged_cwt: bool = False,
        _claims: list[Mapping[Any, Any]] | None = None,
    ) -> None:
        _SIGN1_SLOTS[0](self, protected)
        _SIGN1_SLOTS[1](self, protected_header)
        _SIGN1_SLOTS[2](self, unprotected_header)
        _SIGN1_SLOTS[3](self, payload)
        _SIGN1_SLOTS[4](self, signature)
        _SIGN1_SLOTS[5](self, tagged_cwt)
        _SIGN1_SLOTS[6](self, [] if _claims is None else _claims)

    @property
    def kid(self) -> bytes | None:
        """The key id: the protected one when present, else the unprotected one.

        A kid in the protected header always wins, as the DCC specification requires; an
        unprotected kid is only a hint when the protected header has none.
        """
        kid = self.protected_header.get(HEADER_KID)
        if kid is None:
            kid = self.unprotected_header.get(HEADER_KID)
        return kid if isinstance(kid, bytes) else None

    @property
    def alg(self) -> int | None:
        alg = self.protected_header.get(HEADER_ALG)
        if alg is None:
            alg = self.unprotected_header.get(HEADER_ALG)
        return alg if isinstance(alg, int) else None

    def claims(self) -> Mapping[Any, Any]:
        """The payload as a CWT claims map (decoded once, then cached)."""
        if not self._claims:
            value = cbor_loads_strict(self.payload, "the CWT payload")
            if type(value) is not dict and not isinstance(value, Mapping):
                raise CoseError("the CWT payload is not a CBOR map of claims")
            self._claims.append(value)
        return self._claims[0]


_SIGN1_SLOTS = tuple(
    getattr(Sign1, name).__set__
    for name in (
        "protected",
        "protected_header",
        "unprotected_header",
        "payload",
        "signature",
        "tagged_cwt",
        "_claims",
    )
)


def decode_sign1(data: bytes) -> Sign1:
    """Decode a (tagged or untagged) COSE_Sign1 message; :class:`CoseError` if malformed."""
    item = cbor_loads_strict(data, "the COSE message")
    tagged_cwt = False
    if isinstance(item, cbor2.CBORTag) and item.tag == _TAG_CWT:
        tagged_cwt = True
        item = item.value
    if isinstance(item, cbor2.CBORTag):
        if item.tag != _TAG_SIGN1:
            raise CoseError(f"CBOR tag {item.tag} is not COSE_Sign1 (18)")
        item = item.value
    # cbor2 6 decodes arrays inside tags as tuples and maps as frozendicts; 5 as lists/dicts.
    if not isinstance(item, (list, tuple)) or len(item) != 4:
        raise CoseError("a COSE_Sign1 message is an array of 4 elements")
    protected, unprotected, payload, signature = item
    if not isinstance(protected, bytes):
        raise CoseError("the COSE protected header is not a byte string")
    if type(unprotected) is not dict and not isinstance(unprotected, Mapping):
        raise CoseError("the COSE unprotected header is not a map")
    if not isinstance(payload, bytes):
        raise CoseError("the COSE payload is not a byte string (detached payloads are not used)")
    if not isinstance(signature, bytes):
        raise CoseError("the COSE signature is not a byte string")
    if len(protected) == 13 and protected.startswith(_OUR_PROTECTED):
        # Fast path for the header we write ({1: -7, 4: h'<8-byte kid>'}): same result as
        # decoding it, without a third CBOR decoder run on the hot path.
        header = {HEADER_ALG: ALG_ES256, HEADER_KID: protected[5:]}
    elif protected:
        header = cbor_loads_strict(protected, "the COSE protected header")
        if not isinstance(header, Mapping):
            raise CoseError("the COSE protected header is not a map")
    else:
        header = {}
    return Sign1(protected, header, unprotected, payload, signature, tagged_cwt)


def es256_der(signature: bytes) -> bytes:
    """The DER ``ECDSA-Sig-Value`` of a 64-byte ``r || s`` COSE signature.

    Written out rather than ``encode_dss_signature(int.from_bytes(r), int.from_bytes(s))``:
    the same bytes (a test checks it on random and edge-case input) in a fifth of the time,
    on the path of every verification. When neither half starts with a zero byte (all but
    1 in 128 signatures) the DER is one of four fixed headers around the two halves.
    """
    if len(signature) == 64 and signature[0] and signature[32]:
        head, middle = _DER_HEADS[(signature[0] >> 7) | (signature[32] >> 7 << 1)]
        return b"".join((head, signature[:32], middle, signature[32:]))
    r = signature[:32].lstrip(b"\0") or b"\0"
    s = signature[32:].lstrip(b"\0") or b"\0"
    if r[0] & 0x80:
        r = b"\0" + r
    if s[0] & 0x80:
        s = b"\0" + s
    return b"".join((bytes((0x30, len(r) + len(s) + 4, 2, len(r))), r, bytes((2, len(s))), s))


# (SEQUENCE and first INTEGER head, second INTEGER head), by (r >= 2**255) | (s >= 2**255) << 1:
# an INTEGER whose top bit is set takes a leading zero byte.
_DER_HEADS = (
    (b"\x30\x44\x02\x20", b"\x02\x20"),
    (b"\x30\x45\x02\x21\x00", b"\x02\x20"),
    (b"\x30\x45\x02\x20", b"\x02\x21\x00"),
    (b"\x30\x46\x02\x21\x00", b"\x02\x21\x00"),
)


def es256_is_low_s(signature: bytes) -> bool:
    """Whether a 64-byte ``r || s`` ES256 signature has ``s <= n/2`` (False for other lengths)."""
    return len(signature) == 64 and signature[32:] <= _HALF_ORDER


def es256_low_s(r: bytes, s: bytes) -> bytes:
    """The 64-byte ``r || s`` signature with ``s`` replaced by ``n - s`` when it is high."""
    if s > _HALF_ORDER:
        s = (P256_ORDER - int.from_bytes(s, "big")).to_bytes(32, "big")
    return r + s


def sign1(
    payload: bytes,
    private_key: ec.EllipticCurvePrivateKey,
    kid: bytes,
    *,
    tag: bool = True,
) -> bytes:
    """Sign ``payload`` as a COSE_Sign1 with ES256 (low s), the key id in the protected header."""
    if not isinstance(private_key, ec.EllipticCurvePrivateKey) or not isinstance(
        private_key.curve, ec.SECP256R1
    ):
        raise SignatureError("COSE signing needs a P-256 private key (ES256)")
    # The protected header {1: -7, 4: h'kid'} as a bstr, serialized by hand (a fixed,
    # canonical 2-entry map), and the payload's bstr head: both the Sig_structure and the
    # message are concatenations of these, with no CBOR encoder run.
    protected = _protected_bstr(kid)
    payload_bstr = _bstr_head(len(payload)) + payload
    der = private_key.sign(
        b"".join((_SIG1_PREFIX, protected, b"\x40", payload_bstr)), _ECDSA_SHA256
    )
    head = b"\xd2\x84" if tag else b"\x84"
    signature = es256_low_s(*_der_to_raw(der))
    return b"".join((head, protected, b"\xa0", payload_bstr, b"\x58\x40", signature))


def _protected_bstr(kid: bytes) -> bytes:
    protected = b"\xa2\x01\x26\x04" + _bstr_head(len(kid)) + kid
    return _bstr_head(len(protected)) + protected


def _der_to_raw(der: bytes) -> tuple[bytes, bytes]:
    """``(r, s)`` as 32-byte big-endian strings from OpenSSL's DER ECDSA signature.

    Read by hand (``SEQUENCE { INTEGER r, INTEGER s }`` with short lengths, as every P-256
    signature has) instead of ``decode_dss_signature`` and two ``int.to_bytes``: the same
    bytes in a third of the time; a test compares them.
    """
    end_r = 4 + der[3]
    if (
        der[0] != 0x30
        or der[1] != len(der) - 2
        or der[2] != 0x02
        or der[end_r] != 0x02
        or der[end_r + 1] != len(der) - end_r - 2
    ):
        r, s = decode_dss_signature(der)  # not the expected shape: take the slow road
        return r.to_bytes(32, "big"), s.to_bytes(32, "big")
    return der[4:end_r][-32:].rjust(32, b"\0"), der[end_r + 2 :][-32:].rjust(32, b"\0")


def verify_sign1(message: Sign1, public_key: Any, *, allow_high_s: bool = False) -> None:
    """Check the signature with ``public_key``; :class:`SignatureError` if it does not hold.

    The algorithm comes from the header and must match the key type: ES256 with a P-256
    key, PS256 with an RSA key. Any other algorithm is refused (no "none", no downgrade).
    An ES256 signature with a high ``s`` is refused unless ``allow_high_s`` (for messages of
    other issuers, which need not normalise it; ours always do).
    """
    alg = message.alg
    tbs = sig_structure(message.protected, message.payload)
    sig = message.signature
    try:
        if alg == ALG_ES256:
            if not isinstance(public_key, ec.EllipticCurvePublicKey) or not isinstance(
                public_key.curve, ec.SECP256R1
            ):
                raise SignatureError("ES256 needs a P-256 key; the signer's key is not one")
            if len(sig) != 64:
                raise SignatureError(f"an ES256 signature has 64 bytes, this one {len(sig)}")
            if not allow_high_s and sig[32:] > _HALF_ORDER:
                raise SignatureError(HIGH_S)
            public_key.verify(es256_der(sig), tbs, _ECDSA_SHA256)
        elif alg == ALG_PS256:
            if not isinstance(public_key, rsa.RSAPublicKey):
                raise SignatureError("PS256 needs an RSA key; the signer's key is not one")
            public_key.verify(sig, tbs, _PSS_SHA256, hashes.SHA256())
        else:
            raise SignatureError(
                f"signature algorithm {alg!r} is not accepted (ES256 or PS256 only)"
            )
    except InvalidSignature:
        raise SignatureError("the signature does not match the signed data") from None


#: The refusal of a high-s ES256 signature (also used by the JWS checks).
HIGH_S = (
    "the ES256 signature has a high s (s > n/2): a malleable form that our issuers never "
    "write, so it was altered"
)


def alg_name(alg: int | None) -> str:
    """A readable name for a COSE algorithm id, for check details."""
    return _ALG_NAMES.get(alg, repr(alg)) if alg is not None else "none"
