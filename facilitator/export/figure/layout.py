"""Laying out a table's figure: circles, their names, every entry, the horizon key."""

from __future__ import annotations

from ...meeting_data import TemplateItem
from ..fonts import text_width
from ..language import translator
from .geometry import Box, Geometry, bits, circle_centres, region_points, unit
from .model import (
    BOL_LABEL_SIZE,
    INKS,
    KEY_SIZE,
    MARKER_RADIUS,
    MAX_WIDTH,
    MUTED,
    PAD,
    PALETTE,
    SHAPES,
    SYMBOL,
    Circle,
    Figure,
    Group,
    LegendItem,
    Marker,
    Symbol,
    Text,
)
from .placement import Item, place_labels, place_markers


def _count_words(lang: str) -> dict[int, str]:
    """Number words for the text alternative."""
    _ = translator(lang)
    return {2: _("twee"), 3: _("drie"), 4: _("vier"), 5: _("vijf"), 6: _("zes"), 7: _("zeven"), 8: _("acht")}


def layout(
    title: str,
    bollen: list[TemplateItem],
    horizons: list[TemplateItem],
    entries: list[tuple[str, list[str], list[str]]],
    max_width: float = MAX_WIDTH,
    lang: str = "nl",
) -> Figure:
    """Lay out a table's figure: entries are (text, bol keys, horizon keys).

    The circles shrink (the text does not) until the figure fits ``max_width``. The words
    around the user's text (the legend's "no circle", the text alternative) are in ``lang``.
    """
    scale = 1.0
    while True:
        figure = _layout(title, bollen, horizons, entries, scale, lang)
        if figure.width <= max_width or scale < 0.6:
            return figure
        scale = round(scale * 0.92, 3)


def _layout(
    title: str,
    bollen: list[TemplateItem],
    horizons: list[TemplateItem],
    entries: list[tuple[str, list[str], list[str]]],
    scale: float,
    lang: str = "nl",
) -> Figure:
    _ = translator(lang)
    no_bol = _("geen bol")
    n = len(bollen)
    centres, r = circle_centres(n, scale)
    circles = [
        Circle(b["key"], b["label"], x, y, r, PALETTE[i % len(PALETTE)])
        for i, (b, (x, y)) in enumerate(zip(bollen, centres, strict=True))
    ]
    geometry = Geometry(circles)
    bol_index = {b["key"]: i for i, b in enumerate(bollen)}
    horizon_index = {h["key"]: i for i, h in enumerate(horizons)}
    items = [
        Item(
            i,
            " ".join(text.split()),
            sum(1 << bol_index[k] for k in set(keys) if k in bol_index),
            sorted({horizon_index[k] for k in hkeys if k in horizon_index}),  # template order
        )
        for i, (text, keys, hkeys) in enumerate(entries)
    ]

    texts: list[Text] = []
    symbols: list[Symbol] = []
    taken: list[Box] = []

    # bol labels outside their circle, pointing away from the middle
    for i, c in enumerate(circles):
        dx, dy = _label_direction(n, i, c)
        w = text_width(c.label, BOL_LABEL_SIZE, weight=600)
        px, py = c.cx + (c.r + 2.2) * dx, c.cy + (c.r + 2.2) * dy
        x = px - w if dx < -0.35 else px if dx > 0.35 else px - w / 2
        y = py if dy < -0.35 else py + BOL_LABEL_SIZE * 0.75 if dy > 0.35 else py + BOL_LABEL_SIZE * 0.35
        texts.append(Text(c.label, x, y, BOL_LABEL_SIZE, 600, INKS[c.color]))
        taken.append(Box(x, y - BOL_LABEL_SIZE * 0.8, w, BOL_LABEL_SIZE))

    min_x = min(c.cx - c.r for c in circles)
    max_x = max(c.cx + c.r for c in circles)
    max_y = max(c.cy + c.r for c in circles)

    regions = region_points(n, scale)

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

    region_order = sorted(set(placement.values()), key=lambda m: (bin(m).count("1"), bits(m)))
    by_region = {m: [it for it in items if placement[it.index] == m] for m in region_order}

    # labels first, where they fit; whatever does not fit becomes a marker
    as_marker: list[Item] = []
    for m, members in by_region.items():
        as_marker.extend(it for it in members if not exact[it.index])
        labelled = [it for it in members if exact[it.index]]
        if labelled:
            as_marker.extend(place_labels(labelled, m, regions[m], geometry, taken, texts, symbols))

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
                    else " + ".join(bollen[i]["label"] for i in bits(item.mask)) or no_bol,
                )
            )
        markers.extend(place_markers(numbers, regions[m], m, geometry, taken))

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

    groups = _groups(bollen, horizons, items, no_bol)
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
        alt=_alt_text(title, bollen, groups, lang),
        entry_count=len(items),
    )


def _label_direction(n: int, i: int, c: Circle) -> tuple[float, float]:
    """Where a bol's name goes: above (two bollen), above/below (three), outward (a ring)."""
    if n == 2:
        return 0.0, -1.0
    if n == 3:
        return ((-0.42, -0.91), (0.42, -0.91), (0.0, 1.0))[i]
    return unit(c.cx, c.cy)


def _groups(
    bollen: list[TemplateItem], horizons: list[TemplateItem], items: list[Item], no_bol: str
) -> list[Group]:
    """Entries grouped by their bollen (single bollen first, then overlaps), with horizons in words."""
    labels = [b["label"] for b in bollen]
    by_mask: dict[int, list[Item]] = {}
    for item in items:
        by_mask.setdefault(item.mask, []).append(item)
    groups = []
    for mask in sorted(by_mask, key=lambda m: (bin(m).count("1") or 99, bits(m))):
        where = " + ".join(labels[i] for i in bits(mask)) or no_bol
        described = []
        for item in by_mask[mask]:
            words = ", ".join(horizons[h]["label"].lower() for h in item.horizons)
            described.append(f"{item.text} ({words})" if words else item.text)
        groups.append(Group(where, described))
    return groups


def _alt_text(title: str, bollen: list[TemplateItem], groups: list[Group], lang: str) -> str:
    """The figure in words: its bollen, then every entry grouped by the bollen it belongs to."""
    _ = translator(lang)
    n = len(bollen)
    labels = ", ".join(b["label"] for b in bollen)
    count = _count_words(lang).get(n, str(n))
    first = _("%(title)s: %(count)s bollen (%(labels)s).")
    sentences = [first % {"title": title, "count": count, "labels": labels}]
    if not groups:
        sentences.append(_("Zonder inbreng."))
    for group in groups:
        sentences.append(f"{group.where}: {'; '.join(group.entries)}.")
    return " ".join(sentences)
