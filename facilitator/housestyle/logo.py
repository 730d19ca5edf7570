"""Logos that cannot hurt: PNG and JPEG re-encoded, SVG cut down to drawing and nothing else.

A logo ends up in every annex, and the PDF renderer, LibreOffice or Word open it. So what is
kept is never the uploaded file: rasters are decoded and written anew by Pillow (no
metadata, no second payload behind the image, sRGB only as PDF/A wants), and an SVG is
parsed without entities, DTDs or network and rebuilt from a whitelist of drawing elements
and attributes; any reference that is not "#id" inside the logo is dropped. Anything else
is refused with one Dutch sentence.
"""

from __future__ import annotations

import io
import re
import warnings

from flask_babel import format_decimal
from flask_babel import gettext as _
from lxml import etree

MAX_LOGO_BYTES = 1024 * 1024
MAX_PIXELS = 4000 * 4000  # a decoded raster larger than this is refused (decompression bombs)
MAX_SIDE = 1600  # stored rasters are scaled down to this (a logo prints a few cm wide)
MAX_SVG_ELEMENTS = 5000
PNG_SIDE = 800  # the raster rendition of an SVG logo, for DOCX

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"

# drawing only: no script, style, foreignObject, image, a, use of other files, animation, fonts
SVG_ELEMENTS = {
    "svg",
    "g",
    "defs",
    "symbol",
    "use",
    "title",
    "desc",
    "path",
    "rect",
    "circle",
    "ellipse",
    "line",
    "polyline",
    "polygon",
    "text",
    "tspan",
    "linearGradient",
    "radialGradient",
    "stop",
    "clipPath",
    "mask",
    "pattern",
}
SVG_ATTRIBUTES = {
    "id",
    "class",
    "version",
    "viewBox",
    "preserveAspectRatio",
    "width",
    "height",
    "x",
    "y",
    "x1",
    "y1",
    "x2",
    "y2",
    "cx",
    "cy",
    "r",
    "rx",
    "ry",
    "fx",
    "fy",
    "d",
    "points",
    "transform",
    "fill",
    "fill-opacity",
    "fill-rule",
    "stroke",
    "stroke-width",
    "stroke-opacity",
    "stroke-linecap",
    "stroke-linejoin",
    "stroke-miterlimit",
    "stroke-dasharray",
    "stroke-dashoffset",
    "opacity",
    "color",
    "clip-path",
    "clip-rule",
    "mask",
    "visibility",
    "display",
    "offset",
    "stop-color",
    "stop-opacity",
    "gradientUnits",
    "gradientTransform",
    "spreadMethod",
    "patternUnits",
    "patternContentUnits",
    "patternTransform",
    "clipPathUnits",
    "maskUnits",
    "maskContentUnits",
    "font-family",
    "font-size",
    "font-weight",
    "font-style",
    "text-anchor",
    "dominant-baseline",
    "letter-spacing",
    "dx",
    "dy",
    "role",
    "aria-label",
    "style",
    "href",  # only "#id" (checked below)
}
# url(...) that points anywhere but at an id inside this logo
_EXTERNAL_URL = re.compile(r"url\(\s*(?!['\"]?\s*#)", re.I)
_UNSAFE_STYLE = re.compile(r"@import|expression|\\|javascript:|<", re.I)


class LogoError(ValueError):
    """A logo that is refused; str() is one sentence for a person (Dutch)."""


def sanitise_logo(raw: bytes) -> tuple[bytes, str, bytes]:
    """Check and clean an uploaded logo: (cleaned bytes, "png"|"jpeg"|"svg", PNG rendition).

    Raises LogoError for anything that is not a PNG, JPEG or SVG of at most 1 MB.
    """
    if len(raw) > MAX_LOGO_BYTES:
        size = format_decimal(round(len(raw) / 1024 / 1024, 1), "0.0")
        raise LogoError(_("Het logo is te groot (%(size)s MB); hoogstens 1 MB.", size=size))
    if not raw:
        raise LogoError(_("Het logobestand is leeg."))
    if raw.startswith(b"\x89PNG\r\n\x1a\n"):
        return _raster(raw, "PNG")
    if raw.startswith(b"\xff\xd8\xff"):
        return _raster(raw, "JPEG")
    if _looks_like_svg(raw):
        svg = sanitise_svg(raw)
        return svg, "svg", svg_to_png(svg)
    raise LogoError(_("Het logo is geen PNG-, JPEG- of SVG-bestand."))


def _looks_like_svg(raw: bytes) -> bool:
    head = raw[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"<") and b"<svg" in raw[:65536]


