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
import io
import re
from collections.abc import Callable
from pathlib import Path
from xml.sax.saxutils import quoteattr

from odfdo import Document, DrawImage, Element, Frame, Header, LineBreak, List, ListItem, Paragraph, Span, Tab

from . import figure as figure_module
from . import richtext
from .annex import Annex, AnnexStyle, AnnexTable

INK = "#1b1f24"
MUTED = "#4a5360"
RULE = "#c9d0d9"
TEXT_WIDTH_MM = 160
SERIF = "Source Serif 4"
SANS = "Source Sans 3"

NS = (
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" '
    'xmlns:loext="urn:org:documentfoundation:names:experimental:office:xmlns:loext:1.0"'
)


def write_odt(annex: Annex, out: Path | str, progress: Callable[[int, int], None] | None = None) -> None:
    """Write the annex as an .odt file."""
    doc = Document("text")
    body = doc.body
    body.clear()
    style = annex.style
    accent = style.accent if style else INK
    _styles(doc, annex, accent)
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
    doc.save(str(out))


# ---------------------------------------------------------------------------------------------
# Styles


def _paragraph_style(
    name: str,
    display: str,
    parent: str = "Standard",
    text: str = "",
    paragraph: str = "",
    outline: int | None = None,
    tab_mm: tuple[float, str] | None = None,
) -> str:
    level = f' style:default-outline-level="{outline}"' if outline else ""
    parent_attribute = f' style:parent-style-name="{parent}"' if parent else ""
    tabs = ""
    if tab_mm is not None:
        tabs = (
            f'<style:tab-stops><style:tab-stop style:position="{tab_mm[0]}mm" '
            f'style:type="{tab_mm[1]}"/></style:tab-stops>'
        )
    return (
        f'<style:style {NS} style:name="{name}" style:display-name="{display}" style:family="paragraph"'
        f'{parent_attribute} style:class="text"{level}>'
        f"<style:paragraph-properties {paragraph}>{tabs}</style:paragraph-properties>"
        f"<style:text-properties {text}/>"
        "</style:style>"
    )


def _text_style(name: str, display: str, text: str) -> str:
    return (
        f'<style:style {NS} style:name="{name}" style:display-name="{display}" style:family="text">'
        f"<style:text-properties {text}/></style:style>"
    )


def _list_style(name: str, display: str, numbered: bool) -> str:
    levels = []
    for level in range(1, 11):
        indent = 6 * min(level, 4)
        position = (
            '<style:list-level-properties text:list-level-position-and-space-mode="label-alignment">'
            f'<style:list-level-label-alignment text:label-followed-by="listtab" '
            f'text:list-tab-stop-position="{indent}mm" fo:text-indent="-6mm" fo:margin-left="{indent}mm"/>'
            "</style:list-level-properties>"
        )
        if numbered:
            levels.append(
                f'<text:list-level-style-number text:level="{level}" style:num-suffix="." '
                f'style:num-format="{"1" if level % 3 == 1 else ("a" if level % 3 == 2 else "i")}">'
                f"{position}</text:list-level-style-number>"
            )
        else:
            bullet = "–" if level % 2 else "·"
            levels.append(
                f'<text:list-level-style-bullet text:level="{level}" text:bullet-char="{bullet}">'
                f"{position}</text:list-level-style-bullet>"
            )
    return (
        f'<text:list-style {NS} style:name="{name}" style:display-name="{display}">'
        + "".join(levels)
        + "</text:list-style>"
    )


