"""The fill-in figure ("Invuloefening tafel N"): the template's bollen as overlapping circles.

Every entry sits in the region of exactly its bollen: as a label where it fits, otherwise
as a numbered marker explained in a legend under the figure. Horizons are shown by a
symbol (shape, not only colour) before the label and in words in the legend.

The layout is plain data in millimetres; ``to_svg`` (for the PDF) and ``to_png`` (for the
DOCX) draw the same layout, so both exports show one picture.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from html import escape
from io import BytesIO

from .fonts import SANS, baseline_offset, font_path, text_width

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

# Okabe–Ito colours: distinguishable with colour-blindness, dark enough as outlines.
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#7A6A00", "#555555"]
FILL_OPACITY = 0.16
SHAPES = ["disc", "triangle", "square", "diamond", "ring", "open-square"]
INK = "#1b1f24"
MUTED = "#4a5360"

# number words for the text alternative
_COUNT_WORDS = {2: "twee", 3: "drie", 4: "vier", 5: "vijf", 6: "zes", 7: "zeven", 8: "acht"}


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


@dataclass
class _Entry:
    index: int
    text: str
    mask: int
    horizons: list[int]


@dataclass
class _Box:
    x: float
    y: float
    w: float
    h: float

    def overlaps(self, other: _Box, pad: float) -> bool:
        return not (
            self.x + self.w + pad <= other.x
            or other.x + other.w + pad <= self.x
            or self.y + self.h + pad <= other.y
            or other.y + other.h + pad <= self.y
        )


def _circle_centres(n: int, scale: float = 1.0) -> tuple[list[tuple[float, float]], float]:
    """Centres and radius: side by side (2), the classic triangle (3), a ring (4–8)."""
    if n == 2:
        r = 40.0 * scale
        d = 1.05 * r
        return [(-d / 2, 0.0), (d / 2, 0.0)], r
    if n == 3:
        r = 40.0 * scale
        s = 1.04 * r
        h = s * math.sqrt(3) / 2
        return [(-s / 2, -h / 3), (s / 2, -h / 3), (0.0, 2 * h / 3)], r
    r = (38.0 if n <= 5 else 35.0) * scale
    ring = r * (0.72 if n == 4 else 0.78 if n <= 6 else 0.84)
    centres = []
    for i in range(n):
        angle = -math.pi / 2 + 2 * math.pi * i / n + (math.pi / n if n == 4 else 0.0)
        centres.append((ring * math.cos(angle), ring * math.sin(angle)))
    return centres, r


class _Geometry:
    def __init__(self, circles: list[Circle]):
        self.circles = circles
        self.geo = [(c.cx, c.cy, c.r) for c in circles]

    def mask(self, x: float, y: float) -> int:
        m = 0
        for i, (cx, cy, r) in enumerate(self.geo):
            if (x - cx) ** 2 + (y - cy) ** 2 < r * r:
                m |= 1 << i
        return m

    def clearance(self, x: float, y: float) -> float:
        return min(abs(math.hypot(x - cx, y - cy) - r) for cx, cy, r in self.geo)

    def inside(self, x: float, y: float, mask: int, edge: float) -> bool:
        """Whether the point lies in the region of exactly ``mask``, at least ``edge`` from any rim."""
        m = 0
        for i, (cx, cy, r) in enumerate(self.geo):
            d = math.hypot(x - cx, y - cy)
            if abs(d - r) < edge:
                return False
            if d < r:
                m |= 1 << i
        return m == mask


def layout(
    title: str,
    bollen: list[dict[str, str]],
    horizons: list[dict[str, str]],
    entries: list[tuple[str, list[str], list[str]]],
    max_width: float = MAX_WIDTH,
) -> Figure:
    """Lay out a table's figure: entries are (text, bol keys, horizon keys).

    The circles shrink (the text does not) until the figure fits ``max_width``.
    """
    scale = 1.0
    while True:
        figure = _layout(title, bollen, horizons, entries, scale)
        if figure.width <= max_width or scale < 0.6:
            return figure
        scale = round(scale * 0.92, 3)


def _layout(
    title: str,
    bollen: list[dict[str, str]],
    horizons: list[dict[str, str]],
    entries: list[tuple[str, list[str], list[str]]],
    scale: float,
) -> Figure:
    n = len(bollen)
    centres, r = _circle_centres(n, scale)
    circles = [
        Circle(b["key"], b["label"], x, y, r, PALETTE[i % len(PALETTE)])
        for i, (b, (x, y)) in enumerate(zip(bollen, centres, strict=True))
    ]
    geometry = _Geometry(circles)
    bol_index = {b["key"]: i for i, b in enumerate(bollen)}
    horizon_index = {h["key"]: i for i, h in enumerate(horizons)}
    items = [
        _Entry(
            i,
            " ".join(text.split()),
            sum(1 << bol_index[k] for k in set(keys) if k in bol_index),
            sorted({horizon_index[k] for k in hkeys if k in horizon_index}),  # template order
        )
        for i, (text, keys, hkeys) in enumerate(entries)
    ]

    texts: list[Text] = []
    symbols: list[Symbol] = []
    taken: list[_Box] = []

    # bol labels outside their circle, pointing away from the middle
    for i, c in enumerate(circles):
        dx, dy = _label_direction(n, i, c)
        w = text_width(c.label, BOL_LABEL_SIZE, weight=600)
        px, py = c.cx + (c.r + 2.2) * dx, c.cy + (c.r + 2.2) * dy
        x = px - w if dx < -0.35 else px if dx > 0.35 else px - w / 2
        y = py if dy < -0.35 else py + BOL_LABEL_SIZE * 0.75 if dy > 0.35 else py + BOL_LABEL_SIZE * 0.35
        texts.append(Text(c.label, x, y, BOL_LABEL_SIZE, 600, _darken(c.color)))
        taken.append(_Box(x, y - BOL_LABEL_SIZE * 0.8, w, BOL_LABEL_SIZE))

    min_x = min(c.cx - c.r for c in circles)
    max_x = max(c.cx + c.r for c in circles)
    max_y = max(c.cy + c.r for c in circles)

    regions = _regions(n, scale)

    # where each entry goes: its exact region, or the smallest drawn region containing it
    placement: dict[int, int] = {}
    exact: dict[int, bool] = {}
    for item in items:
        if item.mask in regions and regions[item.mask][0][0] > MARKER_RADIUS + 0.4:
            placement[item.index], exact[item.index] = item.mask, True
            continue
        supersets = [m for m in regions if m & item.mask == item.mask and m != item.mask] if item.mask else []
        best = min(supersets, key=lambda m: (bin(m).count("1"), -len(regions[m])), default=None)
        if best is None:  # no bol at all, or a region too thin to hold anything: the middle
            best = max(regions, key=lambda m: (bin(m).count("1"), len(regions[m])))
        placement[item.index], exact[item.index] = best, False

    region_order = sorted(set(placement.values()), key=lambda m: (bin(m).count("1"), _bits(m)))
    by_region = {m: [it for it in items if placement[it.index] == m] for m in region_order}

    # labels first, where they fit; whatever does not fit becomes a marker
    as_marker: list[_Entry] = []
    for m, members in by_region.items():
        as_marker.extend(it for it in members if not exact[it.index])
        labelled = [it for it in members if exact[it.index]]
        if labelled:
            as_marker.extend(_place_labels(labelled, m, regions[m], geometry, taken, texts, symbols))

    # number the markers region by region, so that one region's numbers form a range
    markers: list[Marker] = []
    legend: list[LegendItem] = []
    number = 0
    marker_set = {it.index for it in as_marker}
    for m in region_order:
        members = [it for it in by_region[m] if it.index in marker_set]
        if not members:
            continue
        numbers = list(range(number + 1, number + 1 + len(members)))
        number += len(members)
        for item, num in zip(members, numbers, strict=True):
            legend.append(
                LegendItem(
                    num,
                    item.text,
                    [horizons[h]["label"] for h in item.horizons],
                    ""
                    if exact[item.index]
                    else " + ".join(bollen[i]["label"] for i in _bits(item.mask)) or "geen bol",
                )
            )
        markers.extend(_place_markers(numbers, regions[m], m, geometry, taken))

    # horizon key under everything else
    key_y = max(max_y, max(t.y for t in texts)) + 7.0
    key_items = []
    for i, h in enumerate(horizons):
        w = SYMBOL + 1.2 + text_width(h["label"], KEY_SIZE)
        key_items.append((i, h["label"], w))
    total = sum(w for *_, w in key_items) + 6.0 * (len(key_items) - 1)
    x = (min_x + max_x) / 2 - total / 2
    for i, label, w in key_items:
        symbols.append(Symbol(SHAPES[i % len(SHAPES)], x + SYMBOL / 2, key_y - KEY_SIZE * 0.33))
        texts.append(Text(label, x + SYMBOL + 1.2, key_y, KEY_SIZE, 400, MUTED))
        x += w + 6.0

    # move everything so that the drawing starts at (PAD, PAD)
    boxes = [(c.cx - c.r, c.cy - c.r, c.cx + c.r, c.cy + c.r) for c in circles]
    boxes += [
        (t.x, t.y - t.size, t.x + text_width(t.text, t.size, weight=t.weight), t.y + t.size * 0.3)
        for t in texts
    ]
    left = min(b[0] for b in boxes) - PAD
    top = min(b[1] for b in boxes) - PAD
    right = max(b[2] for b in boxes) + PAD
    bottom = max(b[3] for b in boxes) + PAD
    for c in circles:
        c.cx, c.cy = c.cx - left, c.cy - top
    for t in texts:
        t.x, t.y = t.x - left, t.y - top
    for s in symbols:
        s.x, s.y = s.x - left, s.y - top
    for mk in markers:
        mk.x, mk.y = mk.x - left, mk.y - top

    groups = _groups(bollen, horizons, items)
    return Figure(
        title=title,
        width=round(right - left, 2),
        height=round(bottom - top, 2),
        circles=circles,
        texts=texts,
        symbols=symbols,
        markers=markers,
        legend=legend,
        labelled=[it.text for it in items if it.index not in marker_set],
        groups=groups,
        alt=_alt_text(title, bollen, groups),
        entry_count=len(items),
    )


@functools.lru_cache(maxsize=16)
def _regions(n: int, scale: float) -> dict[int, list[tuple[float, float, float]]]:
    """Sample the plane once per number of bollen: each point's region and distance to a rim.

    Points are sorted by that distance, largest first: the best places come first. The
    result is shared between figures (the same template draws the same circles), read only.
    """
    centres, r = _circle_centres(n, scale)
    geometry = _Geometry([Circle("", "", x, y, r, "") for x, y in centres])
    min_x, max_x = min(x for x, _ in centres) - r, max(x for x, _ in centres) + r
    min_y, max_y = min(y for _, y in centres) - r, max(y for _, y in centres) + r
    regions: dict[int, list[tuple[float, float, float]]] = {}
    y = min_y + GRID / 2
    while y < max_y:
        x = min_x + GRID / 2
        while x < max_x:
            m = geometry.mask(x, y)
            if m:
                regions.setdefault(m, []).append((geometry.clearance(x, y), x, y))
            x += GRID
        y += GRID
    for points in regions.values():
        points.sort(reverse=True)
    return regions


def _label_direction(n: int, i: int, c: Circle) -> tuple[float, float]:
    """Where a bol's name goes: above (two bollen), above/below (three), outward (a ring)."""
    if n == 2:
        return 0.0, -1.0
    if n == 3:
        return ((-0.42, -0.91), (0.42, -0.91), (0.0, 1.0))[i]
    return _unit(c.cx, c.cy)


