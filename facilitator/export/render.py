"""The render child: one annex per process, under a memory and CPU limit.

Started by ``child.run`` (see there for the cheap way it is imported). Reads one job as
JSON on stdin, writes the file it names, and talks back on stderr in lines that start
with ``@@ `` followed by JSON: progress, then a result or an error.
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import os
import pickle
import resource
import sys
import time
from pathlib import Path
from typing import Any

TAG = "@@ "
# the child (and an annex's parts, which it forks) gives way to the server when both want a
# core: the live events and /healthz come first, a document can wait a moment (issue 20 part 5)
NICE = 10


def _say(**message: Any) -> None:
    sys.stderr.write(TAG + json.dumps(message) + "\n")
    sys.stderr.flush()


def pack_build(data: Any, options: Any, lang: str | None) -> str:
    """What the parent sends for the child to build the annex itself: the meeting's plain data
    (``meeting_data.MeetingData``), the options and the language, pickled (parent and child are
    the same code; nothing but the parent writes to the child's stdin)."""
    return base64.b64encode(pickle.dumps((data, options, lang), protocol=pickle.HIGHEST_PROTOCOL)).decode()


def _build(job: dict[str, Any]) -> None:
    """Fill in the job from its "build": the annex with its figures, then the HTML for a PDF
    (or the annex itself for a DOCX or an ODT), with progress for each table."""
    from .annex import build_annex, estimate_pages, to_json
    from .html import pdf_job

    data, options, lang = pickle.loads(base64.b64decode(job.pop("build")))  # noqa: S301 - from our parent
    annex = build_annex(
        data,
        None,
        options,
        lang=lang,
        on_table=lambda done, total: _say(progress="figures", done=done, total=total),
    )
    if job["format"] != "pdf":
        job["annex"] = to_json(annex)
        return
    _say(estimate=estimate_pages(annex))
    job.update(
        pdf_job(annex, on_table=lambda done, total: _say(progress="preparing", done=done, total=total))
    )


def _limit(memory_mb: int, cpu_seconds: int) -> None:
    if memory_mb > 0:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    if cpu_seconds > 0:
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 5))


class _Progress(logging.Handler):
    """WeasyPrint's progress log ("Step 5 - Creating layout - Page 3") as progress messages; an
    annex in ``parts`` about equal parts counts the first part's pages that many times."""

    def __init__(self, parts: int = 1):
        super().__init__()
        self.parts = parts

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        step = text.split(" - ")
        message: dict[str, Any] = {"progress": step[1] if len(step) > 1 else text}
        if text.startswith("Step 5") and "Page" in text:
            with contextlib.suppress(ValueError):
                message["page"] = int(text.rsplit(" ", 1)[1]) * self.parts
        _say(**message)


