"""The secretariat web: meetings by form and by file, links with QR codes, table cards.

CSRF stays on (as in production): every POST carries the token from the page, the way a
browser sends it, and forms are submitted with the values the page itself rendered.
"""

from __future__ import annotations

import html
import io
import json
import re
import shutil
import subprocess
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest
from sqlalchemy import func, select

from facilitator import meeting_data, operations, sessionfile
from facilitator.extensions import db
from facilitator.models import AccessToken, Meeting

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


@pytest.fixture
def logged_in(client, make_user):
    """A client logged in through the login form, CSRF on (conftest's version posts without a token)."""
    name, password = make_user()
    assert login(client, name, password).status_code == 302
    return client


@pytest.fixture
def ser(import_session) -> str:
    """The SER meeting of 27 January 2023 with its reports and entries; its slug."""
    return import_session(SER)


# -- access: login and CSRF -----------------------------------------------------------------


def _get_urls(slug: str) -> list[str]:
    base = f"/secretariaat/vergaderingen/{slug}"
    return [
        "/secretariaat/",
        NEW,
        IMPORT,
        base,
        f"{base}/bewerken",
        f"{base}/links",
        f"{base}/links.json",
        f"{base}/sessiebestand.toml",
        f"{base}/tafelkaarten.pdf",
    ]


def _post_urls(slug: str) -> list[str]:
    base = f"/secretariaat/vergaderingen/{slug}"
    return [
        NEW,
        IMPORT,
        f"{base}/bewerken",
        f"{base}/links/scherm/vernieuwen",
        f"{base}/links/deelnemer/1/vernieuwen",
        "/secretariaat/uitloggen",
    ]


def test_every_page_sends_an_anonymous_caller_to_login(client, ser):
    for url in _get_urls(ser):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.headers["Location"] == f"{LOGIN}?next={url}?", url


def test_every_post_refuses_an_anonymous_caller_and_changes_nothing(app, client, ser):
    before_links, before_count = links_of(app, ser), meeting_count(app)
    token = csrf_token(client, LOGIN)  # a valid token: it is the login that is missing
    for url in _post_urls(ser):
        response = client.post(
            url,
            data={**new_meeting_data(), "csrf_token": token, "file": (io.BytesIO(SMALL.encode()), "s.toml")},
            content_type="multipart/form-data",
        )
        assert response.status_code == 403, url
    assert links_of(app, ser) == before_links
    assert meeting_count(app) == before_count
    with app.app_context():
        assert operations.get_meeting(ser).title == "Raad, nr. 746"


def test_posts_without_csrf_token_are_refused(app, logged_in, ser):
    before = links_of(app, ser)
    assert logged_in.post(NEW, data=new_meeting_data()).status_code == 400
    assert logged_in.post(f"/secretariaat/vergaderingen/{ser}/links/scherm/vernieuwen").status_code == 400
    assert logged_in.post(IMPORT, data={"file": (io.BytesIO(SMALL.encode()), "s.toml")}).status_code == 400
    wrong = {**new_meeting_data(), "csrf_token": "not-a-token"}
    assert logged_in.post(NEW, data=wrong).status_code == 400
    assert meeting_count(app) == 1
    assert links_of(app, ser) == before


# -- pages ----------------------------------------------------------------------------------


def test_meeting_list_links_to_meetings_new_and_import(logged_in, ser):
    page = logged_in.get("/secretariaat/").get_data(as_text=True)
    assert f'href="/secretariaat/vergaderingen/{ser}"' in page and "Raad, nr. 746" in page
    assert f'href="{NEW}"' in page and "Nieuwe vergadering" in page
    assert f'href="{IMPORT}"' in page and "Sessiebestand importeren" in page
    assert "27 januari 2023" in page


def test_pages_have_one_h1_no_inline_style_or_script_and_a_logout_button(logged_in, ser):
    for url in _get_urls(ser)[:6]:
        page = logged_in.get(url).get_data(as_text=True)
        assert page.count("<h1") == 1, url
        assert "<style" not in page and " style=" not in page, url
        for script in re.findall(r"<script[^>]*>", page):
            assert " src=" in script, url
        assert "Uitloggen</button>" in page, url
        assert 'href="/static/css/secretariat.css"' in page, url
        assert logged_in.get(url).headers["Cache-Control"] == "no-store"


def test_meeting_page_leads_to_everything_the_secretariat_does(logged_in, ser):
    page = logged_in.get(f"/secretariaat/vergaderingen/{ser}").get_data(as_text=True)
    base = f"/secretariaat/vergaderingen/{ser}"
    for href in ("bewerken", "links", "tafelkaarten.pdf", "sessiebestand.toml"):
        assert f'href="{base}/{href}"' in page, href
    assert "Voorbereiding" in page and "Economisch · Sociaal · Ecologisch" in page
    assert "Tafel 6" in page and "Van der Tak" in page