def _bits(mask: int) -> list[int]:
    return [i for i in range(mask.bit_length()) if mask >> i & 1]


def _unit(x: float, y: float) -> tuple[float, float]:
    length = math.hypot(x, y) or 1.0
    return x / length, y / length


def _darken(color: str) -> str:
    r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return "#{:02x}{:02x}{:02x}".format(*(int(v * 0.72) for v in (r, g, b)))


def _wrap(text: str, first_width: float, width: float) -> list[str] | None:
    """Words into lines of at most the width (first line narrower); None if it needs too many."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        limit = first_width if not lines else width
        candidate = f"{current} {word}".strip()
        if text_width(candidate, LABEL_SIZE) <= limit:
            current = candidate
            continue
        if not current:  # one word wider than a line
            return None
        lines.append(current)
        current = word
        if text_width(current, LABEL_SIZE) > width:
            return None
    if current:
        lines.append(current)
    return lines if 0 < len(lines) <= LABEL_MAX_LINES else None


def _fits(box: _Box, mask: int, geometry: _Geometry, taken: list[_Box]) -> bool:
    if any(box.overlaps(other, 1.0) for other in taken):
        return False
    steps_x = max(2, math.ceil(box.w / 2.5))
    steps_y = max(1, math.ceil(box.h / 2.5))
    for i in range(steps_x + 1):
        x = box.x + box.w * i / steps_x
        if not geometry.inside(x, box.y, mask, EDGE) or not geometry.inside(x, box.y + box.h, mask, EDGE):
            return False
    for j in range(1, steps_y):
        y = box.y + box.h * j / steps_y
        if not geometry.inside(box.x, y, mask, EDGE) or not geometry.inside(box.x + box.w, y, mask, EDGE):
            return False
    return True


@dataclass
class _Label:
    item: _Entry
    lines: list[str]
    lead: float
    w: float
    h: float


def _measure_label(item: _Entry) -> _Label | None:
    lead = len(item.horizons) * (SYMBOL + SYMBOL_GAP) + (0.4 if item.horizons else 0.0)
    lines = _wrap(item.text, LABEL_MAX_WIDTH - lead, LABEL_MAX_WIDTH)
    if not lines:
        return None
    widths = [text_width(line, LABEL_SIZE) + (lead if i == 0 else 0.0) for i, line in enumerate(lines)]
    return _Label(item, lines, lead, max(widths), LABEL_LINE * len(lines))


def _place_labels(
    items: list[_Entry],
    mask: int,
    points: list[tuple[float, float, float]],
    geometry: _Geometry,
    taken: list[_Box],
    texts: list[Text],
    symbols: list[Symbol],
) -> list[_Entry]:
    """Place a region's labels, as one tidy column if it fits, else one by one; return the rest."""
    labels = [lab for lab in (_measure_label(it) for it in items) if lab]
    rest = [it for it in items if it.index not in {lab.item.index for lab in labels}]
    gap = 1.5
    while labels:
        total = sum(lab.h for lab in labels) + gap * (len(labels) - 1)
        need = min(max(lab.w for lab in labels), total) / 2 + EDGE
        for clear, x, y in points[:800]:
            if clear < need:
                break
            boxes, top = [], y - total / 2
            left = x - max(lab.w for lab in labels) / 2  # a column reads as a list: align left
            for lab in labels:
                boxes.append(_Box(left, top, lab.w, lab.h))
                top += lab.h + gap
            if all(_fits(box, mask, geometry, taken) for box in boxes):
                for lab, box in zip(labels, boxes, strict=True):
                    _commit_label(lab, box, taken, texts, symbols)
                return rest
        if len(labels) == 1:
            break
        # no room for the whole column: the longest label tries alone, the others go on
        longest = max(labels, key=lambda lab: lab.w * lab.h)
        labels.remove(longest)
        if not _place_single(longest, mask, points, geometry, taken, texts, symbols):
            rest.append(longest.item)
    if labels and not _place_single(labels[0], mask, points, geometry, taken, texts, symbols):
        rest.append(labels[0].item)
    return rest


