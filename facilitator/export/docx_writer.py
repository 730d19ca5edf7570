"""The annex as DOCX, for secretaries who finish it in Word.

Real Word structure rather than look-alikes: Title and Heading styles (so the navigation
pane and a table of contents work), list styles with numbering that restarts per list,
the figure as a PNG with its text alternative, page numbers as fields. Every user string
goes in as a text run: nothing in it is read as markup, and nothing is linked or fetched.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from io import BytesIO
from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor, Twips

from . import figure as figure_module
from . import richtext
from .annex import Annex, AnnexStyle, AnnexTable, clean, cleaned
from .language import tag

MUTED = RGBColor(0x4A, 0x53, 0x60)
TEXT_WIDTH_MM = 160


def write_docx(annex: Annex, out: Path | str, progress: Callable[[int, int], None] | None = None) -> None:
    """Write the annex as a .docx file."""
    annex = cleaned(annex)  # python-docx refuses a string XML cannot hold (U+FFFE, a lone surrogate)
    doc = Document()
    _setup(doc, annex)
    cover = bool(annex.style and annex.style.cover)
    _house_style(doc, annex.style, cover)
    doc.add_paragraph(annex.title, style="Title")
    for label, value in annex.meta:
        _labelled(doc, label, value)
    if annex.questions:
        heading = doc.add_paragraph(annex.words.questions, style="Heading 2")
        heading.paragraph_format.page_break_before = cover
        numbering = _Numbering(doc)
        num_id = numbering.new_list("List Number", 1)
        for question in annex.questions:
            paragraph = doc.add_paragraph(question, style="List Number")
            numbering.apply(paragraph, num_id, 0)
    for i, table in enumerate(annex.tables):
        _table(doc, annex, table)
        if progress:
            progress(i + 1, len(annex.tables))
    if annex.groups:
        doc.add_paragraph(annex.words.groups, style="Heading 1").paragraph_format.page_break_before = True
        for group in annex.groups:
            doc.add_paragraph(group.name, style="Heading 2").paragraph_format.keep_with_next = True
            tables = doc.add_paragraph()
            tables.add_run(group.tables).italic = True
            tables.paragraph_format.keep_with_next = True
            for number, text in group.entries:
                doc.add_paragraph(f"{number}: {text}", style="List Bullet")
    _priorities(doc, annex)
    doc.save(str(out))


def _priorities(doc, annex: Annex) -> None:
    """The closed votes: per vote its heading, summary and ranked entries, one line each."""
    words = annex.words
    if annex.priorities:
        heading = doc.add_paragraph(words.priorities, style="Heading 1")
        heading.paragraph_format.page_break_before = True
    for vote in annex.priorities:
        doc.add_paragraph(vote.title, style="Heading 2").paragraph_format.keep_with_next = True
        doc.add_paragraph(vote.summary)
        for row in vote.rows:
            _labelled(doc, row.rank, row.line(words))


# Word 2010's copy of styles.xml, which python-docx's template carries and never updates: a
# stale copy (without the Header and Footer styles this writer adds, other docDefaults) that
# Word 2010 would prefer; later Word versions neither write nor need it
STYLES_WITH_EFFECTS = "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects"


def drop_styles_with_effects(doc) -> None:
    """Leave out the template's stale Word 2010 copy of the styles (every DOCX this tool writes)."""
    for r_id, relationship in list(doc.part.rels.items()):
        if relationship.reltype == STYLES_WITH_EFFECTS:
            doc.part.drop_rel(r_id)


def _setup(doc, annex: Annex) -> None:
    drop_styles_with_effects(doc)
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(25)
    section.top_margin, section.bottom_margin = Mm(22), Mm(24)
    props = doc.core_properties
    props.title = annex.document_title
    props.subject = annex.description
    props.language = annex.lang
    props.author = ""
    props.comments = ""
    # the document's language, for spelling, hyphenation and screen readers
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    locale = tag(annex.lang)
    lang.set(qn("w:val"), locale)
    lang.set(qn("w:eastAsia"), locale)
    # footer: the meeting on the left, "pagina X van Y" on the right
    footer = section.footer.paragraphs[0]
    footer.text = ""
    run = footer.add_run(annex.footer)
    run.font.size, run.font.color.rgb = Pt(8), MUTED
    footer.add_run("\t")
    for part in (f"{annex.words.page} ", "PAGE", f" {annex.words.of} ", "NUMPAGES"):
        if part in ("PAGE", "NUMPAGES"):
            _field(footer, part)
        else:
            run = footer.add_run(part)
            run.font.size, run.font.color.rgb = Pt(8), MUTED
    tabs = footer.paragraph_format.tab_stops
    # the template's Footer style has Letter-sized stops (centre 3.25", right 6.5"): clear them
    for twips in (4680, 9360):
        tabs.add_tab_stop(Twips(twips), alignment=WD_TAB_ALIGNMENT.CLEAR)
    tabs.add_tab_stop(Mm(TEXT_WIDTH_MM), alignment=WD_TAB_ALIGNMENT.RIGHT)


