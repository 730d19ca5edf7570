"""The projector screen and the chair's page in a real browser against a real server.

Entries typed at two tables appear on the screen; a topic named at two tables shows under
"Herhaaldelijk genoemd" with both tables; the chair's keys step through the report-back in
the meeting's order and every screen follows; phase, timer and hidden entries reach the
screens. A screenshot of every view at 1920×1080 is kept in test-artifacts/screen/.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from . import screen_support
from .screen_support import (
    FULL_HD,
    HD,
    MODE_KEYS,
    SCREEN_ARTIFACTS,
    add_entry,
    feedback_table,
    live,
    shoot,
    showing,
)

# the fixtures of screen_support, visible to pytest in this module
screen_server = screen_support.screen_server
import_meeting = screen_support.import_meeting
links = screen_support.links
empty_links = screen_support.empty_links
short_links = screen_support.short_links

pytestmark = pytest.mark.browser
expect.set_options(timeout=15_000)


def table_url(links: dict, number: int, role: str = "rapporteur") -> str:
    return links["tables"][str(number)][role]["url"]


def tile(page: Page, number: int):
    return page.locator(f"#tile-{number}")


def test_entries_typed_at_two_tables_appear_on_the_screen(links, person):
    screen = live(person(FULL_HD).open(links["screen"]["url"]))
    showing(screen, "overview")
    expect(tile(screen, 2)).to_contain_text("Niemand verbonden")
    table2 = live_table(person().open(table_url(links, 2)))
    table5 = live_table(person().open(table_url(links, 5)))

    # who is connected shows on the tiles (the rapporteur pages just connected)
    expect(tile(screen, 2)).to_contain_text("1 verbonden")
    expect(tile(screen, 5)).to_contain_text("verslaglegger")

    add_entry(table2, "Betaalbare huisvesting voor starters", ("Economisch", "Sociaal"), ("Hier en nu",))
    add_entry(table5, "Schone lucht in de wijk", ("Ecologisch",), ("Later",))
    expect(tile(screen, 2)).to_contain_text("Betaalbare huisvesting voor starters")
    expect(tile(screen, 5)).to_contain_text("Schone lucht in de wijk")
    expect(tile(screen, 2).locator(".tile-count")).to_have_text("7 inbreng")  # 6 from the session file
    expect(tile(screen, 3)).not_to_contain_text("Betaalbare huisvesting")

    # typing in a report shows as activity on the tile
    report = table2.get_by_role("textbox", name="Verslag", exact=True)
    report.focus()
    table2.keyboard.press("Control+End")
    table2.keyboard.type(" Starters vinden geen woning.")
    expect(tile(screen, 2).locator(".report-line")).to_contain_text("wordt nu getypt")

    # the same entries in the combined picture, told apart by table number
    chair = live(person(FULL_HD).open(links["chair"]["url"]))
    chair.locator("#main").focus()  # keys go to the page, not to a control
    chair.keyboard.press(MODE_KEYS["combined"])
    showing(screen, "combined")
    # every entry of table 5 (8 from the session file and the new one) carries its table
    expect(screen.locator("#combined-diagram g.entry[data-table='5']")).to_have_count(9)
    expect(screen.locator("#combined-list")).to_contain_text("Schone lucht in de wijk")
    item = screen.locator("#combined-list li").filter(has_text="Schone lucht in de wijk")
    expect(item.locator(".num")).to_have_text("5.9")

    # the chair filters the picture: table 5, horizon "Later"
    chair.get_by_role("checkbox", name="Tafel 5", exact=True).check()
    chair.get_by_role("checkbox", name="Later", exact=True).check()
    expect(screen.locator("#combined-filters")).to_have_text("Tafels 5 · Horizon: Later")
    expect(screen.locator("#combined-list")).to_contain_text("Schone lucht in de wijk")
    expect(screen.locator("#combined-list")).not_to_contain_text("Betaalbare huisvesting")
    expect(screen.locator("#combined-list h3")).to_have_count(1)


def live_table(page: Page) -> Page:
    expect(page.locator("#save-status")).to_have_text("Opgeslagen")
    return page


def test_a_topic_named_at_two_tables_is_herhaaldelijk_genoemd(empty_links, person):
    links = empty_links  # no earlier content, so the new topic is the only one
    screen = live(person(FULL_HD).open(links["screen"]["url"]))
    chair = live(person().open(links["chair"]["url"]))
    chair.locator("#main").focus()  # keys go to the page, not to a control
    chair.keyboard.press(MODE_KEYS["topics"])
    showing(screen, "topics")
    expect(screen.locator("#topics-across")).to_contain_text("Nog geen onderwerpen")

    table2 = live_table(person().open(table_url(links, 2)))
    table4 = live_table(person().open(table_url(links, 4)))
    add_entry(table2, "Woningcorporaties investeren in wijken", ("Sociaal",), ("Later",))
    # at one table only, twice: "vaker aan één tafel", not yet across tables
    add_entry(table2, "Meer ruimte voor woningcorporaties", ("Economisch",))
    within = screen.locator("#topics-within li.topic").filter(has_text=re.compile("woningcorporatie", re.I))
    expect(within).to_have_attribute("data-tables", "2")
    add_entry(table4, "Rol van woningcorporaties", ("Economisch", "Sociaal"))

    # the screen re-counts a couple of seconds after the entries arrive, and names both tables
    topic = screen.locator("#topics-across li.topic").filter(has_text=re.compile("woningcorporatie", re.I))
    expect(topic).to_have_count(1)
    expect(topic).to_have_attribute("data-tables", "2 4")
    expect(topic.locator(".topic-tables")).to_have_text(re.compile(r"Tafel 2\s*Tafel 4"))
    expect(topic.locator(".count")).to_have_text("3×")
    expect(screen.locator("#topics-updated")).to_contain_text("Bijgewerkt om")
    expect(within).to_have_count(0)

    # the chair's own page shows the same
    expect(
        chair.locator("#topics-across li.topic").filter(has_text=re.compile("woningcorporatie", re.I))
    ).to_have_count(1)


def test_keys_step_through_the_report_back_in_the_feedback_order(short_links, person):
    screen = live(person(FULL_HD).open(short_links["screen"]["url"]))
    chair = live(person(FULL_HD).open(short_links["chair"]["url"]))
    chair.locator("#main").focus()  # keys go to the page, not to a control

    def expect_on(number: int, position: str) -> None:
        expect(feedback_table(screen)).to_have_attribute("data-table", str(number))
        expect(screen.locator("#feedback-table-title")).to_contain_text(f"Tafel {number}")
        expect(screen.locator("#feedback-table-title .position")).to_have_text(position)
        expect(feedback_table(chair)).to_have_attribute("data-table", str(number))

    # the demo's order is 1, 3, 4, 5, 6: table 2 did not report back
    chair.keyboard.press("ArrowRight")
    showing(screen, "feedback")
    expect_on(1, "1 van 5")
    expect(screen.locator("#feedback-people")).to_contain_text("Woordvoerder: Ten Dam")
    expect(screen.locator("#feedback-announce")).to_contain_text("tafel 1")
    expect(screen.locator("#feedback-skipped")).to_have_text("Overgeslagen: Tafel 2")
    for key, number, position in [
        ("PageDown", 3, "2 van 5"),  # what a presentation clicker sends
        ("Space", 4, "3 van 5"),
        ("ArrowRight", 5, "4 van 5"),
        ("ArrowRight", 6, "5 van 5"),
        ("ArrowRight", 6, "5 van 5"),  # the end of the order: stays
        ("PageUp", 5, "4 van 5"),
        ("ArrowLeft", 4, "3 van 5"),
        ("Home", 1, "1 van 5"),
        ("End", 6, "5 van 5"),
    ]:
        chair.keyboard.press(key)
        expect_on(number, position)
    # the report-back shows the table's diagram, its entries and its report
    expect(screen.locator("#feedback-diagram svg title").first).to_have_text("Invuloefening tafel 6")
    expect(screen.locator("#feedback-entries li")).to_have_count(8)
    expect(screen.locator("#feedback-report")).not_to_be_empty()

    # quick presses of a clicker step on from where the chair is
    chair.keyboard.press("Home")
    for _ in range(3):
        chair.keyboard.press("PageDown")
    expect_on(5, "4 van 5")

    # the chair skips table 4 and moves table 6 before table 5 (with the keyboard)
    chair.get_by_role("checkbox", name="Tafel 4 overslaan").focus()
    chair.keyboard.press("Space")
    expect(screen.locator("#feedback-skipped")).to_have_text("Overgeslagen: Tafel 2, Tafel 4")
    chair.get_by_role("button", name="Tafel 6 eerder").focus()
    chair.keyboard.press("Enter")
    expect(screen.locator("#feedback-order li")).to_have_text(
        ["Tafel 1 (geweest)", "Tafel 3 (geweest)", "Tafel 6 (geweest)", "Tafel 5"]
    )
    chair.locator("#main").focus()
    chair.keyboard.press("Home")
    expect_on(1, "1 van 4")
    for number, position in [(3, "2 van 4"), (6, "3 van 4"), (5, "4 van 4")]:
        chair.keyboard.press("ArrowRight")
        expect_on(number, position)

    # a second chair device takes over where the first one is
    second = live(person().open(short_links["chair"]["url"]))
    expect(feedback_table(second)).to_have_attribute("data-table", "5")
    expect(second.locator("#order-list li")).to_have_count(6)
    expect(second.get_by_role("checkbox", name="Tafel 4 overslaan")).to_be_checked()
    second.locator("#main").focus()
    second.keyboard.press("ArrowLeft")
    expect_on(6, "3 van 4")


def test_phase_timer_and_hidden_entries_reach_the_screen(links, person):
    screen = live(person(FULL_HD).open(links["screen"]["url"]))
    chair = live(person().open(links["chair"]["url"]))
    rapporteur = live_table(person().open(table_url(links, 1)))
    status = screen.locator("#meeting-status")
    expect(status).to_contain_text("Voorbereiding")
    expect(status.locator("[data-part=timer-box]")).to_be_hidden()

    # the table round starts the meeting's 40 minutes on every screen
    chair.get_by_role("button", name="Ronde aan de tafels").click()
    expect(status).to_contain_text("Ronde aan de tafels")
    expect(status).to_have_attribute("data-timer", "running")
    expect(status.locator(".ms-clock")).to_have_text(re.compile(r"^(40:00|39:[0-5]\d)$"))
    chair.get_by_role("button", name="Pauzeer").click()
    expect(status).to_have_attribute("data-timer", "paused")
    expect(status).to_contain_text("gepauzeerd")
    chair.get_by_role("button", name="+5 min").click()
    expect(status.locator(".ms-clock")).to_have_text(re.compile(r"^(45:00|44:[0-5]\d)$"))
    chair.get_by_role("button", name="Hervat").click()
    expect(status).to_have_attribute("data-timer", "running")

    # an expired timer says so in words (rendered from a state whose end has passed)
    past = (datetime.now(UTC) - timedelta(seconds=5)).isoformat()
    screen.evaluate(
        """(endsAt) => window.facilitatorScreen.status.update(
            {timer: {total: 60, ends_at: endsAt, remaining: null, running: true}})""",
        past,
    )
    expect(status.locator(".ms-clock")).to_have_text("Tijd is om")
    expect(status).to_have_attribute("data-timer", "expired")
    expect(status.locator("[role=status]")).to_have_text("Tijd is om")

    # the chair hides an entry from the screens; it is not deleted, and can come back
    item = tile(chair, 1).locator("li").filter(has_text="Polarisatie verminderen")
    item.get_by_role("button", name=re.compile("^Verberg")).click()
    expect(tile(screen, 1)).not_to_contain_text("Polarisatie verminderen")
    expect(item).to_contain_text("verborgen")
    expect(tile(screen, 1).locator(".tile-count")).to_have_text("6 inbreng")
    rapporteur_list = rapporteur.locator("#entry-list")
    expect(rapporteur_list).to_contain_text("Polarisatie verminderen")
    item.get_by_role("button", name=re.compile("^Toon")).click()
    expect(tile(screen, 1)).to_contain_text("Polarisatie verminderen")

    # closing the input makes the table pages read-only
    chair.get_by_role("button", name="Invoer sluiten").click()
    expect(status).to_contain_text("Invoer gesloten")
    expect(rapporteur.locator("body")).to_have_class(re.compile(r"\bis-closed\b"))


def test_screenshots_of_every_view(links, person):
    """Each view at 1920×1080 (and at 1280×720), kept in test-artifacts/screen/."""
    table3 = live_table(person().open(table_url(links, 3)))
    add_entry(table3, "Vestigingsklimaat voor jonge bedrijven", ("Economisch",), ("Later",))
    screen = live(person(FULL_HD).open(links["screen"]["url"]))
    chair = live(person(FULL_HD).open(links["chair"]["url"]))
    chair.get_by_role("button", name="Ronde aan de tafels").click()
    expect(screen.locator("#meeting-status")).to_have_attribute("data-timer", "running")
    for mode in ("overview", "combined", "topics", "coverage", "feedback"):
        if mode == "feedback":
            chair.get_by_role("button", name="Toon tafel 3 nu").click()
        else:
            chair.keyboard.press(MODE_KEYS[mode])
        showing(screen, mode)
        if mode == "topics":
            expect(screen.locator("#topics-across li.topic").first).to_be_visible()
        if mode == "feedback":
            expect(feedback_table(screen)).to_have_attribute("data-table", "3")
        expect(screen.locator(f"#view-{mode}")).to_be_visible()
        shoot(screen, f"screen-{mode}-1920x1080")
        screen.set_viewport_size(HD["viewport"])
        shoot(screen, f"screen-{mode}-1280x720")
        screen.set_viewport_size(FULL_HD["viewport"])
    shoot(chair, "chair-feedback-1920x1080")
    chair.keyboard.press("b")
    expect(chair.locator("#chair-panel-body")).to_be_hidden()
    shoot(chair, "chair-panel-folded-1920x1080")
    for mode in ("overview", "combined", "topics", "coverage", "feedback"):
        assert (SCREEN_ARTIFACTS / f"screen-{mode}-1920x1080.png").stat().st_size > 10_000


def test_screen_logic_in_the_browser(links, person):
    """The pure parts of the screen's modules, run in the browser they are written for."""
    page = live(person().open(links["screen"]["url"]))
    result = page.evaluate(
        """async () => {
        const { stepTable, moveInOrder, wordCount } = await import("/static/js/screen-state.js");
        const { coverage, emptyEverywhere } = await import("/static/js/coverage.js");
        const { timerState, formatClock, announceAt } = await import("/static/js/meeting-status.js");
        const template = {
          bollen: [{ key: "a", label: "A" }, { key: "b", label: "B" }],
          horizons: [{ key: "nu", label: "Nu" }, { key: "later", label: "Later" }],
        };
        const one = coverage(template, [
          { bollen: ["a", "b"], horizons: ["nu"] },  // an overlap counts for both bollen
          { bollen: ["a"], horizons: [] },           // no horizon: fills no cell
        ]);
        const now = Date.parse("2023-01-27T10:00:00Z");
        const running = { total: 600, ends_at: "2023-01-27T10:05:00Z", remaining: null, running: true };
        return {
          steps: [
            stepTable([1, 3, 4], 3, "next"), stepTable([1, 3, 4], 4, "next"),
            stepTable([1, 3, 4], 1, "prev"), stepTable([1, 3, 4], 2, "next"),
            stepTable([1, 3, 4], null, "next"), stepTable([1, 3, 4], 3, "last"),
            stepTable([], 3, "next"),
          ],
          moved: [moveInOrder([1, 3, 4], 4, -1), moveInOrder([1, 3, 4], 1, -1)],
          words: wordCount("Brede welvaart: **niet** vrijblijvend - SER-werk"),
          cells: [...one.cells.entries()],
          filled: [one.filled, one.total, one.noHorizon],
          empty: emptyEverywhere(template, [one]),
          timer: [
            timerState(running, now),
            timerState(running, now, 290_000),                 // this clock is 290 s behind the server
            timerState(running, now + 400_000),
            timerState({ ...running, ends_at: null, remaining: 42, running: false }, now),
            timerState({ total: null, ends_at: null, remaining: null, running: false }, now),
            timerState({ ...running, ends_at: "2023-01-27T10:10:00.500Z" }, now),  // never above the total
          ],
          clock: [formatClock(0), formatClock(59), formatClock(600), formatClock(3725)],
          announce: [1, 2, 5, 6, 10, 11, 40].map(announceAt),
        };
      }"""
    )
    assert result["steps"] == [4, 4, 1, 1, 1, 4, None]
    assert result["moved"] == [[1, 4, 3], [1, 3, 4]]
    assert result["words"] == 5  # "SER-werk" is one word
    assert dict(result["cells"]) == {"a|nu": 1, "a|later": 0, "b|nu": 1, "b|later": 0}
    assert result["filled"] == [2, 4, 1]
    assert result["empty"] == [{"bol": "A", "horizon": "Later"}, {"bol": "B", "horizon": "Later"}]
    states = ["running", "running", "expired", "paused", "idle", "running"]
    assert [t["state"] for t in result["timer"]] == states
    assert [t["seconds"] for t in result["timer"]] == [300, 10, 0, 42, None, 600]
    assert result["clock"] == ["00:00", "00:59", "10:00", "1:02:05"]
    assert result["announce"] == [True, True, True, False, True, False, True]


