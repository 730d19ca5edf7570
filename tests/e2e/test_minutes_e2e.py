"""The minute-taker in headless Chromium: the page follows the chair's report-back (and a table
chosen by hand), two minute-takers type the same table's feedback at once and both texts reach
the minutes' Markdown download, and what is typed offline arrives after the reconnect."""

from __future__ import annotations

import re
from pathlib import Path

import socketio
from playwright.sync_api import Page, expect

from facilitator import operations
from facilitator.extensions import db

from .conftest import ARTIFACTS
from .test_capture_e2e import chair_call, wait_for_offline_copy

PASSWORD = "een-lang-test-wachtwoord-42"
expect.set_options(timeout=15_000)


def minutes_url(links: dict) -> str:
    return links["minutes"]["url"]


def step_to(server, links: dict, number: int) -> None:
    """The chair shows table ``number``'s report-back on the screens."""
    view = {"mode": "feedback", "current": number}
    assert chair_call(server.url, links["chair"]["token"], "chair:view", view)["ok"]


def wait_saved(page: Page) -> None:
    expect(page.locator("html")).to_have_attribute("data-ready", "1")
    expect(page.locator("#save-status")).to_have_attribute("data-state", "saved")


def feedback_box(page: Page, number: int):
    return page.locator(f"#feedback-{number}")


def tables_on_server(server_url: str, token: str) -> dict[int, dict]:
    """Every table as the server has it now (a fresh minute-taker's snapshot)."""
    client = socketio.SimpleClient()
    client.connect(server_url, namespace="/live", auth={"token": token}, transports=["websocket"])
    try:
        while True:
            name, data = client.receive(timeout=10)
            if name == "snapshot":
                return {t["number"]: t for t in data["tables"]}
    finally:
        client.disconnect()


def test_the_minute_taker_follows_the_chair_and_can_choose_a_table(meeting, person):
    server, links = meeting
    chair = links["chair"]["token"]
    page = person().open(minutes_url(links))
    wait_saved(page)
    expect(page).to_have_title("Notulen — Raad, nr. 746 — Facilitator")
    expect(page.locator("h1")).to_have_count(1)
    assert page.locator("html").get_attribute("lang") == "nl"
    state = page.locator("#follow-state")
    expect(state).to_have_attribute("data-following", "true")

    # the chair starts the report-back (table 1 first) and steps to table 3
    assert chair_call(server.url, chair, "chair:phase", {"phase": "feedback"})["ok"]
    expect(state).to_have_text("Volgt de voorzitter: tafel 1")
    assert chair_call(server.url, chair, "chair:view", {"mode": "feedback", "current": 3})["ok"]
    expect(state).to_have_text("Volgt de voorzitter: tafel 3")
    expect(page.locator("#minutes-table-3")).to_be_visible()
    expect(page.locator("#minutes-table-1")).to_be_hidden()
    expect(page.get_by_role("heading", level=2, name="Tafel 3")).to_be_visible()
    # the table's report for reference, read-only
    report = page.locator("#report-3")
    expect(report).not_to_be_empty()
    assert report.evaluate("el => !el.isContentEditable")

    # chosen by hand: the chair moving on does not take the page along, until asked
    page.get_by_label("Zelf een tafel kiezen").select_option("5")
    expect(state).to_have_text("Zelf gekozen: tafel 5 (de voorzitter is bij tafel 3)")
    expect(state).to_have_attribute("data-following", "false")
    assert chair_call(server.url, chair, "chair:view", {"mode": "feedback", "current": 4})["ok"]
    expect(state).to_have_text("Zelf gekozen: tafel 5 (de voorzitter is bij tafel 4)")
    expect(page.locator("#minutes-table-5")).to_be_visible()
    page.get_by_role("button", name="Weer de voorzitter volgen").click()
    expect(state).to_have_text("Volgt de voorzitter: tafel 4")
    expect(page.locator("#minutes-table-4")).to_be_visible()
    expect(page.get_by_role("button", name="Weer de voorzitter volgen")).to_be_hidden()

    # who actually reported back
    spokesperson = page.get_by_label("Woordvoerder (wie koppelde terug)").locator("visible=true")
    spokesperson.fill("Lindeboom")
    page.locator("#minutes-table-4").get_by_role("button", name="Woordvoerder opslaan").click()
    expect(page.locator("#spokesperson-status-4")).to_have_text("Woordvoerder opgeslagen.")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "minutes-following.png"), full_page=True)
    assert tables_on_server(server.url, links["minutes"]["token"])[4]["spokesperson"] == "Lindeboom"


