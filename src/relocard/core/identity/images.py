"""Open untrusted image bytes safely: JPEG or PNG by content, bounded in bytes and pixels.

The one image reader of this package (OCR and the photo check both use it). The format is
judged from the file's first bytes, never from a name or a declared type; Pillow then opens it
with only its JPEG and PNG decoders enabled, after the pixel count has been checked against
the limit (so that a small file declaring a huge image, a "decompression bomb", is refused
before it is decoded). The photo's EXIF orientation is applied, as a phone shows it.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from relocard.core.identity.errors import ImageError

if TYPE_CHECKING:
    from PIL import Image

__all__ = ["MAX_IMAGE_BYTES", "MAX_IMAGE_PIXELS", "LoadedImage", "load_image", "sniff_format"]

MAX_IMAGE_BYTES: Final = 15 * 1024 * 1024
MAX_IMAGE_PIXELS: Final = 40_000_000

_SIGNATURES: Final = (
    (b"\xff\xd8\xff", "JPEG"),
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"BM", "BMP"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"%PDF", "PDF"),
)


def sniff_format(data: bytes) -> str | None:
    """``"JPEG"``, ``"PNG"``, another format's name, or ``None``, from the first bytes."""
    for signature, name in _SIGNATURES:
        if data.startswith(signature):
            return name
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    if data[4:8] == b"ftyp" and data[8:12] in (b"heic", b"heix", b"mif1", b"avif", b"msf1"):
        return "HEIC/AVIF"
    return None


@dataclass(frozen=True, slots=True)
class LoadedImage:
    image: Image.Image  # decoded, EXIF orientation applied
    format: str  # "JPEG" or "PNG"


def load_image(
    data: bytes, *, max_bytes: int = MAX_IMAGE_BYTES, max_pixels: int = MAX_IMAGE_PIXELS
) -> LoadedImage:
    """Decode JPEG or PNG bytes, or raise :class:`ImageError` with a specific code."""
    from PIL import Image, ImageOps

    if not data:
        raise ImageError("empty_file")
    if len(data) > max_bytes:
        raise ImageError("too_large", size=len(data), limit=max_bytes)
    kind = sniff_format(data)
    if kind is None:
        raise ImageError("not_an_image")
    if kind not in ("JPEG", "PNG"):
        raise ImageError("unsupported_format", format=kind)
    try:
        with warnings.catch_warnings():
            # Pillow's own limit is looser than ours, which is checked just below.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=[kind])
            width, height = image.size
            if width * height > max_pixels:
                raise ImageError("too_many_pixels", pixels=width * height, limit=max_pixels)
            image.load()
            image = ImageOps.exif_transpose(image)
    except ImageError:
        raise
    except Image.DecompressionBombError as exc:
        pixels = f"more than {2 * (Image.MAX_IMAGE_PIXELS or 0)}"
        raise ImageError("too_many_pixels", pixels=pixels, limit=max_pixels) from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImageError("damaged_image") from exc
    return LoadedImage(image=image, format=kind)
