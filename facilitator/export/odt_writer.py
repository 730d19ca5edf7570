"""The annex as OpenDocument Text (ODT, ODF 1.3), the open standard Dutch public bodies publish in.

Made with odfdo. Real named styles, not direct formatting, so that the document can be
restyled and navigated in LibreOffice or Word: "Annex Title" and Heading 2–4 with outline
levels, "Table Heading" (which starts a new page for every table), list styles for the
report's bullets and numbers, text styles "Strong Emphasis" and "Emphasis" for the
Markdown's bold and italic, "Caption" and "Legend" for the figure, which is an image with
its title and text alternative. The footer reads "<meeting> · <date>   pagina X van Y".
Every user string goes in as text: nothing in it is read as markup, linked or fetched.
"""

from __future__ import annotations

import base64
import hashlib
import io
import re
from collections.abc import Callable
from pathlib import Path

from odfdo import Document, DrawImage, Frame, Header, LineBreak, List, ListItem, Paragraph, Span, Tab

from . import figure as figure_module
from . import language, richtext
from .annex import Annex, AnnexStyle, AnnexTable
from .odt_package import strict_odt
from .odt_styles import INK, TEXT_WIDTH_MM, add_styles


def write_odt(annex: Annex, out: Path | str, progress: Callable[[int, int], None] | None = None) -> None:
    """Write the annex as an .odt file."""
    doc = Document("text")
    body = doc.body
    body.clear()
    style = annex.style
    accent = style.accent if style else INK
    add_styles(doc, annex, accent)
    _metadata(doc, annex)
    cover = bool(style and style.cover)
    _brand(doc, body, style, cover)
    body.append(Paragraph(annex.footer, style="Kicker"))
    body.append(_heading(1, annex.title, style="Annex_20_Title"))
    for label, value in annex.meta:
        _labelled(body, label, value, "Meta")
    if annex.questions:
        body.append(_heading(2, annex.words.questions, style="Questions_20_Heading"))
        numbers = List(style="Annex_20_Numbers")
        for question in annex.questions:
            numbers.append(ListItem(Paragraph(question, style="List_20_Contents")))
        body.append(numbers)
    for i, table in enumerate(annex.tables):
        _table(doc, body, annex, table)
        if progress:
            progress(i + 1, len(annex.tables))
    if annex.groups:
        body.append(_heading(2, annex.words.groups, style="Table_20_Heading"))
        for group in annex.groups:
            body.append(_heading(3, _text(group.name), style="Heading_20_3"))
            body.append(Paragraph(_text(group.tables), style="No_20_Report"))
            entries = List(style="Annex_20_Bullets")
            for number, text in group.entries:
                entries.append(ListItem(Paragraph(_text(f"{number}: {text}"), style="List_20_Contents")))
            body.append(entries)
    if annex.priorities:
        body.append(_heading(2, annex.words.priorities, style="Table_20_Heading"))
    for vote in annex.priorities:
        body.append(_heading(3, vote.title, style="Heading_20_3"))
        body.append(Paragraph(vote.summary, style="Meta"))
        for row in vote.rows:
            _labelled(body, row.rank, row.line(annex.words), "Meta")
    saved = io.BytesIO()
    doc.save(saved)
    # strict ODF 1.3: the template's ODF 1.4 declaration, LibreOffice extensions and folders go
    Path(out).write_bytes(strict_odt(saved.getvalue()))


def _heading(level: int, text: str, style: str) -> Header:
    """A heading with its outline level and named style (odfdo's Header ignores ``style``)."""
    heading = Header(level, text or None)
    heading.set_attribute("text:style-name", style)
    return heading


def _metadata(doc: Document, annex: Annex) -> None:
    meta = doc.meta
    meta.set_title(annex.document_title)
    meta.set_subject(annex.description)
    meta.set_language(language.tag(annex.lang))
    meta.set_generator("Facilitator")
    if annex.style and annex.style.name:
        meta.set_initial_creator(annex.style.name)