def _place_single(
    lab: _Label,
    mask: int,
    points: list[tuple[float, float, float]],
    geometry: _Geometry,
    taken: list[_Box],
    texts: list[Text],
    symbols: list[Symbol],
) -> bool:
    need = min(lab.w, lab.h) / 2 + EDGE
    for clear, x, y in points[:800]:
        if clear < need:
            break
        box = _Box(x - lab.w / 2, y - lab.h / 2, lab.w, lab.h)
        if _fits(box, mask, geometry, taken):
            _commit_label(lab, box, taken, texts, symbols)
            return True
    return False


def _commit_label(
    lab: _Label, box: _Box, taken: list[_Box], texts: list[Text], symbols: list[Symbol]
) -> None:
    taken.append(box)
    for i, line in enumerate(lab.lines):
        baseline = box.y + LABEL_LINE * i + LABEL_LINE / 2 + LABEL_SIZE * 0.33
        texts.append(Text(line, box.x + (lab.lead if i == 0 else 0.0), baseline, LABEL_SIZE))
    for k, h_index in enumerate(lab.item.horizons):
        symbols.append(
            Symbol(
                SHAPES[h_index % len(SHAPES)],
                box.x + SYMBOL / 2 + k * (SYMBOL + SYMBOL_GAP),
                box.y + LABEL_LINE / 2,
            )
        )


