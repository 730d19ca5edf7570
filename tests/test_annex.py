"""The annex: PDF/UA read back (text, structure, fonts, metadata), DOCX, Markdown, the figure,
the command, and the render child's limits (the export pages, private files and characters XML
cannot hold: test_annex_exports.py)."""

from __future__ import annotations

import logging
import re
import time
import zipfile

import pytest

from facilitator import operations

from .annex_support import DEMO, DEMO_DATA, PdfReadBack, dispose, export_cli, make_app, normalise

# ---------------------------------------------------------------------------------------------
# One app with the demo meeting for the whole module: exporting is the slow part


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo meeting exported once in each format (default options) and with feedback."""
    tmp = tmp_path_factory.mktemp("annex")
    app = make_app(tmp)
    with app.app_context():
        slug = operations.import_meeting(DEMO_DATA).slug
    files = {}
    for name, args in {
        "pdf": [],
        "docx": ["--format", "docx"],
        "md": ["--format", "md"],
        "pdf-feedback": ["--feedback", "--order", "feedback"],
    }.items():
        out = tmp / f"demo-{name}.{name.split('-')[0]}"
        result = export_cli(app, slug, out, *args)
        assert result.exit_code == 0, result.output
        files[name] = out
    yield files
    dispose(app)


@pytest.fixture(scope="module")
def pdf(demo) -> PdfReadBack:
    return PdfReadBack(demo["pdf"])


def participants_line(table) -> str:
    names = [f"{n} (gespreksleider)" if n == table.leader else n for n in table.participants]
    return "Deelnemers: " + ", ".join(names)


# ---------------------------------------------------------------------------------------------
# The PDF of the demo meeting


def test_pdf_opens_with_the_annex_title_and_the_meetings_data(pdf):
    first = normalise(pdf.pages[0])
    assert first.startswith("Raad, nr. 746 · 27 januari 2023 Bijlage: terugkoppeling tafels Vergadering")
    for text in (
        "Vergadering Raad, nr. 746",
        "Datum vrijdag 27 januari 2023, 10.15 uur",
        "Plaats SER-gebouw te Den Haag",
        "Agendapunt Agenda en positionering SER: Brede Welvaart",
        "Kenmerk R/3024",
        "Rondetafelgesprek 6 tafels, 40 minuten",
        "Vragen aan de tafels",
    ):
        assert text in first
    for question in DEMO_DATA.questions:
        assert normalise(question) in first


def test_pdf_puts_every_table_on_a_new_page_with_heading_people_and_report(pdf):
    header = "Bijlage: terugkoppeling tafels"
    starts = {}
    for index, page in enumerate(pdf.pages):
        lines = [line for line in page.splitlines() if line.strip() and line.strip() != header]
        if lines and re.fullmatch(r"Tafel \d+", lines[0]):
            starts[int(lines[0].split()[1])] = index
    assert sorted(starts) == [1, 2, 3, 4, 5, 6]
    assert list(starts.values()) == sorted(starts.values())  # number order by default
    for table in DEMO_DATA.tables:
        page = normalise(pdf.pages[starts[table.number]])
        assert participants_line(table) in page
        assert f"Verslag: {table.rapporteur}" in page
        # the leader, and only the leader, is marked
        assert page.count("(gespreksleider)") == (1 if table.leader else 0)
    assert "Deelnemers: Ghorashi (gespreksleider), Fortuin, Hasekamp" in pdf.text
    assert "Deelnemers: Ten Dam, Spijkerman" in pdf.text  # table 1 had no leader


def test_pdf_renders_the_reports_markdown(pdf):
    text = pdf.text
    assert "Een vierde bol. Vrede en stabiliteit leken sinds 1989 vanzelfsprekend" in text
    assert "– vierde bol: (fysieke) veiligheid / bestaanszekerheid / geopolitiek;" in text
    assert "1. Fundament. Brede welvaart is breed verdeelde welvaart" in text
    assert "**" not in text and "\n- " not in "\n".join(pdf.pages)
    # Dutch hyphenation is on: some report lines end in a hyphenation point
    assert any(line.endswith("\u2010") for page in pdf.pages for line in page.splitlines())
    # bold lead-ins and italics are set in the bold and italic faces
    fonts = " ".join(f["name"] for f in pdf.fonts)
    assert "Annex-Serif-Semi-Bold" in fonts and "Annex-Serif-Italic" in fonts


def test_pdf_figures_show_every_entry_with_caption_and_text_alternative(pdf):
    alts = [a for a in pdf.strings("Alt") if a.startswith("Invuloefening tafel")]
    assert len(alts) == 6
    for table in DEMO_DATA.tables:
        caption = f"Invuloefening tafel {table.number}"
        pages = [i for i, page in enumerate(pdf.pages) if caption in page.splitlines()]
        assert len(pages) == 1, caption
        drawn = normalise(pdf.raw_pages[pages[0]])
        alt = next(a for a in alts if a.startswith(caption + ":"))
        assert "drie bollen (Economisch, Sociaal, Ecologisch)" in alt
        for entry in table.entries:
            assert entry.text in drawn, (caption, entry.text)
            assert entry.text in alt
        for horizon in ("Hier en nu", "Later", "Elders"):
            assert horizon in drawn  # the key that explains the horizon symbols
    # horizons in words in the alternative text
    assert "Casus ASML (later, elders)" in " ".join(alts)


def test_pdf_is_a4_with_page_numbers_and_a_footer(pdf):
    assert "(A4)" in pdf.info["Page size"]
    total = len(pdf.pages)
    assert int(pdf.info["Pages"]) == total
    for number, page in enumerate(pdf.pages, start=1):
        text = normalise(page)
        assert f"pagina {number} van {total}" in text
        assert "Raad, nr. 746 · 27 januari 2023" in text


def test_pdf_embeds_only_the_installed_annex_fonts(pdf):
    assert pdf.fonts
    for font in pdf.fonts:
        assert font["emb"] == "yes", font["line"]
        assert re.match(r"[A-Z]{6}\+Annex-(Serif|Sans)", font["name"]), font["line"]
    names = {f["name"].split("+")[1] for f in pdf.fonts}
    assert {"Annex-Serif", "Annex-Sans", "Annex-Sans-Semi-Bold"} <= names


def test_pdf_is_tagged_pdf_ua_with_language_and_title(pdf):
    assert pdf.info["Tagged"] == "yes"
    assert pdf.info["Title"] == "Bijlage: terugkoppeling tafels — Raad, nr. 746, 27 januari 2023"
    assert 'pdfuaid:part="1"' in pdf.metadata
    assert "nl" in pdf.strings("Lang")
    assert b"/DisplayDocTitle true" in pdf.objects
    tags = pdf.structure
    assert tags.count("H1") == 1
    assert tags.count("H2") == 7  # the questions, then six tables
    assert tags.count("Figure") == 6 and tags.count("Caption") == 6
    for tag in ("P", "L", "LI", "Table", "TH", "TD"):
        assert tag in tags


def test_pdf_options_feedback_and_order(demo, pdf):
    with_feedback = PdfReadBack(demo["pdf-feedback"])
    assert "Terugkoppeling in de plenaire vergadering" not in pdf.text
    assert "Terugkoppeling in de plenaire vergadering" in with_feedback.text
    assert "Woordvoerder: Van der Tak" in with_feedback.text
    assert "sociaaleconomische gezondheidsverschillen" in with_feedback.text
    order = [int(n) for n in re.findall(r"Tafel (\d+) Deelnemers", with_feedback.text)]
    assert order == [1, 3, 4, 5, 6, 2]  # report-back order; table 2 never reported: last


def test_skip_empty_leaves_out_tables_without_content(app, import_session, tmp_path):
    toml = DEMO.read_text().replace("feedback_order = [1, 3, 4, 5, 6]", "")
    toml += '\n[[tables]]\nnumber = 7\nparticipants = ["Leeg", "Stoel"]\nrapporteur = "Niemand"\n'
    slug = import_session(toml)
    with_empty, without = tmp_path / "all.pdf", tmp_path / "skip.pdf"
    assert export_cli(app, slug, with_empty).exit_code == 0
    assert export_cli(app, slug, without, "--skip-empty").exit_code == 0
    everything = PdfReadBack(with_empty).text
    assert "Tafel 7 Deelnemers: Leeg, Stoel" in everything
    assert "Van deze tafel is geen verslag gemaakt." in everything
    assert "Tafel 7" not in PdfReadBack(without).text
    assert "Tafel 6" in PdfReadBack(without).text


def test_no_heading_is_stranded_at_the_bottom_of_a_page(app, import_session, tmp_path):
    # reports of growing length put the headings that follow them at every height of a page
    filler = "Brede welvaart vraagt om keuzes die nu en later, hier en elders doorwerken. "
    blocks = []
    for n in range(1, 25):
        report = "\n\n".join(filler * 3 for _ in range(n % 12 + 1)) + "\n\n## Tussenkop\n\n" + filler
        body = report.replace('"', "'")
        blocks.append(
            f'[[tables]]\nnumber = {n}\nparticipants = ["A{n}", "B{n}"]\nrapporteur = "R{n}"\n'
            f'spokesperson = "A{n}"\nreport = """{body}"""\nfeedback = """{filler}"""\n'
        )
    toml = 'format = 1\n[meeting]\ntitle = "Proef"\ndate = 2024-05-01\n\n' + "\n".join(blocks)
    slug = import_session(toml)
    out = tmp_path / "sweep.pdf"
    assert export_cli(app, slug, out, "--feedback").exit_code == 0
    headings = {"Terugkoppeling in de plenaire vergadering", "Tussenkop", "Woordvoerder:"}
    for page in PdfReadBack(out).pages:
        lines = [line.strip() for line in page.splitlines() if line.strip()]
        body = [line for line in lines if not line.startswith(("pagina ", "Proef ·", "Bijlage:"))]
        assert not any(body[-1].startswith(h) for h in headings), body[-3:]


# ---------------------------------------------------------------------------------------------
# DOCX and Markdown


def test_docx_has_headings_lists_and_the_figures_as_images(demo):
    from docx import Document

    doc = Document(str(demo["docx"]))
    styled = [(p.style.name, p.text) for p in doc.paragraphs]
    assert styled[0] == ("Title", "Bijlage: terugkoppeling tafels")
    headings = [t for s, t in styled if s == "Heading 1"]
    assert headings == [f"Tafel {n}" for n in range(1, 7)]
    texts = [t for _, t in styled]
    for table in DEMO_DATA.tables:
        assert participants_line(table) in texts
        assert f"Verslag: {table.rapporteur}" in texts
    assert ("List Bullet", "vierde bol: (fysieke) veiligheid / bestaanszekerheid / geopolitiek;") in styled
    numbered = [p for p in doc.paragraphs if p.style.name == "List Number"]
    assert any(p.text.startswith("Fundament. Brede welvaart") for p in numbered)
    # each numbered list restarts: the questions, table 5 and table 6 use their own numbering
    num_ids = {p._p.pPr.numPr.numId.val for p in numbered}
    assert len(num_ids) >= 3
    bold = [r.text for p in doc.paragraphs for r in p.runs if r.bold]
    assert "Een vierde bol." in bold
    captions = [t for s, t in styled if s == "Caption"]
    assert captions == [f"Invuloefening tafel {n}" for n in range(1, 7)]
    assert len(doc.inline_shapes) == 6
    descriptions = [s._inline.docPr.get("descr") for s in doc.inline_shapes]
    for table, description in zip(DEMO_DATA.tables, descriptions, strict=True):
        for entry in table.entries:
            assert entry.text in description
    assert doc.core_properties.title.startswith("Bijlage: terugkoppeling tafels")
    assert doc.core_properties.language == "nl"
    with zipfile.ZipFile(demo["docx"]) as archive:
        media = [n for n in archive.namelist() if n.startswith("word/media/")]
        assert len(media) == 6 and all(n.endswith(".png") for n in media)
        assert b'w:val="nl-NL"' in archive.read("word/styles.xml")


def test_markdown_export(demo):
    text = demo["md"].read_text()
    assert text.startswith("# Bijlage: terugkoppeling tafels\n")
    assert "- **Datum:** vrijdag 27 januari 2023, 10.15 uur" in text
    for table in DEMO_DATA.tables:
        assert f"## Tafel {table.number}\n" in text
        assert f"**Deelnemers:** {participants_line(table).removeprefix('Deelnemers: ')}" in text
        assert f"### Invuloefening tafel {table.number}" in text
    assert "**Een vierde bol.** Vrede en stabiliteit" in text
    assert (
        "- **Economisch + Sociaal:** Techniekonderwijs (later); Digitalisering in de zorg (hier en nu)"
        in text
    )
    assert "1. **Fundament.**" in text


# ---------------------------------------------------------------------------------------------
# The figure on its own


def _layout(n_bollen: int, entries):
    from facilitator.export import figure

    bollen = [{"key": f"b{i}", "label": f"Bol {i}"} for i in range(n_bollen)]
    horizons = [{"key": "nu", "label": "Hier en nu"}, {"key": "later", "label": "Later"}]
    return figure.layout("Invuloefening tafel 9", bollen, horizons, entries)


def _shown(fig) -> tuple[set[str], set[str], str]:
    """Entry texts drawn as labels, and those explained in the legend."""
    from facilitator.export import figure

    svg = figure.to_svg(fig)
    return set(fig.labelled), {item.text for item in fig.legend}, svg


@pytest.mark.parametrize("n_bollen", [2, 3, 4, 5, 6, 8])
def test_figure_shows_every_entry_legibly(n_bollen):
    import itertools

    keys = [f"b{i}" for i in range(n_bollen)]
    entries = []
    for size in (1, 2, 3):
        for combo in itertools.islice(itertools.combinations(keys, size), 6):
            entries.append((f"Onderwerp {len(entries) + 1}", list(combo), ["later"]))
    fig = _layout(n_bollen, entries)
    labels, legend, svg = _shown(fig)
    for text, _, _ in entries:
        assert (text in labels) != (text in legend), text
    # markers are numbered 1..k in the legend order; ranges only when a region overflows
    assert [item.number for item in fig.legend] == list(range(1, len(fig.legend) + 1))
    assert "Onderwerp 1" in fig.alt and f"Onderwerp {len(entries)}" in fig.alt
    assert svg.count("<circle") >= n_bollen
    assert "<title>Invuloefening tafel 9:" in svg


def test_figure_labels_sit_in_their_region_and_do_not_overlap():
    from facilitator.export.fonts import text_width

    entries = [(f"Inbreng {i}", [["b0"], ["b1"], ["b0", "b1"], ["b2"]][i % 4], ["nu"]) for i in range(16)]
    fig = _layout(3, entries)
    boxes = []
    for t in fig.texts:
        if not t.text.startswith("Inbreng"):
            continue
        width = text_width(t.text, t.size)
        boxes.append((t.x, t.y - t.size, t.x + width, t.y))
        inside = [
            ((t.x + width / 2 - c.cx) ** 2 + (t.y - t.size / 2 - c.cy) ** 2) < c.r**2 for c in fig.circles
        ]
        number = int(t.text.split()[1])
        expected = [["b0"], ["b1"], ["b0", "b1"], ["b2"]][number % 4]
        assert [c.key for c, hit in zip(fig.circles, inside, strict=True) if hit] == expected
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (a, b)


def test_figure_overflowing_region_uses_a_numbered_range():
    entries = [(f"Een wat langere inbreng nummer {i}", ["b0", "b1", "b2"], ["later"]) for i in range(60)]
    fig = _layout(3, entries)
    labels, legend, _ = _shown(fig)
    assert {text for text, _, _ in entries} == labels | legend and not labels & legend
    assert len(legend) > 40
    assert any("–" in marker.text for marker in fig.markers)
    assert len(fig.markers) < len(legend)


def test_figure_png_matches_the_layout():
    from io import BytesIO

    from PIL import Image

    from facilitator.export import figure

    fig = _layout(3, [("Verdienvermogen", ["b0"], ["later"])])
    image = Image.open(BytesIO(figure.to_png(fig, dpi=100)))
    assert image.size == (round(fig.width * 100 / 25.4), round(fig.height * 100 / 25.4))


# ---------------------------------------------------------------------------------------------
# Markdown subset


def test_richtext_renders_the_subset_and_escapes_everything_else():
    from facilitator.export import richtext

    html = richtext.to_html(
        "**vet** en *schuin*\n\n- een\n- twee\n\n3. drie\n4. vier\n\n# Kop\n\n<b>x</b> [a](b)"
    )
    assert "<strong>vet</strong> en <em>schuin</em>" in html
    assert "<ul>" in html and '<ol start="3">' in html
    assert '<h3 class="report-heading">Kop</h3>' in html
    assert "&lt;b&gt;x&lt;/b&gt; a (b)" in html  # a link is text with its address
    assert "<a" not in html and "<b>" not in html


def test_markdown_escaping_round_trips_as_text():
    from facilitator.export import richtext

    nasty = "1. niet *vet* <i>x</i> [l](u) # geen kop\\ & &amp; `code` _x_"
    escaped = richtext.escape_markdown(nasty)
    assert richtext.to_html(escaped) == f"<p>{richtext._esc(nasty)}</p>\n"


# ---------------------------------------------------------------------------------------------
# The command


def test_annex_command_errors_are_one_line(app, runner, import_session, tmp_path):
    result = runner.invoke(args=["annex", "onbekend", "--out", str(tmp_path / "x.pdf")])
    assert result.exit_code != 0
    assert (
        result.output.strip()
        == "fout: onbekende vergadering 'onbekend' (zie de lijst op de secretariaatspagina)"
    )
    slug = import_session()
    result = runner.invoke(args=["annex", slug, "--out", str(tmp_path / "nope" / "x.pdf")])
    assert result.exit_code != 0 and "bestaat niet" in result.output
    result = runner.invoke(args=["annex", slug, "--out", str(tmp_path / "x.rtf"), "--format", "rtf"])
    assert result.exit_code != 0


# ---------------------------------------------------------------------------------------------
# The render child: limits, and failures that are clear and quick


def test_render_child_timeout_is_a_clear_error(tmp_path):
    from facilitator.export import child

    html = "<html lang=nl><title>t</title><body>" + ("<p>" + "woord " * 400 + "</p>") * 300 + "</body></html>"
    started = time.monotonic()
    with pytest.raises(child.RenderError, match="langer dan 1 seconden"):
        child.run({"format": "pdf", "html": html}, tmp_path / "x.pdf", timeout=1, keep_spare=False)
    assert time.monotonic() - started < 10
    assert list(tmp_path.iterdir()) == []  # no file, not even a partial one


def test_render_child_memory_limit_is_a_clear_error(tmp_path):
    from facilitator.export import child

    html = "<html lang=nl><title>t</title><body>" + "<p>x</p>" * 200_000 + "</body></html>"
    with pytest.raises(child.RenderError, match="MB"):
        child.run({"format": "pdf", "html": html}, tmp_path / "x.pdf", memory_mb=200, keep_spare=False)
    assert list(tmp_path.iterdir()) == []


def test_render_child_runs_without_the_app_or_its_secrets(tmp_path, monkeypatch):
    from facilitator.export import child

    monkeypatch.setenv("SECRET_KEY", "do-not-leak")
    monkeypatch.setenv("DATABASE_URL", "postgresql://secret@host/db")
    assert "SECRET_KEY" not in child._child_env() and "DATABASE_URL" not in child._child_env()
    out = tmp_path / "x.pdf"
    result = child.run(
        {"format": "pdf", "html": "<html lang=nl><title>t</title><p>hallo</p>"}, out, keep_spare=False
    )
    assert out.read_bytes().startswith(b"%PDF-1.7")
    assert result.result["pages"] == 1 and result.maxrss_kb > 0


def test_weasyprint_is_at_a_version_with_the_advisories_fixed():
    import weasyprint

    # 68.0 fixed the redirect SSRF bypass, 70.0 the fetcher SSRF (CVE-2026-55073)
    assert int(weasyprint.__version__.split(".")[0]) >= 70


# WeasyPrint subsets every embedded font with HarfBuzz when Debian's libharfbuzz-subset0 is
# there (.ci/run installs it), with fontTools when not: pure Python, about a quarter of the
# 100-table annex's time (docs/performance.md). Without it WeasyPrint warns for each font it subsets.
FONTTOOLS_WARNING = "Using fontTools instead of HarfBuzz-Subset"


def test_weasyprint_warns_when_it_subsets_without_harfbuzz(monkeypatch, caplog):
    """What the next test looks for is what WeasyPrint says when the library is missing."""
    from weasyprint import HTML
    from weasyprint.pdf import fonts

    monkeypatch.setattr(fonts, "harfbuzz_subset", None)
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        HTML(string="<html lang=nl><title>t</title><p>hallo</p>").write_pdf()
    assert any(FONTTOOLS_WARNING in r.getMessage() for r in caplog.records)


def test_the_render_child_subsets_the_fonts_with_harfbuzz(tmp_path):
    from facilitator.export import child

    html = "<html lang=nl><title>t</title><p>hallo <b>vet</b> <i>schuin</i></p>"
    result = child.run({"format": "pdf", "html": html}, tmp_path / "x.pdf", keep_spare=False)
    assert result.result["pages"] == 1
    assert not [line for line in result.log if FONTTOOLS_WARNING in line], result.log
