"""Measure how well OCR reads the zone from generated photo-page images (not a test).

    uv run python -m tests.core.identity.ocr_read_rate [N] [SEED]

Renders N random Russian passport pages (tilt up to 1.5 degrees, blur, noise, JPEG quality
60-95, 8.4 to 16.8 pixels per mm), reads each with :func:`read_mrz`, and counts: exact reads
(both lines right), reads flagged by a failed check digit, reads that pass every check digit
but are wrong somewhere (only names can be: no check digit covers them), pages where no zone
was found, and the time per page. The figures are quoted in docs/identity.md.
"""

from __future__ import annotations

import random
import sys
import time

from relocard.core.identity import MRZNotFoundError, parse_td3, read_mrz

from .passports import TODAY, random_page


def main(n: int = 100, seed: int = 9303) -> dict[str, float]:
    rng = random.Random(seed)
    counts = {"exact": 0, "flagged": 0, "valid_but_wrong_name": 0, "valid_but_wrong_other": 0,
              "not_found": 0}  # fmt: skip
    elapsed = 0.0
    for _ in range(n):
        passport, page = random_page(rng)
        truth = parse_td3(passport.text, today=TODAY)
        start = time.perf_counter()
        try:
            mrz = read_mrz(page, today=TODAY)
        except MRZNotFoundError:
            counts["not_found"] += 1
            continue
        finally:
            elapsed += time.perf_counter() - start
        if mrz.lines == truth.lines:
            counts["exact"] += 1
        elif not mrz.valid:
            counts["flagged"] += 1
        elif mrz.lines[1] == truth.lines[1]:
            counts["valid_but_wrong_name"] += 1
        else:
            counts["valid_but_wrong_other"] += 1
    result = {**counts, "n": n, "seconds_per_page": round(elapsed / n, 2)}
    print(" ".join(f"{key}={value}" for key, value in result.items()))
    return result


if __name__ == "__main__":
    main(*(int(arg) for arg in sys.argv[1:3]))
