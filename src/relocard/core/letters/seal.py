"""Sealing a letter (PAdES baseline B-B) and checking a seal, with pyHanko.

The member state's sealing key and its X.509 certificate (issued by the member state's CA in
the key store: :meth:`relocard.core.credentials.keystore.KeyStore.ensure_seal`) sign the whole
PDF as an incremental update: a CMS signature with the ``ETSI.CAdES.detached`` sub-filter, the
signing certificate bound by a signed attribute. No timestamp authority is reachable from an
offline installation, so the level is B-B (the signing time is the signer's own claim); B-T
needs a trusted timestamp server.

:func:`check_seal` answers whether a file is exactly what the seal covers (every byte), whether
the signature is intact and whether it chains to one of the given trust roots. A file that is
no PDF, or has no seal, is simply not valid: the check never raises on untrusted bytes.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import io
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from asn1crypto import keys as asn1_keys
from asn1crypto import pem
from asn1crypto import x509 as asn1_x509

from .errors import SealError

__all__ = ["SealCheck", "SealingKey", "check_seal", "seal_pdf"]

FIELD_NAME = "Seal"


@dataclass(frozen=True, slots=True)
class SealingKey:
    """A member state's sealing key: PEM certificate and PKCS#8 private key, and the CA chain."""

    certificate_pem: bytes
    private_key_pem: bytes
    chain_pem: tuple[bytes, ...] = ()

    def __repr__(self) -> str:
        return "SealingKey(<certificate>, <private key>)"


@dataclass(frozen=True, slots=True)
class SealCheck:
    """The result of checking a file's seal against trust roots."""

    sealed: bool  # the file is a PDF with a seal
    intact: bool  # the signature matches the bytes it covers
    trusted: bool  # the certificate chains to a trust root
    whole_file: bool  # the seal covers the whole file (nothing appended after sealing)
    signer: str = ""
    signed_at: datetime | None = None

    @property
    def valid(self) -> bool:
        return self.sealed and self.intact and self.trusted and self.whole_file


def _outside_event_loop[T](fn: Callable[[], T]) -> T:
    """Run ``fn`` here, or in a helper thread when this thread runs an asyncio event loop:
    pyHanko's synchronous API calls ``asyncio.run``, which refuses to nest (e.g. under an
    ASGI server, or a test driving a browser with Playwright's sync API)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return fn()
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn).result()


def _der(data: bytes) -> bytes:
    if pem.detect(data):
        _type, _headers, der = pem.unarmor(data)
        return der
    return data


def _certificate(data: bytes) -> asn1_x509.Certificate:
    try:
        return asn1_x509.Certificate.load(_der(data))
    except ValueError as exc:
        raise SealError("the sealing certificate is not an X.509 certificate") from exc


def seal_pdf(
    pdf: bytes, key: SealingKey, *, name: str, reason: str = "", location: str = ""
) -> bytes:
    """Seal ``pdf`` (PAdES B-B) with ``key``; the sealed bytes."""
    # Local import: pyHanko is heavy to import and only sealing and checking need it.
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    cert = _certificate(key.certificate_pem)
    try:
        private = asn1_keys.PrivateKeyInfo.load(_der(key.private_key_pem))
        private.native  # noqa: B018  parse now: a damaged key fails here, not mid-signature
    except ValueError as exc:
        raise SealError("the sealing key is not an unencrypted PKCS#8 private key") from exc
    chain = [_certificate(c) for c in key.chain_pem]
    signer = signers.SimpleSigner(
        signing_cert=cert,
        signing_key=private,
        cert_registry=SimpleCertificateStore.from_certs([cert, *chain]),
    )
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        name=name,
        reason=reason or None,
        location=location or None,
    )
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
        out = _outside_event_loop(lambda: signers.sign_pdf(writer, meta, signer=signer))
    except Exception as exc:  # pyHanko raises many types for one cause: an unusable input
        raise SealError(f"the letter could not be sealed: {exc}") from exc
    return out.getvalue()


def check_seal(pdf: bytes, trust_roots_pem: list[bytes]) -> SealCheck:
    """Check the (last) seal of ``pdf`` against the trust roots; never raises on bad input."""
    # Local import: pyHanko is heavy to import and only sealing and checking need it.
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.errors import SignatureValidationError
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    nothing = SealCheck(sealed=False, intact=False, trusted=False, whole_file=False)
    roots = [_certificate(r) for r in trust_roots_pem]
    # pyHanko logs a warning per defect of an untrusted file: the answer says enough.
    quiet = logging.getLogger("pyhanko")
    level = quiet.level
    quiet.setLevel(logging.CRITICAL)
    try:
        try:
            reader = PdfFileReader(io.BytesIO(pdf), strict=False)
            signatures = reader.embedded_signatures
        except Exception:
            return nothing
        if not signatures:
            return nothing
        sig = signatures[-1]
        try:
            context = ValidationContext(trust_roots=roots, allow_fetching=False)
            status = _outside_event_loop(lambda: validate_pdf_signature(sig, context))
        except (SignatureValidationError, ValueError, KeyError, TypeError):
            return SealCheck(sealed=True, intact=False, trusted=False, whole_file=False)
        except Exception:
            return SealCheck(sealed=True, intact=False, trusted=False, whole_file=False)
        cert = status.signing_cert
        return SealCheck(
            sealed=True,
            intact=bool(status.intact and status.valid),
            trusted=bool(status.trusted),
            whole_file=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
            signer=cert.subject.human_friendly if cert is not None else "",
            signed_at=status.signer_reported_dt,
        )
    finally:
        quiet.setLevel(level)
