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
# the scripts Source Serif/Sans lack, in the order of every font stack after them (annex.css).
# Arabic is IBM Plex Sans Arabic, not Noto Sans Arabic: Noto builds its dotted letters from a
# shared dotless shape plus dot marks, and a PDF maps each glyph to one character only, so
# "التنمية" came back from the PDF as "ال ت ن م ي ت" (unreadable to a screen reader or a
# search); Plex's letters are whole glyphs and extract as typed (tests/test_annex_scripts.py).
ARABIC = "Annex Arabic"
HEBREW = "Annex Hebrew"
EMOJI = "Annex Emoji"  # monochrome: PDF/A and print need no colour glyphs
FALLBACKS = (ARABIC, HEBREW, EMOJI)

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
    (ARABIC, 400, "normal"): "IBMPlexSansArabic_400Regular.ttf",
    (ARABIC, 600, "normal"): "IBMPlexSansArabic_600SemiBold.ttf",
    (ARABIC, 700, "normal"): "IBMPlexSansArabic_700Bold.ttf",
    (HEBREW, 400, "normal"): "NotoSansHebrew_400Regular.ttf",
    (HEBREW, 600, "normal"): "NotoSansHebrew_600SemiBold.ttf",
    (HEBREW, 700, "normal"): "NotoSansHebrew_700Bold.ttf",
    (EMOJI, 400, "normal"): "NotoEmoji_400Regular.ttf",
    (EMOJI, 700, "normal"): "NotoEmoji_700Bold.ttf",
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


def _nearest_weight(family: str, weight: int) -> int:
    weights = sorted(w for f, w, s in FONT_FILES if f == family and s == "normal")
    return min(weights, key=lambda w: (abs(w - weight), w))


Run = tuple[str, int, str]  # (family, weight, text)


def runs(text: str, family: str = SANS, weight: int = 400, style: str = "normal") -> list[Run]:
    """The text cut into (family, weight, text) runs: each character in the first face of the
    stack (``family``, then Arabic, Hebrew, emoji) that has it, as the PDF's font stacks do."""
    primary = _metrics(family, weight, style)
    out: list[Run] = []
    for ch in text:
        if ch.isspace() and out:  # a space stays in its run: a right-to-left run stays whole
            out[-1] = (*out[-1][:2], out[-1][2] + ch)
            continue
        face, face_weight = family, weight
        if ord(ch) not in primary.advance:
            for fallback in FALLBACKS:
                fallback_weight = _nearest_weight(fallback, weight)
                if ord(ch) in _metrics(fallback, fallback_weight, "normal").advance:
                    face, face_weight = fallback, fallback_weight
                    break
        if out and out[-1][:2] == (face, face_weight):
            out[-1] = (face, face_weight, out[-1][2] + ch)
        else:
            out.append((face, face_weight, ch))
    return out


def text_width(text: str, size: float, family: str = SANS, weight: int = 400, style: str = "normal") -> float:
    """The width of a line of text at a font size (same unit as size; kerning ignored), each
    character measured in the face that sets it (the Noto faces for Arabic, Hebrew, emoji)."""
    primary = _metrics(family, weight, style)
    if all(ord(ch) in primary.advance for ch in text):
        return primary.width(text, size)
    return sum(
        _metrics(face, face_weight, style if face == family else "normal").width(part, size)
        for face, face_weight, part in runs(text, family, weight, style)
    )