class _Warnings(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        _say(log=record.getMessage()[:300])


def render_pdf(job: dict[str, Any], out: Path) -> dict[str, Any]:
    """HTML → PDF/A-2a and PDF/UA-1 in one file, with the restricted fetcher; a large annex's
    parts side by side, joined into one file (export/parts.py)."""
    from weasyprint import HTML
    from weasyprint.logger import LOGGER, PROGRESS_LOGGER

    from . import parts
    from .archival import PDF_OPTIONS, mark_archival, write_archival
    from .fetcher import ASSET_BASE, AnnexFetcher

    documents = job.get("parts") or [job["html"]]
    PROGRESS_LOGGER.setLevel(logging.INFO)
    PROGRESS_LOGGER.addHandler(_Progress(len(documents)))
    PROGRESS_LOGGER.propagate = False  # progress is not a warning
    LOGGER.setLevel(logging.WARNING)
    LOGGER.addHandler(_Warnings())
    options = dict(PDF_OPTIONS)

    def render_one(html: str, target: Path) -> dict[str, Any]:
        # the logo (already sanitised) is served by the fetcher under one fixed name
        fetcher = AnnexFetcher(logo=job.get("logo"))
        document = HTML(string=html, base_url=ASSET_BASE, url_fetcher=fetcher).render(**options)
        mark_archival(document)
        pages = len(document.pages)
        _say(progress="Creating PDF")
        write_archival(document, target, options)
        return {"pages": pages, "refused": fetcher.refused}

    return parts.render(documents, out, render_one)


def _warm_up(cards: bool = True) -> None:
    """Render a small annex once (and the table cards' HTML, with ``cards``), before any job arrives.

    A process's first render pays for setting up fontconfig, the user-agent stylesheets,
    the Dutch hyphenation dictionary, the annex fonts and its stylesheet; a spare child
    pays it while it waits, so the real render does not.
    """
    import dataclasses
    from datetime import date
    from io import BytesIO

    from weasyprint import HTML

    from ..meeting_data import EntryData, MeetingData, TableData
    from .annex import AnnexOptions, Words, build_annex
    from .archival import PDF_OPTIONS, mark_archival, write_archival
    from .fetcher import ASSET_BASE, AnnexFetcher
    from .html import annex_html

    report = "**Vet.** Verdienvermogen en *bestaanszekerheid* hier en nu.\n\n- een\n- twee\n\n1. drie"
    entries = [EntryData("Verdienvermogen", ["economisch"], ["later"]), EntryData("Water", ["ecologisch"])]
    table = TableData(1, ["A", "B"], "A", "C", "A", report, report, entries)
    data = MeetingData("Raad", date(2023, 1, 27), start="10:15", questions=["Vraag?"], tables=[table])
    words = Words(**{f.name: f.name for f in dataclasses.fields(Words)})
    html = annex_html(build_annex(data, words, AnnexOptions(include_feedback=True)))
    document = HTML(string=html, base_url=ASSET_BASE, url_fetcher=AnnexFetcher()).render(**PDF_OPTIONS)
    mark_archival(document)
    write_archival(document, BytesIO())
    if not cards:
        return
    from .cards import cards_html

    # the table cards' template and QR encoder, so a spare child makes the cards warm too
    link = {"url": "http://127.0.0.1:5000/deelnemer/warm"}
    card = {"number": 1, "participants": ["A"], "leader": "A", "rapporteur": "B"}
    meeting = {"title": "Raad", "date": "27-01-2023", "place": ""}
    cards_html(
        {
            "lang": "nl",
            "meeting": meeting,
            "local_only": False,
            "tables": [{**card, "participant_link": link, "rapporteur_link": link}],
        }
    )


def render_cards(job: dict[str, Any], out: Path) -> dict[str, Any]:
    """The table cards: QR codes and HTML from the cards' data (export/cards.py), then the PDF;
    only data: URLs and the app's static files may load."""
    import os

    from weasyprint import HTML
    from weasyprint.urls import path2url

    from .cards import cards_html
    from .fetcher import StaticOnlyFetcher

    html = cards_html(job["cards"], job.get("kind", "table"))
    static_dir = Path(job["static_dir"])
    fetcher = StaticOnlyFetcher(static_dir)
    document = HTML(string=html, base_url=path2url(static_dir.resolve()), url_fetcher=fetcher).render()
    document.write_pdf(out)
    return {"pages": len(document.pages), "fetched": fetcher.fetched[:500], "pid": os.getpid()}


def render_docx(job: dict[str, Any], out: Path) -> dict[str, Any]:
    """Annex data → DOCX."""
    from .annex import from_json
    from .docx_writer import write_docx

    annex = from_json(job["annex"])
    write_docx(annex, out, progress=lambda done, total: _say(progress="table", done=done, total=total))
    return {"tables": len(annex.tables)}


def render_odt(job: dict[str, Any], out: Path) -> dict[str, Any]:
    """Annex data → ODT."""
    from .annex import from_json
    from .odt_writer import write_odt

    annex = from_json(job["annex"])
    write_odt(annex, out, progress=lambda done, total: _say(progress="table", done=done, total=total))
    return {"tables": len(annex.tables)}


def _prepare(formats: set[str] | None, warm: bool) -> None:
    """Import (and with ``warm`` warm up) what jobs of these formats need before one arrives:
    a spare child is warm by the time it is used. ``formats`` None: every format (a server's
    spare child); the command line knows its own (a DOCX needs no WeasyPrint). A job of
    another format still renders: its writer imports what it needs."""

    def wants(*kinds: str) -> bool:
        return formats is None or bool(formats.intersection(kinds))

    if wants("pdf", "cards"):
        import weasyprint  # noqa: F401

        from . import archival, fetcher  # noqa: F401
    if wants("docx"):
        import docx  # noqa: F401

        from . import docx_writer  # noqa: F401
    if not warm:
        return
    try:
        if wants("odt"):  # a spare child waits anyway (a cold child imports it only for an ODT)
            from . import odt_writer  # noqa: F401
        if wants("pdf"):
            _warm_up(cards=formats is None)
    except Exception:  # only an optimisation: the job itself reports real problems
        logging.getLogger(__name__).debug("warm-up failed", exc_info=True)


def main(argv: list[str]) -> int:
    """Run one job: argv is --memory-mb N --cpu-seconds N [--warm-up yes] [--formats pdf,odt]."""
    options = dict(zip(argv[::2], argv[1::2], strict=False))
    os.nice(NICE)
    _limit(int(options.get("--memory-mb", "0")), int(options.get("--cpu-seconds", "0")))
    formats = set(options["--formats"].split(",")) if options.get("--formats") else None
    try:
        _prepare(formats, options.get("--warm-up") == "yes")
    except MemoryError:
        _say(error="memory")
        return 3
    raw = sys.stdin.buffer.read()
    started = time.monotonic()
    before = _usage()
    try:
        job = json.loads(raw)
        out = Path(job["out"])
        kind = job["format"]
        if "build" in job:
            _build(job)
        if kind == "pdf":
            result = render_pdf(job, out)
        elif kind == "docx":
            result = render_docx(job, out)
        elif kind == "odt":
            result = render_odt(job, out)
        elif kind == "cards":
            result = render_cards(job, out)
        else:
            raise ValueError(f"unknown format {kind!r}")
    except MemoryError:
        _say(error="memory")
        return 3
    except Exception as exc:  # the parent turns this into one clear line
        _say(error="failed", detail=f"{type(exc).__name__}: {exc}"[:500])
        return 1
    usage = _usage(int(result.get("parts", 1)))
    _say(
        result=result,
        maxrss_kb=usage[1],
        seconds=round(time.monotonic() - started, 3),
        cpu_seconds=round(usage[0] - before[0], 3),
    )
    return 0


def _usage(parts: int = 1) -> tuple[float, int]:
    """CPU seconds of this process and the helpers it waited for (an annex in ``parts``), and
    their resident size (kB): this process's peak plus the largest helper's for each helper, so
    an upper bound (the pages a helper shares with this process since the fork count twice)."""
    me, helpers = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = me.ru_utime + me.ru_stime + helpers.ru_utime + helpers.ru_stime
    return cpu, me.ru_maxrss + (parts - 1) * helpers.ru_maxrss


def exit_now(code: int) -> None:
    """End the child once its answer is out, without tearing the interpreter down: freeing a
    laid-out document object by object and the exit's garbage collection cost a big annex
    tenths of a second that nobody waits for (the file is written and closed, stderr flushed)."""
    with contextlib.suppress(OSError, ValueError):
        sys.stdout.flush()
        sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    exit_now(main(sys.argv[1:]))
