"""Printable table cards: one page per table with the QR codes of its links.

The template gets plain data, never ORM objects; WeasyPrint runs in the annex's render
child (export/child.py), never in the server process, and may load nothing but data: URLs
and the app's own static files: whatever a user typed cannot make it fetch a file or a URL.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from flask import current_app, render_template

from .. import operations
from ..export import child
from ..export.annex import cleaned, format_date
from ..export.fetcher import StaticOnlyFetcher
from ..export.language import supported, template_gettext
from ..models import Meeting
from ..network import is_local_only
from .qr import qr_data_uri

__all__ = ["StaticOnlyFetcher", "card_data", "render_cards_pdf"]


def _link(url: str) -> dict[str, str]:
    return {"url": url, "qr": qr_data_uri(url)}


def card_data(meeting: Meeting, public_url: str) -> dict[str, Any]:
    """What the cards show, as plain data: the meeting and per table its people and links.

    In the meeting's language (``lang``), like the annex: the cards lie on the tables.
    """
    links = operations.links(meeting, public_url)
    lang = supported(meeting.language)
    return {
        "lang": lang,
        "meeting": {
            "title": meeting.title,
            "date": format_date(meeting.date, lang, long=False),
            "place": meeting.place or "",
        },
        # links to 127.0.0.1 or 0.0.0.0 work on no phone: every card says so
        "local_only": is_local_only(public_url),
        "tables": [
            {
                "number": table.number,
                "participants": table.participant_names,
                "leader": table.leader or "",
                "rapporteur": table.rapporteur or "",
                "participant_link": _link(links["tables"][str(table.number)]["participant"]["url"]),
                "rapporteur_link": _link(links["tables"][str(table.number)]["rapporteur"]["url"]),
            }
            for table in meeting.tables
        ],
    }


def render_cards_pdf(data: dict[str, Any], kind: str = "table") -> bytes:
    """The cards as PDF bytes, from ``card_data``, made in the render child: the table cards (the
    participants' code only: every participant sees them), or ``kind="rapporteur"``, a card per
    rapporteur.

    WeasyPrint never runs in the server process (it would hold up every connection for the
    seconds a render takes); the child has the annex's time and memory limits. Raises
    child.RenderError with one sentence for a person.
    """
    from ..export.service import limits

    # the template's _() speaks the meeting's language (the "annex" domain), not the visitor's
    lang = supported(data.get("lang"))
    html = render_template("cards/cards.html", kind=kind, gettext=template_gettext(lang), **cleaned(data))
    static_dir = Path(current_app.static_folder or "static").resolve()
    timeout, memory_mb = limits()
    with tempfile.TemporaryDirectory(prefix="facilitator-cards-") as tmp:
        out = Path(tmp) / "kaarten.pdf"
        child.run(
            {"format": "cards", "html": html, "static_dir": str(static_dir)},
            out,
            timeout=timeout,
            memory_mb=memory_mb,
            keep_spare=bool(current_app.config.get("ANNEX_PRESTART", True)),
        )
        return out.read_bytes()
