"""`make bench`: time and memory of the annex export (numbers go in docs/performance.md).

Measures, on a throwaway SQLite database:
- the demo meeting's annex as PDF: a cold start (new render child) and the median of
  repeated exports (a render child is started ahead, as the server does);
- a generated 100-table meeting as PDF (and DOCX, ODT, Markdown);
- memory: the render child's peak, and this process's size across 20 exports in a row;
- beside them, WeasyPrint alone on the same HTML (its own command, a new process) and the
  command line's annex (`flask --app wsgi annex`, a new process), in turn, with the ratios
  the targets are set in (benchmarks/alone.py).

Every time is wall-clock time of service.export_annex: loading the meeting from the
database, building the figures and HTML, rendering in the child, writing the file. Beside
it, "cpu" is the CPU time that export used in this process and in the render child: on a
busy machine wall time grows with the load, CPU time hardly does. The load average is
printed so a reader can tell.

The organisation's house style is on (name, an SVG logo, an accent colour and a cover
page), as a council would export; ``--no-style`` measures the plain annex.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

from facilitator import TestingConfig, create_app, operations, sessionfile
from facilitator.database import ensure_schema
from facilitator.export import child, service
from facilitator.export.annex import AnnexOptions
from facilitator.housestyle import store
from facilitator.housestyle.logo import sanitise_logo
from facilitator.housestyle.style import StyleData

from . import alone
from .meetings import generated_meeting

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "sessions" / "ser-raad-2023-01-27.toml"

# a logo as an organisation would upload it: an SVG with shapes and a gradient
LOGO_SVG = b"""<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 160 48">
<defs><linearGradient id="g" x1="0" x2="1"><stop offset="0" stop-color="#8a1c4a"/>
<stop offset="1" stop-color="#0b4f8a"/></linearGradient></defs>
<rect width="48" height="48" rx="8" fill="url(#g)"/><circle cx="24" cy="24" r="12" fill="#fff"/>
<path d="M60 12h90v8H60zM60 28h64v8H60z" fill="#1b1f24"/></svg>"""


def house_style() -> StyleData:
    """The benchmark's house style, through the same sanitising as an upload."""
    logo, kind, png = sanitise_logo(LOGO_SVG)
    return StyleData(
        name="Sociaal-Economische Raad", accent="#8a1c4a", cover=True, logo=logo, logo_type=kind, logo_png=png
    )


# issue 20 part 3: absolute on the project's 2-core machine, and as ratios to WeasyPrint alone
# on the same HTML in the same run (the command line's annex; the warm web export)
TARGETS = {"demo_median": 1.0, "large": 8.0, "peak_mb": 500.0, "cli_ratio": 1.5, "warm_ratio": 1.1}