def test_unknown_meeting_is_404(logged_in):
    for url in _get_urls("bestaat-niet-2020-01-01")[3:]:
        assert logged_in.get(url).status_code == 404, url


def test_unknown_meeting_is_404_on_annex_curation_and_chair_pages(logged_in):
    """The annex, curation and chair pages of a meeting that does not exist: 404, as the meeting page."""
    base = "/secretariaat/vergaderingen/bestaat-niet-2020-01-01"
    for url in (f"{base}/bijlage", f"{base}/tafels/1/", f"{base}/voorzitter"):
        assert logged_in.get(url).status_code == 404, url
    assert post(logged_in, f"{base}/bijlage", {"format": "md"}).status_code == 404
    assert post(logged_in, f"{base}/links/scherm/vernieuwen").status_code == 404


# -- create by form -------------------------------------------------------------------------


def test_new_meeting_form_starts_with_the_default_template(logged_in):
    page = logged_in.get(NEW).get_data(as_text=True)
    values = form_values(page)
    assert values["bollen"] == "economisch = Economisch\nsociaal = Sociaal\necologisch = Ecologisch"
    assert values["tables-0-number"] == "1"
    assert '<label for="title">Titel</label>' in page
    assert '<label for="tables-0-participants">Deelnemers</label>' in page


def test_create_meeting_by_form(app, logged_in):
    response = post(logged_in, NEW, new_meeting_data())
    assert response.status_code == 302
    slug = "raad-nr-750-2024-06-14"
    assert response.headers["Location"] == f"/secretariaat/vergaderingen/{slug}"
    with app.app_context():
        meeting = operations.get_meeting(slug)
        assert meeting.questions == ["Wat betekent het?", "Wat doen we eraan?"]
        assert meeting.round_minutes == 30 and meeting.feedback_order == [2, 1]
        assert meeting.annex_title == meeting_data.DEFAULT_ANNEX_TITLE
        assert meeting.template_dict() == {
            "bollen": [
                {"key": "economisch", "label": "Economisch"},
                {"key": "sociaal", "label": "Sociaal"},
                {"key": "veiligheid", "label": "Veiligheid"},
            ],
            "horizons": [{"key": "hier-en-nu", "label": "Hier en nu"}, {"key": "later", "label": "Later"}],
        }
        assert [t.number for t in meeting.tables] == [1, 2]  # the empty spare row is skipped
        one = meeting.table(1)
        assert one.participant_names == ["Jansen", "De Vries", "El Idrissi"]
        assert (one.leader, one.rapporteur, one.spokesperson) == ("De Vries", "Bakker", "Jansen")
        assert len([t for t in meeting.tokens if t.revoked_at is None]) == 3 + 2 * 2  # screen, chair, minutes
    page = logged_in.get(response.headers["Location"]).get_data(as_text=True)
    assert "Vergadering „Raad, nr. 750” aangemaakt." in page


