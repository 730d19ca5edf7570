"""The one palette and the one set of horizon symbols of the web pages, the screen and the annex.

Bollen are told apart by colour *and* by name; horizons by a symbol (a shape, not a colour)
and by name. The colours are Okabe–Ito's (distinguishable with the common kinds of
colour-blindness), yellow and black replaced by a dark olive and a grey that hold up as
outlines on white. ``ink`` is each colour darkened until text in it has a contrast of at
least 4.5:1 on white (WCAG AA for normal text).

The browser gets the same values from ``static/js/palette.js``, which is generated from this
module (``python -m facilitator.palette > static/js/palette.js``); a test keeps them equal.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

# Okabe–Ito: blue, vermillion, bluish green, reddish purple, orange, sky blue; then olive, grey
BOL_LINES = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#7A6A00", "#555555"]
FILL_OPACITY = 0.16
MIN_CONTRAST = 4.5


@dataclass(frozen=True)
class HorizonSymbol:
    """A horizon's mark: the shape the annex draws and the character the web writes."""

    shape: str
    char: str


HORIZON_SYMBOLS = [
    HorizonSymbol("disc", "●"),
    HorizonSymbol("triangle", "▲"),
    HorizonSymbol("square", "■"),
    HorizonSymbol("diamond", "◆"),
    HorizonSymbol("ring", "○"),
    HorizonSymbol("open-square", "□"),
]


def _luminance(color: str) -> float:
    def channel(v: int) -> float:
        c = v / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str = "#ffffff") -> float:
    """The WCAG contrast ratio of two colours."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def ink(color: str) -> str:
    """The colour darkened (in steps of 4 %) until text in it reads on white (≥ 4.5:1)."""
    r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    factor = 1.0
    out = color.lower()
    while contrast(out) < MIN_CONTRAST:
        factor -= 0.04
        out = "#{:02x}{:02x}{:02x}".format(*(int(v * factor) for v in (r, g, b)))
    return out


@dataclass(frozen=True)
class BolColor:
    line: str  # outline (and fill, at FILL_OPACITY)
    ink: str  # the bol's name written in its colour


PALETTE = [BolColor(c.lower(), ink(c)) for c in BOL_LINES]


def as_data() -> dict:
    """The palette as plain data (what the generated JS module exports)."""
    return {
        "fillOpacity": FILL_OPACITY,
        "bollen": [asdict(c) for c in PALETTE],
        "horizons": [asdict(s) for s in HORIZON_SYMBOLS],
    }


def js_module() -> str:
    """static/js/palette.js: the same palette for the browser."""
    data = as_data()
    return (
        "// Generated from facilitator/palette.py (python -m facilitator.palette > static/js/palette.js):\n"
        "// the one palette and horizon symbol set of the web, the screen and the annex. Do not edit.\n\n"
        f"export const FILL_OPACITY = {json.dumps(data['fillOpacity'])};\n"
        f"export const BOL_COLORS = {json.dumps(data['bollen'], ensure_ascii=False)};\n"
        f"export const HORIZON_SYMBOLS = {json.dumps(data['horizons'], ensure_ascii=False)};\n"
    )


if __name__ == "__main__":  # pragma: no cover
    print(js_module(), end="")
