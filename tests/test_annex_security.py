"""Injection tests for the annex: stored payloads that try to make the renderer fetch a file
or a URL, or to smuggle markup into the PDF, DOCX or Markdown.

A local HTTP server records every request it gets; after each export it must have seen
none, the renderer must not even have asked for a URL, and every payload must show up as
the text that was typed.
"""

from __future__ import annotations

import http.server
import json
import re
import threading
import zipfile
from pathlib import Path

import pytest

from facilitator.export.annex import AnnexOptions
from tests.annex_support import PdfReadBack

PASSWD = Path("/etc/passwd")


class Recorder(http.server.BaseHTTPRequestHandler):
    """Records every request; /redirect answers with a redirect to another path."""

    hits: list[str]

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self.hits.append(self.path)
        if self.path.startswith("/redirect"):
            self.send_response(302)
            self.send_header("Location", "/after-redirect")
            self.end_headers()
            return
        body = b"body { background: red }"
        self.send_response(200)
        self.send_header("Content-Type", "text/css")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_HEAD = do_GET  # noqa: N815

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def recorder():
    """A local HTTP server on a free port that records every hit; yields (base URL, hits)."""
    hits: list[str] = []
    handler = type("Handler", (Recorder,), {"hits": hits})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def payloads(base: str) -> dict[str, str]:
    """Things a rapporteur or secretary could type, each trying to reach base or a file."""
    return {
        "img": f'<img src="{base}/img-tag">',
        "stylesheet": f'<link rel="stylesheet" href="{base}/link-css">',
        "attachment": '<link rel="attachment" href="file:///etc/passwd">',
        "style": (
            f'<style>@import url("{base}/style-import"); '
            f'body {{ background: url("{base}/style-bg") }}</style>'
        ),
        "inline_style": f'<div style="background-image: url({base}/inline-style)">x</div>',
        "frames": f'<iframe src="{base}/iframe"></iframe><object data="{base}/object"></object>',
        "svg": f'<svg xmlns="http://www.w3.org/2000/svg"><image href="{base}/svg-image"/></svg>',
        "md_image": f"![plaatje]({base}/md-image)",
        "md_link": "[geheim](file:///etc/passwd)",
        "autolink": f"<{base}/autolink>",
        "css_text": f"url({base}/css-url-text)",
        "entity": f"&lt;img src={base}/entity-img&gt;",
        "redirect": f'<a href="{base}/redirect">klik</a>',
    }


