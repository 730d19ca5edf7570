"""The Markdown that rapporteurs type: parsed with a small, safe subset and written out three ways.

Supported: paragraphs, bullet and numbered lists (nested), bold, italic, headings (shifted
below the annex's own), block quotes, rules and line breaks. Links and images become text:
"label (URL)", so a reader of the printed annex still has the address and nothing is ever
fetched or clickable. Off: raw HTML, autolinks, link references, code blocks. What is off
shows as the text that was typed, so nothing in a report can make a renderer fetch a URL or
inject markup.

The grammar is ``facilitator/markdown_grammar.py``'s, shared with the table page's preview and
the screen (``static/js/markdown.js``, markdown-it itself): ``parse`` here and ``parseBlocks``
there build the same blocks, and ``to_html`` and ``renderMarkdown`` draw them alike
(``tests/fixtures/markdown/``, ``tests/test_markdown_grammar.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from markdown_it import MarkdownIt

from ..markdown_grammar import (
    ANNEX_HEADING_TAG,
    ENABLED_RULES,
    HEADING_LEVELS,
    OPTIONS,
    TRIM,
    link_allowed,
    prepare,
)
from ..markdown_grammar import direction as direction


def _no_code_block(state, start_line: int, end_line: int, silent: bool) -> bool:
    return False


class _ReportMarkdown(MarkdownIt):
    """markdown-it with the grammar's links: an address is kept as typed, some are refused."""

    def validateLink(self, url: str) -> bool:  # noqa: N802 - markdown-it's name
        return link_allowed(url)

    def normalizeLink(self, url: str) -> str:  # noqa: N802
        return url

    def normalizeLinkText(self, link: str) -> str:  # noqa: N802
        return link


def _parser() -> MarkdownIt:
    # "zero" enables only paragraphs and text; everything else is opted in (the grammar's rules)
    md = _ReportMarkdown("zero", dict(OPTIONS))
    md.enable(ENABLED_RULES)
    # A line indented by four or more is no heading, list, quote or rule: markdown-it reads it
    # so always, markdown-it-py only while a "code" rule is on. This one never makes a block.
    md.block.ruler.at("code", _no_code_block)
    md.enable("code")
    return md


_MD = _parser()


@dataclass
class Inline:
    """A run of text with its emphasis, or a line break (text "\n", hard or soft)."""

    text: str
    bold: bool = False
    italic: bool = False
    hard_break: bool = False


@dataclass
class Block:
    """A block: paragraph, heading (level 1–2 within the report), list, item, quote or rule."""

    kind: str  # paragraph | heading | bullet_list | ordered_list | item | quote | rule
    inlines: list[Inline] = field(default_factory=list)
    children: list[Block] = field(default_factory=list)
    level: int = 0
    start: int = 1
    tight: bool = False


def parse(text: str) -> list[Block]:
    """Parse a report into blocks (tokens of the safe subset only)."""
    tokens = _MD.parse(prepare(text))
    root = Block("root")
    stack = [root]
    for token in tokens:
        kind = token.type
        if kind.endswith("_open"):
            name = kind[: -len("_open")]
            block = _open_block(name, token)
            if name == "paragraph" and token.hidden:
                # markdown-it hides the paragraphs of a tight list
                stack[-2 if len(stack) > 1 else -1].tight = True
            stack[-1].children.append(block)
            stack.append(block)
        elif kind.endswith("_close"):
            stack.pop()
        elif kind == "inline":
            stack[-1].inlines.extend(_inlines(token.children or []))
        elif kind == "hr":
            stack[-1].children.append(Block("rule"))
    return root.children


def _open_block(name: str, token) -> Block:
    if name == "heading":
        # "#" is level 1, "##" and deeper level 2 (h3 and h4 in the annex, below its own)
        return Block("heading", level=min(int(token.tag[1]), HEADING_LEVELS))
    if name == "ordered_list":
        start = token.attrGet("start")  # absent for 1; "0." starts at 0
        return Block("ordered_list", start=int(start) if start is not None else 1)
    if name == "list_item":
        return Block("item")
    if name == "blockquote":
        return Block("quote")
    return Block(name)


def link_text(label: str, url: str) -> str:
    """A link or image as text: "label (URL)", or the URL alone when that is all there is."""
    label = label.strip(TRIM)
    if not label or label == url:
        return url
    return f"{label} ({url})"


def _inlines(children) -> list[Inline]:
    out: list[Inline] = []
    bold = italic = 0
    links: list[tuple[str, int]] = []  # (URL, where its label starts in out)
    for child in children:
        if child.type == "link_open":
            links.append((_MD.normalizeLinkText(child.attrGet("href") or ""), len(out)))
            continue
        if child.type == "link_close":
            url, start = links.pop() if links else ("", len(out))
            label = "".join(run.text for run in out[start:]).strip(TRIM)
            if url and label != url:
                out.append(Inline(f" ({url})" if label else url, bold=bold > 0, italic=italic > 0))
            continue
        if child.type == "image":
            alt = "".join(c.content for c in child.children or []) or child.content
            url = _MD.normalizeLinkText(child.attrGet("src") or "")
            out.append(Inline(link_text(alt, url), bold=bold > 0, italic=italic > 0))
            continue
        if child.type == "strong_open":
            bold += 1
        elif child.type == "strong_close":
            bold -= 1
        elif child.type == "em_open":
            italic += 1
        elif child.type == "em_close":
            italic -= 1
        elif child.type == "softbreak":
            out.append(Inline(" "))
        elif child.type == "hardbreak":
            out.append(Inline("\n", hard_break=True))
        elif child.content:
            out.append(Inline(child.content, bold=bold > 0, italic=italic > 0))
    # merge neighbours with the same emphasis
    merged: list[Inline] = []
    for run in out:
        last = merged[-1] if merged else None
        if (
            last
            and not run.hard_break
            and not last.hard_break
            and (last.bold, last.italic) == (run.bold, run.italic)
        ):
            last.text += run.text
        else:
            merged.append(run)
    return merged


