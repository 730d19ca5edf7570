"""What the secretariat tests share: logging in, posting with the CSRF token, reading a form back."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

from sqlalchemy import func, select

from facilitator import operations
from facilitator.extensions import db
from facilitator.models import Meeting

SESSIONS = Path(__file__).resolve().parent.parent / "sessions"
SER = SESSIONS / "ser-raad-2023-01-27.toml"
LOGIN = "/secretariaat/inloggen"
NEW = "/secretariaat/vergaderingen/nieuw"
IMPORT = "/secretariaat/importeren"
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
EVIL = "<script>alert(1)</script>"

SMALL = """
format = 1
[meeting]
title = "Kleine ronde"
date = 2024-05-01
[[tables]]
number = 1
participants = ["Aa", "Bb"]
[[tables]]
number = 2
participants = ["Cc"]
"""


# -- helpers --------------------------------------------------------------------------------


def csrf_token(client, url: str) -> str:
    """The CSRF token on a page (logged-in pages carry it in the logout form)."""
    match = CSRF_RE.search(client.get(url).get_data(as_text=True))
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def login(client, name: str, password: str):
    return client.post(
        LOGIN, data={"name": name, "password": password, "csrf_token": csrf_token(client, LOGIN)}
    )


def post(client, url: str, data: dict | None = None, **kwargs):
    """POST as a browser would: with the CSRF token of the secretariat's pages."""
    token = csrf_token(client, "/secretariaat/")
    return client.post(url, data={**(data or {}), "csrf_token": token}, **kwargs)


class _FormReader(HTMLParser):
    """The fields of one <form id=…> as a browser would submit them (without a button)."""

    def __init__(self, form_id: str):
        super().__init__(convert_charrefs=True)
        self.form_id, self.inside, self.values = form_id, False, {}
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        elif self.inside and tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind == "checkbox":
                if "checked" in a:
                    self.values[a["name"]] = a.get("value", "y")
            elif kind not in ("submit", "button", "file"):
                self.values[a["name"]] = a.get("value", "")
        elif self.inside and tag == "textarea":
            self._textarea = a["name"]
            self.values[self._textarea] = ""

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea:
            # a browser drops the one newline that follows <textarea>
            self.values[self._textarea] = re.sub(r"^\r?\n", "", self.values[self._textarea])
            self._textarea = None
        elif tag == "form":
            self.inside = False


def form_values(page: str, form_id: str = "meeting-form") -> dict[str, str]:
    reader = _FormReader(form_id)
    reader.feed(page)
    assert reader.values, f"no form #{form_id}"
    return reader.values


def field_errors(page: str, field_id: str) -> str:
    """The text of the error list right next to a field (empty when it has none)."""
    match = re.search(rf'<ul class="errors" id="{re.escape(field_id)}-err">(.*?)</ul>', page, re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", match.group(1))) if match else ""


def meeting_count(app) -> int:
    with app.app_context():
        return db.session.execute(select(func.count(Meeting.id))).scalar_one()


def links_of(app, slug: str) -> dict:
    with app.app_context():
        return operations.links(operations.get_meeting(slug), app.config["PUBLIC_URL"])


def path_of(url: str) -> str:
    return url.removeprefix("http://127.0.0.1:5000")


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    """The PDF's text, pages separated by form feeds (poppler's pdftotext)."""
    assert shutil.which("pdftotext"), "pdftotext (poppler-utils) is needed"
    path = tmp_path / "out.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def new_meeting_data(**overrides) -> dict[str, str]:
    """A valid new-meeting form, as typed by the secretariat."""
    data = {
        "title": "Raad, nr. 750",
        "date": "2024-06-14",
        "start": "10:00",
        "place": "Den Haag",
        "agenda_item": "Brede welvaart",
        "reference": "R/4000",
        "annex_title": "",
        "questions": "Wat betekent het?\r\n\r\nWat doen we eraan?",
        "round_minutes": "30",
        "feedback_order": "2, 1",
        "bollen": "economisch = Economisch\r\nsociaal = Sociaal\r\nVeiligheid",
        "horizons": "hier-en-nu = Hier en nu\r\nlater = Later",
        "tables-0-number": "1",
        "tables-0-participants": "Jansen\r\nDe Vries\r\n  \r\nEl Idrissi",
        "tables-0-leader": "De Vries",
        "tables-0-rapporteur": "Bakker",
        "tables-0-spokesperson": "Jansen",
        "tables-1-number": "2",
        "tables-1-participants": "Pietersen",
        "tables-2-number": "",  # a spare row left empty
    }
    data.update(overrides)
    return data
