"""One geometry for the bollen figure: the browser's diagram (static/js/bollen-layout.js, run
here under Node) and the annex's figure (facilitator/export/figure/) put the same circles, in
the same order and colours, in the same places (relative to their radius)."""

from __future__ import annotations

import json
import math
import shutil
import subprocess
from pathlib import Path

import pytest

from facilitator import bollen_geometry, palette
from facilitator.export.figure import geometry, layout
from facilitator.rules import LIMITS

ROOT = Path(__file__).resolve().parent.parent
COUNTS = range(LIMITS["bollen_min"], LIMITS["bollen_max"] + 1)

# the browser's layout of an empty figure for every number of bollen, as plain data
BROWSER = """
const { layoutBollen } = await import(process.argv[1]);
const out = {};
for (let n = %(min)d; n <= %(max)d; n++) {
  const bollen = Array.from({ length: n }, (_, i) => ({ key: `b${i}`, label: `Bol ${i}` }));
  const figure = layoutBollen({ bollen, horizons: [] }, []);
  out[n] = figure.circles.map((c, i) => ({ x: c.cx / c.r, y: c.cy / c.r, color: figure.labels[i].color.line }));
}
process.stdout.write(JSON.stringify(out));
"""


def test_the_browser_module_is_generated_from_the_python_geometry():
    js = (ROOT / "static/js/bollen-geometry.js").read_text(encoding="utf-8")
    assert js == bollen_geometry.js_module(), (
        "run: python -m facilitator.bollen_geometry > static/js/bollen-geometry.js"
    )


def test_the_geometry_keeps_every_overlap_reachable():
    assert (bollen_geometry.MIN_BOLLEN, bollen_geometry.MAX_BOLLEN) == (2, 8)
    for n in COUNTS:
        centres = bollen_geometry.CENTRES[n]
        assert len(centres) == n
        # the middle lies inside every circle, so that all of them overlap there
        assert all(math.hypot(x, y) < 1 for x, y in centres)
        assert all(
            math.isclose(math.hypot(x, y), bollen_geometry.SPREAD[n], abs_tol=1e-5) for x, y in centres
        )
        # the first circle is left of the top, the second right of it (clockwise, y down)
        assert centres[0][0] < 0 and centres[0][1] <= 0 and centres[1][0] > 0


def test_the_annex_figure_uses_the_one_geometry():
    for n in COUNTS:
        centres, r = geometry.circle_centres(n)
        flat = [v / r for centre in centres for v in centre]
        assert flat == pytest.approx([v for centre in bollen_geometry.CENTRES[n] for v in centre], abs=1e-9)
        bollen = [{"key": f"b{i}", "label": f"Bol {i}"} for i in range(n)]
        figure = layout("Tafel", bollen, [], [])
        assert [c.color for c in figure.circles] == [c.line for c in palette.PALETTE[:n]]


def test_the_browser_diagram_and_the_annex_figure_put_the_circles_alike():
    if not shutil.which("node"):
        pytest.fail("node not found: the browser's layout is tested under Node")
    script = BROWSER % {"min": LIMITS["bollen_min"], "max": LIMITS["bollen_max"]}
    done = subprocess.run(
        ["node", "--input-type=module", "-e", script, (ROOT / "static/js/bollen-layout.js").as_uri()],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    browser = json.loads(done.stdout)
    for n in COUNTS:
        bollen = [{"key": f"b{i}", "label": f"Bol {i}"} for i in range(n)]
        annex = layout("Tafel", bollen, [], [])
        # the annex moves its figure to start at its margin: compare around the circles' middle
        mx = sum(c.cx for c in annex.circles) / n
        my = sum(c.cy for c in annex.circles) / n
        in_annex = [{"x": (c.cx - mx) / c.r, "y": (c.cy - my) / c.r, "color": c.color} for c in annex.circles]
        in_browser = browser[str(n)]
        assert [c["color"] for c in in_browser] == [c["color"] for c in in_annex], n
        for a, b in zip(in_annex, in_browser, strict=True):
            assert (a["x"], a["y"]) == pytest.approx((b["x"], b["y"]), abs=1e-6), n
