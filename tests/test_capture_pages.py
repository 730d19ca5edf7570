"""The table pages as the server renders them: names a person (and a test) can find,
user text escaped, no inline code or styles, links that stop working when revoked, and
the service worker that keeps the pages for an offline reload."""

from __future__ import annotations

import json

import lxml.html
import pytest

from facilitator import operations
from facilitator.extensions import db
from facilitator.models import Meeting

HOSTILE = '''
format = 1

[meeting]
title = "Raad <b>vet</b>"
date = 2023-01-27
questions = ["Wat nu? <script>alert('vraag')</script>"]

[[tables]]
number = 1
participants = ["<img src=x onerror=alert(1)>", "Jansen"]
leader = "Jansen"
rapporteur = "R&D \\"Rapporteur\\""
report = """</textarea><script>alert('verslag')</script>
**vet**"""

[[tables.entries]]
text = "<script>alert('inbreng')</script>"
bollen = ["economisch"]
horizons = ["later"]
'''


@pytest.fixture
def links(app, import_session):
    """Factory: import a session (the SER demo by default) and return its links."""

    def _links(source=None) -> dict:
        slug = import_session(source) if source is not None else import_session()
        with app.app_context():
            return operations.links(operations.get_meeting(slug), "http://x")

    return _links


def path(links: dict, role: str, table: int = 1) -> str:
    return links["tables"][str(table)][role]["url"].removeprefix("http://x")


def page(client, url: str):
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response, lxml.html.fromstring(response.get_data(as_text=True))


def page_data(tree) -> dict:
    (block,) = tree.xpath('//script[@id="page-data"]')
    assert block.get("type") == "application/json"
    return json.loads(block.text)


def label_of(tree, element) -> str:
    """The accessible name from <label for>, a wrapping <label> or aria-labelledby."""
    if element.get("aria-labelledby"):
        return " ".join(
            tree.get_element_by_id(i).text_content().strip() for i in element.get("aria-labelledby").split()
        )
    if element.get("id"):
        found = tree.xpath(f'//label[@for="{element.get("id")}"]')
        if found:
            return found[0].text_content().strip()
    wrapping = element.xpath("ancestor::label")
    return wrapping[0].text_content().strip() if wrapping else ""


def test_rapporteur_page_has_the_contract_names(client, links):
    meeting = links()
    _, tree = page(client, path(meeting, "rapporteur"))
    assert tree.get("lang") == "nl"
    assert tree.xpath("//title")[0].text_content().strip()
    assert len(tree.xpath("//h1")) == 1

    (text,) = tree.xpath('//input[@id="entry-text"]')
    assert label_of(tree, text) == "Inbreng"
    form = tree.get_element_by_id("entry-form")
    bollen = form.xpath('.//fieldset[legend="Bol"]//input[@type="checkbox"]')
    horizons = form.xpath('.//fieldset[legend="Horizon"]//input[@type="checkbox"]')
    assert [label_of(tree, b) for b in bollen] == ["Economisch", "Sociaal", "Ecologisch"]
    assert [label_of(tree, h) for h in horizons] == ["Hier en nu", "Later", "Elders"]
    assert [b.text_content().strip() for b in form.xpath(".//button")] == ["Toevoegen"]
    (report,) = tree.xpath('//textarea[@id="report"]')
    assert label_of(tree, report) == "Verslag"
    # no other text field may share the names a test looks for
    names = [label_of(tree, f) for f in tree.xpath("//input[@type='text'] | //textarea")]
    assert [n for n in names if "verslag" in n.lower()] == ["Verslag"]
    assert [n for n in names if "inbreng" in n.lower()] == ["Inbreng"]


def test_rapporteur_page_is_useful_before_the_connection(client, links):
    meeting = links()
    _, tree = page(client, path(meeting, "rapporteur"))
    rows = tree.xpath('//ol[@id="entry-list"]/li')
    entries = [li.xpath('.//p[@class="text"]')[0].text_content() for li in rows]
    assert entries[:2] == ["Verdienvermogen", "Techniekonderwijs"]
    assert tree.get_element_by_id("report").text_content().startswith("Deze tafel besprak")
    assert "Ten Dam" in tree.get_element_by_id("people").text_content()
    data = page_data(tree)
    assert data["snapshot"]["role"] == "rapporteur" and data["snapshot"]["table"] == 1
    assert data["snapshot"]["tables"][0]["report_state"]  # the CRDT state every client starts from
    strings = json.loads(tree.get_element_by_id("capture-strings").text)
    assert strings["saved"] == "Opgeslagen" and strings["saving"] == "Bezig met opslaan…"
    assert strings["offlineMany"] == "Offline — {n} wijzigingen wachten"


