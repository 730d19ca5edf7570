"""The annex beside WeasyPrint alone on the same HTML, for `make bench` (benchmarks/__main__.py).

"WeasyPrint alone" is WeasyPrint's own command (`.venv/bin/weasyprint`, a new process with
its imports, as a person would run it) on the very HTML the annex renders, with the same
PDF options (PDF/A-2a, tagged): the fonts resolved from disk (file: URLs) instead of through
the render child's fetcher, the logo as a file beside it. What the annex costs on top of it
is our part: the app, the database, the figures and HTML, the render child, the PDF/A + UA
post-processing.

Each command is timed as a whole process: wall time, CPU time (user + system, the process
and the children it waited for) and peak resident size (the largest single process among
them), from ``os.wait4``. Pairs run in turn (A B A B …) and the ratio is taken pair by pair,
so a comparison holds while the machine's speed drifts with other work.
"""

from __future__ import annotations

import base64
import os
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from facilitator.export import annex as annex_module
from facilitator.export import html, service
from facilitator.export.archival import PDF_OPTIONS
from facilitator.export.fonts import ASSET_BASE, FONT_DIR, LOGO_MIME, logo_url

REPO = Path(__file__).resolve().parent.parent
WEASYPRINT = Path(sys.executable).parent / "weasyprint"


@dataclass
class Timing:
    """One finished process: wall and CPU seconds, peak resident size (MB), exit status."""

    wall: float
    cpu: float
    peak_mb: float
    status: int


# The command is started by a small launcher process that reports its rusage: a child of
# this (large) process would inherit its resident size as the start of its peak (Linux keeps
# the high-water mark of the memory it replaced at exec), so every command would seem to
# need at least as much as the benchmark itself.
LAUNCHER = """
import os, sys, time
report = int(sys.argv[1])
started = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - started
os.write(report, f"{wall} {usage.ru_utime + usage.ru_stime} {usage.ru_maxrss} {status}".encode())
"""


def timed(command: list[str], env: dict[str, str] | None = None) -> Timing:
    """Run a command to its end (output discarded) and time it from outside: wall, CPU (the
    process and the children it waited for) and peak size (the largest of them)."""
    read, write = os.pipe()
    with os.fdopen(read, "rb") as report:
        try:
            proc = subprocess.Popen(
                [sys.executable, "-I", "-S", "-c", LAUNCHER, str(write), *command],
                cwd=REPO,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                pass_fds=(write,),
            )
        finally:
            os.close(write)  # the launcher holds its own copy
        errors = proc.communicate()[1]
        wall, cpu, maxrss_kb, status = report.read().split()
    code = os.waitstatus_to_exitcode(int(status))
    if code != 0:
        sys.stderr.write(errors.decode("utf-8", "replace")[-2000:])
    return Timing(float(wall), float(cpu), int(maxrss_kb) / 1024, code)


def same_html(slug: str, workdir: Path, options: annex_module.AnnexOptions) -> Path:
    """The annex's HTML for ``slug`` as WeasyPrint's command can read it (needs an app context)."""
    data = service.load_meeting_data(slug)
    assert data is not None
    annex = annex_module.build_annex(data, None, options)
    text = html.annex_html(annex)
    workdir.mkdir(parents=True, exist_ok=True)
    fonts = workdir / "fonts"
    if not fonts.exists():
        fonts.symlink_to(FONT_DIR)
    if annex.style and annex.style.logo_type:
        logo = workdir / logo_url(annex.style.logo_type).removeprefix(ASSET_BASE)
        logo.parent.mkdir(exist_ok=True)
        logo.write_bytes(base64.b64decode(annex.style.logo))
        assert annex.style.logo_type in LOGO_MIME
    target = workdir / f"{slug}.html"
    target.write_text(text.replace(ASSET_BASE, workdir.resolve().as_uri() + "/"), encoding="utf-8")
    return target


def weasyprint_command(source: Path, out: Path) -> list[str]:
    """WeasyPrint's own command with the annex's PDF options."""
    assert PDF_OPTIONS["pdf_variant"] == "pdf/a-2a" and PDF_OPTIONS["pdf_tags"]
    return [str(WEASYPRINT), "--quiet", "--pdf-variant", "pdf/a-2a", "--pdf-tags", str(source), str(out)]


def cli_command(slug: str, out: Path, *extra: str) -> list[str]:
    """The command line's annex (README / CONTRACTS.md): `flask --app wsgi annex SLUG --out FILE`."""
    return [sys.executable, "-m", "flask", "--app", "wsgi", "annex", slug, "--out", str(out), *extra]


def cli_env(database_url: str, instance: Path) -> dict[str, str]:
    """The command line's environment: the benchmark's database and instance folder."""
    env = {k: v for k, v in os.environ.items() if k not in ("FLASK_APP", "ANNEX_PRESTART")}
    env.update(DATABASE_URL=database_url, FACILITATOR_INSTANCE=str(instance), PYTHONPATH=str(REPO))
    return env


@dataclass
class Pairs:
    """Runs of A and B in turn, with the ratio A/B pair by pair."""

    a: list[Timing]
    b: list[Timing]

    @property
    def ratios(self) -> list[float]:
        return [x.wall / y.wall for x, y in zip(self.a, self.b, strict=True)]

    @property
    def ratio(self) -> float:
        return statistics.median(self.ratios)


def paired(a: list[str], b: list[str], runs: int, env_a: dict[str, str] | None = None) -> Pairs:
    """``runs`` pairs after one warm-up of each (the page cache, the .pyc files)."""
    timed(a, env_a), timed(b)
    result = Pairs([], [])
    for _ in range(runs):
        result.a.append(timed(a, env_a))
        result.b.append(timed(b))
    failed = [t.status for t in result.a + result.b if t.status != 0]
    if failed:
        raise RuntimeError(f"a benchmarked command failed (exit status {failed[0]})")
    return result


def line(timings: list[Timing]) -> str:
    """Median wall time with its spread, CPU and peak memory."""
    walls = [t.wall for t in timings]
    spread = f" (min {min(walls):.2f}, max {max(walls):.2f})" if len(walls) > 1 else ""
    cpu, peak = statistics.median(t.cpu for t in timings), max(t.peak_mb for t in timings)
    return f"{statistics.median(walls):6.2f} s{spread}, cpu {cpu:.2f} s, peak {peak:.0f} MB"
