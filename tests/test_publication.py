"""Publication formats: the ODT read back, the PDF's PDF/A + PDF/UA metadata read with pikepdf,
and the house style (settings page, command, session file, screen) with hostile logos that
must be refused or made harmless without a single request to a recording server."""

from __future__ import annotations

import base64
import http.server
import io
import re
import shutil
import subprocess
import threading
import zipfile
from pathlib import Path

import pikepdf
import pytest
from lxml import etree
from PIL import Image

from facilitator import operations, sessionfile
from facilitator.export import richtext
from facilitator.export.service import export_annex, load_meeting_data
from facilitator.housestyle import store
from facilitator.housestyle.logo import LogoError, sanitise_logo
from facilitator.housestyle.style import StyleData, accent_problem, contrast_ratio
from tests.test_annex import dispose, export_cli, make_app, normalise

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "sessions" / "ser-raad-2023-01-27.toml"
DEMO_DATA = sessionfile.loads(DEMO.read_bytes())

LOGO_SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 40">'
    b'<rect width="40" height="40" rx="6" fill="#8a1c4a"/><circle cx="20" cy="20" r="10" fill="#fff"/>'
    b'<path d="M50 10h60v6H50zM50 24h40v6H50z" fill="#8a1c4a"/></svg>'
)
ORGANISATION = "Sociaal-Economische Raad"
ACCENT = "#8a1c4a"

ODF = {
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "style": "urn:oasis:names:tc:opendocument:xmlns:style:1.0",
    "draw": "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0",
    "svg": "urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0",
    "fo": "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0",
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "dc": "http://purl.org/dc/elements/1.1/",
    "xlink": "http://www.w3.org/1999/xlink",
}


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
# One app with the demo meeting in the house style, exported once per format


@pytest.fixture(scope="module")
def styled(tmp_path_factory):
    """The demo exported with a house style (name, SVG logo, accent, cover) as PDF, ODT and DOCX."""
    tmp = tmp_path_factory.mktemp("publication")
    app = make_app(tmp)
    with app.app_context():
        slug = operations.import_meeting(DEMO_DATA).slug
    runner = app.test_cli_runner()
    logo = tmp / "logo.svg"
    logo.write_bytes(LOGO_SVG)
    result = runner.invoke(
        args=["style", "set", "--name", ORGANISATION, "--logo", str(logo), "--accent", ACCENT, "--cover"]
    )
    assert result.exit_code == 0, result.output
    files = {}
    for fmt in ("pdf", "odt", "docx"):
        out = tmp / f"demo.{fmt}"
        result = export_cli(app, slug, out, "--format", fmt)
        assert result.exit_code == 0, result.output
        files[fmt] = out
    yield {"app": app, "slug": slug, "tmp": tmp, **files}
    dispose(app)


# ---------------------------------------------------------------------------------------------
# ODT read back


