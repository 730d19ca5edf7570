"""The screen and chair pages as the server renders them (the live behaviour: tests/e2e)."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest

from facilitator import operations
from facilitator.extensions import db
from facilitator.models import Presence

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


class Page(HTMLParser):
    """What a test needs to know about a page: tags with attributes, headings, JSON blocks."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text_in: dict[str, list[str]] = {}
        self.scripts: list[dict[str, str | None]] = []
        self.json: dict[str, str] = {}
        self._open: list[str] = []
        self._script: dict[str, str | None] | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if tag == "script":
            self._script = attributes
            self.scripts.append(attributes)
            self.json.setdefault(attributes.get("id") or "", "")
        self._open.append(tag)

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = None
        if tag in self._open:
            while self._open and self._open.pop() != tag:
                pass

    def handle_data(self, data):
        if self._script is not None:
            self.json[self._script.get("id") or ""] += data
        for tag in self._open:
            self.text_in.setdefault(tag, []).append(data)

    def count(self, tag: str) -> int:
        return sum(1 for t, _ in self.tags if t == tag)

    def having(self, attribute: str) -> list[tuple[str, dict[str, str | None]]]:
        return [(t, a) for t, a in self.tags if attribute in a]


@pytest.fixture
def meeting_links(app, import_session):
    """The SER demo meeting's links (paths, no host)."""
    slug = import_session()
    with app.app_context():
        return operations.links(operations.get_meeting(slug), "")


def get_page(client, url: str) -> tuple[Page, str]:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    html = response.get_data(as_text=True)
    return Page(html), html


@pytest.mark.parametrize("role", ["screen", "chair"])
def test_page_basics_lang_title_one_h1(client, meeting_links, role):
    page, html = get_page(client, meeting_links[role]["url"])
    assert re.search(r'<html lang="nl"', html)
    assert page.count("title") == 1
    title = "".join(page.text_in["title"])
    assert "Raad, nr. 746" in title
    assert ("Voorzitter" if role == "chair" else "Scherm") in title
    assert page.count("h1") == 1
    # the five views, each with a real heading
    for mode in ("overview", "combined", "topics", "coverage", "feedback", "groups", "priorities"):
        assert f'id="view-{mode}"' in html
        assert f'id="view-{mode}-title"' in html
    assert "Herhaaldelijk genoemd" in html
    # server-rendered tiles before the live connection is up
    for number in range(1, 7):
        assert f'id="tile-{number}"' in html


@pytest.mark.parametrize("role", ["screen", "chair"])
def test_strict_csp_no_inline_script_or_style(client, meeting_links, role):
    response = client.get(meeting_links[role]["url"])
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    assert response.headers["Cache-Control"] == "no-store"
    page = Page(response.get_data(as_text=True))
    for attributes in page.scripts:
        # every script is either a module file or inert JSON data
        assert attributes.get("src") or attributes.get("type") == "application/json", attributes
    assert not page.having("style"), "style attributes are refused by the CSP"
    assert page.count("style") == 0
    assert not [a for _, a in page.tags if any(k.startswith("on") for k in a)]


def test_screen_link_renders_no_controls(client, meeting_links):
    page, html = get_page(client, meeting_links["screen"]["url"])
    assert 'id="chair-panel"' not in html
    assert page.count("button") == 0
    assert page.count("input") == 0
    data = json.loads(page.json["page-data"])
    assert data["role"] == "screen"
    assert data["presenceUrl"].endswith("/aanwezigheid")


def test_chair_link_renders_the_controls(client, meeting_links):
    page, html = get_page(client, meeting_links["chair"]["url"])
    assert 'id="chair-panel"' in html
    buttons = page.having("data-mode")
    assert sorted(a["data-mode"] for t, a in buttons if t == "button") == sorted(
        ["overview", "combined", "topics", "coverage", "feedback", "groups", "priorities"]
    )
    assert sorted(a["data-phase"] for t, a in page.having("data-phase") if t == "button") == sorted(
        ["preparation", "round", "feedback", "closed"]
    )
    assert {a["data-timer"] for t, a in page.having("data-timer") if t == "button"} == {
        "start",
        "toggle",
        "extend",
        "reset",
    }
    # the timer starts with the meeting's round length; every control has a name
    minutes = next(a for t, a in page.tags if a.get("id") == "timer-minutes")
    assert minutes["value"] == "40"
    assert 'for="timer-minutes"' in html
    # the key legend makes the keys discoverable
    assert "PageDown" in html and "volledig scherm" in html
    assert json.loads(page.json["page-data"])["role"] == "chair"


