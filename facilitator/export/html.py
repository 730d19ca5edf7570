"""The annex as HTML for WeasyPrint: a dedicated template (templates/annex/) fed plain data.

The template has its own Jinja environment with autoescaping on, so it needs no request and
no app; user text reaches it only as escaped text or through richtext/figure, which escape
every character themselves.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

import jinja2
from markupsafe import Markup

from . import figure, richtext
from .annex import Annex, AnnexStyle, Words, cleaned
from .fonts import REPO_ROOT, font_face_css, logo_url
from .parts import planned

TEMPLATE_DIR = REPO_ROOT / "templates"


@functools.lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The annex's own Jinja environment: autoescape on, undefined names are errors."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=jinja2.select_autoescape(["html"], default_for_string=True, default=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=False,
    )
    # `<li{{ text | dir_attr }}>`: dir="rtl" on a user text that reads right-to-left
    env.filters["dir_attr"] = lambda text: Markup(richtext.dir_attribute(str(text)))  # noqa: S704 - a constant
    return env


def css_string(text: str) -> str:
    """A CSS string literal holding text (quotes, backslashes, newlines and "<" escaped)."""
    out = []
    for ch in text:
        if ch in '"\\<>' or ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\{ord(ch):x} ")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def page_css(words: Words) -> str:
    """The page counter in the annex's words: "pagina 3 van 12"."""
    before, between = css_string(words.page + " "), css_string(" " + words.of + " ")
    return f"@page {{ @bottom-right {{ content: {before} counter(page) {between} counter(pages); }} }}"


def style_css(style: AnnexStyle | None) -> str:
    """The house style's accent on headings and rules (a validated #rrggbb, checked again here)."""
    if style is None or not re.fullmatch(r"#[0-9a-fA-F]{6}", style.accent):
        return ""
    accent = style.accent
    return (
        f"h1, .round-table > h2, .organisation, .questions-heading {{ color: {accent}; }}\n"
        f".round-table > h2 {{ border-bottom-color: {accent}; }}\n"
        f"table.meta {{ border-top-color: {accent}; }}\n"
        f".cover-bar {{ background: {accent}; }}\n"
        f".legend-number {{ background: {accent}; }}"
    )


# Markup() below only ever wraps HTML that this package made and escaped itself:
# richtext.to_html and figure.to_svg escape every user character, the template is
# rendered with autoescape on, and the CSS is ours.


def table_html(annex: Annex, index: int) -> Markup:
    """One table's section of the annex."""
    table = annex.tables[index]
    report = richtext.to_html(table.report)
    feedback = richtext.to_html(table.feedback) if table.feedback.strip() else ""
    drawing = figure.to_html(table.figure) if table.figure else ""
    round_drawings = [Markup(figure.to_html(r.figure)) if r.figure else "" for r in table.rounds]  # noqa: S704 - escaped by figure.to_html
    round_reports = [Markup(richtext.to_html(r.report)) if r.report.strip() else "" for r in table.rounds]  # noqa: S704 - escaped by richtext
    rendered = (
        environment()
        .get_template("annex/_table.html")
        .render(
            annex=annex,
            table=table,
            report_html=Markup(report),  # noqa: S704 - escaped by richtext
            feedback_html=Markup(feedback),  # noqa: S704 - escaped by richtext
            drawing=Markup(drawing),  # noqa: S704 - escaped by figure.to_html
            round_drawings=round_drawings,
            round_reports=round_reports,
        )
    )
    return Markup(rendered)  # noqa: S704 - rendered with autoescape on


def annex_html(annex: Annex, on_table: Callable[[int, int], None] | None = None) -> str:
    """The whole annex as one HTML document."""
    return annex_documents(annex, 1, on_table)[0]


def annex_documents(
    annex: Annex, parts: int, on_table: Callable[[int, int], None] | None = None
) -> list[str]:
    """The annex as ``parts`` HTML documents (fewer when it has fewer tables), to be rendered side
    by side and joined into one PDF (export/parts.py).

    Every table starts a page, so the pages are the whole document's: the first part holds the
    heading (or cover) and questions, the last the groups and priorities, and each part its
    run of tables, about equal in size. A later part names the annex in its page margins itself
    (the strings the first part sets from its heading), on its first page too.
    """
    annex = cleaned(annex)  # no character XML cannot hold reaches the PDF (its tags are XML)
    tables = []
    if on_table:
        on_table(0, len(annex.tables))
    for i in range(len(annex.tables)):
        tables.append(table_html(annex, i))
        if on_table:
            on_table(i + 1, len(annex.tables))
    runs = split_evenly([len(t) for t in tables], parts)
    return [
        _document(annex, tables[run.start : run.stop], head=i == 0, tail=i == len(runs) - 1)
        for i, run in enumerate(runs)
    ]


def split_evenly(sizes: list[int], parts: int) -> list[range]:
    """Consecutive runs of the items, at most ``parts`` (and never an empty one but the only),
    with sums as close to equal as cutting at the running total's fractions gives."""
    parts = max(1, min(parts, len(sizes)))
    total, cuts, running = sum(sizes), [0], 0
    for i, size in enumerate(sizes[:-1], start=1):
        running += size
        if len(cuts) < parts and running * parts >= total * len(cuts) and len(sizes) - i >= parts - len(cuts):
            cuts.append(i)
    while len(cuts) < parts:  # sizes so uneven that a fraction was never reached: the last ones
        cuts.append(len(sizes) - (parts - len(cuts)))
    cuts.append(len(sizes))
    return [range(a, b) for a, b in zip(cuts, cuts[1:], strict=False)]


def continued_css(annex: Annex) -> str:
    """A later part's page margins: the annex's title and footer as the first part's heading sets
    them (string-set), on every page of the part, its first one included."""
    title, footer = css_string(annex.title), css_string(annex.footer)
    return (
        f"@page {{ @top-right {{ content: {title}; }} @bottom-left {{ content: {footer}; }} }}\n"
        f"@page :first {{ @top-right {{ content: {title}; }} }}"
    )


def _document(annex: Annex, tables: list[Markup], head: bool, tail: bool) -> str:
    page = page_css(annex.words) + ("" if head else "\n" + continued_css(annex))
    return (
        environment()
        .get_template("annex/annex.html")
        .render(
            annex=annex,
            head=head,
            tail=tail,
            tables_html=tables,
            font_faces=Markup(font_face_css()),  # noqa: S704 - our constants
            page_css=Markup(page),  # noqa: S704 - css_string escapes
            style_css=Markup(style_css(annex.style)),  # noqa: S704 - a checked colour only
            logo_src=logo_url(annex.style.logo_type) if annex.style and annex.style.logo_type else "",
        )
    )


def pdf_job(
    annex: Annex, on_table: Callable[[int, int], None] | None = None, parts: int | None = None
) -> dict[str, Any]:
    """What the render child needs of an annex for its PDF: the HTML (a large annex's in parts,
    as many as ``parts.planned`` says unless ``parts`` is given), and the logo (served to
    WeasyPrint by the child's fetcher under one fixed URL, fonts.logo_url). Made by the command
    line before it sends the job, or by the child itself from the meeting's data."""
    documents = annex_documents(annex, planned(len(annex.tables)) if parts is None else parts, on_table)
    job: dict[str, Any] = {"html": documents[0]} if len(documents) == 1 else {"parts": documents}
    if annex.style and annex.style.logo_type:
        job["logo"] = {"type": annex.style.logo_type, "data": annex.style.logo}
    return job
