"""The published annex through independent validators, as an archive or a ministry would check it.

- PDF: page-validation (PyPI ``page-validation``, a Rust PDF/A and PDF/UA checker that passes
  the veraPDF corpus), once as PDF/A-2a and once as PDF/UA-1: it refuses to guess when a file
  claims both, so every PDF is checked against each profile by name.
- ODT: the OASIS ODF 1.3 RelaxNG schemas (the ones openxml-audit ships) with jing (Debian's
  ``jing``, installed by .ci/run; the reference RelaxNG validator, which lists every error),
  and openxml-audit with its package, RelaxNG and semantic checks.
- DOCX: openxml-audit (schemas, semantics, security).

Each on the documents the issues name: the demo, the demo in the house style with a logo
(SVG, and a CMYK JPEG), an English meeting, a meeting in Arabic, Hebrew and emoji, a meeting of three rounds, and a
meeting of 100 tables (marked ``slow``: it runs in ``make test``; ``-m "not slow"`` skips it
locally). Where a validator is wrong, docs/publication.md says so with the clause; nothing is
waived here.
"""

from __future__ import annotations

import dataclasses
import io
import shutil
import subprocess
import zipfile
from pathlib import Path

import page
import pydyf
import pytest
from lxml import etree
from openxml_audit import OdfValidator, OpenXmlValidator
from openxml_audit.errors import FileFormat, ValidationSeverity
from openxml_audit.odf.schemas import get_bundled_schema_path
from PIL import Image

from facilitator import sessionfile
from facilitator.export import archival, service
from facilitator.export.annex import AnnexOptions
from facilitator.housestyle.logo import sanitise_logo
from facilitator.housestyle.style import StyleData
from tests.conftest import SESSIONS
from tests.test_annex import DEMO_DATA, dispose, make_app
from tests.test_annex_scripts import ARABIC, EMOJI, HEBREW, session
from tests.test_meeting_language import ENGLISH
from tests.test_publication import ACCENT, LOGO_SVG, ORGANISATION

FORMATS = ("pdf", "odt", "docx")
PROFILES = {"PDF/A-2a": page.ValidationProfile.PDF_A_2A, "PDF/UA-1": page.ValidationProfile.PDF_UA_1}
OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
MANIFEST = "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"
ODF_PARTS = ("content.xml", "styles.xml", "meta.xml", "settings.xml")


def cmyk_jpeg() -> bytes:
    """A CMYK JPEG logo: the colour space PDF/A forbids beside an sRGB output intent."""
    out = io.BytesIO()
    Image.new("CMYK", (120, 40), (0, 200, 120, 60)).save(out, "JPEG")
    return out.getvalue()


def house_style(raw_logo: bytes) -> StyleData:
    logo, kind, png = sanitise_logo(raw_logo)
    return StyleData(name=ORGANISATION, accent=ACCENT, cover=True, logo=logo, logo_type=kind, logo_png=png)


def meetings():
    """The meetings the issue lists (the 100 tables apart: see ``hundred``)."""
    scripts = session(
        report=f"Nederlands eerst.\n\n{ARABIC}\n\n- {HEBREW}\n- Fietsen {EMOJI}\n\n1. {ARABIC}\n2. twee",
        entries=[ARABIC, HEBREW, f"Klimaat {EMOJI}"],
        feedback=f"{HEBREW}\n\nTerugkoppeling {EMOJI}",
    )
    return {
        "demo": DEMO_DATA,
        "house-style-svg": dataclasses.replace(DEMO_DATA, style=house_style(LOGO_SVG)),
        "house-style-jpeg": dataclasses.replace(DEMO_DATA, style=house_style(cmyk_jpeg())),
        "english": sessionfile.loads(ENGLISH.encode()),
        "scripts": sessionfile.loads(scripts.encode()),
        # a meeting of three rounds: a section per round, one of free entries (a list, no figure),
        # each round's report in its section
        "rounds": with_round_reports(
            sessionfile.loads((SESSIONS / "ser-raad-2023-01-27-rondes.toml").read_bytes())
        ),
    }


def with_round_reports(data):
    """Table 1 with a report of rounds 2 and 3 as well (a list, bold, a numbered list)."""
    data.tables[0].reports = {2: "**Ronde twee.**\n\n- een\n- twee", 3: "1. Eerste punt\n2. Tweede punt"}
    return data


def export(tmp: Path, named: dict) -> dict[str, dict[str, Path]]:
    """Every meeting in every format, through the export service (and its render child)."""
    app = make_app(tmp)
    files: dict[str, dict[str, Path]] = {}
    try:
        with app.app_context():
            for name, data in named.items():
                for fmt in FORMATS:
                    out = tmp / f"{name}.{fmt}"
                    options = AnnexOptions(include_feedback=True)
                    service.export_annex(data, fmt, out, options, keep_spare=False)
                    files.setdefault(name, {})[fmt] = out
    finally:
        dispose(app)
    return files


