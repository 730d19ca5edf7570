"""Curation after the meeting: edits through the change machinery, history, restore."""

from __future__ import annotations

import html
import re
import uuid

import pytest

from facilitator import operations
from facilitator.extensions import db, socketio
from facilitator.live.report import text_edit_update
from facilitator.models import Entry, Meeting, Operation, ReportVersion


@pytest.fixture
def slug(import_session):
    return import_session()


@pytest.fixture
def table_url(slug):
    return f"/secretariaat/vergaderingen/{slug}/tafels/3"


def entries_of(app, number):
    with app.app_context():
        return [
            (e.id, e.text, e.deleted_at is not None)
            for e in db.session.query(Meeting).one().table(number).entries
        ]


def test_curation_pages_need_login(client, table_url, app):
    assert client.get(table_url + "/").status_code == 302
    entry_id = entries_of(app, 3)[0][0]
    for path in (
        "/verslag",
        "/deelnemers",
        "/inbreng",
        f"/inbreng/{entry_id}",
        f"/inbreng/{entry_id}/verwijderen",
        f"/inbreng/{entry_id}/terugzetten",
        "/verslag/geschiedenis/1",
        f"/inbreng/{entry_id}/geschiedenis/1",
    ):
        response = client.post(table_url + path, data={"op": str(uuid.uuid4())})
        assert response.status_code in (302, 400, 403), path
    assert entries_of(app, 3)[0][2] is False


def test_page_shows_table_and_escapes(logged_in, post_form, table_url, app):
    with app.app_context():
        meeting = db.session.query(Meeting).one()
        operations.set_participants(meeting.table(3), ["<script>alert(1)</script>"])
        db.session.commit()
    html = logged_in.get(table_url + "/").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert html.count("<h1") == 1 and 'name="text"' in html


def test_report_edit_merges_and_keeps_versions(logged_in, post_form, table_url, app):
    with app.app_context():
        original = db.session.query(Meeting).one().table(3).report
    new = original + "\n\nAangevuld door het secretariaat."
    op = str(uuid.uuid4())
    response = post_form(table_url + "/verslag", data={"op": op, "text": new})
    assert response.status_code == 302
    # the same form sent twice (reload) applies once
    post_form(table_url + "/verslag", data={"op": op, "text": new})
    with app.app_context():
        table = db.session.query(Meeting).one().table(3)
        assert table.report == new
        versions = (
            db.session.query(ReportVersion).filter_by(table_id=table.id).order_by(ReportVersion.seq).all()
        )
        assert [v.actor for v in versions] == ["import", "secretariat:secretaris"]
        assert versions[0].text == original
        old_id = versions[0].id
    page = logged_in.get(table_url + "/verslag/geschiedenis").get_data(as_text=True)
    assert "Sessiebestand" in page and "Secretariaat (secretaris)" in page
    post_form(table_url + f"/verslag/geschiedenis/{old_id}", data={"op": str(uuid.uuid4())})
    with app.app_context():
        assert db.session.query(Meeting).one().table(3).report == original
        assert db.session.query(ReportVersion).count() >= 3


def test_secretariat_edit_keeps_a_rapporteurs_concurrent_typing(app, slug, logged_in, post_form, table_url):
    """A curation edit and a rapporteur's keystrokes made from the same state both survive."""
    import base64

    from pycrdt import Doc, Text

    with app.app_context():
        meeting = operations.get_meeting(slug)
        token = operations.active_token(meeting, "rapporteur", 3).token
    client = socketio.test_client(app, namespace="/live", auth={"token": token})
    snap = client.get_received("/live")[0]["args"][0]
    state = base64.b64decode(snap["tables"][0]["report_state"])
    doc = Doc()
    doc.apply_update(state)
    text = doc.get("report", type=Text)
    old = str(text)
    post_form(table_url + "/verslag", data={"op": str(uuid.uuid4()), "text": "KOP\n" + old})
    before = doc.get_state()
    text += " STAART"
    update = base64.b64encode(doc.get_update(before)).decode()
    assert client.emit(
        "report:update", {"op": str(uuid.uuid4()), "update": update}, namespace="/live", callback=True
    )["ok"]
    with app.app_context():
        report = db.session.query(Meeting).one().table(3).report
    assert report == "KOP\n" + old + " STAART"
    client.disconnect("/live")


