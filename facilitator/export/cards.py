"""The table cards' HTML, made in the render child: QR codes and template, from plain data.

Everything CPU-heavy about the cards happens in the child (export/render.py: ``render_cards``),
never in the server process: a QR code takes about 6.5 ms, two per table, and a 100-table
meeting's template some 50 ms more; the server only loads the meeting and its links
(secretariat/cards.py: ``card_data``) and waits on the child's pipe.

Needs no app and no request: its own Jinja environment, set up as Flask's is for
templates/cards/ (autoescape for .html, the i18n extension), so the HTML is the one the
server used to render; ``_()`` speaks the meeting's language (the "annex" domain).
"""

from __future__ import annotations

import copy
import functools
from typing import Any

import jinja2

from ..qr import qr_data_uri
from .annex import cleaned
from .fonts import REPO_ROOT
from .language import supported, template_gettext

KINDS = ("table", "rapporteur")
LINKS = ("participant_link", "rapporteur_link")


@functools.lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The cards' Jinja environment: Flask's autoescaping and the i18n extension."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(REPO_ROOT / "templates")),
        autoescape=jinja2.select_autoescape(["html", "htm", "xml", "xhtml", "svg"]),
        extensions=["jinja2.ext.i18n"],
    )
    # each render passes the meeting's gettext; these only make _() resolvable
    env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]  # added by the extension
    return env


def with_codes(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` (secretariat/cards.py's ``card_data``) with each link's QR code as a data: URI."""
    data = copy.deepcopy(data)
    for table in data["tables"]:
        for key in LINKS:
            table[key]["qr"] = qr_data_uri(table[key]["url"])
    return data


def cards_html(data: dict[str, Any], kind: str = "table") -> str:
    """The cards of one kind as HTML for WeasyPrint: the table cards, or a card per rapporteur."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind of card {kind!r}")
    lang = supported(data.get("lang"))
    template = environment().get_template("cards/cards.html")
    return template.render(kind=kind, gettext=template_gettext(lang), **cleaned(with_codes(data)))
