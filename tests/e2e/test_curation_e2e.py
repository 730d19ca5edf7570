"""The curation page in a browser: the secretariat's layout, one compact form for all entries."""

from __future__ import annotations

from playwright.sync_api import expect

from facilitator import operations
from facilitator.extensions import db

PASSWORD = "een-lang-test-wachtwoord-42"
OFFICE_LAPTOP = {"viewport": {"width": 1366, "height": 768}}


def test_curation_page_for_seven_entries_is_compact_and_saves_all_rows(e2e_server, meeting, person):
    server, links = meeting
    _, app = e2e_server
    user = f"curator-{links['meeting'][-6:]}"
    with app.app_context():
        operations.create_user(user, PASSWORD)
        assert len(operations.get_meeting(links["meeting"]).table(3).live_entries) == 7
        db.session.remove()
    page = person(OFFICE_LAPTOP).open(f"{server.url}/secretariaat/inloggen")
    page.get_by_label("Naam").fill(user)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.goto(f"{server.url}/secretariaat/vergaderingen/{links['meeting']}/tafels/3/")
    expect(page.get_by_role("navigation", name="Secretariaat")).to_be_visible()
    expect(page.get_by_role("button", name="Uitloggen")).to_be_visible()
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 1800, f"the curation page of 7 entries is {height} px tall (at most 1800)"

    # one press saves a changed text and a hidden entry
    page.get_by_label("Inbreng 1", exact=True).fill("Bijgewerkt in de browser")
    page.get_by_label("Verborgen: inbreng 2", exact=True).check()
    page.get_by_role("button", name="Alle inbreng opslaan").click()
    expect(page.get_by_text("De inbreng is opgeslagen (2 wijzigingen).")).to_be_visible()
    expect(page.get_by_label("Inbreng 1", exact=True)).to_have_value("Bijgewerkt in de browser")
    expect(page.get_by_label("Verborgen: inbreng 2", exact=True)).to_be_checked()
