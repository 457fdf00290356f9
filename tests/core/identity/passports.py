"""Generated passports for the identity tests: the ICAO specimen, Russian passports (with
Cyrillic names), Hypothesis strategies, and rendered photo pages for the OCR tests.

Nothing here is a real person or document: names are drawn from short lists, numbers at random.
"""

from __future__ import annotations

import datetime as dt
import io
import pathlib
import random
from dataclasses import dataclass

from hypothesis import strategies as st
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from relocard.core.identity import format_td3

FONT = pathlib.Path(__file__).resolve().parent / "fonts" / "OCRB.otf"

#: ICAO Doc 9303 Part 4 (section 4.2.2), the TD3 specimen of Utopia, built from the spec's
#: fields; its check digits are the ones printed in the document.
SPECIMEN_LINES = (
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
)
SPECIMEN_FIELDS = {
    "surname": "ERIKSSON",
    "given_names": "ANNA MARIA",
    "document_number": "L898902C3",
    "nationality": "UTO",
    "issuing_state": "UTO",
    "birth_date": dt.date(1974, 8, 12),
    "expiry_date": dt.date(2012, 4, 15),
    "sex": "F",
    "personal_number": "ZE184226B",
}
#: A day on which the specimen's dates resolve as printed (any day from 2012-04-15 to 2073).
TODAY = dt.date(2026, 6, 1)

SURNAMES_M = ["Иванов", "Щукин", "Соловьёв", "Кузнецов", "Подъячев", "Хабибуллин", "Эйдельман"]
SURNAMES_F = ["Иванова", "Щукина", "Соловьёва", "Кузнецова", "Ильина", "Цветаева", "Юдина"]
GIVEN_M = ["Пётр", "Юрий", "Илья", "Дмитрий", "Алексей", "Артём", "Лев Николаевич"]
GIVEN_F = ["Юлия", "Наталья", "Анна-Мария", "Дарья", "Ксения", "Екатерина", "Софья"]


@dataclass(frozen=True)
class Passport:
    """A generated Russian international passport: the data page's fields and its MRZ."""

    surname: str  # Cyrillic, as in the internal passport
    given_names: str
    document_number: str
    birth_date: dt.date
    expiry_date: dt.date
    sex: str

    @property
    def lines(self) -> tuple[str, str]:
        return format_td3(
            surname=self.surname,
            given_names=self.given_names,
            document_number=self.document_number,
            nationality="RUS",
            birth_date=self.birth_date,
            expiry_date=self.expiry_date,
            sex=self.sex,
        )

    @property
    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def russian_passport(rng: random.Random, today: dt.date = TODAY) -> Passport:
    sex = rng.choice("MF")
    surnames, given = (SURNAMES_M, GIVEN_M) if sex == "M" else (SURNAMES_F, GIVEN_F)
    birth = today - dt.timedelta(days=rng.randint(18 * 365, 90 * 365))
    issued = today - dt.timedelta(days=rng.randint(0, 9 * 365))
    return Passport(
        surname=rng.choice(surnames),
        given_names=rng.choice(given),
        # Series (2 digits) and number (7 digits), as in Russian international passports.
        document_number=f"{rng.randint(10, 99)}{rng.randint(0, 9_999_999):07d}",
        birth_date=birth,
        expiry_date=issued.replace(year=issued.year + 10) if issued.month * 100 + issued.day != 229
        else issued + dt.timedelta(days=3652),
        sex=sex,
    )  # fmt: skip


_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_CYRILLIC = "АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ"


