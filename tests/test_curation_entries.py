"""Curation: all entries of a table in one form, saved in one transaction, errors per row."""

from __future__ import annotations

import dataclasses
import html
import re
from html.parser import HTMLParser

import pytest

from facilitator.extensions import db, socketio
from facilitator.live.actions import ACTIONS
from facilitator.live.errors import ProtocolError
from facilitator.models import Meeting, Operation


@pytest.fixture
def database_url(both_database_url):
    """Every test in this module runs on SQLite and on PostgreSQL (savepoints, timestamps)."""
    return both_database_url


@pytest.fixture
def slug(import_session):
    return import_session()


@pytest.fixture
def table_url(slug):
    return f"/secretariaat/vergaderingen/{slug}/tafels/3"


class EntriesFormReader(HTMLParser):
    """The entries form's fields as a browser submits them: name → list of values."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.inside, self.values, self.action = False, {}, None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and "entries-form" in (a.get("class") or ""):
            self.inside, self.action = True, a["action"]
        if not self.inside or "name" not in a:
            return
        if tag == "input":
            if a.get("type") == "checkbox":
                if "checked" in a:
                    self.values.setdefault(a["name"], []).append(a.get("value", "y"))
            else:
                self.values.setdefault(a["name"], []).append(a.get("value", ""))
        elif tag == "textarea":
            self._textarea = a["name"]
            self.values.setdefault(a["name"], []).append("")

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea][-1] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            if self._textarea:  # a browser drops the newline right after <textarea>
                value = self.values[self._textarea][-1]
                self.values[self._textarea][-1] = value.removeprefix("\r\n").removeprefix("\n")
            self._textarea = None
        if tag == "form":
            self.inside = False


def read_form(page: str) -> tuple[str, dict[str, list[str]]]:
    reader = EntriesFormReader()
    reader.feed(page)
    assert reader.action, "no entries form"
    return reader.action, reader.values


def entries(app):
    with app.app_context():
        table = db.session.query(Meeting).one().table(3)
        return [
            {
                "id": e.id,
                "text": e.text,
                "bollen": e.bollen,
                "horizons": e.horizons,
                "hidden": e.hidden,
                "deleted": e.deleted_at is not None,
            }
            for e in table.entries
        ]


def operation_count(app) -> int:
    with app.app_context():
        return db.session.query(Operation).count()


def row_index(values, entry_id: str) -> int:
    return next(int(k.split("-")[1]) for k, v in values.items() if k.endswith("-id") and v == [entry_id])


def test_the_page_has_the_secretariat_layout_and_one_form_for_all_entries(logged_in, table_url, app):
    page = logged_in.get(table_url + "/").get_data(as_text=True)
    assert 'href="/static/css/secretariat.css"' in page and "Uitloggen</button>" in page
    assert 'class="breadcrumb"' in page and "Tafel 3 bijwerken" in page
    assert page.count("<h1") == 1
    live = [e for e in entries(app) if not e["deleted"]]
    assert len(live) >= 3
    assert page.count('class="entries-form"') == 1
    assert "/inbreng/" + live[0]["id"] + '"' not in page  # no form per entry any more
    action, values = read_form(page)
    assert action.endswith("/tafels/3/inbreng-opslaan")
    assert len([k for k in values if k.endswith("-id")]) == len(live)
    for index, entry in enumerate(live):
        assert values[f"entries-{index}-text"] == [entry["text"]]
        assert sorted(values.get(f"entries-{index}-bollen", [])) == sorted(entry["bollen"])


def test_saving_the_page_unchanged_changes_nothing(logged_in, post_form, table_url, app):
    before, ops = entries(app), operation_count(app)
    action, values = read_form(logged_in.get(table_url + "/").get_data(as_text=True))
    response = post_form(action, data=values, follow_redirects=True)
    assert response.status_code == 200
    assert "Er was niets gewijzigd." in response.get_data(as_text=True)
    assert entries(app) == before and operation_count(app) == ops


def test_all_rows_are_saved_at_once_and_reach_the_live_pages(app, slug, logged_in, post_form, table_url):
    from facilitator import operations

    with app.app_context():
        token = operations.active_token(operations.get_meeting(slug), "screen").token
    screen = socketio.test_client(app, namespace="/live", auth={"token": token})
    screen.get_received("/live")
    live = [e for e in entries(app) if not e["deleted"]]
    action, values = read_form(logged_in.get(table_url + "/").get_data(as_text=True))
    a, b, c, d = (row_index(values, e["id"]) for e in live[:4])
    values[f"entries-{a}-text"] = ["Herschreven door het secretariaat"]
    values[f"entries-{b}-bollen"] = ["ecologisch"]
    values[f"entries-{b}-horizons"] = ["later", "elders"]
    values[f"entries-{c}-hidden"] = ["y"]
    values[f"entries-{d}-delete"] = ["y"]
    values[f"entries-{d}-text"] = [""]  # a row to delete needs nothing else
    response = post_form(action, data=values)
    assert response.status_code == 302 and response.headers["Location"].endswith("#inbreng")
    after = {e["id"]: e for e in entries(app)}
    assert after[live[0]["id"]]["text"] == "Herschreven door het secretariaat"
    assert after[live[1]["id"]]["bollen"] == ["ecologisch"]
    assert after[live[1]["id"]]["horizons"] == ["later", "elders"]
    assert after[live[2]["id"]]["hidden"] is True
    assert after[live[3]["id"]]["deleted"] is True
    for entry in live[4:]:
        assert after[entry["id"]] == entry
    names = [m["name"] for m in screen.get_received("/live")]
    assert names.count("entry") == 3 and names.count("entry:deleted") == 1
    screen.disconnect("/live")
    with app.app_context():
        kinds = (
            db.session.query(Operation.kind, Operation.actor).order_by(Operation.seq.desc()).limit(4).all()
        )
        assert {k for k, _ in kinds} == {"entry:update", "entry:hide", "entry:delete"}
        assert all(actor.startswith("secretariat:") for _, actor in kinds)
    # the same form sent again (a reload, a double click) applies once
    ops = operation_count(app)
    assert post_form(action, data=values).status_code == 302
    assert operation_count(app) == ops


def test_row_errors_are_shown_in_their_row_and_nothing_is_saved(logged_in, post_form, table_url, app):
    before, ops = entries(app), operation_count(app)
    live = [e for e in before if not e["deleted"]]
    action, values = read_form(logged_in.get(table_url + "/").get_data(as_text=True))
    a, b, c = (row_index(values, e["id"]) for e in live[:3])
    values[f"entries-{a}-text"] = ["Een goede wijziging"]
    values[f"entries-{b}-text"] = [""]
    values.pop(f"entries-{c}-bollen", None)
    response = post_form(action, data=values)
    assert response.status_code == 400
    page = html.unescape(response.get_data(as_text=True))
    assert "Niets opgeslagen" in page
    row_b = page[page.index(f'id="e-{live[1]["id"]}"') :].split("</tr>")[0]
    row_c = page[page.index(f'id="e-{live[2]["id"]}"') :].split("</tr>")[0]
    assert "Vul de inbreng in." in row_b and "Kies ten minste één bol." not in row_b
    assert "Kies ten minste één bol." in row_c and "Vul de inbreng in." not in row_c
    assert "Een goede wijziging" in page  # what was typed stays on the page
    assert entries(app) == before and operation_count(app) == ops


def test_a_refused_change_undoes_the_rows_saved_before_it(logged_in, post_form, table_url, app, monkeypatch):
    """One transaction: the hide of the third row fails inside the change machinery, after the
    first row's update went through it; both are gone and the row shows why."""
    before, ops = entries(app), operation_count(app)
    live = [e for e in before if not e["deleted"]]

    def refuse(batch, job, table_id):
        raise ProtocolError("not_found")

    monkeypatch.setitem(ACTIONS, "entry:hide", dataclasses.replace(ACTIONS["entry:hide"], stage=refuse))
    action, values = read_form(logged_in.get(table_url + "/").get_data(as_text=True))
    a, c = row_index(values, live[0]["id"]), row_index(values, live[2]["id"])
    values[f"entries-{a}-text"] = ["Zou weer weg moeten zijn"]
    values[f"entries-{c}-hidden"] = ["y"]
    response = post_form(action, data=values)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    row_c = page[page.index(f'id="e-{live[2]["id"]}"') :].split("</tr>")[0]
    assert 'class="errors"' in row_c
    assert entries(app) == before and operation_count(app) == ops
    with app.app_context():
        assert db.session.query(Meeting).one().seq == max(
            db.session.query(Operation.seq).order_by(Operation.seq.desc()).first()[0], 0
        )


