"""Basic checks of a passport-style photo, as a person at the counter would make them.

:func:`check_photo` takes the uploaded bytes and returns every problem it finds, each with a
stable code and a translatable sentence (:data:`.messages.PHOTO_TEMPLATES`): the file is a
JPEG or PNG image judged by its content (not its name), within size limits; it has enough
pixels; it has the 35 mm x 45 mm shape of a passport photo (ICAO 9303 Part 3 / EU photo
guidelines) within a tolerance; and exactly one face is found, large enough. Faces are found
with OpenCV's bundled frontal-face Haar cascade, a maintained, offline detector (OpenCV 5 no
longer ships the cascades, hence the pin to OpenCV 4). It finds upright faces looking at
the camera, which is what a passport photo must show; it is not a biometric quality check (the
member state's enrolment system does that), only the first, explainable filter.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Final

from relocard.core.identity.errors import ImageError
from relocard.core.identity.images import MAX_IMAGE_PIXELS, load_image
from relocard.core.identity.messages import IMAGE_ERROR_TEMPLATES, PHOTO_TEMPLATES, render

__all__ = ["PhotoCheck", "PhotoProblem", "PhotoRules", "check_photo"]

PHOTO_RATIO: Final = 35 / 45
_TEMPLATES: Final = {**IMAGE_ERROR_TEMPLATES, **PHOTO_TEMPLATES}
_DETECT_HEIGHT: Final = 640  # faces are searched in a copy scaled to this height
_LOCK = threading.Lock()


@dataclass(frozen=True, slots=True)
class PhotoRules:
    """The limits; the defaults suit a photo for a card (300 dpi at 35 x 45 mm is 413 x 531)."""

    min_bytes: int = 4 * 1024
    max_bytes: int = 10 * 1024 * 1024
    min_width: int = 413
    min_height: int = 531
    max_pixels: int = MAX_IMAGE_PIXELS
    ratio_tolerance: float = 0.04  # relative: 0.778 +/- 4%, about 1.5 mm of a 35 mm width
    min_face_height: float = 0.30  # the detector's box, as a share of the photo's height


@dataclass(frozen=True, slots=True)
class PhotoProblem:
    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def message(self, translate: Callable[[str], str] | None = None) -> str:
        return render(_TEMPLATES, self.code, self.params, translate)


@dataclass(frozen=True, slots=True)
class PhotoCheck:
    """The result: ``acceptable`` when no problem was found. ``readable`` is false when the
    bytes are not a usable JPEG or PNG image at all (then nothing else was checked)."""

    problems: tuple[PhotoProblem, ...]
    readable: bool
    format: str | None = None
    width: int | None = None
    height: int | None = None
    faces: int | None = None

    @property
    def acceptable(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {
            "acceptable": self.acceptable,
            "format": self.format,
            "width": self.width,
            "height": self.height,
            "faces": self.faces,
            "problems": [{"code": p.code, "message": p.message()} for p in self.problems],
        }


@cache
def _detector() -> Any:
    import cv2

    detector = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")
    if detector.empty():  # pragma: no cover - the file ships inside opencv-python-headless
        raise RuntimeError("OpenCV's frontal-face cascade could not be loaded")
    return detector


def find_faces(image: Any) -> list[tuple[int, int, int, int]]:
    """Boxes ``(x, y, width, height)`` of the upright frontal faces in a Pillow image, in the
    image's own pixels."""
    import cv2
    import numpy as np
    from PIL import Image, ImageOps

    gray = ImageOps.grayscale(image)
    scale = min(1.0, _DETECT_HEIGHT / gray.height)
    if scale < 1.0:
        gray = gray.resize(
            (max(1, round(gray.width * scale)), _DETECT_HEIGHT), Image.Resampling.BILINEAR
        )
    pixels = cv2.equalizeHist(np.asarray(gray, dtype=np.uint8))
    smallest = max(24, min(pixels.shape) // 5)
    with _LOCK:
        boxes = _detector().detectMultiScale(
            pixels, scaleFactor=1.1, minNeighbors=6, minSize=(smallest, smallest)
        )
    return [tuple(round(v / scale) for v in box) for box in boxes]  # type: ignore[misc]


def check_photo(data: bytes, rules: PhotoRules | None = None) -> PhotoCheck:
    """Check a passport-style photo; every problem found is listed (see the module doc)."""
    rules = rules or PhotoRules()
    try:
        loaded = load_image(data, max_bytes=rules.max_bytes, max_pixels=rules.max_pixels)
    except ImageError as exc:
        return PhotoCheck(problems=(PhotoProblem(exc.code, dict(exc.params)),), readable=False)
    image = loaded.image
    width, height = image.size
    problems: list[PhotoProblem] = []
    if len(data) < rules.min_bytes:
        problems.append(
            PhotoProblem("file_too_small", {"size": len(data), "limit": rules.min_bytes})
        )
    if width < rules.min_width or height < rules.min_height:
        problems.append(
            PhotoProblem(
                "too_few_pixels",
                {
                    "width": width,
                    "height": height,
                    "min_width": rules.min_width,
                    "min_height": rules.min_height,
                },
            )
        )
    ratio = width / height
    if abs(ratio / PHOTO_RATIO - 1) > rules.ratio_tolerance:
        problems.append(
            PhotoProblem("wrong_aspect_ratio", {"width": width, "height": height,
                                                "ratio": f"{ratio:.2f}"})
        )  # fmt: skip
    faces = find_faces(image)
    if not faces:
        problems.append(PhotoProblem("no_face"))
    elif len(faces) > 1:
        problems.append(PhotoProblem("several_faces", {"count": len(faces)}))
    elif faces[0][3] < rules.min_face_height * height:
        problems.append(PhotoProblem("face_too_small"))
    return PhotoCheck(
        problems=tuple(problems),
        readable=True,
        format=loaded.format,
        width=width,
        height=height,
        faces=len(faces),
    )
