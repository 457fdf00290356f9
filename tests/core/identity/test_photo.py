"""Passport-style photo checks on generated images (a public-domain portrait, cropped)."""

from __future__ import annotations

import io
import pathlib

import pytest
from PIL import Image

from relocard.core.identity import PhotoRules, check_photo
from relocard.core.identity.messages import IMAGE_ERROR_TEMPLATES, PHOTO_TEMPLATES

PORTRAIT = pathlib.Path(__file__).resolve().parent / "images" / "grace_hopper.jpg"


def encode(image: Image.Image, fmt: str = "JPEG", **options) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


@pytest.fixture(scope="module")
def passport_photo() -> Image.Image:
    """The portrait cropped to 35 x 45 around the face, at 420 x 540 pixels."""
    return Image.open(PORTRAIT).convert("RGB").crop((85, 8, 443, 468)).resize((420, 540))


def codes(result) -> list[str]:
    return [p.code for p in result.problems]


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_a_good_photo_is_acceptable(passport_photo: Image.Image, fmt: str) -> None:
    result = check_photo(encode(passport_photo, fmt))
    assert result.acceptable, [p.message() for p in result.problems]
    assert result.to_dict() == {
        "acceptable": True, "format": fmt, "width": 420, "height": 540, "faces": 1,
        "problems": [],
    }  # fmt: skip


def test_the_format_comes_from_the_content_not_the_name(passport_photo: Image.Image) -> None:
    assert check_photo(encode(passport_photo, "PNG")).format == "PNG"
    gif = check_photo(encode(passport_photo.convert("P"), "GIF"))
    assert codes(gif) == ["unsupported_format"] and not gif.readable
    assert "GIF" in gif.problems[0].message()
    webp = check_photo(encode(passport_photo, "WEBP"))
    assert codes(webp) == ["unsupported_format"]


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty_file"),
        (b"%PDF-1.7 ...", "unsupported_format"),
        (b"hello, I am a photo", "not_an_image"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 100, "damaged_image"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 50, "damaged_image"),
    ],
)
def test_bytes_that_are_not_a_usable_image(data: bytes, code: str) -> None:
    result = check_photo(data)
    assert codes(result) == [code] and not result.readable and not result.acceptable


def test_a_truncated_jpeg_is_damaged(passport_photo: Image.Image) -> None:
    data = encode(passport_photo)
    assert codes(check_photo(data[: len(data) // 2])) == ["damaged_image"]


def test_a_file_over_the_limit_is_refused_before_decoding(passport_photo: Image.Image) -> None:
    data = encode(passport_photo)
    result = check_photo(data, PhotoRules(max_bytes=len(data) - 1))
    assert codes(result) == ["too_large"]


def test_a_decompression_bomb_is_refused() -> None:
    """A small PNG declaring 100 megapixels is refused from its header, before decoding."""
    data = encode(Image.new("L", (10_000, 10_000)), "PNG", optimize=True)
    assert len(data) < 200_000
    assert codes(check_photo(data)) == ["too_many_pixels"]


def test_too_few_pixels(passport_photo: Image.Image) -> None:
    result = check_photo(encode(passport_photo.resize((210, 270))))
    assert codes(result) == ["too_few_pixels"]
    assert result.problems[0].message() == (
        "The photo is 210 x 270 pixels; it needs at least 413 x 531."
    )


def test_a_tiny_file_is_a_thumbnail() -> None:
    data = encode(Image.new("L", (420, 540), 200), "PNG")
    assert len(data) < 4096
    assert codes(check_photo(data)) == ["file_too_small", "no_face"]


def test_an_enormous_declared_size_is_refused() -> None:
    """Past Pillow's own hard limit too (twice its 89 megapixels), still a specific reason."""
    data = encode(Image.new("1", (20_000, 10_000)), "PNG", optimize=True)
    assert codes(check_photo(data)) == ["too_many_pixels"]


@pytest.mark.parametrize(("size", "ok"), [((420, 540), True), ((432, 540), True),
                                          ((450, 540), False), ((540, 540), False),
                                          ((405, 540), True), ((400, 540), False)])  # fmt: skip
def test_the_35_by_45_shape_within_four_percent(size: tuple[int, int], ok: bool) -> None:
    canvas = Image.new("RGB", size, "white")
    result = check_photo(encode(canvas), PhotoRules(min_width=1, min_height=1, min_bytes=0))
    assert ("wrong_aspect_ratio" not in codes(result)) is ok


def test_no_face(passport_photo: Image.Image) -> None:
    blank = Image.new("RGB", passport_photo.size, (120, 140, 200))
    result = check_photo(encode(blank))
    assert codes(result) == ["no_face"] and result.faces == 0


def test_two_faces(passport_photo: Image.Image) -> None:
    two = Image.new("RGB", (840, 1080), "white")
    two.paste(passport_photo, (0, 270))
    two.paste(passport_photo, (420, 270))
    result = check_photo(encode(two.resize((420, 540))))
    assert codes(result) == ["several_faces"] and result.faces == 2
    assert result.problems[0].message().startswith("2 faces were found")


def test_a_face_too_small_in_the_frame(passport_photo: Image.Image) -> None:
    wide = Image.new("RGB", (1050, 1350), "white")
    wide.paste(passport_photo, (315, 405))
    result = check_photo(encode(wide))
    assert codes(result) == ["face_too_small"]


def test_an_upside_down_face_is_not_found(passport_photo: Image.Image) -> None:
    result = check_photo(encode(passport_photo.rotate(180)))
    assert codes(result) == ["no_face"]


def test_every_problem_lists_all_at_once(passport_photo: Image.Image) -> None:
    canvas = Image.new("RGB", (300, 300), "white")
    assert codes(check_photo(encode(canvas))) == [
        "too_few_pixels", "wrong_aspect_ratio", "no_face",
    ] or codes(check_photo(encode(canvas))) == [
        "file_too_small", "too_few_pixels", "wrong_aspect_ratio", "no_face",
    ]  # fmt: skip


def test_messages_are_translatable() -> None:
    from relocard.core.identity import PhotoProblem

    problem = PhotoProblem("several_faces", {"count": 3})
    ru = {"{count} faces were found; the photo must show only the applicant.":
          "Найдено лиц: {count}; на фото должен быть только заявитель."}  # fmt: skip
    assert problem.message(lambda s: ru.get(s, s)) == (
        "Найдено лиц: 3; на фото должен быть только заявитель."
    )
    assert set(PHOTO_TEMPLATES).isdisjoint(IMAGE_ERROR_TEMPLATES)