def test_participant_page_adds_entries_but_has_no_report(client, links):
    meeting = links()
    _, tree = page(client, path(meeting, "participant"))
    assert len(tree.xpath("//h1")) == 1
    assert label_of(tree, tree.get_element_by_id("entry-text")) == "Inbreng"
    assert tree.xpath('//button[normalize-space()="Toevoegen"]')
    assert not tree.xpath('//textarea[@id="report"]')
    data = page_data(tree)
    assert data["snapshot"]["role"] == "participant"
    assert "report_state" not in data["snapshot"]["tables"][0]
    assert tree.xpath('//meta[@name="viewport"]')


@pytest.mark.parametrize("role", ["rapporteur", "participant"])
def test_no_inline_code_or_styles(client, links, role):
    meeting = links()
    response, tree = page(client, path(meeting, role))
    for script in tree.xpath("//script"):
        assert script.get("src") or script.get("type") == "application/json"
        if script.get("src"):
            assert script.get("src").startswith("/static/") and script.get("type") == "module"
    assert not tree.xpath("//*[@style]")
    assert not [a for el in tree.iter() if isinstance(el.tag, str) for a in el.attrib if a.startswith("on")]
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize("role", ["rapporteur", "participant"])
def test_hostile_text_is_shown_as_text(client, links, role):
    meeting = links(HOSTILE)
    response, tree = page(client, path(meeting, role))
    html = response.get_data(as_text=True)
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "<b>vet</b>" not in html
    # the JSON data block cannot be closed early by user text
    assert html.count("</script>") == len(tree.xpath("//script"))
    assert not tree.xpath("//img") and not tree.xpath("//main//b")
    assert "Raad <b>vet</b>" in tree.xpath("//h1")[0].text_content()
    texts = [li.text_content() for li in tree.xpath('//ol[@id="entry-list"]/li')]
    assert any("<script>alert('inbreng')</script>" in t for t in texts)
    snapshot = page_data(tree)["snapshot"]
    assert snapshot["tables"][0]["entries"][0]["text"] == "<script>alert('inbreng')</script>"
    if role == "rapporteur":
        assert tree.get_element_by_id("report").text_content().startswith("</textarea><script>")
        assert "<img src=x onerror=alert(1)>" in tree.get_element_by_id("people").text_content()


def test_unknown_revoked_and_wrong_role_links_are_not_found(app, client, links):
    meeting = links()
    rapporteur, participant = path(meeting, "rapporteur"), path(meeting, "participant")
    assert client.get("/verslag/" + "x" * 32).status_code == 404
    assert client.get(rapporteur.replace("/verslag/", "/deelnemer/")).status_code == 404
    assert client.get(participant.replace("/deelnemer/", "/verslag/")).status_code == 404
    assert client.get(meeting["screen"]["url"].replace("http://x/scherm/", "/verslag/")).status_code == 404
    with app.app_context():
        found = operations.get_meeting(meeting["meeting"])
        operations.rotate_token(found, "rapporteur", 1)
        operations.rotate_token(found, "participant", 1)
    revoked = client.get(rapporteur)
    assert revoked.status_code == 404
    assert "niet meer geldig" in revoked.get_data(as_text=True)
    assert client.get(participant).status_code == 404


def test_closed_meeting_renders_read_only(app, client, links):
    meeting = links()
    with app.app_context():
        found = db.session.query(Meeting).filter_by(slug=meeting["meeting"]).one()
        found.phase = "closed"
        db.session.commit()
    _, tree = page(client, path(meeting, "rapporteur"))
    assert tree.get_element_by_id("closed-message").get("hidden") is None
    assert tree.xpath('//form[@id="entry-form"]/fieldset')[0].get("disabled") is not None
    assert tree.get_element_by_id("report").get("readonly") is not None
    assert "is-closed" in tree.xpath("//body")[0].get("class")


def test_service_worker_is_served_from_the_root(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "application/javascript"
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert "no-cache" in response.headers["Cache-Control"]
    body = response.get_data(as_text=True)
    assert '"__VERSION__"' not in body and '["__PRECACHE__"]' not in body
    precache = json.loads(body.split("const PRECACHE = ", 1)[1].split(";", 1)[0])
    assert "/static/js/rapporteur.js" in precache and "/static/vendor/yjs.js" in precache
    for url in precache:
        with client.get(url) as asset:
            assert asset.status_code == 200, url
    assert client.get("/sw.js").get_data(as_text=True) == body  # the same version every time
