"""Annex exports (and the archive package) from the web as background jobs, with their status in small files.

A request starts a job and returns at once; the job runs in a background task (a greenlet
under gevent, a thread otherwise) that waits on the render child, so the server keeps
serving. Status and result live under the instance directory, not in memory, so that any
server process on the machine can answer the progress poll and the download.
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import tempfile
import threading
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask, current_app

from .. import offloop
from ..extensions import db, socketio
from ..files import private_dir
from ..i18n import N_
from . import archive, service
from .annex import AnnexOptions
from .child import RenderError
from .service import ExportError

log = logging.getLogger(__name__)

JOB_ID_RE = re.compile(r"^[A-Za-z0-9_-]{22}$")
KEEP_SECONDS = 24 * 3600
# at most this many renders at once per server process; the others wait their turn
_slots = threading.BoundedSemaphore(2)


def jobs_dir() -> Path:
    """Where the jobs' status files and results live."""
    return private_dir(Path(current_app.config["INSTANCE_DIR"]) / "annex-exports")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _write(directory: Path, job_id: str, status: dict[str, Any]) -> None:
    """Replace the status file atomically: a reader sees the old or the new, never half."""
    status["updated"] = _now()
    status["updated_ts"] = time.time()
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{job_id}.", suffix=".tmp")
    with os.fdopen(fd, "w") as handle:
        json.dump(status, handle)
    os.replace(tmp, directory / f"{job_id}.json")


def start(slug: str, fmt: str, options: AnnexOptions, user_id: int | None) -> str:
    """Queue an export and start it in the background; return the job id."""
    directory = jobs_dir()
    _cleanup(directory)
    job_id = secrets.token_urlsafe(16)
    status = {
        "id": job_id,
        "slug": slug,
        "format": fmt,
        "options": asdict(options),
        "state": "queued",
        "progress": 0.0,
        "stage": "queued",
        "message": "",
        "filename": service.download_name(slug, fmt),
        "created": _now(),
        "user_id": user_id,
        "pid": os.getpid(),
    }
    _write(directory, job_id, status)
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # the proxy's app
    socketio.start_background_task(_run, app, directory, job_id)
    return job_id


def _run(app: Flask, directory: Path, job_id: str) -> None:
    """The background task: wait for a slot, export, record the outcome."""
    with app.app_context():
        status = json.loads((directory / f"{job_id}.json").read_text())
        last: dict[str, Any] = {"t": 0.0, "stage": ""}

        def progress(fraction: float, stage: str) -> None:
            now = time.monotonic()
            # a status write per page would be wasteful; a few per second is plenty
            if stage == last["stage"] and now - last["t"] < 0.3 and fraction < 1.0:
                return
            last.update(t=now, stage=stage)
            status.update(state="running", progress=round(fraction, 3), stage=stage)
            _write(directory, job_id, status)

        try:
            with _slots:
                progress(0.01, "loading")
                data = service.load_meeting_data(status["slug"], pause=offloop.pause)
                if data is None:
                    raise ExportError(N_("Deze vergadering bestaat niet meer."))
                out = directory / f"{job_id}{service.FORMATS[status['format']][1]}"
                options = AnnexOptions(**status["options"])
                if status["format"] == "zip":  # the archive package: two renders and the rest
                    result = archive.export_archive(
                        data, status["slug"], out, options, progress=progress, pause=offloop.pause
                    )
                else:
                    result = service.export_annex(
                        data, status["format"], out, options, progress=progress, pause=offloop.pause
                    )
            status.update(
                state="done",
                progress=1.0,
                stage="done",
                seconds=round(result.seconds, 2),
                pages=result.pages,
                size=out.stat().st_size,
            )
        except ExportError as exc:
            # the page says it in its reader's language: a render's sentence keeps its msgid
            cause = exc.__cause__ if isinstance(exc.__cause__, RenderError) else None
            status.update(
                state="failed",
                stage="failed",
                message=cause.msgid if cause else str(exc),
                message_args=cause.params if cause else {},
            )
        except Exception:  # a bug must still end the job visibly, not leave it "running"
            log.exception("annex export %s failed", job_id)
            status.update(
                state="failed", stage="failed", message=N_("Het exporteren is mislukt door een interne fout.")
            )
        finally:
            db.session.remove()
        _write(directory, job_id, status)


def read(job_id: str) -> dict[str, Any] | None:
    """A job's status, or None for an unknown or malformed id.

    A job whose process died leaves "running" behind; past the render's time limit it
    counts as failed.
    """
    if not JOB_ID_RE.match(job_id or ""):
        return None
    path = jobs_dir() / f"{job_id}.json"
    try:
        status = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if status.get("state") in ("queued", "running"):
        timeout, _ = service.limits()
        # queued jobs may wait for a slot behind others: allow for a few renders' time
        allowed = timeout * (4 if status["state"] == "queued" else 1) + 60
        if time.time() - status.get("updated_ts", 0) > allowed:
            status.update(
                state="failed",
                stage="failed",
                message=N_("Het exporteren is onderbroken. Probeer het opnieuw."),
            )
    return status


def result_path(status: dict[str, Any]) -> Path:
    """Where a finished job's file is."""
    return jobs_dir() / f"{status['id']}{service.FORMATS[status['format']][1]}"


def _cleanup(directory: Path) -> None:
    """Remove jobs (status and file) older than a day."""
    cutoff = time.time() - KEEP_SECONDS
    for path in directory.iterdir():
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except OSError:
            pass
