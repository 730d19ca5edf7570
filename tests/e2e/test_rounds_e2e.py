"""A meeting in three rounds, as its people meet it in real browsers against a real server: the
chair opens a round, the table pages show its number and question at once, a round of free
entries takes an entry without bollen (also typed offline and sent later: it stays in its round)
that waits for the rapporteur's approval before any screen shows it, the screen shows the round's
question and entries, and the chair's filter shows every round."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import PHONE
from .page_states import connected, saved

pytestmark = pytest.mark.browser
expect.set_options(timeout=15_000)
FULL_HD = {"viewport": {"width": 1920, "height": 1080}}


def test_the_chair_opens_a_round_and_every_page_follows(rounds_meeting, person):
    _, _, links = rounds_meeting
    screen = connected(person(FULL_HD).open(links["screen"]["url"]))
    chair = connected(person().open(links["chair"]["url"]))
    phone = person(PHONE)
    participant = saved(phone.open(links["tables"]["5"]["participant"]["url"]))
    expect(participant.locator("#round-box")).to_contain_text("Ronde 1 van 3")
    expect(participant.locator(".bollen-toggles")).to_be_visible()
    expect(screen.locator("#round-box")).to_contain_text("Ronde 1 van 3")
    tiles_before = screen.locator("#tile-5 .tile-count").inner_text()

    rounds = chair.locator("#round-list")
    expect(rounds.locator("li")).to_have_count(3)
    rounds.locator("li").nth(2).get_by_role("button", name="Openen").click()
    expect(participant.locator("#round-box")).to_contain_text("Ronde 3 van 3")
    expect(participant.locator("#round-box")).to_contain_text("Welke drie verbeterpunten")
    expect(participant.locator(".bollen-toggles")).to_be_hidden()
    expect(participant.locator("#entry-hint")).to_have_text("Typ een punt; Enter voegt toe.")
    expect(screen.locator("#round-box")).to_contain_text("Welke drie verbeterpunten")
    expect(rounds.locator("li").nth(2)).to_contain_text("open")
    expect(screen.locator("#tile-5 .tile-count")).not_to_have_text(tiles_before)  # round 3's entries only

    # a free entry, typed while the phone is offline: sent later, it lands in round 3
    phone.context.set_offline(True)
    expect(participant.locator("#save-status")).to_have_attribute("data-state", "offline")
    participant.locator("#entry-text").fill("Vaker terugkoppelen naar de achterban")
    participant.locator("#entry-text").press("Enter")
    expect(participant.locator("#entry-list")).to_contain_text("Vaker terugkoppelen")
    phone.context.set_offline(False)
    saved(participant)
    # round 3 waits for the rapporteur's approval: the author sees it waiting, no screen shows it
    mine = participant.locator("#entry-list li", has_text="Vaker terugkoppelen")
    expect(mine).to_contain_text("wacht op goedkeuring")
    participant.reload()
    saved(participant)
    expect(mine).to_contain_text("wacht op goedkeuring")
    expect(screen.locator("#tile-5")).not_to_contain_text("Vaker terugkoppelen")
    rapporteur = saved(person().open(links["tables"]["5"]["rapporteur"]["url"]))
    waiting = rapporteur.locator("#entry-list li", has_text="Vaker terugkoppelen")
    waiting.locator("button[data-action=approve]").click()
    expect(screen.locator("#tile-5")).to_contain_text("Vaker terugkoppelen")
    expect(mine).not_to_contain_text("wacht op goedkeuring")
    expect(waiting.locator("button[data-action=approve]")).to_have_count(0)

    # the chair moves on to round 1 again: the screen shows its entries, not the new one
    rounds.locator("li").nth(0).get_by_role("button", name="Weer openen").or_(
        rounds.locator("li").nth(0).get_by_role("button", name="Openen")
    ).click()
    expect(screen.locator("#round-box")).to_contain_text("Ronde 1 van 3")
    expect(screen.locator("#tile-5")).not_to_contain_text("Vaker terugkoppelen")
    # … and shows every round with the filter
    chair.locator("#filter-round").select_option("0")
    expect(screen.locator("#tile-5")).to_contain_text("Vaker terugkoppelen")
    expect(participant.locator("#round-box")).to_contain_text("Ronde 1 van 3")
    expect(participant.locator(".bollen-toggles")).to_be_visible()


def test_english_pages_name_the_round_in_english(rounds_meeting, person):
    _, _, links = rounds_meeting
    rapporteur = person(PHONE).open(links["tables"]["2"]["rapporteur"]["url"] + "?lang=en")
    expect(rapporteur.locator("#save-status")).to_have_text("Saved")
    expect(rapporteur.locator("#round-box")).to_contain_text("Round 1 of 3")
    chair = connected(person().open(links["chair"]["url"] + "?lang=en"))
    expect(chair.locator("#round-list li").nth(1)).to_contain_text("Round 2")
    chair.locator("#round-list li").nth(1).get_by_role("button", name="Open").click()
    expect(rapporteur.locator("#round-box")).to_contain_text("Round 2 of 3")


def test_in_a_round_every_table_sees_a_table_page_shows_the_others_entries(rounds_meeting, person):
    server, _, links = rounds_meeting
    from tests.e2e.test_capture_e2e import chair_call

    participant = saved(person(PHONE).open(links["tables"]["3"]["participant"]["url"]))
    expect(participant.locator("#others-box")).to_be_hidden()  # round 1: each table its own
    assert chair_call(server.url, links["chair"]["token"], "chair:round", {"action": "open", "round": 2})[
        "ok"
    ]
    box = participant.locator("#others-box")
    expect(box).to_be_visible()
    expect(box).to_contain_text("Tafel 1")
    rapporteur = saved(person().open(links["tables"]["1"]["rapporteur"]["url"]))
    rapporteur.locator("#entry-text").fill("Iedereen ziet dit")
    rapporteur.locator(".bollen-toggles input").first.check()
    rapporteur.locator("#entry-text").press("Enter")
    expect(box).to_contain_text("Iedereen ziet dit")
    participant.reload()
    saved(participant)
    expect(participant.locator("#others-box")).to_contain_text("Iedereen ziet dit")
    assert chair_call(server.url, links["chair"]["token"], "chair:round", {"action": "open", "round": 3})[
        "ok"
    ]
    expect(participant.locator("#others-box")).to_be_hidden()


def test_the_report_back_steps_round_by_round_on_every_screen(rounds_meeting, person):
    """Rounds 1 and 2 held: the chair's keys step through round 1's tables, past the last one to
    round 2's first (a screen opened apart follows and names the round), and back; round 3, not
    held yet, is not stepped into."""
    server, _, links = rounds_meeting
    from tests.e2e.test_capture_e2e import chair_call

    for number in (1, 2):
        payload = {"action": "open", "round": number}
        assert chair_call(server.url, links["chair"]["token"], "chair:round", payload)["ok"]
    chair = connected(person().open(links["chair"]["url"]))
    chair.locator("#filter-round").select_option("1")
    chair.locator("body").press("5")
    chair.locator("body").press("End")
    current = chair.locator("#ctl-current")
    expect(current).to_have_text("Nu: ronde 1, tafel 6 (5 van 5)")
    screen = connected(person(FULL_HD).open(links["screen"]["url"]))  # opened apart, later
    expect(screen.locator("#feedback-round")).to_contain_text("Ronde 1 van 3: Wat betekent brede welvaart")
    expect(screen.locator("#feedback-table-title")).to_contain_text("Tafel 6")

    chair.locator("[data-step=next]").focus()
    chair.keyboard.press("Enter")
    expect(current).to_have_text("Nu: ronde 2, tafel 1 (1 van 5)")
    expect(screen.locator("#feedback-round")).to_contain_text("Ronde 2 van 3: Hoe zouden we brede welvaart")
    expect(screen.locator("#feedback-table-title")).to_contain_text("Tafel 1")
    expect(chair.locator("#filter-round")).to_have_value("2")
    chair.locator("body").press("End")
    expect(current).to_have_text("Nu: ronde 2, tafel 6 (5 van 5)")
    expect(chair.locator("[data-step=next]")).to_be_disabled()  # round 3 is not held yet
    chair.locator("body").press("Home")
    expect(current).to_have_text("Nu: ronde 2, tafel 1 (1 van 5)")
    chair.locator("[data-step=prev]").click()
    expect(current).to_have_text("Nu: ronde 1, tafel 6 (5 van 5)")
    expect(screen.locator("#feedback-round")).to_contain_text("Ronde 1 van 3")
    # every round at once: the steps go through the tables only
    chair.locator("#filter-round").select_option("0")
    expect(screen.locator("#feedback-round")).to_have_text("Alle rondes")
    expect(current).to_have_text("Nu: tafel 6 (5 van 5)")
    expect(chair.locator("[data-step=next]")).to_be_disabled()
