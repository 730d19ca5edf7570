"""The audit trail as a records officer meets it: every secretariat action recorded with who,
when, what and from where; a page to read and filter it in Dutch and English; a CSV download
a spreadsheet opens safely; and rows no code path can change or delete."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import delete, select, update

from facilitator import operations
from facilitator.audit.trail import ACTIONS, AppendOnly, record
from facilitator.extensions import db
from facilitator.models import AuditEvent

from .conftest import SESSIONS, csrf_token
from .secretariat_support import form_values, new_meeting_data

DEMO = SESSIONS / "ser-raad-2023-01-27.toml"


def trail(app) -> list[AuditEvent]:
    with app.app_context():
        rows = db.session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars().all()
        db.session.expunge_all()
        return list(rows)


def test_every_secretariat_action_is_in_the_trail_with_who_what_and_where(app, client, make_user, runner):
    name, password = make_user("griffier", "een-goed-wachtwoord")
    token = csrf_token(client)
    assert (
        client.post(
            "/secretariaat/inloggen", data={"name": name, "password": "fout", "csrf_token": token}
        ).status_code
        == 401
    )
    assert (
        client.post(
            "/secretariaat/inloggen", data={"name": name, "password": password, "csrf_token": token}
        ).status_code
        == 302
    )
    token = csrf_token(client, "/secretariaat/")

    def post(url, data=None, **kwargs):
        return client.post(url, data={**(data or {}), "csrf_token": token}, **kwargs)

    # a meeting by form, edited; one imported from a session file
    assert post("/secretariaat/vergaderingen/nieuw", new_meeting_data()).status_code == 302
    made = trail(app)[-1].meeting_slug
    values = form_values(client.get(f"/secretariaat/vergaderingen/{made}/bewerken").get_data(as_text=True))
    values["title"] = "Raad, nr. 750 (gecorrigeerd)"
    assert post(f"/secretariaat/vergaderingen/{made}/bewerken", values).status_code == 302
    response = post(
        "/secretariaat/importeren",
        {"file": (io.BytesIO(DEMO.read_bytes()), "raad.toml")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    slug = response.headers["Location"].rsplit("/", 1)[-1]
    base = f"/secretariaat/vergaderingen/{slug}"
    # exports and links
    assert client.get(f"{base}/sessiebestand.toml").status_code == 200
    assert client.get(f"{base}/links.json").status_code == 200
    assert client.get(f"{base}/terugkoppeling.md").status_code == 200
    assert post(f"{base}/links/deelnemer/2/vernieuwen").status_code == 302
    links = client.get(f"{base}/links").get_data(as_text=True)
    undo = re.search(r'action="(/secretariaat/vergaderingen/[^"]+/links/ongedaan/\d+)"', links).group(1)
    assert post(undo).status_code == 302
    job = post(f"{base}/bijlage", {"format": "md"})
    assert job.status_code == 303
    # curation, the house style, the command line, signing out
    assert (
        post(f"{base}/tafels/3/verslag", {"op": "audit-report-1", "text": "Nieuw verslag."}).status_code
        == 302
    )
    assert (
        post("/secretariaat/huisstijl", {"name": "Sociaal-Economische Raad", "accent": ""}).status_code == 303
    )
    assert runner.invoke(args=["session", "export", slug]).exit_code == 0
    assert post("/secretariaat/uitloggen").status_code == 302

    rows = trail(app)
    assert [r.action for r in rows] == [
        "signin_failed",
        "signin",
        "meeting_created",
        "meeting_edited",
        "meeting_imported",
        "session_exported",
        "links_exported",
        "feedback_exported",
        "link_rotated",
        "link_restored",
        "annex_started",
        "curation_changed",
        "style_changed",
        "session_exported",
        "signout",
    ]
    by_web = [r for r in rows if r.address]
    assert all(r.address == "127.0.0.1" for r in by_web)
    assert rows[0].actor == "griffier" and rows[0].user_id is None  # the attempted name, no account
    assert all(r.actor == "griffier" and r.user_id is not None for r in by_web[1:])
    command_line = rows[-2]
    assert (command_line.actor, command_line.address, command_line.user_id) == ("", "", None)
    assert rows[3].meeting_title == "Raad, nr. 750 (gecorrigeerd)"
    assert rows[4].detail == {"file": "raad.toml", "tables": 6}
    assert rows[8].detail == {"role": "participant", "table": 2} and rows[8].meeting_slug == slug
    assert rows[10].detail["format"] == "md"
    assert rows[11].detail == {"table": 3, "change": "report:set"}


def test_the_page_shows_filters_and_pages_the_trail_in_the_readers_language(app, logged_in, ser):
    with app.test_request_context():
        meeting = operations.get_meeting(ser)
        for n in range(130):
            record("session_exported", meeting, actor=f"iemand-{n}")
        record("signin_failed", actor="<script>alert(1)</script>")
    page = logged_in.get("/secretariaat/logboek").get_data(as_text=True)
    assert "132 regels" in page  # the fixture's sign-in, 130 exports, the failed sign-in
    assert page.count('data-action="') == 100
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Pagina 1 van 2" in page
    second = logged_in.get("/secretariaat/logboek?pagina=2").get_data(as_text=True)
    assert second.count('data-action="') == 32
    only = logged_in.get("/secretariaat/logboek?action=signin_failed&meeting=").get_data(as_text=True)
    assert "1 regel" in only and only.count('data-action="signin_failed"') == 1
    by_meeting = logged_in.get(f"/secretariaat/logboek?meeting={ser}").get_data(as_text=True)
    assert by_meeting.count('data-action="session_exported"') == 100 and "130 regels" in by_meeting
    by_who = logged_in.get("/secretariaat/logboek?actor=IEMAND-12").get_data(as_text=True)
    assert "11 regels" in by_who  # iemand-12 and iemand-120 … 129
    english = logged_in.get("/secretariaat/logboek?lang=en&action=signin").get_data(as_text=True)
    assert "Audit trail" in english and "Signed in" in english and "1 entry" in english
    # a filter that cannot be read filters nothing, and says why; nothing breaks
    bad = logged_in.get("/secretariaat/logboek?lang=nl&since=gisteren&action=drop-table&pagina=-4")
    assert bad.status_code == 200
    text = bad.get_data(as_text=True)
    assert "132 regels" in text and 'aria-invalid="true"' in text


def test_the_csv_opens_in_a_spreadsheet_without_formulas(app, logged_in, ser):
    with app.test_request_context():
        meeting = operations.get_meeting(ser)
        record("signin_failed", actor='=HYPERLINK("http://evil","klik")')
        record("meeting_imported", meeting, file="+cmd|' /C calc'!A0.toml")
    response = logged_in.get("/secretariaat/logboek.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert 'filename="logboek-' in response.headers["Content-Disposition"]
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert [r["action"] for r in rows][:3] == ["meeting_imported", "signin_failed", "signin"]
    assert rows[1]["who"] == '\'=HYPERLINK("http://evil","klik") (geen account)'
    assert rows[0]["details"] == "file: +cmd|' /C calc'!A0.toml"
    assert rows[0]["meeting"] == ser and rows[0]["what"] == "Sessiebestand geïmporteerd"
    assert rows[2]["account"] == "yes" and rows[2]["address"] == "127.0.0.1"
    for row in rows:
        assert not any(value.startswith(("=", "+", "-", "@")) for value in row.values())
    filtered = logged_in.get("/secretariaat/logboek.csv?action=signin").get_data().decode("utf-8-sig")
    assert len(list(csv.DictReader(io.StringIO(filtered)))) == 1


def test_the_trail_is_append_only(app, logged_in):
    with app.app_context():
        row = db.session.execute(select(AuditEvent)).scalars().first()
        row.actor = "iemand anders"
        with pytest.raises(AppendOnly):
            db.session.flush()
        db.session.rollback()
        row = db.session.execute(select(AuditEvent)).scalars().first()
        db.session.delete(row)
        with pytest.raises(AppendOnly):
            db.session.flush()
        db.session.rollback()
        for statement in (delete(AuditEvent), update(AuditEvent).values(actor="x")):
            with pytest.raises(AppendOnly):
                db.session.execute(statement)
            db.session.rollback()
        assert [r.actor for r in db.session.execute(select(AuditEvent)).scalars()] == ["secretaris"]


def test_only_a_signed_in_secretariat_member_reads_the_trail(client, meeting_links):
    for url in ("/secretariaat/logboek", "/secretariaat/logboek.csv"):
        response = client.get(url)
        assert response.status_code == 302 and "/secretariaat/inloggen" in response.headers["Location"]
    # a participant's or chair's link gives no way in
    for token in (meeting_links["chair"]["token"], meeting_links["tables"]["1"]["rapporteur"]["token"]):
        assert client.get(f"/secretariaat/logboek?token={token}").status_code == 302


def test_every_action_has_a_label_in_both_languages(app):
    with app.test_request_context("/?lang=en"):
        english = {key: str(label) for key, label in ACTIONS.items()}
    with app.test_request_context("/"):
        dutch = {key: str(label) for key, label in ACTIONS.items()}
    assert all(english[key] != dutch[key] for key in ACTIONS), [k for k in ACTIONS if english[k] == dutch[k]]