def _marker_size(text: str) -> tuple[float, float]:
    width = max(2 * MARKER_RADIUS, text_width(text, MARKER_SIZE, weight=700) + 2.0)
    return width, 2 * MARKER_RADIUS


def _place_markers(
    numbers: list[int],
    points: list[tuple[float, float, float]],
    mask: int,
    geometry: _Geometry,
    taken: list[_Box],
) -> list[Marker]:
    """Markers for one region; when the region fills up, the rest share one range marker."""
    placed: list[Marker] = []
    pending = [str(n) for n in numbers]
    while pending:
        text = pending[0]
        spot = _marker_spot(text, points, mask, geometry, taken)
        if spot is None:
            break
        placed.append(spot)
        taken.append(_Box(spot.x - spot.width / 2, spot.y - spot.height / 2, spot.width, spot.height))
        pending.pop(0)
    if pending:
        # no room for one marker each: the last one placed and the rest become a range
        first = numbers[len(placed) - 1] if placed else numbers[0]
        if placed:
            gone = placed.pop()
            taken.remove(_Box(gone.x - gone.width / 2, gone.y - gone.height / 2, gone.width, gone.height))
        text = f"{first}–{numbers[-1]}" if first != numbers[-1] else str(first)
        spot = _marker_spot(text, points, mask, geometry, taken)
        if spot is None:  # a sliver of a region: put it where it is widest, overlap or not
            _, x, y = points[0] if points else (0.0, 0.0, 0.0)
            w, h = _marker_size(text)
            spot = Marker(text, x, y, w, h)
        taken.append(_Box(spot.x - spot.width / 2, spot.y - spot.height / 2, spot.width, spot.height))
        placed.append(spot)
    return placed