# ---------------------------------------------------------------------------------------------
# Content


def _brand(doc: Document, body, style: AnnexStyle | None, cover: bool) -> None:
    """The logo and the organisation's name; on a cover page with room below them."""
    if style is None or not (style.logo_type or style.name):
        return
    if style.logo_type:
        raw = base64.b64decode(style.logo_png if style.logo_type == "svg" else style.logo)
        width, height = _image_size(raw, 24 if cover else 14, 80 if cover else 60)
        url = _add_picture(doc, raw)
        frame = Frame.image_frame(
            url, size=(f"{width:.1f}mm", f"{height:.1f}mm"), anchor_type="as-char", name="Logo"
        )
        frame.svg_title = style.logo_alt
        frame.svg_description = style.logo_alt
        paragraph = Paragraph(style="Organisation")
        paragraph.append(frame)
        body.append(paragraph)
    if style.name:
        body.append(Paragraph(style.name, style="Organisation"))
    if cover:
        body.append(Paragraph(style="Cover_20_Space"))


def _add_picture(doc: Document, raw: bytes) -> str:
    """The image in Pictures/, named by its content with the extension and media type of its kind."""
    kind = "jpeg" if raw.startswith(b"\xff\xd8\xff") else "png"  # the logo is PNG or JPEG, a figure PNG
    path = f"Pictures/{hashlib.sha256(raw).hexdigest()[:32]}.{'jpg' if kind == 'jpeg' else 'png'}"
    container = doc.container
    if container is None:  # a Document made with Document("text") always has its package
        raise RuntimeError("the ODT document has no package to hold the picture")
    container.set_part(path, raw)
    doc.manifest.add_full_path(path, f"image/{kind}")
    return path


def _image_size(raw: bytes, height_mm: float, max_width_mm: float) -> tuple[float, float]:
    from PIL import Image

    with Image.open(io.BytesIO(raw)) as image:
        w, h = image.size
    width = height_mm * w / max(h, 1)
    if width > max_width_mm:
        width, height_mm = max_width_mm, max_width_mm * h / max(w, 1)
    return width, height_mm


def _labelled(body, label: str, value: str, style: str) -> Paragraph:
    paragraph = Paragraph(style=style)
    paragraph.append(Span(f"{label}: ", style="Label"))
    paragraph.append(_text(value))
    body.append(paragraph)
    return paragraph


def _text(value: str) -> str:
    """Text safe for XML (control characters dropped; odfdo escapes the rest)."""
    return "".join(ch for ch in value if ch in "\t\n" or ord(ch) >= 0x20)


def _table(doc: Document, body, annex: Annex, table: AnnexTable) -> None:
    words = annex.words
    body.append(_heading(2, f"{words.table} {table.number}", style="Table_20_Heading"))
    if table.participants:
        paragraph = Paragraph(style="People")
        paragraph.append(Span(f"{words.participants}: ", style="Label"))
        for i, person in enumerate(table.participants):
            if i:
                paragraph.append(", ")
            paragraph.append(_text(person.name))
            if person.leader:
                paragraph.append(f" ({words.leader})")
        body.append(paragraph)
    if table.rapporteur:
        _labelled(body, words.rapporteur, table.rapporteur, "People")
    blocks = richtext.parse(table.report)
    if blocks:
        _blocks(body, blocks)
    elif table.figure is None and not table.rounds:
        body.append(Paragraph(words.no_report, style="No_20_Report"))
    if table.figure:
        _figure(doc, body, table.figure, words.legend)
    for item in table.rounds:
        body.append(_heading(3, item.title, style="Heading_20_3"))
        body.append(Paragraph(_text(item.question), style="No_20_Report"))
        if report := richtext.parse(item.report):
            _blocks(body, report)
        if item.figure:
            _figure(doc, body, item.figure, words.legend)
        elif item.entries:
            entries = List(style="Annex_20_Bullets")
            for text in item.entries:
                entries.append(ListItem(Paragraph(_text(text), style="List_20_Contents")))
            body.append(entries)
        elif not report:
            body.append(Paragraph(words.no_entries, style="No_20_Report"))
    if table.feedback.strip():
        body.append(_heading(3, words.feedback, style="Heading_20_3"))
        if table.spokesperson:
            _labelled(body, words.spokesperson, table.spokesperson, "People")
        _blocks(body, richtext.parse(table.feedback))


