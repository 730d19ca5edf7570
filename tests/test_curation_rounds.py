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


def round_reports(app, number: int) -> dict[int, str]:
    from facilitator.round_reports import RoundReport

    with app.app_context():
        table = db.session.query(Meeting).one().table(number)
        rows = db.session.query(RoundReport).filter_by(table_id=table.id).all()
        return {1: table.report} | {r.round_number: r.report for r in rows}


def report_form(page: str) -> dict[str, str]:
    import re

    form = page.split('id="verslag"', 1)[1].split("</form>", 1)[0]
    values = dict(re.findall(r'<input[^>]*name="(op|round)"[^>]*value="([^"]*)"', form))
    return values | {"text": re.search(r"<textarea[^>]*>(.*?)</textarea>", form, re.S).group(1).strip()}


def test_the_report_of_each_round_is_edited_and_restored_on_its_own(app, slug, logged_in, post_form):
    url = f"/secretariaat/vergaderingen/{slug}/tafels/3/"
    first = round_reports(app, 3)[1]
    page = logged_in.get(url).get_data(as_text=True)
    assert 'aria-current="page">Ronde 1</a>' in page and ">Ronde 3</a>" in page
    assert report_form(page)["round"] == "1"

    page = logged_in.get(url + "?ronde=2").get_data(as_text=True)
    values = report_form(page)
    assert values["round"] == "2" and values["text"] == ""
    saved = post_form(url + "verslag", data={**values, "text": "Ronde twee, gecorrigeerd."})
    assert saved.status_code == 302 and saved.headers["Location"].endswith("?ronde=2#verslag")
    assert round_reports(app, 3) == {1: first, 2: "Ronde twee, gecorrigeerd."}
    values = report_form(logged_in.get(url + "?ronde=2").get_data(as_text=True))
    assert values["text"] == "Ronde twee, gecorrigeerd."
    post_form(url + "verslag", data={**values, "text": "Ronde twee, nog eens."})

    # the history of round 2's report: its versions only, and a restore goes back into round 2
    history = logged_in.get(url + "verslag/geschiedenis?ronde=2").get_data(as_text=True)
    assert "ronde 2" in history and "Ronde twee, gecorrigeerd." in history and first[:30] not in history
    restore = history.split("Ronde twee, gecorrigeerd.", 1)[1].split('action="', 1)[1].split('"', 1)[0]
    op = history.split('name="op" value="', 1)[1].split('"', 1)[0]
    assert post_form(restore, data={"op": op}).status_code == 302
    assert round_reports(app, 3) == {1: first, 2: "Ronde twee, gecorrigeerd."}
    assert "Ronde twee" not in logged_in.get(url + "verslag/geschiedenis").get_data(as_text=True)

    # a round the meeting does not have: refused with its reason, nothing changed
    refused = post_form(url + "verslag", data={**values, "round": "9", "text": "Nee"}, follow_redirects=True)
    assert "&#39;round&#39; moet een heel getal van 1 tot 3 zijn." in refused.get_data(as_text=True)
    assert round_reports(app, 3) == {1: first, 2: "Ronde twee, gecorrigeerd."}


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
