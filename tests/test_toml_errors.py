"""A TOML syntax error in a session file is told in Dutch, with its line and column."""

from __future__ import annotations

import re
import tomllib

import pytest

from facilitator import sessionfile, toml_errors
from facilitator.sessionfile import SessionFileError

HEAD = 'format = 1\n[meeting]\ntitle = "Raad"\ndate = 2023-01-27\n'

# (document, the line, words the Dutch sentence must have)
CASES = {
    "no equals sign": (HEAD + "place Den Haag\n", 5, "na een sleutel hoort een „=”"),
    "invalid statement": (HEAD + "= 3\n", 5, "hier verwachtte TOML een sleutel = waarde"),
    "invalid key": (HEAD + "[template]\nbollen.= 3\n", 6, "een sleutel moet beginnen"),
    "unquoted text": (HEAD + "place = Den Haag\n", 5, "geen geldige waarde"),
    "text after a value": (HEAD + 'place = "Den" "Haag"\n', 5, "na een waarde hoort een nieuwe regel"),
    "unterminated string": (HEAD + 'place = "Den Haag\n', 5, "mag niet in een tekst staan"),
    "unterminated string at the end": (
        HEAD + 'place = "Den Haag',
        5,
        "niet afgesloten met een aanhalingsteken",
    ),
    "unterminated literal string": (HEAD + "place = 'Den Haag", 5, "enkele aanhalingstekens"),
    "unterminated multi-line string": (
        HEAD + 'report = """Tekst\n\nmeer\n',
        7,
        "niet afgesloten met een aanhalingsteken",
    ),
    "unterminated multi-line literal": (
        HEAD + "report = '''Tekst\n\nmeer\n",
        7,
        "tussen ''' is niet afgesloten",
    ),
    "unclosed table header": (HEAD + "[template\n", 5, "moet eindigen op „]”"),
    "unclosed array header": (HEAD + "[[tables]\nnumber = 1\n", 5, "moet eindigen op „]]”"),
    "unclosed array": (HEAD + 'questions = ["Een", "Twee"\n', 5, "niet afgesloten met „]”"),
    "missing comma": (HEAD + 'questions = ["Een" "Twee"]\n', 5, "ontbreekt een komma"),
    "unclosed inline table": (HEAD + '[template]\nbollen = [{key = "a", label = "A"]\n', 6, "tabel { … }"),
    "duplicate key": (HEAD + 'title = "Nog eens"\n', 5, "heeft al een waarde"),
    "duplicate table": (HEAD + "[meeting]\n", 5, "de tabel [meeting] staat twee keer"),
    "duplicate inline key": (
        HEAD + '[template]\nbollen = [{key = "a", key = "b"}]\n',
        6,
        "„key” staat twee keer",
    ),
    "invalid date": (HEAD.replace("2023-01-27", "2023-02-30"), 4, "datum of tijd bestaat niet"),
    "bad escape": (HEAD + 'place = "C:\\map"\n', 5, "een \\ in een tekst moet dubbel"),
    "bad unicode escape": (HEAD + 'place = "\\uZZZZ"\n', 5, "hexadecimale cijfers"),
    "control character in a comment": (HEAD + "# a\x01b\n", 5, "het teken U+0001 mag hier niet staan"),
}


@pytest.mark.parametrize("name", CASES)
def test_syntax_errors_are_dutch_with_line_and_column(name):
    text, line, words = CASES[name]
    with pytest.raises(tomllib.TOMLDecodeError):
        tomllib.loads(text)
    with pytest.raises(SessionFileError) as caught:
        sessionfile.loads(text.encode())
    [problem] = caught.value.problems
    assert re.match(
        rf"bestand \(regel {line}(, kolom \d+|, aan het eind van het bestand)\): geen geldige TOML: ", problem
    ), problem
    assert words in problem, problem
    # none of tomllib's English is left
    for english in (
        "Expected",
        "Invalid",
        "Cannot",
        "line",
        "column",
        "at end",
        "Unclosed",
        "Found",
        "string",
    ):
        assert english not in problem, problem


def test_line_and_column_are_tomllib_s():
    problem = toml_errors.dutch("Expected '=' after a key in a key/value pair (at line 3, column 5)", "")
    assert (
        problem
        == "bestand (regel 3, kolom 5): geen geldige TOML: na een sleutel hoort een „=” met een waarde"
    )


def test_an_unknown_message_is_a_general_dutch_sentence_with_the_line():
    problem = toml_errors.dutch("Something new went wrong (at line 7, column 2)", "")
    assert problem == "bestand (regel 7, kolom 2): geen geldige TOML: het bestand is hier geen geldige TOML"
    assert toml_errors.dutch("Odd", "") == "bestand: geen geldige TOML: het bestand is hier geen geldige TOML"
    assert toml_errors.dutch("Odd (at end of document)", "a\nb\n").startswith(
        "bestand (regel 2, aan het eind"
    )


def test_every_message_tomllib_can_raise_is_known():
    """Each literal message in tomllib's parser maps to a Dutch sentence, not the general one."""
    import inspect
    import tomllib._parser as parser

    source = inspect.getsource(parser)
    messages = re.findall(r'suffixed_err\(\s*src,\s*[\w +]+,\s*(f?"(?:[^"\\]|\\.)*")', source)
    assert len(messages) > 20
    samples = {
        "{key}": "('meeting',)",
        "{cont_key}": "('tables',)",
        "{key_stem!r}": "'key'",
        "{src[pos]!r}": "'x'",
    }
    samples["{expect!r}"] = "'\\n'"
    for literal in messages:
        message = literal[2:-1] if literal.startswith("f") else literal[1:-1]
        for field, value in samples.items():
            message = message.replace(field, value)
        message = message.encode().decode("unicode_escape")
        problem = toml_errors.dutch(f"{message} (at line 1, column 1)", "")
        assert toml_errors.GENERIC not in problem, message
