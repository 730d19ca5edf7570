"""Publication formats: the ODT read back, the PDF's PDF/A + PDF/UA metadata read with pikepdf, and
the house style in every format (the house style itself: test_housestyle.py)."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pikepdf
import pytest
from lxml import etree

from facilitator import operations
from facilitator.export import richtext
from tests.annex_support import dispose, export_cli, make_app, normalise

from .housestyle_support import ACCENT, DEMO_DATA, LOGO_SVG, ORGANISATION

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