@pytest.fixture(scope="module")
def documents(tmp_path_factory):
    return export(tmp_path_factory.mktemp("validators"), meetings())


@pytest.fixture(scope="module")
def hundred(tmp_path_factory):
    """The 100-table meeting, rendered once (about 30 s for the three formats) for every test."""
    from benchmarks.meetings import generated_meeting

    return export(tmp_path_factory.mktemp("hundred"), {"100-tables": generated_meeting(100)})["100-tables"]


# ---------------------------------------------------------------------------------------------
# The validators, each reduced to a list of findings (empty: valid)


def pdf_failures(path: Path, profile: page.ValidationProfile) -> list[str]:
    """page's failed rules, one line each; the report must be for the profile asked for."""
    report = page.validate_pdf(path, profile=profile)
    assert report.profile == profile
    assert report.rules.total > 50, report.rules.total  # the profile's rules really ran
    failures = [f"{f.rule_id}: {f.message}" for f in report.failures]
    assert report.is_compliant == (not failures)
    return sorted(set(failures))


def odf_findings(path: Path) -> tuple[list[str], list[str]]:
    """openxml-audit on an ODT: package, the OASIS 1.3 RelaxNG schemas, semantics.

    ``require_schema_routes`` is off as in the tool's own ``--odf-level schema-core``: the
    schemas cover content, styles, meta, settings and the manifest; ``manifest.rdf`` is RDF
    (its vocabulary is an OWL ontology in ODF 1.3 part 2), for which no RelaxNG exists.
    """
    validator = OdfValidator(
        FileFormat.ODF_1_3,
        max_errors=0,
        relaxng_validation=True,
        semantic_validation=True,
        strict=True,
        require_schema_routes=False,
    )
    result = validator.validate(path)
    errors = [str(e) for e in result.errors if e.severity == ValidationSeverity.ERROR]
    warnings = [f"{e.id} {e}" for e in result.errors if e.severity != ValidationSeverity.ERROR]
    return errors, warnings


def docx_errors(path: Path) -> list[str]:
    validator = OpenXmlValidator(FileFormat.MICROSOFT_365, max_errors=0, security_validation=True)
    result = validator.validate(path)
    return [str(e) for e in result.errors if e.severity == ValidationSeverity.ERROR]


def jing(schema: Path, files: list[Path]) -> list[str]:
    """jing's errors (``file:line:column: error: …``) for ``files`` against ``schema``.

    ``-i``: no ID/IDREF checks of the RelaxNG DTD-compatibility spec, which the ODF schema
    was not written for (jing refuses to load it otherwise).
    """
    binary = shutil.which("jing")
    assert binary, "jing is missing: .ci/run installs Debian's jing"
    run = subprocess.run(
        [binary, "-i", str(schema), *map(str, files)], capture_output=True, text=True, timeout=300
    )
    errors = [line for line in run.stdout.splitlines() if ": error:" in line or ": fatal:" in line]
    assert (run.returncode == 0) == (not errors), run.stdout + run.stderr
    return errors


def unpack(odt: Path, into: Path) -> Path:
    into.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(odt) as package:
        package.extractall(into)
    return into


def schema(part: str) -> Path:
    path = get_bundled_schema_path(part, "1.3")
    assert path is not None and "1.3" in path.name, part
    return path


# ---------------------------------------------------------------------------------------------
# PDF: PDF/A-2a and PDF/UA-1, each by name


NAMES = list(meetings())


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("name", NAMES)
def test_pdf_passes_page_validation(documents, name, profile):
    assert pdf_failures(documents[name]["pdf"], PROFILES[profile]) == []


@pytest.mark.slow
@pytest.mark.parametrize("profile", PROFILES)
def test_hundred_table_pdf_passes_page_validation(hundred, profile):
    assert pdf_failures(hundred["pdf"], PROFILES[profile]) == []


def test_page_refuses_to_guess_between_the_two_claims(documents):
    """Why every PDF is checked twice: the file claims PDF/A-2a and PDF/UA-1 at once."""
    with pytest.raises(page.ProfileError):
        page.validate_pdf(documents["demo"]["pdf"])


# ---------------------------------------------------------------------------------------------
# ODT: strict ODF 1.3 against the OASIS schemas (jing) and openxml-audit


def check_odt_with_jing(odts: dict[str, Path], tmp_path: Path) -> None:
    """All the parts of all the ODTs in two jing runs (one JVM start per schema)."""
    unpacked = {name: unpack(path, tmp_path / name) for name, path in odts.items()}
    parts = [folder / part for folder in unpacked.values() for part in ODF_PARTS]
    manifests = [folder / "META-INF" / "manifest.xml" for folder in unpacked.values()]
    assert jing(schema("content.xml"), parts) == []
    assert jing(schema("META-INF/manifest.xml"), manifests) == []


