"""Session files (TOML, format 1): parsing, defaults, round trip, and the errors of the file, its
format, the meeting and the template (the tables, entries, limits and locating: test_sessionfile_tables.py).

Each error test checks the problem line names the field path (``tables[2].leader``)
and, where the file shows it, the line (``regel N``) where it is.
"""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from facilitator import meeting_data, sessionfile
from facilitator.meeting_data import EntryData
from facilitator.rules import LIMITS
from facilitator.sessionfile import dumps, loads

from .sessionfile_support import (
    DEMO_FILES,
    SESSIONS,
    VALID,
    assert_problem,
    only_problem,
    problems_of,
    variant,
)

# --------------------------------------------------------------------------- valid files


def test_valid_base_file():
    data = loads(VALID.encode())
    assert data.title == "Werkoverleg"
    assert data.date == date(2024, 5, 2)
    assert [t.number for t in data.tables] == [1, 2]
    assert data.tables[0].participants == ["Jansen", "De Boer"]
    assert data.tables[0].leader == "Jansen"
    assert data.tables[0].entries == [
        EntryData(text="Verdienvermogen", bollen=["economisch"], horizons=["later"])
    ]


@pytest.mark.parametrize("path", DEMO_FILES, ids=lambda p: p.name)
def test_demo_files_parse(path):
    data = loads(path.read_bytes())
    assert data.title and isinstance(data.date, date)
    assert data.tables
    numbers = [t.number for t in data.tables]
    assert len(numbers) == len(set(numbers))
    bol_keys = {b["key"] for b in data.bollen}
    for table in data.tables:
        assert table.leader is None or table.leader in table.participants
        for entry in table.entries:
            free = data.rounds and data.rounds[entry.round - 1].template == "none"  # no bollen asked
            assert (free or entry.bollen) and set(entry.bollen) <= bol_keys


def test_ser_demo_content():
    data = loads((SESSIONS / "ser-raad-2023-01-27.toml").read_bytes())
    assert data.title == "Raad, nr. 746"
    assert data.date == date(2023, 1, 27)
    assert data.start == "10:15"
    assert data.reference == "R/3024"
    assert len(data.questions) == 3
    assert data.round_minutes == 40
    assert data.feedback_order == [1, 3, 4, 5, 6]
    assert [t.number for t in data.tables] == [1, 2, 3, 4, 5, 6]
    assert [b["key"] for b in data.bollen] == ["economisch", "sociaal", "ecologisch"]
    assert data.tables[0].participants[0] == "Ten Dam"
    assert data.tables[0].spokesperson == "Ten Dam"


def test_four_bollen_demo():
    data = loads((SESSIONS / "veiligheid-vier-bollen.toml").read_bytes())
    assert [b["key"] for b in data.bollen] == ["economisch", "sociaal", "ecologisch", "veiligheid"]
    assert data.feedback_order == [2, 1, 3]
    assert data.tables[1].participants[1] == "Öztürk"
    assert any("veiligheid" in e.bollen for t in data.tables for e in t.entries)


def test_defaults_without_template_and_annex_title():
    data = loads(VALID.encode())
    assert data.bollen == meeting_data.DEFAULT_BOLLEN
    assert data.horizons == meeting_data.DEFAULT_HORIZONS
    assert data.annex_title == meeting_data.DEFAULT_ANNEX_TITLE == "Bijlage: terugkoppeling tafels"
    assert data.start == data.place == data.agenda_item == data.reference == ""
    assert data.questions == []
    assert data.round_minutes is None
    assert data.feedback_order is None
    assert data.tables[1].entries == []
    assert data.tables[1].report == data.tables[1].feedback == ""
    assert data.tables[1].rapporteur is None and data.tables[1].spokesperson is None
    # the defaults are copies: changing one meeting's template leaves the defaults alone
    data.bollen[0]["label"] = "X"
    assert meeting_data.DEFAULT_BOLLEN[0]["label"] == "Economisch"


def test_empty_annex_title_takes_the_default():
    data = loads(variant(l5='date = 2024-05-02\nannex_title = ""').encode())
    assert data.annex_title == meeting_data.DEFAULT_ANNEX_TITLE


def test_template_with_only_bollen_keeps_default_horizons():
    text = VALID.replace(
        "\n[[tables]]\nnumber = 1",
        '\n[template]\nbollen = [{key = "a", label = "A"}, {key = "b", label = "B"}]\n'
        "\n[[tables]]\nnumber = 1",
        1,
    ).replace('bollen = ["economisch"]', 'bollen = ["a", "b"]')
    data = loads(text.encode())
    assert data.bollen == [{"key": "a", "label": "A"}, {"key": "b", "label": "B"}]
    assert data.horizons == meeting_data.DEFAULT_HORIZONS


