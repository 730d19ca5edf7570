"""The table pages at a venue: readable countdown, a confirmed add, honest limits, the report
one step away, and every entry readable (issue 11, "Venue-ready")."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from .conftest import PHONE
from .test_capture_e2e import add_entry, chair_call, entry_row, report, url, wait_saved

pytestmark = pytest.mark.browser
expect.set_options(timeout=15_000)

LAPTOP_1366 = {"viewport": {"width": 1366, "height": 768}}
PHONE_360 = {**PHONE, "viewport": {"width": 360, "height": 740}}

# The colour a person sees behind an element: the first ancestor with a painted background.
PAINTED = """el => {
  const ink = getComputedStyle(el).color;
  let node = el;
  while (node) {
    const bg = getComputedStyle(node).backgroundColor;
    if (bg && bg !== 'rgba(0, 0, 0, 0)' && bg !== 'transparent') return [ink, bg];
    node = node.parentElement;
  }
  return [ink, 'rgb(255, 255, 255)'];
}"""

IN_VIEWPORT = """el => {
  const r = el.getBoundingClientRect();
  return r.width > 0 && r.top >= 0 && r.bottom <= window.innerHeight && r.left >= 0 && r.right <= window.innerWidth;
}"""


def in_viewport(locator) -> bool:
    return locator.evaluate(IN_VIEWPORT)


def checked_toggles(page: Page) -> list[str]:
    return page.locator("#entry-form input[type=checkbox]:checked").evaluate_all(
        "els => els.map(e => e.value)"
    )


def test_the_countdown_is_readable_on_both_table_pages(meeting, person):
    server, links = meeting
    page = person(LAPTOP_1366).open(url(links, "rapporteur"))
    phone = person(PHONE_360).open(url(links, "participant"))
    wait_saved(page)
    wait_saved(phone)
    assert chair_call(server.url, links["chair"]["token"], "chair:phase", {"phase": "round"})["ok"]
    for p in (page, phone):
        clock = p.locator("#meeting-status [data-part=clock]")
        expect(clock).to_be_visible()
        expect(clock).not_to_have_text("")
        ink, background = clock.evaluate(PAINTED)
        assert ink != background, f"countdown drawn {ink} on {background}"


def test_an_add_is_confirmed_in_view_clears_the_toggles_and_numbers_stay(meeting, person):
    _, links = meeting
    page = person(LAPTOP_1366).open(url(links, "rapporteur"))
    wait_saved(page)
    rows = page.locator("#entry-list li.entry")
    expect(rows).to_have_count(7)
    add_entry(page, "Kansengelijkheid in het onderwijs", ("Sociaal", "Economisch"), ("Later",))
    confirmation = page.locator("#entry-added")
    expect(confirmation).to_be_visible()
    expect(confirmation).to_contain_text("Toegevoegd als nr. 8: Kansengelijkheid in het onderwijs")
    assert in_viewport(confirmation), "the confirmation is out of view"
    new_row = entry_row(page, "Kansengelijkheid in het onderwijs")
    expect(new_row.locator(".num")).to_have_text("8")
    assert in_viewport(new_row), "the new entry is below the fold"
    assert checked_toggles(page) == [], "the next entry would inherit the toggles"
    expect(page.get_by_label("Inbreng", exact=True)).to_be_focused()

    # a delete before it does not renumber the rest; the next new entry gets the next number
    third = rows.nth(2)
    third_text = third.locator(".text").text_content()
    third.get_by_role("button", name="Verwijder inbreng 3").click()
    expect(entry_row(page, third_text)).to_have_count(0)
    expect(entry_row(page, "Kansengelijkheid in het onderwijs").locator(".num")).to_have_text("8")
    expect(rows.nth(2).locator(".num")).to_have_text("4")
    add_entry(page, "Zorg dichtbij huis", ("Sociaal",))
    expect(entry_row(page, "Zorg dichtbij huis").locator(".num")).to_have_text("9")
    # and after a reload on this device the numbers are the same
    wait_saved(page)
    page.reload()
    wait_saved(page)
    expect(entry_row(page, "Zorg dichtbij huis").locator(".num")).to_have_text("9")
    expect(rows.nth(2).locator(".num")).to_have_text("4")


def test_a_participant_sees_their_own_entries_and_that_they_were_sent(meeting, person):
    _, links = meeting
    laptop = person().open(url(links, "rapporteur"))
    phone = person(PHONE_360).open(url(links, "participant"))
    wait_saved(laptop)
    wait_saved(phone)
    add_entry(phone, "Wonen voor jongeren", ("Sociaal",), ("Hier en nu",))
    mine = entry_row(phone, "Wonen voor jongeren")
    expect(phone.locator("#entry-added")).to_contain_text("Toegevoegd als nr. 8")
    expect(mine.locator(".mine-tag")).to_have_text("van u · ✓ verzonden")
    expect(entry_row(laptop, "Wonen voor jongeren")).to_be_visible()
    add_entry(laptop, "Van de verslaglegger", ("Economisch",))
    expect(entry_row(phone, "Van de verslaglegger")).to_be_visible()
    expect(entry_row(phone, "Van de verslaglegger").locator(".mine-tag")).to_have_count(0)


def test_a_long_entry_is_counted_and_refused_not_cut(meeting, person):
    _, links = meeting
    page = person(LAPTOP_1366).open(url(links, "rapporteur"))
    wait_saved(page)
    field = page.get_by_label("Inbreng", exact=True)
    counter = page.locator("#entry-counter")
    assert "entry-counter" in (field.get_attribute("aria-describedby") or "").split()
    expect(counter).to_have_text("0 / 500")
    field.fill("Kort")
    expect(counter).to_have_text("4 / 500")
    long_text = "woord " * 1666 + "eind"
    field.fill(long_text)
    expect(counter).to_have_text(f"{len(long_text)} / 500")
    expect(counter).to_have_class("counter over")
    expect(page.locator("#entry-error")).to_contain_text("Te lang")
    page.locator("#entry-form").get_by_role("checkbox", name="Sociaal", exact=True).check()
    field.press("Enter")
    expect(page.locator("#entry-error")).to_contain_text(f"Te lang: {len(long_text)} tekens, ten hoogste 500")
    assert field.input_value() == long_text, "the text was cut"
    expect(page.locator("#entry-list li.entry")).to_have_count(7)
    expect(page.locator("#entry-added")).to_be_hidden()


def test_the_report_is_one_step_away_on_a_phone_and_with_the_keyboard(meeting, person):
    _, links = meeting
    phone = person(PHONE_360).open(url(links, "rapporteur"))
    wait_saved(phone)
    to_report = phone.get_by_role("link", name="Naar verslag")
    assert in_viewport(to_report), "no way to the report in the first viewport"
    to_report.click()
    expect(report(phone)).to_be_focused()
    assert in_viewport(report(phone))

    laptop = person(LAPTOP_1366).open(url(links, "rapporteur"))
    wait_saved(laptop)
    expect(laptop.locator("#entry-list li.entry")).to_have_count(7)
    laptop.get_by_role("button", name="Toevoegen").focus()
    tabs = 0
    while tabs < 40:
        laptop.keyboard.press("Tab")
        tabs += 1
        if laptop.evaluate("() => document.activeElement.id") == "report":
            break
    assert tabs <= 4, f"{tabs} Tab presses from Toevoegen to the report with 7 entries"
    # within the list the arrow keys go from entry to entry
    laptop.get_by_role("button", name="Toevoegen").focus()
    laptop.keyboard.press("Tab")
    expect(laptop.get_by_role("button", name="Wijzig inbreng 1")).to_be_focused()
    laptop.keyboard.press("ArrowDown")
    laptop.keyboard.press("ArrowDown")
    expect(laptop.get_by_role("button", name="Wijzig inbreng 3")).to_be_focused()
    laptop.keyboard.press("ArrowRight")
    expect(laptop.get_by_role("button", name="Verwijder inbreng 3")).to_be_focused()
    laptop.keyboard.press("End")
    expect(laptop.get_by_role("button", name="Verwijder inbreng 7")).to_be_focused()


def test_entries_shown_as_markers_in_the_figure_are_written_out_under_it(meeting, person):
    _, links = meeting
    page = person(PHONE_360).open(url(links, "participant"))
    wait_saved(page)
    for i in range(6):
        add_entry(
            page, f"Overlap nummer {i} met een langere omschrijving", ("Economisch", "Sociaal", "Ecologisch")
        )
    markers = page.locator("#diagram g.entry:has(rect)")
    expect(markers.first).to_be_attached()
    key = page.locator("#diagram-key")
    expect(key).to_be_visible()
    for title in markers.locator("title").all_text_contents():
        number, text = title.split(". ", 1)
        expect(key).to_contain_text(text.replace(" (wacht)", ""))
    expect(key.locator(".marker").first).to_be_visible()


LINK_CASES = [
    "Zie [de notitie](https://example.org/notitie) en ![grafiek](https://example.org/g.png)",
    "**[vet](https://v.nl)** en *![schuin](http://i.nl/x.png)*",
    "[https://a.nl](https://a.nl) en ![](http://img.nl/a.png)",
    "[geheim](file:///etc/passwd) [x](javascript:alert(1))",
]


def test_links_and_images_in_the_report_are_text_with_their_address(meeting, person):
    from facilitator.export import richtext

    _, links = meeting
    page = person().open(url(links, "rapporteur"))
    wait_saved(page)
    editor = report(page)
    editor.click()
    page.keyboard.press("Control+End")
    page.keyboard.insert_text("\n\n" + LINK_CASES[0])
    preview = page.locator("#report-preview")
    expect(preview).to_contain_text(
        "de notitie (https://example.org/notitie) en grafiek (https://example.org/g.png)"
    )
    assert preview.locator("a, img").count() == 0
    # the preview (and the screen, which uses the same module) says what the annex says
    for case in LINK_CASES:
        shown = page.evaluate(
            """async (text) => {
              const { renderMarkdown } = await import('/static/js/markdown.js');
              const div = document.createElement('div');
              div.append(renderMarkdown(text));
              return [div.textContent, div.querySelectorAll('a, img').length];
            }""",
            case,
        )
        in_annex = "".join(richtext.plain_text(b.inlines) for b in richtext.parse(case))
        assert shown == [in_annex, 0], case


# a heading's look: bold (or semibold) and at least as large as the report's running text
HEADING_LOOK = """el => {
  const style = getComputedStyle(el);
  const text = el.parentElement.querySelector('p');
  const body = text ? parseFloat(getComputedStyle(text).fontSize) : 0;
  return { weight: Number(style.fontWeight), size: parseFloat(style.fontSize), body,
           transform: style.textTransform, display: style.display };
}"""


def test_a_heading_in_the_report_is_a_heading_in_the_preview_and_on_the_screen(meeting, person):
    """`## Kop` is an h-element with a heading's look where the report is shown, as in the annex."""
    from facilitator.export import richtext

    server, links = meeting
    page = person().open(url(links, "rapporteur"))
    wait_saved(page)
    editor = report(page)
    editor.click()
    page.keyboard.press("Control+End")
    page.keyboard.insert_text(
        "\n\n# Samenvatting\n\n## Kop\n\nDe tekst onder de kop.\n\n> een citaat\n\n---\n"
    )
    wait_saved(page)
    heading = page.locator("#report-preview h4.report-heading", has_text="Kop")
    expect(heading).to_be_visible()
    expect(page.locator("#report-preview h3.report-heading")).to_have_text("Samenvatting")
    expect(page.locator("#report-preview blockquote")).to_have_text("een citaat")
    expect(page.locator("#report-preview hr")).to_have_count(1)
    look = heading.evaluate(HEADING_LOOK)
    assert look["weight"] >= 600 and look["size"] >= look["body"] > 0, look
    # the annex draws the same: the report as saved, through richtext
    typed = editor.input_value()
    assert '<h4 class="report-heading">Kop</h4>' in richtext.to_html(typed)

    # the screen's report-back of table 1: the report's headings below its h4 "Verslag"
    screen = person({"viewport": {"width": 1920, "height": 1080}}).open(links["screen"]["url"])
    expect(screen.locator("#connection")).to_have_attribute("data-state", "connected")
    view = {"mode": "feedback", "current": 1}
    assert chair_call(server.url, links["chair"]["token"], "chair:view", view)["ok"]
    on_screen = screen.locator("#feedback-report h6.report-heading", has_text="Kop")
    expect(on_screen).to_be_visible()
    expect(screen.locator("#feedback-report h5.report-heading")).to_have_text("Samenvatting")
    look = on_screen.evaluate(HEADING_LOOK)
    assert look["weight"] >= 600 and look["size"] >= look["body"] > 0 and look["transform"] == "none", look
