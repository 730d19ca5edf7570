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
"""

from __future__ import annotations

from typing import Any
from xml.etree.ElementTree import Element, SubElement, fromstring, register_namespace, tostring

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
