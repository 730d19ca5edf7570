"""The circles' geometry: where they sit, which region a point is in, and how far from a rim."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

from ...bollen_geometry import CENTRES, MAX_BOLLEN, MIN_BOLLEN
from .model import GRID, Circle


@dataclass
class Box:
    x: float
    y: float
    w: float
    h: float

    def overlaps(self, other: Box, pad: float) -> bool:
        return not (
            self.x + self.w + pad <= other.x
            or other.x + other.w + pad <= self.x
            or self.y + self.h + pad <= other.y
            or other.y + other.h + pad <= self.y
        )


# the circles' radius in the annex at full size, in millimetres, by the number of bollen (the
# figure shrinks from there until it fits the page; the text keeps its size)
RADIUS = {2: 40.0, 3: 40.0, 4: 38.0, 5: 38.0, 6: 35.0, 7: 35.0, 8: 35.0}


def circle_centres(n: int, scale: float = 1.0) -> tuple[list[tuple[float, float]], float]:
    """Centres and radius: the one arrangement of the web and the annex (facilitator/bollen_geometry.py)."""
    n = min(MAX_BOLLEN, max(MIN_BOLLEN, n))
    r = RADIUS[n] * scale
    return [(x * r, y * r) for x, y in CENTRES[n]], r


class Geometry:
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


@functools.lru_cache(maxsize=16)
def region_points(n: int, scale: float) -> dict[int, list[tuple[float, float, float]]]:
    """Sample the plane once per number of bollen: each point's region and distance to a rim.

    Points are sorted by that distance, largest first: the best places come first. The
    result is shared between figures (the same template draws the same circles), read only.
    """
    centres, r = circle_centres(n, scale)
    geometry = Geometry([Circle("", "", x, y, r, "") for x, y in centres])
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


def bits(mask: int) -> list[int]:
    return [i for i in range(mask.bit_length()) if mask >> i & 1]


def unit(x: float, y: float) -> tuple[float, float]:
    length = math.hypot(x, y) or 1.0
    return x / length, y / length