def _marker_spot(
    text: str,
    points: list[tuple[float, float, float]],
    mask: int,
    geometry: _Geometry,
    taken: list[_Box],
) -> Marker | None:
    w, h = _marker_size(text)
    need = h / 2 + 0.4
    for clear, x, y in points:
        if clear < need:
            break
        box = _Box(x - w / 2, y - h / 2, w, h)
        if any(box.overlaps(other, 0.7) for other in taken):
            continue
        if w > h and not (
            geometry.inside(box.x + h / 2, y, mask, need)
            and geometry.inside(box.x + w - h / 2, y, mask, need)
        ):
            continue
        return Marker(text, x, y, w, h)
    return None


def _groups(bollen: list[dict[str, str]], horizons: list[dict[str, str]], items: list[_Entry]) -> list[Group]:
    """Entries grouped by their bollen (single bollen first, then overlaps), with horizons in words."""
    labels = [b["label"] for b in bollen]
    by_mask: dict[int, list[_Entry]] = {}
    for item in items:
        by_mask.setdefault(item.mask, []).append(item)
    groups = []
    for mask in sorted(by_mask, key=lambda m: (bin(m).count("1") or 99, _bits(m))):
        where = " + ".join(labels[i] for i in _bits(mask)) or "geen bol"
        described = []
        for item in by_mask[mask]:
            words = ", ".join(horizons[h]["label"].lower() for h in item.horizons)
            described.append(f"{item.text} ({words})" if words else item.text)
        groups.append(Group(where, described))
    return groups


def _alt_text(title: str, bollen: list[dict[str, str]], groups: list[Group]) -> str:
    """The figure in words: its bollen, then every entry grouped by the bollen it belongs to."""
    n = len(bollen)
    labels = ", ".join(b["label"] for b in bollen)
    sentences = [f"{title}: {_COUNT_WORDS.get(n, str(n))} bollen ({labels})."]
    if not groups:
        sentences.append("Zonder inbreng.")
    for group in groups:
        sentences.append(f"{group.where}: {'; '.join(group.entries)}.")
    return " ".join(sentences)


# ---------------------------------------------------------------------------------------------
# Drawing


