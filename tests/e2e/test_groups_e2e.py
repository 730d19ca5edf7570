"""Groups of entries across tables, as the chair makes them in a real browser against a real
server: suggestions from the entries' words accepted (one under another name), a group made from
ticked entries, renamed, merged, dissolved and a change undone; the screen shows the groups."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .page_states import connected

pytestmark = pytest.mark.browser
expect.set_options(timeout=15_000)
FULL_HD = {"viewport": {"width": 1920, "height": 1080}}


def test_the_chair_groups_entries_and_the_screen_shows_the_groups(meeting, person):
    _, links = meeting
    screen = connected(person(FULL_HD).open(links["screen"]["url"]))
    chair = connected(person().open(links["chair"]["url"]))
    panel = chair.locator("#group-control")
    chair.keyboard.press("6")
    expect(screen.locator("#view-groups")).to_be_visible()
    expect(screen.locator("#groups-list")).to_contain_text("Nog geen groepen")

    panel.get_by_role("button", name="Groepen voorstellen").click()
    expect(panel.locator("#group-note")).to_contain_text("voorstellen")
    first = panel.locator(".suggestion").first
    first.locator("input").fill("Welvaart breed bekeken")
    first.get_by_role("button", name="Overnemen").click()
    card = screen.locator(".group-card").first
    expect(card.locator(".group-name")).to_have_text("Welvaart breed bekeken")
    expect(card.locator(".group-entries li")).not_to_have_count(0)

    # a group from entries the chair ticks
    panel.locator("details.group-new summary").click()
    panel.locator("#group-name").fill("Zorg")
    boxes = panel.locator("#group-picker input[name=entry]")
    boxes.nth(0).check()
    boxes.nth(5).check()
    panel.get_by_role("button", name="Groep maken").click()
    expect(screen.locator(".group-card")).to_have_count(2)
    expect(screen.locator(".group-card").nth(1).locator(".group-name")).to_have_text("Zorg")

    # renamed, then merged into the first; undo brings it back
    rename = panel.locator(".group-row").nth(1).locator("input[type=text]")
    rename.fill("Zorg en welzijn")
    rename.press("Tab")
    expect(screen.locator(".group-card").nth(1).locator(".group-name")).to_have_text("Zorg en welzijn")
    panel.locator(".group-row").nth(1).locator("select").select_option(label="Welvaart breed bekeken")
    expect(screen.locator(".group-card")).to_have_count(1)
    panel.get_by_role("button", name="Ongedaan maken").click()
    expect(screen.locator(".group-card")).to_have_count(2)
    expect(screen.locator(".group-card").nth(1).locator(".group-name")).to_have_text("Zorg en welzijn")

    # dissolved: gone from every screen, also after a reload
    panel.locator(".group-row").nth(1).get_by_role("button", name="Opheffen").click()
    expect(screen.locator(".group-card")).to_have_count(1)
    screen.reload()
    connected(screen)
    expect(screen.locator(".group-card")).to_have_count(1)