def test_entry_edit_delete_restore_and_history(logged_in, post_form, table_url, app):
    entry_id, text, _ = entries_of(app, 3)[0]
    prefix = f"e-{entry_id}-"
    response = post_form(
        table_url + f"/inbreng/{entry_id}",
        data={
            prefix + "op": str(uuid.uuid4()),
            prefix + "text": "Herschreven",
            prefix + "bollen": ["sociaal"],
            prefix + "horizons": ["elders"],
        },
    )
    assert response.status_code == 302
    post_form(table_url + f"/inbreng/{entry_id}/verwijderen", data={"op": str(uuid.uuid4())})
    assert (entry_id, "Herschreven", True) in entries_of(app, 3)
    page = logged_in.get(table_url + "/").get_data(as_text=True)
    assert "Verwijderde inbreng" in page and "Herschreven" in page
    history = logged_in.get(table_url + f"/inbreng/{entry_id}/geschiedenis").get_data(as_text=True)
    for word in ("Geïmporteerd", "Gewijzigd", "Verwijderd", "Sessiebestand", "Secretariaat (secretaris)"):
        assert word in history
    seqs = [int(s) for s in re.findall(rf"/inbreng/{entry_id}/geschiedenis/(\d+)", history)]
    first = min(seqs)  # the imported version
    post_form(table_url + f"/inbreng/{entry_id}/geschiedenis/{first}", data={"op": str(uuid.uuid4())})
    with app.app_context():
        entry = db.session.get(Entry, entry_id)
        assert entry.deleted_at is None and entry.text == text
        kinds = [
            o.kind for o in db.session.query(Operation).filter_by(subject=entry_id).order_by(Operation.seq)
        ]
    # restoring a version of a deleted entry is one change: one commit, one log row
    assert kinds == ["entry:import", "entry:update", "entry:delete", "entry:revert"]
    history = logged_in.get(table_url + f"/inbreng/{entry_id}/geschiedenis").get_data(as_text=True)
    assert "Eerdere versie teruggezet" in history


def test_restoring_a_version_is_one_transaction(app, slug, logged_in, post_form, table_url):
    """A deleted entry comes back with the version's content in one commit, or not at all."""
    entry_id, text, _ = entries_of(app, 3)[0]
    post_form(table_url + f"/inbreng/{entry_id}/verwijderen", data={"op": str(uuid.uuid4())})
    history = logged_in.get(table_url + f"/inbreng/{entry_id}/geschiedenis").get_data(as_text=True)
    first = min(int(s) for s in re.findall(rf"/inbreng/{entry_id}/geschiedenis/(\d+)", history))
    with app.app_context():
        # the imported version names a bol the template no longer has: the restore must fail whole
        row = db.session.query(Operation).filter_by(subject=entry_id, kind="entry:import").one()
        row.result = {**row.result, "entry": {**row.result["entry"], "bollen": ["verdwenen"]}}
        db.session.commit()
        ops_before = db.session.query(Operation).count()
    post_form(table_url + f"/inbreng/{entry_id}/geschiedenis/{first}", data={"op": str(uuid.uuid4())})
    with app.app_context():
        assert db.session.get(Entry, entry_id).deleted_at is not None  # not half restored
        assert db.session.query(Operation).count() == ops_before
        row = db.session.query(Operation).filter_by(subject=entry_id, kind="entry:import").one()
        row.result = {**row.result, "entry": {**row.result["entry"], "bollen": ["economisch"]}}
        db.session.commit()
        token = operations.active_token(operations.get_meeting(slug), "screen").token
    screen = socketio.test_client(app, namespace="/live", auth={"token": token})
    screen.get_received("/live")
    post_form(table_url + f"/inbreng/{entry_id}/geschiedenis/{first}", data={"op": str(uuid.uuid4())})
    events = [(m["name"], m["args"][0]) for m in screen.get_received("/live")]
    assert [name for name, _ in events] == ["entry"]
    assert events[0][1]["entry"]["text"] == text and events[0][1]["entry"]["bollen"] == ["economisch"]
    with app.app_context():
        assert db.session.get(Entry, entry_id).deleted_at is None
    screen.disconnect("/live")


