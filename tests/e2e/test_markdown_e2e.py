"""The browser's Markdown renderer (static/js/markdown.js) in headless Chromium: with a real
document it draws the shared fixtures as the annex does, and it takes time linear in the text.

The renderer that was once quadratic is kept as tests/e2e/markdown_reference.js, to show that
the timing test can fail. Pages are served from a made-up origin by Playwright's router, so no
server process is needed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_markdown_grammar import CASES, expected, typed

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
ORIGIN = "http://markdown.test"
FILES = {
    "/static/js/markdown.js": REPO / "static" / "js" / "markdown.js",
    "/static/js/markdown-grammar.js": REPO / "static" / "js" / "markdown-grammar.js",
    "/static/vendor/markdown-it.js": REPO / "static" / "vendor" / "markdown-it.js",
    "/serialize.js": REPO / "tests" / "markdown_serialize.mjs",
    "/reference.js": Path(__file__).resolve().parent / "markdown_reference.js",
}
PAGE = (
    '<!doctype html><html lang="nl"><head><meta charset="utf-8"><title>md</title></head><body></body></html>'
)

# one long paragraph (single line breaks) with markers that never close: the old renderer
# looked for a closing marker again from every opening one
LONG_PARAGRAPH = "Een *nadruk zonder einde en **vet zonder einde, zo doorgetypt.\n"

DRAW = """async (texts) => {
  const { renderMarkdown } = await import("/static/js/markdown.js");
  const { serialize } = await import("/serialize.js");
  return texts.map((text) => serialize(renderMarkdown(text, document)));
}"""

TIMING = """async ({block, sizes, repeats, inner, which}) => {
  const module = await import(which === "reference" ? "/reference.js" : "/static/js/markdown.js");
  const texts = sizes.map((size) => block.repeat(Math.ceil(size / block.length)).slice(0, size));
  const runs = sizes.map(() => []);
  // the sizes in turn, not one after the other: the first runs are the JIT's coldest, and on a
  // loaded machine they stayed cold for all the small size's runs (30k at 3x its time, once)
  for (let r = 0; r < repeats; r += 1) {
    texts.forEach((text, i) => {
      const started = performance.now();
      for (let k = 0; k < inner; k += 1) {
        const div = document.createElement("div");
        div.append(module.renderMarkdown(text, document));
      }
      runs[i].push((performance.now() - started) / inner);
    });
  }
  const seconds = {};
  sizes.forEach((size, i) => {
    seconds[size] = Math.min(...runs[i]) / 1000;  // the fastest run: the least disturbed by other work
  });
  return seconds;
}"""

# time(240k) / time(30k): about 8 for a linear renderer, up to 64 for a quadratic one (less
# where its linear part still dominates at 30k: 4x the text once gave only 6.5x the time, so
# the sizes lie 8x apart to leave room on both sides of the threshold, their geometric mean)
SIZES = [30_000, 240_000]
GROWTH_LIMIT = (8 * 64) ** 0.5


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    def serve(route):
        path = route.request.url.removeprefix(ORIGIN).split("?")[0]
        if path in FILES:
            route.fulfill(body=FILES[path].read_text(), content_type="text/javascript; charset=utf-8")
        elif path == "/":
            route.fulfill(body=PAGE, content_type="text/html; charset=utf-8")
        else:
            route.fulfill(status=404, body="")

    page.route(f"{ORIGIN}/**", serve)
    page.goto(f"{ORIGIN}/")
    yield page
    context.close()
    assert not errors, errors


def test_a_real_document_gets_the_fixtures_as_the_annex_draws_them(page):
    """The same blocks in Chromium's DOM as under Node (tests/test_markdown_grammar.py)."""
    drawn = page.evaluate(DRAW, [typed(name) for name in CASES])
    assert dict(zip(CASES, drawn, strict=True)) == {name: expected(name) for name in CASES}


def test_renderer_time_grows_linearly_with_the_text(page):
    """30 000 and 240 000 characters: eight times the text takes about eight times as long, not 64.

    The threshold lies between the two growths (the geometric mean of 8 and 64), so that
    the noise of a loaded machine moves neither across it.
    """
    sizes = SIZES
    seconds = page.evaluate(
        TIMING, {"block": LONG_PARAGRAPH, "sizes": sizes, "repeats": 5, "inner": 10, "which": "current"}
    )
    small, large = seconds[str(sizes[0])], seconds[str(sizes[1])]
    ratio = large / max(small, 1e-4)
    assert ratio < GROWTH_LIMIT, f"30k: {small:.4f} s, 240k: {large:.4f} s, ratio {ratio:.2f}"


def test_the_timing_test_does_catch_a_quadratic_renderer(page):
    """The same measurement on the old renderer shows its quadratic growth: the test above can fail."""
    sizes = SIZES
    seconds = page.evaluate(
        TIMING, {"block": LONG_PARAGRAPH, "sizes": sizes, "repeats": 5, "inner": 1, "which": "reference"}
    )
    small, large = seconds[str(sizes[0])], seconds[str(sizes[1])]
    assert large / small > GROWTH_LIMIT, f"30k: {small:.4f} s, 240k: {large:.4f} s, ratio {large / small:.1f}"
