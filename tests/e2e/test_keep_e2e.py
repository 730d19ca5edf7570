"""Failures keep the text, in a real browser: while the server cannot save (its database
restarting) the page keeps every change and saves it once the server is back; a change the
server refuses stays on the page with the reason; a report update lost on the way is made
good by the resync the server asks for (`out_of_sync`)."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page, WebSocketRoute, expect

from facilitator import TestingConfig, create_app, operations, sessionfile
from facilitator.database import ensure_schema
from facilitator.extensions import db

from .conftest import DEMO, SESSIONS, table_on_server
from .test_capture_e2e import add_entry, entry_row, report, status, token, url, wait_saved

pytestmark = pytest.mark.browser
expect.set_options(timeout=20_000)


def import_demo(server) -> dict:
    app = create_app(TestingConfig(server.env["DATABASE_URL"]))
    with app.app_context():
        ensure_schema()
        links = operations.links(
            operations.import_meeting(sessionfile.loads((SESSIONS / DEMO).read_bytes())), server.url
        )
        db.session.remove()
        db.engine.dispose()
    return links


def type_at_end(page: Page, text: str) -> None:
    report(page).focus()
    page.keyboard.press("Control+End")
    page.keyboard.type(text)


@pytest.mark.postgres
def test_while_the_database_restarts_the_page_keeps_every_change_and_saves_it_after(
    live_server, restartable_postgres, person
):
    pg = restartable_postgres
    server = live_server(database_url=pg.create_database())
    links = import_demo(server)
    server.start()
    page = person().open(url(links, "rapporteur"))
    wait_saved(page)

    pg.halt()  # the server process stays; its database is gone
    add_entry(page, "Terwijl de database herstart", ("Sociaal",), ("Later",))
    type_at_end(page, " Getypt tijdens de databaseherstart.")
    # the server answered `unavailable`: the page keeps both and says it will try again
    expect(status(page)).to_contain_text("Opslaan lukt nu niet")
    expect(status(page)).to_contain_text("2 wijzigingen wachten")
    expect(entry_row(page, "Terwijl de database herstart")).to_contain_text("wacht")
    expect(entry_row(page, "Terwijl de database herstart")).not_to_contain_text("niet opgeslagen")

    pg.resume()
    wait_saved(page)
    expect(entry_row(page, "Terwijl de database herstart")).not_to_contain_text("wacht")
    on_server = table_on_server(server.url, token(links, "rapporteur"))
    assert [e["text"] for e in on_server["entries"]].count("Terwijl de database herstart") == 1
    assert on_server["report"].endswith(" Getypt tijdens de databaseherstart.")
    assert on_server["report"].count("Getypt tijdens de databaseherstart.") == 1
    assert on_server["report"] == report(page).input_value()


def test_a_refused_entry_stays_on_the_page_with_the_reason(meeting, person):
    server, links = meeting
    someone = person()
    page = someone.context.new_page()
    page.on("pageerror", lambda error: someone.errors.append(str(error)))

    def refuse_too_large(ws: WebSocketRoute) -> None:
        """The page checks the length itself; answer `too_large` as a server with a lower limit would."""
        upstream = ws.connect_to_server()

        def from_page(message):
            match = re.match(r"^42/live,(\d+)(\[.*)$", message) if isinstance(message, str) else None
            if match and "Te lang voor de server" in message:
                refusal = {"ok": False, "error": "too_large", "message": "Dit is te lang om op te slaan."}
                ws.send(f"43/live,{match.group(1)}" + json.dumps([refusal]))
                return
            upstream.send(message)

        ws.on_message(from_page)
        upstream.on_message(lambda message: ws.send(message))

    page.route_web_socket(re.compile(r"/socket\.io/"), refuse_too_large)
    page.goto(url(links, "rapporteur"))
    wait_saved(page)

    add_entry(page, "Te lang voor de server", ("Economisch",), ("Later",))
    row = entry_row(page, "Te lang voor de server")
    expect(row).to_contain_text("niet opgeslagen")
    expect(row).to_contain_text("Dit is te lang om op te slaan.")  # the server's reason
    # an unknown bol (a template changed under the page): refused `invalid` by the real server
    page.locator('#entry-form input[name="bollen"]').first.evaluate("box => { box.value = 'verdwenen'; }")
    add_entry(page, "Bij een verdwenen bol", ("Economisch",))
    unknown = entry_row(page, "Bij een verdwenen bol")
    expect(unknown).to_contain_text("niet opgeslagen")
    wait_saved(page)  # nothing waits: the refusals are final, but their text is on the page

    page.reload()  # kept on this device
    expect(entry_row(page, "Te lang voor de server")).to_contain_text("niet opgeslagen")
    expect(entry_row(page, "Bij een verdwenen bol")).to_contain_text("niet opgeslagen")

    # the person puts it back into the form to correct it
    entry_row(page, "Te lang voor de server").get_by_role("button", name="Opnieuw invullen").click()
    expect(page.get_by_label("Inbreng", exact=True)).to_have_value("Te lang voor de server")
    expect(page.get_by_label("Inbreng", exact=True)).to_be_focused()
    expect(page.locator("#entry-form").get_by_role("checkbox", name="Later", exact=True)).to_be_checked()
    expect(entry_row(page, "Te lang voor de server")).to_have_count(0)
    entry_row(page, "Bij een verdwenen bol").get_by_role("button", name="Weggooien").click()
    expect(entry_row(page, "Bij een verdwenen bol")).to_have_count(0)
    on_server = table_on_server(server.url, token(links, "rapporteur"))
    assert not [e for e in on_server["entries"] if e["text"].startswith(("Te lang", "Bij een"))]


def test_a_report_update_lost_on_the_way_is_resynchronised(meeting, person):
    server, links = meeting
    page = person().open(url(links, "rapporteur"))
    wait_saved(page)
    lost, refusals = [], []

    def between(ws: WebSocketRoute) -> None:
        """Forward everything, except one report update: that one is answered `ok` and dropped."""
        upstream = ws.connect_to_server()

        def from_page(message):
            match = re.match(r"^42/live,(\d+)(\[.*)$", message) if isinstance(message, str) else None
            if match and not lost and json.loads(match.group(2))[0] == "report:update":
                lost.append(message)
                ws.send(f"43/live,{match.group(1)}" + json.dumps([{"ok": True, "seq": 0, "length": 0}]))
                return
            upstream.send(message)

        def from_server(message):
            if isinstance(message, str) and '"out_of_sync"' in message:
                refusals.append(message)
            ws.send(message)

        ws.on_message(from_page)
        upstream.on_message(from_server)

    page.route_web_socket(re.compile(r"/socket\.io/"), between)
    page.reload()
    wait_saved(page)

    type_at_end(page, " Onderweg verloren.")
    for _ in range(100):
        if lost:
            break
        page.wait_for_timeout(100)
    # the next keystrokes build on the lost one: refused out_of_sync, and the page resyncs
    type_at_end(page, " En daarna verder getypt.")
    wait_saved(page)
    assert lost, "a report update was dropped"
    assert refusals, "the server refused what built on it"
    on_server = table_on_server(server.url, token(links, "rapporteur"))
    assert on_server["report"] == report(page).input_value()
    assert on_server["report"].endswith(" Onderweg verloren. En daarna verder getypt.")
