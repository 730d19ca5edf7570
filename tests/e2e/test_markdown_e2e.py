"""The browser's Markdown renderer (static/js/markdown.js) in headless Chromium: it takes time
linear in the text, and it draws exactly what the renderer it replaced drew.

The old renderer is kept as tests/e2e/markdown_reference.js. Pages are served from a made-up
origin by Playwright's router, so no server process is needed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
ORIGIN = "http://markdown.test"
FILES = {
    "/markdown.js": REPO / "static" / "js" / "markdown.js",
    "/reference.js": Path(__file__).resolve().parent / "markdown_reference.js",
}
PAGE = (
    '<!doctype html><html lang="nl"><head><meta charset="utf-8"><title>md</title></head><body></body></html>'
)

# the shapes that made the old renderer quadratic, and an ordinary report, mixed
BLOCK = (
    "Een alinea met **vet**, *schuin* en een los sterretje * hier, en ** daar.\n"
    "- een punt met *nadruk\n"
    "- nog een punt ** zonder einde\n\n"
    "1. genummerd a *b **c\n"
    "2. ***drie*** en * * *\n\n"
)

# one long paragraph (single line breaks) with markers that never close: the old renderer
# looked for a closing marker again from every opening one
LONG_PARAGRAPH = "Een *nadruk zonder einde en **vet zonder einde, zo doorgetypt.\n"

EXAMPLES = [
    "",
    "gewoon tekst",
    "**vet** en *schuin*",
    "***beide***",
    "**vet *met schuin* erin**",
    "*schuin **met vet** erin*",
    "** geen vet**",
    "**geen vet **",
    "* geen schuin*",
    "*geen schuin *",
    "a*b*c",
    "a**b**c",
    "****",
    "** **",
    "*a**",
    "**a*",
    "*\n*",
    "*a\nb*",
    "**a\n\nb**",
    "- een\n- twee\n\n- drie",
    "1. een\n2. twee\n\n7) zeven",
    "- punt\nvervolg\n\nalinea",
    "  - ingesprongen\n    1. dieper",
    "<b>geen html</b> & &amp;",
    "\u00a0*\u00a0a*",
    "*\u2028a*",
    "regel\r\nregel\rregel",
    "😀 *emoji😀* **😀**",
    BLOCK * 3,
    LONG_PARAGRAPH * 20,
]

SCRIPT = """async ({examples, randomCount}) => {
  const current = await import("/markdown.js");
  const reference = await import("/reference.js");
  const draw = (module, text) => {
    const div = document.createElement("div");
    div.append(module.renderMarkdown(text, document));
    return div.innerHTML;
  };
  const inputs = [...examples];
  // many small random texts made of the characters that matter
  const pieces = ["*", "*", "**", "***", " ", "a", "b", "\\n", "\\n\\n", "- ", "1. ", "\\u00a0", "\\t", "x*", "*y", "<i>"];
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let k = 0; k < randomCount; k += 1) {
    let text = "";
    const length = Math.floor(random() * 16);
    for (let q = 0; q < length; q += 1) text += pieces[Math.floor(random() * pieces.length)];
    inputs.push(text);
  }
  const differences = [];
  for (const text of inputs) {
    const want = draw(reference, text);
    const got = draw(current, text);
    if (want !== got) differences.push({ text, want, got });
  }
  return { count: inputs.length, differences: differences.slice(0, 5) };
}"""

TIMING = """async ({block, sizes, repeats, inner, which}) => {
  const module = await import(which === "reference" ? "/reference.js" : "/markdown.js");
  const seconds = {};
  for (const size of sizes) {
    const text = block.repeat(Math.ceil(size / block.length)).slice(0, size);
    const runs = [];
    for (let r = 0; r < repeats; r += 1) {
      const started = performance.now();
      for (let k = 0; k < inner; k += 1) {
        const div = document.createElement("div");
        div.append(module.renderMarkdown(text, document));
      }
      runs.push((performance.now() - started) / inner);
    }
    runs.sort((a, b) => a - b);
    seconds[size] = runs[0] / 1000;  // the fastest run: the least disturbed by other work
  }
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


def test_renderer_draws_what_the_old_renderer_drew(page):
    outcome = page.evaluate(SCRIPT, {"examples": EXAMPLES, "randomCount": 20000})
    assert outcome["count"] == len(EXAMPLES) + 20000
    assert outcome["differences"] == []


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
