"""Screenshots of the table page and the screen at four sizes (test-artifacts/venue/, not in
git), each with something real asserted about what a person sees."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import ARTIFACTS, PHONE
from .test_capture_e2e import chair_call, url, wait_saved
from .test_screen_venue_e2e import SMALLEST_TEXT
from .test_table_venue_e2e import PAINTED, in_viewport

pytestmark = pytest.mark.browser
expect.set_options(timeout=15_000)

SIZES = [(360, 740), (768, 1024), (1366, 768), (1920, 1080)]
OUT = ARTIFACTS / "venue"
OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"


def device(width: int, height: int) -> dict:
    if width < 600:
        return {**PHONE, "viewport": {"width": width, "height": height}}
    return {"viewport": {"width": width, "height": height}}


def test_table_page_at_four_sizes(meeting, person):
    server, links = meeting
    OUT.mkdir(parents=True, exist_ok=True)
    assert chair_call(server.url, links["chair"]["token"], "chair:phase", {"phase": "round"})["ok"]
    for width, height in SIZES:
        page = person(device(width, height)).open(url(links, "rapporteur"))
        wait_saved(page)
        clock = page.locator("#meeting-status [data-part=clock]")
        expect(clock).not_to_have_text("")
        page.screenshot(path=str(OUT / f"rapporteur-{width}x{height}.png"))
        assert page.evaluate(OVERFLOW) <= 0, f"horizontal scrolling at {width}×{height}"
        ink, background = clock.evaluate(PAINTED)
        assert ink != background, f"countdown invisible at {width}×{height}"
        assert in_viewport(page.get_by_role("link", name="Naar verslag")), (
            f"no way to the report at {width}×{height}"
        )
        participant = person(device(width, height)).open(url(links, "participant"))
        wait_saved(participant)
        participant.screenshot(path=str(OUT / f"participant-{width}x{height}.png"))
        assert participant.evaluate(OVERFLOW) <= 0
        assert in_viewport(participant.get_by_label("Inbreng", exact=True))


def test_screen_at_four_sizes(meeting, person):
    _, links = meeting
    OUT.mkdir(parents=True, exist_ok=True)
    chair = person().open(links["chair"]["url"])
    expect(chair.locator("#connection")).to_have_attribute("data-state", "connected")
    chair.locator("#main").focus()
    for width, height in SIZES:
        screen = person(device(width, height)).open(links["screen"]["url"])
        expect(screen.locator("#connection")).to_have_attribute("data-state", "connected")
        for key, mode in (("1", "overview"), ("2", "combined"), ("5", "feedback")):
            chair.keyboard.press(key)
            expect(screen.locator(".views")).to_have_attribute("data-mode", mode)
            screen.screenshot(path=str(OUT / f"screen-{mode}-{width}x{height}.png"))
            assert screen.evaluate(OVERFLOW) <= 0, f"{mode} scrolls sideways at {width}×{height}"
            if (width, height) == (1920, 1080):  # the projector: readable from the back of the room
                smallest = screen.evaluate(SMALLEST_TEXT)
                assert smallest[0][0] >= 24, f"{mode}: smallest text {smallest}"
        chair.keyboard.press("End")
        expect(screen.locator("#feedback-table")).to_have_attribute("data-table", "6")
        screen.screenshot(path=str(OUT / f"screen-report-back-{width}x{height}.png"))
        title = screen.locator("#feedback-table-title")
        expect(title).to_have_accessible_name("Tafel 6, 5 van 5")
        assert in_viewport(title)
        assert screen.evaluate(OVERFLOW) <= 0
        chair.keyboard.press("Home")