def _figure(doc: Document, body, fig: figure_module.Figure, legend_title: str) -> None:
    png = figure_module.to_png(fig)
    scale = min(1.0, TEXT_WIDTH_MM / fig.width)
    url = _add_picture(doc, png)
    frame = Frame.image_frame(
        DrawImage(url, mime_type="image/png"),
        size=(f"{fig.width * scale:.1f}mm", f"{fig.height * scale:.1f}mm"),
        anchor_type="as-char",
        name=re.sub(r"\s+", " ", fig.title)[:60],
    )
    frame.svg_title = fig.title
    frame.svg_description = fig.alt
    holder = Paragraph(style="Figure")
    holder.append(frame)
    body.append(holder)
    body.append(Paragraph(fig.title, style="Caption"))
    if fig.legend:
        body.append(Paragraph(legend_title, style="Legend_20_Title"))
        for item in fig.legend:
            paragraph = Paragraph(style="Legend")
            paragraph.append(Span(str(item.number), style="Legend_20_Number"))
            paragraph.append(Tab())
            paragraph.append(_text(item.text))
            if item.horizons:
                paragraph.append(Span(f" ({', '.join(h.lower() for h in item.horizons)})", style="Muted"))
            if item.where:
                paragraph.append(Span(f" [{item.where}]", style="Muted"))
            body.append(paragraph)


def _blocks(container, blocks: list[richtext.Block]) -> None:
    for block in blocks:
        if block.kind == "paragraph":
            container.append(_runs(Paragraph(style="Text_20_body"), block.inlines))
        elif block.kind == "heading":
            level = block.level + 2  # the report's headings come below the annex's (3, 4)
            container.append(_runs(_heading(level, "", style=f"Heading_20_{level}"), block.inlines))
        elif block.kind == "quote":
            for child in block.children:
                if child.kind == "paragraph":
                    container.append(_runs(Paragraph(style="Quotations"), child.inlines))
                else:
                    _blocks(container, [child])
        elif block.kind == "rule":
            container.append(Paragraph(style="Horizontal_20_Line"))
        elif block.kind in ("bullet_list", "ordered_list"):
            container.append(_list(block))


def _list(block: richtext.Block) -> List:
    ordered = block.kind == "ordered_list"
    out = List(style="Annex_20_Numbers" if ordered else "Annex_20_Bullets")
    for i, item in enumerate(block.children):
        entry = ListItem()
        if ordered and i == 0 and block.start != 1:
            entry.set_attribute("text:start-value", str(block.start))
        for child in item.children:
            if child.kind == "paragraph":
                entry.append(_runs(Paragraph(style="List_20_Contents"), child.inlines))
            elif child.kind in ("bullet_list", "ordered_list"):
                entry.append(_list(child))
            else:
                _blocks(entry, [child])
        out.append(entry)
    return out


def _runs(paragraph, inlines: list[richtext.Inline]):
    for inline in inlines:
        if inline.hard_break:
            paragraph.append(LineBreak())
            continue
        text = _text(inline.text)
        if inline.bold and inline.italic:
            paragraph.append(Span(text, style="Strong_20_Italic"))
        elif inline.bold:
            paragraph.append(Span(text, style="Strong_20_Emphasis"))
        elif inline.italic:
            paragraph.append(Span(text, style="Emphasis"))
        else:
            paragraph.append(text)
    return paragraph