def _styles(doc: Document, annex: Annex, accent: str) -> None:
    lang = 'fo:language="nl" fo:country="NL"' if annex.lang == "nl" else f'fo:language="{annex.lang}"'
    sans = f"style:font-name={quoteattr(SANS)}"
    serif = f"style:font-name={quoteattr(SERIF)}"
    for family, generic in ((SANS, "swiss"), (SERIF, "roman")):
        doc.insert_style(
            f"<style:font-face {NS} style:name={quoteattr(family)} svg:font-family={quoteattr(repr(family))} "
            f'style:font-family-generic="{generic}" style:font-pitch="variable"/>'
        )
    doc.insert_style(
        f'<style:default-style {NS} style:family="paragraph">'
        f'<style:paragraph-properties fo:hyphenation-ladder-count="no-limit"/>'
        f'<style:text-properties {serif} fo:font-size="10.5pt" {lang} fo:color="{INK}" '
        'fo:hyphenate="false"/></style:default-style>',
        default=True,
    )
    heading = f'{sans} fo:font-weight="600" fo:color="{accent}"'
    keep = 'fo:keep-with-next="always"'
    styles = [
        _paragraph_style("Standard", "Standard", parent="", text=serif),
        _paragraph_style(
            "Text_20_body",
            "Text body",
            text='fo:hyphenate="true" fo:hyphenation-remain-char-count="4" '
            'fo:hyphenation-push-char-count="4"',
            paragraph='fo:margin-top="0mm" fo:margin-bottom="2.6mm" fo:line-height="145%" '
            'fo:orphans="3" fo:widows="3"',
        ),
        _paragraph_style(
            "Heading", "Heading", text=sans, paragraph=f'{keep} fo:margin-top="4mm" fo:margin-bottom="2mm"'
        ),
        _paragraph_style(
            "Annex_20_Title",
            "Annex Title",
            parent="Heading",
            text=f'{heading} fo:font-size="21pt"',
            paragraph='fo:margin-top="0mm" fo:margin-bottom="8mm"',
            outline=1,
        ),
        _paragraph_style(
            "Heading_20_2",
            "Heading 2",
            parent="Heading",
            text=f'{heading} fo:font-size="13pt"',
            paragraph='fo:margin-top="6mm" fo:margin-bottom="2mm"',
            outline=2,
        ),
        _paragraph_style(
            "Questions_20_Heading",
            "Questions Heading",
            parent="Heading_20_2",
            paragraph='fo:break-before="page"' if annex.style and annex.style.cover else "",
            outline=2,
        ),
        _paragraph_style(
            "Table_20_Heading",
            "Table Heading",
            parent="Heading_20_2",
            text=f'{heading} fo:font-size="16pt"',
            paragraph=f'fo:break-before="page" fo:margin-top="0mm" fo:margin-bottom="3mm" '
            f'fo:padding-bottom="2mm" fo:border-bottom="0.75pt solid {accent}"',
            outline=2,
        ),
        _paragraph_style(
            "Heading_20_3",
            "Heading 3",
            parent="Heading",
            text=f'{heading} fo:font-size="11pt"',
            paragraph='fo:margin-top="4.5mm" fo:margin-bottom="1.5mm"',
            outline=3,
        ),
        _paragraph_style(
            "Heading_20_4",
            "Heading 4",
            parent="Heading",
            text=f'{sans} fo:font-size="10.5pt" fo:font-style="italic"',
            paragraph='fo:margin-top="3mm" fo:margin-bottom="1mm"',
            outline=4,
        ),
        _paragraph_style("Kicker", "Kicker", text=f'{sans} fo:font-size="10pt" fo:color="{MUTED}"'),
        _paragraph_style(
            "Organisation",
            "Organisation",
            text=f'{sans} fo:font-size="13pt" fo:font-weight="600" fo:color="{accent}"',
            paragraph='fo:margin-bottom="2mm"',
        ),
        _paragraph_style(
            "Cover_20_Space", "Cover Space", paragraph='fo:margin-top="55mm" fo:margin-bottom="0mm"'
        ),
        _paragraph_style(
            "Meta",
            "Meta",
            text=f'{sans} fo:font-size="9.5pt"',
            paragraph=f'fo:margin-bottom="0mm" fo:padding="1.2mm" fo:border-bottom="0.4pt solid {RULE}"',
        ),
        _paragraph_style(
            "People",
            "People",
            text=f'{sans} fo:font-size="9.5pt"',
            paragraph=f'fo:margin-bottom="0.8mm" {keep}',
        ),
        _paragraph_style(
            "List_20_Contents",
            "List Contents",
            parent="Text_20_body",
            paragraph='fo:margin-bottom="1mm"',
        ),
        _paragraph_style(
            "Quotations",
            "Quotations",
            parent="Text_20_body",
            text='fo:color="#333a42"',
            paragraph=f'fo:margin-left="4mm" fo:padding-left="3mm" fo:border-left="1.5pt solid {RULE}"',
        ),
        _paragraph_style(
            "Horizontal_20_Line",
            "Horizontal Line",
            paragraph=f'fo:border-bottom="0.5pt solid {RULE}" fo:margin-bottom="4mm"',
        ),
        _paragraph_style("No_20_Report", "No Report", text=f'fo:font-style="italic" fo:color="{MUTED}"'),
        _paragraph_style("Figure", "Figure", paragraph=f'fo:text-align="center" fo:margin-top="7mm" {keep}'),
        _paragraph_style(
            "Caption",
            "Caption",
            text=f'{sans} fo:font-size="9pt" fo:font-weight="600" fo:color="#333a42"',
            paragraph='fo:text-align="center" fo:margin-top="2mm" fo:margin-bottom="3mm"',
        ),
        _paragraph_style(
            "Legend_20_Title",
            "Legend Title",
            text=f'{sans} fo:font-size="8.5pt" fo:font-weight="600"',
            paragraph=f'fo:margin-bottom="1.2mm" {keep}',
        ),
        _paragraph_style(
            "Legend",
            "Legend",
            text=f'{sans} fo:font-size="8.5pt"',
            paragraph='fo:margin-left="7mm" fo:text-indent="-7mm" fo:margin-bottom="0.8mm"',
            tab_mm=(0, "left"),
        ),
        _paragraph_style(
            "Footer",
            "Footer",
            text=f'{sans} fo:font-size="8pt" fo:color="{MUTED}"',
            tab_mm=(TEXT_WIDTH_MM, "right"),
        ),
        _text_style("Strong_20_Emphasis", "Strong Emphasis", 'fo:font-weight="600"'),
        _text_style("Emphasis", "Emphasis", 'fo:font-style="italic"'),
        _text_style("Strong_20_Italic", "Strong Italic", 'fo:font-weight="600" fo:font-style="italic"'),
        _text_style("Label", "Label", 'fo:font-weight="600"'),
        _text_style("Muted", "Muted", f'fo:color="{MUTED}"'),
        _text_style("Legend_20_Number", "Legend Number", f'fo:font-weight="700" fo:color="{accent}"'),
        _list_style("Annex_20_Bullets", "Annex Bullets", numbered=False),
        _list_style("Annex_20_Numbers", "Annex Numbers", numbered=True),
    ]
    for xml in styles:
        doc.insert_style(xml)
    # headings are not numbered (the template's outline style would print "1.2.Tafel 1")
    outline = doc.get_style("outline", "Outline")
    if outline is not None:
        outline.delete()
    doc.styles.get_element("//office:styles").append(
        Element.from_tag(
            f'<text:outline-style {NS} style:name="Outline">'
            + "".join(
                f'<text:outline-level-style text:level="{level}" style:num-format=""/>'
                for level in range(1, 11)
            )
            + "</text:outline-style>"
        )
    )
    doc.insert_style(
        f'<style:page-layout {NS} style:name="Mpm1">'
        '<style:page-layout-properties fo:page-width="210mm" fo:page-height="297mm" '
        'style:print-orientation="portrait" fo:margin-top="22mm" fo:margin-bottom="14mm" '
        'fo:margin-left="25mm" fo:margin-right="25mm"/>'
        '<style:footer-style><style:header-footer-properties fo:min-height="6mm" fo:margin-top="5mm"/>'
        "</style:footer-style></style:page-layout>"
    )
    master = doc.get_style("master-page", "Standard")
    master.set_attribute("style:page-layout-name", "Mpm1")
    footer = Paragraph(style="Footer")
    footer.append(annex.footer)
    footer.append(Tab())
    footer.append(f"{annex.words.page} ")
    footer.append(_field("page-number", 'text:select-page="current"'))
    footer.append(f" {annex.words.of} ")
    footer.append(_field("page-count"))
    master.set_page_footer(footer)