def odf_text(element) -> str:
    """The text a reader sees: spaces, tabs and line breaks as ODF writes them, frames left out."""
    parts = [element.text or ""]
    for child in element:
        name = etree.QName(child)
        if name.namespace == ODF["text"] and name.localname == "s":
            parts.append(" " * int(child.get(f"{{{ODF['text']}}}c", "1")))
        elif name.namespace == ODF["text"] and name.localname in ("tab", "line-break"):
            parts.append(" ")
        elif name.namespace != ODF["draw"]:
            parts.append(odf_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


class OdtReadBack:
    """An ODT's content, styles and metadata as XML."""

    def __init__(self, path: Path):
        with zipfile.ZipFile(path) as archive:
            self.names = archive.namelist()
            self.mimetype = archive.read("mimetype").decode()
            self.content = etree.fromstring(archive.read("content.xml"))
            self.styles = etree.fromstring(archive.read("styles.xml"))
            self.meta = etree.fromstring(archive.read("meta.xml"))
            self.files = {name: archive.read(name) for name in self.names if name.startswith("Pictures/")}

    def blocks(self) -> list[tuple[str, str, str]]:
        """(element, style, text) of every heading and paragraph in document order."""
        out = []
        for element in self.content.iter(f"{{{ODF['text']}}}h", f"{{{ODF['text']}}}p"):
            style = element.get(f"{{{ODF['text']}}}style-name", "")
            out.append((etree.QName(element).localname, style, normalise(odf_text(element))))
        return out

    @property
    def text(self) -> str:
        return " ".join(text for _, _, text in self.blocks())

    def style(self, name: str, family: str = "paragraph"):
        found = self.styles.xpath(
            f"//style:style[@style:name='{name}'][@style:family='{family}']", namespaces=ODF
        )
        return found[0] if found else None

    def frames(self):
        return self.content.xpath("//draw:frame", namespaces=ODF)


@pytest.fixture(scope="module")
def odt(styled) -> OdtReadBack:
    return OdtReadBack(styled["odt"])


def report_lines(markdown: str) -> list[str]:
    """Every paragraph, heading and list item of a report, as plain text."""
    lines = []

    def walk(blocks):
        for block in blocks:
            if block.inlines:
                lines.append(normalise(richtext.plain_text(block.inlines)))
            walk(block.children)

    walk(richtext.parse(markdown))
    return [line for line in lines if line]


def test_odt_is_an_opendocument_text_with_its_metadata(odt):
    assert odt.mimetype == "application/vnd.oasis.opendocument.text"
    title = odt.meta.xpath("//dc:title/text()", namespaces=ODF)
    assert title == ["Bijlage: terugkoppeling tafels — Raad, nr. 746, 27 januari 2023"]
    assert odt.meta.xpath("//dc:language/text()", namespaces=ODF) == ["nl-NL"]
    default = odt.styles.xpath(
        "//style:default-style[@style:family='paragraph']/style:text-properties", namespaces=ODF
    )
    assert default[0].get(f"{{{ODF['fo']}}}language") == "nl"


def test_odt_has_every_report_line_and_every_entry(odt):
    text = odt.text
    alternatives = " ".join(normalise(f.findtext(f"{{{ODF['svg']}}}desc") or "") for f in odt.frames())
    for table in DEMO_DATA.tables:
        assert f"Tafel {table.number}" in text
        for line in report_lines(table.report):
            assert line in text, (table.number, line)
        for entry in table.entries:
            # every entry is in its figure's text alternative (the figure itself is an image)
            assert normalise(entry.text) in alternatives, (table.number, entry.text)


def test_odt_marks_the_leader_in_the_participants_line(odt):
    blocks = [text for _, style, text in odt.blocks() if style == "People"]
    for table in DEMO_DATA.tables:
        names = [f"{n} (gespreksleider)" if n == table.leader else n for n in table.participants]
        assert "Deelnemers: " + ", ".join(names) in blocks


def test_odt_uses_real_named_styles(odt):
    for name, family in [
        ("Annex_20_Title", "paragraph"),
        ("Table_20_Heading", "paragraph"),
        ("Heading_20_2", "paragraph"),
        ("Heading_20_3", "paragraph"),
        ("Text_20_body", "paragraph"),
        ("Caption", "paragraph"),
        ("Legend", "paragraph"),
        ("People", "paragraph"),
        ("Strong_20_Emphasis", "text"),
        ("Emphasis", "text"),
    ]:
        assert odt.style(name, family) is not None, name
    for name in ("Annex_20_Bullets", "Annex_20_Numbers"):
        assert odt.styles.xpath(f"//text:list-style[@style:name='{name}']", namespaces=ODF), name
    # one page per table: the table heading style starts a page, and every table has one
    table_heading = odt.style("Table_20_Heading")
    props = table_heading.find(f"{{{ODF['style']}}}paragraph-properties")
    assert props.get(f"{{{ODF['fo']}}}break-before") == "page"
    headings = [text for kind, style, text in odt.blocks() if style == "Table_20_Heading" and kind == "h"]
    assert headings == [f"Tafel {t.number}" for t in sorted(DEMO_DATA.tables, key=lambda t: t.number)]
    # the report's Markdown: bold and italic as text styles, lists as list styles
    spans = odt.content.xpath("//text:span/@text:style-name", namespaces=ODF)
    assert "Strong_20_Emphasis" in spans and "Emphasis" in spans
    lists = odt.content.xpath("//text:list/@text:style-name", namespaces=ODF)
    assert "Annex_20_Bullets" in lists and "Annex_20_Numbers" in lists
    # no direct formatting: every paragraph names a style
    assert all(style for kind, style, _ in odt.blocks())


def test_odt_footer_counts_pages_in_dutch(odt):
    footer = odt.styles.xpath("//style:master-page[@style:name='Standard']/style:footer", namespaces=ODF)[0]
    assert footer.xpath(".//text:page-number", namespaces=ODF)
    assert footer.xpath(".//text:page-count", namespaces=ODF)
    words = odf_text(footer[0])
    assert re.fullmatch(r"Raad, nr\. 746 · 27 januari 2023 pagina 1 van 1", words), words


def test_odt_figures_are_images_with_their_text_alternative(odt):
    figures = [
        f for f in odt.frames() if (f.findtext(f"{{{ODF['svg']}}}title") or "").startswith("Invuloefening")
    ]
    assert len(figures) == 6
    for frame in figures:
        assert (frame.findtext(f"{{{ODF['svg']}}}desc") or "").startswith(
            frame.findtext(f"{{{ODF['svg']}}}title")
        )
        href = frame.find(f"{{{ODF['draw']}}}image").get(f"{{{ODF['xlink']}}}href")
        assert odt.files[href].startswith(b"\x89PNG")
    captions = [text for _, style, text in odt.blocks() if style == "Caption"]
    assert captions == [
        f"Invuloefening tafel {t.number}" for t in sorted(DEMO_DATA.tables, key=lambda t: t.number)
    ]


def test_odt_carries_the_house_style(odt):
    assert ORGANISATION in [text for _, style, text in odt.blocks() if style == "Organisation"]
    logo = [f for f in odt.frames() if f.findtext(f"{{{ODF['svg']}}}title") == f"Logo {ORGANISATION}"]
    assert len(logo) == 1
    title = odt.style("Annex_20_Title").find(f"{{{ODF['style']}}}text-properties")
    assert title.get(f"{{{ODF['fo']}}}color") == ACCENT
    # the cover page: the questions start a new page
    questions = odt.style("Questions_20_Heading").find(f"{{{ODF['style']}}}paragraph-properties")
    assert questions.get(f"{{{ODF['fo']}}}break-before") == "page"


def test_odt_opens_in_libreoffice_as_a_person_would(styled, tmp_path):
    """LibreOffice (Debian's libreoffice-writer-nogui, installed by .ci/run) converts it to PDF."""
    soffice = shutil.which("soffice")
    assert soffice, "soffice is missing: .ci/run installs libreoffice-writer-nogui"
    profile = tmp_path / "profile"
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(styled["odt"]),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    pages = subprocess.run(
        ["pdftotext", str(tmp_path / "demo.pdf"), "-"], check=True, capture_output=True, text=True
    ).stdout.split("\f")[:-1]
    # cover, questions, then every table on pages of its own
    assert "Bijlage: terugkoppeling tafels" in pages[0] and ORGANISATION in pages[0]
    assert "Vragen aan de tafels" in pages[1]
    starts = [i for i, page in enumerate(pages) if re.search(r"^Tafel \d+$", page, re.M)]
    assert len(starts) == 6
    assert f"pagina 1 van {len(pages)}" in normalise(pages[0])


# ---------------------------------------------------------------------------------------------
# The PDF: PDF/A-2a and PDF/UA-1 in one file, read with pikepdf


@pytest.fixture(scope="module")
def pdf(styled):
    with pikepdf.open(styled["pdf"]) as document:
        yield document


def test_pdf_identifies_itself_as_pdfa_2a_and_pdfua_1(pdf):
    meta = pdf.open_metadata()
    assert meta["pdfaid:part"] == "2"
    assert meta["pdfaid:conformance"] == "A"
    assert meta["pdfuaid:part"] == "1"
    xmp = bytes(pdf.Root.Metadata.read_bytes()).decode()
    # PDF/A: a property outside the XMP standard needs its extension schema
    assert "<pdfaSchema:namespaceURI>http://www.aiim.org/pdfua/ns/id/</pdfaSchema:namespaceURI>" in xmp
    assert "<pdfaProperty:name>part</pdfaProperty:name>" in xmp
    assert pdf.pdf_version == "1.7"


def test_pdf_is_tagged_with_language_and_title(pdf):
    root = pdf.Root
    assert root.MarkInfo.Marked is True
    assert "/StructTreeRoot" in root
    assert str(root.Lang) == "nl"
    assert root.ViewerPreferences.DisplayDocTitle is True
    title = "Bijlage: terugkoppeling tafels — Raad, nr. 746, 27 januari 2023"
    assert str(pdf.docinfo.Title) == title
    assert pdf.open_metadata()["dc:title"] == title
    assert str(pdf.docinfo.Author) == ORGANISATION  # Info and XMP agree, as PDF/A requires
    assert pdf.open_metadata()["dc:creator"] == [ORGANISATION]


def _fonts(resources, seen: set) -> list:
    """Every font reachable from a resource dictionary, form XObjects and patterns included."""
    if resources is None or resources.objgen in seen and resources.objgen != (0, 0):
        return []
    seen.add(resources.objgen)
    found = list(resources.get("/Font", {}).values())
    for group in ("/XObject", "/Pattern"):
        for item in resources.get(group, {}).values():
            if "/Resources" in item:
                found += _fonts(item.Resources, seen)
    return found


def test_pdf_embeds_every_font_and_has_an_output_intent(pdf):
    fonts = []
    for page in pdf.pages:
        fonts += _fonts(page.obj.get("/Resources"), set())
    assert fonts
    for font in fonts:
        descendants = font.get("/DescendantFonts", [font])
        for part in descendants:
            descriptor = part.FontDescriptor
            assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), part.get(
                "/BaseFont"
            )
    intents = pdf.Root.OutputIntents
    assert len(intents) == 1
    assert intents[0].S == "/GTS_PDFA1"
    assert intents[0].DestOutputProfile.N == 3  # an RGB ICC profile (sRGB)


