"""Placing a region's entries: as labels where they fit, else as numbered markers."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..fonts import text_width
from .geometry import Box, Geometry
from .model import (
    EDGE,
    LABEL_LINE,
    LABEL_MAX_LINES,
    LABEL_MAX_WIDTH,
    LABEL_SIZE,
    MARKER_RADIUS,
    MARKER_SIZE,
    SHAPES,
    SYMBOL,
    SYMBOL_GAP,
    Marker,
    Symbol,
    Text,
)


@dataclass
class Item:
    """An entry to place: its text, the mask of its bollen, its horizons' indexes."""

    index: int
    text: str
    mask: int
    horizons: list[int]


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


def _fits(box: Box, mask: int, geometry: Geometry, taken: list[Box]) -> bool:
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
    item: Item
    lines: list[str]
    lead: float
    w: float
    h: float


def _measure_label(item: Item) -> _Label | None:
    lead = len(item.horizons) * (SYMBOL + SYMBOL_GAP) + (0.4 if item.horizons else 0.0)
    lines = _wrap(item.text, LABEL_MAX_WIDTH - lead, LABEL_MAX_WIDTH)
    if not lines:
        return None
    widths = [text_width(line, LABEL_SIZE) + (lead if i == 0 else 0.0) for i, line in enumerate(lines)]
    return _Label(item, lines, lead, max(widths), LABEL_LINE * len(lines))


def place_labels(
    items: list[Item],
    mask: int,
    points: list[tuple[float, float, float]],
    geometry: Geometry,
    taken: list[Box],
    texts: list[Text],
    symbols: list[Symbol],
) -> list[Item]:
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
                boxes.append(Box(left, top, lab.w, lab.h))
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
    geometry: Geometry,
    taken: list[Box],
    texts: list[Text],
    symbols: list[Symbol],
) -> bool:
    need = min(lab.w, lab.h) / 2 + EDGE
    for clear, x, y in points[:800]:
        if clear < need:
            break
        box = Box(x - lab.w / 2, y - lab.h / 2, lab.w, lab.h)
        if _fits(box, mask, geometry, taken):
            _commit_label(lab, box, taken, texts, symbols)
            return True
    return False


def _commit_label(lab: _Label, box: Box, taken: list[Box], texts: list[Text], symbols: list[Symbol]) -> None:
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


def place_markers(
    numbers: list[int],
    points: list[tuple[float, float, float]],
    mask: int,
    geometry: Geometry,
    taken: list[Box],
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
        taken.append(Box(spot.x - spot.width / 2, spot.y - spot.height / 2, spot.width, spot.height))
        pending.pop(0)
    if pending:
        # no room for one marker each: the last one placed and the rest become a range
        first = numbers[len(placed) - 1] if placed else numbers[0]
        if placed:
            gone = placed.pop()
            taken.remove(Box(gone.x - gone.width / 2, gone.y - gone.height / 2, gone.width, gone.height))
        text = f"{first}–{numbers[-1]}" if first != numbers[-1] else str(first)
        spot = _marker_spot(text, points, mask, geometry, taken)
        if spot is None:  # a sliver of a region: put it where it is widest, overlap or not
            _, x, y = points[0] if points else (0.0, 0.0, 0.0)
            w, h = _marker_size(text)
            spot = Marker(text, x, y, w, h)
        taken.append(Box(spot.x - spot.width / 2, spot.y - spot.height / 2, spot.width, spot.height))
        placed.append(spot)
    return placed


def _marker_spot(
    text: str,
    points: list[tuple[float, float, float]],
    mask: int,
    geometry: Geometry,
    taken: list[Box],
) -> Marker | None:
    w, h = _marker_size(text)
    need = h / 2 + 0.4
    for clear, x, y in points:
        if clear < need:
            break
        box = Box(x - w / 2, y - h / 2, w, h)
        if any(box.overlaps(other, 0.7) for other in taken):
            continue
        if w > h and not (
            geometry.inside(box.x + h / 2, y, mask, need)
            and geometry.inside(box.x + w - h / 2, y, mask, need)
        ):
            continue
        return Marker(text, x, y, w, h)
    return None
