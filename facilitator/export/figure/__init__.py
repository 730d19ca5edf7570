"""The fill-in figure ("Invuloefening tafel N"): the template's bollen as overlapping circles.

Every entry sits in the region of exactly its bollen: as a label where it fits, otherwise
as a numbered marker explained in a legend under the figure. Horizons are shown by a
symbol (shape, not only colour) before the label and in words in the legend.

The layout is plain data in millimetres; ``to_svg`` (for the PDF) and ``to_png`` (for the
DOCX) draw the same layout, so both exports show one picture.
"""

from .draw import to_html, to_png, to_svg
from .layout import layout
from .model import Circle, Figure, Group, LegendItem, Marker, Symbol, Text

__all__ = [
    "Circle",
    "Figure",
    "Group",
    "LegendItem",
    "Marker",
    "Symbol",
    "Text",
    "layout",
    "to_html",
    "to_png",
    "to_svg",
]
