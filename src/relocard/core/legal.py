"""Who answers the public in each member state: the contact page, the legal notice and the
accessibility statement read it from the policy files.

Each country file (``policies/<cc>.yaml``) has a ``contact`` section with proper names only:
the authority's name and postal address as it writes them, its website, and the body that
handles accessibility complaints (under Directive (EU) 2016/2102, each member state names one).
The sentences around them are in the interface's translation catalogues, so a new language
needs no change here. Pure Python (no Django): the files are validated against
``schemas/policy.schema.yaml`` with the rest of each file.

Errors: :class:`ContactPolicyError` (a member state without a file or without the section).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources

import yaml

__all__ = ["Contact", "ContactPolicyError", "contact", "member_states_with_contact"]


class ContactPolicyError(ValueError):
    """A policy file lacks what the contact page needs."""


@dataclass(frozen=True, slots=True)
class Contact:
    member_state: str
    authority: str
    address: tuple[str, ...]
    url: str
    enforcement_name: str
    enforcement_url: str


@functools.cache
def contact(member_state: str) -> Contact:
    """The contact of one member state (``FR``, ``DE``, ...)."""
    code = member_state.strip().lower()
    if len(code) != 2 or not code.isalpha():
        raise ContactPolicyError(f"{member_state!r} is not a member state code")
    path = resources.files("relocard.policies").joinpath(f"{code}.yaml")
    if not path.is_file():
        raise ContactPolicyError(f"no policy file {code}.yaml")
    data = yaml.safe_load(path.read_text("utf-8"))
    section = data.get("contact") if isinstance(data, dict) else None
    if not isinstance(section, dict):
        raise ContactPolicyError(f"{code}.yaml has no contact section")
    try:
        enforcement = section["accessibility_enforcement"]
        return Contact(
            member_state=code.upper(),
            authority=str(section["authority"]),
            address=tuple(str(line) for line in section["address"]),
            url=str(section["url"]),
            enforcement_name=str(enforcement["name"]),
            enforcement_url=str(enforcement["url"]),
        )
    except (KeyError, TypeError) as exc:
        raise ContactPolicyError(f"{code}.yaml: the contact section lacks {exc}") from None


@functools.cache
def member_states_with_contact() -> tuple[str, ...]:
    """Codes of the member states whose policy file has a contact section."""
    codes = []
    for entry in resources.files("relocard.policies").iterdir():
        name = entry.name
        if name.endswith(".yaml") and len(name) == 7 and name[:2].isalpha():
            try:
                contact(name[:2])
            except ContactPolicyError:
                continue
            codes.append(name[:2].upper())
    return tuple(sorted(codes))
