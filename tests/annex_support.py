"""What the annex tests share: the demo meeting, reading a PDF back, an app to export from."""

from __future__ import annotations

import contextlib
import re
import subprocess
import zlib
from functools import cached_property
from pathlib import Path

from facilitator import TestingConfig, create_app, sessionfile
from facilitator.database import ensure_schema

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "sessions" / "ser-raad-2023-01-27.toml"
DEMO_DATA = sessionfile.loads(DEMO.read_bytes())


# ---------------------------------------------------------------------------------------------
# Reading a PDF back, with poppler-utils (installed by .ci/run) and zlib


def normalise(text: str) -> str:
    """Text as a reader sees it: hyphenated line ends joined, all whitespace one space."""
    text = re.sub(r"[\u2010-](?:\n|\f)", "", text)
    return " ".join(text.split())


class PdfReadBack:
    """A PDF as poppler reads it: text per page, info, fonts, structure tree, raw objects."""

    def __init__(self, path: Path):
        self.path = path
        self.raw = path.read_bytes()

    def _run(self, *args: str) -> str:
        return subprocess.run(
            [*args, str(self.path), *([] if args[0] != "pdftotext" else ["-"])],
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    @cached_property
    def pages(self) -> list[str]:
        """Each page's text in reading order."""
        return self._run("pdftotext").split("\f")[:-1]

    @cached_property
    def raw_pages(self) -> list[str]:
        """Each page's text in content-stream order (keeps a figure label's lines together)."""
        return self._run("pdftotext", "-raw").split("\f")[:-1]

    @cached_property
    def text(self) -> str:
        return normalise("\n".join(self.pages))

    @cached_property
    def info(self) -> dict[str, str]:
        lines = self._run("pdfinfo").splitlines()
        return {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in lines)}

    @cached_property
    def fonts(self) -> list[dict[str, str]]:
        lines = self._run("pdffonts").splitlines()[2:]
        return [{"name": line.split()[0], "emb": line.split()[-5], "line": line} for line in lines]

    @cached_property
    def structure(self) -> list[str]:
        """The tag of every structure element, in order (pdfinfo -struct)."""
        return [
            line.strip().split()[0].rstrip(":")
            for line in self._run("pdfinfo", "-struct").splitlines()
            if line.strip() and not line.strip().startswith(("/", '"'))
        ]

    @cached_property
    def metadata(self) -> str:
        return self._run("pdfinfo", "-meta")

    @cached_property
    def objects(self) -> bytes:
        """All bytes with every Flate stream inflated (object streams included), for searching."""
        parts = [self.raw]
        for match in re.finditer(rb"stream\r?\n", self.raw):
            end = self.raw.find(b"endstream", match.end())
            with contextlib.suppress(zlib.error):
                parts.append(zlib.decompress(self.raw[match.end() : end]))
        return b"\n".join(parts)

    def strings(self, key: str) -> list[str]:
        """Every string value of a dictionary key (e.g. Alt, Lang), decoded."""
        values = []
        pattern = rb"/" + key.encode() + rb"\s*(\((?:\\.|[^\\)])*\)|<[0-9A-Fa-f]*>)"
        for match in re.finditer(pattern, self.objects, re.S):
            values.append(decode_pdf_string(match.group(1)))
        return values


def decode_pdf_string(token: bytes) -> str:
    """A PDF literal (escaped) or hex (UTF-16 with BOM) string as text."""
    if token.startswith(b"<"):
        data = bytes.fromhex(token[1:-1].decode())
        return data[2:].decode("utf-16-be") if data.startswith(b"\xfe\xff") else data.decode("latin-1")
    body = re.sub(rb"\\([0-7]{1,3})", lambda m: bytes([int(m.group(1), 8)]), token[1:-1])
    body = re.sub(rb"\\(.)", rb"\1", body, flags=re.S)
    return body.decode("latin-1")


def make_app(tmp: Path):
    """An app on a file database, with its instance directory under tmp."""
    config = TestingConfig(f"sqlite:///{tmp / 'annex.db'}")
    config.INSTANCE_DIR = str(tmp / "instance")
    app = create_app(config)
    with app.app_context():
        ensure_schema()
    return app


def dispose(app) -> None:
    with app.app_context():
        from facilitator.extensions import db

        db.session.remove()
        db.engine.dispose()


def export_cli(app, slug: str, out: Path, *args: str):
    """Run `annex SLUG --out FILE ...`; return the click result."""
    return app.test_cli_runner().invoke(args=["annex", slug, "--out", str(out), *args])
