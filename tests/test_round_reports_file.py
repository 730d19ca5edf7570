"""A report per round in the session file and the annex.

A table's report of a round after the first is written in its block as
``[[tables.reports]] round = n, text = …`` — only when there is one, so every older file stays
byte for byte — read back with a problem line per mistake, imported and exported unchanged, and
printed in the annex (PDF/HTML, DOCX, ODT, Markdown) inside that round's section.
"""

from __future__ import annotations

import dataclasses
import zipfile

import pytest
from docx import Document

from facilitator import operations, sessionfile
from facilitator.export import markdown_writer, service
from facilitator.export.annex import AnnexOptions, build_annex
from facilitator.export.datafiles import reports_sheet
from facilitator.export.html import annex_html
from facilitator.meeting_data import meeting_to_data
from facilitator.sessionfile import SessionFileError

from .conftest import ROUNDS_FILE, SESSIONS
from .test_annex import dispose, make_app
from .test_rounds_annex import table_section

ROUND_2 = "Ronde twee aan tafel 2:\n\n- **Verdienvermogen** als basis\n- <b>geen opmaak</b> uit tekst"
ROUND_3 = "Drie verbeterpunten voor de SER."


def with_reports() -> sessionfile.MeetingData:
    data = sessionfile.loads(ROUNDS_FILE.read_bytes())
    table = next(t for t in data.tables if t.number == 2)
    table.reports = {2: ROUND_2, 3: ROUND_3}
    return data


def test_a_rounds_report_is_written_in_its_tables_block_and_read_back():
    written = sessionfile.dumps(with_reports())
    block = written.split("number = 2\n", 1)[1].split("[[tables]]", 1)[0]
    assert '[[tables.reports]]\nround = 2\ntext = """\nRonde twee aan tafel 2:' in block
    assert '[[tables.reports]]\nround = 3\ntext = "Drie verbeterpunten voor de SER."' in block
    assert written.count("[[tables.reports]]") == 2  # only where a round has a report
    again = sessionfile.loads(written.encode())
    assert next(t for t in again.tables if t.number == 2).reports == {2: ROUND_2, 3: ROUND_3}
    assert sessionfile.dumps(again) == written


def test_import_then_export_keeps_every_rounds_report(app, import_session):
    written = sessionfile.dumps(with_reports())
    slug = import_session(written)
    with app.app_context():
        meeting = operations.get_meeting(slug)
        exported = sessionfile.dumps(meeting_to_data(meeting))
        sheet = reports_sheet(list(meeting.tables))  # the data files' reports sheet: every round's
    assert exported == written
    assert [2, "report round 3", 1, ROUND_3] in sheet.rows


@pytest.mark.parametrize("path", sorted(SESSIONS.glob("*.toml")), ids=lambda p: p.name)
def test_files_without_round_reports_write_none(path):
    assert "[[tables.reports]]" not in sessionfile.dumps(sessionfile.loads(path.read_bytes()))


BASE = """format = 1
[meeting]
title = "Rondes"
date = 2026-12-05
[[rounds]]
question = "Een"
[[rounds]]
question = "Twee"
[[tables]]
number = 1
"""


@pytest.mark.parametrize(
    ("reports", "problem"),
    [
        (
            '[[tables.reports]]\nround = 1\ntext = "x"\n',
            "tables[1].reports[1].round (regel 9): moet een ronde van 2 tot en met 2",
        ),
        ('[[tables.reports]]\nround = 3\ntext = "x"\n', "van 2 tot en met 2"),
        ('[[tables.reports]]\nround = "2"\ntext = "x"\n', "reports[1].round"),
        ("[[tables.reports]]\nround = 2\n", "reports[1].text (regel 9): ontbreekt"),
        ("[[tables.reports]]\nround = 2\ntext = 5\n", "moet tekst zijn"),
        ('[[tables.reports]]\nround = 2\ntext = "x"\nkleur = 1\n', "kleur (regel 9): onbekend veld"),
        (
            '[[tables.reports]]\nround = 2\ntext = "a"\n[[tables.reports]]\nround = 2\ntext = "b"\n',
            "staat er al",
        ),
        ('reports = "x"\n', "moet een lijst van [[tables.reports]] zijn"),
    ],
)
def test_a_wrong_rounds_report_is_one_clear_problem(reports, problem):
    with pytest.raises(SessionFileError) as caught:
        sessionfile.loads((BASE + reports).encode())
    assert len(caught.value.problems) == 1 and problem in caught.value.problems[0], caught.value.problems


