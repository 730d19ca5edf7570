"""The table pages in a real browser against a real server process.

An entry added on one page appears on another; offline work survives a reload (and a
closed tab) and reaches the server when the network returns; two people typing in the
same report at once both keep every keystroke and end with the same text.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
import socketio
from playwright.sync_api import Locator, Page, expect

from facilitator import TestingConfig, create_app, operations, sessionfile
from facilitator.database import ensure_schema
from facilitator.extensions import db

from .conftest import ARTIFACTS, DEMO, PHONE, SESSIONS, table_on_server

pytestmark = pytest.mark.browser
expect.set_options(timeout=15_000)

BOLLEN = ("Economisch", "Sociaal", "Ecologisch")
HORIZONS = ("Hier en nu", "Later", "Elders")


def url(links: dict, role: str, table: int = 1) -> str:
    return links["tables"][str(table)][role]["url"]


def token(links: dict, role: str, table: int = 1) -> str:
    return links["tables"][str(table)][role]["token"]


def status(page: Page):
    return page.locator("#save-status")


def wait_saved(page: Page) -> None:
    expect(status(page)).to_have_text("Opgeslagen")


def add_entry(page: Page, text: str, bollen: tuple[str, ...], horizons: tuple[str, ...] = ()) -> None:
    """Fill the entry form as a person would and press Enter."""
    page.get_by_label("Inbreng", exact=True).fill(text)
    form = page.locator("#entry-form")
    for name in BOLLEN:
        form.get_by_role("checkbox", name=name, exact=True).set_checked(name in bollen)
    for name in HORIZONS:
        form.get_by_role("checkbox", name=name, exact=True).set_checked(name in horizons)
    page.get_by_label("Inbreng", exact=True).press("Enter")


def entry_row(page: Page, text: str):
    return page.locator("#entry-list li.entry").filter(has_text=text)


def report(page: Page):
    return page.get_by_role("textbox", name="Verslag", exact=True)


def wait_for_offline_copy(page: Page) -> None:
    """The service worker controls the page and keeps a copy of it for an offline reload."""
    page.wait_for_function("() => navigator.serviceWorker && navigator.serviceWorker.controller !== null")
    expect(page.locator("html")).to_have_attribute("data-offline", "ready")


def chair_call(server_url: str, chair_token: str, event: str, payload: dict) -> dict:
    client = socketio.SimpleClient()
    client.connect(server_url, namespace="/live", auth={"token": chair_token}, transports=["websocket"])
    try:
        return client.call(event, {"op": str(uuid.uuid4()), **payload}, timeout=10)
    finally:
        client.disconnect()


def keep_typing(field: Locator, word: str, until: Callable[[], bool], timeout: float = 30.0) -> str:
    """Type ``word`` into ``field`` again and again until ``until()`` holds: a person who goes on
    typing while something reaches the page, however long its way there takes (a loaded machine,
    a reconnect). Returns what was typed."""
    typed = ""
    deadline = time.monotonic() + timeout
    while not until():
        assert time.monotonic() < deadline, f"nothing reached the page while {typed!r} was typed"
        field.press_sequentially(word)
        typed += word
    return typed


def chair_call_while_typing(field: Locator, word: str, until: Callable[[], bool], *call) -> tuple[dict, str]:
    """``chair_call(*call)`` while the person at ``field`` types on until ``until()`` holds (the
    chair's change has reached their page). Returns the chair's answer and what was typed."""
    with ThreadPoolExecutor(1) as pool:
        answer = pool.submit(chair_call, *call)
        typed = keep_typing(
            field, word, lambda: answer.done() and (answer.exception() is not None or until())
        )
        return answer.result(), typed


def test_entry_added_on_one_page_appears_on_the_other(meeting, person):
    server, links = meeting
    rapporteur = person().open(url(links, "rapporteur"))
    phone = person(PHONE).open(url(links, "participant"))
    wait_saved(rapporteur)
    wait_saved(phone)

    # the contract's accessible names
    expect(rapporteur.get_by_label("Inbreng", exact=True)).to_be_editable()
    for name in BOLLEN + HORIZONS:
        expect(rapporteur.get_by_role("checkbox", name=name, exact=True)).to_have_count(1)
    expect(rapporteur.get_by_role("button", name="Toevoegen")).to_be_enabled()
    expect(report(rapporteur)).to_be_editable()

    # the rapporteur, keyboard only: text, Tab to the toggles, Space, Enter
    rapporteur.get_by_label("Inbreng", exact=True).focus()
    rapporteur.keyboard.type("Brede welvaart in de regio")
    rapporteur.keyboard.press("Tab")  # Economisch
    rapporteur.keyboard.press("Tab")  # Sociaal
    rapporteur.keyboard.press("Space")
    rapporteur.keyboard.press("Tab")  # Ecologisch
    rapporteur.keyboard.press("Space")
    rapporteur.keyboard.press("Tab")  # Hier en nu
    rapporteur.keyboard.press("Tab")  # Later
    rapporteur.keyboard.press("Space")
    rapporteur.keyboard.press("Enter")
    expect(rapporteur.get_by_label("Inbreng", exact=True)).to_be_focused()
    expect(rapporteur.get_by_label("Inbreng", exact=True)).to_have_value("")

    row = entry_row(phone, "Brede welvaart in de regio")
    expect(row).to_be_visible()
    expect(row).to_contain_text("Sociaal")
    expect(row).to_contain_text("Ecologisch")
    expect(row).to_contain_text("Later")
    expect(phone.locator("#diagram svg")).to_contain_text("Brede welvaart in de regio")

    # the participant adds from the phone; the rapporteur sees it in the list and the circles
    add_entry(phone, "Zorg dichtbij huis", ("Sociaal",), ("Hier en nu",))
    expect(entry_row(rapporteur, "Zorg dichtbij huis")).to_be_visible()
    expect(rapporteur.locator("#diagram svg")).to_contain_text("Zorg dichtbij huis")
    wait_saved(phone)
    wait_saved(rapporteur)

    # presence: who else is at the table, with the name a person chose
    expect(rapporteur.locator("#presence")).to_contain_text("deelnemer")
    phone.get_by_text("Uw naam", exact=True).click()
    phone.get_by_label("Uw naam (optioneel").fill("Anna")
    phone.get_by_role("button", name="Naam opslaan").click()
    expect(rapporteur.locator("#presence")).to_contain_text("Anna (deelnemer)")

    texts = [e["text"] for e in table_on_server(server.url, token(links, "rapporteur"))["entries"]]
    assert "Brede welvaart in de regio" in texts and "Zorg dichtbij huis" in texts
    saved = next(
        e
        for e in table_on_server(server.url, token(links, "rapporteur"))["entries"]
        if e["text"] == "Brede welvaart in de regio"
    )
    assert saved["bollen"] == ["sociaal", "ecologisch"] and saved["horizons"] == ["later"]


def test_edit_in_place_delete_and_undo_reach_the_other_page(meeting, person):
    server, links = meeting
    first = person().open(url(links, "rapporteur"))
    second = person().open(url(links, "rapporteur"))
    wait_saved(first)
    wait_saved(second)

    entry_id = entry_row(first, "Verdienvermogen").get_attribute("data-id")
    row = first.locator(f'#entry-list li[data-id="{entry_id}"]')
    row.get_by_role("button", name=re.compile("^Wijzig inbreng")).click()
    field = row.get_by_label("Tekst wijzigen")
    expect(field).to_be_focused()
    field.fill("Verdienvermogen op lange termijn")
    row.get_by_role("checkbox", name="Elders").check()
    field.press("Enter")
    expect(entry_row(second, "Verdienvermogen op lange termijn")).to_contain_text("Elders")
    wait_saved(first)  # the row was drawn again after the acknowledgement: focus stays put
    expect(row.get_by_role("button", name=re.compile("^Wijzig inbreng"))).to_be_focused()

    row.get_by_role("button", name=re.compile("^Verwijder inbreng")).click()
    expect(entry_row(second, "Verdienvermogen op lange termijn")).to_have_count(0)
    undo = first.get_by_role("button", name="Ongedaan maken")
    expect(undo).to_be_focused()
    undo.click()
    expect(entry_row(second, "Verdienvermogen op lange termijn")).to_have_count(1)
    wait_saved(first)
    texts = [e["text"] for e in table_on_server(server.url, token(links, "rapporteur"))["entries"]]
    assert "Verdienvermogen op lange termijn" in texts


def test_offline_work_survives_a_reload_and_reaches_the_server(meeting, person, export_session):
    server, links = meeting
    laptop = person()
    page = laptop.open(url(links, "rapporteur"))
    wait_saved(page)
    wait_for_offline_copy(page)
    typed = "\n\nOffline getypt: niets gaat verloren."

    laptop.context.set_offline(True)
    expect(status(page)).to_contain_text("Offline")
    add_entry(page, "Offline inbreng een", ("Economisch",), ("Later",))
    add_entry(page, "Offline inbreng twee", ("Sociaal", "Ecologisch"))
    report(page).focus()
    page.keyboard.press("Control+End")
    page.keyboard.type(typed)  # typing is never blocked
    expect(status(page)).to_have_text("Offline — 3 wijzigingen wachten")
    expect(entry_row(page, "Offline inbreng een")).to_contain_text("wacht")

    # the server has none of it yet: the browser really is offline
    on_server = table_on_server(server.url, token(links, "rapporteur"))
    assert "Offline inbreng een" not in [e["text"] for e in on_server["entries"]]
    assert "Offline getypt" not in on_server["report"]

    page.reload()  # the service worker serves the page; the outbox and the document are kept
    expect(page.locator("h1")).to_contain_text("Tafel 1")
    expect(status(page)).to_have_text("Offline — 3 wijzigingen wachten")
    expect(entry_row(page, "Offline inbreng een")).to_contain_text("wacht")
    expect(entry_row(page, "Offline inbreng twee")).to_be_visible()
    expect(report(page)).to_have_value(re.compile(re.escape(typed) + "$"))
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "rapporteur-offline-after-reload.png"))

    laptop.context.set_offline(False)
    wait_saved(page)
    expect(entry_row(page, "Offline inbreng een")).not_to_contain_text("wacht")
    on_server = table_on_server(server.url, token(links, "rapporteur"))
    texts = [e["text"] for e in on_server["entries"]]
    assert texts.count("Offline inbreng een") == 1 and texts.count("Offline inbreng twee") == 1
    assert on_server["report"].endswith(typed)
    assert on_server["report"] == report(page).input_value()

    # and the server's copy is what the exported session file holds
    exported = export_session(links["meeting"])
    assert "Offline inbreng twee" in exported and "Offline getypt: niets gaat verloren." in exported


def test_changes_of_a_closed_tab_are_sent_by_the_next(meeting, person):
    server, links = meeting
    laptop = person()
    page = laptop.open(url(links, "rapporteur"))
    wait_saved(page)
    laptop.context.set_offline(True)
    expect(status(page)).to_contain_text("Offline")
    add_entry(page, "Getypt voor het sluiten", ("Ecologisch",))
    report(page).focus()
    page.keyboard.press("Control+End")
    page.keyboard.type(" Tab dicht, tekst bewaard.")
    expect(status(page)).to_have_text("Offline — 2 wijzigingen wachten")
    page.close()  # the tab is closed: its outbox is left for the next tab of this table

    laptop.context.set_offline(False)
    again = laptop.open(url(links, "rapporteur"))
    wait_saved(again)
    expect(entry_row(again, "Getypt voor het sluiten")).to_be_visible()
    on_server = table_on_server(server.url, token(links, "rapporteur"))
    assert "Getypt voor het sluiten" in [e["text"] for e in on_server["entries"]]
    assert on_server["report"].endswith(" Tab dicht, tekst bewaard.")


def test_a_revoked_link_keeps_its_changes_for_the_new_link(meeting, person, rotate_link):
    server, links = meeting
    laptop = person()
    old = laptop.open(url(links, "rapporteur"))
    wait_saved(old)
    new_url = rotate_link(links["meeting"], "rapporteur", 1)

    add_entry(old, "Getypt met de oude link", ("Sociaal",))
    expect(status(old)).to_have_text("Link niet meer geldig")
    expect(old.locator("#live-message")).to_contain_text("niet meer geldig")
    expect(entry_row(old, "Getypt met de oude link")).to_contain_text("wacht")
    expect(old.get_by_role("button", name="Toevoegen")).to_be_disabled()
    ARTIFACTS.mkdir(exist_ok=True)
    old.screenshot(path=str(ARTIFACTS / "rapporteur-revoked.png"))

    new = laptop.open(new_url)  # the same device opens the new link: it sends what was left
    wait_saved(new)
    expect(entry_row(new, "Getypt met de oude link")).not_to_contain_text("wacht")
    fresh_token = new_url.rsplit("/", 1)[1]
    assert "Getypt met de oude link" in [
        e["text"] for e in table_on_server(server.url, fresh_token)["entries"]
    ]


def test_typing_goes_on_while_the_server_restarts(live_server, person):
    """The server process dies (a crash, a laptop restarted) and comes back on the same data."""
    server = live_server()
    app = create_app(TestingConfig(server.env["DATABASE_URL"]))
    with app.app_context():
        ensure_schema()
        links = operations.links(
            operations.import_meeting(sessionfile.loads((SESSIONS / DEMO).read_bytes())), server.url
        )
        db.session.remove()
        db.engine.dispose()
    server.start()
    page = person().open(url(links, "rapporteur"))
    wait_saved(page)

    server.kill()
    expect(status(page)).to_contain_text("Offline")
    add_entry(page, "Terwijl de server weg was", ("Ecologisch",), ("Elders",))
    report(page).focus()
    page.keyboard.press("Control+End")
    page.keyboard.type(" Doorgetypt tijdens de herstart.")
    expect(status(page)).to_have_text("Offline — 2 wijzigingen wachten")

    server.start()
    wait_saved(page)
    on_server = table_on_server(server.url, token(links, "rapporteur"))
    assert "Terwijl de server weg was" in [e["text"] for e in on_server["entries"]]
    assert on_server["report"].endswith(" Doorgetypt tijdens de herstart.")


def test_two_people_typing_in_the_report_at_once_keep_every_keystroke(meeting, person):
    server, links = meeting
    one = person().open(url(links, "rapporteur"))
    two = person().open(url(links, "rapporteur"))
    wait_saved(one)
    wait_saved(two)
    original = report(one).input_value()

    # one types at the start, the other at the end, keystroke for keystroke at the same time
    start_text = "Begin van Ans. "
    end_text = " Slot van Bert."
    report(one).focus()
    one.keyboard.press("Control+Home")
    report(two).focus()
    two.keyboard.press("Control+End")
    for a, b in zip(start_text, end_text, strict=True):
        one.keyboard.type(a)
        two.keyboard.type(b)
    expected = start_text + original + end_text
    expect(report(one)).to_have_value(expected)
    expect(report(two)).to_have_value(expected)

    # and both at the very same place (the end): each run of keystrokes stays whole
    one.keyboard.press("Control+End")
    mine, theirs = " [een]", " {twee}"
    for a, b in zip(mine.ljust(len(theirs)), theirs, strict=True):
        one.keyboard.type(a)
        two.keyboard.type(b)
    mine = mine.ljust(len(theirs))
    total = len(expected) + len(mine) + len(theirs)
    for page in (one, two):
        page.wait_for_function("n => document.getElementById('report').value.length === n", arg=total)
    wait_saved(one)
    wait_saved(two)
    final = report(one).input_value()
    expect(report(two)).to_have_value(final)
    assert final.startswith(expected)
    tail = final[len(expected) :]
    assert sorted(tail) == sorted(mine + theirs)
    assert mine in tail and theirs in tail
    assert table_on_server(server.url, token(links, "rapporteur"))["report"] == final


def test_markdown_preview_and_hostile_text_stay_text(meeting, person):
    _, links = meeting
    page = person().open(url(links, "rapporteur"))
    wait_saved(page)
    report(page).fill(
        'Inleiding <img src=x onerror="document.title=1">\n\n- **vet** punt\n- *schuin*\n\n1. een\n2. twee'
    )
    preview = page.locator("#report-preview")
    expect(preview.locator("ul > li")).to_have_count(2)
    expect(preview.locator("ol > li")).to_have_count(2)
    expect(preview.locator("strong")).to_have_text("vet")
    expect(preview.locator("em")).to_have_text("schuin")
    expect(preview.locator("p").first).to_have_text('Inleiding <img src=x onerror="document.title=1">')
    expect(preview.locator("img")).to_have_count(0)

    add_entry(page, "<script>alert(1)</script> & <b>vet</b>", ("Sociaal",))
    expect(entry_row(page, "<script>alert(1)</script> & <b>vet</b>")).to_be_visible()
    hostile = entry_row(page, "<script>alert(1)</script> & <b>vet</b>")
    expect(hostile.locator("script")).to_have_count(0)
    expect(hostile.locator("b", has_text="vet")).to_have_count(0)
    wait_saved(page)


def test_attendance_correction_from_the_rapporteur_page(meeting, person):
    server, links = meeting
    page = person().open(url(links, "rapporteur"))
    other = person().open(url(links, "rapporteur"))
    wait_saved(page)
    page.get_by_text("Aanwezigheid corrigeren").click()
    page.get_by_label("Deelnemers (één naam per regel)").fill("Ten Dam\nSpijkerman\nVan de Ven")
    page.get_by_label("Gespreksleider").select_option("Van de Ven")
    page.get_by_label("Woordvoerder").select_option("Ten Dam")
    page.get_by_label("Rapporteur").fill("Blijden")
    page.get_by_role("button", name="Aanwezigheid opslaan").click()
    expect(other.locator("#people")).to_contain_text("Van de Ven (gespreksleider)")
    wait_saved(page)
    info = table_on_server(server.url, token(links, "rapporteur"))
    assert info["participants"] == ["Ten Dam", "Spijkerman", "Van de Ven"]
    assert (info["leader"], info["spokesperson"], info["rapporteur"]) == ("Van de Ven", "Ten Dam", "Blijden")


def test_a_close_makes_the_page_read_only_but_keeps_offline_work(meeting, person):
    server, links = meeting
    laptop = person()
    page = laptop.open(url(links, "rapporteur"))
    wait_saved(page)
    laptop.context.set_offline(True)
    expect(status(page)).to_contain_text("Offline")
    add_entry(page, "Net voor de sluiting", ("Economisch",))
    report(page).focus()
    page.keyboard.press("Control+End")
    page.keyboard.type(" Nog even afmaken.")

    ack = chair_call(server.url, links["chair"]["token"], "chair:phase", {"phase": "closed"})
    assert ack["ok"], ack
    laptop.context.set_offline(False)

    expect(page.locator("#closed-message")).to_be_visible()
    expect(status(page)).to_have_text("Invoer gesloten")
    expect(report(page)).not_to_be_editable()
    expect(page.get_by_role("button", name="Toevoegen")).to_be_disabled()
    expect(report(page)).to_have_value(re.compile(r" Nog even afmaken\.$"))
    # made before the close (offline): the server keeps it
    on_server = table_on_server(server.url, token(links, "rapporteur"))
    assert "Net voor de sluiting" in [e["text"] for e in on_server["entries"]]
    assert on_server["report"].endswith(" Nog even afmaken.")


def test_round_timer_and_phase_show_on_the_table_pages(meeting, person):
    server, links = meeting
    page = person().open(url(links, "rapporteur"))
    phone = person(PHONE).open(url(links, "participant"))
    wait_saved(page)
    status_box = page.locator("#meeting-status")
    expect(status_box).to_contain_text("Voorbereiding")
    assert chair_call(server.url, links["chair"]["token"], "chair:phase", {"phase": "round"})["ok"]
    for p in (page, phone):
        expect(p.locator("#meeting-status")).to_contain_text("Ronde aan de tafels")
        expect(p.locator("#meeting-status [data-part=clock]")).to_have_text(
            re.compile(r"^(40:00|39:[0-5]\d)$")
        )
    assert chair_call(server.url, links["chair"]["token"], "chair:timer", {"action": "extend", "minutes": 5})[
        "ok"
    ]
    expect(status_box.locator("[data-part=clock]")).to_have_text(re.compile(r"^(45:00|44:[0-5]\d)$"))
    assert chair_call(server.url, links["chair"]["token"], "chair:phase", {"phase": "preparation"})["ok"]


def test_screenshots_and_phone_layout(meeting, person):
    """Pictures for a person to look at (test-artifacts/); the phone page fits its width."""
    _, links = meeting
    ARTIFACTS.mkdir(exist_ok=True)
    laptop = person().open(url(links, "rapporteur"))
    phone = person(PHONE).open(url(links, "participant"))
    wait_saved(laptop)
    wait_saved(phone)
    add_entry(phone, "Vertrouwen in instituties", ("Sociaal", "Ecologisch"), ("Later", "Elders"))
    expect(entry_row(laptop, "Vertrouwen in instituties")).to_be_visible()
    laptop.screenshot(path=str(ARTIFACTS / "rapporteur-1280x800.png"))
    laptop.screenshot(path=str(ARTIFACTS / "rapporteur-full.png"), full_page=True)
    phone.screenshot(path=str(ARTIFACTS / "participant-phone.png"), full_page=True)
    overflow = phone.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0


def test_browser_modules_diff_caret_markdown_and_layout(meeting, person):
    """The pure functions of the page scripts, run in the browser itself."""
    _, links = meeting
    page = person().open(url(links, "participant"))
    wait_saved(page)
    result = page.evaluate(
        """async () => {
        const { textDiff, transformRange } = await import('/static/js/report-editor.js');
        const { parseBlocks } = await import('/static/js/markdown.js');
        const { layoutBollen, horizonLetters } = await import('/static/js/bollen-layout.js');
        const { uuidFromRandomValues } = await import('/static/js/util.js');
        const out = {};
        out.uuids = [uuidFromRandomValues(), uuidFromRandomValues()];
        out.diffs = [
          textDiff('abc', 'abXc'), textDiff('abc', 'ac'), textDiff('a😀b', 'a😁b'),
          textDiff('aaa', 'aaaa'), textDiff('', 'x'),
        ];
        out.caret = [
          transformRange([{ retain: 2 }, { insert: 'XY' }], 5, 5),
          transformRange([{ retain: 5 }, { insert: 'XY' }], 5, 5),
          transformRange([{ retain: 1 }, { delete: 3 }], 3, 6),
        ];
        out.blocks = parseBlocks('Een\\nregel\\n\\n- a\\n- b\\n\\n- c\\n\\n3. drie\\n4. vier\\nmeer')
          .map((b) => [b.kind, b.start, b.children.map((item) => item.children.map((p) => p.inlines.map((r) => r.text).join("")))]);
        out.letters = [...horizonLetters([{ key: 'a', label: 'Hier en nu' }, { key: 'b', label: 'Heden' },
                                          { key: 'c', label: 'Later' }]).values()];
        out.layouts = [];
        for (let n = 2; n <= 8; n++) {
          const bollen = Array.from({ length: n }, (_, i) => ({ key: 'b' + i, label: 'Bol ' + i }));
          const entries = [];
          for (let i = 0; i < n; i++) {
            entries.push({ id: 's' + i, text: 'Alleen ' + i, bollen: ['b' + i], horizons: [] });
            const pair = ['b' + i, 'b' + ((i + 1) % n)];
            entries.push({ id: 'p' + i, text: 'Paar ' + i, bollen: pair, horizons: [] });
          }
          entries.push({ id: 'all', text: 'Overal', bollen: bollen.map((b) => b.key), horizons: [] });
          const layout = layoutBollen({ bollen, horizons: [] }, entries, { fontSize: 12 });
          const misplaced = [];
          for (const item of layout.placed) {
            const points = item.mode === 'text' ? item.lines : [item];
            for (const p of points) {
              const inside = layout.circles.map((c) => Math.hypot(p.x - c.cx, p.y - c.cy) <= c.r);
              const wanted = item.entry.bollen.map((k) => Number(k.slice(1)));
              if (!wanted.every((i) => inside[i])) misplaced.push(item.entry.id);
              if (wanted.length === 1 && inside.filter(Boolean).length !== 1) misplaced.push(item.entry.id);
            }
          }
          out.layouts.push({ n, placed: layout.placed.length, count: entries.length, misplaced });
        }
        return out;
      }"""
    )
    assert result["diffs"] == [
        {"index": 2, "remove": 0, "insert": "X"},
        {"index": 1, "remove": 1, "insert": ""},
        {"index": 1, "remove": 2, "insert": "😁"},  # never half an emoji
        {"index": 3, "remove": 0, "insert": "a"},
        {"index": 0, "remove": 0, "insert": "x"},
    ]
    # an insert before the caret moves it; one at the caret leaves it (own typing stays whole)
    assert result["caret"] == [[7, 7], [5, 5], [1, 3]]
    # the annex's blocks (facilitator/export/richtext.py): a soft line break is a space
    assert result["blocks"] == [
        ["paragraph", 1, []],
        ["bullet_list", 1, [["a"], ["b"], ["c"]]],
        ["ordered_list", 3, [["drie"], ["vier meer"]]],
    ]
    assert result["letters"] == ["●", "▲", "■"]  # the annex's symbols, not letters
    # ids made without crypto.randomUUID (a venue address over plain http): valid and distinct
    first, second = result["uuids"]
    assert first != second
    assert all(
        re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", u)
        for u in result["uuids"]
    )
    for layout in result["layouts"]:
        assert layout["placed"] == layout["count"], layout
        assert layout["misplaced"] == [], layout


def test_table_page_and_screen_apply_an_event_the_same_way(meeting, person):
    """One reducer: the same events leave a table page's state and the screen's equal."""
    _, links = meeting
    page = person().open(url(links, "participant"))
    wait_saved(page)
    result = page.evaluate(
        """async () => {
        const { TableState } = await import('/static/js/table-state.js');
        const { ScreenState } = await import('/static/js/screen-state.js');
        const entry = (id, text) => ({ id, text, bollen: ['b'], horizons: [] });
        const snapshot = {
          table: 2, seq: 10,
          meeting: { phase: 'round', template: { bollen: [{ key: 'b', label: 'B' }], horizons: [] } },
          tables: [{ number: 2, participants: ['An'], report: 'oud', entries: [entry('e1', 'een')] }],
        };
        const events = [
          ['entry', { table: 2, entry: entry('e2', 'twee'), seq: 11 }],
          ['entry', { table: 3, entry: entry('x', 'andere tafel'), seq: 12 }],
          ['entry:deleted', { table: 2, id: 'e1', seq: 13 }],
          ['report', { table: 2, text: 'nieuw', update: '', seq: 14 }],
          ['table', { table: 2, info: { number: 2, participants: ['An', 'Bo'], leader: 'Bo' }, seq: 15 }],
          ['meeting', { meeting: { phase: 'feedback' }, seq: 17 }],
          ['meeting', { meeting: { phase: 'round' }, seq: 16 }],  // older: crossed on the way
        ];
        const table = new TableState(snapshot);
        const screen = new ScreenState({ ...snapshot, table: null });
        for (const [name, data] of events) {
          table.apply(name, data);
          screen.apply(name, data);
        }
        const plain = (t) => ({ info: t.info, report: t.report, entries: [...t.entries.values()] });
        return {
          table: plain(table.table), screen: plain(screen.table(2)),
          phases: [table.phase, screen.meeting.phase], seqs: [table.seq, screen.seq],
        };
    }"""
    )
    assert result["table"] == result["screen"]
    assert [e["id"] for e in result["table"]["entries"]] == ["e2"]
    assert result["table"]["report"] == "nieuw"
    assert result["table"]["info"]["leader"] == "Bo"
    assert result["phases"] == ["feedback", "feedback"]
    assert result["seqs"] == [17, 17]
