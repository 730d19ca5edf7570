"""PDF/A-2a and PDF/UA-1 in one file: WeasyPrint's "pdf/a-2a" variant plus the PDF/UA identification.

WeasyPrint 70 writes one variant per document. "pdf/a-2a" gives what PDF/A needs (tagged
structure, PDF 1.7, an sRGB output intent, the file identifier, fonts embedded, the
pdfaid identification); the tags it writes are the same ones "pdf/ua-1" writes (with the
document title shown and the language set). What the PDF/A variant does not write is the
PDF/UA identification, ``pdfuaid:part="1"`` in the XMP metadata; PDF/A in turn requires
that every XMP property outside the XMP standard is declared in an extension schema, so
the pdfuaid schema description is added too (as ISO 14289-1 and veraPDF expect). The
document's language (``<html lang>``, already the catalogue's /Lang) goes into the XMP as
dc:language too, which WeasyPrint leaves out.

``write_archival`` writes the file, and mends three things WeasyPrint 70 and pydyf 0.13 get
wrong for the validators (docs/publication.md, "What is verified"):

- the XMP metadata stream is written unfiltered (plain XML), so that it can be read without
  a PDF parser; a PDF/A-1 requirement (ISO 19005-1, 6.7.2) that validators apply to PDF/A-2;
- a list item's content is wrapped in an ``LBody``: WeasyPrint puts the ``P`` of an
  ``<li><p>`` straight under the ``LI``, where ISO 32000-1 (14.8.4.3.3, table 336) allows
  only ``Lbl`` and ``LBody`` (PDF/UA-1 7.2);
- a stream whose data ends in CARRIAGE RETURN gets CR LF before ``endstream``, not LF alone:
  CR LF is one end-of-line marker (ISO 32000-1 7.2.2), so "data CR, LF" reads as data one
  byte shorter than its /Length (ISO 19005-2 6.1.7.1). A compressed stream ends in its
  Adler-32 checksum, so about one stream in 256 does this.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from xml.etree.ElementTree import Element, SubElement, fromstring, register_namespace, tostring

import pydyf
from weasyprint.pdf.metadata import NS, DocumentMetadata

PDF_OPTIONS: dict[str, Any] = {
    "pdf_variant": "pdf/a-2a",
    # the variant fills only options that are None, and pdf_tags defaults to False
    "pdf_tags": True,
    # off: with it, HTML attributes become CSS (CVE-2026-49452)
    "presentational_hints": False,
}

PDFUA_NS = NS["pdfuaid"]
RDF_NS = NS["rdf"]
EXTENSION_NS = {
    "pdfaExtension": "http://www.aiim.org/pdfa/ns/extension/",
    "pdfaSchema": "http://www.aiim.org/pdfa/ns/schema#",
    "pdfaProperty": "http://www.aiim.org/pdfa/ns/property#",
}
# ElementTree's prefixes are global (WeasyPrint registers its own the same way); validators
# expect the extension schema's customary prefixes
for _prefix, _uri in EXTENSION_NS.items():
    register_namespace(_prefix, _uri)

# ISO 14289-1 / PDF/A: the pdfuaid schema, declared so that a PDF/A validator accepts it
PDFUA_EXTENSION_SCHEMA = f"""\
<rdf:Description xmlns:rdf="{RDF_NS}" rdf:about=""
    xmlns:pdfaExtension="{EXTENSION_NS["pdfaExtension"]}"
    xmlns:pdfaSchema="{EXTENSION_NS["pdfaSchema"]}"
    xmlns:pdfaProperty="{EXTENSION_NS["pdfaProperty"]}">
  <pdfaExtension:schemas>
    <rdf:Bag>
      <rdf:li rdf:parseType="Resource">
        <pdfaSchema:schema>PDF/UA Universal Accessibility Schema</pdfaSchema:schema>
        <pdfaSchema:namespaceURI>{PDFUA_NS}</pdfaSchema:namespaceURI>
        <pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>
        <pdfaSchema:property>
          <rdf:Seq>
            <rdf:li rdf:parseType="Resource">
              <pdfaProperty:name>part</pdfaProperty:name>
              <pdfaProperty:valueType>Integer</pdfaProperty:valueType>
              <pdfaProperty:category>internal</pdfaProperty:category>
              <pdfaProperty:description>Indicates, which part of ISO 14289 standard is followed\
</pdfaProperty:description>
            </rdf:li>
          </rdf:Seq>
        </pdfaSchema:property>
      </rdf:li>
    </rdf:Bag>
  </pdfaExtension:schemas>
</rdf:Description>"""


class ArchivalMetadata(DocumentMetadata):
    """Document metadata whose PDF/A XMP packet also identifies the file as PDF/UA-1."""

    def generate_rdf_metadata(self, variant, version, conformance):  # noqa: D401 - WeasyPrint's name
        """WeasyPrint's RDF, plus pdfuaid:part="1" and its extension schema when writing PDF/A."""
        rdf = super().generate_rdf_metadata(variant, version, conformance)
        if variant != "a":
            return rdf
        root = fromstring(rdf)  # noqa: S314 - our own XML, just generated
        identification = root.find(f"{{{RDF_NS}}}Description")
        identification.set(f"{{{PDFUA_NS}}}part", "1")
        root.append(fromstring(PDFUA_EXTENSION_SCHEMA))  # noqa: S314 - a constant
        if self.lang:
            root.append(_language(self.lang))
        return tostring(root, encoding="utf-8")

    def include_in_pdf(self, pdf, variant, version, conformance, compress):
        """The XMP packet as a plain stream: no Filter on the catalogue's metadata stream."""
        super().include_in_pdf(pdf, variant, version, conformance, compress=False)


