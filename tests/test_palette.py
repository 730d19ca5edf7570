"""One palette and one set of horizon symbols for the web, the screen and the annex (issue 11)."""

from __future__ import annotations

import re
from pathlib import Path

from facilitator import palette
from facilitator.export.figure import layout, model  # layout: the function

ROOT = Path(__file__).resolve().parent.parent


def test_the_browser_module_is_generated_from_the_python_palette():
    js = (ROOT / "static/js/palette.js").read_text(encoding="utf-8")
    assert js == palette.js_module(), "run: python -m facilitator.palette > static/js/palette.js"


def test_the_table_pages_css_uses_the_same_bol_colours():
    css = (ROOT / "static/css/capture.css").read_text(encoding="utf-8")
    found = dict(re.findall(r"--bol-(\d): (#[0-9a-fA-F]{6})", css))
    assert [found[str(i)].lower() for i in range(len(found))] == [c.line for c in palette.PALETTE]


def test_the_annex_figure_uses_the_same_palette_and_symbols():
    assert [c.line for c in palette.PALETTE] == model.PALETTE
    assert [s.shape for s in palette.HORIZON_SYMBOLS] == model.SHAPES
    assert model.FILL_OPACITY == palette.FILL_OPACITY
    three = [{"key": k, "label": k.title()} for k in ("economisch", "sociaal", "ecologisch")]
    figure = layout("Tafel 1", three, [{"key": "nu", "label": "Hier en nu"}], [])
    assert [c.color for c in figure.circles] == [c.line for c in palette.PALETTE[:3]]
    names = {t.text: t.color for t in figure.texts}
    assert [names[b["label"]] for b in three] == [c.ink for c in palette.PALETTE[:3]]


def test_colours_and_symbols_tell_apart_without_colour():
    assert len(set(palette.BOL_LINES)) == len(palette.BOL_LINES) == 8
    assert all(palette.contrast(c.ink) >= 4.5 for c in palette.PALETTE)
    chars = [s.char for s in palette.HORIZON_SYMBOLS]
    shapes = [s.shape for s in palette.HORIZON_SYMBOLS]
    assert len(set(chars)) == len(chars) and len(set(shapes)) == len(shapes)
    assert not any(c.isalnum() for c in chars)  # shapes, not letters