def test_pdf_has_nothing_pdfa_forbids(pdf, styled):
    assert not pdf.is_encrypted
    assert "/ID" in pdf.trailer
    assert "/Names" not in pdf.Root or "/JavaScript" not in pdf.Root.Names
    assert "/OpenAction" not in pdf.Root and "/AA" not in pdf.Root
    raw = styled["pdf"].read_bytes()
    for forbidden in (b"/JavaScript", b"/JS ", b"/Launch", b"/EmbeddedFile", b"/Sound", b"/Movie"):
        assert forbidden not in raw
    for page in pdf.pages:
        for annotation in page.obj.get("/Annots", []):
            assert int(annotation.F) & 4, "annotations must be printable"  # PDF/A: the print flag
    # qpdf's own structural check (cross-reference table, streams, object numbers)
    assert pdf.check_pdf_syntax() == []


def test_pdf_shows_the_house_style_on_a_cover_page(styled):
    pages = subprocess.run(
        ["pdftotext", str(styled["pdf"]), "-"], check=True, capture_output=True, text=True
    ).stdout.split("\f")[:-1]
    cover = normalise(pages[0])
    assert ORGANISATION in cover
    for value in ("Raad, nr. 746", "vrijdag 27 januari 2023", "SER-gebouw te Den Haag", "R/3024"):
        assert value in cover, value
    assert "Agenda en positionering SER: Brede Welvaart" in cover
    assert "Tafel 1" not in cover and "Vragen aan de tafels" in normalise(pages[1])
    alternatives = subprocess.run(
        ["pdfinfo", "-struct-text", str(styled["pdf"])], capture_output=True, text=True
    ).stdout
    assert "Figure" in alternatives


def test_docx_carries_the_house_style(styled):
    from docx import Document

    doc = Document(str(styled["docx"]))
    texts = [p.text for p in doc.paragraphs]
    assert ORGANISATION in texts
    assert str(doc.styles["Title"].font.color.rgb).lower() == ACCENT[1:]
    alts = [shape._inline.docPr.get("descr") for shape in doc.inline_shapes]
    assert f"Logo {ORGANISATION}" in alts


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