def test_invalid_form_shows_the_importers_errors_next_to_the_fields(app, logged_in):
    data = new_meeting_data(
        title="   ",
        **{"tables-0-leader": "Onbekend", "bollen": "economisch = Economisch", "tables-1-number": "1"},
    )
    response = post(logged_in, NEW, data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "mag niet leeg zijn" in field_errors(page, "title")
    assert "moet 2 tot 8 items hebben, heeft er 1" in field_errors(page, "bollen")
    assert "komt twee keer voor (ook in tafel 1)" in field_errors(page, "tables-1-number")
    # the very sentence the session-file importer gives for the same mistake
    with pytest.raises(sessionfile.SessionFileError) as error:
        sessionfile.validate(
            {
                "format": 1,
                "meeting": {"title": "x", "date": date(2024, 1, 1)},
                "tables": [{"number": 1, "participants": ["Jansen"], "leader": "Onbekend"}],
            }
        )
    importer_says = error.value.problems[0].split(": ", 1)[1]
    assert importer_says in field_errors(page, "tables-0-leader")
    assert 'aria-invalid="true"' in page and 'id="error-summary"' in page
    assert '<a href="#tables-0-leader">' in page  # the summary leads to the field
    # what was typed is kept
    assert form_values(page)["tables-0-participants"] == data["tables-0-participants"]
    assert meeting_count(app) == 0


def test_fields_the_form_cannot_read_get_their_own_error(app, logged_in):
    data = new_meeting_data(date="morgen", round_minutes="veertig", feedback_order="1, twee")
    page = post(logged_in, NEW, data).get_data(as_text=True)
    assert "Dit is geen datum" in field_errors(page, "date")
    assert "ontbreekt" not in field_errors(page, "date")  # not twice
    assert "heel aantal minuten" in field_errors(page, "round_minutes")
    assert "tafelnummers" in field_errors(page, "feedback_order")
    assert meeting_count(app) == 0


def test_feedback_order_must_name_existing_tables(app, logged_in):
    page = post(logged_in, NEW, new_meeting_data(feedback_order="1, 9")).get_data(as_text=True)
    assert "tafel 9 bestaat niet in deze vergadering" in field_errors(page, "feedback_order")
    assert meeting_count(app) == 0


def test_template_problems_are_put_in_the_forms_words(app, logged_in):
    page = post(
        logged_in, NEW, new_meeting_data(bollen="Eco!nomisch = Economisch\nsociaal = Sociaal")
    ).get_data(as_text=True)
    assert "item 1: sleutel 'Eco!nomisch' moet bestaan uit kleine letters" in field_errors(page, "bollen")
    assert meeting_count(app) == 0


def test_add_table_button_adds_a_numbered_row_without_saving(app, logged_in):
    data = new_meeting_data(add_table="Nog een tafel toevoegen")
    response = post(logged_in, NEW, data)
    assert response.status_code == 200
    values = form_values(response.get_data(as_text=True))
    assert values["tables-3-number"] == "3"
    assert values["tables-0-participants"].startswith("Jansen")
    assert 'id="tables-3-number"' in response.get_data(as_text=True)
    assert meeting_count(app) == 0


# -- edit -----------------------------------------------------------------------------------


def test_edit_keeps_entries_reports_feedback_and_links(app, logged_in, ser):
    url = f"/secretariaat/vergaderingen/{ser}/bewerken"
    with app.app_context():
        meeting = operations.get_meeting(ser)
        before = {
            t.number: (t.report, t.feedback, [e.to_dict() for e in t.live_entries]) for t in meeting.tables
        }
    links_before = links_of(app, ser)
    values = form_values(logged_in.get(url).get_data(as_text=True))
    # the correction of the minutes: at table four Mrs Van de Ven sat for the entrepreneurs
    values["tables-3-participants"] += "\nVan de Ven"
    values["title"] = "Raad, nr. 746 (gecorrigeerd)"
    response = post(logged_in, url, values)
    assert response.status_code == 302, field_errors(response.get_data(as_text=True), "title")
    with app.app_context():
        meeting = operations.get_meeting(ser)
        assert meeting.title == "Raad, nr. 746 (gecorrigeerd)"
        assert meeting.table(4).participant_names[-1] == "Van de Ven"
        after = {
            t.number: (t.report, t.feedback, [e.to_dict() for e in t.live_entries]) for t in meeting.tables
        }
    assert after == before
    assert all(report for report, _feedback, _entries in after.values())
    assert links_of(app, ser) == links_before


def test_an_unchanged_edit_exports_the_same_session_file(logged_in, ser):
    export = f"/secretariaat/vergaderingen/{ser}/sessiebestand.toml"
    before = logged_in.get(export).data
    url = f"/secretariaat/vergaderingen/{ser}/bewerken"
    assert post(logged_in, url, form_values(logged_in.get(url).get_data(as_text=True))).status_code == 302
    assert logged_in.get(export).data == before


def test_edit_refuses_to_remove_a_table_with_entries(app, logged_in, ser):
    url = f"/secretariaat/vergaderingen/{ser}/bewerken"
    values = form_values(logged_in.get(url).get_data(as_text=True))
    response = post(logged_in, url, {**values, "tables-1-remove": "y"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Tafel 2 heeft al inbreng" in field_errors(page, "tables-1-remove")
    with app.app_context():
        assert operations.get_meeting(ser).table(2) is not None

    # clearing the row or giving it another number is a removal too
    cleared = {
        k: ("" if k.startswith("tables-1-") and k != "tables-1-original" else v) for k, v in values.items()
    }
    page = post(logged_in, url, cleared).get_data(as_text=True)
    assert "Tafel 2 heeft al inbreng" in page
    renumbered = {**values, "tables-1-number": "9"}
    page = post(logged_in, url, renumbered).get_data(as_text=True)
    assert "Tafel 2 heeft al inbreng" in field_errors(page, "tables-1-number")
    with app.app_context():
        assert [t.number for t in operations.get_meeting(ser).tables] == [1, 2, 3, 4, 5, 6]


def test_edit_refuses_to_drop_a_template_key_that_entries_use(app, logged_in, ser):
    url = f"/secretariaat/vergaderingen/{ser}/bewerken"
    values = form_values(logged_in.get(url).get_data(as_text=True))
    values["bollen"] = "economisch = Economie\nsociaal = Sociaal"  # relabel is fine, dropping is not
    values["horizons"] = "hier-en-nu = Nu\nlater = Later"
    page = post(logged_in, url, values).get_data(as_text=True)
    assert "„ecologisch” wordt gebruikt door inbreng" in field_errors(page, "bollen")
    assert "„elders” wordt gebruikt door inbreng" in field_errors(page, "horizons")
    with app.app_context():
        assert [b.key for b in operations.get_meeting(ser).bollen] == ["economisch", "sociaal", "ecologisch"]


def test_edit_removes_an_empty_table_and_its_links(app, logged_in, import_session):
    slug = import_session(SMALL)
    old = links_of(app, slug)["tables"]["2"]["participant"]["url"]
    assert logged_in.get(path_of(old)).status_code == 200
    url = f"/secretariaat/vergaderingen/{slug}/bewerken"
    values = form_values(logged_in.get(url).get_data(as_text=True))
    assert post(logged_in, url, {**values, "tables-1-remove": "y"}).status_code == 302
    with app.app_context():
        assert [t.number for t in operations.get_meeting(slug).tables] == [1]
    assert logged_in.get(path_of(old)).status_code == 404


# -- import and export ----------------------------------------------------------------------


def upload(client, raw: bytes, name: str = "sessie.toml"):
    """Upload a session file through the import form."""
    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart

    # encoded in memory: the test client would spool a large body to a file it never closes
    fields = {"csrf_token": csrf_token(client, IMPORT), "file": FileStorage(io.BytesIO(raw), name)}
    boundary, body = encode_multipart(fields)
    return client.post(IMPORT, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def test_import_a_session_file(app, logged_in):
    response = upload(logged_in, SER.read_bytes())
    assert response.status_code == 302
    assert response.headers["Location"] == "/secretariaat/vergaderingen/raad-nr-746-2023-01-27"
    with app.app_context():
        meeting = operations.get_meeting("raad-nr-746-2023-01-27")
        assert [t.number for t in meeting.tables] == [1, 2, 3, 4, 5, 6]
        assert sum(len(t.live_entries) for t in meeting.tables) == 43


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b'format = 1\n[meeting]\ntitle = "x\n', "bestand (regel 3, kolom"),
        ('format = 1\n[meeting]\ntitle = "Caf\u00e9"\n'.encode("latin-1"), "is geen UTF-8-tekst"),
        (b"# " + b"x" * (sessionfile.MAX_FILE_BYTES + 1), "te groot"),
        (
            b'format = 1\n[meeting]\ntitle = ""\ndate = "gisteren"\n[[tables]]\nnumber = 1\nleader = "Zij"\n',
            "meeting.title (regel 3): mag niet leeg zijn",
        ),
    ],
    ids=["bad-toml", "not-utf8", "over-2mb", "invalid-fields"],
)
def test_import_shows_every_problem_and_writes_nothing(app, logged_in, raw, expected):
    response = upload(logged_in, raw)
    assert response.status_code == 400
    page = html.unescape(response.get_data(as_text=True))
    assert expected in page
    assert "Er is niets opgeslagen." in page
    assert meeting_count(app) == 0


def test_import_lists_all_problem_lines(logged_in):
    raw = b'format = 1\n[meeting]\ntitle = ""\ndate = "gisteren"\n[[tables]]\nnumber = 1\nleader = "Zij"\n'
    with pytest.raises(sessionfile.SessionFileError) as error:
        sessionfile.loads(raw)
    page = html.unescape(upload(logged_in, raw).get_data(as_text=True))
    assert len(error.value.problems) == 3
    for problem in error.value.problems:
        assert problem in page


def test_import_without_a_file_says_so_next_to_the_field(app, logged_in):
    response = post(logged_in, IMPORT, {}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Kies een bestand." in field_errors(response.get_data(as_text=True), "file")


def test_export_download_round_trips(app, logged_in, ser):
    response = logged_in.get(f"/secretariaat/vergaderingen/{ser}/sessiebestand.toml")
    assert response.status_code == 200
    assert response.mimetype == "application/toml"
    assert response.headers["Content-Disposition"] == f"attachment; filename={ser}.toml"
    exported = response.data
    assert sessionfile.loads(exported).tables[3].entries  # everything typed so far is in it

    assert upload(logged_in, exported, f"{ser}.toml").status_code == 302
    again = logged_in.get(f"/secretariaat/vergaderingen/{ser}-2/sessiebestand.toml").data
    assert again == exported
    assert meeting_count(app) == 2


# -- links and QR codes ---------------------------------------------------------------------


def test_links_page_shows_every_link_with_an_svg_qr_code(app, logged_in, ser):
    page = logged_in.get(f"/secretariaat/vergaderingen/{ser}/links").get_data(as_text=True)
    links = links_of(app, ser)
    with app.app_context():
        minutes = operations.link_pair(operations.get_meeting(ser), app.config["PUBLIC_URL"], "minutes")
    urls = [links["screen"]["url"], links["chair"]["url"], minutes["url"]]
    urls += [pair[role]["url"] for pair in links["tables"].values() for role in ("rapporteur", "participant")]
    assert len(urls) == 15
    for url in urls:
        assert f'value="{url}"' in page  # copy-friendly text with a label
    assert page.count("<svg") == len(urls)
    assert page.count("<title>QR-code: ") == len(urls)
    assert page.count("Nieuwe link maken<span") == len(urls)
    assert '<label for="link-deelnemer-3-url">Link</label>' in page
    assert page.count('id="csrf_token"') == 0  # many small forms, no duplicate ids
    loaded = re.findall(r'<(?:script|img|link)[^>]*(?:src|href)="([^"]+)"', page)
    assert loaded and all(url.startswith("/static/") for url in loaded), "QR codes come from no other site"


def test_qr_code_encodes_the_link():
    from facilitator.secretariat.qr import qr_svg

    svg = str(qr_svg("http://127.0.0.1:5000/deelnemer/abc", "QR-code: <tafel>"))
    assert svg.startswith("<svg") and "<title>QR-code: &lt;tafel&gt;</title>" in svg
    assert "style=" not in svg


def test_rotating_a_link_stops_the_old_one_at_once(app, logged_in, ser):
    before = links_of(app, ser)
    old = before["tables"]["3"]["participant"]
    assert logged_in.get(path_of(old["url"])).status_code == 200
    # press the button on the page: it asks first; then the confirmation's form, its own CSRF token
    page = logged_in.get(f"/secretariaat/vergaderingen/{ser}/links").get_data(as_text=True)
    card = page[page.index('id="link-deelnemer-3"') :]
    confirm_url = re.search(r'<p class="rotate"><a [^>]*href="([^"]+)"', card).group(1)
    card = logged_in.get(confirm_url).get_data(as_text=True)
    action = re.search(r'<form method="post" class="rotate"\s+action="([^"]+)"', card).group(1)
    assert action == f"/secretariaat/vergaderingen/{ser}/links/deelnemer/3/vernieuwen"
    response = logged_in.post(action, data={"csrf_token": CSRF_RE.search(card).group(1)})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/secretariaat/vergaderingen/{ser}/links#link-deelnemer-3"
    page = logged_in.get(response.headers["Location"]).get_data(as_text=True)
    assert "Nieuwe link gemaakt voor Tafel 3: deelnemers. De oude link werkt niet meer." in page

    after = logged_in.get(f"/secretariaat/vergaderingen/{ser}/links.json").get_json()
    new = after["tables"]["3"]["participant"]
    assert new["token"] != old["token"]
    assert logged_in.get(path_of(old["url"])).status_code == 404
    assert logged_in.get(path_of(new["url"])).status_code == 200
    # nothing else changed
    before["tables"]["3"]["participant"] = new
    assert after == before
    page = logged_in.get(f"/secretariaat/vergaderingen/{ser}/links").get_data(as_text=True)
    assert new["url"] in page and old["url"] not in page


def test_rotating_the_screen_and_chair_links(app, logged_in, ser):
    before = links_of(app, ser)
    for role, slug in (("screen", "scherm"), ("chair", "voorzitter")):
        assert (
            post(logged_in, f"/secretariaat/vergaderingen/{ser}/links/{slug}/vernieuwen").status_code == 302
        )
        assert logged_in.get(path_of(before[role]["url"])).status_code == 404
        assert logged_in.get(path_of(links_of(app, ser)[role]["url"])).status_code == 200
    with app.app_context():
        revoked = (
            db.session.execute(select(AccessToken).where(AccessToken.revoked_at.is_not(None))).scalars().all()
        )
        assert {t.role for t in revoked} == {"screen", "chair"}


def test_rotating_an_unknown_role_or_table_is_404(app, logged_in, ser):
    before = links_of(app, ser)
    base = f"/secretariaat/vergaderingen/{ser}/links"
    assert post(logged_in, f"{base}/baas/vernieuwen").status_code == 404
    assert post(logged_in, f"{base}/deelnemer/99/vernieuwen").status_code == 404
    assert post(logged_in, f"{base}/deelnemer/vernieuwen").status_code == 404  # a table role needs a table
    assert links_of(app, ser) == before


def test_links_json_is_the_cli_links(app, logged_in, ser, runner):
    served = logged_in.get(f"/secretariaat/vergaderingen/{ser}/links.json").get_json()
    printed = json.loads(runner.invoke(args=["session", "links", ser]).output)
    assert served == printed == links_of(app, ser)


# -- table cards ----------------------------------------------------------------------------


def test_table_cards_pdf_has_one_page_per_table(app, logged_in, ser, tmp_path):
    response = logged_in.get(f"/secretariaat/vergaderingen/{ser}/tafelkaarten.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == f"attachment; filename=tafelkaarten-{ser}.pdf"
    assert response.data.startswith(b"%PDF")
    pages = pdf_text(response.data, tmp_path).split("\f")
    pages = [p for p in pages if p.strip()]
    assert len(pages) == 6
    links = links_of(app, ser)
    for number, page in enumerate(pages, start=1):
        flat = " ".join(page.split())
        assert f"Tafel {number}" in flat and "Raad, nr. 746" in flat
        assert "Scan om inbreng toe te voegen" in flat
        assert "verslaglegger" in flat
        assert path_of(links["tables"][str(number)]["participant"]["url"]).split("/")[-1] in flat.replace(
            " ", ""
        )


def test_card_renderer_fetches_only_data_urls(app, logged_in, import_session, monkeypatch, tmp_path):
    from facilitator.secretariat import cards

    hostile = SMALL.replace(
        'title = "Kleine ronde"',
        'title = "<img src=\\"http://127.0.0.1:9/x.png\\"><link rel=stylesheet href=\\"file:///etc/passwd\\">"',
    )
    slug = import_session(hostile)
    # the cards are rendered in the render child, which reports what its fetcher loaded
    results = []
    original = cards.child.run

    def recording(*args, **kwargs):
        results.append(original(*args, **kwargs))
        return results[-1]

    monkeypatch.setattr(cards.child, "run", recording)
    response = logged_in.get(f"/secretariaat/vergaderingen/{slug}/tafelkaarten.pdf")
    assert response.status_code == 200
    fetched = results[0].result["fetched"]
    assert fetched and all(url.startswith("data:image/svg+xml") for url in fetched)
    assert '<imgsrc="http://127.0.0.1:9/x.png">' in "".join(pdf_text(response.data, tmp_path).split())


def test_card_fetcher_refuses_everything_but_data_and_static_files(app):
    from facilitator.secretariat.cards import StaticOnlyFetcher

    static = Path(app.static_folder)
    fetcher = StaticOnlyFetcher(static)
    assert fetcher.fetch("data:text/plain,hallo").read() == b"hallo"
    css = fetcher.fetch((static / "css" / "app.css").as_uri())
    assert css.read() == (static / "css" / "app.css").read_bytes()
    assert css.content_type == "text/css"
    refused = [
        "http://127.0.0.1:9/x.png",
        "https://example.org/font.woff",
        "ftp://example.org/x",
        "file:///etc/passwd",
        (static / ".." / "facilitator" / "config.py").as_uri(),
        static.as_uri() + "/%2e%2e/facilitator/config.py",
        "file://evil.example" + str(static / "css" / "app.css"),
        static.as_uri() + "/css/",
        "/etc/passwd",
    ]
    for url in refused:
        with pytest.raises(ValueError):
            fetcher.fetch(url)


# -- user text is data ----------------------------------------------------------------------


def test_user_text_is_escaped_on_every_page(app, logged_in, import_session, tmp_path):
    evil_session = SMALL.replace('"Kleine ronde"', json.dumps(EVIL)).replace('"Aa"', json.dumps("<b>Aa</b>"))
    slug = import_session(evil_session)
    base = f"/secretariaat/vergaderingen/{slug}"
    for url in ["/secretariaat/", base, f"{base}/bewerken", f"{base}/links"]:
        page = logged_in.get(url).get_data(as_text=True)
        assert EVIL not in page and "<b>Aa</b>" not in page, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page, url
    # the form re-shows a rejected title escaped too
    page = post(logged_in, NEW, new_meeting_data(title=EVIL, date="")).get_data(as_text=True)
    assert EVIL not in page and "&lt;script&gt;" in page
    # after a rotation the flash names the link, not the meeting
    post(logged_in, f"{base}/links/verslag/1/vernieuwen")
    assert EVIL not in logged_in.get(f"{base}/links").get_data(as_text=True)
    # in the PDF the title is plain text
    pdf = logged_in.get(f"{base}/tafelkaarten.pdf").data
    assert EVIL in "".join(pdf_text(pdf, tmp_path).split())


def test_import_of_a_deeply_nested_file_is_a_clear_problem_not_a_500(app, logged_in):
    raw = b"format = 1\nx = " + b"[" * 5000 + b"]" * 5000 + b"\n"
    response = upload(logged_in, raw)
    assert response.status_code == 400
    page = html.unescape(response.get_data(as_text=True))
    assert "bestand (regel 2): te diep genest" in page
    assert "Er is niets opgeslagen." in page
    assert meeting_count(app) == 0


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("title", "Raad\ufffe", "niet-teken (U+FFFE)"),
        ("place", "Den\x07Haag", "stuurteken (U+0007)"),
        ("questions", "Wat\uffff?", "niet-teken (U+FFFF)"),
        ("tables-0-participants", "Jansen\r\nDe\ufdd0Vries", "niet-teken (U+FDD0)"),
        ("tables-0-rapporteur", "Bak\x0bker", "stuurteken (U+000B)"),
    ],
)
def test_meeting_form_refuses_characters_no_document_can_hold(app, logged_in, field, value, expected):
    response = post(logged_in, NEW, new_meeting_data(**{field: value}))
    assert response.status_code == 400
    assert expected in html.unescape(response.get_data(as_text=True))
    assert meeting_count(app) == 0


def test_table_cards_are_rendered_in_the_render_child_not_the_server(app, logged_in, ser, monkeypatch):
    """WeasyPrint must not run in the server process (it would block every socket meanwhile)."""
    import os

    import weasyprint

    from facilitator.export import child
    from facilitator.secretariat import cards

    def forbidden(*args, **kwargs):
        raise AssertionError("WeasyPrint was called in the server process")

    monkeypatch.setattr(weasyprint, "HTML", forbidden)
    monkeypatch.setattr(cards, "HTML", forbidden, raising=False)
    results = []
    original = child.run

    def recording(*args, **kwargs):
        result = original(*args, **kwargs)
        results.append(result)
        return result

    monkeypatch.setattr(child, "run", recording)
    response = logged_in.get(f"/secretariaat/vergaderingen/{ser}/tafelkaarten.pdf")
    assert response.status_code == 200
    assert response.data.startswith(b"%PDF")
    (result,) = results
    assert result.result["pid"] != os.getpid()
    assert result.result["pages"] == 6


def test_a_failing_card_render_is_a_clear_message(app, logged_in, ser, monkeypatch):
    from facilitator.export import child

    def failing(*args, **kwargs):
        raise child.RenderError("Het opmaken duurde langer dan 300 seconden en is afgebroken.")

    monkeypatch.setattr(child, "run", failing)
    response = logged_in.get(f"/secretariaat/vergaderingen/{ser}/tafelkaarten.pdf")
    assert response.status_code == 302
    page = logged_in.get(response.headers["Location"]).get_data(as_text=True)
    assert "De tafelkaarten konden niet worden gemaakt: Het opmaken duurde langer" in html.unescape(page)


# -- the venue network: links that work in the room, the rapporteur's code apart --------------


def test_table_cards_carry_only_the_participants_code_and_rapporteurs_get_their_own(
    app, logged_in, ser, tmp_path
):
    links = links_of(app, ser)
    cards = logged_in.get(f"/secretariaat/vergaderingen/{ser}/tafelkaarten.pdf")
    flat = "".join(pdf_text(cards.data, tmp_path).split())
    own = logged_in.get(f"/secretariaat/vergaderingen/{ser}/verslagkaarten.pdf")
    assert own.status_code == 200
    assert own.headers["Content-Disposition"] == f"attachment; filename=verslagkaarten-{ser}.pdf"
    pages = [p for p in pdf_text(own.data, tmp_path).split("\f") if p.strip()]
    assert len(pages) == 6
    for number, page in enumerate(pages, start=1):
        rapporteur = path_of(links["tables"][str(number)]["rapporteur"]["url"]).split("/")[-1]
        participant = path_of(links["tables"][str(number)]["participant"]["url"]).split("/")[-1]
        assert rapporteur not in flat, f"table {number}'s rapporteur link is on the card everyone sees"
        assert participant in flat
        squeezed = "".join(page.split())
        assert rapporteur in squeezed and participant not in squeezed
        assert "Alleenvoordeverslaglegger" in squeezed
    page = logged_in.get(f"/secretariaat/vergaderingen/{ser}/links").get_data(as_text=True)
    assert f"/secretariaat/vergaderingen/{ser}/verslagkaarten.pdf" in page


def test_links_page_and_cards_warn_when_links_point_at_this_computer(
    app, logged_in, ser, tmp_path, monkeypatch
):
    from facilitator import network

    monkeypatch.setattr(network, "lan_addresses", lambda: ["192.168.1.20"])
    assert app.config["PUBLIC_URL"].startswith("http://127.0.0.1")
    page = logged_in.get(f"/secretariaat/vergaderingen/{ser}/links").get_data(as_text=True)
    assert "Deze links werken alleen op deze computer." in page
    assert "HOST=0.0.0.0 PUBLIC_URL=http://192.168.1.20:5000 make run" in page
    assert "HOST en PUBLIC_URL" in page
    cards = "".join(
        pdf_text(logged_in.get(f"/secretariaat/vergaderingen/{ser}/tafelkaarten.pdf").data, tmp_path).split()
    )
    assert cards.count("Letop:") == 6

    app.config["PUBLIC_URL"] = "http://192.168.1.20:5000"
    page = logged_in.get(f"/secretariaat/vergaderingen/{ser}/links").get_data(as_text=True)
    assert "Deze links werken alleen op deze computer." not in page
    assert "HOST en PUBLIC_URL" in page  # explained either way
    cards = "".join(
        pdf_text(logged_in.get(f"/secretariaat/vergaderingen/{ser}/tafelkaarten.pdf").data, tmp_path).split()
    )
    assert "Letop:" not in cards


def test_lan_addresses_offline_and_with_a_network(monkeypatch):
    import socket

    from facilitator import network

    class Unreachable:
        def __init__(self, *args):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def connect(self, address):
            raise OSError(101, "Network is unreachable")

    def no_host(*args, **kwargs):
        raise socket.gaierror("no name")

    monkeypatch.setattr(network.socket, "socket", Unreachable)
    monkeypatch.setattr(network.socket, "getaddrinfo", no_host)
    assert network.lan_addresses() == []
    config = {"PUBLIC_URL": "http://127.0.0.1:5000", "PORT": 5000, "HOST": "127.0.0.1"}
    lines = network.venue_lines(config)
    assert lines[-1] == "Geen netwerkadres gevonden: deze laptop is nu niet met een netwerk verbonden."
    assert not any("PUBLIC_URL=" in line for line in lines)

    loopback_and_lan = [
        (socket.AF_INET, socket.SOCK_DGRAM, 0, "", ("127.0.1.1", 0)),
        (socket.AF_INET, socket.SOCK_DGRAM, 0, "", ("169.254.3.4", 0)),
        (socket.AF_INET, socket.SOCK_DGRAM, 0, "", ("192.168.1.20", 0)),
    ]
    monkeypatch.setattr(network.socket, "getaddrinfo", lambda *a, **k: loopback_and_lan)
    assert network.lan_addresses() == ["192.168.1.20"]
    assert (
        network.venue_lines(config)[-1]
        == "Voor telefoons in de zaal: HOST=0.0.0.0 PUBLIC_URL=http://192.168.1.20:5000 make run"
    )
    lan = {**config, "PUBLIC_URL": "http://192.168.1.20:5000", "HOST": "0.0.0.0"}
    assert network.venue_lines(lan) == ["Telefoons en laptops in de zaal gebruiken: http://192.168.1.20:5000"]


def test_lan_address_from_the_routing_table_without_sending(monkeypatch):
    from facilitator import network

    sent = []

    class Routed:
        def __init__(self, *args):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def connect(self, address):
            self.address = address

        def getsockname(self):
            return ("10.0.0.7", 40000)

        def send(self, data):  # pragma: no cover - must not happen
            sent.append(data)

    monkeypatch.setattr(network.socket, "socket", Routed)
    monkeypatch.setattr(network.socket, "getaddrinfo", lambda *a, **k: [])
    assert network.lan_addresses() == ["10.0.0.7"]
    assert sent == []


def test_make_run_says_which_url_phones_should_use(app, monkeypatch):
    from facilitator import network
    from facilitator.cli import prepare_first_run

    monkeypatch.setattr(network, "lan_addresses", lambda: ["192.168.1.20"])
    monkeypatch.delenv("PUBLIC_URL", raising=False)
    with app.app_context():
        lines = prepare_first_run(app)
    text = "\n".join(lines)
    assert "De links wijzen naar 127.0.0.1: ze werken alleen op deze laptop." in text
    assert "HOST=0.0.0.0 PUBLIC_URL=http://192.168.1.20:5000 make run" in text
