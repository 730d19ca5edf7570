"""The screen at a venue: what a screen reader says about the report-back, and names in the
diagram that stay apart (issue 11, "Venue-ready")."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import SESSIONS

from . import screen_support
from .screen_support import FULL_HD, live, shoot, showing

screen_server = screen_support.screen_server
import_meeting = screen_support.import_meeting
links = screen_support.links
short_links = screen_support.short_links

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


def test_the_report_back_heading_reads_as_table_then_position(short_links, person):
    screen = live(person(FULL_HD).open(short_links["screen"]["url"]))
    chair = live(person(FULL_HD).open(short_links["chair"]["url"]))
    chair.locator("#main").focus()
    chair.keyboard.press("ArrowRight")
    showing(screen, "feedback")
    title = screen.locator("#feedback-table-title")
    expect(title).to_have_accessible_name("Tafel 1, 1 van 5")
    chair.keyboard.press("PageDown")
    expect(title).to_have_accessible_name("Tafel 3, 2 van 5")


def test_the_chair_page_says_connected_only_once_its_keys_work(short_links, person):
    """The chair's controls load as a module of their own; until they are in place the page does
    not say "Verbonden", so a key pressed once it does is never lost (a CI run once lost one)."""
    screen = live(person(FULL_HD).open(short_links["screen"]["url"]))
    someone = person(FULL_HD)
    held = []
    someone.context.route("**/js/chair.js*", lambda route: held.append(route))  # a slow network
    chair = someone.context.new_page()
    chair.goto(short_links["chair"]["url"], wait_until="commit")
    expect(chair.locator("#main")).to_be_attached()
    for _ in range(150):  # however long a loaded machine takes to ask for them
        if held:
            break
        chair.wait_for_timeout(100)
    assert held, "the chair's controls were not asked for"
    expect(chair.locator("#connection")).not_to_have_attribute("data-state", "connected")
    for route in held:
        route.continue_()
    live(chair)
    chair.locator("#main").focus()
    chair.keyboard.press("ArrowRight")
    showing(screen, "feedback")


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


# ----------------------------------------------------------------------------- read from the back

# The smallest text a person in the room sees, in px on the screen: every visible text node
# (HTML: its computed size; SVG: its size scaled by the figure), not what only screen readers get.
SMALLEST_TEXT = """() => {
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!node.textContent.trim() || !el || el.closest('[hidden], .visually-hidden, title, desc, script')) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    const seen = [...range.getClientRects()].some(r => r.width > 1 && r.height > 1
      && r.right > 0 && r.bottom > 0 && r.left < innerWidth && r.top < innerHeight);
    if (!seen) continue;
    let size = parseFloat(getComputedStyle(el).fontSize);
    if (el instanceof SVGElement) size *= el.ownerSVGElement.getScreenCTM().a;
    found.push([Math.round(size * 10) / 10, node.textContent.trim().slice(0, 40)]);
  }
  found.sort((a, b) => a[0] - b[0]);
  return found.slice(0, 3);
}"""

LONG_ENTRY = ("Een heel lange inbreng die maar doorgaat over " * 12)[:500]
LONG_MEETING = (
    """format = 1
[meeting]
title = "Raad, lange teksten"
date = 2023-01-27
round_minutes = 40
feedback_order = [1, 2]
[template]
bollen = [{key = "economisch", label = "Economisch"}, {key = "sociaal", label = "Sociaal"},
          {key = "ecologisch", label = "Ecologisch"}]
horizons = [{key = "hier-en-nu", label = "Hier en nu"}, {key = "later", label = "Later"},
            {key = "elders", label = "Elders"}]
