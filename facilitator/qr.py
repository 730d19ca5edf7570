"""QR codes made here, as SVG, with segno: no external service ever sees a link.

No import of the app: the render child (export/cards.py) makes the table cards' codes with it.
"""

from __future__ import annotations

import segno
from markupsafe import Markup


def _code(url: str) -> segno.QRCode:
    # level M survives a crease or a thumb on a printed card; never a Micro QR (phones cannot read it)
    return segno.make(url, error="m", micro=False)


def qr_svg(url: str, title: str) -> Markup:
    """The QR code of a URL as inline SVG for a page, named by ``title`` for screen readers.

    Sized by CSS (no width/height of its own) and free of style attributes, so a strict
    Content-Security-Policy allows it.
    """
    # a quiet zone of 4 modules, as the standard asks
    svg = _code(url).svg_inline(
        scale=1, border=4, title=title, omitsize=True, light="#fff", svgclass="qr", lineclass=None
    )
    # segno escapes the title; role="img" makes the title the graphic's accessible name
    return Markup(svg.replace("<svg ", '<svg role="img" focusable="false" ', 1))  # noqa: S704


def qr_data_uri(url: str) -> str:
    """The QR code of a URL as an SVG data: URI, for the printed cards."""
    return _code(url).svg_data_uri(scale=1, border=4, omitsize=True, light="#fff")
