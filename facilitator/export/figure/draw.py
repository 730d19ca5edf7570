"""Drawing a laid-out figure: SVG (and HTML text over it) for the PDF, PNG for the DOCX."""

from __future__ import annotations

from html import escape
from io import BytesIO

from ..fonts import FALLBACKS, SANS, baseline_offset, font_path, runs, text_width
from .model import FILL_OPACITY, INK, MARKER_SIZE, Figure, Symbol

# what the figure's words are set in: the Latin face, then Arabic, Hebrew, emoji (as annex.css)
SANS_STACK = ", ".join((SANS, *FALLBACKS))


def _symbol_svg(s: Symbol) -> str:
    h = s.size / 2
    if s.shape == "disc":
        return f'<circle cx="{s.x:.2f}" cy="{s.y:.2f}" r="{h:.2f}" fill="{INK}"/>'
    if s.shape == "ring":
        return (
            f'<circle cx="{s.x:.2f}" cy="{s.y:.2f}" r="{h - 0.25:.2f}" '
            f'fill="none" stroke="{INK}" stroke-width="0.5"/>'
        )
    if s.shape == "square":
        return (
            f'<rect x="{s.x - h * 0.9:.2f}" y="{s.y - h * 0.9:.2f}" '
            f'width="{h * 1.8:.2f}" height="{h * 1.8:.2f}" fill="{INK}"/>'
        )
    if s.shape == "open-square":
        return (
            f'<rect x="{s.x - h * 0.8:.2f}" y="{s.y - h * 0.8:.2f}" '
            f'width="{h * 1.6:.2f}" height="{h * 1.6:.2f}" '
            f'fill="none" stroke="{INK}" stroke-width="0.5"/>'
        )
    points = " ".join(f"{x:.2f},{y:.2f}" for x, y in _polygon(s))
    return f'<polygon points="{points}" fill="{INK}"/>'


def _polygon(s: Symbol) -> list[tuple[float, float]]:
    h = s.size / 2
    if s.shape == "triangle":
        return [(s.x, s.y - h * 1.05), (s.x + h * 1.05, s.y + h * 0.8), (s.x - h * 1.05, s.y + h * 0.8)]
    return [(s.x, s.y - h * 1.15), (s.x + h, s.y), (s.x, s.y + h * 1.15), (s.x - h, s.y)]  # diamond


def to_svg(figure: Figure, text: bool = True) -> str:
    """The figure as an SVG element (units: mm); its <title> is the text alternative.

    ``text=False`` leaves out the words, for ``to_html`` to set them as HTML text.
    """
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="figure-svg" role="img" '
        f'width="{figure.width:.2f}mm" height="{figure.height:.2f}mm" '
        f'viewBox="0 0 {figure.width:.2f} {figure.height:.2f}">',
        f"<title>{escape(figure.alt)}</title>",
    ]
    for c in figure.circles:
        out.append(
            f'<circle cx="{c.cx:.2f}" cy="{c.cy:.2f}" r="{c.r:.2f}" fill="{c.color}" '
            f'fill-opacity="{FILL_OPACITY}" stroke="{c.color}" stroke-width="0.55"/>'
        )
    for s in figure.symbols:
        out.append(_symbol_svg(s))
    for m in figure.markers:
        rx = m.height / 2
        out.append(
            f'<rect x="{m.x - m.width / 2:.2f}" y="{m.y - m.height / 2:.2f}" width="{m.width:.2f}" '
            f'height="{m.height:.2f}" rx="{rx:.2f}" ry="{rx:.2f}" fill="{INK}"/>'
        )
        if not text:
            continue
        tw = text_width(m.text, MARKER_SIZE, weight=700)
        out.append(
            f'<text x="{m.x - tw / 2:.2f}" y="{m.y + MARKER_SIZE * 0.35:.2f}" font-family="{SANS_STACK}" '
            f'font-size="{MARKER_SIZE:.2f}" font-weight="700" fill="#ffffff">{escape(m.text)}</text>'
        )
    for t in figure.texts if text else []:
        out.append(
            f'<text x="{t.x:.2f}" y="{t.y:.2f}" font-family="{SANS_STACK}" font-size="{t.size:.2f}" '
            f'font-weight="{t.weight}" fill="{t.color}">{escape(t.text)}</text>'
        )
    out.append("</svg>")
    return "\n".join(out)