def test_a_file_without_rounds_keeps_its_report_in_report():
    text = BASE.replace('[[rounds]]\nquestion = "Een"\n[[rounds]]\nquestion = "Twee"\n', "")
    with pytest.raises(SessionFileError) as caught:
        sessionfile.loads((text + '[[tables.reports]]\nround = 2\ntext = "x"\n').encode())
    assert "geen tweede ronde" in caught.value.problems[0]


def test_the_markdown_and_html_annex_show_each_rounds_report_in_its_section():
    data = with_reports()
    annex = build_annex(data)
    section = table_section(markdown_writer.to_markdown(annex), 2)
    part = {n: section.split(f"### Ronde {n}\n", 1)[1].split("\n### ", 1)[0] for n in (1, 2, 3)}
    first = next(t for t in data.tables if t.number == 2).report.strip().splitlines()[0]
    assert first[:30] in part[1] and first[:30] not in section.split("### Ronde 1\n")[0]
    assert "Ronde twee aan tafel 2:" in part[2] and "**Verdienvermogen** als basis" in part[2]
    assert ROUND_3 in part[3] and "Ronde twee" not in part[3]
    html = annex_html(annex)
    round_2 = html.split("<h3>Ronde 2</h3>")[2]  # table 2's (tables print in number order)
    assert "<strong>Verdienvermogen</strong>" in round_2.split("<h3>")[0]
    assert "&lt;b&gt;geen opmaak&lt;/b&gt;" in html and "<b>geen" not in html
    bare = dataclasses.replace(data.tables[0], entries=[], report="")
    empty = dataclasses.replace(data, tables=[bare], groups=[], votes=[])
    assert "Geen inbreng in deze ronde." in markdown_writer.to_markdown(build_annex(empty))


def test_the_docx_and_odt_show_each_rounds_report_in_its_section(tmp_path):
    app = make_app(tmp_path)
    try:
        with app.app_context():
            for fmt in ("docx", "odt"):
                service.export_annex(
                    with_reports(), fmt, tmp_path / f"a.{fmt}", AnnexOptions(), keep_spare=False
                )
    finally:
        dispose(app)
    paragraphs = [p.text for p in Document(str(tmp_path / "a.docx")).paragraphs]
    table_2 = paragraphs[paragraphs.index("Tafel 2") : paragraphs.index("Tafel 3")]
    round_3 = table_2[table_2.index("Ronde 3") :]
    assert (
        ROUND_3 in round_3
        and "Verdienvermogen als basis" in table_2[table_2.index("Ronde 2") : table_2.index("Ronde 3")]
    )
    with zipfile.ZipFile(tmp_path / "a.odt") as odt:
        content = odt.read("content.xml").decode()
    assert content.index(">Ronde 2<") < content.index(ROUND_3)
    assert content.count(ROUND_3) == 1


def test_a_table_with_only_a_later_rounds_report_is_not_removed_by_the_meeting_form(app, import_session):
    data = with_reports()
    table = next(t for t in data.tables if t.number == 2)
    table.report, table.entries = "", []
    data.groups, data.vote_records, data.votes = [], [], []  # they name its entries
    slug = import_session(sessionfile.dumps(data))
    with app.app_context():
        meeting = operations.get_meeting(slug)
        without = dataclasses.replace(data, tables=[t for t in data.tables if t.number != 2])
        assert operations.blocking_removals(meeting, without) == [2]
        table.reports = {}
        emptied = operations.import_meeting(data)
        assert operations.blocking_removals(emptied, without) == []