def test_odt_passes_the_oasis_schema_with_jing(documents, tmp_path):
    check_odt_with_jing({name: files["odt"] for name, files in documents.items()}, tmp_path)


def test_jing_does_find_what_the_schema_forbids(documents, tmp_path):
    """The check above can fail: the LibreOffice template's ODF 1.4 and loext: markup are errors."""
    folder = unpack(documents["demo"]["odt"], tmp_path / "demo")
    styles = folder / "styles.xml"
    text = styles.read_text(encoding="utf-8").replace('office:version="1.3"', 'office:version="1.4"', 1)
    styles.write_text(text, encoding="utf-8")
    errors = jing(schema("styles.xml"), [styles])
    assert len(errors) == 1 and '"office:version" is invalid' in errors[0], errors


# warnings that are not errors, and not true of the annex (docs/publication.md): an image frame
# anchored "as-char" sits in the line of text, so it has no svg:x and svg:y (optional in the schema)
EXPECTED_WARNINGS = ("ODFSEMDRAW001",)


@pytest.mark.parametrize("name", NAMES)
def test_odt_passes_openxml_audit(documents, name):
    errors, warnings = odf_findings(documents[name]["odt"])
    assert errors == []
    assert [w for w in warnings if not w.startswith(EXPECTED_WARNINGS)] == []


@pytest.mark.slow
def test_hundred_table_odt_passes_the_schema_and_openxml_audit(hundred, tmp_path):
    check_odt_with_jing({"100-tables": hundred["odt"]}, tmp_path)
    errors, warnings = odf_findings(hundred["odt"])
    assert errors == []
    assert [w for w in warnings if not w.startswith(EXPECTED_WARNINGS)] == []


@pytest.mark.parametrize("name", NAMES)
def test_odt_declares_odf_1_3_and_every_member(documents, name):
    with zipfile.ZipFile(documents[name]["odt"]) as package:
        infos = package.infolist()
        assert infos[0].filename == "mimetype" and infos[0].compress_type == zipfile.ZIP_STORED
        assert package.read("mimetype") == b"application/vnd.oasis.opendocument.text"
        for part in ODF_PARTS:
            root = etree.fromstring(package.read(part))
            assert root.get(f"{{{OFFICE}}}version") == "1.3", part
            foreign = [
                uri for uri in root.nsmap.values() if "documentfoundation" in uri or "openoffice" in uri
            ]
            assert foreign == [], part
        manifest = etree.fromstring(package.read("META-INF/manifest.xml"))
        members = {i.filename for i in infos} - {"mimetype", "META-INF/manifest.xml"}
    assert manifest.get(f"{{{MANIFEST}}}version") == "1.3"
    entries = {
        e.get(f"{{{MANIFEST}}}full-path"): e.get(f"{{{MANIFEST}}}media-type")
        for e in manifest.iter(f"{{{MANIFEST}}}file-entry")
    }
    assert set(entries) - {"/", "Pictures/"} == members
    assert not [m for m in members if m.startswith(("Configurations2/", "Thumbnails/"))]
    assert {t for m, t in entries.items() if m.startswith("Pictures/") and m != "Pictures/"} <= {
        "image/png",
        "image/jpeg",
    }


# ---------------------------------------------------------------------------------------------
# DOCX: openxml-audit


@pytest.mark.parametrize("name", NAMES)
def test_docx_passes_openxml_audit(documents, name):
    assert docx_errors(documents[name]["docx"]) == []


@pytest.mark.slow
def test_hundred_table_docx_passes_openxml_audit(hundred):
    assert docx_errors(hundred["docx"]) == []


# ---------------------------------------------------------------------------------------------
# The PDF's three mends (facilitator/export/archival.py), each on its own


def _minimal_pdf(content: bytes, compress: bool = False) -> pydyf.PDF:
    document = pydyf.PDF()
    stream = pydyf.Stream([content], compress=compress)
    document.add_object(stream)
    page_object = pydyf.Dictionary(
        {"Type": "/Page", "Parent": document.pages.reference, "MediaBox": pydyf.Array([0, 0, 10, 10])}
    )
    page_object["Contents"] = stream.reference
    document.add_page(page_object)
    return document


def _write(document: pydyf.PDF) -> bytes:
    out = io.BytesIO()
    document.write(out, version=b"1.7", identifier=True, compress=True)
    return out.getvalue()


def _stream_length_failures(raw: bytes) -> list[str]:
    report = page.validate_pdf_bytes(raw, profile=page.ValidationProfile.PDF_A_2B)
    return [f.rule_id for f in report.failures if "STREAM-LENGTH" in f.rule_id]