def test_a_row_deleted_meanwhile_is_a_row_error(logged_in, post_form, table_url, app):
    live = [e for e in entries(app) if not e["deleted"]]
    action, values = read_form(logged_in.get(table_url + "/").get_data(as_text=True))
    post_form(table_url + f"/inbreng/{live[0]['id']}/verwijderen", data={"op": "deleted-meanwhile-1"})
    a = row_index(values, live[0]["id"])
    values[f"entries-{a}-text"] = ["Te laat"]
    response = post_form(action, data=values)
    assert response.status_code == 400
    assert "intussen verwijderd" in html.unescape(response.get_data(as_text=True))
    # ticking "Verwijderen" on that row lets the others be saved
    values[f"entries-{a}-delete"] = ["y"]
    b = row_index(values, live[1]["id"])
    values[f"entries-{b}-text"] = ["Wel opgeslagen"]
    assert post_form(action, data=values).status_code == 302
    assert {e["id"]: e for e in entries(app)}[live[1]["id"]]["text"] == "Wel opgeslagen"


def test_entries_form_refuses_characters_no_document_can_hold(logged_in, post_form, table_url, app):
    before = entries(app)
    action, values = read_form(logged_in.get(table_url + "/").get_data(as_text=True))
    values["entries-0-text"] = ["Goed\ufffe"]
    response = post_form(action, data=values)
    assert response.status_code == 400
    assert re.search(r"niet-teken \(U\+FFFE\)", html.unescape(response.get_data(as_text=True)))
    assert entries(app) == before
