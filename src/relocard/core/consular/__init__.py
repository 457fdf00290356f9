"""The consular channel's pure part: the appointment draw (no Django, no I/O).

Public API::

    draw(seed, entries, slots) -> Allocation    # seeded lottery: slot ids -> entry ids
    commitment(seed) -> str                     # SHA-256 of the seed (published before)
    new_seed() -> bytes                         # 32 random bytes
    build_record(...) -> dict                   # the public draw record (JSON)
    verify_record(record) -> Verification       # recompute a published record

Exceptions::

    DrawError (ValueError)           base
    └── RecordError                  a draw record that cannot be read (wrong shape or values)

The algorithm is in :mod:`.draw`; docs/consular.md says how anyone recomputes a draw.
"""

from __future__ import annotations

from relocard.core.consular.draw import (
    ALGORITHM,
    RECORD_FORMAT,
    Allocation,
    DrawError,
    RecordError,
    Verification,
    build_record,
    commitment,
    draw,
    entry_rank,
    new_seed,
    verify_record,
)

__all__ = [
    "ALGORITHM",
    "RECORD_FORMAT",
    "Allocation",
    "DrawError",
    "RecordError",
    "Verification",
    "build_record",
    "commitment",
    "draw",
    "entry_rank",
    "new_seed",
    "verify_record",
]
