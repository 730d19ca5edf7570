"""Curation of a meeting held in rounds, as the secretariat meets it after the meeting: the entries
table names each entry's round (and a waiting one), an entry of a round of free entries is saved
without bollen, an entry of a round with bollen still needs one."""

from __future__ import annotations

import pytest

from facilitator.extensions import db
from facilitator.models import Meeting

from .conftest import SESSIONS
from .test_curation_entries import read_form, row_index


@pytest.fixture
def slug(import_session):
    return import_session(SESSIONS / "ser-raad-2023-01-27-rondes.toml")


def table_entries(app, number: int):
    with app.app_context():
        table = db.session.query(Meeting).one().table(number)
        return [(e.id, e.text, list(e.bollen), e.round_number) for e in table.live_entries]


def test_the_entries_table_of_a_meeting_in_rounds_saves_free_entries(app, slug, logged_in, post_form):
    url = f"/secretariaat/vergaderingen/{slug}/tafels/4/"
    page = logged_in.get(url).get_data(as_text=True)
    assert '<th scope="col" class="c-round">Ronde</th>' in page
    action, values = read_form(page)
    rows = table_entries(app, 4)
    free_id, free_text, _, free_round = next(row for row in rows if row[3] == 3)
    assert free_round == 3
    index = row_index(values, free_id)
    values[f"entries-{index}-text"] = [free_text + " (bijgewerkt)"]
    response = post_form(action, data=values, follow_redirects=True)
    assert response.status_code == 200
    assert (free_id, free_text + " (bijgewerkt)", [], 3) in table_entries(app, 4)

    # an entry of round 1 with its bollen all unticked: refused in its row, nothing saved
    before = table_entries(app, 4)
    action, values = read_form(logged_in.get(url).get_data(as_text=True))
    bol_id = next(row[0] for row in before if row[3] == 1)
    values.pop(f"entries-{row_index(values, bol_id)}-bollen", None)
    refused = post_form(action, data=values)
    assert refused.status_code == 400 and "Kies ten minste één bol." in refused.get_data(as_text=True)
    assert table_entries(app, 4) == before


@pytest.fixture
def meeting_links(app, slug):
    """The three-round meeting's links (the `connect` fixture connects to it)."""
    from facilitator import operations

    with app.app_context():
        return operations.links(operations.get_meeting(slug), "http://x")


def test_an_entry_s_history_names_the_round_of_each_change(app, slug, logged_in, connect):
    from .live_support import send, uid

    (entry_id, text, bollen, _round), *_ = table_entries(app, 4)
    chair, rapporteur = connect("chair"), connect("rapporteur", 4)
    assert send(chair, "chair:round", {"op": uid(), "action": "open", "round": 2})["ok"]
    assert send(rapporteur, "entry:update", {"op": uid(), "id": entry_id, "text": text + " (ronde 2)"})["ok"]
    assert send(chair, "chair:round", {"op": uid(), "action": "open", "round": 3})["ok"]
    assert send(rapporteur, "entry:update", {"op": uid(), "id": entry_id, "text": text + " (ronde 3)"})["ok"]
    url = f"/secretariaat/vergaderingen/{slug}/tafels/4/inbreng/{entry_id}/geschiedenis"
    page = logged_in.get(url).get_data(as_text=True)
    assert '<th scope="col">Ronde</th>' in page
    rows = page.split("<tbody>", 1)[1].split("<tr>")[1:]
    assert ["Ronde 3" in rows[0], "Ronde 2" in rows[1], "Ronde 1" in rows[2]] == [True, True, True]
    assert "(ronde 3)" in rows[0] and "Geïmporteerd" in rows[2]
    english = logged_in.get(url + "?lang=en").get_data(as_text=True)
    assert '<th scope="col">Round</th>' in english and "Round 2" in english
