"""Printable table cards: one page per table with the QR codes of its links (WeasyPrint).

The template gets plain data, never ORM objects, and WeasyPrint may load nothing but
data: URLs and the app's own static files: whatever a user typed cannot make it fetch
a file or a URL.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from flask import current_app, render_template
from flask_babel import format_date
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse, path2url

from .. import operations
from ..models import Meeting
from ..network import is_local_only
from .qr import qr_data_uri


class StaticOnlyFetcher(URLFetcher):
    """A URL fetcher that serves data: URLs and files under one static folder, and refuses the rest."""

    def __init__(self, static_dir: str | Path):
        super().__init__(timeout=2, allowed_protocols=("data",), allow_redirects=False)
        self.static_dir = Path(static_dir).resolve()

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        """The resource, or ValueError for anything outside data: and the static folder."""
        scheme = url.partition(":")[0].lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme == "file":
            path = self.static_path(url)
            if path is not None:
                mimetype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mimetype})
        raise ValueError(f"refused to fetch {url[:100]!r}: only data: URLs and the app's static files")

    def static_path(self, url: str) -> Path | None:
        """The file a file: URL names, if it is a regular file inside the static folder."""
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            return None
        path = Path(url2pathname(unquote(parts.path))).resolve()
        if not path.is_relative_to(self.static_dir) or not path.is_file():
            return None
        return path


def _link(url: str) -> dict[str, str]:
    return {"url": url, "qr": qr_data_uri(url)}


def card_data(meeting: Meeting, public_url: str) -> dict[str, Any]:
    """What the cards show, as plain data: the meeting and per table its people and links."""
    links = operations.links(meeting, public_url)
    return {
        "meeting": {
            "title": meeting.title,
            "date": format_date(meeting.date, format="long"),
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
    """The cards as PDF bytes, from ``card_data``: the table cards (the participants' code
    only: every participant sees them), or ``kind="rapporteur"``, a card per rapporteur."""
    html = render_template("cards/cards.html", kind=kind, **data)
    static_dir = Path(current_app.static_folder or "static")
    return HTML(
        string=html,
        base_url=path2url(static_dir.resolve()),
        url_fetcher=StaticOnlyFetcher(static_dir),
    ).write_pdf()