def test_template_with_only_horizons_keeps_default_bollen():
    text = VALID.replace(
        "\n[[tables]]\nnumber = 1",
        '\n[template]\nhorizons = [{key = "nu", label = "Nu"}]\n\n[[tables]]\nnumber = 1',
        1,
    ).replace('horizons = ["later"]', 'horizons = ["nu"]')
    data = loads(text.encode())
    assert data.horizons == [{"key": "nu", "label": "Nu"}]
    assert data.bollen == meeting_data.DEFAULT_BOLLEN


def test_raw_html_is_kept_as_text():
    html = '<script>alert("x")</script> <b>vet</b> &amp; <img src=x onerror=1>'
    text = VALID.replace('text = "Verdienvermogen"', f"text = '{html}'").replace(
        'leader = "Visser"', f"leader = \"Visser\"\nreport = '''{html}'''\nfeedback = '{html}'"
    )
    data = loads(text.encode())
    assert data.tables[0].entries[0].text == html
    assert data.tables[1].report == html
    assert data.tables[1].feedback == html
    # and it is written back unchanged
    assert loads(dumps(data).encode()) == data


def test_names_and_texts_are_trimmed_but_reports_are_not():
    text = variant(
        l4='title = "  Werkoverleg  "',
        l9='participants = [" Jansen ", "De Boer"]',
        l10='leader = "Jansen "\nreport = "  ingesprongen\\n"',
        l13='text = " Verdienvermogen "',
    )
    data = loads(text.encode())
    assert data.title == "Werkoverleg"
    assert data.tables[0].participants == ["Jansen", "De Boer"]
    assert data.tables[0].leader == "Jansen"
    assert data.tables[0].entries[0].text == "Verdienvermogen"
    assert data.tables[0].report == "  ingesprongen\n"


def test_byte_order_mark_and_crlf_are_accepted():
    data = loads(b"\xef\xbb\xbf" + VALID.replace("\n", "\r\n").encode())
    assert data.title == "Werkoverleg"
    # and the lines of problems are still right with CRLF
    problem = only_problem(variant(l20='leader = "Niemand"').replace("\n", "\r\n").encode())
    assert problem.startswith("tables[2].leader (regel 20):")


def test_limits_are_accepted_exactly():
    text = variant(
        l4=f'title = "{"t" * LIMITS["title"]}"',
        l5=f'date = 2024-05-02\nstart = "{"1" * LIMITS["start"]}"\nround_minutes = {LIMITS["round_minutes"]}',
        l13=f'text = "{"x" * LIMITS["entry_text"]}"',
        l20=f'leader = "Visser"\nreport = "{"r" * LIMITS["report"]}"',
    )
    data = loads(text.encode())
    assert len(data.title) == LIMITS["title"]
    assert len(data.tables[0].entries[0].text) == LIMITS["entry_text"]
    assert len(data.tables[1].report) == LIMITS["report"]


def test_eight_bollen_and_six_horizons_are_accepted():
    bollen = ", ".join(f'{{key = "b{i}", label = "B{i}"}}' for i in range(8))
    horizons = ", ".join(f'{{key = "h{i}", label = "H{i}"}}' for i in range(6))
    text = (
        VALID.replace(
            "\n[[tables]]\nnumber = 1",
            f"\n[template]\nbollen = [{bollen}]\nhorizons = [{horizons}]\n\n[[tables]]\nnumber = 1",
            1,
        )
        .replace('bollen = ["economisch"]', 'bollen = ["b0", "b7"]')
        .replace('horizons = ["later"]', 'horizons = ["h5"]')
    )
    data = loads(text.encode())
    assert len(data.bollen) == 8 and len(data.horizons) == 6


# --------------------------------------------------------------------------- round trip


@pytest.mark.parametrize("path", DEMO_FILES, ids=lambda p: p.name)
def test_dumps_then_loads_gives_the_same_data(path):
    data = loads(path.read_bytes())
    written = dumps(data)
    assert written.startswith("format = 1\n")
    again = loads(written.encode())
    assert again == data
    assert dataclasses.asdict(again) == dataclasses.asdict(data)
    # writing is stable: a second round gives the very same text
    assert dumps(again) == written


