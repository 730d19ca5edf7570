"""`flask --app wsgi minutes SLUG --out FILE [--format docx|md]`, run as a person runs it.

The minutes' section "Terugkoppeling tafels": one "Terugkoppeling van tafel N door <name>."
paragraph per table in the feedback order, then that table's plenary feedback.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from docx import Document

from facilitator.export.markdown_writer import escape_markdown

from .cli_support import SER, SER_SLUG, cli, sqlite_snapshot, sqlite_url

SMALL = """
format = 1
[meeting]
title = "Kleine ronde"
date = 2024-05-01

[[tables]]
number = 3
participants = ["Cc"]
spokesperson = "Cc"
feedback = "Derde tafel: **vet** en\\n\\n- een punt\\n- nog een punt"

[[tables]]
number = 1
participants = ["Mr. *Aa* <b>B</b> jr.", "Bb"]
spokesperson = "Mr. *Aa* <b>B</b> jr."
feedback = "Eerste tafel. Een <script>alert(1)</script> blijft tekst."

[[tables]]
number = 2
participants = ["Dd"]

[[tables]]
number = 4
participants = ["Ee"]
feedback = "Zonder woordvoerder."
"""
SMALL_SLUG = "kleine-ronde-2024-05-01"
LEAD = re.compile(r"Terugkoppeling van tafel (\d+)")


@pytest.fixture
def database(tmp_path) -> tuple[str, Path]:
    """A SQLite database with the SER meeting and a small one imported."""
    db_file = tmp_path / "minutes.db"
    url, inst = sqlite_url(db_file), tmp_path / "instance"
    small = tmp_path / "small.toml"
    small.write_text(SMALL, encoding="utf-8")
    for path in (SER, small):
        result = cli(url, "session", "import", str(path), instance=inst)
        assert result.returncode == 0, result.stderr
    return url, inst


def run_all(database, *commands):
    url, inst = database
    with ThreadPoolExecutor(len(commands)) as pool:
        return list(pool.map(lambda args: cli(url, *args, instance=inst), commands))


def docx_paragraphs(path: Path) -> list[tuple[str, str, bool]]:
    """(style, text, all runs bold) of every paragraph."""
    doc = Document(str(path))
    return [
        (p.style.name, p.text, bool(p.runs) and all(r.bold for r in p.runs))
        for p in doc.paragraphs
        if p.text.strip()
    ]


def test_minutes_in_both_formats_follow_the_feedback_order(database, tmp_path):
    md, docx, default = tmp_path / "ser.md", tmp_path / "ser.docx", tmp_path / "default.docx"
    results = run_all(
        database,
        ["minutes", SER_SLUG, "--out", str(md), "--format", "md"],
        ["minutes", SER_SLUG, "--out", str(docx), "--format", "docx"],
        ["minutes", SER_SLUG, "--out", str(default)],
    )
    for result in results:
        assert result.returncode == 0, result.stderr
        assert result.stdout == "" and result.stderr == ""

    text = md.read_text(encoding="utf-8")
    assert text.startswith("# Terugkoppeling tafels\n")
    # feedback_order = [1, 3, 4, 5, 6]: table 2 did not report back
    assert [int(n) for n in LEAD.findall(text)] == [1, 3, 4, 5, 6]
    assert "**Terugkoppeling van tafel 1 door Ten Dam.**" in text
    assert "**Terugkoppeling van tafel 6 door Van der Tak.**" in text
    assert "veiligheid, bestaanszekerheid en geopolitiek" in text  # table 1's feedback follows its lead
    assert text.index("Terugkoppeling van tafel 1") < text.index("veiligheid, bestaanszekerheid")
    assert text.index("veiligheid, bestaanszekerheid") < text.index("Terugkoppeling van tafel 3")

    paragraphs = docx_paragraphs(docx)
    assert paragraphs[0] == ("Heading 1", "Terugkoppeling tafels", False)
    leads = [(text, bold) for _, text, bold in paragraphs if LEAD.match(text)]
    assert [t for t, _ in leads] == [
        "Terugkoppeling van tafel 1 door Ten Dam.",
        "Terugkoppeling van tafel 3 door Elzinga.",
        "Terugkoppeling van tafel 4 door Van Weegberg.",
        "Terugkoppeling van tafel 5 door Van der Laan.",
        "Terugkoppeling van tafel 6 door Van der Tak.",
    ]
    assert all(bold for _, bold in leads)
    after_first = [t for _, t, _ in paragraphs].index("Terugkoppeling van tafel 1 door Ten Dam.") + 1
    assert "veiligheid, bestaanszekerheid en geopolitiek" in paragraphs[after_first][1]
    assert docx_paragraphs(default) == paragraphs  # docx is the default format


def test_default_order_is_the_table_numbers_and_user_text_stays_text(database, tmp_path):
    md, docx = tmp_path / "small.md", tmp_path / "small.docx"
    for result in run_all(
        database,
        ["minutes", SMALL_SLUG, "--out", str(md), "--format", "md"],
        ["minutes", SMALL_SLUG, "--out", str(docx), "--format", "docx"],
    ):
        assert result.returncode == 0, result.stderr
    text = md.read_text(encoding="utf-8")
    # no feedback_order: number order; table 2 (no spokesperson, no feedback) is left out
    assert [int(n) for n in LEAD.findall(text)] == [1, 3, 4]
    name = "Mr. *Aa* <b>B</b> jr."
    assert f"**{escape_markdown(f'Terugkoppeling van tafel 1 door {name}')}**" in text
    # escaped as the annex escapes: no "<" or "*" of a person's text is read as markup
    assert re.search(r"(?<!\\)<", text) is None and re.search(r"(?<!\\)\*Aa", text) is None
    assert "Terugkoppeling van tafel 4.**" in text  # no spokesperson: no "door"
    assert "**vet**" in text and "- een punt" in text  # the feedback's own Markdown is kept

    paragraphs = docx_paragraphs(docx)
    texts = [t for _, t, _ in paragraphs]
    assert "Terugkoppeling van tafel 1 door Mr. *Aa* <b>B</b> jr." in texts  # literal; no double period
    assert "Eerste tafel. Een <script>alert(1)</script> blijft tekst." in texts
    assert [t for t in texts if LEAD.match(t)] == [
        "Terugkoppeling van tafel 1 door Mr. *Aa* <b>B</b> jr.",
        "Terugkoppeling van tafel 3 door Cc.",
        "Terugkoppeling van tafel 4.",
    ]
    styles = {t: s for s, t, _ in paragraphs}
    assert styles["een punt"] == "List Bullet"
    doc = Document(str(docx))
    assert any(r.bold and r.text == "vet" for p in doc.paragraphs for r in p.runs)


def test_errors_are_one_line_and_change_nothing(database, tmp_path):
    url, _ = database
    db_file = Path(url.removeprefix("sqlite:///"))
    before = sqlite_snapshot(db_file)
    results = run_all(
        database,
        ["minutes", "bestaat-niet", "--out", str(tmp_path / "x.docx")],
        ["minutes", SER_SLUG, "--out", str(tmp_path / "geen-map" / "x.docx")],
        ["minutes", SER_SLUG, "--out", str(tmp_path / "x.pdf"), "--format", "pdf"],
    )
    unknown, no_dir, bad_format = results
    for result in (unknown, no_dir):
        assert result.returncode == 1 and result.stdout == ""
        assert len(result.stderr.splitlines()) == 1, result.stderr
    assert "onbekende vergadering 'bestaat-niet'" in unknown.stderr
    assert "geen-map" in no_dir.stderr and "bestaat niet" in no_dir.stderr
    assert bad_format.returncode != 0 and "pdf" in bad_format.stderr
    assert not list(tmp_path.glob("x.*"))
    assert sqlite_snapshot(db_file) == before
