"""The session file's optional ``[style]`` section: read (validated) and written.

    [style]
    name = "Sociaal-Economische Raad"
    accent = "#0B4F8A"
    cover = true
    logo = "data:image/svg+xml;base64,…"   # PNG, JPEG or SVG, at most 1 MB

The logo is checked and cleaned exactly as an upload is (housestyle.logo).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from typing import Any

from flask_babel import gettext as _

from .logo import LogoError, sanitise_logo
from .style import LOGO_TYPES, StyleData, accent_problem, name_problem

FIELDS = ("name", "accent", "cover", "logo")
_DATA_URI = re.compile(r"^data:(image/(?:png|jpeg|svg\+xml));base64,([A-Za-z0-9+/=\s]*)$")

Problem = Callable[[tuple[Any, ...], str], None]


def read_section(raw: Any, problem: Problem) -> StyleData | None:
    """The [style] section as StyleData (None when absent); each problem reported once, in Dutch."""
    if raw is None:
        return None
    path: tuple[Any, ...] = ("style",)
    if not isinstance(raw, dict):
        problem(path, _("moet een sectie [style] zijn"))
        return None
    for key in raw:
        if key not in FIELDS:
            problem(
                path + (key,),
                _("onbekend veld (tikfout?); toegestaan: %(allowed)s", allowed=", ".join(sorted(FIELDS))),
            )
    style = StyleData()
    name = raw.get("name", "")
    if not isinstance(name, str):
        problem(path + ("name",), _("moet tekst zijn (tussen aanhalingstekens)"))
    elif message := name_problem(name.strip()):
        problem(path + ("name",), message)
    else:
        style.name = name.strip()
    accent = raw.get("accent")
    if accent is not None:
        if not isinstance(accent, str):
            problem(path + ("accent",), _('moet tekst zijn, bijv. accent = "#0B4F8A"'))
        elif message := accent_problem(accent.strip()):
            problem(path + ("accent",), message)
        else:
            style.accent = accent.strip().lower()
    cover = raw.get("cover", False)
    if not isinstance(cover, bool):
        problem(path + ("cover",), _("moet true of false zijn"))
    else:
        style.cover = cover
    logo = raw.get("logo")
    if logo is not None:
        match = _DATA_URI.match(logo) if isinstance(logo, str) else None
        if match is None:
            problem(
                path + ("logo",),
                _('moet een data-URI zijn: "data:image/png;base64,…" (ook image/jpeg of image/svg+xml)'),
            )
        else:
            try:
                content = base64.b64decode("".join(match.group(2).split()), validate=True)
                style.logo, style.logo_type, style.logo_png = sanitise_logo(content)
            except binascii.Error:
                problem(path + ("logo",), _("de base64-gegevens van het logo zijn beschadigd"))
            except LogoError as exc:
                problem(path + ("logo",), str(exc).rstrip("."))
            else:
                declared = match.group(1)
                if LOGO_TYPES[style.logo_type] != declared:
                    problem(
                        path + ("logo",),
                        _(
                            "het logo is %(kind)s, niet %(declared)s",
                            kind=style.logo_type.upper(),
                            declared=declared,
                        ),
                    )
    return style


def write_section(style: StyleData) -> dict[str, Any]:
    """The [style] section of a session file."""
    out: dict[str, Any] = {}
    if style.name:
        out["name"] = style.name
    if style.accent:
        out["accent"] = style.accent
    out["cover"] = style.cover
    if style.logo:
        out["logo"] = style.logo_data_uri()
    return out
