"""The figure's parts, in millimetres, and the measures and colours they are drawn with."""

from __future__ import annotations

from dataclasses import dataclass

from ... import palette

PT = 25.4 / 72  # one point in millimetres

LABEL_SIZE = 8.2 * PT
LABEL_LINE = LABEL_SIZE * 1.2
LABEL_MAX_WIDTH = 31.0
MAX_WIDTH = 158.0  # the annex's text width (A4 less its margins), with a little room
LABEL_MAX_LINES = 3
BOL_LABEL_SIZE = 10 * PT
KEY_SIZE = 8.2 * PT
MARKER_RADIUS = 2.3
MARKER_SIZE = 6.6 * PT
SYMBOL = 2.1
SYMBOL_GAP = 0.6
EDGE = 0.9  # minimum distance between a label and a circle's edge
GRID = 1.5
PAD = 2.0

# the one palette and symbol set of the web, the screen and the annex (facilitator/palette.py)
PALETTE = [c.line for c in palette.PALETTE]
INKS = {c.line: c.ink for c in palette.PALETTE}  # a bol's name in its colour, readable on white
FILL_OPACITY = palette.FILL_OPACITY
SHAPES = [s.shape for s in palette.HORIZON_SYMBOLS]
INK = "#1b1f24"
MUTED = "#4a5360"


@dataclass
class Text:
    """One line of text, left-aligned at x, baseline at y."""

    text: str
    x: float
    y: float
    size: float
    weight: int = 400
    color: str = INK


@dataclass
class Symbol:
    """A horizon symbol centred at (x, y)."""

    shape: str
    x: float
    y: float
    size: float = SYMBOL


@dataclass
class Circle:
    """One bol."""

    key: str
    label: str
    cx: float
    cy: float
    r: float
    color: str


@dataclass
class Marker:
    """A numbered marker (or a range "4–9" when a region is too small for one each)."""

    text: str
    x: float
    y: float
    width: float
    height: float


@dataclass
class LegendItem:
    """The explanation of one marker: number, entry text, horizons, and where when not exact."""

    number: int
    text: str
    horizons: list[str]
    # the entry's bollen, spelled out when the drawing has no region of exactly those
    where: str = ""


@dataclass
class Group:
    """Entries that share the same bollen, in words: for the text alternative and Markdown."""

    where: str
    entries: list[str]


@dataclass
class Figure:
    """The laid-out figure of one table, in millimetres."""

    title: str
    width: float
    height: float
    circles: list[Circle]
    texts: list[Text]
    symbols: list[Symbol]
    markers: list[Marker]
    legend: list[LegendItem]
    labelled: list[str]  # the entries drawn as labels (the others are in the legend)
    groups: list[Group]
    alt: str
    entry_count: int
