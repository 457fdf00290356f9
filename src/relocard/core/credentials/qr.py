"""The card's QR code: alphanumeric mode, error correction level Q, rendered with segno.

An ``RC1:`` payload uses only characters of the QR alphanumeric set (Base45 was designed for
it), so alphanumeric mode packs 11 bits per 2 characters. Level Q (25 % recovery) matches the
EU DCC and survives a worn, folded card. ``boost_error`` is off so that the level is always
exactly Q, whatever the payload's length.
"""

from __future__ import annotations

import io

import segno

from .errors import CardRenderError

__all__ = ["make_qr", "render_qr_png", "render_qr_svg"]


def make_qr(payload: str) -> segno.QRCode:
    """The QR symbol for a payload (alphanumeric mode, ECC level Q)."""
    try:
        return segno.make_qr(payload, error="q", mode="alphanumeric", boost_error=False)
    except (segno.DataOverflowError, ValueError) as exc:
        raise CardRenderError(
            f"the payload cannot be a QR code in alphanumeric mode at level Q: {exc}"
        ) from None


def render_qr_png(payload: str, *, scale: int = 4, border: int = 4) -> bytes:
    """A PNG of the QR code (``scale`` pixels per module, a 4-module quiet zone)."""
    out = io.BytesIO()
    make_qr(payload).save(out, kind="png", scale=scale, border=border)
    return out.getvalue()


def render_qr_svg(payload: str, *, scale: int = 4, border: int = 4) -> str:
    """An SVG of the QR code, for web pages (no external resources)."""
    out = io.BytesIO()
    make_qr(payload).save(out, kind="svg", scale=scale, border=border, xmldecl=False)
    return out.getvalue().decode("utf-8")
