"""axe-core (from the npm registry, node_modules/axe-core) over every page in every state a
test can reach, in Dutch and in English (a browser that prefers English): 0 violations. The
script is added through Playwright with the page's CSP bypassed for the test only; the pages
themselves keep `script-src 'self'`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from facilitator import operations
from facilitator.extensions import db
from tests.i18n_check import say

from .conftest import LAPTOP, PHONE
from .test_capture_e2e import chair_call, chair_call_while_typing, url

pytestmark = pytest.mark.browser
expect.set_options(timeout=15_000)

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
PASSWORD = "een-lang-test-wachtwoord-42"


LOCALES = {"nl": "nl-NL", "en": "en-GB"}


@pytest.fixture(params=sorted(LOCALES))
def lang(request) -> str:
    """Every audit twice: in Dutch and in English (the browser's language chooses it)."""
    return request.param


@pytest.fixture
def audited(browser, lang):
    """Factory: a page in a context that lets the test add axe-core (CSP bypassed for the test)."""
    contexts = []

    def _open(address: str, device: dict | None = None) -> Page:
        context = browser.new_context(**(device or LAPTOP), locale=LOCALES[lang], bypass_csp=True)
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.goto(address)
        return page

    yield _open
    for context in contexts:
        context.close()


def violations(page: Page, name: str) -> list[str]:
    """axe-core's violations on the page as it is now, one line each."""
    if not AXE.exists():
        pytest.fail("axe-core is not installed: run make install (package.json devDependencies)")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    found = page.evaluate("async () => (await axe.run(document)).violations")
    return [
        f"{name}: {v['id']} ({v['impact']}) {[n['target'] for n in v['nodes']][:4]} — {v['help']}"
        for v in found
    ]


def login(page: Page, server_url: str, user: str, lang: str) -> None:
    page.goto(f"{server_url}/secretariaat/inloggen")
    page.get_by_label(say("Naam", lang)).fill(user)
    page.get_by_label(say("Wachtwoord", lang)).fill(PASSWORD)
    page.get_by_role("button", name=say("Inloggen", lang)).click()
    expect(page.get_by_role("heading", level=1)).not_to_have_text(say("Inloggen voor het secretariaat", lang))


def wait_saved(page: Page, lang: str) -> None:
    expect(page.locator("#save-status")).to_have_text(say("Opgeslagen", lang))


def add_entry(page: Page, lang: str, text: str, bollen: tuple[str, ...]) -> None:
    """Fill the entry form as a person would (bol labels are the meeting's own) and press Enter."""
    page.get_by_label(say("Inbreng", lang), exact=True).fill(text)
    for name in bollen:
        page.locator("#entry-form").get_by_role("checkbox", name=name, exact=True).check()
    page.get_by_label(say("Inbreng", lang), exact=True).press("Enter")


def test_secretariat_pages_have_no_axe_violations(e2e_server, meeting, audited, lang):
    server, links = meeting
    _, app = e2e_server
    user = f"secretaris-{links['meeting'][-6:]}"
    with app.app_context():
        operations.create_user(user, PASSWORD, "administrator")
        db.session.remove()
    slug = links["meeting"]
    page = audited(f"{server.url}/secretariaat/inloggen")
    found = violations(page, "login")
    login(page, server.url, user, lang)
    base = f"{server.url}/secretariaat"
    for name, path in [
        ("meetings", "/"),
        ("meeting", f"/vergaderingen/{slug}"),
        ("links", f"/vergaderingen/{slug}/links"),
        ("new meeting", "/vergaderingen/nieuw"),
        ("edit meeting", f"/vergaderingen/{slug}/bewerken"),
        ("import", "/importeren"),
        ("annex", f"/vergaderingen/{slug}/bijlage"),
        ("curation", f"/vergaderingen/{slug}/tafels/1/"),
        ("groups", f"/vergaderingen/{slug}/groepen/"),
        ("report history", f"/vergaderingen/{slug}/tafels/1/verslag/geschiedenis"),
        ("accounts", "/accounts/"),
        ("house style", "/huisstijl"),
        ("retention", f"/vergaderingen/{slug}/bewaren"),
        ("renew link: confirmation", f"/vergaderingen/{slug}/links/scherm/vernieuwen"),
    ]:
        page.goto(base + path)
        expect(page.locator("h1")).to_have_count(1)
        found += violations(page, name)
    # renewed: the links page with its flash and the undo button; then undone (the link is shared)
    page.get_by_role("button", name=say("Ja, nieuwe link maken", lang)).click()
    undo = page.get_by_role("button", name=f"{say('Ongedaan maken', lang)} — {say('Scherm', lang)}")
    expect(undo).to_be_visible()
    found += violations(page, "links with undo")
    undo.click()
    restored = say(
        "De oude link voor %(name)s werkt weer; de nieuwe link werkt niet meer.",
        lang,
        name=say("Scherm", lang),
    )
    expect(page.get_by_text(restored)).to_be_visible()
    # the groups page after a suggestion was taken over: its flash and the undo button
    page.goto(f"{base}/vergaderingen/{slug}/groepen/")
    page.locator("#suggest-h ~ ul button[type=submit]").first.click()
    expect(page.get_by_role("button", name=say("Laatste wijziging ongedaan maken", lang))).to_be_visible()
    found += violations(page, "groups with undo")
    # the archive package, made: its progress page once the download is there
    page.goto(f"{base}/vergaderingen/{slug}/bijlage")
    page.locator("input[name=format][value=zip]").check()
    page.locator("form.annex-form button[type=submit]").click()
    expect(page.locator("#annex-download")).to_be_visible(timeout=90_000)
    found += violations(page, "archive package ready")
    # a form sent back with its errors
    page.goto(base + "/vergaderingen/nieuw")
    # (its save button — not the logout button in the nav, which a looser locator found first)
    page.locator("#meeting-form").get_by_role("button", name=say("Opslaan", lang), exact=True).click()
    expect(page.locator("#meeting-form [aria-invalid=true]").first).to_be_visible()
    found += violations(page, "new meeting with errors")
    # the audit trail with what was just done, and with a filter it cannot read
    page.goto(base + f"/logboek?meeting={slug}")
    expect(page.locator("tr[data-action=link_restored]")).to_have_count(1)
    found += violations(page, "audit trail")
    page.goto(base + "/logboek?since=gisteren")
    expect(page.locator("[aria-invalid=true]")).to_have_count(1)
    found += violations(page, "audit trail, unreadable filter")
    assert not found, "\n".join(found)


def test_table_pages_have_no_axe_violations_in_any_state(meeting, audited, lang):
    server, links = meeting
    rapporteur = audited(url(links, "rapporteur"))
    wait_saved(rapporteur, lang)
    found = violations(rapporteur, "rapporteur with entries")
    rapporteur.get_by_role("button", name=say("Klaar voor de terugkoppeling", lang)).click()
    expect(rapporteur.locator("#ready-toggle")).to_have_attribute("aria-pressed", "true")
    found += violations(rapporteur, "rapporteur, marked ready")
    participant = audited(url(links, "participant"), PHONE)
    wait_saved(participant, lang)
    add_entry(participant, lang, "Van mijn telefoon", ("Sociaal",))
    expect(participant.locator("#entry-added")).to_be_visible()
    found += violations(participant, "participant after an add")
    # an entry that is too long, with its error
    participant.get_by_label(say("Inbreng", lang), exact=True).fill("x" * 600)
    found += violations(participant, "participant, too long")
    # editing an entry in place
    rapporteur.get_by_role("button", name=say("Wijzig inbreng {n}", lang).replace("{n}", "1")).click()
    found += violations(rapporteur, "rapporteur editing")
    rapporteur.keyboard.press("Escape")
    # offline
    rapporteur.context.set_offline(True)
    expect(rapporteur.locator("#save-status")).to_have_attribute("data-state", "offline")
    add_entry(rapporteur, lang, "Offline getypt", ("Economisch",))
    found += violations(rapporteur, "rapporteur offline")
    rapporteur.context.set_offline(False)
    wait_saved(rapporteur, lang)
    # the round with its timer, then closed
    assert chair_call(server.url, links["chair"]["token"], "chair:phase", {"phase": "round"})["ok"]
    expect(rapporteur.locator("#meeting-status [data-part=clock]")).not_to_have_text("")
    found += violations(rapporteur, "rapporteur in the round")
    found += violations(participant, "participant in the round")
    assert chair_call(server.url, links["chair"]["token"], "chair:phase", {"phase": "closed"})["ok"]
    expect(rapporteur.locator("#closed-message")).to_be_visible()
    found += violations(rapporteur, "rapporteur closed")
    found += violations(participant, "participant closed")
    assert not found, "\n".join(found)


def test_an_empty_table_page_has_no_axe_violations(e2e_server, audited, lang):
    from facilitator import sessionfile

    server, app = e2e_server
    with app.app_context():
        made = operations.import_meeting(
            sessionfile.loads(
                b'format = 1\n[meeting]\ntitle = "Leeg"\ndate = 2023-01-27\n'
                b"[[tables]]\nnumber = 1\nparticipants = []\n"
            )
        )
        links = operations.links(made, server.url)
        db.session.remove()
    for role in ("rapporteur", "participant"):
        page = audited(url(links, role))
        wait_saved(page, lang)
        expect(page.locator("#entry-list li.empty")).to_be_visible()
        assert violations(page, f"{role}, empty") == []


MODES = {
    "overview": "1",
    "combined": "2",
    "topics": "3",
    "coverage": "4",
    "feedback": "5",
    "groups": "6",
    "priorities": "7",
}


def test_screen_and_chair_have_no_axe_violations_in_any_view(meeting, audited):
    server, links = meeting
    # a table that said it is ready: its mark on the tiles and in the chair's order
    rapporteur_token = links["tables"]["2"]["rapporteur"]["token"]
    assert chair_call(server.url, rapporteur_token, "table:ready", {"ready": True})["ok"]
    full_hd = {"viewport": {"width": 1920, "height": 1080}}
    screen = audited(links["screen"]["url"], full_hd)
    chair = audited(links["chair"]["url"], full_hd)
    for page in (screen, chair):
        expect(page.locator("#connection")).to_have_attribute("data-state", "connected")
    expect(screen.locator("#tile-2 .ready-line")).to_be_visible()
    found = []
    chair.locator("#main").focus()
    for mode, key in MODES.items():
        chair.keyboard.press(key)
        expect(screen.locator(".views")).to_have_attribute("data-mode", mode)
        expect(screen.locator(f"#view-{mode}")).to_be_visible()
        found += violations(screen, f"screen {mode}")
        found += violations(chair, f"chair {mode}")
    # the report-back of a table, stepped to with the clicker
    chair.locator("#main").focus()
    chair.keyboard.press("End")
    expect(screen.locator("#feedback-table")).to_have_attribute("data-table", "6")
    found += violations(screen, "screen report-back, table 6")
    assert not found, "\n".join(found)


def test_a_dot_vote_has_no_axe_violations_on_any_page_at_any_size(meeting, audited, lang):
    """A plenary vote open (phone, laptop, the chair's panel and the screen at 1920×1080), with
    dots put, then closed (the ranking on the screen and the tables' pages)."""
    server, links = meeting
    chair_token = links["chair"]["token"]
    full_hd = {"viewport": {"width": 1920, "height": 1080}}
    chair = audited(links["chair"]["url"], full_hd)
    screen = audited(links["screen"]["url"], full_hd)
    participant = audited(url(links, "participant"), PHONE)
    rapporteur = audited(url(links, "rapporteur"), LAPTOP)
    for page in (participant, rapporteur):
        wait_saved(page, lang)
    ids = chair.evaluate(
        "() => [1, 2, 3].map((n) => [...window.facilitatorScreen.state.tables.get(n).entries.keys()][0])"
    )
    opened = chair_call(
        server.url,
        chair_token,
        "chair:vote",
        {
            "action": "open",
            "scope": "plenary",
            "entries": ids,
            "dots": 3,
            "max_per_entry": 2,
            "title": "Wat eerst?",
        },
    )
    assert opened["ok"], opened
    expect(participant.locator("#vote-card")).to_be_visible()
    participant.locator("#vote-card button[data-dot=add]").first.click()
    wait_saved(participant, lang)
    expect(rapporteur.locator("#vote-card")).to_be_visible()
    expect(chair.locator("#vote-list .vote-item.is-open")).to_have_count(1)
    expect(screen.locator("#vote-banner")).to_be_visible()
    found = violations(participant, "participant, vote open (phone)")
    found += violations(rapporteur, "rapporteur, vote open (laptop)")
    found += violations(chair, "chair's panel, vote open (1920×1080)")
    found += violations(screen, "screen, vote running (1920×1080)")
    assert chair_call(server.url, chair_token, "chair:vote", {"action": "close", "vote": 1})["ok"]
    assert chair_call(server.url, chair_token, "chair:view", {"mode": "priorities"})["ok"]
    expect(screen.locator("#priorities-board .vote-row")).to_have_count(3)
    expect(participant.locator("#vote-card .vote-closed")).to_be_visible()
    found += violations(screen, "screen, ranking (1920×1080)")
    found += violations(chair, "chair, ranking (1920×1080)")
    found += violations(participant, "participant, vote closed (phone)")
    found += violations(rapporteur, "rapporteur, vote closed (laptop)")
    assert not found, "\n".join(found)


def test_the_minute_takers_page_has_no_axe_violations_in_any_state(meeting, audited):
    server, links = meeting
    chair = links["chair"]["token"]
    page = audited(links["minutes"]["url"])
    expect(page.locator("#save-status")).to_have_attribute("data-state", "saved")
    expect(page.locator("h1")).to_have_count(1)
    found = violations(page, "minutes before the report-back")
    assert chair_call(server.url, chair, "chair:view", {"mode": "feedback", "current": 3})["ok"]
    expect(page.locator("#follow-state")).to_have_attribute("data-following", "true")
    expect(page.locator("#table-pick")).to_have_value("3")
    found += violations(page, "minutes following the chair")
    page.locator("#table-pick").select_option("2")
    expect(page.locator("#follow-chair")).to_be_visible()
    found += violations(page, "minutes, a table chosen by hand")
    page.context.set_offline(True)
    expect(page.locator("#save-status")).to_have_attribute("data-state", "offline")
    page.locator("#feedback-2").fill("Offline genotuleerd")
    found += violations(page, "minutes offline")
    page.context.set_offline(False)
    expect(page.locator("#save-status")).to_have_attribute("data-state", "saved")
    assert not found, "\n".join(found)


def test_rounds_and_groups_have_no_axe_violations_at_every_size(e2e_server, audited, lang):
    """A meeting of three rounds: the table pages (a round with bollen, a round of free entries),
    the chair's rounds and groups (with suggestions and a group made), the screen's groups view,
    at phone, laptop and 1920×1080 size."""
    from facilitator import sessionfile

    from .conftest import SESSIONS

    server, app = e2e_server
    with app.app_context():
        made = operations.import_meeting(
            sessionfile.loads((SESSIONS / "ser-raad-2023-01-27-rondes.toml").read_bytes())
        )
        links = operations.links(made, server.url)
        db.session.remove()
    full_hd = {"viewport": {"width": 1920, "height": 1080}}
    found = []
    participant = audited(url(links, "participant"), PHONE)
    rapporteur = audited(url(links, "rapporteur"), LAPTOP)
    for page in (participant, rapporteur):
        wait_saved(page, lang)
    found += violations(participant, "participant, round 1 of 3")
    found += violations(rapporteur, "rapporteur, round 1 of 3")
    chair_token = links["chair"]["token"]
    assert chair_call(server.url, chair_token, "chair:round", {"action": "open", "round": 2})["ok"]
    expect(participant.locator("#others-box")).to_be_visible()  # a round every table sees
    found += violations(participant, "participant, the other tables' entries")
    found += violations(rapporteur, "rapporteur, the other tables' entries")
    # the chair opens round 3 while the rapporteur types: a notice instead of a switch
    rapporteur.locator("#report").click()
    rapporteur.locator("#report").press_sequentially("Nog bezig")
    arrived = lambda: rapporteur.locator("#round-heading").inner_text().split()[1] == "3"  # noqa: E731
    opened, _ = chair_call_while_typing(
        rapporteur.locator("#report"),
        " en bezig",
        arrived,
        server.url,
        chair_token,
        "chair:round",
        {"action": "open", "round": 3},
    )
    assert opened["ok"]
    expect(rapporteur.locator("#report-round-notice")).to_be_visible()
    found += violations(rapporteur, "rapporteur, a new round while typing")
    expect(participant.locator("#entry-form")).to_have_attribute("data-free", "")
    # round 3 waits for the rapporteur's approval: the author's entry waits, the rapporteur approves
    participant.locator("#entry-text").fill("Wacht op de verslaglegger")
    participant.locator("#entry-text").press("Enter")
    expect(rapporteur.locator("#entry-list li.waiting button[data-action=approve]")).to_be_visible()
    expect(participant.locator("#entry-list li.waiting")).to_be_visible()
    found += violations(participant, "participant, an entry waiting for approval")
    found += violations(rapporteur, "rapporteur, an entry to approve")
    for size, device in (("laptop", LAPTOP), ("1920×1080", full_hd)):
        chair = audited(links["chair"]["url"], device)
        screen = audited(links["screen"]["url"], device)
        for page in (chair, screen):
            expect(page.locator("#connection")).to_have_attribute("data-state", "connected")
        chair.locator("#group-suggest").click()
        # the answer: suggestions, or none left (the file's groups and the first size took them)
        expect(chair.locator("#group-note")).not_to_have_text(re.compile(r"^$|…$"))
        if chair.locator("#group-suggestions li").count():
            found += violations(chair, f"chair with suggested groups, {size}")
            chair.locator("#group-suggestions li").first.locator("button").click()
        expect(chair.locator("#group-list li")).not_to_have_count(0)
        chair.locator("details.group-new summary").click()
        chair.locator("#main").focus()
        chair.keyboard.press("6")
        expect(screen.locator("#view-groups .group-card").first).to_be_visible()
        found += violations(chair, f"chair with rounds and groups, {size}")
        found += violations(screen, f"screen groups, {size}")
        chair.keyboard.press("5")  # the report-back names the round it steps through
        expect(screen.locator("#feedback-round")).to_contain_text("3: ")
        found += violations(chair, f"chair's report-back of a round, {size}")
        found += violations(screen, f"screen's report-back of a round, {size}")
    # the report-back with every round: each round's report under its round's heading
    view = {"mode": "feedback", "current": 1, "filters": {"round": 0}}
    assert chair_call(server.url, chair_token, "chair:view", view)["ok"]
    expect(screen.locator("#feedback-report h5.report-round").first).to_be_visible()
    found += violations(screen, "screen report-back, every round's report")
    # curation: the report of round 2 (a chooser of the rounds) and its history
    user = f"secretaris-rondes-{lang}"
    with app.app_context():
        operations.create_user(user, PASSWORD, "administrator")
        db.session.remove()
    page = audited(f"{server.url}/secretariaat/inloggen")
    login(page, server.url, user, lang)
    tables = f"{server.url}/secretariaat/vergaderingen/{links['meeting']}/tafels/1"
    for name, path in (
        ("curation, round 2's report", "/?ronde=2"),
        ("round 2's report history", "/verslag/geschiedenis?ronde=2"),
    ):
        page.goto(tables + path)
        expect(page.locator("h1")).to_have_count(1)
        found += violations(page, name)
    assert not found, "\n".join(found)