def test_add_entry_and_invalid_entry(logged_in, post_form, table_url, app):
    before = len(entries_of(app, 3))
    response = post_form(
        table_url + "/inbreng",
        data={
            "new-op": str(uuid.uuid4()),
            "new-text": "Nagekomen inbreng",
            "new-bollen": ["economisch", "sociaal"],
        },
    )
    assert response.status_code == 302
    assert len(entries_of(app, 3)) == before + 1
    bad = post_form(
        table_url + "/inbreng", data={"new-op": str(uuid.uuid4()), "new-text": "", "new-bollen": []}
    )
    assert bad.status_code == 400
    html = bad.get_data(as_text=True)
    assert "Vul de inbreng in." in html and "Kies ten minste één bol." in html
    assert len(entries_of(app, 3)) == before + 1


def test_curation_works_after_close_and_reaches_live_pages(app, slug, logged_in, post_form, table_url):
    with app.app_context():
        meeting = operations.get_meeting(slug)
        meeting.phase = "closed"
        db.session.commit()
        token = operations.active_token(meeting, "screen").token
    screen = socketio.test_client(app, namespace="/live", auth={"token": token})
    screen.get_received("/live")
    post_form(
        table_url + "/deelnemers",
        data={
            "op": str(uuid.uuid4()),
            "participants": "Elzinga\nTermeer\nVan de Ven",
            "leader": "Elzinga",
            "rapporteur": "Van Hugte",
            "spokesperson": "",
        },
    )
    events = [m for m in screen.get_received("/live") if m["name"] == "table"]
    assert events and events[0]["args"][0]["info"]["participants"] == ["Elzinga", "Termeer", "Van de Ven"]
    bad = post_form(
        table_url + "/deelnemers",
        data={"op": str(uuid.uuid4()), "participants": "Elzinga", "leader": "Niemand"},
        follow_redirects=True,
    )
    assert "gespreksleider" in bad.get_data(as_text=True)
    screen.disconnect("/live")


def test_text_edit_update_is_minimal():
    from pycrdt import Doc, Text

    doc = Doc()
    doc.get("report", type=Text).insert(0, "Eén 😀 twee drie")
    update = text_edit_update(doc, "Eén 😀 twee en drie!")
    assert str(doc.get("report", type=Text)) == "Eén 😀 twee en drie!"
    assert len(update) < 60


def test_curation_posts_need_the_csrf_token(logged_in, table_url, app):
    before = entries_of(app, 3)
    response = logged_in.post(
        table_url + "/inbreng",
        data={"new-op": str(uuid.uuid4()), "new-text": "Zonder token", "new-bollen": ["economisch"]},
    )
    assert response.status_code == 400
    assert entries_of(app, 3) == before


def test_page_has_no_duplicate_ids(logged_in, table_url):
    html = logged_in.get(table_url + "/").get_data(as_text=True)
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), [i for i in ids if ids.count(i) > 1][:5]


@pytest.mark.parametrize(
    ("path", "data", "expected"),
    [
        ("/verslag", {"text": "Goed\ufffe verslag"}, "niet-teken (U+FFFE)"),
        ("/deelnemers", {"participants": "A\nB\uffff"}, "niet-teken (U+FFFF)"),
        ("/deelnemers", {"participants": "A\nB", "leader": "A\x00"}, "NUL-teken"),
        ("/inbreng", {"new-text": "Nagekomen\ufdd0", "new-bollen": ["economisch"]}, "niet-teken (U+FDD0)"),
    ],
)
def test_curation_forms_refuse_characters_no_document_can_hold(
    logged_in, post_form, table_url, app, path, data, expected
):
    before = entries_of(app, 3)
    op_key = "new-op" if path == "/inbreng" else "op"
    response = post_form(table_url + path, data={op_key: str(uuid.uuid4()), **data})
    assert response.status_code == 400
    assert expected in html.unescape(response.get_data(as_text=True))
    assert entries_of(app, 3) == before
    with app.app_context():
        table = db.session.query(Meeting).one().table(3)
        assert "\ufffe" not in table.report and "\uffff" not in "".join(table.participant_names)