def plain_text(inlines: list[Inline]) -> str:
    """The inlines as plain text."""
    return "".join(run.text for run in inlines)


# ---------------------------------------------------------------------------------------------
# HTML (for the PDF template)


def dir_attribute(text: str) -> str:
    """' dir="rtl"' for a right-to-left text, else nothing (the document is left-to-right)."""
    return ' dir="rtl"' if direction(text) == "rtl" else ""


def _block_text(block: Block) -> str:
    return plain_text(block.inlines) + "".join(_block_text(child) for child in block.children)


def to_html(text: str, heading_tag: int = ANNEX_HEADING_TAG) -> str:
    """The report as HTML for the annex template; every character of user text is escaped.

    A report's "#" becomes h<heading_tag> and "##" the level below it.
    """
    return "".join(_block_html(block, heading_tag) for block in parse(text))


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _inline_html(inlines: list[Inline]) -> str:
    parts = []
    for run in inlines:
        if run.hard_break:
            parts.append("<br>")
            continue
        html = _esc(run.text)
        if run.italic:
            html = f"<em>{html}</em>"
        if run.bold:
            html = f"<strong>{html}</strong>"
        parts.append(html)
    return "".join(parts)


def _block_html(block: Block, heading_tag: int) -> str:
    inner = "".join(_block_html(child, heading_tag) for child in block.children)
    if block.kind == "paragraph":
        return f"<p{dir_attribute(plain_text(block.inlines))}>{_inline_html(block.inlines)}</p>\n"
    if block.kind == "heading":
        tag = f"h{min(6, heading_tag + block.level - 1)}"
        where = dir_attribute(plain_text(block.inlines))
        return f'<{tag} class="report-heading"{where}>{_inline_html(block.inlines)}</{tag}>\n'
    if block.kind == "bullet_list":
        return f"<ul>\n{inner}</ul>\n"
    if block.kind == "ordered_list":
        start = f' start="{block.start}"' if block.start != 1 else ""
        return f"<ol{start}>\n{inner}</ol>\n"
    if block.kind == "item":
        return f"<li{dir_attribute(_block_text(block))}>{inner}</li>\n"
    if block.kind == "quote":
        return f"<blockquote>\n{inner}</blockquote>\n"
    if block.kind == "rule":
        return "<hr>\n"
    return inner


# ---------------------------------------------------------------------------------------------
# Markdown (the editable export): the same structure, written back with every user
# character escaped, so that a Markdown viewer shows what the PDF shows.

_LINE_START = re.compile(r"^(\s*)([#>+=-]|\d+[.)])")
_ENTITY_LIKE = re.compile(r"&(?=#?[A-Za-z0-9]+;)")


def escape_markdown(text: str) -> str:
    """Text that a Markdown renderer shows literally (no emphasis, HTML, links or entities)."""
    text = text.replace("\\", "\\\\")
    # ~ opens a fence (~~~) or strikes through (~~x~~); | makes a GFM table; ` a code fence
    text = re.sub(r"([`*_\[\]<~|])", r"\\\1", text)
    text = _ENTITY_LIKE.sub(r"\\&", text)
    lines = []
    for line in text.split("\n"):
        match = _LINE_START.match(line)
        if match and not match.group(2).startswith("\\"):
            marker = match.group(2)
            marker = marker[:-1] + "\\" + marker[-1] if len(marker) > 1 else "\\" + marker
            line = match.group(1) + marker + line[match.end() :]
        lines.append(line)
    return "\n".join(lines)


def _inline_md(inlines: list[Inline]) -> str:
    parts = []
    for run in inlines:
        if run.hard_break:
            parts.append("\\\n")
            continue
        text = escape_markdown(run.text)
        if not text.strip():
            parts.append(text)
            continue
        # emphasis markers must hug the text: keep surrounding spaces outside them
        lead = text[: len(text) - len(text.lstrip())]
        trail = text[len(text.rstrip()) :]
        core = text.strip()
        if run.italic:
            core = f"*{core}*"
        if run.bold:
            core = f"**{core}**"
        parts.append(f"{lead}{core}{trail}")
    return "".join(parts)


def to_markdown(text: str) -> str:
    """The report as normalised, safe Markdown."""
    return "\n\n".join(_block_md(block) for block in parse(text)).strip()


def _block_md(block: Block) -> str:
    if block.kind == "paragraph":
        return _inline_md(block.inlines)
    if block.kind == "heading":
        return "#" * (ANNEX_HEADING_TAG + block.level - 1) + " " + _inline_md(block.inlines)
    if block.kind == "rule":
        return "---"
    if block.kind == "quote":
        inner = "\n\n".join(_block_md(child) for child in block.children)
        return "\n".join("> " + line if line else ">" for line in inner.split("\n"))
    if block.kind in ("bullet_list", "ordered_list"):
        items = []
        for i, item in enumerate(block.children):
            marker = "-" if block.kind == "bullet_list" else f"{block.start + i}."
            body = ("\n" if block.tight else "\n\n").join(_block_md(child) for child in item.children)
            pad = " " * (len(marker) + 1)
            lines = body.split("\n")
            rest = [(pad + line) if line else "" for line in lines[1:]]
            items.append("\n".join([f"{marker} {lines[0]}", *rest]))
        return ("\n" if block.tight else "\n\n").join(items)
    return "\n\n".join(_block_md(child) for child in block.children)
