"""A rapporteur marks the table ready for the report-back on a phone; the screen's tile and the
chair's report-back order show it; it survives a reload and an offline press; pressing again
takes it back. In a real browser against a real server."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import PHONE
from .page_states import connected, saved

pytestmark = pytest.mark.browser
expect.set_options(timeout=15_000)
FULL_HD = {"viewport": {"width": 1920, "height": 1080}}


def test_a_table_marked_ready_shows_on_the_screen_and_the_chairs_order(meeting, person):
    server, links = meeting
    screen = connected(person(FULL_HD).open(links["screen"]["url"]))
    chair = connected(person().open(links["chair"]["url"]))
    phone = person(PHONE)
    rapporteur = saved(phone.open(links["tables"]["2"]["rapporteur"]["url"]))
    button = rapporteur.get_by_role("button", name="Klaar voor de terugkoppeling")
    expect(button).to_have_attribute("aria-pressed", "false")
    expect(rapporteur.locator("#ready-status")).to_contain_text("Nog niet klaar gemeld")
    expect(screen.locator("#tile-2 .ready-line")).to_have_count(0)

    button.click()
    expect(button).to_have_attribute("aria-pressed", "true")
    expect(rapporteur.locator("#ready-status")).to_contain_text("Klaar gemeld om")
    expect(screen.locator("#tile-2 .ready-line")).to_contain_text("Klaar voor de terugkoppeling sinds")
    expect(chair.locator('#order-list li[data-table="2"]')).to_contain_text("klaar")
    expect(chair.locator('#order-list li[data-table="3"]')).not_to_contain_text("klaar")
    expect(screen.locator("#tile-3 .ready-line")).to_have_count(0)

    # a reload shows what the server has
    rapporteur.reload()
    saved(rapporteur)
    expect(rapporteur.get_by_role("button", name="Klaar voor de terugkoppeling")).to_have_attribute(
        "aria-pressed", "true"
    )

    # taken back while offline: the page shows it at once and sends it once the network is back
    phone.context.set_offline(True)
    expect(rapporteur.locator("#save-status")).to_have_attribute("data-state", "offline")
    rapporteur.get_by_role("button", name="Klaar voor de terugkoppeling").click()
    expect(rapporteur.locator("#ready-status")).to_contain_text("Nog niet klaar gemeld")
    expect(screen.locator("#tile-2 .ready-line")).to_have_count(1)  # the server does not know yet
    phone.context.set_offline(False)
    saved(rapporteur)
    expect(screen.locator("#tile-2 .ready-line")).to_have_count(0)
    expect(chair.locator('#order-list li[data-table="2"]')).not_to_contain_text("klaar")


def test_english_pages_say_ready_in_english(meeting, person):
    _, links = meeting
    chair = connected(person().open(links["chair"]["url"] + "?lang=en"))
    rapporteur = person(PHONE).open(links["tables"]["4"]["rapporteur"]["url"] + "?lang=en")
    expect(rapporteur.locator("#save-status")).to_have_text("Saved")
    button = rapporteur.get_by_role("button", name="Ready for the report-back")
    expect(rapporteur.locator("#ready-status")).to_contain_text("Not marked ready yet")
    button.click()
    expect(rapporteur.locator("#ready-status")).to_contain_text("Marked ready at")
    expect(chair.locator('#order-list li[data-table="4"]')).to_contain_text("ready")
    chair.keyboard.press("1")
    expect(chair.locator("#tile-4 .ready-line")).to_contain_text("Ready for the report-back since")