def _symbol_svg(s: Symbol) -> str:
    h = s.size / 2
    if s.shape == "disc":
        return f'<circle cx="{s.x:.2f}" cy="{s.y:.2f}" r="{h:.2f}" fill="{INK}"/>'
    if s.shape == "ring":
        return (
            f'<circle cx="{s.x:.2f}" cy="{s.y:.2f}" r="{h - 0.25:.2f}" '
            f'fill="none" stroke="{INK}" stroke-width="0.5"/>'
        )
    if s.shape == "square":
        return (
            f'<rect x="{s.x - h * 0.9:.2f}" y="{s.y - h * 0.9:.2f}" '
            f'width="{h * 1.8:.2f}" height="{h * 1.8:.2f}" fill="{INK}"/>'
        )
    if s.shape == "open-square":
        return (
            f'<rect x="{s.x - h * 0.8:.2f}" y="{s.y - h * 0.8:.2f}" '
            f'width="{h * 1.6:.2f}" height="{h * 1.6:.2f}" '
            f'fill="none" stroke="{INK}" stroke-width="0.5"/>'
        )
    points = " ".join(f"{x:.2f},{y:.2f}" for x, y in _polygon(s))
    return f'<polygon points="{points}" fill="{INK}"/>'


def _polygon(s: Symbol) -> list[tuple[float, float]]:
    h = s.size / 2
    if s.shape == "triangle":
        return [(s.x, s.y - h * 1.05), (s.x + h * 1.05, s.y + h * 0.8), (s.x - h * 1.05, s.y + h * 0.8)]
    return [(s.x, s.y - h * 1.15), (s.x + h, s.y), (s.x, s.y + h * 1.15), (s.x - h, s.y)]  # diamond


def to_svg(figure: Figure, text: bool = True) -> str:
    """The figure as an SVG element (units: mm); its <title> is the text alternative.

    ``text=False`` leaves out the words, for ``to_html`` to set them as HTML text.
    """
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="figure-svg" role="img" '
        f'width="{figure.width:.2f}mm" height="{figure.height:.2f}mm" '
        f'viewBox="0 0 {figure.width:.2f} {figure.height:.2f}">',
        f"<title>{escape(figure.alt)}</title>",
    ]
    for c in figure.circles:
        out.append(
            f'<circle cx="{c.cx:.2f}" cy="{c.cy:.2f}" r="{c.r:.2f}" fill="{c.color}" '
            f'fill-opacity="{FILL_OPACITY}" stroke="{c.color}" stroke-width="0.55"/>'
        )
    for s in figure.symbols:
        out.append(_symbol_svg(s))
    for m in figure.markers:
        rx = m.height / 2
        out.append(
            f'<rect x="{m.x - m.width / 2:.2f}" y="{m.y - m.height / 2:.2f}" width="{m.width:.2f}" '
            f'height="{m.height:.2f}" rx="{rx:.2f}" ry="{rx:.2f}" fill="{INK}"/>'
        )
        if not text:
            continue
        tw = text_width(m.text, MARKER_SIZE, weight=700)
        out.append(
            f'<text x="{m.x - tw / 2:.2f}" y="{m.y + MARKER_SIZE * 0.35:.2f}" font-family="{SANS}" '
            f'font-size="{MARKER_SIZE:.2f}" font-weight="700" fill="#ffffff">{escape(m.text)}</text>'
        )
    for t in figure.texts if text else []:
        out.append(
            f'<text x="{t.x:.2f}" y="{t.y:.2f}" font-family="{SANS}" font-size="{t.size:.2f}" '
            f'font-weight="{t.weight}" fill="{t.color}">{escape(t.text)}</text>'
        )
    out.append("</svg>")
    return "\n".join(out)


