"""The privacy notice and the retention schedule, read from the policy files.

The programme file (``policies/programme.yaml``) holds what is common to every member state:
purposes, legal bases, recipients, rights and the retention schedule; each member state's file
adds who is responsible (the controller), its data protection officer and the supervisory
authority to complain to. :func:`privacy_notice` joins them into one :class:`PrivacyNotice`.

Pure Python (no Django): the policy files are data shipped in the ``relocard.policies``
package, validated against ``schemas/policy.schema.yaml`` with the rest of each file.

Errors: :class:`PrivacyPolicyError` (a file without its privacy section, or a member state
with no file).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources

import yaml

__all__ = [
    "RETENTION_RECORDS",
    "PrivacyNotice",
    "PrivacyPolicyError",
    "Retention",
    "Text",
    "member_states_with_notice",
    "privacy_notice",
    "retention_schedule",
]

#: The record types the nightly retention run deletes, each with its period in days.
RETENTION_RECORDS = ("withdrawn_case", "refused_case", "evidence_after_card", "check_record")


class PrivacyPolicyError(ValueError):
    """A policy file lacks what the privacy notice needs."""


@dataclass(frozen=True, slots=True)
class Text:
    """A text of the policy file in English and Russian, and in any other language the file
    gives it in (a key per ISO 639-1 code); a reader of another language reads English."""

    en: str
    ru: str
    others: tuple[tuple[str, str], ...] = ()

    def in_language(self, language: str) -> str:
        code = language.lower()[:2]
        if code == "ru":
            return self.ru
        return dict(self.others).get(code, self.en)


@dataclass(frozen=True, slots=True)
class Retention:
    record: str
    text: Text
    days: int | None  # None: kept as long as the programme runs (the audit log)


@dataclass(frozen=True, slots=True)
class PrivacyNotice:
    member_state: str
    title: str
    controller: Text
    controller_url: str
    dpo: Text
    authority: Text
    authority_name: str
    authority_url: str
    purposes: tuple[Text, ...]
    legal_basis: tuple[Text, ...]
    recipients: tuple[Text, ...]
    rights: tuple[Text, ...]
    retention: tuple[Retention, ...]


@functools.cache
def _file(name: str) -> dict:
    path = resources.files("relocard.policies").joinpath(f"{name}.yaml")
    if not path.is_file():
        raise PrivacyPolicyError(f"no policy file {name}.yaml")
    data = yaml.safe_load(path.read_text("utf-8"))
    section = data.get("privacy") if isinstance(data, dict) else None
    if not isinstance(section, dict):
        raise PrivacyPolicyError(f"{name}.yaml has no privacy section")
    return {"title": data.get("title", name), **section}


def _text(item: dict) -> Text:
    others = tuple(
        (key, str(value))
        for key, value in item.items()
        if key not in ("en", "ru") and len(key) == 2 and key.isalpha() and key.islower()
    )
    return Text(en=str(item["en"]), ru=str(item["ru"]), others=others)


def retention_schedule() -> dict[str, int]:
    """Days after which each record type in :data:`RETENTION_RECORDS` is deleted."""
    retention = _file("programme").get("retention") or {}
    missing = [
        r for r in RETENTION_RECORDS if not isinstance(retention.get(r, {}).get("days"), int)
    ]
    if missing:
        raise PrivacyPolicyError(f"programme.yaml: no retention days for {', '.join(missing)}")
    return {record: retention[record]["days"] for record in RETENTION_RECORDS}


def member_states_with_notice() -> tuple[str, ...]:
    """Codes of the member states whose policy file has a privacy section."""
    codes = []
    for entry in resources.files("relocard.policies").iterdir():
        name = entry.name
        if name.endswith(".yaml") and len(name) == 7 and name[:2].isalpha():
            try:
                _file(name[:2])
            except PrivacyPolicyError:
                continue
            codes.append(name[:2].upper())
    return tuple(sorted(codes))


def privacy_notice(member_state: str) -> PrivacyNotice:
    """The complete notice of one member state (``FR``, ``DE``, ...)."""
    code = member_state.strip().lower()
    if len(code) != 2 or not code.isalpha():
        raise PrivacyPolicyError(f"{member_state!r} is not a member state code")
    common = _file("programme")
    national = _file(code)
    try:
        return PrivacyNotice(
            member_state=code.upper(),
            title=str(national["title"]),
            controller=_text(national["controller"]),
            controller_url=str(national["controller"]["url"]),
            dpo=_text(national["dpo"]),
            authority=_text(national["authority"]),
            authority_name=str(national["authority"]["name"]),
            authority_url=str(national["authority"]["url"]),
            purposes=tuple(_text(t) for t in common["purposes"]),
            legal_basis=tuple(_text(t) for t in common["legal_basis"]),
            recipients=tuple(_text(t) for t in common["recipients"]),
            rights=tuple(_text(t) for t in common["rights"]),
            retention=tuple(
                Retention(record=key, text=_text(value), days=value.get("days"))
                for key, value in common["retention"].items()
            ),
        )
    except (KeyError, TypeError) as exc:
        raise PrivacyPolicyError(f"{code}.yaml: the privacy section lacks {exc}") from None
