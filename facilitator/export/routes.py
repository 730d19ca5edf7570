"""Annex exports for the secretariat: choose, follow the progress, download.

Every export runs as a background job (see jobs.py): the POST returns at once, the page
polls the job's status (static/js/annex.js) and downloads the file when it is ready.
"""

from __future__ import annotations

import io

from flask import Blueprint, abort, jsonify, redirect, render_template, send_file, session, url_for
from flask_babel import gettext as _

from ..access import meeting_or_404
from ..audit.trail import record
from ..auth.routes import login_required
from ..i18n import say
from . import datafiles, jobs, service
from .forms import AnnexForm

bp = Blueprint("export", __name__, url_prefix="/secretariaat")


def _job_or_404(slug: str, job_id: str) -> dict:
    status = jobs.read(job_id)
    if status is None or status.get("slug") != slug:
        abort(404)
    return status


def _stage_text(stage: str) -> str:
    return {
        "queued": _("In de wachtrij"),
        "loading": _("Gegevens ophalen"),
        "figures": _("Figuren tekenen"),
        "preparing": _("Opmaak voorbereiden"),
        "layout": _("Pagina's opmaken"),
        "tables": _("Tafels schrijven"),
        "writing": _("Bestand schrijven"),
        "packing": _("Archiefpakket samenstellen"),
        "done": _("Klaar"),
        "failed": _("Mislukt"),
    }.get(stage, stage)


def _message(status: dict) -> str:
    """A failed job's sentence in the reader's language (numbers too); its Dutch if unknown."""
    message = status.get("message") or ""
    return say(message, status.get("message_args")) if message else ""


def _public_status(slug: str, status: dict) -> dict:
    """What the progress page needs, and nothing of the server's internals."""
    out = {
        "state": status["state"],
        "progress": round(100 * float(status.get("progress", 0))),
        "stage": status.get("stage", ""),
        "stage_text": _stage_text(status.get("stage", "")),
        "message": _message(status),
        "format": status["format"],
    }
    if status["state"] == "done":
        out["download_url"] = url_for("export.download", slug=slug, job_id=status["id"])
        out["filename"] = status["filename"]
        out["pages"] = status.get("pages")
    return out


@bp.get("/vergaderingen/<slug>/bijlage")
@login_required
def annex_form(slug: str):
    """The export page: format and options."""
    meeting = meeting_or_404(slug)
    service.prestart_renderer()  # warm a render child while the secretary chooses
    return render_template("secretariat/annex.html", meeting=meeting, form=AnnexForm(), here=_("Bijlage"))


@bp.post("/vergaderingen/<slug>/bijlage")
@login_required
def start_export(slug: str):
    """Start an export job and go to its progress page."""
    meeting = meeting_or_404(slug)
    form = AnnexForm()
    if not form.validate_on_submit():
        return render_template("secretariat/annex.html", meeting=meeting, form=form, here=_("Bijlage")), 400
    job_id = jobs.start(meeting.slug, form.format.data, form.options(), session.get("user_id"))
    record("annex_started", meeting, format=form.format.data, job=job_id)
    return redirect(url_for("export.job", slug=meeting.slug, job_id=job_id), code=303)


@bp.get("/vergaderingen/<slug>/bijlage/<job_id>")
@login_required
def job(slug: str, job_id: str):
    """The progress page of one export (works without JavaScript: reload to update)."""
    meeting = meeting_or_404(slug)
    status = _job_or_404(slug, job_id)
    return render_template(
        "secretariat/annex_job.html",
        meeting=meeting,
        status=_public_status(slug, status),
        job_id=job_id,
        here=_("Bijlage"),
    )


@bp.get("/vergaderingen/<slug>/bijlage/<job_id>/status")
@login_required
def job_status(slug: str, job_id: str):
    """The job's progress as JSON, for the page to poll."""
    response = jsonify(_public_status(slug, _job_or_404(slug, job_id)))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/vergaderingen/<slug>/bijlage/<job_id>/download")
@login_required
def download(slug: str, job_id: str):
    """The finished file, as an attachment."""
    status = _job_or_404(slug, job_id)
    path = jobs.result_path(status)
    if status["state"] != "done" or not path.is_file():
        abort(404)
    mimetype = service.FORMATS[status["format"]][0]
    record("annex_downloaded", meeting_or_404(slug), format=status["format"], job=job_id)
    response = send_file(path, mimetype=mimetype, as_attachment=True, download_name=status["filename"])
    response.headers["Cache-Control"] = "private, no-store"
    return response


MINUTES_FORMATS = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "md": "text/markdown; charset=utf-8",
}


@bp.get("/vergaderingen/<slug>/terugkoppeling.docx", defaults={"fmt": "docx"})
@bp.get("/vergaderingen/<slug>/terugkoppeling.md", defaults={"fmt": "md"})
@login_required
def minutes_download(slug: str, fmt: str):
    """The minutes' section "Terugkoppeling tafels" as typed so far (as `minutes SLUG` writes it)."""
    from . import minutes  # python-docx only when it is needed

    data = service.load_meeting_data(slug)
    if data is None:
        abort(404)
    out = io.BytesIO()
    if fmt == "md":
        out.write(minutes.to_markdown(data).encode())
    else:
        minutes.write_docx(data, out)
    out.seek(0)
    name = f"terugkoppeling-{slug}.{fmt}"
    record("feedback_exported", meeting_or_404(slug), format=fmt)
    response = send_file(out, mimetype=MINUTES_FORMATS[fmt], as_attachment=True, download_name=name)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/vergaderingen/<slug>/gegevens/<sheet>.csv")
@login_required
def data_csv(slug: str, sheet: str):
    """One sheet of the meeting's data for analysis (entries, reports, attendance) as CSV."""
    if sheet not in datafiles.SHEETS:
        abort(404)
    meeting = service.load_meeting(slug)
    if meeting is None:
        abort(404)
    content = datafiles.to_csv(datafiles.sheet(meeting, sheet))
    record("data_exported", meeting, format="csv", sheet=sheet)
    return _attachment(content, datafiles.CSV_MEDIA_TYPE, f"{slug}-gegevens-{sheet}.csv")


@bp.get("/vergaderingen/<slug>/gegevens.xlsx")
@login_required
def data_xlsx(slug: str):
    """The meeting's data for analysis as one workbook: a worksheet per sheet."""
    meeting = service.load_meeting(slug)
    if meeting is None:
        abort(404)
    out = io.BytesIO()
    datafiles.write_xlsx(datafiles.sheets(meeting), out, title=meeting.title)
    record("data_exported", meeting, format="xlsx")
    return _attachment(out.getvalue(), datafiles.XLSX_MEDIA_TYPE, f"{slug}-gegevens.xlsx")


def _attachment(content: bytes, mimetype: str, name: str):
    response = send_file(io.BytesIO(content), mimetype=mimetype, as_attachment=True, download_name=name)
    response.headers["Cache-Control"] = "private, no-store"
    return response
