"""The house style as plain data, and the rules for its accent colour and name."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from typing import Any

# Flask-Babel (and with it Flask) only when a problem is put into words: the annex's render
# child imports this module through meeting_data and must not pay for Flask.


def _(text: str, **variables: Any) -> str:
    from flask_babel import gettext

    return gettext(text, **variables)


def format_decimal(number: float, decimal_format: str | None = None) -> str:
    from flask_babel import format_decimal as babel_format_decimal

    return babel_format_decimal(number, decimal_format)


ACCENT_RE = re.compile(r"^#[0-9A-Fa-f]{6}$")
# the app's own blue (static/css/app.css): what every annex and screen uses without a style
DEFAULT_ACCENT = "#0b4f8a"
MIN_CONTRAST = 4.5  # WCAG 2 AA for body text
NAME_LIMIT = 200
LOGO_TYPES = {"png": "image/png", "jpeg": "image/jpeg", "svg": "image/svg+xml"}


@dataclass
class StyleData:
    """What an annex and a screen use: all optional; an empty accent means the default.

    ``logo`` is already sanitised (see housestyle.logo) and ``logo_png`` is its raster
    rendition for the formats that cannot show SVG (DOCX); both are None without a logo.
    """

    name: str = ""
    accent: str = ""
    cover: bool = False
    logo: bytes | None = None
    logo_type: str = ""  # png | jpeg | svg
    logo_png: bytes | None = None

    @property
    def accent_or_default(self) -> str:
        """The accent colour to use, lower case."""
        return (self.accent or DEFAULT_ACCENT).lower()

    @property
    def is_empty(self) -> bool:
        """Nothing set: the app's defaults apply."""
        return not (self.name or self.accent or self.cover or self.logo)

    def logo_data_uri(self) -> str:
        """The logo as a data: URI (for the session file and the settings page preview)."""
        if not self.logo:
            return ""
        return f"data:{LOGO_TYPES[self.logo_type]};base64,{base64.b64encode(self.logo).decode('ascii')}"


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def luminance(color: str) -> float:
    """The relative luminance of "#rrggbb" (WCAG 2)."""
    r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast_ratio(first: str, second: str = "#ffffff") -> float:
    """The WCAG contrast ratio of two "#rrggbb" colours (1 to 21)."""
    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def accent_problem(value: str) -> str | None:
    """Why an accent colour cannot be used (one Dutch sentence), or None when it can."""
    if not ACCENT_RE.match(value or ""):
        return _("„%(value)s” is geen kleur in de vorm #RRGGBB (bijvoorbeeld #0B4F8A)", value=value[:20])
    ratio = contrast_ratio(value)
    if ratio < MIN_CONTRAST:
        return _(
            "%(value)s heeft te weinig contrast met wit (%(ratio)s:1, minstens %(minimum)s:1 voor tekst); "
            "kies een donkerdere kleur",
            value=value,
            ratio=format_decimal(round(ratio, 1), "0.0"),
            minimum=format_decimal(MIN_CONTRAST),
        )
    return None


def name_problem(value: str) -> str | None:
    """Why an organisation name cannot be used, or None."""
    if len(value) > NAME_LIMIT:
        return _(
            "de naam is te lang: %(length)s tekens, hoogstens %(limit)s", length=len(value), limit=NAME_LIMIT
        )
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value):
        return _("de naam bevat een regeleinde of stuurteken")
    return None
