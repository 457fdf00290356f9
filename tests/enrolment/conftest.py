"""Fixtures of the mission desk: an embassy case, a passport-style photo, a passport's zone."""

from __future__ import annotations

import io
import pathlib

import pytest
from PIL import Image

PORTRAIT = pathlib.Path(__file__).resolve().parents[1] / "core" / "identity" / "images"
PORTRAIT = PORTRAIT / "grace_hopper.jpg"


def photo_bytes(fmt: str = "JPEG") -> bytes:
    """A public-domain portrait cropped to 35 x 45 around the face (one face found)."""
    image = Image.open(PORTRAIT).convert("RGB").crop((85, 8, 443, 468)).resize((420, 540))
    out = io.BytesIO()
    image.save(out, fmt, quality=92)
    return out.getvalue()


def passport_zone(applicant, **changes) -> str:
    """The two MRZ lines of the applicant's passport (``changes`` alter what is written)."""
    from relocard.core.identity import format_td3

    values = {
        "surname": applicant.surname_latin,
        "given_names": applicant.given_names_latin,
        "document_number": applicant.passport_number,
        "nationality": "RUS",
        "birth_date": applicant.date_of_birth,
        "expiry_date": applicant.passport_expiry,
        "sex": "F",
        **changes,
    }
    return "\n".join(format_td3(**values))


@pytest.fixture
def embassy_case(make_case):
    """A case of FR in ``state`` opened at the embassy (the consular officers' cases)."""
    from relocard.cases.models import Application, Channel

    def make(state: str = "submitted", member_state: str = "FR"):
        app = make_case(state, member_state=member_state)
        Application.objects.filter(pk=app.pk).update(channel=Channel.EMBASSY)
        app.refresh_from_db()
        return app

    return make


@pytest.fixture
def officer(staff):
    return staff["consular_officer"]
