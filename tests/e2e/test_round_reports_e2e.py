"""A report per round, as a rapporteur meets it in a real browser against a real server: the
"Verslag" field is the report of the round the table is in and follows the chair to the next
round, but not in mid-sentence: while the rapporteur types, a notice offers the new round instead;
typing in round 2 lands in round 2's report, also when typed offline and sent after the chair
moved on to round 3; the chooser shows an earlier round's report again."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from facilitator import operations
from facilitator.extensions import db
from facilitator.models import RoundTable
from facilitator.round_reports import RoundReport

from .test_capture_e2e import chair_call, chair_call_while_typing, keep_typing, report

pytestmark = pytest.mark.browser
expect.set_options(timeout=15_000)


def saved(page: Page) -> Page:
    expect(page.locator("#save-status")).to_have_text("Opgeslagen")
    return page


def stored(app, slug: str, table: int) -> dict[int, str]:
    with app.app_context():
        meeting = operations.get_meeting(slug)
        row = db.session.query(RoundTable).filter_by(meeting_id=meeting.id, number=table).one()
        later = db.session.query(RoundReport).filter_by(table_id=row.id).all()
        out = {1: row.report} | {r.round_number: r.report for r in later}
        db.session.remove()
        return out


def test_the_rapporteur_types_round_twos_report(rounds_meeting, person):
    server, app, links = rounds_meeting
    slug, chair = links["meeting"], links["chair"]["token"]
    laptop = person()
    page = saved(laptop.open(links["tables"]["4"]["rapporteur"]["url"]))
    first = report(page).input_value()
    assert first.strip()  # round 1: the table's report from the file
    chooser = page.get_by_label("Verslag van")
    expect(chooser).to_have_value("1")

    assert chair_call(server.url, chair, "chair:round", {"action": "open", "round": 2})["ok"]
    expect(page.locator("#round-box")).to_contain_text("Ronde 2 van 3")
    expect(chooser).to_have_value("2")
    expect(report(page)).to_have_value("")  # round 2's report: nothing yet
    report(page).click()
    report(page).press_sequentially("Ronde twee: verdienvermogen.")
    saved(page)
    assert stored(app, slug, 4)[2] == "Ronde twee: verdienvermogen."
    assert stored(app, slug, 4)[1] == first

    # offline, still in round 2; meanwhile the chair opens round 3 while the rapporteur types:
    # the field stays on round 2 (no switch in mid-sentence) and a notice offers round 3
    laptop.context.set_offline(True)
    expect(page.locator("#save-status")).to_have_attribute("data-state", "offline")
    report(page).press("End")
    report(page).press_sequentially(" Offline getypt")
    assert chair_call(server.url, chair, "chair:round", {"action": "open", "round": 3})["ok"]
    laptop.context.set_offline(False)
    # the rapporteur types on while the page reconnects: round 3 arrives in mid-sentence
    more = keep_typing(
        report(page), " en verder", lambda: page.locator("#round-heading").inner_text().startswith("Ronde 3")
    )
    notice = page.locator("#report-round-notice")
    expect(notice).to_contain_text("De voorzitter heeft ronde 3 geopend")
    report(page).press_sequentially(".")  # the sentence ends where it was typed
    second = f"Ronde twee: verdienvermogen. Offline getypt{more}."
    expect(chooser).to_have_value("2")
    expect(report(page)).to_have_value(second)
    saved(page)
    notice.get_by_role("button", name="Naar het verslag van ronde 3").click()
    expect(notice).to_be_hidden()
    expect(chooser).to_have_value("3")
    expect(report(page)).to_have_value("")
    expect(report(page)).to_be_focused()
    assert stored(app, slug, 4)[2] == second
    assert 3 not in stored(app, slug, 4)

    # round 3's report, and round 2's again through the chooser, also after a reload
    report(page).press_sequentially("Derde ronde.")
    saved(page)
    page.reload()
    saved(page)
    expect(report(page)).to_have_value("Derde ronde.")
    chooser.select_option("2")
    expect(report(page)).to_have_value(second)
    expect(page.locator("#report-preview")).to_contain_text("Offline getypt")
    chooser.select_option("1")
    expect(report(page)).to_have_value(first)
    assert stored(app, slug, 4) == {
        1: first,
        2: second,
        3: "Derde ronde.",
    }


def test_the_screen_shows_the_report_of_the_round_on_screen(rounds_meeting, person):
    server, app, links = rounds_meeting
    chair = links["chair"]["token"]
    page = saved(person().open(links["tables"]["6"]["rapporteur"]["url"]))
    first = report(page).input_value().strip().splitlines()[0]
    assert chair_call(server.url, chair, "chair:round", {"action": "open", "round": 2})["ok"]
    expect(page.get_by_label("Verslag van")).to_have_value("2")
    report(page).click()
    report(page).press_sequentially("**Tweede ronde** aan tafel zes.")
    saved(page)

    screen = person({"viewport": {"width": 1920, "height": 1080}}).open(links["screen"]["url"])
    view = {"mode": "feedback", "current": 6}
    assert chair_call(server.url, chair, "chair:view", view)["ok"]
    shown = screen.locator("#feedback-report")
    expect(shown.locator("strong")).to_have_text("Tweede ronde")  # the round the tables are in
    expect(shown).not_to_contain_text(first[:20])
    assert chair_call(server.url, chair, "chair:view", {**view, "filters": {"round": 1}})["ok"]
    expect(shown).to_contain_text(first[:20])
    expect(shown).not_to_contain_text("Tweede ronde")
    assert chair_call(server.url, chair, "chair:view", {**view, "filters": {"round": 3}})["ok"]
    expect(shown).to_have_text("Nog geen verslag.")
    # every round: each round's report under its heading; a round without one is left out
    assert chair_call(server.url, chair, "chair:view", {**view, "filters": {"round": 0}})["ok"]
    expect(shown.locator("h5.report-round")).to_have_count(2)
    expect(shown.locator("h5.report-round").nth(1)).to_contain_text("Ronde 2")
    expect(shown).to_contain_text(first[:20])
    # typing goes on: the screen follows round 2's report live
    report(page).press("End")
    report(page).press_sequentially(" Nog een zin.")
    expect(shown).to_contain_text("Nog een zin.")


def test_a_held_back_round_follows_when_the_rapporteur_leaves_the_field(rounds_meeting, person):
    """The notice's other way out: the rapporteur stops typing and leaves the field (here to
    the entries), and the report follows the chair's round; a British browser reads it in English."""
    server, app, links = rounds_meeting
    chair = links["chair"]["token"]
    page = person({"locale": "en-GB"}).open(links["tables"]["2"]["rapporteur"]["url"])
    field = page.locator("#report")
    expect(page.locator("#save-status")).to_have_text("Saved")
    field.click()
    field.press("Control+End")
    field.press_sequentially(" Still typing")
    arrived = lambda: page.locator("#round-heading").inner_text().startswith("Round 2")  # noqa: E731
    answer, _ = chair_call_while_typing(
        field, " and typing", arrived, server.url, chair, "chair:round", {"action": "open", "round": 2}
    )
    assert answer["ok"]
    notice = page.locator("#report-round-notice")
    expect(notice).to_contain_text("The chair has opened round 2")
    expect(notice.get_by_role("button")).to_have_text("Go to the report of round 2")
    expect(field).to_have_value(re.compile(r"(Still|and) typing\s*$"))
    page.locator("#entries-heading").click()  # the field loses the focus
    expect(notice).to_be_hidden()
    expect(page.locator("#report-round")).to_have_value("2")
    expect(field).to_have_value("")