def _raster(raw: bytes, kind: str) -> tuple[bytes, str, bytes]:
    """Decode with Pillow (that format only), then write a fresh file without metadata."""
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(raw), formats=[kind]) as probe:
                width, height = probe.size
                if width * height > MAX_PIXELS:
                    raise LogoError(
                        _(
                            "Het logo is te groot in beeldpunten (%(width)s × %(height)s); "
                            "hoogstens 4000 × 4000.",
                            width=width,
                            height=height,
                        )
                    )
                probe.verify()  # checks the whole file (CRCs of every chunk for PNG)
            with Image.open(io.BytesIO(raw), formats=[kind]) as image:
                image.load()
                picture = image.copy()
    except LogoError:
        raise
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        raise LogoError(_("Het logo is te groot in beeldpunten; hoogstens 4000 × 4000.")) from exc
    except Exception as exc:  # Pillow raises many kinds for a broken or disguised file
        label = "PNG" if kind == "PNG" else "JPEG"
        raise LogoError(
            _("Het logo is geen geldig %(kind)s-bestand (het kon niet worden gelezen).", kind=label)
        ) from exc
    # sRGB only: PDF/A with an sRGB output intent forbids CMYK images
    has_alpha = picture.mode in ("RGBA", "LA", "PA") or "transparency" in picture.info
    picture = picture.convert("RGBA" if has_alpha and kind == "PNG" else "RGB")
    picture.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    if kind == "PNG":
        picture.save(out, "PNG", optimize=True)
        png = out.getvalue()
        return png, "png", png
    picture.save(out, "JPEG", quality=90)
    png_out = io.BytesIO()
    picture.save(png_out, "PNG")
    return out.getvalue(), "jpeg", png_out.getvalue()


def sanitise_svg(raw: bytes) -> bytes:
    """An SVG rebuilt from the whitelist: no scripts, no entities, nothing outside the logo."""
    if re.search(rb"<!DOCTYPE|<!ENTITY", raw, re.I):
        raise LogoError(_("Het SVG-logo bevat een DOCTYPE of entiteiten; die zijn niet toegestaan."))
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        root = etree.fromstring(raw, parser)
    except etree.XMLSyntaxError as exc:
        raise LogoError(_("Het SVG-logo is geen geldige XML.")) from exc
    if root.tag != f"{{{SVG_NS}}}svg":
        raise LogoError(_("Het SVG-logo heeft geen <svg>-element in de SVG-namespace."))
    clean = _copy(root, [0])
    if not (clean.get("viewBox") or (clean.get("width") and clean.get("height"))):
        raise LogoError(_("Het SVG-logo heeft geen viewBox en geen breedte en hoogte."))
    return etree.tostring(clean, xml_declaration=True, encoding="UTF-8")


def _copy(element: etree._Element, count: list[int]) -> etree._Element:
    """A new element with the allowed attributes and the allowed children, recursively."""
    count[0] += 1
    if count[0] > MAX_SVG_ELEMENTS:
        raise LogoError(
            _("Het SVG-logo heeft te veel elementen (hoogstens %(limit)s).", limit=MAX_SVG_ELEMENTS)
        )
    local = etree.QName(element).localname
    out = etree.Element(f"{{{SVG_NS}}}{local}", nsmap={None: SVG_NS} if local == "svg" else None)
    for name, value in element.attrib.items():
        qname = etree.QName(name)
        attribute = qname.localname
        if qname.namespace not in (None, XLINK_NS) or attribute not in SVG_ATTRIBUTES:
            continue
        if qname.namespace == XLINK_NS and attribute != "href":
            continue
        if attribute == "href":
            if re.fullmatch(r"#[A-Za-z_][\w.-]*", value.strip()) and local == "use":
                out.set("href", value.strip())
            continue
        if _EXTERNAL_URL.search(value) or (attribute == "style" and _UNSAFE_STYLE.search(value)):
            continue
        out.set(attribute, value)
    if local in ("text", "tspan", "title", "desc"):
        out.text = element.text
    for child in element:
        if not isinstance(child.tag, str):  # comments and processing instructions
            continue
        qname = etree.QName(child)
        if qname.namespace == SVG_NS and qname.localname in SVG_ELEMENTS and qname.localname != "svg":
            copied = _copy(child, count)
            # text after a nested tspan stays text; elsewhere whitespace between elements goes
            copied.tail = child.tail if local in ("text", "tspan") else None
            out.append(copied)
    return out


def svg_to_png(svg: bytes) -> bytes:
    """A PNG rendition of a sanitised SVG (for DOCX), drawn without fetching anything."""
    from cairosvg.surface import PNGSurface

    def refuse(url: str, resource_type: str) -> bytes:
        # cairosvg asks for "#id" it cannot find in the tree; the answer is always nothing
        return b'<svg xmlns="http://www.w3.org/2000/svg"/>'

    try:
        png = PNGSurface.convert(
            bytestring=svg, url_fetcher=refuse, unsafe=False, output_width=PNG_SIDE, background_color=None
        )
    except LogoError:
        raise
    except Exception as exc:
        raise LogoError(_("Het SVG-logo kon niet worden getekend.")) from exc
    return png
