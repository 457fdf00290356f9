"""Letter references: ``RL-`` and 20 characters of a 30-letter alphabet (98 bits), in groups of
five; random, so that nobody can guess another person's letter from their own."""

from __future__ import annotations

import re
import secrets

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ234679"  # no 0/O, 1/I, 5/S, 8/B look-alikes
_SHAPE = re.compile(rf"RL-[{ALPHABET}]{{5}}(?:-[{ALPHABET}]{{5}}){{3}}")


def new_reference() -> str:
    chars = "".join(secrets.choice(ALPHABET) for _ in range(20))
    return "RL-" + "-".join(chars[i : i + 5] for i in range(0, 20, 5))


def normalise_reference(text: str) -> str | None:
    """The reference as stored, from what a person typed (any case, spaces or dashes), or
    None when it cannot be one."""
    compact = re.sub(r"[\s\-–]", "", (text or "").upper())
    if compact.startswith("RL"):
        compact = compact[2:]
    if len(compact) != 20:
        return None
    candidate = "RL-" + "-".join(compact[i : i + 5] for i in range(0, 20, 5))
    return candidate if _SHAPE.fullmatch(candidate) else None
