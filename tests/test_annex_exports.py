"""Exporting the annex: from the web with its progress and download, files only their owner may
read, and characters XML cannot hold that never break an export."""

from __future__ import annotations

import re
import time
import zipfile
from pathlib import Path

import pytest

from facilitator import operations

from .annex_support import DEMO_DATA, PdfReadBack, normalise

# ---------------------------------------------------------------------------------------------
# From the web: the export page, progress, download


class Web:
    """A logged-in browser: GET as is, POST with the page's CSRF token."""

    def __init__(self, client, post_form):
        self.client = client
        self.post = post_form

    def get(self, url: str):
        return self.client.get(url)


@pytest.fixture
def web(app, logged_in, post_form, import_session, tmp_path):
    """A logged-in client, the demo meeting, and jobs kept under tmp_path."""
    app.config["INSTANCE_DIR"] = str(tmp_path / "instance")
    app.config["ANNEX_PRESTART"] = False
    return Web(logged_in, post_form), import_session()


def wait_for_job(client, job_url: str, timeout: float = 120) -> tuple[dict, list[dict]]:
    """Poll a job's status until it ends; return the last status and every one seen."""
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = client.get(job_url + "/status").get_json()
        seen.append(status)
        if status["state"] in ("done", "failed"):
            return status, seen
        time.sleep(0.05)
    raise AssertionError(f"job did not finish: {seen[-1]}")


def test_export_page_needs_a_login(client, import_session):
    slug = import_session()
    response = client.get(f"/secretariaat/vergaderingen/{slug}/bijlage")
    assert response.status_code == 302 and "/inloggen" in response.headers["Location"]
    login_page = client.get("/secretariaat/inloggen").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login_page).group(1)
    response = client.post(
        f"/secretariaat/vergaderingen/{slug}/bijlage", data={"format": "pdf", "csrf_token": token}
    )
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("fmt", "mimetype", "magic"),
    [
        ("pdf", "application/pdf", b"%PDF-1.7"),
        ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", b"PK"),
        ("odt", "application/vnd.oasis.opendocument.text", b"PK"),
        ("md", "text/markdown; charset=utf-8", b"# Bijlage"),
    ],
)
def test_export_from_the_web_with_progress_and_download(web, fmt, mimetype, magic):
    client, slug = web
    page = client.get(f"/secretariaat/vergaderingen/{slug}/bijlage")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'name="format"' in html and 'name="include_feedback"' in html and 'name="order"' in html
    response = client.post(
        f"/secretariaat/vergaderingen/{slug}/bijlage",
        data={"format": fmt, "order": "feedback", "include_feedback": "y"},
    )
    assert response.status_code == 303
    job_url = response.headers["Location"]
    progress_page = client.get(job_url).get_data(as_text=True)
    assert 'src="/static/js/annex.js"' in progress_page and "<progress" in progress_page
    assert "<script>" not in progress_page and "style=" not in progress_page
    status, _ = wait_for_job(client, job_url)
    assert status["state"] == "done", status
    with client.get(status["download_url"]) as download:
        assert download.status_code == 200
        assert download.headers["Content-Type"] == mimetype
        assert f"{slug}-bijlage.{fmt}" in download.headers["Content-Disposition"]
        assert download.data.startswith(magic)


def test_export_jobs_are_scoped_and_validated(web, app):
    client, slug = web
    assert client.get(f"/secretariaat/vergaderingen/{slug}/bijlage/../../x/status").status_code == 404
    assert client.get(f"/secretariaat/vergaderingen/{slug}/bijlage/{'a' * 22}/status").status_code == 404
    response = client.post(f"/secretariaat/vergaderingen/{slug}/bijlage", data={"format": "exe"})
    assert response.status_code == 400
    response = client.post(
        f"/secretariaat/vergaderingen/{slug}/bijlage", data={"format": "md", "order": "number"}
    )
    job_url = response.headers["Location"]
    wait_for_job(client, job_url)
    job_id = job_url.rsplit("/", 1)[1]
    with app.app_context():
        other = operations.import_meeting(DEMO_DATA).slug
    assert client.get(f"/secretariaat/vergaderingen/{other}/bijlage/{job_id}/status").status_code == 404
    assert client.get(f"/secretariaat/vergaderingen/{other}/bijlage/{job_id}/download").status_code == 404


