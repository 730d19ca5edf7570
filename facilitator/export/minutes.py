"""The minutes' section "Terugkoppeling tafels": who reported back for each table, and what.

One "Terugkoppeling van tafel N door <spokesperson>." paragraph per table in the feedback
order (the meeting's ``feedback_order``, else table number order), followed by the table's
plenary feedback (Markdown, as in the annex). A table with neither a spokesperson nor
feedback did not report back and is left out. Written as DOCX (python-docx, like the
annex) or Markdown (user text escaped as in the annex).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from docx import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm

from ..meeting_data import MeetingData
from . import richtext
from .annex import cleaned
from .docx_writer import _blocks, _Numbering, _xml_safe
from .markdown_writer import escape_markdown
from .richtext import to_markdown as feedback_markdown

SECTION_TITLE = "Terugkoppeling tafels"


@dataclass
class Feedback:
    """One table's report-back in the plenary."""

    number: int
    spokesperson: str
    text: str

    @property
    def lead(self) -> str:
        """The paragraph that opens it, as the minutes write it."""
        who = f" door {self.spokesperson}" if self.spokesperson else ""
        lead = f"Terugkoppeling van tafel {self.number}{who}"
        return lead if lead.endswith(".") else lead + "."


def feedback_in_order(data: MeetingData) -> list[Feedback]:
    """The tables that reported back, in the feedback order (default: table number order)."""
    data = cleaned(data)
    by_number = {t.number: t for t in data.tables}
    numbers = [n for n in data.feedback_order or [] if n in by_number] or sorted(by_number)
    out = []
    for number in numbers:
        table = by_number[number]
        spokesperson = " ".join((table.spokesperson or "").split())
        text = (table.feedback or "").strip()
        if spokesperson or text:
            out.append(Feedback(number, spokesperson, text))
    return out


def to_markdown(data: MeetingData) -> str:
    """The section as Markdown: a heading, then per table its lead in bold and the feedback."""
    out = [f"# {SECTION_TITLE}"]
    for item in feedback_in_order(data):
        out.append(f"**{escape_markdown(item.lead)}**")
        body = feedback_markdown(item.text)
        if body:
            out.append(body)
    return "\n\n".join(out) + "\n"


def write_docx(data: MeetingData, out: Path | str | BinaryIO) -> None:
    """The section as a Word document, to paste into the minutes."""
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(25)
    doc.core_properties.title = _xml_safe(f"{SECTION_TITLE} — {data.title}")
    doc.core_properties.language = "nl-NL"
    doc.core_properties.author = ""
    _language(doc, "nl-NL")
    doc.add_paragraph(SECTION_TITLE, style="Heading 1")
    numbering = _Numbering(doc)
    for item in feedback_in_order(data):
        lead = doc.add_paragraph()
        lead.add_run(_xml_safe(item.lead)).bold = True
        lead.paragraph_format.keep_with_next = True
        _blocks(doc, richtext.parse(item.text), numbering=numbering)
    doc.save(out if hasattr(out, "write") else str(out))


def _language(doc, locale: str) -> None:
    """The document's language, for spelling and screen readers."""
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), locale)


def write(data: MeetingData, fmt: str, out: Path) -> None:
    """Write the section in ``fmt`` (docx or md) to ``out``."""
    if fmt == "md":
        out.write_text(to_markdown(data), encoding="utf-8")
    else:
        write_docx(data, out)
