"""What the session file tests share (and test_cli.py): a small valid file, its variants, the problems."""

from __future__ import annotations

from pathlib import Path

import pytest

from facilitator.sessionfile import SessionFileError, loads

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