def test_user_text_is_escaped(app, client, import_session):
    source = (
        'format = 1\n[meeting]\ntitle = """' + HOSTILE + '"""\ndate = 2023-01-27\n'
        'agenda_item = "</script><b>vet</b>"\n'
        '[[tables]]\nnumber = 1\nparticipants = ["<i>Iemand</i>"]\n'
        '[[tables.entries]]\ntext = "</script><script>alert(2)</script>"\nbollen = ["economisch"]\n'
    )
    slug = import_session(source)
    with app.app_context():
        links = operations.links(operations.get_meeting(slug), "")
    for role in ("screen", "chair"):
        response = client.get(links[role]["url"])
        html = response.get_data(as_text=True)
        assert "<script>alert" not in html
        assert "<img src=x" not in html
        assert "<b>vet</b>" not in html
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html or "&lt;script&gt;" in html
        page = Page(html)
        # the JSON block survives as data and says exactly what was typed
        data = json.loads(page.json["page-data"])
        assert data["snapshot"]["meeting"]["title"] == HOSTILE
        assert data["snapshot"]["tables"][0]["entries"][0]["text"] == "</script><script>alert(2)</script>"


def test_unknown_revoked_and_wrong_role_tokens_are_404(app, client, meeting_links):
    screen_token = meeting_links["screen"]["token"]
    chair_token = meeting_links["chair"]["token"]
    assert client.get("/scherm/" + "x" * 32).status_code == 404
    assert client.get(f"/voorzitter/{screen_token}").status_code == 404
    assert client.get(f"/scherm/{chair_token}").status_code == 404
    assert client.get(f"/scherm/{meeting_links['tables']['1']['rapporteur']['token']}").status_code == 404
    with app.app_context():
        meeting = operations.get_meeting(meeting_links["meeting"])
        operations.rotate_token(meeting, "screen")
        operations.rotate_token(meeting, "chair")
    for url in (
        f"/scherm/{screen_token}",
        f"/voorzitter/{chair_token}",
        f"/scherm/{screen_token}/aanwezigheid",
        f"/voorzitter/{chair_token}/aanwezigheid",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "niet meer geldig" in response.get_data(as_text=True)


def test_presence_endpoint_lists_who_is_at_each_table(app, client, meeting_links):
    with app.app_context():
        meeting = operations.get_meeting(meeting_links["meeting"])
        db.session.add(
            Presence(
                sid="abcdefgh1234", meeting_id=meeting.id, table_number=3, role="rapporteur", name="Van Hugte"
            )
        )
        db.session.add(
            Presence(sid="screen000000", meeting_id=meeting.id, table_number=None, role="screen", name="")
        )
        db.session.commit()
    for role, prefix in (("screen", "/scherm/"), ("chair", "/voorzitter/")):
        response = client.get(f"{prefix}{meeting_links[role]['token']}/aanwezigheid")
        assert response.status_code == 200
        tables = response.get_json()["tables"]
        assert set(tables) == {"1", "2", "3", "4", "5", "6"}
        assert tables["3"] == [{"id": "abcdefgh", "role": "rapporteur", "name": "Van Hugte"}]
        assert tables["1"] == []


def test_secretariat_chair_link_requires_login(client, meeting_links):
    url = f"/secretariaat/vergaderingen/{meeting_links['meeting']}/voorzitter"
    response = client.get(url)
    assert response.status_code == 302
    assert "/secretariaat/inloggen" in response.headers["Location"]
    assert client.get(meeting_links["chair"]["url"]).status_code == 200  # the link itself needs none


def test_secretariat_chair_link_redirects_to_the_chair_page(logged_in, meeting_links):
    url = f"/secretariaat/vergaderingen/{meeting_links['meeting']}/voorzitter"
    response = logged_in.get(url)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/voorzitter/{meeting_links['chair']['token']}")
    page = logged_in.get(response.headers["Location"])
    assert page.status_code == 200 and 'id="chair-panel"' in page.get_data(as_text=True)
    assert logged_in.get("/secretariaat/vergaderingen/bestaat-niet/voorzitter").status_code == 404


def test_hidden_entries_are_left_out_of_the_screen_counts(app, client, meeting_links):
    with app.app_context():
        meeting = operations.get_meeting(meeting_links["meeting"])
        table = meeting.table(1)
        visible = len(table.live_entries)
        table.live_entries[0].hidden = True
        db.session.commit()
    page, html = get_page(client, meeting_links["screen"]["url"])
    tile = html[html.index('id="tile-1"') : html.index('id="tile-2"')]
    assert f"{visible - 1} inbreng" in tile
    data = json.loads(page.json["page-data"])
    assert sum(e["hidden"] for e in data["snapshot"]["tables"][0]["entries"]) == 1


def test_meeting_status_partial_carries_its_strings(client, meeting_links):
    page, html = get_page(client, meeting_links["screen"]["url"])
    status = next(a for t, a in page.tags if a.get("id") == "meeting-status")
    strings = json.loads(status["data-strings"])
    assert strings["timeUp"] == "Tijd is om"
    assert set(strings["phases"]) == {"preparation", "round", "feedback", "closed"}
    assert status["data-phase"] == "preparation"