def _house_style(doc, style: AnnexStyle | None, cover: bool) -> None:
    """The accent on the heading styles; the logo and the organisation's name at the top."""
    if style is None:
        return
    accent = RGBColor.from_string(style.accent.lstrip("#").upper())
    for name in ("Title", "Heading 1", "Heading 2", "Heading 3"):
        doc.styles[name].font.color.rgb = accent
    if style.logo_type:
        raw = base64.b64decode(style.logo_png if style.logo_type == "svg" else style.logo)
        doc.add_picture(BytesIO(raw), height=Mm(24 if cover else 14))
        shape = doc.inline_shapes[-1]
        limit = Mm(80 if cover else 60)
        if shape.width > limit:  # a wide logo: fit the width instead
            shape.height, shape.width = int(shape.height * limit / shape.width), limit
        shape._inline.docPr.set("descr", style.logo_alt)
        shape._inline.docPr.set("title", style.logo_alt)
    if style.name:
        run = doc.add_paragraph().add_run(style.name)
        run.bold, run.font.size, run.font.color.rgb = True, Pt(13), accent
    if cover:
        doc.add_paragraph().paragraph_format.space_before = Mm(50)


def _field(paragraph, code: str) -> None:
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), f" {code} ")
    run = OxmlElement("w:r")
    props = OxmlElement("w:rPr")
    size = OxmlElement("w:sz")
    size.set(qn("w:val"), "16")
    props.append(size)
    run.append(props)
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def _labelled(doc, label: str, value: str, style: str | None = None):
    paragraph = doc.add_paragraph(style=style)
    paragraph.paragraph_format.space_after = Pt(2)
    run = paragraph.add_run(f"{label}: ")
    run.bold = True
    paragraph.add_run(value)
    return paragraph


def _table(doc, annex: Annex, table: AnnexTable) -> None:
    words = annex.words
    heading = doc.add_paragraph(f"{words.table} {table.number}", style="Heading 1")
    heading.paragraph_format.page_break_before = True
    if table.participants:
        names = ", ".join(f"{p.name} ({words.leader})" if p.leader else p.name for p in table.participants)
        _labelled(doc, words.participants, names).paragraph_format.keep_with_next = True
    if table.rapporteur:
        _labelled(doc, words.rapporteur, table.rapporteur)
    blocks = richtext.parse(table.report)
    if blocks:
        _blocks(doc, blocks)
    elif table.figure is None and not table.rounds:
        doc.add_paragraph().add_run(words.no_report).italic = True
    if table.figure:
        _figure(doc, table.figure, words.legend)
    for item in table.rounds:
        doc.add_paragraph(item.title, style="Heading 2").paragraph_format.keep_with_next = True
        question = doc.add_paragraph()
        question.add_run(item.question).italic = True
        question.paragraph_format.keep_with_next = True
        if report := richtext.parse(item.report):
            _blocks(doc, report)
        if item.figure:
            _figure(doc, item.figure, words.legend)
        for text in item.entries:
            doc.add_paragraph(text, style="List Bullet")
        if not item.figure and not item.entries and not report:
            doc.add_paragraph().add_run(words.no_entries).italic = True
    if table.feedback.strip():
        doc.add_paragraph(words.feedback, style="Heading 2")
        if table.spokesperson:
            _labelled(doc, words.spokesperson, table.spokesperson)
        _blocks(doc, richtext.parse(table.feedback))


