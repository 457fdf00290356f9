"""The remedies a decision letter names, read from the member state's policy file.

Each country file (``policies/<cc>.yaml``, validated against ``schemas/policy.schema.yaml``)
holds ``remedies.appeal`` (against a refusal or a revocation, lodged in Relocard) and
``remedies.court`` (against any decision): the body, the form (texts keyed by language) and
the legal reference (a key of the file's ``sources``); the court action also its deadline in
days. The appeal's deadline is not in the file: it is the member state's ``appeal_days``
setting, the one Relocard enforces when an appeal is lodged, which the shell passes to the
letter. Working values of the programme team until the national authority confirms them.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType

import yaml

from .errors import LetterError

__all__ = ["Remedies", "Remedy", "remedies"]


@dataclass(frozen=True, slots=True)
class Remedy:
    kind: str  # "appeal" or "court"
    #: The court action's deadline; ``None`` for the appeal (the member state's ``appeal_days``).
    deadline_days: int | None
    body: Mapping[str, str]
    form: Mapping[str, str]
    basis: Mapping[str, str]  # the source's title by language ("en", "ru")
    detail: str
    url: str

    def text(self, field: str, language: str) -> str:
        """``body``, ``form`` or ``basis`` in ``language``, else English."""
        texts: Mapping[str, str] = getattr(self, field)
        return texts.get(language) or texts["en"]


@dataclass(frozen=True, slots=True)
class Remedies:
    member_state: str
    authority: Mapping[str, str]  # the deciding authority's name by language
    appeal: Remedy
    court: Remedy

    def authority_in(self, language: str) -> str:
        return self.authority.get(language) or self.authority["en"]


@functools.cache
def remedies(member_state: str) -> Remedies:
    """The remedies of a member state; :class:`LetterError` when its file has none."""
    code = member_state.lower()
    if not code.isalpha() or len(code) != 2:
        raise LetterError(f"{member_state!r} is not a member state code")
    path = resources.files("relocard.policies").joinpath(f"{code}.yaml")
    if not path.is_file():
        raise LetterError(f"no policy file for {member_state}: its letters cannot name remedies")
    data = yaml.safe_load(path.read_text("utf-8"))
    section = data.get("remedies")
    if not section:
        raise LetterError(f"the policy file of {member_state} has no 'remedies' section")
    sources = data.get("sources", {})

    def one(kind: str) -> Remedy:
        item = section[kind]
        ref = item["reference"]
        source = sources.get(ref["source"])
        if source is None:
            raise LetterError(f"remedies.{kind} of {member_state} names an unknown source")
        if kind == "appeal" and "deadline_days" in item:
            raise LetterError(
                f"remedies.appeal of {member_state} gives deadline_days: the appeal's deadline "
                "is the member state's appeal_days setting, remove it from the file"
            )
        return Remedy(
            kind=kind,
            deadline_days=int(item["deadline_days"]) if kind == "court" else None,
            body=MappingProxyType(dict(item["body"])),
            form=MappingProxyType(dict(item["form"])),
            basis=MappingProxyType({"en": source["title"], "ru": source["title_ru"]}),
            detail=ref.get("detail", ""),
            url=source.get("url", ""),
        )

    authority = MappingProxyType(dict(section["authority"]))
    return Remedies(member_state.upper(), authority, one("appeal"), one("court"))
