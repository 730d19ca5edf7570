"""Where the circles of the bollen figure sit: one geometry for the table pages' and the screen's
diagram (static/js/bollen-layout.js) and the annex's figure (facilitator/export/figure/).

For 2 to 8 bollen the circles stand on a ring around the middle, the first half a step before
the top (top-left; the left one of two), the others clockwise. Their centres lie ``SPREAD[n]``
radii from the middle: less than one, so that the middle stays inside every circle and every
combination of bollen has an overlap to sit in. Only the size differs: the browser scales its
drawing to the box it has, the annex gives the circles a radius in millimetres (``figure/``).

The browser gets the same values from ``static/js/bollen-geometry.js``, which is generated from
this module (``python -m facilitator.bollen_geometry > static/js/bollen-geometry.js``); a test
keeps them equal.
"""

from __future__ import annotations

import json
import math

from .limits import LIMITS  # not rules: the render child imports no Flask

MIN_BOLLEN = LIMITS["bollen_min"]
MAX_BOLLEN = LIMITS["bollen_max"]

# the centres' distance from the middle, in radii, by the number of bollen
SPREAD = {2: 0.56, 3: 0.6, 4: 0.68, 5: 0.74, 6: 0.78, 7: 0.82, 8: 0.86}


def unit_centres(n: int) -> list[tuple[float, float]]:
    """The circle centres for n bollen (2–8) with a radius of 1; y points down, as on a page."""
    n = min(MAX_BOLLEN, max(MIN_BOLLEN, n))
    start = -math.pi / 2 - math.pi / n  # half a step before the top
    centres = []
    for i in range(n):
        angle = start + 2 * math.pi * i / n
        # six decimals: what the browser gets, so that both compute with the same numbers
        centres.append(
            (round(SPREAD[n] * math.cos(angle), 6) + 0.0, round(SPREAD[n] * math.sin(angle), 6) + 0.0)
        )
    return centres


CENTRES = {n: unit_centres(n) for n in range(MIN_BOLLEN, MAX_BOLLEN + 1)}


def js_module() -> str:
    """static/js/bollen-geometry.js: the same geometry for the browser."""
    centres = {str(n): [list(c) for c in cs] for n, cs in CENTRES.items()}
    return (
        "// Generated from facilitator/bollen_geometry.py\n"
        "// (python -m facilitator.bollen_geometry > static/js/bollen-geometry.js): the one\n"
        "// geometry of the bollen figure on the web, the screen and in the annex. Do not edit.\n\n"
        f"export const MIN_BOLLEN = {MIN_BOLLEN};\n"
        f"export const MAX_BOLLEN = {MAX_BOLLEN};\n"
        "// the centres' distance from the middle, in radii, by the number of bollen\n"
        f"export const SPREAD = {json.dumps({str(n): s for n, s in SPREAD.items()})};\n"
        "// the circle centres for a radius of 1 (y down), the first half a step before the top\n"
        f"export const CENTRES = {json.dumps(centres)};\n"
    )


if __name__ == "__main__":  # pragma: no cover
    print(js_module(), end="")