def rss_mb() -> float:
    """This process's resident size now (MB)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def export(slug: str, fmt: str, out: Path, keep_spare: bool = True) -> service.ExportResult:
    """One export as the web job does it: load, build, render (feedback included)."""
    data = service.load_meeting_data(slug)
    return service.export_annex(data, fmt, out, AnnexOptions(include_feedback=True), keep_spare=keep_spare)


class Run:
    """One timed export."""

    def __init__(self, slug: str, fmt: str, out: Path, keep_spare: bool = True):
        started, cpu = time.perf_counter(), time.process_time()
        self.result = export(slug, fmt, out, keep_spare)
        self.wall = time.perf_counter() - started
        self.cpu = time.process_time() - cpu + self.result.child_cpu


def summary(runs: list[Run]) -> str:
    walls, cpus = [r.wall for r in runs], [r.cpu for r in runs]
    spread = f" (min {min(walls):.2f}, max {max(walls):.2f})" if len(runs) > 1 else ""
    return f"{statistics.median(walls):6.2f} s{spread}, cpu {statistics.median(cpus):.2f} s"


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (5 min {five:.1f}) on {os.cpu_count()} cores"


def main(argv: list[str]) -> int:
    """Run the benchmarks and print a report; exit 1 when a target is missed."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=9, help="demo exports for the median (default 9)")
    parser.add_argument("--large-repeat", type=int, default=3, help="100-table exports (default 3)")
    parser.add_argument("--series", type=int, default=20, help="exports in a row for memory (default 20)")
    parser.add_argument("--pause", type=float, default=1.0, help="seconds between demo exports (default 1)")
    parser.add_argument("--no-style", action="store_true", help="without the house style")
    parser.add_argument("--cli-runs", type=int, default=5, help="command-line / WeasyPrint pairs (default 5)")
    args = parser.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="facilitator-bench-"))
    config = TestingConfig(f"sqlite:///{tmp / 'bench.db'}")
    config.INSTANCE_DIR = str(tmp / "instance")
    app = create_app(config)
    failures: list[str] = []
    with app.app_context():
        ensure_schema()
        demo = operations.import_meeting(sessionfile.loads(DEMO.read_bytes())).slug
        large = operations.import_meeting(generated_meeting(100)).slug
        if not args.no_style:
            store.save_organisation_style(house_style())
        python = sys.version.split()[0]
        print(f"Facilitator annex benchmark ({time.strftime('%Y-%m-%d %H:%M')}, Python {python})")
        print("house style: " + ("off" if args.no_style else "on (name, SVG logo, accent, cover page)"))
        print(f"work dir: {tmp}\n")

        print(f"before: {load()}\n")
        # WeasyPrint alone on the same HTML, and the command line's annex, in turn
        everything = AnnexOptions(include_feedback=True)
        demo_html = alone.same_html(demo, tmp / "alone", everything)
        large_html = alone.same_html(large, tmp / "alone", everything)
        env = alone.cli_env(config.SQLALCHEMY_DATABASE_URI, tmp / "instance")
        pairs = alone.paired(
            alone.cli_command(demo, tmp / "cli.pdf", "--feedback"),
            alone.weasyprint_command(demo_html, tmp / "alone.pdf"),
            args.cli_runs,
            env_a=env,
        )
        weasyprint_alone = statistics.median(t.wall for t in pairs.b)
        print(f"WeasyPrint alone, demo   {alone.line(pairs.b)}; median of {len(pairs.b)}")
        cli_ratio = pairs.ratio
        print(
            f"command-line annex, demo {alone.line(pairs.a)}; "
            f"{cli_ratio:.2f}× WeasyPrint alone (pairs {min(pairs.ratios):.2f}–{max(pairs.ratios):.2f})"
        )
        if cli_ratio > TARGETS["cli_ratio"]:
            failures.append(f"command-line annex {cli_ratio:.2f}× WeasyPrint alone > {TARGETS['cli_ratio']}×")
        cli_peak = max(t.peak_mb for t in pairs.a)
        # a cold start: no render child waiting
        cold = Run(demo, "pdf", tmp / "cold.pdf", keep_spare=False)
        print(f"demo PDF, cold child     {summary([cold])}   ({cold.result.pages} pages)")

        child.prestart(*reversed(service.limits()))  # what opening the export page does
        runs = []
        for _ in range(args.repeat):
            # a person clicks "Bijlage maken" now and then, not back to back: by then the
            # render child started for the next export has done its imports
            time.sleep(args.pause)
            runs.append(Run(demo, "pdf", tmp / "demo.pdf"))
        median = statistics.median(r.wall for r in runs)
        demo_peak = max(r.result.child_maxrss_kb for r in runs) / 1024
        print(
            f"demo PDF, warm child     {summary(runs)}; median of {len(runs)}; child peak {demo_peak:.0f} MB"
        )
        warm_ratio = median / weasyprint_alone
        print(f"  warm export / WeasyPrint alone (medians of this run): {warm_ratio:.2f}×")
        if median > TARGETS["demo_median"]:
            failures.append(f"demo median {median:.2f} s > {TARGETS['demo_median']} s")
        if warm_ratio > TARGETS["warm_ratio"]:
            failures.append(f"warm export {warm_ratio:.2f}× WeasyPrint alone > {TARGETS['warm_ratio']}×")

        for fmt in ("docx", "odt", "md"):
            print(f"demo {fmt.upper():<4}                {summary([Run(demo, fmt, tmp / f'demo.{fmt}')])}")

        # the export and WeasyPrint alone in turn, the ratio pair by pair
        large_runs, large_alone = [], []
        for _ in range(args.large_repeat):
            large_runs.append(Run(large, "pdf", tmp / "large.pdf"))
            large_alone.append(alone.timed(alone.weasyprint_command(large_html, tmp / "alone-large.pdf")))
        large_median = statistics.median(r.wall for r in large_runs)
        large_peak = max(r.result.child_maxrss_kb for r in large_runs) / 1024
        in_parts = large_runs[0].result.parts
        print(
            f"100 tables PDF           {summary(large_runs)}; median of {len(large_runs)}, "
            f"{large_runs[0].result.pages} pages; in {in_parts} part{'s' * (in_parts > 1)}, "
            f"child peak {large_peak:.0f} MB" + (" (the parts' processes added up)" if in_parts > 1 else "")
        )
        ratios = sorted(r.wall / a.wall for r, a in zip(large_runs, large_alone, strict=True))
        print(
            f"  WeasyPrint alone, 100 tables {alone.line(large_alone)}: the export is "
            f"{statistics.median(ratios):.2f}× (pairs {ratios[0]:.2f}–{ratios[-1]:.2f})"
        )
        if large_median > TARGETS["large"]:
            failures.append(f"100 tables {large_median:.1f} s > {TARGETS['large']} s")
        for fmt in ("docx", "odt", "md"):
            run = Run(large, fmt, tmp / f"large.{fmt}")
            extra = (
                f"; child peak {run.result.child_maxrss_kb / 1024:.0f} MB"
                if run.result.child_maxrss_kb
                else ""
            )
            print(f"100 tables {fmt.upper():<4}          {summary([run])}{extra}")

        sizes = []
        child_peaks = []
        for _ in range(args.series):
            run = Run(demo, "pdf", tmp / "series.pdf")
            sizes.append(rss_mb())
            child_peaks.append(run.result.child_maxrss_kb / 1024)
        growth = sizes[-1] - sizes[0]
        print(
            f"{args.series} demo exports in a row: this process {sizes[0]:.0f} → {sizes[-1]:.0f} MB "
            f"(growth {growth:+.1f} MB, max {max(sizes):.0f}); "
            f"child peak {min(child_peaks):.0f}–{max(child_peaks):.0f} MB"
        )
        parent_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        peak = max(large_peak, demo_peak, max(child_peaks))
        print(
            f"peak memory: render child {peak:.0f} MB, this process {parent_peak:.0f} MB, "
            f"command line {cli_peak:.0f} MB"
        )
        if max(peak, parent_peak, cli_peak) > TARGETS["peak_mb"]:
            failures.append(f"peak {max(peak, parent_peak, cli_peak):.0f} MB > {TARGETS['peak_mb']:.0f} MB")
        # a leak grows with every export; allow for allocator noise, not for a trend
        if growth > 15:
            failures.append(f"memory grew {growth:.1f} MB over {args.series} exports")
        print(f"\nafter: {load()}")

    print()
    if failures:
        print("MISSED: " + "; ".join(failures))
        return 1
    print(
        f"targets met: command line ≤ {TARGETS['cli_ratio']}× and warm export ≤ {TARGETS['warm_ratio']}× "
        f"WeasyPrint alone, demo ≤ {TARGETS['demo_median']} s median, 100 tables ≤ {TARGETS['large']:.0f} s, "
        f"peak ≤ {TARGETS['peak_mb']:.0f} MB, no growth across exports"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
