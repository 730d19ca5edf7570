"""The archive package: one ZIP with what an archive keeps of a meeting, and how to check it.

Members (fixed names, so that a records system can rely on them):

- ``annex.pdf``: the annex as PDF/A-2a + PDF/UA-1 (the render path of every PDF export);
- ``annex.odt``: the annex as OpenDocument (strict ODF 1.3);
- ``session.toml``: the meeting as a session file, as `session export` writes it (imports back
  to the same meeting);
- ``minutes.docx``, ``minutes.md``: the minutes' section "Terugkoppeling tafels", as the
  meeting page and `minutes` write it;
- ``manifest.json``: every other member's name, size, SHA-256 and media type, and the
  meeting's metadata (title, date, place, language, slug, tables, export time, app version).

Everything is in the meeting's language. `flask archive SLUG --out FILE.zip` and the export
page's "Archiefpakket" (a background job, like every annex export) both come here.
"""

from __future__ import annotations

import hashlib
import io
import json
import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .. import __version__, sessionfile
from ..meeting_data import MeetingData
from . import service
from .annex import AnnexOptions
from .service import ExportResult, Progress

MANIFEST = "manifest.json"
MANIFEST_FORMAT = "facilitator-archive"
MANIFEST_VERSION = 1

MEDIA_TYPES = {
    "annex.pdf": "application/pdf",
    "annex.odt": "application/vnd.oasis.opendocument.text",
    "session.toml": "application/toml",
    "minutes.docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "minutes.md": "text/markdown; charset=utf-8",
    MANIFEST: "application/json",
}

# where each render's progress lands in the whole package's (0–1)
_PDF_SHARE, _ODT_SHARE = (0.0, 0.6), (0.6, 0.9)


@dataclass(frozen=True)
class Member:
    """One file of the package, as the manifest lists it."""

    name: str
    size: int
    sha256: str
    media_type: str


def describe(name: str, content: bytes) -> Member:
    """A member's manifest entry: its size and SHA-256, computed from the bytes written."""
    return Member(name, len(content), hashlib.sha256(content).hexdigest(), MEDIA_TYPES[name])


def manifest(
    data: MeetingData, slug: str, members: list[Member], created: datetime, options: AnnexOptions
) -> dict[str, Any]:
    """The manifest: what the package is, the meeting it holds, and each member's checksum."""
    return {
        "format": MANIFEST_FORMAT,
        "version": MANIFEST_VERSION,
        "created": created.isoformat(timespec="seconds"),
        "generator": {"name": "Facilitator", "version": __version__},
        "meeting": {
            "slug": slug,
            "title": data.title,
            "date": data.date.isoformat(),
            "start": data.start,
            "place": data.place,
            "agenda_item": data.agenda_item,
            "reference": data.reference,
            "annex_title": data.annex_title,
            "language": data.language,
            "tables": len(data.tables),
        },
        "annex_options": asdict(options),
        "checksum_algorithm": "SHA-256",
        "members": [asdict(m) for m in members],
    }


def _scaled(progress: Progress, share: tuple[float, float]) -> Progress:
    """A render's progress as a part of the package's; its "done" is not the package's."""
    low, high = share

    def report(fraction: float, stage: str) -> None:
        progress(low + (high - low) * fraction, "writing" if stage == "done" else stage)

    return report


def export_archive(
    data: MeetingData,
    slug: str,
    out: Path,
    options: AnnexOptions | None = None,
    progress: Progress | None = None,
    pause: Callable[[], None] | None = None,
    keep_spare: bool | None = None,
) -> ExportResult:
    """Write the archive package of ``data`` (the meeting ``slug``) to ``out``.

    Raises service.ExportError as the annex's export does; ``out`` is replaced only by a
    complete package.
    """
    from . import minutes  # python-docx only when it is needed

    started = time.monotonic()
    options = options or AnnexOptions()
    report = progress or (lambda fraction, stage: None)
    created = datetime.now(UTC)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    contents: dict[str, bytes] = {}
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=f".{out.name}.") as tmp:
        pdf = service.export_annex(
            data,
            "pdf",
            Path(tmp) / "annex.pdf",
            options,
            progress=_scaled(report, _PDF_SHARE),
            pause=pause,
            keep_spare=True if keep_spare is None else keep_spare,  # the ODT's render follows
        )
        contents["annex.pdf"] = pdf.path.read_bytes()
        odt = service.export_annex(
            data,
            "odt",
            Path(tmp) / "annex.odt",
            options,
            progress=_scaled(report, _ODT_SHARE),
            pause=pause,
            keep_spare=keep_spare,
        )
        contents["annex.odt"] = odt.path.read_bytes()
    report(0.92, "packing")
    contents["session.toml"] = sessionfile.dumps(data).encode("utf-8")
    docx = io.BytesIO()
    minutes.write_docx(data, docx)
    contents["minutes.docx"] = docx.getvalue()
    contents["minutes.md"] = minutes.to_markdown(data).encode("utf-8")
    members = [describe(name, content) for name, content in contents.items()]
    listing = manifest(data, slug, members, created, options)
    contents[MANIFEST] = (json.dumps(listing, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    service.write_atomic(out, _zip(contents, created))
    report(1.0, "done")
    return ExportResult(
        out, "zip", time.monotonic() - started, max(pdf.child_maxrss_kb, odt.child_maxrss_kb), pdf.pages
    )


def _zip(contents: dict[str, bytes], created: datetime) -> bytes:
    """The package's bytes: members in a fixed order, dated with the export time (UTC)."""
    buffer = io.BytesIO()
    stamp = created.timetuple()[:6]
    with zipfile.ZipFile(buffer, "w") as package:
        for name, content in contents.items():
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            package.writestr(info, content)
    return buffer.getvalue()