def test_dumps_keeps_hidden_entries_and_awkward_text():
    data = loads(VALID.encode())
    data.tables[0].entries.append(
        EntryData(text='aanhalingstekens " en \'\'\' en """ en \\', bollen=["sociaal"], hidden=True)
    )
    data.tables[1].report = 'regel 1\n\n- lijst\n\ttab """ en \\n letterlijk\n'
    data.tables[1].feedback = "[[tables]]\nleader = nep\n"
    data.questions = ["Vraag één?", "Vraag twee?"]
    data.feedback_order = [2, 1]
    data.round_minutes = 25
    assert loads(dumps(data).encode()) == data


# --------------------------------------------------------------------------- file-level errors


def test_not_utf8_names_the_line():
    raw = VALID.encode().replace(b'"Werkoverleg"', b'"Werk\xe9verleg"')  # latin-1 é on line 4
    assert_problem(raw, "bestand", 4, "UTF-8")


def test_over_2_mb_is_refused():
    raw = VALID.encode() + b"#" * (sessionfile.MAX_FILE_BYTES - len(VALID.encode()) + 1)
    assert len(raw) == sessionfile.MAX_FILE_BYTES + 1
    assert_problem(raw, "bestand", None, "te groot", "2 MB")


def test_exactly_2_mb_is_read():
    padding = sessionfile.MAX_FILE_BYTES - len(VALID.encode())
    raw = VALID.encode() + b"#" + b"x" * (padding - 1)
    assert len(raw) == sessionfile.MAX_FILE_BYTES
    assert loads(raw).title == "Werkoverleg"


def test_toml_syntax_error_names_line_and_column():
    problem = only_problem(variant(l9='participants = ["Jansen", "De Boer"'))
    assert problem.startswith("bestand (regel 10, kolom "), problem
    assert "geen geldige TOML" in problem


def test_toml_duplicate_key_names_the_line():
    problem = only_problem(variant(l10='participants = ["X"]'))
    assert problem.startswith("bestand (regel 10, kolom "), problem


def test_empty_file():
    problems = problems_of("")
    assert problems[0].startswith("format: ontbreekt")
    assert any(p.startswith("meeting:") for p in problems)


# --------------------------------------------------------------------------- format and sections


def test_missing_format():
    assert_problem(variant(l1="# geen format"), "format", None, "ontbreekt")


@pytest.mark.parametrize("value", ["2", "1.0", "true", '"1"'])
def test_wrong_format(value):
    assert_problem(variant(l1=f"format = {value}"), "format", 1, "format = 1")


def test_missing_meeting_section():
    text = variant(l3="# [meeting]", l4="# title", l5="# date")
    assert_problem(text, "meeting", None, "[meeting]")


def test_unknown_field_is_named_with_its_line():
    assert_problem(variant(l4='titel = "Werkoverleg"\ntitle = "x"'), "meeting.titel", 4, "onbekend veld")
    assert_problem(variant(l15='horizon = ["later"]'), "tables[1].entries[1].horizon", 15, "onbekend veld")
    assert_problem(variant(l18="nummer = 3\nnumber = 2"), "tables[2].nummer", 18, "onbekend veld")
    assert_problem(variant(l2="version = 2"), "version", 2, "onbekend veld")


# --------------------------------------------------------------------------- meeting fields


def test_missing_title():
    assert_problem(variant(l4="# geen titel"), "meeting.title", 3, "ontbreekt")


def test_empty_title():
    assert_problem(variant(l4='title = "   "'), "meeting.title", 4, "leeg")


def test_missing_date():
    assert_problem(variant(l5="# geen datum"), "meeting.date", 3, "ontbreekt")


@pytest.mark.parametrize(
    "value", ['"2024-05-02"', "2024-05-02T10:15:00", "10:15:00", "20240502", "[2024, 5, 2]"]
)
def test_date_of_wrong_type(value):
    assert_problem(variant(l5=f"date = {value}"), "meeting.date", 5, "datum")


@pytest.mark.parametrize(
    ("line", "field", "words"),
    [
        ("place = true", "meeting.place", ["tekst", "true/false"]),
        ("start = 10:15:00", "meeting.start", ["tekst"]),
        ('questions = "Wat?"', "meeting.questions", ["lijst"]),
        ("questions = [1]", "meeting.questions", ["item 1", "tekst"]),
        ('round_minutes = "40"', "meeting.round_minutes", ["getal"]),
        ("round_minutes = 40.5", "meeting.round_minutes", ["getal"]),
        ("round_minutes = 0", "meeting.round_minutes", ["tussen 1 en 600"]),
        ('feedback_order = "1, 2"', "meeting.feedback_order", ["lijst van tafelnummers"]),
        ("feedback_order = [1, 3]", "meeting.feedback_order", ["tafel 3 bestaat niet"]),
        ("feedback_order = [1, 1]", "meeting.feedback_order", ["twee keer"]),
    ],
)
def test_meeting_field_of_wrong_type_or_value(line, field, words):
    # the new line goes after the date, so it is line 6
    assert_problem(variant(l5=f"date = 2024-05-02\n{line}"), field, 6, *words)