def _language(lang: str) -> Element:
    """<rdf:Description><dc:language><rdf:Bag><rdf:li>lang</rdf:li>… (Dublin Core: a bag)."""
    description = Element(f"{{{RDF_NS}}}Description", {f"{{{RDF_NS}}}about": ""})
    bag = SubElement(SubElement(description, f"{{{NS['dc']}}}language"), f"{{{RDF_NS}}}Bag")
    SubElement(bag, f"{{{RDF_NS}}}li").text = lang
    return description


def mark_archival(document) -> None:
    """Let a rendered WeasyPrint document write the PDF/A + PDF/UA metadata."""
    metadata = ArchivalMetadata()
    metadata.__dict__.update(document.metadata.__dict__)
    document.metadata = metadata


def write_archival(document, target, options: dict[str, Any] | None = None) -> None:
    """Write a rendered document as PDF/A-2a + PDF/UA-1 (call ``mark_archival`` first)."""
    with unambiguous_stream_ends(), page_references_once():
        document.write_pdf(target, finisher=wrap_list_bodies, **(options or PDF_OPTIONS))


# ---------------------------------------------------------------------------------------------
# The structure tree: LI holds Lbl and LBody only


def wrap_list_bodies(document, pdf: pydyf.PDF) -> None:  # noqa: ARG001 - WeasyPrint's finisher signature
    """Move every child of an ``LI`` that is not ``Lbl`` or ``LBody`` into a new ``LBody``.

    Only the structure tree changes: the marked content and the parent tree (MCID → element)
    still point at the same elements, which now have the ``LBody`` as parent.
    """
    by_reference = {obj.reference: obj for obj in pdf.objects[1:] if isinstance(obj, pydyf.Dictionary)}
    items = [
        obj for obj in by_reference.values() if obj.get("S") == "/LI" and obj.get("Type") == "/StructElem"
    ]
    for item in items:
        kids = item.get("K")
        if not isinstance(kids, pydyf.Array):
            continue
        new_kids, run = pydyf.Array(), []
        for kid in [*kids, None]:
            child = by_reference.get(kid)
            if kid is not None and (child is None or child.get("S") not in ("/Lbl", "/LBody")):
                run.append(kid)
                continue
            if run:
                new_kids.append(_list_body(pdf, item, run, by_reference))
                run = []
            if kid is not None:
                new_kids.append(kid)
        item["K"] = new_kids


def _list_body(pdf: pydyf.PDF, item: pydyf.Dictionary, kids: list, by_reference: dict) -> bytes:
    body = pydyf.Dictionary({"Type": "/StructElem", "S": "/LBody", "K": pydyf.Array(kids)})
    body["P"] = item.reference
    if "Pg" in item:
        body["Pg"] = item["Pg"]
    pdf.add_object(body)
    for kid in kids:
        if kid in by_reference:
            by_reference[kid]["P"] = body.reference
    return body.reference


# ---------------------------------------------------------------------------------------------
# Stream ends: data that ends in CR is followed by CR LF, so the CR stays the data's


_ENDSTREAM = b"\nendstream"


def end_stream_unambiguously(data: bytes) -> bytes:
    """pydyf's ``… data LF endstream`` with CR LF in place of LF when the data ends in CR."""
    if data.endswith(b"\r" + _ENDSTREAM):
        return data[: -len(_ENDSTREAM)] + b"\r" + _ENDSTREAM
    return data


@contextmanager
def unambiguous_stream_ends() -> Iterator[None]:
    """While writing, every pydyf stream (the object and xref streams pydyf makes itself too)
    ends unambiguously. pydyf has no hook for it, hence the property swapped for the write;
    the render child writes one document at a time."""
    original = pydyf.Stream.data
    pydyf.Stream.data = property(lambda stream: end_stream_unambiguously(original.fget(stream)))
    try:
        yield
    finally:
        pydyf.Stream.data = original


_PAGE_REFERENCES = pydyf.PDF.page_references  # pydyf's own


def _page_references(pdf: pydyf.PDF) -> tuple[bytes, ...]:
    """pydyf's ``page_references``, kept until a page is added (pages are only ever appended)."""
    kids = pdf.pages["Kids"]
    cached = pdf.__dict__.get("_page_references")
    if cached is None or cached[0] != len(kids):
        cached = (len(kids), _PAGE_REFERENCES.fget(pdf))
        pdf.__dict__["_page_references"] = cached
    return cached[1]


@contextmanager
def page_references_once() -> Iterator[None]:
    """While writing, ``pdf.page_references`` is made once, not at every use.

    pydyf builds the tuple of every page's reference anew each time WeasyPrint asks for one
    page's: for each element of the structure tree (PDF/UA) and each link. For 100 tables
    (201 pages, some 4,000 tagged elements) that was a tenth of the render
    (docs/performance.md). Same result, kept per document until its page count changes.
    """
    original = pydyf.PDF.page_references
    pydyf.PDF.page_references = property(_page_references)
    try:
        yield
    finally:
        pydyf.PDF.page_references = original
