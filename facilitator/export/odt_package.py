"""The ODT's package made strict ODF 1.3: what odfdo's LibreOffice template brings is cut back.

odfdo starts every document from a LibreOffice template, which declares ODF 1.4 (newer than
the published OASIS schemas the validators use and than the 1.2 and 1.3 that Dutch public
bodies are asked for), carries LibreOffice's own extensions (``loext:`` attributes and
elements, which the OASIS schema does not allow), the empty folders of LibreOffice's
user-interface settings (``Configurations2/``, not in the manifest, with an empty
``current.xml`` that is not XML) and the template's thumbnail (an empty page, not this
document). ``strict_odt`` rewrites the saved package:

- ``office:version="1.3"`` on content, styles, meta and settings, ``manifest:version="1.3"``
  in the manifest (its root and its "/" entry);
- every element and attribute outside the namespaces of the ODF 1.3 schema removed;
- ``Configurations2/`` and ``Thumbnails/`` left out, and their manifest entries with them;
- every member declared in the manifest (odt_writer names pictures with their media type);
- ``mimetype`` first and stored uncompressed, as the packaging rules (ODF 1.3 part 2) ask.

The result passes the OASIS RelaxNG schema (jing) and openxml-audit (tests/test_validators.py).
"""

from __future__ import annotations

import io
import zipfile

from lxml import etree

ODF_VERSION = "1.3"

OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
MANIFEST = "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"

# the namespaces the ODF 1.3 schema (OpenDocument-v1.3-schema.rng) declares and uses
ODF_NAMESPACES = frozenset(
    {
        *(
            f"urn:oasis:names:tc:opendocument:xmlns:{name}:1.0"
            for name in (
                "animation",
                "chart",
                "config",
                "database",
                "dr3d",
                "drawing",
                "form",
                "meta",
                "datastyle",
                "office",
                "presentation",
                "script",
                "style",
                "svg-compatible",
                "smil-compatible",
                "table",
                "text",
                "xsl-fo-compatible",
            )
        ),
        "http://purl.org/dc/elements/1.1/",
        "http://www.w3.org/2003/g/data-view#",
        "http://www.w3.org/1998/Math/MathML",
        "http://www.w3.org/2002/xforms",
        "http://www.w3.org/1999/xhtml",
        "http://www.w3.org/1999/xlink",
        "http://www.w3.org/XML/1998/namespace",
    }
)
DOCUMENT_PARTS = ("content.xml", "styles.xml", "meta.xml", "settings.xml")
MANIFEST_PART = "META-INF/manifest.xml"
LEFT_OUT = ("Configurations2/", "Thumbnails/")


def strict_odt(raw: bytes) -> bytes:
    """The package ``raw`` (an .odt as odfdo saves it) as strict ODF 1.3."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw)) as source, zipfile.ZipFile(out, "w") as target:
        members = [
            name
            for name in source.namelist()
            if not name.startswith(LEFT_OUT) and not name.endswith("/") and name != "mimetype"
        ]
        target.writestr("mimetype", source.read("mimetype"), compress_type=zipfile.ZIP_STORED)
        contents = {name: source.read(name) for name in members}
        for name in members:
            data = contents[name]
            if name in DOCUMENT_PARTS:
                data = _strict_part(data)
            elif name == MANIFEST_PART:
                data = _manifest(data, contents)
            target.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _parse(data: bytes) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    return etree.fromstring(data, parser)  # noqa: S320 - odfdo's output, no entities or DTD


def _serialise(root: etree._Element) -> bytes:
    etree.cleanup_namespaces(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _foreign(name: str) -> bool:
    return name.startswith("{") and etree.QName(name).namespace not in ODF_NAMESPACES


def _strict_part(data: bytes) -> bytes:
    """One of content, styles, meta, settings: ODF 1.3, foreign markup removed."""
    root = _parse(data)
    root.set(f"{{{OFFICE}}}version", ODF_VERSION)
    for element in list(root.iter()):
        if not isinstance(element.tag, str):
            continue
        if _foreign(element.tag):
            element.getparent().remove(element)
            continue
        for attribute in [a for a in element.attrib if _foreign(a)]:
            del element.attrib[attribute]
    return _serialise(root)


def _manifest(data: bytes, contents: dict[str, bytes]) -> bytes:
    """The manifest: ODF 1.3, an entry for every member kept and none for one left out."""
    root = _parse(data)
    path, media_type, version = (f"{{{MANIFEST}}}{a}" for a in ("full-path", "media-type", "version"))
    root.set(version, ODF_VERSION)
    declared = set()
    for entry in list(root.iter(f"{{{MANIFEST}}}file-entry")):
        full_path = entry.get(path, "")
        if full_path.startswith(LEFT_OUT):
            root.remove(entry)
            continue
        declared.add(full_path)
        if full_path == "/":
            entry.set(version, ODF_VERSION)
    for name in sorted(set(contents) - declared - {MANIFEST_PART}):
        etree.SubElement(root, f"{{{MANIFEST}}}file-entry", {path: name, media_type: ""})
    return _serialise(root)