def test_title_of_wrong_type():
    assert_problem(variant(l4="title = 746"), "meeting.title", 4, "tekst", "een getal")


def test_meeting_as_a_value_instead_of_a_section():
    text = variant(l3='meeting = "Werkoverleg"', l4="", l5="")
    assert_problem(text, "meeting", 3, "[meeting]")


# --------------------------------------------------------------------------- template


def _with_template(bollen: str | None = None, horizons: str | None = None) -> tuple[str, int]:
    """VALID with a [template] before the first table; returns the text and the template's line."""
    lines = ["[template]"]
    if bollen is not None:
        lines.append(f"bollen = {bollen}")
    if horizons is not None:
        lines.append(f"horizons = {horizons}")
    block = "\n".join(lines) + "\n\n"
    return VALID.replace("[[tables]]\nnumber = 1", block + "[[tables]]\nnumber = 1", 1), 7


def _items(prefix: str, n: int) -> str:
    return "[" + ", ".join(f'{{key = "{prefix}{i}", label = "{prefix.upper()}{i}"}}' for i in range(n)) + "]"


@pytest.mark.parametrize("count", [0, 1, 9])
def test_wrong_number_of_bollen(count):
    text, at = _with_template(bollen=_items("economisch", count))
    text = text.replace('bollen = ["economisch"]', 'bollen = ["economisch0"]')
    problems = problems_of(text)
    assert problems[0].startswith(f"template.bollen (regel {at + 1}): moet 2 tot 8 items hebben"), problems
    assert f"heeft er {count}" in problems[0]


@pytest.mark.parametrize("count", [0, 7])
def test_wrong_number_of_horizons(count):
    text, at = _with_template(horizons=_items("later", count))
    text = text.replace('horizons = ["later"]', 'horizons = ["later0"]')
    problems = problems_of(text)
    assert problems[0].startswith(f"template.horizons (regel {at + 1}): moet 1 tot 6 items hebben"), problems


def test_bollen_spread_over_lines_are_located():
    text, at = _with_template(bollen='[\n  {key = "economisch", label = "Economisch"},\n]')
    problem = only_problem(text)
    assert problem.startswith(f"template.bollen (regel {at + 1}):"), problem


@pytest.mark.parametrize(
    ("bollen", "words"),
    [
        ('"economisch, sociaal"', ["lijst"]),
        ('["economisch", "sociaal"]', ["item 1", "key"]),
        (
            '[{key = "Economisch", label = "E"}, {key = "sociaal", label = "S"}]',
            ["'Economisch'", "kleine letters"],
        ),
        ('[{key = "hier en nu", label = "E"}, {key = "sociaal", label = "S"}]', ["kleine letters"]),
        (f'[{{key = "{"k" * 41}", label = "E"}}, {{key = "sociaal", label = "S"}}]', ["hoogstens 40"]),
        ('[{key = "economisch", label = "E"}, {key = "economisch", label = "S"}]', ["twee keer"]),
        ('[{key = "economisch"}, {key = "sociaal", label = "S"}]', ["label ontbreekt"]),
        ('[{key = "economisch", label = 5}, {key = "sociaal", label = "S"}]', ["label ontbreekt"]),
        (f'[{{key = "economisch", label = "{"L" * 81}"}}, {{key = "sociaal", label = "S"}}]', ["te lang"]),
        ('[{key = "economisch", label = "E", kleur = "rood"}, {key = "sociaal", label = "S"}]', ["onbekend"]),
    ],
)
def test_bad_template_items(bollen, words):
    text, at = _with_template(bollen=bollen)
    problems = problems_of(text)
    assert problems[0].startswith("template.bollen"), problems
    assert f"(regel {at + 1})" in problems[0], problems
    for word in words:
        assert word in problems[0], problems


def test_template_as_a_value():
    text = variant(l2="template = 3")
    assert_problem(text, "template", 2, "[template]")


def test_unknown_template_field():
    text, at = _with_template(bollen=_items("b", 3))
    text = text.replace("[template]\n", "[template]\nkleuren = []\n").replace('"economisch"]', '"b1"]')
    assert_problem(text, "template.kleuren", at + 1, "onbekend veld")
