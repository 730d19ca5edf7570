"""The minutes' section "Terugkoppeling tafels": who reported back for each table, and what.

One "Terugkoppeling van tafel N door <spokesperson>." paragraph per table in the feedback
order (the meeting's ``feedback_order``, else table number order), followed by the table's
plenary feedback (Markdown, as in the annex). A table with neither a spokesperson nor
feedback did not report back and is left out. Written as DOCX (python-docx, like the
annex) or Markdown (user text escaped as in the annex), in the meeting's language or the
one asked for ("Feedback from the tables", "Feedback from table N by X.").
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
from .docx_writer import _blocks, _Numbering, _xml_safe, drop_styles_with_effects
from .language import supported, tag, translator
from .markdown_writer import escape_markdown
from .richtext import to_markdown as feedback_markdown


def section_title(lang: str = "nl") -> str:
    """The section's heading: "Terugkoppeling tafels", "Feedback from the tables"."""
    _ = translator(lang)
    return _("Terugkoppeling tafels")


@dataclass
class Feedback:
    """One table's report-back in the plenary."""

    number: int
    spokesperson: str
    text: str
    lang: str = "nl"

    @property
    def lead(self) -> str:
        """The paragraph that opens it, as the minutes write it."""
        _ = translator(self.lang)
        if self.spokesperson:
            lead = _("Terugkoppeling van tafel %(number)s door %(name)s") % {
                "number": self.number,
                "name": self.spokesperson,
            }
        else:
            lead = _("Terugkoppeling van tafel %(number)s") % {"number": self.number}
        return lead if lead.endswith(".") else lead + "."


def feedback_in_order(data: MeetingData, lang: str | None = None) -> list[Feedback]:
    """The tables that reported back, in the feedback order (default: table number order)."""
    lang = supported(lang or data.language)
    data = cleaned(data)
    by_number = {t.number: t for t in data.tables}
    numbers = [n for n in data.feedback_order or [] if n in by_number] or sorted(by_number)
    out = []
    for number in numbers:
        table = by_number[number]
        spokesperson = " ".join((table.spokesperson or "").split())
        text = (table.feedback or "").strip()
        if spokesperson or text:
            out.append(Feedback(number, spokesperson, text, lang))
    return out


def to_markdown(data: MeetingData, lang: str | None = None) -> str:
    """The section as Markdown: a heading, then per table its lead in bold and the feedback."""
    lang = supported(lang or data.language)
    out = [f"# {escape_markdown(section_title(lang))}"]
    for item in feedback_in_order(data, lang):
        out.append(f"**{escape_markdown(item.lead)}**")
        body = feedback_markdown(item.text)
        if body:
            out.append(body)
    return "\n\n".join(out) + "\n"


def write_docx(data: MeetingData, out: Path | str | BinaryIO, lang: str | None = None) -> None:
    """The section as a Word document, to paste into the minutes."""
    lang = supported(lang or data.language)
    title = section_title(lang)
    doc = Document()
    drop_styles_with_effects(doc)
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(25)
    doc.core_properties.title = _xml_safe(f"{title} — {data.title}")
    doc.core_properties.language = tag(lang)
    doc.core_properties.author = ""
    _language(doc, tag(lang))
    doc.add_paragraph(title, style="Heading 1")
    numbering = _Numbering(doc)
    for item in feedback_in_order(data, lang):
        lead = doc.add_paragraph()
        lead.add_run(_xml_safe(item.lead)).bold = True
        lead.paragraph_format.keep_with_next = True
        _blocks(doc, richtext.parse(item.text), numbering=numbering)
    doc.save(str(out) if isinstance(out, str | Path) else out)


def _language(doc, locale: str) -> None:
    """The document's language, for spelling and screen readers."""
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), locale)


def write(data: MeetingData, fmt: str, out: Path, lang: str | None = None) -> None:
    """Write the section in ``fmt`` (docx or md) to ``out``, in ``lang`` (default: the meeting's)."""
    if fmt == "md":
        out.write_text(to_markdown(data, lang), encoding="utf-8")
    else:
        write_docx(data, out, lang)
