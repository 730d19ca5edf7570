"""Session files (TOML, format 1): parsing, every validation error, defaults, round trip.

Each error test checks the problem line names the field path (``tables[2].leader``)
and, where the file shows it, the line (``regel N``) where it is.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import pytest

from facilitator import meeting_data, sessionfile
from facilitator.meeting_data import EntryData
from facilitator.rules import LIMITS
from facilitator.sessionfile import SessionFileError, dumps, loads

SESSIONS = Path(__file__).resolve().parent.parent / "sessions"
DEMO_FILES = sorted(SESSIONS.glob("*.toml"))

# A small valid file; the tests below change single lines, so line numbers stay put.
VALID = """\
format = 1

[meeting]
title = "Werkoverleg"
date = 2024-05-02

[[tables]]
number = 1
participants = ["Jansen", "De Boer"]
leader = "Jansen"

[[tables.entries]]
text = "Verdienvermogen"
bollen = ["economisch"]
horizons = ["later"]

[[tables]]
number = 2
participants = ["Visser", "Smit"]
leader = "Visser"
"""


def variant(**lines: str) -> str:
    """VALID with some lines replaced: variant(l4='title = 5') replaces line 4."""
    out = VALID.splitlines()
    for key, value in lines.items():
        out[int(key[1:]) - 1] = value
    return "\n".join(out) + "\n"


def problems_of(text: str | bytes) -> list[str]:
    """The problems loads() reports for a file (fails the test if it is accepted)."""
    with pytest.raises(SessionFileError) as info:
        loads(text.encode() if isinstance(text, str) else text)
    problems = info.value.problems
    assert problems, "SessionFileError without problems"
    for problem in problems:
        assert "\n" not in problem, f"a problem must be one line: {problem!r}"
    assert str(info.value) == "\n".join(problems)
    return problems


def only_problem(text: str | bytes) -> str:
    problems = problems_of(text)
    assert len(problems) == 1, problems
    return problems[0]


def assert_problem(text: str | bytes, field: str, line: int | None, *words: str) -> str:
    """Exactly one problem, naming ``field`` and ``line`` (or no line), mentioning ``words``."""
    problem = only_problem(text)
    where = f"{field} (regel {line}): " if line else f"{field}: "
    assert problem.startswith(where), f"expected {where!r}, got {problem!r}"
    for word in words:
        assert word in problem, f"{word!r} not in {problem!r}"
    return problem


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
            assert entry.bollen and set(entry.bollen) <= bol_keys


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


# --------------------------------------------------------------------------- tables


def test_duplicate_table_number():
    assert_problem(
        variant(l18="number = 1"), "tables[2].number", 18, "tafel 1 komt twee keer voor", "tables[1]"
    )


def test_missing_table_number():
    assert_problem(variant(l18="# geen nummer"), "tables[2].number", 17, "ontbreekt")


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ('"2"', ["heel getal", "tekst"]),
        ("2.0", ["heel getal"]),
        ("true", ["heel getal"]),
        ("0", ["tussen 1 en 999"]),
        ("1000", ["tussen 1 en 999"]),
    ],
)
def test_table_number_of_wrong_type_or_range(value, words):
    assert_problem(variant(l18=f"number = {value}"), "tables[2].number", 18, *words)


def test_leader_not_among_participants():
    assert_problem(variant(l20='leader = "Niemand"'), "tables[2].leader", 20, "Niemand", "deelnemers")


def test_leader_spelled_differently_is_refused():
    assert_problem(variant(l20='leader = "visser"'), "tables[2].leader", 20, "visser")


def test_spokesperson_not_among_participants():
    text = variant(l20='leader = "Visser"\nspokesperson = "Louwaers"')
    assert_problem(text, "tables[2].spokesperson", 21, "woordvoerder", "Louwaers")


def test_rapporteur_need_not_be_a_participant():
    assert (
        loads(variant(l20='leader = "Visser"\nrapporteur = "Extern"').encode()).tables[1].rapporteur
        == "Extern"
    )


def test_leader_without_participants():
    assert_problem(variant(l19="participants = []"), "tables[2].leader", 20, "Visser")


@pytest.mark.parametrize(
    ("line", "field", "words"),
    [
        ('participants = ["Visser", 3]', "tables[2].participants", ["item 2", "tekst"]),
        ('participants = ["Visser", ""]', "tables[2].participants", ["item 2", "leeg"]),
        ('participants = ["Visser", "Visser"]', "tables[2].participants", ["twee keer"]),
    ],
)
def test_participants_of_wrong_type(line, field, words):
    assert_problem(variant(l19=line), field, 19, *words)


def test_participants_as_text():
    text = variant(l19='participants = "Visser, Smit"', l20="# -")
    assert_problem(text, "tables[2].participants", 19, "lijst", "niet tekst")


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ("leader = 5", "tables[2].leader"),
        ('leader = "Visser"\nrapporteur = ["A"]', "tables[2].rapporteur"),
        ('leader = "Visser"\nreport = 5', "tables[2].report"),
        ('leader = "Visser"\nfeedback = false', "tables[2].feedback"),
    ],
)
def test_table_text_of_wrong_type(line, field):
    problem = only_problem(variant(l20=line))
    assert problem.startswith(f"{field} (regel "), problem
    assert "moet tekst zijn" in problem


def test_tables_as_one_table_instead_of_a_list():
    text = variant(
        l7="[tables]", l12="# -", l13="# -", l14="# -", l15="# -", l17="# -", l18="# -", l19="# -", l20="# -"
    )
    assert_problem(text, "tables", 7, "[[tables]]")


def test_entries_as_a_value():
    text = variant(l20='leader = "Visser"\nentries = "Verdienvermogen"')
    assert_problem(text, "tables[2].entries", 21, "[[tables.entries]]")


# --------------------------------------------------------------------------- entries


def test_entry_naming_unknown_bol():
    assert_problem(
        variant(l14='bollen = ["economisch", "veiligheid"]'),
        "tables[1].entries[1].bollen",
        14,
        '"veiligheid"',
        "template",
    )


def test_entry_naming_unknown_horizon():
    assert_problem(
        variant(l15='horizons = ["morgen"]'), "tables[1].entries[1].horizons", 15, '"morgen"', "template"
    )


def test_entry_key_must_exist_in_the_files_own_template():
    # the four-bollen file's key is fine there but not with the default template
    text = (SESSIONS / "veiligheid-vier-bollen.toml").read_text()
    assert loads(text.encode())
    start = text.index("[template]")
    end = text.index("# ----", start)
    without_template = text[:start] + text[start:end].count("\n") * "\n" + text[end:]
    problems = problems_of(without_template)
    assert all(".bollen (regel " in p and '"veiligheid"' in p for p in problems), problems
    lines = without_template.splitlines()
    for problem in problems:
        line = int(problem.split("(regel ")[1].split(")")[0])
        assert lines[line - 1].startswith("bollen =") and "veiligheid" in lines[line - 1]


def test_second_entry_of_second_table_is_located():
    entry = '\n[[tables.entries]]\ntext = "{}"\nbollen = ["{}"]\n'
    text = VALID + entry.format("a", "sociaal") + entry.format("b", "nope")
    assert_problem(text, "tables[2].entries[2].bollen", 28, '"nope"')


def test_entry_without_bollen():
    assert_problem(variant(l14="# geen bollen"), "tables[1].entries[1].bollen", 12, "ten minste één bol")
    assert_problem(variant(l14="bollen = []"), "tables[1].entries[1].bollen", 14, "ten minste één bol")


def test_entry_without_text():
    assert_problem(variant(l13="# geen tekst"), "tables[1].entries[1].text", 12, "ontbreekt")


@pytest.mark.parametrize(
    ("line", "field", "words"),
    [
        ('bollen = "economisch"', "tables[1].entries[1].bollen", ["lijst"]),
        ("bollen = [1]", "tables[1].entries[1].bollen", ["lijst"]),
        ('bollen = ["economisch", "economisch"]', "tables[1].entries[1].bollen", ["twee keer"]),
        ('bollen = ["economisch"]\nhidden = "ja"', "tables[1].entries[1].hidden", ["true of false"]),
        ('bollen = ["economisch"]\nhorizons = "later"', "tables[1].entries[1].horizons", ["lijst"]),
    ],
)
def test_entry_fields_of_wrong_type(line, field, words):
    text = variant(l14=line, l15="")
    problem = only_problem(text)
    assert problem.startswith(f"{field} (regel "), problem
    for word in words:
        assert word in problem


def test_entry_text_of_wrong_type():
    assert_problem(variant(l13="text = 12"), "tables[1].entries[1].text", 13, "tekst")


# --------------------------------------------------------------------------- limits


def _long(n: int) -> str:
    return "x" * n


@pytest.mark.parametrize(
    ("replace", "field", "line"),
    [
        ({"l4": f'title = "{_long(LIMITS["title"] + 1)}"'}, "meeting.title", 4),
        ({"l5": f'date = 2024-05-02\nstart = "{_long(LIMITS["start"] + 1)}"'}, "meeting.start", 6),
        ({"l5": f'date = 2024-05-02\nplace = "{_long(LIMITS["meeting_text"] + 1)}"'}, "meeting.place", 6),
        ({"l5": f'date = 2024-05-02\nagenda_item = "{_long(501)}"'}, "meeting.agenda_item", 6),
        ({"l5": f'date = 2024-05-02\nreference = "{_long(501)}"'}, "meeting.reference", 6),
        ({"l5": f'date = 2024-05-02\nannex_title = "{_long(501)}"'}, "meeting.annex_title", 6),
        (
            {"l5": f'date = 2024-05-02\nquestions = ["{_long(LIMITS["question"] + 1)}"]'},
            "meeting.questions",
            6,
        ),
        (
            {"l5": "date = 2024-05-02\nquestions = [" + '"v", ' * (LIMITS["questions"] + 1) + "]"},
            "meeting.questions",
            6,
        ),
        (
            {"l5": f"date = 2024-05-02\nround_minutes = {LIMITS['round_minutes'] + 1}"},
            "meeting.round_minutes",
            6,
        ),
        ({"l19": f'participants = ["Visser", "{_long(LIMITS["name"] + 1)}"]'}, "tables[2].participants", 19),
        (
            {
                "l19": "participants = ["
                + ", ".join(f'"P{i}"' for i in range(LIMITS["participants"] + 1))
                + "]",
                "l20": "# -",
            },
            "tables[2].participants",
            19,
        ),
        (
            {"l20": f'leader = "Visser"\nrapporteur = "{_long(LIMITS["name"] + 1)}"'},
            "tables[2].rapporteur",
            21,
        ),
        ({"l20": f'leader = "Visser"\nreport = """{_long(LIMITS["report"] + 1)}"""'}, "tables[2].report", 21),
        (
            {"l20": f'leader = "Visser"\nfeedback = """{_long(LIMITS["report"] + 1)}"""'},
            "tables[2].feedback",
            21,
        ),
        ({"l13": f'text = "{_long(LIMITS["entry_text"] + 1)}"'}, "tables[1].entries[1].text", 13),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_text_over_the_limits(replace, field, line):
    problem = assert_problem(variant(**replace), field, line)
    assert "hoogstens" in problem or "tussen 1 en" in problem


def test_too_many_entries():
    many = "".join(
        f'\n[[tables.entries]]\ntext = "e{i}"\nbollen = ["sociaal"]\n' for i in range(LIMITS["entries"] + 1)
    )
    assert_problem(VALID + many, "tables[2].entries", 17, "hoogstens 500")


def test_too_many_tables():
    many = "".join(f"\n[[tables]]\nnumber = {n}\n" for n in range(3, LIMITS["tables"] + 2))
    assert_problem(VALID + many, "tables", 7, "hoogstens 200")


def test_nul_characters_are_refused():
    assert_problem(variant(l4='title = "a\\u0000b"'), "meeting.title", 4, "NUL")
    assert_problem(variant(l19='participants = ["Visser", "S\\u0000"]'), "tables[2].participants", 19, "NUL")


# --------------------------------------------------------------------------- several problems, locating


def test_every_problem_gets_its_own_line_in_file_order():
    text = variant(
        l4="# geen titel",
        l14='bollen = ["economisch", "veiligheid"]',
        l18="number = 1",
        l20='leader = "Niemand"',
    )
    problems = problems_of(text)
    assert [p.split(":")[0] for p in problems] == [
        "meeting.title (regel 3)",
        "tables[1].entries[1].bollen (regel 14)",
        "tables[2].number (regel 18)",
        "tables[2].leader (regel 20)",
    ]


def test_text_that_looks_like_toml_inside_a_string_is_not_mistaken_for_a_field():
    # a report with a header-like line and "leader =" inside must not move the located line
    text = variant(
        l18='number = 2\nreport = """\n[[tables]]\n[zie bijlage]\nleader = "nep"\n"""\n'
        "feedback = '''\nleader = '''"
    )
    text = text.replace('leader = "Visser"', 'leader = "Niemand" # commentaar [x]')
    problem = only_problem(text)
    lines = text.splitlines()
    assert problem.startswith("tables[2].leader (regel 27):"), (problem, lines[26])
    assert lines[26].startswith('leader = "Niemand"')


def test_multiline_arrays_and_comments_do_not_confuse_the_locator():
    text = variant(
        l9='participants = [\n  "Jansen",  # [[tables]]\n  "De Boer",\n]  # leader = x',
        l20='leader = "Niemand"',
    )
    assert_problem(text, "tables[2].leader", 23)


def test_dotted_keys_and_inline_tables_do_not_crash_the_locator():
    text = (
        'format = 1\nmeeting.title = "T"\nmeeting.date = "2024-01-01"\n'
        'tables = [{number = 1, leader = "X"}]\n'
    )
    problems = problems_of(text)
    assert problems[0].startswith("meeting.date (regel 3):"), problems
    assert problems[1].startswith("tables[1].leader (regel 4):"), problems


def test_a_problem_stays_one_line_when_the_file_has_newlines_in_names():
    text = variant(l20=r'leader = "Nie\u2028mand\u0085x"', l2=r'"ver\nsie" = 2')
    problems = problems_of(text)  # asserts no newline in any problem
    assert problems[0].startswith(r"ver\nsie"), problems  # (a quoted key with escapes gets no line)
    assert "onbekend veld" in problems[0]
    assert problems[1].startswith(r'tables[2].leader (regel 20): gespreksleider "Nie\u2028mand\x85x"'), (
        problems
    )
    # a newline in a one-line field is refused as such (see rules.text_problem), on one line
    (problem,) = problems_of(variant(l20=r'leader = "Nie\nmand"'))
    assert problem.startswith("tables[2].leader (regel 20): bevat een regeleinde (U+000A)"), problem


def test_validate_without_source_gives_no_lines():
    with pytest.raises(SessionFileError) as info:
        sessionfile.validate({"format": 1, "meeting": {"date": date(2024, 1, 1)}})
    assert info.value.problems == ["meeting.title: ontbreekt (verplicht)"]


# -- nesting ---------------------------------------------------------------------------------

DEEP = {
    "arrays": b"format = 1\nx = " + b"[" * 5000 + b"]" * 5000 + b"\n",
    "inline-tables": b"format = 1\nx = " + b"{a = " * 5000 + b"1" + b"}" * 5000 + b"\n",
    "mixed": b"format = 1\n\n[meeting]\nquestions = " + b"[{a = " * 3000 + b"1" + b"}]" * 3000 + b"\n",
}


@pytest.mark.parametrize("raw", DEEP.values(), ids=DEEP.keys())
def test_deeply_nested_toml_is_one_clear_problem(raw):
    """Deep nesting must not end in RecursionError: one Dutch line with the depth limit."""
    with pytest.raises(SessionFileError) as error:
        loads(raw)
    (problem,) = error.value.problems
    assert problem.startswith("bestand (regel ")
    assert f"te diep genest (hoogstens {sessionfile.MAX_NESTING} niveaus" in problem
    assert "\n" not in problem


def test_nesting_inside_strings_and_comments_does_not_count():
    text = VALID.replace('text = "Verdienvermogen"', 'text = "' + "[" * 100 + '"  # ' + "{" * 100).replace(
        '"De Boer"]', "'''" + "[" * 100 + "''']"
    )
    data = loads(text.encode())
    assert data.tables[0].entries[0].text == "[" * 100


def test_nesting_just_inside_the_limit_is_an_ordinary_problem():
    depth = sessionfile.MAX_NESTING
    raw = VALID + "\n[template]\nbollen = " + "[" * depth + "]" * depth + "\n"
    with pytest.raises(SessionFileError) as error:
        loads(raw.encode())
    assert not any("te diep" in p for p in error.value.problems)


# -- characters no document can hold ----------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "field", "number", "words"),
    [
        ('l4=title = "Werk\\uFFFEoverleg"', "meeting.title", 4, ["niet-teken (U+FFFE)", "positie 5"]),
        ('l19=participants = ["Visser", "Sm\\uFFFFit"]', "tables[2].participants", 19, ["item 2", "U+FFFF"]),
        ('l13=text = "Verdien\\uFDD0vermogen"', "tables[1].entries[1].text", 13, ["U+FDD0"]),
        ('l13=text = "bel\\u0007"', "tables[1].entries[1].text", 13, ["stuurteken (U+0007)"]),
        ('l10=leader = "Jan\\nsen"', "tables[1].leader", 10, ["regeleinde"]),
        ('l4=title = "a\\U0010FFFE"', "meeting.title", 4, ["U+10FFFE"]),
        ('l6=place = "Den\uffffHaag"', "meeting.place", 6, ["U+FFFF"]),  # raw, not an escape
    ],
)
def test_characters_no_document_can_hold_are_refused(line, field, number, words):
    key, _, value = line.partition("=")
    assert_problem(variant(**{key: value}), field, number, *words)


def test_multi_line_fields_keep_their_line_breaks():
    text = VALID.replace('text = "Verdienvermogen"', 'text = "Verdien-\\nvermogen"') + (
        'report = """Eerste regel\r\ntweede\tregel"""\n'
    )
    data = loads(text.encode())
    assert data.tables[0].entries[0].text == "Verdien-\nvermogen"
    assert data.tables[1].report == "Eerste regel\ntweede\tregel"
