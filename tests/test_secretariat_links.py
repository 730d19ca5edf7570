"""The secretariat's links: the links page with QR codes, rotating a link, the table cards (rendered
in the render child, fetching nothing), and the venue network (links that work in the room).

CSRF stays on (as in production), as in test_secretariat.py.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from facilitator import operations
from facilitator.extensions import db
from facilitator.models import AccessToken

from .secretariat_support import CSRF_RE, SMALL, links_of, login, path_of, pdf_text, post


@pytest.fixture
def logged_in(client, make_user):
    """A client logged in through the login form, CSRF on (conftest's version posts without a token)."""
    name, password = make_user()
    assert login(client, name, password).status_code == 302
    return client


# -- links and QR codes ---------------------------------------------------------------------


def test_links_page_shows_every_link_with_an_svg_qr_code(app, logged_in, ser):
    page = logged_in.get(f"/secretariaat/vergaderingen/{ser}/links").get_data(as_text=True)
    links = links_of(app, ser)
    with app.app_context():
        minutes = operations.link_pair(operations.get_meeting(ser), app.config["PUBLIC_URL"], "minutes")
    urls = [links["screen"]["url"], links["chair"]["url"], minutes["url"]]
    urls += [pair[role]["url"] for pair in links["tables"].values() for role in ("rapporteur", "participant")]
    assert len(urls) == 15
    for url in urls:
        assert f'value="{url}"' in page  # copy-friendly text with a label
    assert page.count("<svg") == len(urls)
    assert page.count("<title>QR-code: ") == len(urls)
    assert page.count("Nieuwe link maken<span") == len(urls)
    assert '<label for="link-deelnemer-3-url">Link</label>' in page
    assert page.count('id="csrf_token"') == 0  # many small forms, no duplicate ids
    loaded = re.findall(r'<(?:script|img|link)[^>]*(?:src|href)="([^"]+)"', page)
    assert loaded and all(url.startswith("/static/") for url in loaded), "QR codes come from no other site"


def test_qr_code_encodes_the_link():
    from facilitator.qr import qr_svg

    svg = str(qr_svg("http://127.0.0.1:5000/deelnemer/abc", "QR-code: <tafel>"))
    assert svg.startswith("<svg") and "<title>QR-code: &lt;tafel&gt;</title>" in svg
    assert "style=" not in svg


def test_rotating_a_link_stops_the_old_one_at_once(app, logged_in, ser):
    before = links_of(app, ser)
    old = before["tables"]["3"]["participant"]
    assert logged_in.get(path_of(old["url"])).status_code == 200
    # press the button on the page: it asks first; then the confirmation's form, its own CSRF token
    page = logged_in.get(f"/secretariaat/vergaderingen/{ser}/links").get_data(as_text=True)
    card = page[page.index('id="link-deelnemer-3"') :]
    confirm_url = re.search(r'<p class="rotate"><a [^>]*href="([^"]+)"', card).group(1)
    card = logged_in.get(confirm_url).get_data(as_text=True)
    action = re.search(r'<form method="post" class="rotate"\s+action="([^"]+)"', card).group(1)
    assert action == f"/secretariaat/vergaderingen/{ser}/links/deelnemer/3/vernieuwen"
    response = logged_in.post(action, data={"csrf_token": CSRF_RE.search(card).group(1)})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/secretariaat/vergaderingen/{ser}/links#link-deelnemer-3"
    page = logged_in.get(response.headers["Location"]).get_data(as_text=True)
    assert "Nieuwe link gemaakt voor Tafel 3: deelnemers. De oude link werkt niet meer." in page

    after = logged_in.get(f"/secretariaat/vergaderingen/{ser}/links.json").get_json()
    new = after["tables"]["3"]["participant"]
    assert new["token"] != old["token"]
    assert logged_in.get(path_of(old["url"])).status_code == 404
    assert logged_in.get(path_of(new["url"])).status_code == 200
    # nothing else changed
    before["tables"]["3"]["participant"] = new
    assert after == before
    page = logged_in.get(f"/secretariaat/vergaderingen/{ser}/links").get_data(as_text=True)
    assert new["url"] in page and old["url"] not in page


def test_rotating_the_screen_and_chair_links(app, logged_in, ser):
    before = links_of(app, ser)
    for role, slug in (("screen", "scherm"), ("chair", "voorzitter")):
        assert (
            post(logged_in, f"/secretariaat/vergaderingen/{ser}/links/{slug}/vernieuwen").status_code == 302
        )
        assert logged_in.get(path_of(before[role]["url"])).status_code == 404
        assert logged_in.get(path_of(links_of(app, ser)[role]["url"])).status_code == 200
    with app.app_context():
        revoked = (
            db.session.execute(select(AccessToken).where(AccessToken.revoked_at.is_not(None))).scalars().all()
        )
        assert {t.role for t in revoked} == {"screen", "chair"}


def test_rotating_an_unknown_role_or_table_is_404(app, logged_in, ser):
    before = links_of(app, ser)
    base = f"/secretariaat/vergaderingen/{ser}/links"
    assert post(logged_in, f"{base}/baas/vernieuwen").status_code == 404
    assert post(logged_in, f"{base}/deelnemer/99/vernieuwen").status_code == 404
    assert post(logged_in, f"{base}/deelnemer/vernieuwen").status_code == 404  # a table role needs a table
    assert links_of(app, ser) == before


def test_links_json_is_the_cli_links(app, logged_in, ser, runner):
    served = logged_in.get(f"/secretariaat/vergaderingen/{ser}/links.json").get_json()
    printed = json.loads(runner.invoke(args=["session", "links", ser]).output)
    assert served == printed == links_of(app, ser)


# -- table cards ----------------------------------------------------------------------------


def test_table_cards_pdf_has_one_page_per_table(app, logged_in, ser, tmp_path):
    response = logged_in.get(f"/secretariaat/vergaderingen/{ser}/tafelkaarten.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == f"attachment; filename=tafelkaarten-{ser}.pdf"
    assert response.data.startswith(b"%PDF")
    pages = pdf_text(response.data, tmp_path).split("\f")
    pages = [p for p in pages if p.strip()]
    assert len(pages) == 6
    links = links_of(app, ser)
    for number, page in enumerate(pages, start=1):
        flat = " ".join(page.split())
        assert f"Tafel {number}" in flat and "Raad, nr. 746" in flat
        assert "Scan om inbreng toe te voegen" in flat
        assert "verslaglegger" in flat
        assert path_of(links["tables"][str(number)]["participant"]["url"]).split("/")[-1] in flat.replace(
            " ", ""
        )


def test_card_renderer_fetches_only_data_urls(app, logged_in, import_session, monkeypatch, tmp_path):
    from facilitator.secretariat import cards

    hostile = SMALL.replace(
        'title = "Kleine ronde"',
        'title = "<img src=\\"http://127.0.0.1:9/x.png\\"><link rel=stylesheet href=\\"file:///etc/passwd\\">"',
    )
    slug = import_session(hostile)
    # the cards are rendered in the render child, which reports what its fetcher loaded
    results = []
    original = cards.child.run

    def recording(*args, **kwargs):
        results.append(original(*args, **kwargs))
        return results[-1]

    monkeypatch.setattr(cards.child, "run", recording)
    response = logged_in.get(f"/secretariaat/vergaderingen/{slug}/tafelkaarten.pdf")
    assert response.status_code == 200
    fetched = results[0].result["fetched"]
    assert fetched and all(url.startswith("data:image/svg+xml") for url in fetched)
    assert '<imgsrc="http://127.0.0.1:9/x.png">' in "".join(pdf_text(response.data, tmp_path).split())


def test_card_fetcher_refuses_everything_but_data_and_static_files(app):
    from facilitator.export.fetcher import StaticOnlyFetcher

    static = Path(app.static_folder)
    fetcher = StaticOnlyFetcher(static)
    assert fetcher.fetch("data:text/plain,hallo").read() == b"hallo"
    css = fetcher.fetch((static / "css" / "app.css").as_uri())
    assert css.read() == (static / "css" / "app.css").read_bytes()
    assert css.content_type == "text/css"
    refused = [
        "http://127.0.0.1:9/x.png",
        "https://example.org/font.woff",
        "ftp://example.org/x",
        "file:///etc/passwd",
        (static / ".." / "facilitator" / "config.py").as_uri(),
        static.as_uri() + "/%2e%2e/facilitator/config.py",
        "file://evil.example" + str(static / "css" / "app.css"),
        static.as_uri() + "/css/",
        "/etc/passwd",
    ]
    for url in refused:
        with pytest.raises(ValueError):
            fetcher.fetch(url)


def test_table_cards_are_rendered_in_the_render_child_not_the_server(app, logged_in, ser, monkeypatch):
    """Neither WeasyPrint nor the QR codes nor the cards' HTML run in the server process (they
    would block every socket meanwhile): the render child makes them from plain data."""
    import os

    import weasyprint

    from facilitator import qr
    from facilitator.export import cards as card_html
    from facilitator.export import child
    from facilitator.secretariat import cards

    def forbidden(*args, **kwargs):
        raise AssertionError("card work was done in the server process")

    monkeypatch.setattr(weasyprint, "HTML", forbidden)
    monkeypatch.setattr(cards, "HTML", forbidden, raising=False)
    monkeypatch.setattr(qr, "qr_data_uri", forbidden)
    monkeypatch.setattr(card_html, "cards_html", forbidden)
    monkeypatch.setattr(card_html, "qr_data_uri", forbidden)
    results = []
    original = child.run

    def recording(*args, **kwargs):
        result = original(*args, **kwargs)
        results.append(result)
        return result

    monkeypatch.setattr(child, "run", recording)
    response = logged_in.get(f"/secretariaat/vergaderingen/{ser}/tafelkaarten.pdf")
    assert response.status_code == 200
    assert response.data.startswith(b"%PDF")
    (result,) = results
    assert result.result["pid"] != os.getpid()
    assert result.result["pages"] == 6


def test_the_card_routes_do_not_import_weasyprint_into_the_server():
    """Importing WeasyPrint takes about 0.6 s of one CPU: a server doing it stops answering meanwhile."""
    import subprocess
    import sys

    code = (
        "import sys; import facilitator.secretariat.routes, facilitator.secretariat.cards; "
        "sys.exit('weasyprint' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).parent.parent).returncode == 0


def test_a_failing_card_render_is_a_clear_message(app, logged_in, ser, monkeypatch):
    from facilitator.export import child

    def failing(*args, **kwargs):
        raise child.RenderError("Het opmaken duurde langer dan 300 seconden en is afgebroken.")

    monkeypatch.setattr(child, "run", failing)
    response = logged_in.get(f"/secretariaat/vergaderingen/{ser}/tafelkaarten.pdf")
    assert response.status_code == 302
    page = logged_in.get(response.headers["Location"]).get_data(as_text=True)
    assert "De tafelkaarten konden niet worden gemaakt: Het opmaken duurde langer" in html.unescape(page)


# -- the venue network: links that work in the room, the rapporteur's code apart --------------


def test_table_cards_carry_only_the_participants_code_and_rapporteurs_get_their_own(
    app, logged_in, ser, tmp_path
):
    links = links_of(app, ser)
    cards = logged_in.get(f"/secretariaat/vergaderingen/{ser}/tafelkaarten.pdf")
    flat = "".join(pdf_text(cards.data, tmp_path).split())
    own = logged_in.get(f"/secretariaat/vergaderingen/{ser}/verslagkaarten.pdf")
    assert own.status_code == 200
    assert own.headers["Content-Disposition"] == f"attachment; filename=verslagkaarten-{ser}.pdf"
    pages = [p for p in pdf_text(own.data, tmp_path).split("\f") if p.strip()]
    assert len(pages) == 6
    for number, page in enumerate(pages, start=1):
        rapporteur = path_of(links["tables"][str(number)]["rapporteur"]["url"]).split("/")[-1]
        participant = path_of(links["tables"][str(number)]["participant"]["url"]).split("/")[-1]
        assert rapporteur not in flat, f"table {number}'s rapporteur link is on the card everyone sees"
        assert participant in flat
        squeezed = "".join(page.split())
        assert rapporteur in squeezed and participant not in squeezed
        assert "Alleenvoordeverslaglegger" in squeezed
    page = logged_in.get(f"/secretariaat/vergaderingen/{ser}/links").get_data(as_text=True)
    assert f"/secretariaat/vergaderingen/{ser}/verslagkaarten.pdf" in page


def test_links_page_and_cards_warn_when_links_point_at_this_computer(
    app, logged_in, ser, tmp_path, monkeypatch
):
    from facilitator import network

    monkeypatch.setattr(network, "lan_addresses", lambda: ["192.168.1.20"])
    assert app.config["PUBLIC_URL"].startswith("http://127.0.0.1")
    page = logged_in.get(f"/secretariaat/vergaderingen/{ser}/links").get_data(as_text=True)
    assert "Deze links werken alleen op deze computer." in page
    assert "HOST=0.0.0.0 PUBLIC_URL=http://192.168.1.20:5000 make run" in page
    assert "HOST en PUBLIC_URL" in page
    cards = "".join(
        pdf_text(logged_in.get(f"/secretariaat/vergaderingen/{ser}/tafelkaarten.pdf").data, tmp_path).split()
    )
    assert cards.count("Letop:") == 6

    app.config["PUBLIC_URL"] = "http://192.168.1.20:5000"
    page = logged_in.get(f"/secretariaat/vergaderingen/{ser}/links").get_data(as_text=True)
    assert "Deze links werken alleen op deze computer." not in page
    assert "HOST en PUBLIC_URL" in page  # explained either way
    cards = "".join(
        pdf_text(logged_in.get(f"/secretariaat/vergaderingen/{ser}/tafelkaarten.pdf").data, tmp_path).split()
    )
    assert "Letop:" not in cards


def test_lan_addresses_offline_and_with_a_network(monkeypatch):
    import socket

    from facilitator import network

    class Unreachable:
        def __init__(self, *args):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def connect(self, address):
            raise OSError(101, "Network is unreachable")

    def no_host(*args, **kwargs):
        raise socket.gaierror("no name")

    monkeypatch.setattr(network.socket, "socket", Unreachable)
    monkeypatch.setattr(network.socket, "getaddrinfo", no_host)
    assert network.lan_addresses() == []
    config = {"PUBLIC_URL": "http://127.0.0.1:5000", "PORT": 5000, "HOST": "127.0.0.1"}
    lines = network.venue_lines(config)
    assert lines[-1] == "Geen netwerkadres gevonden: deze laptop is nu niet met een netwerk verbonden."
    assert not any("PUBLIC_URL=" in line for line in lines)

    loopback_and_lan = [
        (socket.AF_INET, socket.SOCK_DGRAM, 0, "", ("127.0.1.1", 0)),
        (socket.AF_INET, socket.SOCK_DGRAM, 0, "", ("169.254.3.4", 0)),
        (socket.AF_INET, socket.SOCK_DGRAM, 0, "", ("192.168.1.20", 0)),
    ]
    monkeypatch.setattr(network.socket, "getaddrinfo", lambda *a, **k: loopback_and_lan)
    assert network.lan_addresses() == ["192.168.1.20"]
    assert (
        network.venue_lines(config)[-1]
        == "Voor telefoons in de zaal: HOST=0.0.0.0 PUBLIC_URL=http://192.168.1.20:5000 make run"
    )
    lan = {**config, "PUBLIC_URL": "http://192.168.1.20:5000", "HOST": "0.0.0.0"}
    assert network.venue_lines(lan) == ["Telefoons en laptops in de zaal gebruiken: http://192.168.1.20:5000"]


def test_lan_address_from_the_routing_table_without_sending(monkeypatch):
    from facilitator import network

    sent = []

    class Routed:
        def __init__(self, *args):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def connect(self, address):
            self.address = address

        def getsockname(self):
            return ("10.0.0.7", 40000)

        def send(self, data):  # pragma: no cover - must not happen
            sent.append(data)

    monkeypatch.setattr(network.socket, "socket", Routed)
    monkeypatch.setattr(network.socket, "getaddrinfo", lambda *a, **k: [])
    assert network.lan_addresses() == ["10.0.0.7"]
    assert sent == []


def test_make_run_says_which_url_phones_should_use(app, monkeypatch):
    from facilitator import network
    from facilitator.cli import prepare_first_run

    monkeypatch.setattr(network, "lan_addresses", lambda: ["192.168.1.20"])
    monkeypatch.delenv("PUBLIC_URL", raising=False)
    with app.app_context():
        lines = prepare_first_run(app)
    text = "\n".join(lines)
    assert "De links wijzen naar 127.0.0.1: ze werken alleen op deze laptop." in text
    assert "HOST=0.0.0.0 PUBLIC_URL=http://192.168.1.20:5000 make run" in text
