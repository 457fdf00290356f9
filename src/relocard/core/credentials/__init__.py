"""Signed credentials for relocatee cards: the printed QR, the wallet credential, trust, status.

* ``RC1:`` QR payloads (:mod:`.rc1`): CWT claims in COSE_Sign1 (:mod:`.cose`), zlib, Base45
  (:mod:`.base45`), modelled on the EU Digital COVID Certificate under our own prefix.
* SD-JWT VC (:mod:`.sdjwt`): every personal claim selectively disclosable, holder key binding.
* Token Status Lists (:mod:`.statuslist`): 2 bits per card, published as ``statuslist+jwt``.
* Keys (:mod:`.keystore`): per member state a CA and rotating document signers, in files.
* The trust list (:mod:`.trust`): every issuer, signed by the programme key.
* One verifier (:mod:`.verify`) for both formats, which never raises.
* Printing (:mod:`.qr`, :mod:`.card_pdf`): the QR at error correction Q, the PDF card.

Errors::

    CredentialError
    ├── EncodingError          bytes or text of the wrong shape at some layer
    │   ├── Base45Error        not Base45
    │   ├── CoseError          not COSE_Sign1 / CWT (or not CBOR)
    │   └── StatusListError    a status list or its JWT that cannot be used
    ├── ClaimsError            claims a credential cannot carry
    ├── SignatureError         a signature that does not verify; refused algorithms
    ├── KeyStoreError          key directory unusable; unknown member state or key id
    ├── TrustListError         trust list unreadable, wrongly signed, expired, inconsistent
    ├── SdJwtError             SD-JWT that cannot be issued, presented or verified
    └── CardRenderError        a card that cannot be printed

:func:`verify` raises none of them: it reports every failure in its verdict.
"""

from __future__ import annotations

from ._jose import LARGE_DOCUMENTS, low_s_jws
from .card_pdf import CardFace, render_card_pdf
from .errors import (
    Base45Error,
    CardRenderError,
    ClaimsError,
    CoseError,
    CredentialError,
    EncodingError,
    KeyStoreError,
    SdJwtError,
    SignatureError,
    StatusListError,
    TrustListError,
)
from .keystore import KeyStore, ProgrammeKey, Signer, SignerInfo, kid_from_text, kid_text
from .qr import make_qr, render_qr_png, render_qr_svg
from .rc1 import EU_MEMBER_STATES, KINDS, PREFIX, CardClaims, Kind, StatusRef, issue_rc1
from .sdjwt import SD, SD_JWT_VC_TYP, issue_card_vc, issue_sd_jwt, present, verify_sd_jwt
from .statuslist import (
    INVALID,
    SUSPENDED,
    VALID,
    StatusList,
    StatusListToken,
    StatusListUnavailable,
    status_list_from_jwt,
)
from .trust import TrustedSigner, TrustList, build_trust_list, load_certificate
from .verify import STATUSES, Check, Status, Verification, verify

__all__ = [
    "EU_MEMBER_STATES",
    "INVALID",
    "KINDS",
    "LARGE_DOCUMENTS",
    "PREFIX",
    "SD",
    "SD_JWT_VC_TYP",
    "STATUSES",
    "SUSPENDED",
    "VALID",
    "Base45Error",
    "CardClaims",
    "CardFace",
    "CardRenderError",
    "Check",
    "ClaimsError",
    "CoseError",
    "CredentialError",
    "EncodingError",
    "KeyStore",
    "KeyStoreError",
    "Kind",
    "ProgrammeKey",
    "SdJwtError",
    "SignatureError",
    "Signer",
    "SignerInfo",
    "Status",
    "StatusList",
    "StatusListError",
    "StatusListToken",
    "StatusListUnavailable",
    "StatusRef",
    "TrustList",
    "TrustListError",
    "TrustedSigner",
    "Verification",
    "build_trust_list",
    "issue_card_vc",
    "issue_rc1",
    "issue_sd_jwt",
    "kid_from_text",
    "kid_text",
    "load_certificate",
    "low_s_jws",
    "make_qr",
    "present",
    "render_card_pdf",
    "render_qr_png",
    "render_qr_svg",
    "status_list_from_jwt",
    "verify",
    "verify_sd_jwt",
]