def to_html(figure: Figure) -> str:
    """The figure for the PDF: the SVG drawing, with its words laid over it as HTML text.

    WeasyPrint sets SVG text one letter at a time (slow, no kerning, words run together
    when the PDF is read back); HTML text is set as text. Positions are the layout's.
    """
    parts = [
        f'<div class="figure-canvas" style="width: {figure.width:.2f}mm; height: {figure.height:.2f}mm">',
        to_svg(figure, text=False),
    ]
    for t in figure.texts:
        top = t.y - baseline_offset(weight=t.weight) * t.size
        # an explicit width spares WeasyPrint a shrink-to-fit measurement per span
        width = text_width(t.text, t.size, weight=t.weight) + 1.0
        parts.append(
            f'<span class="figure-text" style="left: {t.x:.2f}mm; top: {top:.2f}mm; width: {width:.2f}mm; '
            f'font-size: {t.size:.3f}mm; font-weight: {t.weight}; color: {t.color}">{escape(t.text)}</span>'
        )
    for m in figure.markers:
        top = m.y + MARKER_SIZE * 0.35 - baseline_offset(weight=700) * MARKER_SIZE
        left = m.x - m.width / 2
        parts.append(
            f'<span class="figure-text figure-marker" style="left: {left:.2f}mm; top: {top:.2f}mm; '
            f'width: {m.width:.2f}mm; font-size: {MARKER_SIZE:.3f}mm">{escape(m.text)}</span>'
        )
    parts.append("</div>")
    return "\n".join(parts)


def to_png(figure: Figure, dpi: int = 200) -> bytes:
    """The same figure as a PNG (for the DOCX), drawn with Pillow from the same layout."""
    from PIL import Image, ImageDraw, ImageFont

    scale = dpi / 25.4
    size = (max(1, round(figure.width * scale)), max(1, round(figure.height * scale)))
    image = Image.new("RGBA", size, (255, 255, 255, 255))
    for c in figure.circles:
        layer = Image.new("RGBA", size, (0, 0, 0, 0))
        draw = ImageDraw.Draw(layer)
        box = [(c.cx - c.r) * scale, (c.cy - c.r) * scale, (c.cx + c.r) * scale, (c.cy + c.r) * scale]
        draw.ellipse(box, fill=_rgb(c.color) + (round(255 * FILL_OPACITY),))
        image.alpha_composite(layer)
    draw = ImageDraw.Draw(image)
    for c in figure.circles:
        box = [(c.cx - c.r) * scale, (c.cy - c.r) * scale, (c.cx + c.r) * scale, (c.cy + c.r) * scale]
        draw.ellipse(box, outline=_rgb(c.color), width=max(1, round(0.55 * scale)))

    fonts: dict[tuple[str, int, float], ImageFont.FreeTypeFont] = {}

    def font(weight: int, size: float, family: str = SANS) -> ImageFont.FreeTypeFont:
        key = (family, weight, round(size * scale, 1))
        if key not in fonts:
            fonts[key] = ImageFont.truetype(str(font_path(family, weight)), key[2])
        return fonts[key]

    ink = _rgb(INK)
    for s in figure.symbols:
        h = s.size / 2 * scale
        x, y = s.x * scale, s.y * scale
        line = max(1, round(0.5 * scale))
        if s.shape == "disc":
            draw.ellipse([x - h, y - h, x + h, y + h], fill=ink)
        elif s.shape == "ring":
            draw.ellipse([x - h, y - h, x + h, y + h], outline=ink, width=line)
        elif s.shape == "square":
            draw.rectangle([x - h * 0.9, y - h * 0.9, x + h * 0.9, y + h * 0.9], fill=ink)
        elif s.shape == "open-square":
            draw.rectangle([x - h * 0.8, y - h * 0.8, x + h * 0.8, y + h * 0.8], outline=ink, width=line)
        else:
            draw.polygon([(px * scale, py * scale) for px, py in _polygon(s)], fill=ink)
    for m in figure.markers:
        box = [
            (m.x - m.width / 2) * scale,
            (m.y - m.height / 2) * scale,
            (m.x + m.width / 2) * scale,
            (m.y + m.height / 2) * scale,
        ]
        draw.rounded_rectangle(box, radius=m.height / 2 * scale, fill=ink)
        draw.text(
            (m.x * scale, m.y * scale), m.text, font=font(700, MARKER_SIZE), fill="#ffffff", anchor="mm"
        )
    for t in figure.texts:
        # each run in the face that has its characters (Arabic, Hebrew, emoji: the Noto faces)
        x = t.x * scale
        for family, weight, part in runs(t.text, SANS, t.weight):
            face = font(weight, t.size, family)
            draw.text((x, t.y * scale), part, font=face, fill=_rgb(t.color), anchor="ls")
            x += face.getlength(part)
    out = BytesIO()
    image.convert("RGB").save(out, format="PNG", dpi=(dpi, dpi))
    return out.getvalue()


def _rgb(color: str) -> tuple[int, int, int]:
    return tuple(int(color[i : i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]