def toml_string(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(text, ensure_ascii=False)


def hostile_meeting(base: str) -> str:
    """A session file with a payload in every place user text reaches the annex."""
    p = payloads(base)
    report = "\n\n".join(
        [
            "**Vet** en " + p["img"] + " " + p["stylesheet"],
            p["attachment"],
            p["style"],
            p["inline_style"] + " " + p["frames"],
            p["svg"],
            p["md_image"] + " " + p["md_link"] + " " + p["autolink"],
            f"[ref]: {base}/md-reference",
            "- " + p["css_text"] + "\n- " + p["entity"] + "\n- " + p["redirect"],
        ]
    )
    entries = [
        ("<svg onload=alert(1)><image href='file:///etc/passwd'/></svg>", '["economisch"]'),
        (p["img"], '["economisch", "sociaal"]'),
        (f"</text><image href='{base}/entry-svg'/><text>", '["ecologisch"]'),
        (p["md_image"], '["sociaal"]'),
    ]
    entry_blocks = "\n".join(
        f'[[tables.entries]]\ntext = {toml_string(text)}\nbollen = {bollen}\nhorizons = ["later"]\n'
        for text, bollen in entries
    )
    return f"""
format = 1

[meeting]
title = {toml_string("Raad </title><link rel=stylesheet href=" + base + "/title>")}
date = 2024-03-01
start = "10:00"
place = {toml_string(p["img"])}
agenda_item = {toml_string(p["style"][:400])}
reference = {toml_string('"; } @import url(' + base + "/css-breakout); {")}
annex_title = {toml_string("Bijlage <b>" + p["css_text"] + "</b>")}
questions = [{toml_string(p["md_link"])}, {toml_string(p["svg"])}]

[template]
bollen = [
  {{key = "economisch", label = {toml_string("</text><image href='" + base + "/bol'/>")}}},
  {{key = "sociaal", label = "Sociaal"}},
  {{key = "ecologisch", label = {toml_string(p["md_image"][:80])}}},
]
horizons = [
  {{key = "hier-en-nu", label = "Hier en nu"}},
  {{key = "later", label = {toml_string("<b>Later</b>")}}},
]

[[tables]]
number = 1
participants = [{toml_string("<script>alert(1)</script>")}, {toml_string(p["img"][:110])}, "Gewoon"]
leader = "Gewoon"
rapporteur = {toml_string("<img src=" + base + "/rapporteur>")}
spokesperson = "Gewoon"
report = {toml_string(report)}
feedback = {toml_string(p["attachment"] + " " + p["md_image"])}

{entry_blocks}
"""


def compact(text: str) -> str:
    """Text with line breaks, hyphenation and spaces removed, to compare what was typed."""
    return re.sub(r"\s+", "", re.sub("\u2010\\s*\n", "", text))


@pytest.fixture
def hostile(app, import_session, recorder, tmp_path):
    """The hostile meeting exported as PDF, DOCX and Markdown (feedback included)."""
    from facilitator.export import service

    base, hits = recorder
    slug = import_session(hostile_meeting(base))
    results = {}
    with app.app_context():
        data = service.load_meeting_data(slug)
        for fmt in ("pdf", "docx", "md"):
            results[fmt] = service.export_annex(
                data, fmt, tmp_path / f"hostile.{fmt}", AnnexOptions(include_feedback=True), keep_spare=False
            )
    return base, hits, results


def test_nothing_is_fetched_for_any_format(hostile):
    _, hits, results = hostile
    assert hits == []
    assert results["pdf"].refused == []  # WeasyPrint never even asked for a URL


def test_pdf_shows_every_payload_as_text(hostile):
    base, _, results = hostile
    pdf = PdfReadBack(results["pdf"].path)
    text = compact("\n".join(pdf.pages))
    for name, payload in payloads(base).items():
        if name in ("entity",):
            continue
        assert compact(payload) in text, name
    # an entity typed as text is shown decoded, as the Markdown it is
    assert compact(f"<img src={base}/entity-img>") in text
    assert compact("<script>alert(1)</script>") in text
    assert compact(f"[ref]: {base}/md-reference") in text
    # the figure's entries too, drawn as text in the SVG and listed in its text alternative
    drawn = compact("\n".join(pdf.raw_pages))
    assert compact(f"</text><image href='{base}/entry-svg'/><text>") in drawn
    alts = " ".join(pdf.strings("Alt"))
    assert "<svg onload=alert(1)><image href='file:///etc/passwd'/></svg>" in alts
    assert pdf.info["Title"].startswith(f"Bijlage <b>url({base}/css-url-text)</b>")


def pdf_names(path: Path) -> set[str]:
    """Every name in the PDF's dictionaries, keys and values, nested ones too (never a stream's
    bytes, where any three characters may stand by chance)."""
    import pikepdf

    found: set[str] = set()

    def walk(value, seen: set[tuple[int, int]]) -> None:
        if isinstance(value, pikepdf.Object) and value.is_indirect:
            if value.objgen in seen:
                return
            seen.add(value.objgen)
        if isinstance(value, pikepdf.Name):
            found.add(str(value))
        elif isinstance(value, pikepdf.Stream):
            walk(value.stream_dict, seen)
        elif isinstance(value, pikepdf.Dictionary):
            for key in value:
                found.add(key)
                walk(value[key], seen)
        elif isinstance(value, pikepdf.Array):
            for item in value:
                walk(item, seen)

    with pikepdf.open(path) as pdf:
        seen: set[tuple[int, int]] = set()
        walk(pdf.trailer, seen)
        for obj in pdf.objects:
            walk(obj, seen)
    return found


def test_the_name_walk_finds_a_link_nested_in_an_annotation(tmp_path):
    import pikepdf

    pdf = pikepdf.new()
    pdf.add_blank_page()
    link = pikepdf.Dictionary(Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Link)
    link.A = pikepdf.Dictionary(S=pikepdf.Name.URI, URI=pikepdf.String("https://example.org"))
    pdf.pages[0].Annots = pdf.make_indirect(pikepdf.Array([link]))
    pdf.save(tmp_path / "link.pdf")
    assert {"/URI", "/Annots", "/Link"} <= pdf_names(tmp_path / "link.pdf")


def test_pdf_has_no_links_attachments_or_file_contents(hostile):
    _, _, results = hostile
    pdf = PdfReadBack(results["pdf"].path)
    names = pdf_names(results["pdf"].path)
    assert "/Type" in names and "/Catalog" in names  # the walk reads the document's dictionaries
    for marker in ("/EmbeddedFile", "/EmbeddedFiles", "/URI", "/Launch", "/JavaScript", "/JS", "/SubmitForm"):
        assert marker not in names, marker
    if PASSWD.exists():
        first_line = PASSWD.read_text().splitlines()[0].encode()
        assert first_line not in pdf.objects
    fonts = {f["name"].split("+")[-1] for f in pdf.fonts}
    assert all(name.startswith("Annex-") for name in fonts)


def test_docx_shows_payloads_as_text_and_links_nothing(hostile):
    from docx import Document

    base, _, results = hostile
    path = results["docx"].path
    text = "\n".join(p.text for p in Document(str(path)).paragraphs)
    assert payloads(base)["img"] in text
    assert payloads(base)["attachment"] in text
    assert "<script>alert(1)</script>" in text
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        rels = "".join(archive.read(n).decode() for n in names if n.endswith(".rels"))
        document = archive.read("word/document.xml").decode()
    assert 'TargetMode="External"' not in rels
    assert "<w:hyperlink" not in document and '<w:fldSimple w:instr=" HYPERLINK' not in document
    assert "&lt;img src=" in document and "<img" not in document
    media = [n for n in names if n.startswith("word/media/")]
    assert media == ["word/media/image1.png"]  # the figure, drawn by us, nothing else


def test_markdown_export_escapes_payloads(hostile):
    from markdown_it import MarkdownIt

    base, _, results = hostile
    text = results["md"].path.read_text()
    # a full CommonMark renderer with raw HTML on still shows only text
    html = MarkdownIt("commonmark", {"html": True}).render(text)
    for tag in ("<img", "<link", "<style", "<iframe", "<object", "<svg", "<script", "<a ", "<div"):
        assert tag not in html, tag
    assert "&lt;img src=&quot;" + base + "/img-tag&quot;&gt;" in html


def test_fetcher_refuses_everything_but_the_annex_fonts(recorder, tmp_path):
    """Straight to the render child, past the templates: the fetcher is the last line."""
    from facilitator.export import child
    from facilitator.export.fonts import FONT_DIR

    base, hits = recorder
    font = FONT_DIR / "SourceSerif4_400Regular.ttf"
    html = f"""<!doctype html><html lang="nl"><head><title>t</title>
    <link rel="stylesheet" href="{base}/link-css">
    <link rel="attachment" href="file:///etc/passwd">
    <link rel="attachment" href="{base}/attachment">
    <style>
      @import url("{base}/import");
      @font-face {{ font-family: X; src: url("{base}/font.ttf"); }}
      @font-face {{ font-family: Y; src: url("file://{font}"); }}
      body {{ background: url("../../../../etc/passwd"); }}
      p {{ background: url("fonts/../../../../etc/passwd"); font-family: X, Y; }}
      h1 {{ background: url("fonts/SourceSerif4_400Regular.ttf?x=1"); }}
    </style></head><body>
    <h1>Titel</h1>
    <p>tekst</p>
    <img src="{base}/redirect" alt="a">
    <img src="file:///etc/passwd" alt="b">
    <img src="data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg'%3E%3C/svg%3E" alt="c">
    <object data="{base}/object"></object><embed src="{base}/embed">
    <svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><title>s</title>
      <image href="{base}/svg-image" width="5" height="5"/></svg>
    </body></html>"""
    out = tmp_path / "direct.pdf"
    result = child.run({"format": "pdf", "html": html}, out, keep_spare=False)
    assert hits == []
    refused = result.result["refused"]
    for url in (
        f"{base}/link-css",
        "file:///etc/passwd",
        f"{base}/import",
        f"{base}/font.ttf",
        f"file://{font}",
        f"{base}/redirect",
        f"{base}/svg-image",
    ):
        assert url in refused, url
    assert any(url.startswith("data:") for url in refused)
    assert all(
        "annex.invalid/fonts/SourceSerif4_400Regular.ttf?" in u
        or not u.startswith("https://annex.invalid/fonts/S")
        for u in refused
    )
    pdf = PdfReadBack(out)
    assert b"/EmbeddedFile" not in pdf.objects
    if PASSWD.exists():
        assert PASSWD.read_text().splitlines()[0].encode() not in pdf.objects


def test_fetcher_never_follows_redirects_and_opens_no_socket(recorder):
    from urllib.request import HTTPRedirectHandler

    from weasyprint.urls import URLFetchingError

    from facilitator.export.fetcher import AnnexFetcher
    from facilitator.export.fonts import ASSET_BASE, FONT_FILES

    base, hits = recorder
    fetcher = AnnexFetcher()
    assert not any(isinstance(h, HTTPRedirectHandler) for h in fetcher.handlers)
    for url in (f"{base}/redirect", "file:///etc/passwd", "ftp://127.0.0.1/x", f"{ASSET_BASE}../x"):
        with pytest.raises(URLFetchingError):
            fetcher.fetch(url)
        with pytest.raises(URLFetchingError):
            fetcher.open(url)
    assert hits == []
    name = next(iter(FONT_FILES.values()))
    response = fetcher.fetch(f"{ASSET_BASE}fonts/{name}")
    assert response.read(4) in (b"\x00\x01\x00\x00", b"true", b"OTTO")


def test_css_strings_cannot_break_out():
    from facilitator.export.html import css_string

    hostile = '"; } @import url(http://x/); body { content: "</style><script>'
    literal = css_string(hostile)
    assert literal.startswith('"') and literal.endswith('"')
    inner = literal[1:-1]
    assert '"' not in inner and "<" not in inner and "\n" not in inner


def test_templates_autoescape_user_text():
    from facilitator.export.html import environment

    template = environment().from_string("{{ value }}")
    assert template.render(value="<b>&") == "&lt;b&gt;&amp;"
    assert environment().get_template("annex/_table.html").environment.autoescape


# ---------------------------------------------------------------------------------------------
# Markdown: user text never changes the document's structure outside its own section

STRUCTURE_PAYLOADS = [
    "~~~",
    "~~~python",
    "```",
    "``` js",
    "    ingesprongen code",
    "\tingesprongen met een tab",
    "<div>",
    "<!-- open commentaar",
    "<pre>",
    "<details><summary>x</summary>",
    "[ref]: https://evil.example/",
    "[^1]: voetnoot",
    "Kop\n===",
    "Kop\n---",
    "# Tafel 99",
    "## Tafel 98",
    "> citaat",
    "* * *",
    "___",
    "| a | b |\n|---|---|\n| c | d |",
    "~~doorgehaald~~",
    "1) lijst",
    "- lijst",
    "+ lijst",
    "\\",
    "&lt;b&gt;",
]


def structure_meeting():
    """Two tables; every text of table 1 (and the meeting's own) carries every payload."""
    import dataclasses

    from facilitator.meeting_data import EntryData, TableData
    from tests.annex_support import DEMO_DATA

    blob = "\n".join(STRUCTURE_PAYLOADS)
    report = "\n\n".join(STRUCTURE_PAYLOADS) + "\n\n" + blob + "\n\nSlot van tafel 1"
    first = TableData(
        number=1,
        participants=[f"Naam {p}" for p in STRUCTURE_PAYLOADS] + [blob],
        leader="Naam ~~~",
        rapporteur=blob,
        spokesperson=blob,
        report=report,
        feedback=report,
        entries=[EntryData(p, ["economisch"], ["later"]) for p in STRUCTURE_PAYLOADS]
        + [EntryData(blob, ["sociaal", "economisch"], ["later"])],
    )
    second = TableData(number=2, participants=["Jansen"], report="Verslag van tafel twee.", feedback="Twee.")
    return dataclasses.replace(
        DEMO_DATA,
        title=blob,
        place=blob,
        agenda_item=blob,
        reference="~~~",
        annex_title="Bijlage ~~~",
        questions=[*STRUCTURE_PAYLOADS, blob],
        feedback_order=None,
        tables=[first, second],
    )


@pytest.mark.parametrize("renderer", ["commonmark", "gfm"])
def test_markdown_user_text_cannot_change_the_structure(app, renderer):
    from markdown_it import MarkdownIt

    from facilitator.export.annex import annex_words, build_annex
    from facilitator.export.markdown_writer import to_markdown

    with app.app_context():
        annex = build_annex(structure_meeting(), annex_words("nl"), AnnexOptions(include_feedback=True))
    text = to_markdown(annex)
    md = MarkdownIt("commonmark", {"html": True})
    if renderer == "gfm":
        md.enable(["table", "strikethrough"])
    tokens = md.parse(text)
    kinds = {t.type for t in tokens} | {c.type for t in tokens for c in (t.children or [])}
    for forbidden in (
        "fence",
        "code_block",
        "html_block",
        "html_inline",
        "code_inline",
        "link_open",
        "image",
        "table_open",
        "s_open",
    ):
        assert forbidden not in kinds, forbidden
    # the document's outline is the writer's alone: title, questions, then per table its parts
    headings = [
        (t.tag, tokens[i + 1].content)
        for i, t in enumerate(tokens)
        if t.type == "heading_open" and t.tag <= "h2"
    ]
    assert [tag for tag, _ in headings] == ["h1", "h2", "h2", "h2"]
    assert [content for _, content in headings[2:]] == ["Tafel 1", "Tafel 2"]
    # both tables' own text arrives as paragraphs, in place
    inline = [t.content for t in tokens if t.type == "inline"]
    assert "Verslag van tafel twee." in inline
    assert "Slot van tafel 1" in inline
    rendered = md.render(text)
    assert "<h1>Bijlage ~~~</h1>" in rendered


def test_markdown_user_text_is_shown_as_typed(app):
    """Escaping hides structure but keeps the characters: a renderer shows what was typed."""
    from markdown_it import MarkdownIt

    from facilitator.export.annex import annex_words, build_annex
    from facilitator.export.markdown_writer import to_markdown

    with app.app_context():
        annex = build_annex(structure_meeting(), annex_words("nl"), AnnexOptions(include_feedback=True))
    html = MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(to_markdown(annex))
    for shown in ("~~~python", "``` js", "[ref]: https://evil.example/", "~~doorgehaald~~", "| a | b |"):
        assert shown.replace("<", "&lt;").replace(">", "&gt;") in html, shown
