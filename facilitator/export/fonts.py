"""The annex fonts: files that `make install` copies from the npm font packages, and their metrics.

The PDF, the figure and the DOCX image all use these files, never the machine's own fonts,
so an annex looks the same wherever it is made.
"""

from __future__ import annotations

import functools
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
FONT_DIR = REPO_ROOT / "static" / "vendor" / "fonts"

# Relative URLs in the annex (only its fonts) resolve against this base; the render child's
# fetcher answers for exactly those names and refuses everything else. ".invalid" never
# resolves (RFC 6761), so not even a mistake could reach a network.
ASSET_BASE = "https://annex.invalid/"

LOGO_MIME = {"png": "image/png", "jpeg": "image/jpeg", "svg": "image/svg+xml"}


def logo_url(kind: str) -> str:
    """The one URL under which the render child serves the annex's (sanitised) logo."""
    return f"{ASSET_BASE}style/logo.{kind}"


SERIF = "Annex Serif"
SANS = "Annex Sans"

# (family, weight, style) → file in FONT_DIR
FONT_FILES: dict[tuple[str, int, str], str] = {
    (SERIF, 400, "normal"): "SourceSerif4_400Regular.ttf",
    (SERIF, 400, "italic"): "SourceSerif4_400Regular_Italic.ttf",
    (SERIF, 600, "normal"): "SourceSerif4_600SemiBold.ttf",
    (SERIF, 600, "italic"): "SourceSerif4_600SemiBold_Italic.ttf",
    (SANS, 400, "normal"): "SourceSans3_400Regular.ttf",
    (SANS, 400, "italic"): "SourceSans3_400Regular_Italic.ttf",
    (SANS, 600, "normal"): "SourceSans3_600SemiBold.ttf",
    (SANS, 700, "normal"): "SourceSans3_700Bold.ttf",
}


class FontsMissing(RuntimeError):
    """The font files are not there: `make install` has not run."""


def font_path(family: str, weight: int = 400, style: str = "normal") -> Path:
    """The file of a face; raises FontsMissing when `make install` has not copied it."""
    path = FONT_DIR / FONT_FILES[(family, weight, style)]
    if not path.is_file():
        raise FontsMissing(f"lettertype ontbreekt: {path.name} (voer `make install` uit)")
    return path


def check_fonts() -> None:
    """Raise FontsMissing unless every annex font file is in place."""
    for key in FONT_FILES:
        font_path(*key)


def font_face_css() -> str:
    """@font-face rules for the PDF; URLs are resolved by the render child's fetcher."""
    rules = []
    for (family, weight, style), name in FONT_FILES.items():
        rules.append(
            f'@font-face {{ font-family: "{family}"; font-weight: {weight}; font-style: {style}; '
            f'src: url("fonts/{name}") format("truetype"); }}'
        )
    return "\n".join(rules)


class _Metrics:
    """Advance widths of one font file, for measuring text in the figure."""

    def __init__(self, path: Path) -> None:
        from fontTools.ttLib import TTFont

        font = TTFont(str(path), lazy=True)
        self.units = font["head"].unitsPerEm
        cmap = font.getBestCmap()
        hmtx = font["hmtx"].metrics
        self.advance = {code: hmtx[glyph][0] for code, glyph in cmap.items()}
        self.fallback = self.advance.get(ord("n"), self.units // 2)
        # the line metrics a text layout uses (this font sets USE_TYPO_METRICS)
        os2 = font["OS/2"]
        self.ascent = os2.sTypoAscender / self.units
        self.descent = -os2.sTypoDescender / self.units
        font.close()

    def width(self, text: str, size: float) -> float:
        total = sum(self.advance.get(ord(ch), self.fallback) for ch in text)
        return total * size / self.units


@functools.cache
def _metrics(family: str, weight: int, style: str) -> _Metrics:
    return _Metrics(font_path(family, weight, style))


def baseline_offset(family: str = SANS, weight: int = 400, style: str = "normal") -> float:
    """Where the baseline sits below the top of a one-line box with line-height 1, in em."""
    metrics = _metrics(family, weight, style)
    half_leading = (1 - (metrics.ascent + metrics.descent)) / 2
    return half_leading + metrics.ascent


def text_width(text: str, size: float, family: str = SANS, weight: int = 400, style: str = "normal") -> float:
    """The width of a line of text at a font size (same unit as size; kerning ignored)."""
    return _metrics(family, weight, style).width(text, size)
