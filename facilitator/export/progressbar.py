"""A progress bar on stderr for the command line's long exports (`annex`, `archive`).

Shown when stderr is a terminal, or with ``--progress``; never on stdout, so a script that
reads a command's stdout reads what it did before. One line, redrawn with a carriage return
when the percentage or the stage changes, ended with a newline (also when the export fails,
so that the error's line starts on a line of its own). In Dutch, like the command line's
other messages (the web page says the same stages in its reader's language: routes.py).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

# service.export_annex's and archive.export_archive's stage keys
STAGES = {
    "loading": "gegevens ophalen",
    "figures": "figuren tekenen",
    "preparing": "opmaak voorbereiden",
    "layout": "pagina's opmaken",
    "tables": "tafels schrijven",
    "writing": "bestand schrijven",
    "packing": "archiefpakket samenstellen",
    "done": "klaar",
}
WIDTH = 30


class ProgressBar:
    """A ``service.Progress`` callback that draws ``[#####.....]  42 %  pagina's opmaken``."""

    def __init__(self, stream: TextIO | None = None, width: int = WIDTH) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.width = width
        self.last: tuple[int, str] | None = None
        self.longest = 0

    def __call__(self, fraction: float, stage: str) -> None:
        percent = int(max(0.0, min(1.0, fraction)) * 100)
        if self.last is not None and percent < self.last[0]:
            percent = self.last[0]  # a bar never goes back (a stage's estimate may)
        if (percent, stage) == self.last:
            return
        self.last = (percent, stage)
        filled = self.width * percent // 100
        line = f"[{'#' * filled}{'.' * (self.width - filled)}] {percent:3d} %  {STAGES.get(stage, stage)}"
        padding = " " * max(self.longest - len(line), 0)  # wipe a longer stage's text
        self.longest = max(self.longest, len(line))
        self.stream.write(f"\r{line}{padding}")
        self.stream.flush()

    def close(self) -> None:
        """End the bar's line (nothing when nothing was drawn)."""
        if self.last is not None:
            self.stream.write("\n")
            self.stream.flush()
            self.last = None


def wanted(flag: bool | None, stream: TextIO | None = None) -> bool:
    """``--progress``/``--no-progress`` as given, else whether stderr is a terminal."""
    if flag is not None:
        return flag
    stream = stream if stream is not None else sys.stderr
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


@contextmanager
def progress_bar(flag: bool | None) -> Iterator[ProgressBar | None]:
    """A bar for the command's export (or None), its line ended however the export ends."""
    bar = ProgressBar() if wanted(flag) else None
    try:
        yield bar
    finally:
        if bar is not None:
            bar.close()
