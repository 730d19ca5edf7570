"""Priorities in real browsers against a real server: the chair ticks a shortlist from three
tables and opens a plenary vote; a participant's phone puts its dots (one while offline, kept over
a reload and sent once the connection is back); the screen says the vote runs and shows no count;
the chair sees the count in the panel, closes the vote, and the screen's "Prioriteiten" view
shows the ranking with its dots; in English too."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.i18n_check import say

from .conftest import PHONE
from .page_states import connected, saved
from .test_capture_e2e import url

pytestmark = pytest.mark.browser
expect.set_options(timeout=15_000)
FULL_HD = {"viewport": {"width": 1920, "height": 1080}}


def open_plenary_vote(chair: Page, lang: str, picks: int = 3) -> list[str]:
    """Tick the first entry of the first ``picks`` tables in the chair's panel, open the vote."""
    boxes = chair.locator("#vote-entries fieldset")
    texts = []
    for n in range(picks):
        pick = boxes.nth(n).locator("label").first
        texts.append(pick.inner_text().strip())
        pick.locator("input").check()
    chair.locator("#vote-title").fill("Wat eerst?")
    chair.locator("#vote-dots").fill("3")
    chair.locator("#vote-most").fill("2")
    chair.get_by_role("button", name=say("Stemming openen", lang)).click()
    expect(chair.locator("#vote-list li.vote-item.is-open")).to_have_count(1)
    return texts


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_a_plenary_vote_from_the_shortlist_to_the_ranking(meeting, person, lang):
    _, links = meeting
    q = f"?lang={lang}"
    screen = connected(person(FULL_HD).open(links["screen"]["url"] + q))
    chair = connected(person(FULL_HD).open(links["chair"]["url"] + q))
    phone = person(PHONE)
    participant = saved(phone.open(url(links, "participant", 5) + q), lang)
    expect(participant.locator("#vote-card")).to_be_hidden()

    texts = open_plenary_vote(chair, lang)
    card = participant.locator("#vote-card")
    expect(card).to_be_visible()
    expect(card).to_contain_text("Wat eerst?")
    expect(card.locator(".vote-left")).to_contain_text(
        say("Nog {n} van {total} stippen", lang).format(n=3, total=3)
    )
    expect(screen.locator("#vote-banner")).to_be_visible()
    expect(screen.locator("#vote-banner")).to_contain_text(say("Stemming loopt", lang))

    add = say("Stip erbij voor: {text}", lang)
    first, second = (add.format(text=t) for t in texts[:2])
    participant.get_by_role("button", name=first).click()
    participant.get_by_role("button", name=first).click()
    expect(participant.get_by_role("button", name=first)).to_be_disabled()  # at most 2 on one entry
    saved(participant, lang)
    # the count reaches the chair's panel, never the screen
    expect(chair.locator("#vote-list .vote-tally li").first).to_contain_text("2")
    expect(chair.locator("#vote-list .vote-state")).to_contain_text(
        say("{n} stem uitgebracht", lang).format(n=1)
    )

    # offline: the last dot is kept on the phone, over a reload, and sent once back
    phone.context.set_offline(True)
    expect(participant.locator("#save-status")).to_have_attribute("data-state", "offline")
    participant.get_by_role("button", name=second).click()
    expect(card.locator(".vote-left")).to_contain_text(
        say("Nog {n} van {total} stippen", lang).format(n=0, total=3)
    )
    participant.reload()
    expect(card.locator(".vote-left")).to_contain_text(
        say("Nog {n} van {total} stippen", lang).format(n=0, total=3)
    )
    phone.context.set_offline(False)
    saved(participant, lang)
    expect(chair.locator("#vote-list .vote-tally")).to_contain_text(f"1 {texts[1]}")

    chair.locator("#vote-list").get_by_role("button", name=say("Sluiten", lang)).click()
    expect(screen.locator("#vote-banner")).to_be_hidden()
    expect(card).to_contain_text(say("De stemming is gesloten. Uitslag:", lang))
    chair.locator("#main").focus()
    chair.keyboard.press("7")
    board = screen.locator("#priorities-board")
    expect(board).to_be_visible()
    rows = board.locator(".vote-row")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text(texts[0])
    expect(rows.nth(0).locator(".vote-count")).to_have_text(say("{n} stippen", lang).format(n=2))
    expect(rows.nth(1)).to_contain_text(texts[1])
    expect(rows.nth(2).locator(".vote-rank")).to_have_text("3")
    # the ranking is large enough for the back of the room (1rem = 24px at 1920×1080)
    size = rows.nth(0).evaluate("el => parseFloat(getComputedStyle(el).fontSize)")
    assert size >= 24, size


def test_a_long_ranking_is_paged_on_every_screen(e2e_server, person):
    """A closed vote over 40 entries (from a session file) does not fit at 1920×1080: the
    "Prioriteiten" view shows "1/2" and the chair's PageDown turns every screen's page."""
    from facilitator import operations, sessionfile
    from facilitator.extensions import db
    from facilitator.meeting_data import VoteRecord

    from .conftest import DEMO, SESSIONS

    server, app = e2e_server
    with app.app_context():
        data = sessionfile.loads((SESSIONS / DEMO).read_bytes())
        places = [(t.number, n) for t in data.tables for n in range(1, len(t.entries) + 1)][:40]
        texts = [data.tables[[t.number for t in data.tables].index(t)].entries[n - 1].text for t, n in places]
        ballots = [[1 if (i + b) % 7 == 0 else 0 for i in range(len(places))] for b in range(12)]
        data.vote_records = [VoteRecord("Alles", "plenary", None, places, texts, 10, ballots=ballots)]
        links = operations.links(operations.import_meeting(data), server.url)
        db.session.remove()
    screen = connected(person(FULL_HD).open(links["screen"]["url"]))
    chair = connected(person(FULL_HD).open(links["chair"]["url"]))
    chair.locator("body").press("7")
    expect(screen.locator("#view-priorities .vote-row")).to_have_count(40)
    pages = screen.locator("#priorities-pages")
    expect(pages).to_be_visible()
    expect(pages).to_have_attribute("data-page", "1")
    total = int(pages.get_attribute("data-pages") or "0")
    assert total >= 2
    chair.locator("body").press("PageDown")
    expect(pages).to_have_attribute("data-page", "2")
    box = screen.locator("#priorities-board").bounding_box()
    assert box and box["y"] + box["height"] <= 1080  # the view fits; the rest is on the next page