[[tables]]
number = 1
participants = ["Deelnemer 1"]
report = \"\"\"
"""
    + "\n\n".join(
        f"**Punt {i}.** De tafel besprak hoe brede welvaart in het werk van de raad een plaats krijgt, "
        "met voorbeelden uit de regio en de vraag wie er het meest kwetsbaar is."
        for i in range(1, 19)
    )
    + '\n"""\n[[tables.entries]]\ntext = "Kloof stad en platteland"\nbollen = ["sociaal"]\nhorizons = ["later"]\n'
    + '[[tables]]\nnumber = 2\nparticipants = ["Deelnemer 2"]\n'
    + f'[[tables.entries]]\ntext = "{LONG_ENTRY}"\nbollen = ["economisch"]\n'
    + "".join(f'[[tables.entries]]\ntext = "Korte inbreng {i}"\nbollen = ["sociaal"]\n' for i in range(1, 8))
)


def test_every_view_is_readable_from_the_back_of_the_room(links, person):
    """At 1920×1080 nothing meant for the room is smaller than 24px, the diagrams included."""
    screen = live(person(FULL_HD).open(links["screen"]["url"]))
    chair = live(person(FULL_HD).open(links["chair"]["url"]))
    chair.locator("#main").focus()
    for mode, key in (
        ("overview", "1"),
        ("combined", "2"),
        ("topics", "3"),
        ("coverage", "4"),
        ("feedback", "5"),
    ):
        chair.keyboard.press(key)
        showing(screen, mode)
        if mode == "topics":
            expect(screen.locator("#topics-across li").first).to_be_visible()
        if mode == "feedback":
            chair.keyboard.press("Home")
            expect(screen.locator("#feedback-table")).to_have_attribute("data-table", "1")
        screen.wait_for_timeout(300)
        smallest = screen.evaluate(SMALLEST_TEXT)
        shoot(screen, f"readable-{mode}")
        assert smallest and smallest[0][0] >= 24, f"{mode}: smallest text {smallest}"


def test_names_in_the_diagram_are_whole_or_numbered_never_cut(import_meeting, person):
    long = import_meeting(LONG_MEETING)
    screen = live(person(FULL_HD).open(long["screen"]["url"]))
    chair = live(person(FULL_HD).open(long["chair"]["url"]))
    chair.locator("#main").focus()
    for key, mode in (("2", "combined"), ("Home", "feedback")):
        chair.keyboard.press(key)
        showing(screen, mode)
        texts = screen.locator(f"#view-{mode} svg g.entries text")
        expect(texts.first).to_be_attached()
        words = " ".join(texts.all_text_contents())
        assert "…" not in words, words
    expect(screen.locator("#feedback-table")).to_have_attribute("data-table", "1")
    # in the report-back, where there is room, the entry is written out whole (wrapped onto
    # lines if need be), not "Kloof stad e…"
    words = " ".join(screen.locator("#feedback-diagram g.entry text").all_text_contents()).split()
    assert {"Kloof", "stad", "en", "platteland"} <= set(words), words


def test_a_long_report_gets_pages_and_the_clicker_pages_through_them(import_meeting, person):
    long = import_meeting(LONG_MEETING)
    screen = live(person(FULL_HD).open(long["screen"]["url"]))
    chair = live(person(FULL_HD).open(long["chair"]["url"]))
    chair.locator("#main").focus()
    chair.keyboard.press("ArrowRight")
    for page in (screen, chair):
        expect(page.locator("#feedback-table")).to_have_attribute("data-table", "1")
    indicator = chair.locator("#feedback-pages")
    expect(indicator).to_be_visible()
    expect(indicator).to_contain_text("1/")
    pages = int(indicator.get_attribute("data-pages"))
    assert pages >= 2
    first = chair.get_by_text("Punt 1.", exact=True)
    assert in_box(first, chair.locator("#feedback-flow"))
    shoot(chair, "long-report-page-1")
    chair.keyboard.press("PageDown")  # the clicker: the next page, not yet the next table
    expect(indicator).to_contain_text(f"2/{pages}")
    expect(chair.locator("#feedback-table")).to_have_attribute("data-table", "1")
    assert not in_box(first, chair.locator("#feedback-flow"))
    shoot(chair, "long-report-page-2")
    # the screen follows the chair's page; the screen link pages with its own keys too
    expect(screen.locator("#feedback-pages")).to_contain_text("2/")
    assert not in_box(screen.get_by_text("Punt 1.", exact=True), screen.locator("#feedback-flow"))
    screen.keyboard.press("PageUp")
    expect(screen.locator("#feedback-pages")).to_contain_text("1/")
    # a screen opened now shows the page the chair is on
    late = live(person(FULL_HD).open(long["screen"]["url"]))
    expect(late.locator("#feedback-pages")).to_contain_text("2/")
    shoot(late, "long-report-screen-follows-page-2")
    chair.keyboard.press("PageDown")
    if pages >= 3:
        expect(indicator).to_contain_text(f"3/{pages}")
    for other in (screen, late):
        expect(other.locator("#feedback-pages")).to_contain_text(f"{min(3, pages)}/")
    chair.keyboard.press("PageUp")
    for _ in range(pages - 1):
        chair.keyboard.press("ArrowRight")
    expect(chair.locator("#feedback-table")).to_have_attribute("data-table", "2")
    expect(screen.locator("#feedback-table")).to_have_attribute("data-table", "2")
    chair.keyboard.press("PageUp")
    expect(chair.locator("#feedback-table")).to_have_attribute("data-table", "1")
    expect(indicator).to_contain_text("1/")