def test_an_entry_that_crossed_a_snapshot_stays_on_the_screen(links, person):
    """An event can reach a (re)connecting page before a snapshot read just before that change
    (PostgreSQL lets other work run while the snapshot is read): the page applies the events
    newer than the snapshot again once it has loaded it, so nothing shown disappears."""
    screen = live(person(FULL_HD).open(links["screen"]["url"]))
    table2 = live_table(person().open(table_url(links, 2)))
    add_entry(table2, "Een woning voor elke starter", ("Sociaal",))
    expect(tile(screen, 2)).to_contain_text("Een woning voor elke starter")
    # the snapshot the page was served with, from before the entry, arrives late
    screen.evaluate("() => { const s = window.facilitatorScreen; s.onSnapshot(s.data.snapshot); }")
    screen.wait_for_timeout(500)  # its render
    expect(tile(screen, 2)).to_contain_text("Een woning voor elke starter")

    # the same rule in the table page's state: newer events again, older ones not over a newer snapshot
    result = screen.evaluate(
        """async () => {
        const { TableState } = await import("/static/js/table-state.js");
        const entry = { id: 7, text: "Water", bollen: [], horizons: [] };
        const snap = (seq, entries) => ({ table: 2, seq, meeting: { phase: "round" }, tables: [{ number: 2, entries }] });
        const state = new TableState(snap(4, []));
        state.apply("entry", { entry, seq: 5 });
        state.load(snap(4, []));                     // read before the entry: it stays
        const kept = [...state.entries.keys()];
        state.apply("entry:deleted", { id: 7, seq: 6 });
        state.apply("entry", { entry: { ...entry, id: 8 }, seq: 7 });
        state.load(snap(6, []));                     // read after the delete, before entry 8
        return { kept, after: [...state.entries.keys()], seq: state.seq };
      }"""
    )
    assert result == {"kept": [7], "after": [8], "seq": 7}
