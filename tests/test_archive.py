"""The archive package (issue 19, part 6): one ZIP with the annex as PDF/A and ODT, the session file,
the minutes' section and a manifest of SHA-256 checksums, from the command line and the web.

The package is opened as an archive would: every checksum recomputed from the bytes, the PDF
through page-validation as PDF/A-2a, the session file imported back into the same meeting.
"""

from __future__ import annotations

import hashlib
import io
import json
import tomllib
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import page
import pytest

import facilitator
from facilitator import operations, sessionfile
from facilitator.export import archive, service
from facilitator.export.minutes import to_markdown

from .annex_support import DEMO_DATA, REPO, dispose, make_app
from .test_annex_exports import wait_for_job, web  # noqa: F401 - the fixture, used by name

NAMES = ["annex.pdf", "annex.odt", "session.toml", "minutes.docx", "minutes.md", "manifest.json"]


@pytest.fixture(scope="module")
def package(tmp_path_factory):
    """The demo meeting's package, made once through the command (in-process), and its meeting."""
    tmp = tmp_path_factory.mktemp("archive")
    app = make_app(tmp)
    app.config["ANNEX_PRESTART"] = False
    try:
        with app.app_context():
            slug = operations.import_meeting(DEMO_DATA).slug
        before = datetime.now(UTC).replace(microsecond=0)
        out = tmp / "pakket.zip"
        result = app.test_cli_runner().invoke(args=["archive", slug, "--out", str(out)])
        assert result.exit_code == 0, result.output
        with app.app_context():
            data = service.load_meeting_data(slug)
        yield {"app": app, "slug": slug, "zip": out, "data": data, "before": before, "tmp": tmp}
    finally:
        dispose(app)


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as package:
        assert package.testzip() is None
        return {info.filename: package.read(info) for info in package.infolist()}


def test_the_package_holds_the_members_in_order(package):
    with zipfile.ZipFile(package["zip"]) as opened:
        assert opened.namelist() == NAMES
        assert all(info.compress_type == zipfile.ZIP_DEFLATED for info in opened.infolist())
    assert package["zip"].stat().st_mode & 0o077 == 0  # the meeting's content: for its owner only


def test_every_checksum_size_and_media_type_in_the_manifest_is_right(package):
    files = members(package["zip"])
    manifest = json.loads(files["manifest.json"])
    assert manifest["format"] == "facilitator-archive" and manifest["version"] == 1
    assert manifest["checksum_algorithm"] == "SHA-256"
    listed = {m["name"]: m for m in manifest["members"]}
    assert list(listed) == NAMES[:-1]  # every member but the manifest itself
    for name, entry in listed.items():
        content = files[name]
        assert entry["size"] == len(content), name
        assert entry["sha256"] == hashlib.sha256(content).hexdigest(), name
        assert entry["media_type"] == archive.MEDIA_TYPES[name]
    assert listed["annex.pdf"]["media_type"] == "application/pdf"
    assert listed["annex.odt"]["media_type"] == "application/vnd.oasis.opendocument.text"
    # a changed byte is caught: the check is over the content, not the name
    assert hashlib.sha256(files["annex.pdf"] + b" ").hexdigest() != listed["annex.pdf"]["sha256"]


def test_the_manifest_names_the_meeting_the_time_and_the_version(package):
    manifest = json.loads(members(package["zip"])["manifest.json"])
    assert manifest["meeting"] == {
        "slug": package["slug"],
        "title": "Raad, nr. 746",
        "date": "2023-01-27",
        "start": "10:15",
        "place": "SER-gebouw te Den Haag",
        "agenda_item": "Agenda en positionering SER: Brede Welvaart",
        "reference": "R/3024",
        "annex_title": "Bijlage: terugkoppeling tafels",
        "language": "nl",
        "tables": 6,
    }
    created = datetime.fromisoformat(manifest["created"])
    assert created.utcoffset() == timedelta(0)
    assert package["before"] <= created <= datetime.now(UTC)
    assert manifest["generator"] == {"name": "Facilitator", "version": facilitator.__version__}
    assert manifest["annex_options"] == {"include_feedback": False, "skip_empty": False, "order": "number"}


def test_the_app_version_is_the_one_pyproject_declares():
    declared = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
    assert facilitator.__version__ == declared