def to_html(figure: Figure) -> str:
    """The figure for the PDF: the SVG drawing, with its words laid over it as HTML text.

    WeasyPrint sets SVG text one letter at a time (slow, no kerning, words run together
    when the PDF is read back); HTML text is set as text. Positions are the layout's.
    """
    parts = [
        f'<div class="figure-canvas" style="width: {figure.width:.2f}mm; height: {figure.height:.2f}mm">',
        to_svg(figure, text=False),
    ]
    for t in figure.texts:
        top = t.y - baseline_offset(weight=t.weight) * t.size
        # an explicit width spares WeasyPrint a shrink-to-fit measurement per span
        width = text_width(t.text, t.size, weight=t.weight) + 1.0
        parts.append(
            f'<span class="figure-text" style="left: {t.x:.2f}mm; top: {top:.2f}mm; width: {width:.2f}mm; '
            f'font-size: {t.size:.3f}mm; font-weight: {t.weight}; color: {t.color}">{escape(t.text)}</span>'
        )
    for m in figure.markers:
        top = m.y + MARKER_SIZE * 0.35 - baseline_offset(weight=700) * MARKER_SIZE
        left = m.x - m.width / 2
        parts.append(
            f'<span class="figure-text figure-marker" style="left: {left:.2f}mm; top: {top:.2f}mm; '
            f'width: {m.width:.2f}mm; font-size: {MARKER_SIZE:.3f}mm">{escape(m.text)}</span>'
        )
    parts.append("</div>")
    return "\n".join(parts)


def to_png(figure: Figure, dpi: int = 200) -> bytes:
    """The same figure as a PNG (for the DOCX), drawn with Pillow from the same layout."""
    from PIL import Image, ImageDraw, ImageFont

    scale = dpi / 25.4
    size = (max(1, round(figure.width * scale)), max(1, round(figure.height * scale)))
    image = Image.new("RGBA", size, (255, 255, 255, 255))
    for c in figure.circles:
        layer = Image.new("RGBA", size, (0, 0, 0, 0))
        draw = ImageDraw.Draw(layer)
        box = [(c.cx - c.r) * scale, (c.cy - c.r) * scale, (c.cx + c.r) * scale, (c.cy + c.r) * scale]
        draw.ellipse(box, fill=_rgb(c.color) + (round(255 * FILL_OPACITY),))
        image.alpha_composite(layer)
    draw = ImageDraw.Draw(image)
    for c in figure.circles:
        box = [(c.cx - c.r) * scale, (c.cy - c.r) * scale, (c.cx + c.r) * scale, (c.cy + c.r) * scale]
        draw.ellipse(box, outline=_rgb(c.color), width=max(1, round(0.55 * scale)))

    fonts: dict[tuple[int, float], ImageFont.FreeTypeFont] = {}

    def font(weight: int, size: float) -> ImageFont.FreeTypeFont:
        key = (weight, round(size * scale, 1))
        if key not in fonts:
            fonts[key] = ImageFont.truetype(str(font_path(SANS, weight)), key[1])
        return fonts[key]

    ink = _rgb(INK)
    for s in figure.symbols:
        h = s.size / 2 * scale
        x, y = s.x * scale, s.y * scale
        line = max(1, round(0.5 * scale))
        if s.shape == "disc":
            draw.ellipse([x - h, y - h, x + h, y + h], fill=ink)
        elif s.shape == "ring":
            draw.ellipse([x - h, y - h, x + h, y + h], outline=ink, width=line)
        elif s.shape == "square":
            draw.rectangle([x - h * 0.9, y - h * 0.9, x + h * 0.9, y + h * 0.9], fill=ink)
        elif s.shape == "open-square":
            draw.rectangle([x - h * 0.8, y - h * 0.8, x + h * 0.8, y + h * 0.8], outline=ink, width=line)
        else:
            draw.polygon([(px * scale, py * scale) for px, py in _polygon(s)], fill=ink)
    for m in figure.markers:
        box = [
            (m.x - m.width / 2) * scale,
            (m.y - m.height / 2) * scale,
            (m.x + m.width / 2) * scale,
            (m.y + m.height / 2) * scale,
        ]
        draw.rounded_rectangle(box, radius=m.height / 2 * scale, fill=ink)
        draw.text(
            (m.x * scale, m.y * scale), m.text, font=font(700, MARKER_SIZE), fill="#ffffff", anchor="mm"
        )
    for t in figure.texts:
        draw.text(
            (t.x * scale, t.y * scale), t.text, font=font(t.weight, t.size), fill=_rgb(t.color), anchor="ls"
        )
    out = BytesIO()
    image.convert("RGB").save(out, format="PNG", dpi=(dpi, dpi))
    return out.getvalue()


def _rgb(color: str) -> tuple[int, int, int]:
    return tuple(int(color[i : i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]
