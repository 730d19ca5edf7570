"""Printable table cards: one page per table with the QR codes of its links.

The server process only loads the meeting and its links as plain data (``card_data``, a few
queries) and waits, cooperatively, on the annex's render child (export/child.py). The child
makes the QR codes, the HTML (export/cards.py) and the PDF (WeasyPrint); the server never
imports WeasyPrint, whose import alone holds a process for about 0.6 s. WeasyPrint may load
nothing but data: URLs and the app's own static files: whatever a user typed cannot make it
fetch a file or a URL.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import operations
from ..export import child
from ..export.annex import format_date
from ..export.language import supported
from ..extensions import db
from ..models import Meeting, RoundTable
from ..network import is_local_only

__all__ = ["card_data", "render_cards_pdf"]


def card_data(meeting: Meeting, public_url: str) -> dict[str, Any]:
    """What the cards show, as plain data: the meeting and per table its people and links.

    In the meeting's language (``lang``), like the annex: the cards lie on the tables. The
    QR codes are made from the links' URLs in the render child (export/cards.py).
    """
    # the tables' participants and the tokens in two queries, not one per table
    db.session.execute(
        select(Meeting)
        .where(Meeting.id == meeting.id)
        .options(
            selectinload(Meeting.tables).selectinload(RoundTable.participants), selectinload(Meeting.tokens)
        )
    ).scalar_one()
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
                "participant_link": {"url": links["tables"][str(table.number)]["participant"]["url"]},
                "rapporteur_link": {"url": links["tables"][str(table.number)]["rapporteur"]["url"]},
            }
            for table in meeting.tables
        ],
    }


def render_cards_pdf(data: dict[str, Any], kind: str = "table") -> bytes:
    """The cards as PDF bytes, from ``card_data``, made in the render child: the table cards (the
    participants' code only: every participant sees them), or ``kind="rapporteur"``, a card per
    rapporteur.

    QR codes, HTML and WeasyPrint never run in the server process (they would hold up every
    connection for the seconds a 100-table meeting takes); the child has the annex's time and
    memory limits. Raises child.RenderError with one sentence for a person.
    """
    from ..export.service import limits

    static_dir = Path(current_app.static_folder or "static").resolve()
    timeout, memory_mb = limits()
    with tempfile.TemporaryDirectory(prefix="facilitator-cards-") as tmp:
        out = Path(tmp) / "kaarten.pdf"
        child.run(
            {"format": "cards", "cards": data, "kind": kind, "static_dir": str(static_dir)},
            out,
            timeout=timeout,
            memory_mb=memory_mb,
            keep_spare=bool(current_app.config.get("ANNEX_PRESTART", True)),
        )
        return out.read_bytes()
