"""The annex of a meeting held in rounds: per table a section per round (its heading, question,
and the table's entries of that round: a figure, or a list for a round of free entries), in the
PDF, the DOCX, the ODT and the Markdown, in the meeting's language. A meeting without [[rounds]]
prints exactly as before. (tests/test_validators.py checks the rounds annex against PDF/A,
PDF/UA, the ODF schemas and OOXML.)"""

from __future__ import annotations

import dataclasses
import subprocess
import zipfile

import pytest
from docx import Document

from facilitator import sessionfile
from facilitator.export import markdown_writer, service
from facilitator.export.annex import AnnexOptions, build_annex
from facilitator.meeting_data import RoundData

from .conftest import SESSIONS
from .test_annex import DEMO_DATA, dispose, make_app

ROUNDS = sessionfile.loads((SESSIONS / "ser-raad-2023-01-27-rondes.toml").read_bytes())


def table_section(markdown: str, number: int) -> str:
    start = markdown.index(f"## Tafel {number}\n")
    end = markdown.find("\n## ", start + 1)
    return markdown[start : end if end != -1 else None]


def test_each_table_has_a_section_per_round_with_its_own_entries():
    markdown = markdown_writer.to_markdown(build_annex(ROUNDS))
    for table in ROUNDS.tables:
        section = table_section(markdown, table.number)
        headings = [line for line in section.splitlines() if line.startswith("### Ronde")]
        assert headings == ["### Ronde 1", "### Ronde 2", "### Ronde 3"]
        for n, spec in enumerate(ROUNDS.rounds, start=1):
            part = section.split(f"### Ronde {n}\n", 1)[1].split("\n### ", 1)[0]
            assert spec.question[:40] in part
            for entry in table.entries:
                if not entry.hidden and entry.text:
                    assert (entry.text in part) == (entry.round == n), (table.number, n, entry.text)
    assert "- Werkgroep brede welvaart binnen de SER" in table_section(markdown, 2)  # a free round: a list
    assert "**Rondetafelgesprek:** 6 tafels, 3 rondes" in markdown
    assert "3. Welke drie verbeterpunten" in markdown  # the questions are the rounds'


def test_a_round_a_table_put_nothing_in_says_so_and_a_meeting_without_rounds_prints_as_before():
    empty = dataclasses.replace(ROUNDS, rounds=[*ROUNDS.rounds, RoundData(question="Nog iets?")])
    markdown = markdown_writer.to_markdown(build_annex(empty))
    assert "### Ronde 4\n\n*Nog iets?*\n\nGeen inbreng in deze ronde." in table_section(markdown, 1)
    plain = markdown_writer.to_markdown(build_annex(DEMO_DATA))
    assert "### Ronde" not in plain and "### Invuloefening tafel 1" in plain


def test_english_words_for_an_english_meeting():
    english = dataclasses.replace(ROUNDS, language="en")
    markdown = markdown_writer.to_markdown(build_annex(english))
    assert "### Round 2" in markdown and "6 tables, 3 rounds" in markdown and "### Ronde" not in markdown


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("rounds")
    app = make_app(tmp)
    out = {}
    try:
        with app.app_context():
            for fmt in ("pdf", "docx", "odt"):
                out[fmt] = tmp / f"rounds.{fmt}"
                service.export_annex(
                    ROUNDS, fmt, out[fmt], AnnexOptions(include_feedback=True), keep_spare=False
                )
    finally:
        dispose(app)
    return out


def test_the_pdf_has_every_round_and_a_figure_per_bollen_round(files):
    text = subprocess.run(
        ["pdftotext", "-layout", str(files["pdf"]), "-"], capture_output=True, text=True, check=True
    ).stdout
    for number in (1, 2, 3, 4, 5, 6):
        assert (
            f"Invuloefening tafel {number}, ronde 1" in text
            and f"Invuloefening tafel {number}, ronde 2" in text
        )
        assert f"Invuloefening tafel {number}, ronde 3" not in text  # the free round is a list
    assert "Jongeren structureel betrekken" in text and text.count("Ronde 3") >= 6


def test_the_docx_and_odt_have_the_rounds_as_headings_and_lists(files):
    doc = Document(str(files["docx"]))
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 2"]
    assert headings.count("Ronde 1") == 6 and headings.count("Ronde 3") == 6
    bullets = [p.text for p in doc.paragraphs if p.style.name == "List Bullet"]
    assert "Regionale verschillen zichtbaar maken" in bullets
    with zipfile.ZipFile(files["odt"]) as odt:
        content = odt.read("content.xml").decode()
    assert content.count(">Ronde 2<") == 6 and "Een jaarlijkse brede-welvaartsdag" in content
