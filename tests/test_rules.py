"""The shared rules: the characters no text input may hold."""

from __future__ import annotations

import pytest

from facilitator.rules import text_problem

REFUSED = {
    "nul": ("a\x00b", "NUL-teken (U+0000) op positie 2"),
    "bell": ("a\x07", "stuurteken (U+0007)"),
    "escape": ("\x1b[31m", "stuurteken (U+001B) op positie 1"),
    "vertical-tab": ("a\x0bb", "stuurteken (U+000B)"),
    "form-feed": ("a\x0cb", "stuurteken (U+000C)"),
    "lone-high-surrogate": ("a\ud800", "losse surrogaat"),
    "lone-low-surrogate": ("\udfff", "losse surrogaat"),
    "fffe": ("x\ufffe", "niet-teken (U+FFFE)"),
    "ffff": ("x\uffff", "niet-teken (U+FFFF)"),
    "fdd0": ("\ufdd0", "niet-teken (U+FDD0)"),
    "fdef": ("\ufdef", "niet-teken (U+FDEF)"),
    "plane-1": ("\U0001fffe", "niet-teken (U+1FFFE)"),
    "plane-16": ("\U0010ffff", "niet-teken (U+10FFFF)"),
}


@pytest.mark.parametrize(("text", "expected"), REFUSED.values(), ids=REFUSED.keys())
@pytest.mark.parametrize("multiline", [False, True])
def test_text_problem_refuses_what_no_document_can_hold(text, expected, multiline):
    problem = text_problem(text, multiline=multiline)
    assert problem is not None and expected in problem
    assert problem.startswith("bevat ") and problem.endswith("haal het weg")


@pytest.mark.parametrize(
    "text",
    ["", "Brede welvaart", "tab\there", "Café — € ‘quotes’ 😀", "\ufdcf\ufdf0\ufffd", "\x7f", "a\u2028b"],
)
def test_text_problem_accepts_ordinary_text(text):
    assert text_problem(text) is None
    assert text_problem(text, multiline=True) is None


@pytest.mark.parametrize("text", ["a\nb", "a\r\nb", "a\rb"])
def test_line_breaks_only_where_text_may_be_multi_line(text):
    assert text_problem(text, multiline=True) is None
    assert "regeleinde" in text_problem(text)
