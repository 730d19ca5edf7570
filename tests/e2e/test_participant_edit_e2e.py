"""A participant corrects their own typo from their phone; the rapporteur and the screen see the fix,
and nobody else's entry can be changed from that phone (issue 11, "Venue-ready")."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .conftest import PHONE, table_on_server
from .test_capture_e2e import add_entry, entry_row, token, url, wait_for_offline_copy, wait_saved

pytestmark = pytest.mark.browser
expect.set_options(timeout=15_000)

EDIT = re.compile("^Wijzig inbreng")
DELETE = re.compile("^Verwijder inbreng")


def test_participant_fixes_a_typo_and_everyone_sees_it(meeting, person):
    _, links = meeting
    rapporteur = person().open(url(links, "rapporteur"))
    screen = person({"viewport": {"width": 1920, "height": 1080}}).open(links["screen"]["url"])
    phone = person(PHONE).open(url(links, "participant"))
    other_phone = person(PHONE).open(url(links, "participant"))
    for page in (rapporteur, phone, other_phone):
        wait_saved(page)

    add_entry(phone, "Betaalbaar wonne", ("Sociaal",))
    wait_saved(phone)
    expect(entry_row(rapporteur, "Betaalbaar wonne")).to_have_count(1)
    entry_id = entry_row(phone, "Betaalbaar wonne").get_attribute("data-id")
    own = phone.locator(f'#entry-list li[data-id="{entry_id}"]')
    # only the own entry has the buttons: the table's other entries have none
    expect(own.get_by_role("button", name=EDIT)).to_have_count(1)
    expect(phone.locator("#entry-list li.entry .actions")).to_have_count(1)
    expect(entry_row(other_phone, "Betaalbaar wonne").locator(".actions")).to_have_count(0)

    # keyboard only, as on the rapporteur's page: Wijzig → the text field, Enter saves
    own.get_by_role("button", name=EDIT).focus()
    phone.keyboard.press("Enter")
    field = own.get_by_label("Tekst wijzigen")
    expect(field).to_be_focused()
    field.fill("Betaalbaar wonen")
    field.press("Enter")
    wait_saved(phone)
    expect(entry_row(rapporteur, "Betaalbaar wonen")).to_have_count(1)
    expect(entry_row(rapporteur, "Betaalbaar wonne")).to_have_count(0)
    expect(entry_row(other_phone, "Betaalbaar wonen")).to_have_count(1)
    expect(screen.locator("body")).to_contain_text("Betaalbaar wonen")
    expect(screen.locator("body")).not_to_contain_text("Betaalbaar wonne")
    expect(own.get_by_role("button", name=EDIT)).to_be_focused()

    # a reload keeps the device's key, and so its entry
    phone.reload()
    wait_saved(phone)
    own = phone.locator(f'#entry-list li[data-id="{entry_id}"]')
    expect(own.get_by_role("button", name=DELETE)).to_have_count(1)
    # arrow keys move within the row; Verwijder deletes, with undo
    own.get_by_role("button", name=EDIT).focus()
    phone.keyboard.press("ArrowRight")
    expect(own.get_by_role("button", name=DELETE)).to_be_focused()
    phone.keyboard.press("Enter")
    expect(entry_row(rapporteur, "Betaalbaar wonen")).to_have_count(0)
    undo = phone.get_by_role("button", name="Ongedaan maken")
    expect(undo).to_be_focused()
    undo.click()
    expect(entry_row(rapporteur, "Betaalbaar wonen")).to_have_count(1)


def test_an_offline_phone_fixes_its_typo_and_it_lands_when_back(meeting, person):
    server, links = meeting
    owner = person(PHONE)
    phone = owner.open(url(links, "participant"))
    wait_saved(phone)
    wait_for_offline_copy(phone)
    add_entry(phone, "Groene daken overal", ("Ecologisch",))
    wait_saved(phone)
    entry_id = entry_row(phone, "Groene daken overal").get_attribute("data-id")
    row = phone.locator(f'#entry-list li[data-id="{entry_id}"]')

    # the page keeps its last state for an offline reload (written a moment after a change)
    phone.wait_for_function(
        "() => Object.keys(localStorage).some(k => k.startsWith('facilitator:snapshot:')"
        " && localStorage.getItem(k).includes('Groene daken overal'))"
    )
    owner.context.set_offline(True)
    phone.reload()  # the service worker serves the page; which entries are its own is kept
    expect(phone.locator("h1")).to_contain_text("Tafel 1")
    row.get_by_role("button", name=EDIT).click()
    field = row.get_by_label("Tekst wijzigen")
    field.fill("Groene daken in elke wijk")
    field.press("Enter")
    expect(row).to_contain_text("wacht")
    on_server = [e["text"] for e in table_on_server(server.url, token(links, "participant"))["entries"]]
    assert "Groene daken overal" in on_server

    owner.context.set_offline(False)
    wait_saved(phone)
    on_server = [e["text"] for e in table_on_server(server.url, token(links, "participant"))["entries"]]
    assert "Groene daken in elke wijk" in on_server and "Groene daken overal" not in on_server
