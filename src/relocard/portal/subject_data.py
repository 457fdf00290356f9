"""Everything held about an applicant or holder, for their right of access (GDPR Art. 15, 20).

:func:`subject_data` collects, as plain JSON-ready values: the account, the personal details,
every case with its history, decisions, evidence list (the files' type, size and SHA-256, not
their content, which the case page serves one by one), corrections, appeals and transfers, every
card with its status changes, the trips, the share codes and every check of their cards (which
organisation, why, when, with what result). It walks the relations of each record generically,
so a table added later to a case or a card is included without a change here.

Left out, because they are not information about the person but secrets that protect them:
password and recovery-code hashes, second-factor seeds, share-code and key digests, signed
credential payloads (downloadable from the card page). Staff are named by role, not by name:
their identities are their own personal data.

:func:`subject_data_pdf` renders the same data readably (fpdf2). Both are audited by the view
(``subject.data_exported``).
"""

from __future__ import annotations

import datetime as dt
import decimal
from pathlib import Path
from typing import Any

from django.db import models
from django.utils import timezone

from relocard.accounts.models import User

FORMAT_VERSION = 1
#: Field names never exported (secrets and technical digests, not information about the person).
SECRET_FIELDS = {"password", "payload", "secret", "key", "token", "bin_key", "last_t", "seed"}
SECRET_PARTS = ("digest", "secret", "token", "password", "blind", "hmac", "ciphertext")
#: Relations not followed from a record (their rows are reached from elsewhere or are secrets).
SKIPPED_MODELS = {"admin.logentry", "otp_totp.totpdevice", "accounts.recoverycodes"}
#: The apps of the card route whose records the walk follows. An allow-list: any other app
#: (the humanitarian route keeps its own records and its own access path, see
#: docs/humanitarian.md) is never reached from here.
CARD_ROUTE_APPS = {
    "accounts",
    "cases",
    "cards",
    "consular",
    "enrolment",
    "presence",
    "verification",
    "audit",
}
MAX_DEPTH = 3


def _value(field: models.Field, obj: models.Model) -> Any:
    value = getattr(obj, field.attname)
    if isinstance(field, models.FileField):
        return bool(value)  # whether the file is still held (see the retention schedule)
    if isinstance(value, dt.datetime):
        return (
            timezone.localtime(value).isoformat() if timezone.is_aware(value) else value.isoformat()
        )
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, bytes):
        return None
    return value


def _secret(name: str) -> bool:
    # "..._index": keyed blind indexes (passport, name) and list positions, not information.
    return (
        name in SECRET_FIELDS
        or any(part in name for part in SECRET_PARTS)
        or name.endswith("_index")
    )


def _record(obj: models.Model, depth: int, seen: set, parent: str | None = None) -> dict:
    seen.add((obj._meta.label_lower, obj.pk))
    out: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if _secret(field.name):
            continue
        if field.is_relation:
            target = field.related_model
            if target is User:
                actor = getattr(obj, field.name, None)
                if actor is not None and field.name not in ("user",):
                    out[field.name] = {"role": actor.role}
                continue
            if target._meta.label_lower == parent:
                continue
            related = getattr(obj, field.name, None)
            if related is not None:
                out[field.name] = str(related)
            continue
        out[field.name] = _value(field, obj)
        if field.choices:
            display = getattr(obj, f"get_{field.name}_display")()
            if str(display) != str(out[field.name]):
                out[f"{field.name}_label"] = str(display)
    if depth >= MAX_DEPTH:
        return out
    for rel in obj._meta.related_objects:
        model = rel.related_model
        label = model._meta.label_lower
        accessor = rel.get_accessor_name()
        if not accessor or accessor.endswith("+") or label in SKIPPED_MODELS:
            continue
        if model._meta.app_label not in CARD_ROUTE_APPS:
            continue
        if rel.one_to_one:
            child = getattr(obj, accessor, None) if hasattr(obj, accessor) else None
            children = [child] if child is not None else []
        else:
            children = list(getattr(obj, accessor).all())
        rows = [
            _record(child, depth + 1, seen, obj._meta.label_lower)
            for child in children
            if (label, child.pk) not in seen
        ]
        if rows:
            out[accessor] = rows[0] if rel.one_to_one else rows
    return out


def subject_data(user: User) -> dict:
    """Everything held about ``user`` (an applicant or holder), as JSON-ready values."""
    account = {
        "email": user.email,
        "role": user.role,
        "preferred_language": user.preferred_language,
        "date_joined": timezone.localtime(user.date_joined).isoformat(),
        "last_login": timezone.localtime(user.last_login).isoformat() if user.last_login else None,
        "second_factors": {
            "authenticator_apps": user.totpdevice_set.count(),
            "passkeys": user.webauthncredential_set.count(),
        },
        "sessions": [
            {
                "signed_in": timezone.localtime(s.created_at).isoformat(),
                "last_active": timezone.localtime(s.last_seen_at).isoformat(),
                "browser": s.browser,
            }
            for s in user.session_records.all()
        ],
    }
    applicant = getattr(user, "applicant", None) if hasattr(user, "applicant") else None
    seen: set = set()
    profile = _record(applicant, 0, seen, "accounts.user") if applicant is not None else None
    return {
        "format": f"relocard-subject-data/{FORMAT_VERSION}",
        "generated_at": timezone.localtime().isoformat(),
        "account": account,
        "profile": profile,
    }


# --- the readable PDF ------------------------------------------------------------------------

#: A font with Cyrillic letters (Debian: fonts-dejavu-core); without it, the PDF prints the
#: Latin-1 subset and says that the JSON file holds every character.
FONT_CANDIDATES = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/TTF/DejaVuSans.ttf"),
)


def _font() -> Path | None:
    return next((p for p in FONT_CANDIDATES if p.is_file()), None)


def _lines(value: Any, indent: int = 0):
    pad = "    " * indent
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, (dict, list)) and item:
                yield indent, f"{pad}{key.replace('_', ' ')}:"
                yield from _lines(item, indent + 1)
            else:
                shown = "" if item is None or item == [] or item == {} else item
                yield indent, f"{pad}{key.replace('_', ' ')}: {shown}"
    elif isinstance(value, list):
        for n, item in enumerate(value, 1):
            yield indent, f"{pad}#{n}"
            yield from _lines(item, indent + 1)
    else:
        yield indent, f"{pad}{value}"


def subject_data_pdf(data: dict, *, title: str, intro: str) -> bytes:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    font = _font()
    if font is not None:
        pdf.add_font("Body", "", str(font))
        family = "Body"

        def text(s: str) -> str:
            return s
    else:
        family = "Helvetica"

        def text(s: str) -> str:
            return s.encode("latin-1", "replace").decode("latin-1")

    pdf.set_font(family, size=15)
    pdf.multi_cell(0, 8, text(title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, size=9)
    pdf.multi_cell(0, 5, text(intro), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    for section in ("account", "profile"):
        pdf.set_font(family, size=12)
        pdf.multi_cell(0, 7, text(section.capitalize()), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(family, size=8)
        for _indent, line in _lines(data.get(section) or {}):
            pdf.multi_cell(0, 4, text(str(line)), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
    return bytes(pdf.output())