@st.composite
def td3_fields(draw: st.DrawFn, today: dt.date = TODAY) -> dict:
    """Fields of any TD3 that ``format_td3`` can write without truncating a name."""
    name_part = st.text(_LETTERS, min_size=1, max_size=8)
    cyrillic_part = st.text(_CYRILLIC, min_size=1, max_size=6).filter(
        lambda s: s.strip("ЬЪ") == s and any(c not in "ЬЪ" for c in s)
    )
    part = st.one_of(name_part, cyrillic_part)
    surname = " ".join(draw(st.lists(part, min_size=1, max_size=2)))
    given = " ".join(draw(st.lists(part, min_size=0, max_size=2)))
    state = draw(st.sampled_from(["RUS", "UTO", "D", "FRA", "GBR", "XXA"]))
    return {
        "surname": surname,
        "given_names": given,
        "document_number": draw(st.text(_LETTERS + "0123456789", min_size=1, max_size=9)),
        "nationality": state,
        "issuing_state": draw(st.sampled_from([state, "UTO"])),
        "birth_date": draw(st.dates(today.replace(year=today.year - 99) + dt.timedelta(days=1),
                                    today)),
        "expiry_date": draw(st.dates(today.replace(year=today.year - 79),
                                     today.replace(year=today.year + 19))),
        "sex": draw(st.sampled_from("MFX")),
        "personal_number": draw(st.text(_LETTERS + "0123456789<", max_size=14).map(
            lambda s: s.strip("<"))),
    }  # fmt: skip


def render_page(
    lines: tuple[str, str],
    *,
    rng: random.Random | None = None,
    visual: tuple[str, ...] = (),
    scale: float = 1.0,
    angle: float = 0.0,
    blur: float = 0.0,
    noise: int = 0,
    jpeg_quality: int | None = None,
) -> bytes:
    """A passport photo page (125 x 88 mm) with ``lines`` in OCR-B, as PNG or JPEG bytes.

    The zone sits at the bottom as on a real page (Part 4: OCR-B size 1, 10 characters per
    25.4 mm), above it a photo placeholder and the visual zone in an ordinary font.
    """
    rng = rng or random.Random(0)
    px_per_mm = 12 * scale
    width, height = round(125 * px_per_mm), round(88 * px_per_mm)
    page = Image.new("L", (width, height), 236)
    draw = ImageDraw.Draw(page)
    # A faint guilloche-like background, as printed pages have.
    for y in range(0, height, max(2, round(6 * scale))):
        draw.line([(0, y), (width, y + rng.randint(-8, 8))], fill=rng.randint(220, 232))
    draw.rectangle(
        (round(6 * px_per_mm), round(14 * px_per_mm), round(38 * px_per_mm),
         round(56 * px_per_mm)), fill=170,
    )  # fmt: skip
    text_font = ImageFont.load_default(size=max(10, round(3 * px_per_mm)))
    x = round(44 * px_per_mm)
    for i, text in enumerate(visual or ("PASSPORT", "RUSSIAN FEDERATION")):
        draw.text((x, round((12 + 6 * i) * px_per_mm)), text, font=text_font, fill=40)
    # OCR-B: pitch 2.54 mm; the cap height of the font at size s is about 0.7 s.
    mrz_font = ImageFont.truetype(str(FONT), round(3.6 * px_per_mm))
    left = round(6 * px_per_mm)
    for i, line in enumerate(lines):
        y = round((70 + 7 * i) * px_per_mm)
        for j, ch in enumerate(line):
            draw.text((left + round(j * 2.54 * px_per_mm), y), ch, font=mrz_font, fill=15)
    if angle:
        page = page.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=250)
    if blur:
        page = page.filter(ImageFilter.GaussianBlur(blur))
    if noise:
        pixels = page.load()
        for _ in range(page.width * page.height // 20):
            px, py = rng.randrange(page.width), rng.randrange(page.height)
            pixels[px, py] = max(0, min(255, pixels[px, py] + rng.randint(-noise, noise)))
    out = io.BytesIO()
    if jpeg_quality is None:
        page.save(out, format="PNG")
    else:
        page.convert("RGB").save(out, format="JPEG", quality=jpeg_quality)
    return out.getvalue()


def random_page(rng: random.Random) -> tuple[Passport, bytes]:
    """A Russian passport and a photo of its page with random scale, tilt, blur, noise and
    JPEG compression, as a phone or a flatbed scanner might give it."""
    passport = russian_passport(rng)
    image = render_page(
        passport.lines,
        rng=rng,
        scale=rng.uniform(0.7, 1.4),
        angle=rng.uniform(-1.5, 1.5),
        blur=rng.choice([0, 0, 0.6, 1.0]),
        noise=rng.choice([0, 20, 40]),
        jpeg_quality=rng.choice([None, 90, 75, 60]),
    )
    return passport, image
