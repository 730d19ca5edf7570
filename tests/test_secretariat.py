"""The secretariat web: meetings by form and by file, its pages and their access (the links, QR codes
and table cards: test_secretariat_links.py).

CSRF stays on (as in production): every POST carries the token from the page, the way a
browser sends it, and forms are submitted with the values the page itself rendered.
"""

from __future__ import annotations

import html
import io
import json
import re
from datetime import date

import pytest

from facilitator import meeting_data, operations, sessionfile

from .secretariat_support import (
    EVIL,
    IMPORT,
    LOGIN,
    NEW,
    SER,
    SMALL,
    csrf_token,
    field_errors,
    form_values,
    links_of,
    login,
    meeting_count,
    new_meeting_data,
    path_of,
    pdf_text,
    post,
)


@pytest.fixture
def logged_in(client, make_user):
    """A client logged in through the login form, CSRF on (conftest's version posts without a token)."""
    name, password = make_user()
    assert login(client, name, password).status_code == 302
    return client


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