def test_a_stream_whose_data_ends_in_cr_keeps_its_length():
    """CR LF is one end-of-line marker (ISO 32000-1 7.2.2): data ending in CR needs CR LF after it."""
    content = b"0 0 m 1 1 l S\r"  # a content stream whose last byte is CR
    plain = _write(_minimal_pdf(content))
    assert b"S\r\nendstream" in plain
    assert _stream_length_failures(plain)  # pydyf alone: page counts one byte less than /Length
    with archival.unambiguous_stream_ends():
        mended = _write(_minimal_pdf(content))
    assert b"S\r\r\nendstream" in mended
    assert _stream_length_failures(mended) == []
    assert _write(_minimal_pdf(content)) == plain  # pydyf as it was after the write
    assert archival.end_stream_unambiguously(b"x\nstream\nab\nendstream") == b"x\nstream\nab\nendstream"


def test_list_items_hold_only_a_label_and_a_body():
    """WeasyPrint's LI > P becomes LI > LBody > P; the P's parent follows (ISO 32000-1 table 336)."""
    document = pydyf.PDF()

    def element(tag: str, parent=None) -> pydyf.Dictionary:
        obj = pydyf.Dictionary({"Type": "/StructElem", "S": f"/{tag}", "K": pydyf.Array()})
        document.add_object(obj)
        if parent is not None:
            obj["P"] = parent.reference
            parent["K"].append(obj.reference)
        return obj

    items = element("L")
    loose = element("LI", items)
    label, first, second = element("Lbl", loose), element("P", loose), element("P", loose)
    tight = element("LI", items)
    element("Lbl", tight), element("LBody", tight)
    archival.wrap_list_bodies(None, document)
    kids = {obj.reference: obj for obj in document.objects[1:] if isinstance(obj, pydyf.Dictionary)}
    assert [kids[k]["S"] for k in loose["K"]] == ["/Lbl", "/LBody"]
    body = kids[loose["K"][1]]
    assert list(body["K"]) == [first.reference, second.reference] and body["P"] == loose.reference
    assert first["P"] == second["P"] == body.reference and label["P"] == loose.reference
    assert [kids[k]["S"] for k in tight["K"]] == ["/Lbl", "/LBody"]  # already right: untouched


def test_the_metadata_stream_is_plain_xml(documents):
    import pikepdf

    with pikepdf.open(documents["demo"]["pdf"]) as pdf:
        metadata = pdf.Root.Metadata
        assert "/Filter" not in metadata
        assert metadata.read_raw_bytes().startswith(b"<?xpacket begin=")


@pytest.mark.parametrize("name", ["demo", "scripts"])
def test_minutes_docx_passes_openxml_audit(name, tmp_path):
    """The minutes' section as a Word document (the minute-taker's download) passes too."""
    from facilitator.export import minutes

    out = tmp_path / f"{name}-minutes.docx"
    minutes.write_docx(meetings()[name], out)
    assert not docx_errors(out)


# WeasyPrint leaves its sRGB profile's file to the garbage collector: not ours to close
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_page_references_made_once_write_the_same_bytes(monkeypatch):
    """The cached page references (archival.page_references_once) change no byte of the PDF,
    are made once however often WeasyPrint asks, and pydyf's own property is back after."""
    from weasyprint import HTML

    pages = "".join(
        f'<section id="t{n}" style="break-before: page"><h2>Tafel {n}</h2><p><a href="#t{n % 5 + 1}">verder</a></p>'
        f"<ul><li>Inbreng {n}.1</li><li>Inbreng {n}.2</li></ul></section>"
        for n in range(1, 6)
    )
    document = HTML(string=f"<html lang='nl'><title>Bijlage</title><body>{pages}</body></html>").render(
        **archival.PDF_OPTIONS
    )
    archival.mark_archival(document)
    cached, plain = io.BytesIO(), io.BytesIO()
    own = pydyf.PDF.page_references
    asked, made = [], []
    use, make = archival._page_references, archival._PAGE_REFERENCES.fget
    monkeypatch.setattr(archival, "_page_references", lambda pdf: asked.append(1) or use(pdf))
    monkeypatch.setattr(archival, "_PAGE_REFERENCES", property(lambda pdf: made.append(1) or make(pdf)))
    archival.write_archival(document, cached)
    assert pydyf.PDF.page_references is own
    assert len(asked) > 10 and len(made) == 1, (len(asked), len(made))
    with archival.unambiguous_stream_ends():
        document.write_pdf(plain, finisher=archival.wrap_list_bodies, **archival.PDF_OPTIONS)
    assert len(document.pages) == 5
    assert cached.getvalue() == plain.getvalue()