def test_the_pdf_is_pdfa_identified_and_passes_page_validation(package):
    from .test_validators import pdf_failures

    pdf = package["tmp"] / "annex.pdf"
    pdf.write_bytes(members(package["zip"])["annex.pdf"])
    assert b"<pdfaid:part>2</pdfaid:part>" in pdf.read_bytes() or b'pdfaid:part="2"' in pdf.read_bytes()
    assert pdf_failures(pdf, page.ValidationProfile.PDF_A_2A) == []


def test_the_odt_is_an_opendocument_package(package):
    with zipfile.ZipFile(io.BytesIO(members(package["zip"])["annex.odt"])) as odt:
        first = odt.infolist()[0]
        assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED
        assert odt.read("mimetype") == b"application/vnd.oasis.opendocument.text"
        assert b"Tafel 1" in odt.read("content.xml")


def test_the_session_file_imports_back_to_the_same_meeting(package):
    files = members(package["zip"])
    assert files["session.toml"].decode() == sessionfile.dumps(package["data"])  # as `session export`
    with package["app"].app_context():
        again = operations.import_meeting(sessionfile.loads(files["session.toml"])).slug
        assert again != package["slug"]
        assert service.load_meeting_data(again) == package["data"]


def test_the_minutes_section_is_there_as_docx_and_markdown(package):
    files = members(package["zip"])
    assert files["minutes.md"].decode() == to_markdown(package["data"])
    assert files["minutes.md"].startswith(b"# Terugkoppeling tafels")
    with zipfile.ZipFile(io.BytesIO(files["minutes.docx"])) as docx:
        assert b"Terugkoppeling tafels" in docx.read("word/document.xml")


def test_archive_command_errors_are_one_line(runner, import_session, tmp_path):
    result = runner.invoke(args=["archive", "onbekend", "--out", str(tmp_path / "x.zip")])
    assert result.exit_code != 0
    assert (
        result.output.strip()
        == "fout: onbekende vergadering 'onbekend' (zie de lijst op de secretariaatspagina)"
    )
    slug = import_session()
    result = runner.invoke(args=["archive", slug, "--out", str(tmp_path / "nope" / "x.zip")])
    assert result.exit_code != 0 and "bestaat niet" in result.output
    assert not (tmp_path / "nope").exists()


def test_a_failed_render_leaves_no_package(app, import_session, tmp_path):
    slug = import_session()
    app.config["ANNEX_TIMEOUT"] = 0.01
    app.config["ANNEX_PRESTART"] = False
    result = app.test_cli_runner().invoke(args=["archive", slug, "--out", str(tmp_path / "x.zip")])
    assert result.exit_code != 0 and result.output.startswith("fout: ")
    assert sorted(p.name for p in tmp_path.iterdir() if "x.zip" in p.name) == []


def test_the_export_page_offers_the_package_and_downloads_it(web):  # noqa: F811 - the fixture
    client, slug = web
    form = client.get(f"/secretariaat/vergaderingen/{slug}/bijlage").get_data(as_text=True)
    assert 'value="zip"' in form and "Archiefpakket (ZIP)" in form
    response = client.post(
        f"/secretariaat/vergaderingen/{slug}/bijlage", data={"format": "zip", "order": "number"}
    )
    assert response.status_code == 303
    job_url = response.headers["Location"]
    assert "<h1>Archiefpakket (ZIP)</h1>" in client.get(job_url).get_data(as_text=True)
    status, seen = wait_for_job(client, job_url)
    assert status["state"] == "done", status
    assert status["filename"] == f"{slug}-archief.zip"
    progress = [s["progress"] for s in seen]
    assert progress == sorted(progress)  # one bar for both renders and the packing
    with client.get(status["download_url"]) as download:
        assert download.status_code == 200
        assert download.headers["Content-Type"] == "application/zip"
        assert f"{slug}-archief.zip" in download.headers["Content-Disposition"]
        assert download.headers["Cache-Control"] == "private, no-store"
        files = members_of(download.data)
    assert list(files) == NAMES
    assert json.loads(files["manifest.json"])["meeting"]["slug"] == slug
    english = client.get(f"/secretariaat/vergaderingen/{slug}/bijlage?lang=en").get_data(as_text=True)
    assert "Archive package (ZIP)" in english


def members_of(raw: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(raw)) as package:
        return {name: package.read(name) for name in package.namelist()}
