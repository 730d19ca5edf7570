"""Session files: the errors of the tables and their entries, the limits, and how problems are
located (several at once, nesting, characters no document can hold).

Each error test checks the problem line names the field path (``tables[2].leader``)
and, where the file shows it, the line (``regel N``) where it is.
"""

from __future__ import annotations

from datetime import date

import pytest

from facilitator import sessionfile
from facilitator.rules import LIMITS
from facilitator.sessionfile import SessionFileError, loads

from .sessionfile_support import SESSIONS, VALID, assert_problem, only_problem, problems_of, variant

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