def _heading(level: int, text: str, style: str) -> Header:
    """A heading with its outline level and named style (odfdo's Header ignores ``style``)."""
    heading = Header(level, text or None)
    heading.set_attribute("text:style-name", style)
    return heading


def _field(name: str, attributes: str = ""):
    return Element.from_tag(f"<text:{name} {NS} {attributes}>1</text:{name}>")


def _metadata(doc: Document, annex: Annex) -> None:
    meta = doc.meta
    meta.set_title(annex.document_title)
    meta.set_subject(annex.description)
    meta.set_language({"nl": "nl-NL"}.get(annex.lang, annex.lang))
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
        url = doc.add_file(io.BytesIO(raw))
        # odfdo names the file by its content; give it the right extension for readers
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
    elif table.figure is None:
        body.append(Paragraph(words.no_report, style="No_20_Report"))
    if table.figure:
        _figure(doc, body, table.figure, words.legend)
    if table.feedback.strip():
        body.append(_heading(3, words.feedback, style="Heading_20_3"))
        if table.spokesperson:
            _labelled(body, words.spokesperson, table.spokesperson, "People")
        _blocks(body, richtext.parse(table.feedback))


def _figure(doc: Document, body, fig: figure_module.Figure, legend_title: str) -> None:
    png = figure_module.to_png(fig)
    scale = min(1.0, TEXT_WIDTH_MM / fig.width)
    url = doc.add_file(io.BytesIO(png))
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