def test_typing_goes_on_in_the_table_the_chair_steps_to(meeting, person):
    server, links = meeting
    chair = links["chair"]["token"]
    assert chair_call(server.url, chair, "chair:view", {"mode": "feedback", "current": 1})["ok"]
    page = person().open(minutes_url(links))
    wait_saved(page)
    feedback_box(page, 1).focus()
    assert chair_call(server.url, chair, "chair:view", {"mode": "feedback", "current": 3})["ok"]
    expect(page.locator("#minutes-table-3")).to_be_visible()
    expect(feedback_box(page, 3)).to_be_focused()


def test_two_minute_takers_type_at_once_and_both_texts_reach_the_markdown(e2e_server, meeting, person):
    server, links = meeting
    _, app = e2e_server
    step_to(server, links, 3)
    one, two = person().open(minutes_url(links)), person().open(minutes_url(links))
    for page in (one, two):
        wait_saved(page)
        expect(page.locator("#minutes-table-3")).to_be_visible()
        feedback_box(page, 3).focus()
        page.keyboard.press("Control+End")
    # interleaved: neither has seen the other's typing when it starts
    one.keyboard.type(" Alpha: woningbouw")
    two.keyboard.type(" Beta: onderwijs")
    one.keyboard.type(" is urgent.")
    two.keyboard.type(" verdient aandacht.")
    for page in (one, two):
        wait_saved(page)
    expect(feedback_box(one, 3)).to_have_value(feedback_box(two, 3).input_value())
    text = feedback_box(one, 3).input_value()
    assert "Alpha: woningbouw is urgent." in text and "Beta: onderwijs verdient aandacht." in text
    assert tables_on_server(server.url, links["minutes"]["token"])[3]["feedback"] == text

    # the secretariat downloads the minutes' section as Markdown
    user = f"notulen-{links['meeting'][-6:]}"
    with app.app_context():
        operations.create_user(user, PASSWORD)
        db.session.remove()
    secretary = person().open(f"{server.url}/secretariaat/inloggen")
    secretary.get_by_label("Naam").fill(user)
    secretary.get_by_label("Wachtwoord").fill(PASSWORD)
    secretary.get_by_role("button", name="Inloggen").click()
    secretary.goto(f"{server.url}/secretariaat/vergaderingen/{links['meeting']}")
    with secretary.expect_download() as download:
        secretary.get_by_role("link", name="Downloaden als Markdown").click()
    markdown = Path(download.value.path()).read_text(encoding="utf-8")
    section = markdown.split("Terugkoppeling van tafel 3", 1)[1].split("Terugkoppeling van tafel 4", 1)[0]
    assert "Alpha: woningbouw is urgent." in section and "Beta: onderwijs verdient aandacht." in section
    assert markdown.index("tafel 1") < markdown.index("tafel 3") < markdown.index("tafel 4")


def test_feedback_typed_offline_arrives_after_reconnect(meeting, person):
    server, links = meeting
    step_to(server, links, 2)
    laptop = person()
    page = laptop.open(minutes_url(links))
    wait_saved(page)
    laptop.context.set_offline(True)
    expect(page.locator("#save-status")).to_contain_text("Offline")
    feedback_box(page, 2).focus()
    page.keyboard.press("Control+End")
    typed = "\n\nOffline genotuleerd: niets gaat verloren."
    page.keyboard.type(typed)
    expect(page.locator("#save-status")).to_have_text("Offline — 1 wijziging wacht")
    assert not tables_on_server(server.url, links["minutes"]["token"])[2]["feedback"].endswith(typed)
    laptop.context.set_offline(False)
    wait_saved(page)
    on_server = tables_on_server(server.url, links["minutes"]["token"])[2]["feedback"]
    assert on_server.endswith(typed) and on_server == feedback_box(page, 2).input_value()


def test_feedback_typed_offline_survives_a_reload_without_network(meeting, person):
    server, links = meeting
    step_to(server, links, 5)
    laptop = person()
    page = laptop.open(minutes_url(links))
    wait_saved(page)
    wait_for_offline_copy(page)
    laptop.context.set_offline(True)
    expect(page.locator("#save-status")).to_contain_text("Offline")
    feedback_box(page, 5).focus()
    page.keyboard.press("Control+End")
    typed = " Na de herlaadbeurt nog hier."
    page.keyboard.type(typed)
    page.reload()  # no network: the service worker's copy, then this browser's own storage
    expect(page.locator("#minutes-table-5")).to_be_visible()
    expect(feedback_box(page, 5)).to_have_value(re.compile(re.escape(typed) + "$"))
    expect(page.locator("#save-status")).to_have_text("Offline — 1 wijziging wacht")
    laptop.context.set_offline(False)
    wait_saved(page)
    assert tables_on_server(server.url, links["minutes"]["token"])[5]["feedback"].endswith(typed)