def test_a_failing_export_ends_with_a_clear_message(web, app):
    client, slug = web
    app.config["ANNEX_TIMEOUT"] = 0.2
    response = client.post(
        f"/secretariaat/vergaderingen/{slug}/bijlage", data={"format": "pdf", "order": "number"}
    )
    status, _ = wait_for_job(client, response.headers["Location"], timeout=30)
    assert status["state"] == "failed"
    assert "afgebroken" in status["message"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Het exporteren is mislukt:" in page


def test_a_large_meeting_exports_in_the_background_with_progress(web, app):
    from benchmarks.meetings import generated_meeting

    client, _ = web
    with app.app_context():
        slug = operations.import_meeting(generated_meeting(110)).slug
    started = time.monotonic()
    response = client.post(
        f"/secretariaat/vergaderingen/{slug}/bijlage", data={"format": "pdf", "order": "number"}
    )
    assert response.status_code == 303
    assert time.monotonic() - started < 2  # the request does not wait for the render
    answered = client.get("/healthz")
    assert answered.status_code == 200  # and the server keeps serving meanwhile
    status, seen = wait_for_job(client, response.headers["Location"], timeout=240)
    assert status["state"] == "done", status
    assert status["pages"] > 110
    values = [s["progress"] for s in seen]
    assert values == sorted(values)
    assert len(set(values)) >= 4 and "layout" in {s["stage"] for s in seen}


# ---------------------------------------------------------------------------------------------
# Export files are private


@pytest.fixture
def open_umask():
    """A permissive umask (022) for the test, as many machines have: exports must not rely on it."""
    import os

    old = os.umask(0o022)
    yield
    os.umask(old)


def file_mode(path: Path) -> int:
    import stat

    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("fmt", ["md", "docx", "pdf"])
def test_every_export_file_is_readable_by_its_owner_only(app, tmp_path, open_umask, fmt):
    from facilitator.export import service

    out = tmp_path / "exports" / f"bijlage.{fmt}"
    with app.app_context():
        service.export_annex(DEMO_DATA, fmt, out, keep_spare=False)
    assert file_mode(out) == 0o600
    assert [p.name for p in out.parent.iterdir()] == [out.name]  # no partial file left


def test_web_export_jobs_directory_and_files_are_private(web, open_umask):
    client, slug = web
    response = client.post(
        f"/secretariaat/vergaderingen/{slug}/bijlage", data={"format": "md", "order": "number"}
    )
    status, _ = wait_for_job(client, response.headers["Location"])
    assert status["state"] == "done", status
    directory = Path(web[0].client.application.config["INSTANCE_DIR"]) / "annex-exports"
    assert file_mode(directory) == 0o700
    files = list(directory.iterdir())
    assert {p.suffix for p in files} == {".json", ".md"}
    for path in files:
        assert file_mode(path) == 0o600, path.name


# ---------------------------------------------------------------------------------------------
# Characters XML cannot hold never break an export


BAD = "\ufffe\uffff\ufdd0\x0b\ud800\U0001fffe"


def meeting_with_bad_characters():
    """The demo with XML-incompatible characters in every kind of text (as an older database may hold)."""
    import dataclasses

    tables = []
    for table in DEMO_DATA.tables:
        entries = [dataclasses.replace(e, text=f"{e.text}{BAD}") for e in table.entries]
        tables.append(
            dataclasses.replace(
                table,
                participants=[f"{p}{BAD}" if i == 1 else p for i, p in enumerate(table.participants)],
                rapporteur=f"Rap{BAD}porteur",
                report=f"{table.report}\n\nSlot{BAD}zin.",
                feedback=f"Terug{BAD}koppeling",
                entries=entries,
            )
        )
    return dataclasses.replace(DEMO_DATA, title=f"Raad{BAD}", place=f"Den{BAD}Haag", tables=tables)


@pytest.mark.parametrize("fmt", ["docx", "pdf", "md"])
def test_export_strips_characters_xml_cannot_hold(app, tmp_path, fmt):
    from facilitator.export import service
    from facilitator.export.annex import AnnexOptions

    out = tmp_path / f"bijlage.{fmt}"
    with app.app_context():
        service.export_annex(
            meeting_with_bad_characters(), fmt, out, AnnexOptions(include_feedback=True), keep_spare=False
        )
    if fmt == "docx":
        with zipfile.ZipFile(out) as docx:
            text = docx.read("word/document.xml").decode("utf-8")
        assert "Slotzin." in text and "Terugkoppeling" in text
    elif fmt == "pdf":
        text = normalise(" ".join(PdfReadBack(out).pages))
        assert "Slotzin." in text and "DenHaag" in text
    else:
        text = out.read_text(encoding="utf-8")
        assert "Slotzin." in text and "Rapporteur" in text
    for char in BAD:
        assert char not in text, hex(ord(char))


def test_each_writer_defends_itself_against_characters_xml_cannot_hold(app, tmp_path):
    """A writer given an annex that skipped build_annex's cleaning still writes a valid file."""
    import dataclasses

    from facilitator.export.annex import AnnexOptions, annex_words, build_annex
    from facilitator.export.docx_writer import write_docx
    from facilitator.export.html import annex_html
    from facilitator.export.markdown_writer import to_markdown

    with app.app_context():
        annex = build_annex(DEMO_DATA, annex_words("nl"), AnnexOptions())
    first = dataclasses.replace(annex.tables[0], report=f"Slot{BAD}zin.", rapporteur=f"R{BAD}")
    dirty = dataclasses.replace(
        annex, title=f"Bijlage{BAD}", meta=[("Plaats", f"Den{BAD}Haag")], tables=[first, *annex.tables[1:]]
    )
    write_docx(dirty, tmp_path / "a.docx")
    with zipfile.ZipFile(tmp_path / "a.docx") as docx:
        xml = docx.read("word/document.xml").decode("utf-8")
    for text in (xml, annex_html(dirty), to_markdown(dirty)):
        assert "Slotzin." in text and "DenHaag" in text
        for char in BAD:
            assert char not in text, hex(ord(char))