def test_a_500_character_entry_does_not_push_the_others_out(import_meeting, person):
    long = import_meeting(LONG_MEETING)
    screen = live(person(FULL_HD).open(long["screen"]["url"]))
    chair = live(person(FULL_HD).open(long["chair"]["url"]))
    chair.locator("#main").focus()
    # the overview: clamped to a few lines, the tile keeps its place
    tile = screen.locator("#tile-2 .latest-list li").filter(has_text="Een heel lange")
    assert tile.evaluate("li => li.getBoundingClientRect().height") < 4 * 24 * 1.3
    # the combined list: clamped; every entry on a page of the list
    chair.keyboard.press("2")
    showing(screen, "combined")
    item = screen.locator("#combined-list li").filter(has_text="Een heel lange")
    assert item.evaluate("li => li.getBoundingClientRect().height") < 4 * 24 * 1.3
    assert all_shown_on_some_page(screen, "#combined-list", "#combined-list li")
    # the report-back: the entry whole, the others still there (on this page or the next)
    chair.keyboard.press("End")
    expect(screen.locator("#feedback-table")).to_have_attribute("data-table", "2")
    shoot(screen, "long-entry-report-back")
    assert all_shown_on_some_page(screen, "#feedback-flow", "#feedback-entries li")


def in_box(locator, box) -> bool:
    """Whether the locator's top edge lies inside the box (on its page) and the viewport."""
    return locator.evaluate(
        """(el, box) => { const r = el.getBoundingClientRect(), b = box.getBoundingClientRect();
          return r.top >= b.top - 1 && r.top < Math.min(b.bottom, innerHeight)
            && r.left >= b.left - 1 && r.left < Math.min(b.right, innerWidth); }""",
        box.element_handle(),
    )


def all_shown_on_some_page(page, box: str, items: str) -> bool:
    """Page through a paged box with the screen's keys: every item shows (its top edge) on one."""
    pages = int(page.evaluate("() => window.facilitatorScreen.pages"))
    seen: set[int] = set()
    for at in range(pages):
        if at:
            page.keyboard.press("PageDown")
            expect(page.locator(".page-indicator:visible")).to_contain_text(f"{at + 1}/{pages}")
        shown = page.locator(items).evaluate_all(
            """(els, sel) => { const b = document.querySelector(sel).getBoundingClientRect();
              return els.map((el, i) => { const r = el.getBoundingClientRect();
                return r.top >= b.top - 1 && r.top < Math.min(b.bottom, innerHeight)
                  && r.left >= b.left - 1 && r.left < Math.min(b.right, innerWidth) ? i : -1; }); }""",
            box,
        )
        seen.update(i for i in shown if i >= 0)
    return seen == set(range(page.locator(items).count()))
