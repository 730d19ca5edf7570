"""The screen at a venue: what a screen reader says about the report-back, and names in the
diagram that stay apart (issue 11, "Venue-ready")."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import SESSIONS

from . import screen_support
from .screen_support import FULL_HD, live, showing

screen_server = screen_support.screen_server
import_meeting = screen_support.import_meeting
links = screen_support.links

pytestmark = pytest.mark.browser
expect.set_options(timeout=15_000)

OVERLAPS = """els => {
  const boxes = els.map(e => [e.textContent, e.getBoundingClientRect()]);
  const hits = [];
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const [a, p] = boxes[i], [b, q] = boxes[j];
    if (p.left < q.right && q.left < p.right && p.top < q.bottom && q.top < p.bottom) hits.push([a, b]);
  }
  return hits;
}"""


def test_the_report_back_heading_reads_as_table_then_position(links, person):
    screen = live(person(FULL_HD).open(links["screen"]["url"]))
    chair = live(person(FULL_HD).open(links["chair"]["url"]))
    chair.locator("#main").focus()
    chair.keyboard.press("ArrowRight")
    showing(screen, "feedback")
    title = screen.locator("#feedback-table-title")
    expect(title).to_have_accessible_name("Tafel 1, 1 van 5")
    chair.keyboard.press("PageDown")
    expect(title).to_have_accessible_name("Tafel 3, 2 van 5")


def test_four_bollen_names_do_not_run_into_each_other(import_meeting, person):
    four = import_meeting(SESSIONS / "veiligheid-vier-bollen.toml")
    screen = live(person(FULL_HD).open(four["screen"]["url"]))
    chair = live(person(FULL_HD).open(four["chair"]["url"]))
    chair.locator("#main").focus()
    chair.keyboard.press("ArrowRight")
    showing(screen, "feedback")
    names = screen.locator("#feedback-diagram svg g.labels text")
    expect(names).to_have_count(4)
    assert names.evaluate_all(OVERLAPS) == []
    # and every name is there in full
    assert "Veiligheid / bestaanszekerheid / geopolitiek" in names.all_text_contents()