def _figure(doc, fig: figure_module.Figure, legend_title: str) -> None:
    png = figure_module.to_png(fig)
    width = min(fig.width, TEXT_WIDTH_MM)
    doc.add_picture(BytesIO(png), width=Mm(width))
    picture_paragraph = doc.paragraphs[-1]
    picture_paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    picture_paragraph.paragraph_format.keep_with_next = True
    shape = doc.inline_shapes[-1]
    doc_pr = shape._inline.docPr
    doc_pr.set("descr", fig.alt)
    doc_pr.set("title", fig.title)
    caption = doc.add_paragraph(fig.title, style="Caption")
    caption.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if fig.legend:
        title = doc.add_paragraph()
        title.add_run(legend_title).bold = True
        title.paragraph_format.keep_with_next = True
        for item in fig.legend:
            paragraph = doc.add_paragraph()
            paragraph.paragraph_format.space_after = Pt(1)
            paragraph.add_run(f"{item.number}\t").bold = True
            paragraph.add_run(item.text)
            if item.horizons:
                paragraph.add_run(f" ({', '.join(h.lower() for h in item.horizons)})").font.color.rgb = MUTED
            if item.where:
                paragraph.add_run(f" [{item.where}]").font.color.rgb = MUTED
            paragraph.paragraph_format.left_indent = Mm(8)
            paragraph.paragraph_format.first_line_indent = Mm(-8)
            paragraph.paragraph_format.tab_stops.add_tab_stop(Mm(8))
            for run in paragraph.runs:
                run.font.size = Pt(9)


class _Numbering:
    """New numbering instances, so that every numbered list starts at its own number."""

    def __init__(self, doc) -> None:
        self.doc = doc
        self.numbering = doc.part.numbering_part.element

    def new_list(self, style_name: str, start: int) -> int:
        style = self.doc.styles[style_name]
        num_pr = style.element.pPr.numPr
        base_id = num_pr.numId.val
        base = next(n for n in self.numbering.num_lst if n.numId == base_id)
        num = self.numbering.add_num(base.abstractNumId.val)
        for level in range(9):
            override = num.add_lvlOverride(ilvl=level)
            override.add_startOverride(start if level == 0 else 1)
        return num.numId

    def apply(self, paragraph, num_id: int, level: int) -> None:
        p_pr = paragraph._p.get_or_add_pPr()
        num_pr = p_pr.get_or_add_numPr()
        num_pr.get_or_add_ilvl().val = level
        num_pr.get_or_add_numId().val = num_id


def _blocks(doc, blocks: list[richtext.Block], depth: int = 0, numbering: _Numbering | None = None) -> None:
    numbering = numbering or _Numbering(doc)
    for block in blocks:
        if block.kind == "paragraph":
            _runs(doc.add_paragraph(), block.inlines)
        elif block.kind == "heading":
            _runs(doc.add_paragraph(style=f"Heading {block.level + 1}"), block.inlines)
        elif block.kind == "quote":
            for child in block.children:
                if child.kind == "paragraph":
                    _runs(doc.add_paragraph(style="Quote"), child.inlines)
                else:
                    _blocks(doc, [child], depth, numbering)
        elif block.kind == "rule":
            _rule(doc.add_paragraph())
        elif block.kind in ("bullet_list", "ordered_list"):
            _list(doc, block, depth, numbering)


def _list(doc, block: richtext.Block, depth: int, numbering: _Numbering) -> None:
    ordered = block.kind == "ordered_list"
    level = min(depth, 2)
    style = ("List Number" if ordered else "List Bullet") + (f" {level + 1}" if level else "")
    num_id = numbering.new_list(style, block.start) if ordered else None
    for item in block.children:
        first = True
        for child in item.children:
            if child.kind == "paragraph":
                paragraph = doc.add_paragraph(style=style if first else None)
                if first and num_id is not None:
                    numbering.apply(paragraph, num_id, 0)
                if not first:
                    paragraph.paragraph_format.left_indent = Mm(6.35 * (level + 1))
                _runs(paragraph, child.inlines)
                first = False
            elif child.kind in ("bullet_list", "ordered_list"):
                _list(doc, child, depth + 1, numbering)
            else:
                _blocks(doc, [child], depth + 1, numbering)


def _runs(paragraph, inlines: list[richtext.Inline]) -> None:
    for inline in inlines:
        if inline.hard_break:
            paragraph.add_run().add_break()
            continue
        run = paragraph.add_run(_xml_safe(inline.text))
        run.bold = inline.bold or None
        run.italic = inline.italic or None


def _rule(paragraph) -> None:
    p_pr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "4"), ("w:space", "1"), ("w:color", "C9D0D9")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    p_pr.append(borders)


def _xml_safe(text: str) -> str:
    """Drop the characters XML cannot hold (a pasted \\x0b or U+FFFE would break the file)."""
    return clean(text).replace("\r", "")
