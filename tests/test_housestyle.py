"""The house style (settings page, command, session file, screen), with hostile logos that must be
refused or made harmless without a single request to a recording server."""

from __future__ import annotations

import base64
import http.server
import io
import re
import threading

import pytest
from PIL import Image

from facilitator import operations, sessionfile
from facilitator.export.service import export_annex, load_meeting_data
from facilitator.housestyle import store
from facilitator.housestyle.logo import LogoError, sanitise_logo
from facilitator.housestyle.style import StyleData, accent_problem, contrast_ratio

from .housestyle_support import ACCENT, DEMO, LOGO_SVG

# ---------------------------------------------------------------------------------------------
# A recording server: every request it gets is a request the annex must never make


class Recorder:
    """An HTTP server on 127.0.0.1 that answers everything and counts what it was asked."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        recorder = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                recorder.requests.append(self.path)
                body = b'<svg xmlns="http://www.w3.org/2000/svg"/>'
                self.send_response(200)
                self.send_header("Content-Type", "image/svg+xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_POST = do_GET  # noqa: N815

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def recorder():
    server = Recorder()
    yield server
    server.close()


def hostile_svgs(base: str) -> dict[str, bytes]:
    """SVG logos that try to run script or reach the recording server."""
    return {
        "script": (
            b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10" onload="alert(1)">'
            b"<script>alert(1)</script><rect width='10' height='10' fill='#123456'/></svg>"
        ),
        "external-href": (
            f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
            f'viewBox="0 0 10 10"><style>@import url({base}/import.css);</style>'
            f'<image href="{base}/image.png" width="10" height="10"/>'
            f'<image xlink:href="{base}/xlink-image.png" width="10" height="10"/>'
            f'<use href="{base}/use.svg#a"/><use xlink:href="{base}/xlink-use.svg#a"/>'
            f'<rect width="10" height="10" fill="url({base}/fill.svg#g)" style="stroke: url({base}/s#x)"/>'
            f'<a href="{base}/link"><rect width="1" height="1"/></a>'
            f'<foreignObject><img xmlns="http://www.w3.org/1999/xhtml" src="{base}/fo.png"/></foreignObject>'
            f"</svg>"
        ).encode(),
        "entity": (
            f'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "{base}/entity.txt">'
            f'<!ENTITY y "lol">]><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">'
            f"<text>&x;&y;</text></svg>"
        ).encode(),
    }


# ---------------------------------------------------------------------------------------------
# Hostile logos: refused or made harmless, and never a request


def _logo_png(size=(60, 20)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 60, 120)).save(out, "PNG")
    return out.getvalue()


def test_svg_logo_is_cut_down_to_drawing(recorder):
    svgs = hostile_svgs(recorder.url)
    cleaned, kind, png = sanitise_logo(svgs["script"])
    assert kind == "svg" and b"script" not in cleaned and b"onload" not in cleaned and b"#123456" in cleaned
    assert png.startswith(b"\x89PNG")
    cleaned, kind, _ = sanitise_logo(svgs["external-href"])
    assert kind == "svg"
    assert b"127.0.0.1" not in cleaned and b"http" not in cleaned.replace(b"http://www.w3.org/2000/svg", b"")
    for word in (b"<style", b"<image", b"<a ", b"foreignObject", b"import"):
        assert word not in cleaned
    with pytest.raises(LogoError, match="DOCTYPE of entiteiten"):
        sanitise_logo(svgs["entity"])
    assert recorder.requests == []


def test_logos_that_are_not_what_they_claim_are_refused():
    with pytest.raises(LogoError, match="geen geldig PNG"):
        sanitise_logo(b"\x89PNG\r\n\x1a\n" + b"<svg onload='alert(1)'>" * 10)
    with pytest.raises(LogoError, match="geen geldig JPEG"):
        sanitise_logo(b"\xff\xd8\xff\xe0" + b"\x00" * 100)
    with pytest.raises(LogoError, match="geen PNG-, JPEG- of SVG"):
        sanitise_logo(b"GIF89a" + b"\x00" * 100)
    with pytest.raises(LogoError, match="geen PNG-, JPEG- of SVG"):
        sanitise_logo(b"%PDF-1.7\n")
    with pytest.raises(LogoError, match="te groot"):
        sanitise_logo(_logo_png()[:8] + b"\x00" * (20 * 1024 * 1024))
    # a real PNG is re-encoded: what was appended after the image is gone
    cleaned, kind, _ = sanitise_logo(_logo_png() + b"<script>alert(1)</script>")
    assert kind == "png" and b"script" not in cleaned
    # a small file that decodes to a huge image (a decompression bomb) is refused
    bomb = io.BytesIO()
    Image.new("1", (20000, 20000)).save(bomb, "PNG")
    assert len(bomb.getvalue()) < 1024 * 1024
    with pytest.raises(LogoError, match="beeldpunten"):
        sanitise_logo(bomb.getvalue())


def test_a_hostile_logo_reaches_no_server_even_unsanitised(app, import_session, recorder, tmp_path):
    """Defence in depth: even a raw hostile SVG handed straight to the renderer fetches nothing."""
    slug = import_session()
    hostile = hostile_svgs(recorder.url)["external-href"]
    with app.app_context():
        data = load_meeting_data(slug)
        data.style = StyleData(name="X", cover=True, logo=hostile, logo_type="svg", logo_png=_logo_png())
        result = export_annex(data, "pdf", tmp_path / "raw.pdf", keep_spare=False)
        assert all(url.startswith("https://annex.invalid/") for url in result.refused), result.refused
        for fmt in ("odt", "docx"):
            export_annex(data, fmt, tmp_path / f"raw.{fmt}", keep_spare=False)
    assert recorder.requests == []
    # and had WeasyPrint asked, the render child's fetcher refuses anything but its own assets
    from weasyprint.urls import URLFetchingError

    from facilitator.export.fetcher import AnnexFetcher

    fetcher = AnnexFetcher(logo={"type": "svg", "data": base64.b64encode(hostile).decode()})
    for url in (f"{recorder.url}/x.png", "file:///etc/passwd", "data:image/png;base64,AA=="):
        with pytest.raises(URLFetchingError):
            fetcher.fetch(url)
    assert fetcher.fetch("https://annex.invalid/style/logo.svg").read() == hostile
    assert recorder.requests == []


def test_hostile_logos_through_every_way_in(app, runner, logged_in, post_form, recorder, tmp_path):
    for name, svg in hostile_svgs(recorder.url).items():
        path = tmp_path / f"{name}.svg"
        path.write_bytes(svg)
        result = runner.invoke(args=["style", "set", "--logo", str(path)])
        if name == "entity":
            assert result.exit_code == 1 and "DOCTYPE of entiteiten" in result.output
        else:
            assert result.exit_code == 0, result.output
            with app.app_context():
                stored = store.organisation_style().logo
            assert b"script" not in stored and recorder.url.encode() not in stored
        response = post_form(
            "/secretariaat/huisstijl",
            data={"name": "Raad", "accent": "", "logo": (io.BytesIO(svg), f"{name}.svg")},
            content_type="multipart/form-data",
        )
        assert response.status_code == (400 if name == "entity" else 303), response.data[:300]
    fake = tmp_path / "fake.png"
    fake.write_bytes(b"\x89PNG\r\n\x1a\n" + b"not really" * 100)
    result = runner.invoke(args=["style", "set", "--logo", str(fake)])
    assert result.exit_code == 1 and "geen geldig PNG" in result.output
    big = tmp_path / "big.png"
    big.write_bytes(_logo_png() + b"\x00" * (20 * 1024 * 1024))
    result = runner.invoke(args=["style", "set", "--logo", str(big)])
    assert result.exit_code == 1 and "te groot" in result.output
    assert len(result.output.strip().splitlines()) == 1
    # over 1 MB but under the request limit (larger uploads are refused before the form: 413)
    response = post_form(
        "/secretariaat/huisstijl",
        data={"logo": (io.BytesIO(big.read_bytes()[: 3 * 1024 * 1024]), "big.png")},
        content_type="multipart/form-data",
    )
    response.request.environ["wsgi.input"].close()  # the test client spools a large body to a file
    assert response.status_code == 400 and "te groot" in response.get_data(as_text=True)
    assert recorder.requests == []


# ---------------------------------------------------------------------------------------------
# The accent colour


def test_accent_needs_contrast_with_white():
    assert round(contrast_ratio("#000000"), 1) == 21.0
    assert round(contrast_ratio("#ffffff"), 1) == 1.0
    assert accent_problem("#0b4f8a") is None
    assert accent_problem(ACCENT) is None
    problem = accent_problem("#ffcc00")
    assert problem and "te weinig contrast met wit" in problem and "4.5:1" in problem
    assert "geen kleur" in accent_problem("red")
    assert accent_problem("#777777") is not None  # 4.48:1, just under


def test_style_set_command(app, runner, tmp_path):
    result = runner.invoke(args=["style", "set", "--accent", "#ffff00"])
    assert result.exit_code == 1 and "te weinig contrast met wit" in result.output
    assert len(result.output.strip().splitlines()) == 1
    logo = tmp_path / "logo.png"
    logo.write_bytes(_logo_png())
    result = runner.invoke(
        args=["style", "set", "--name", "Raad", "--logo", str(logo), "--accent", "#1D6B34"]
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["style", "set", "--cover"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        style = store.organisation_style()
    assert (style.name, style.accent, style.cover, style.logo_type) == ("Raad", "#1d6b34", True, "png")
    result = runner.invoke(args=["style", "set", "--no-cover", "--logo", ""])
    with app.app_context():
        style = store.organisation_style()
    assert (style.name, style.cover, style.logo) == ("Raad", False, None)


# ---------------------------------------------------------------------------------------------
# The settings page


def test_settings_page_needs_a_login_and_csrf(client, logged_in):
    anonymous = client.application.test_client()
    assert anonymous.get("/secretariaat/huisstijl").status_code == 302
    assert anonymous.post("/secretariaat/huisstijl", data={"name": "X"}).status_code in (400, 403)
    response = logged_in.post("/secretariaat/huisstijl", data={"name": "X"})
    assert response.status_code == 400  # no CSRF token
    with client.application.app_context():
        assert store.organisation_style().name == ""


def test_settings_page_saves_and_refuses_in_dutch(app, logged_in, post_form):
    page = logged_in.get("/secretariaat/huisstijl").get_data(as_text=True)
    assert "<h1>Huisstijl</h1>" in page and 'name="accent"' in page and 'lang="nl"' in page
    response = post_form("/secretariaat/huisstijl", data={"name": "Raad", "accent": "#eeeeee"})
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "te weinig contrast met wit" in body and "De huisstijl is niet opgeslagen." in body
    response = post_form(
        "/secretariaat/huisstijl",
        data={"name": "Raad", "accent": "#8A1C4A", "cover": "y", "logo": (io.BytesIO(LOGO_SVG), "l.svg")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    with app.app_context():
        style = store.organisation_style()
    assert (style.name, style.accent, style.cover, style.logo_type) == ("Raad", ACCENT, True, "svg")
    page = logged_in.get("/secretariaat/huisstijl").get_data(as_text=True)
    assert "Huisstijl opgeslagen" in page and "data:image/svg+xml;base64," in page


def test_the_chairs_screen_takes_the_accent_from_a_stylesheet(app, client, import_session, meeting_links):
    with app.app_context():
        store.save_organisation_style(StyleData(accent=ACCENT))
    links = meeting_links
    chair_token = links["chair"]["token"]
    page = client.get(f"/voorzitter/{chair_token}").get_data(as_text=True)
    assert f"/huisstijl/{chair_token}.css" in page
    for tag in re.findall(r"<script[^>]*>", page):  # no inline script: the CSP allows none
        assert "src=" in tag or "application/json" in tag, tag
    css = client.get(f"/huisstijl/{chair_token}.css")
    assert css.mimetype == "text/css" and f"--accent: {ACCENT};" in css.get_data(as_text=True)
    assert client.get(f"/huisstijl/{links['screen']['token']}.css").status_code == 200
    rapporteur = links["tables"]["1"]["rapporteur"]["token"]
    assert client.get(f"/huisstijl/{rapporteur}.css").status_code == 404
    assert client.get("/huisstijl/onbekend-token-xxxxxxxx.css").status_code == 404


# ---------------------------------------------------------------------------------------------
# The session file's [style] section


def test_session_file_carries_the_style_both_ways(app, runner, tmp_path):
    style = StyleData(name="Raad", accent=ACCENT, cover=True)
    style.logo, style.logo_type, style.logo_png = sanitise_logo(LOGO_SVG)
    data = sessionfile.loads(DEMO.read_bytes())
    data.style = style
    text = sessionfile.dumps(data)
    assert "[style]" in text and 'logo = "data:image/svg+xml;base64,' in text
    again = sessionfile.loads(text.encode())
    assert again.style == style
    path = tmp_path / "styled.toml"
    path.write_text(text)
    result = runner.invoke(args=["session", "import", str(path)])
    assert result.exit_code == 0, result.output
    slug = re.search(r'"meeting": "([^"]+)"', result.output).group(1)
    # the meeting keeps its own style; the organisation's (empty) does not replace it
    result = runner.invoke(args=["session", "export", slug])
    assert result.exit_code == 0
    assert sessionfile.loads(result.output.encode()).style == style
    # a meeting without a [style] section exports the organisation's style
    with app.app_context():
        store.save_organisation_style(StyleData(name="Organisatie", accent="#1d6b34"))
        plain = operations.import_meeting(sessionfile.loads(DEMO.read_bytes())).slug
    exported = sessionfile.loads(runner.invoke(args=["session", "export", plain]).output.encode())
    assert exported.style.name == "Organisatie"


def test_session_file_style_problems_are_one_dutch_line_each(recorder):
    entity = base64.b64encode(hostile_svgs(recorder.url)["entity"]).decode()
    source = DEMO.read_text().replace(
        "[template]",
        "[style]\n"
        "name = 12\n"
        'accent = "#ffff00"\n'
        'cover = "ja"\n'
        f'logo = "data:image/svg+xml;base64,{entity}"\n'
        "colour = 1\n\n[template]",
        1,
    )
    assert "[style]" in source
    with pytest.raises(sessionfile.SessionFileError) as caught:
        sessionfile.loads(source.encode())
    problems = caught.value.problems
    line = source.splitlines().index("[style]") + 1
    expected = {
        "style.name": "moet tekst zijn",
        "style.accent": "te weinig contrast met wit",
        "style.cover": "moet true of false zijn",
        "style.logo": "DOCTYPE of entiteiten",
        "style.colour": "onbekend veld",
    }
    for field, message in expected.items():
        matching = [p for p in problems if p.startswith(field + " (regel ")]
        assert len(matching) == 1 and message in matching[0], (field, problems)
        assert int(re.search(r"regel (\d+)", matching[0]).group(1)) > line
    assert all("\n" not in p for p in problems)
    assert recorder.requests == []
    fake_png = base64.b64encode(b"\x89PNG\r\n\x1a\nnope").decode()
    bad = DEMO.read_text().replace(
        "[template]", f'[style]\nlogo = "data:image/png;base64,{fake_png}"\n\n[template]', 1
    )
    with pytest.raises(sessionfile.SessionFileError, match="geen geldig PNG"):
        sessionfile.loads(bad.encode())
