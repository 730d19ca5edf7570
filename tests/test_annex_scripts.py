"""The annex with what people really type: a 500-character word stays on the page; Arabic,
Hebrew and emoji are set in the bundled faces (Noto Hebrew and Emoji, IBM Plex Arabic; never the machine's), right-to-left
paragraphs read from the right, and everything extracts back as text (issue 11)."""

from __future__ import annotations

import html
import re
import subprocess
import unicodedata

import pytest

from facilitator.export import figure, fonts, richtext
from tests.annex_support import PdfReadBack, export_cli

MM = 72 / 25.4
A4_WIDTH = 210 * MM
# the annex's page margins (annex.css @page): left 25 mm, right 22 mm
TEXT_LEFT, TEXT_RIGHT = 25 * MM, A4_WIDTH - 22 * MM

LONG_WORD = ("Brede" + "welvaart" * 70)[:500]
ARABIC = "التنمية المستدامة في المدن"
HEBREW = "צמיחה כלכלית ירוקה"
EMOJI = "🌍🚲"


def session(report: str, entries: list[str], feedback: str, label: str = "Economisch") -> str:
    blocks = "".join(
        f'[[tables.entries]]\ntext = "{text}"\nbollen = ["economisch"]\nhorizons = ["later"]\n'
        for text in entries
    )
    return (
        'format = 1\n[meeting]\ntitle = "Proef met lange woorden"\ndate = 2024-05-01\n'
        "[template]\n"
        f'bollen = [{{key = "economisch", label = "{label}"}}, {{key = "sociaal", label = "Sociaal"}}]\n'
        'horizons = [{key = "nu", label = "Nu"}, {key = "later", label = "Later"}]\n'
        '[[tables]]\nnumber = 1\nparticipants = ["Anna", "Bert"]\nrapporteur = "Anna"\n'
        f'spokesperson = "Bert"\nreport = """{report}"""\nfeedback = """{feedback}"""\n' + blocks
    )


def words_with_boxes(path) -> list[tuple[str, float, float, float, float]]:
    """Every word poppler finds, with its box in points: (text, xMin, yMin, xMax, yMax)."""
    out = subprocess.run(
        ["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    pattern = r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>'
    return [
        (html.unescape(text), float(x0), float(y0), float(x1), float(y1))
        for x0, y0, x1, y1, text in re.findall(pattern, out)
    ]


def test_a_500_character_word_stays_inside_the_text_area(app, import_session, tmp_path):
    toml = session(
        report=f"Een woord zonder einde: {LONG_WORD}\n\n- ook in een lijst: {LONG_WORD}",
        entries=[LONG_WORD, "Kort"],
        feedback=f"Terug: {LONG_WORD}",
        label="Economisch" + "x" * 70,  # an 80-character name of a circle, without a space
    )
    out = tmp_path / "lang.pdf"
    result = export_cli(app, import_session(toml), out, "--feedback")
    assert result.exit_code == 0, result.output
    words = words_with_boxes(out)
    assert words
    outside = [
        (w[:30], round(x0), round(x1))
        for w, x0, _, x1, _ in words
        if x0 < TEXT_LEFT - 1 or x1 > TEXT_RIGHT + 1
    ]
    assert outside == []
    # and the word is all there: broken over lines, not cut (report, list, legend, feedback)
    text = "".join(w for w, *_ in words).replace("\u2010", "")  # hyphenation at the breaks
    assert text.count(LONG_WORD) >= 4, text.count(LONG_WORD)


def test_arabic_hebrew_and_emoji_use_the_bundled_noto_faces(app, import_session, tmp_path):
    toml = session(
        report=f"Nederlands eerst.\n\n{ARABIC}\n\n- {HEBREW}\n- Fietsen {EMOJI}",
        entries=[ARABIC, HEBREW, f"Klimaat {EMOJI}"],
        feedback=f"{HEBREW}\n\nTerugkoppeling {EMOJI}",
    )
    out = tmp_path / "schriften.pdf"
    result = export_cli(app, import_session(toml), out, "--feedback")
    assert result.exit_code == 0, result.output
    pdf = PdfReadBack(out)
    names = {f["name"].split("+", 1)[1] for f in pdf.fonts}
    for font in pdf.fonts:
        assert font["emb"] == "yes", font["line"]
        # every face is one of the bundled ones: no DejaVu, Liberation, Noto Color of the machine
        assert re.match(r"[A-Z]{6}\+Annex-(Serif|Sans|Arabic|Hebrew|Emoji)", font["name"]), font["line"]
    assert {"Annex-Arabic", "Annex-Hebrew", "Annex-Emoji"} <= {
        re.sub(r"-(Semi-)?Bold$", "", n) for n in names
    }
    # the text extracts back as typed (poppler gives right-to-left text in reading order),
    # in the report, the legend and the feedback alike
    text = unicodedata.normalize("NFKC", pdf.text)
    for word, times in (("التنمية", 2), ("المستدامة", 2), ("צמיחה", 3), ("כלכלית", 3), ("🌍🚲", 3)):
        assert text.count(word) >= times, (word, text)


def test_right_to_left_paragraphs_are_marked_and_read_from_the_right():
    rendered = richtext.to_html(f"Nederlands.\n\n{ARABIC}\n\n- {HEBREW}\n- Nederlands\n\n## {HEBREW}")
    assert f'<p dir="rtl">{ARABIC}</p>' in rendered
    assert f'<li dir="rtl"><p dir="rtl">{HEBREW}</p>' in rendered
    assert "<li><p>Nederlands</p>" in rendered
    assert "<p>Nederlands.</p>" in rendered
    assert f'<h4 class="report-heading" dir="rtl">{HEBREW}</h4>' in rendered
    # the first strong character decides, as dir="auto" does: "2024 שנה" is right-to-left
    assert richtext.direction("2024 שנה") == "rtl"
    assert richtext.direction("Raad: الرأي") is None


def test_the_figure_measures_and_draws_other_scripts_in_their_own_faces():
    runs = fonts.runs(f"Klimaat {EMOJI} {ARABIC}")
    families = [family for family, _, _ in runs]
    assert families == [fonts.SANS, fonts.EMOJI, fonts.ARABIC], runs
    assert "".join(text for *_, text in runs) == f"Klimaat {EMOJI} {ARABIC}"
    # measured with the Arabic face's widths, not the Latin 'n' stand-in
    arabic_face = fonts._metrics(fonts.ARABIC, 400, "normal")
    assert fonts.text_width(ARABIC, 10) == pytest.approx(arabic_face.width(ARABIC, 10))
    assert all(ord(ch) in arabic_face.advance for ch in ARABIC)
    bollen = [{"key": "economisch", "label": ARABIC}, {"key": "sociaal", "label": HEBREW}]
    horizons = [{"key": "later", "label": "Later"}]
    drawn = figure.layout("Tafel 1", bollen, horizons, [(f"{HEBREW} {EMOJI}", ["economisch"], ["later"])])
    assert figure.to_png(drawn).startswith(b"\x89PNG")
