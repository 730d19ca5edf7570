"""A large annex rendered in parts side by side (export/parts.py) is the same document as in one.

The same annex is rendered whole and in two parts through the render child, and read back:
every page's text (the page numbers "pagina 14 van 30" and the margin's title on each part's
first page included), the outline, the named destinations, the structure tree and the parent
tree must be equal, and the joined file must pass page-validation as PDF/A-2a and PDF/UA-1.
The processes are checked the way they fail: a part that fails fails the render with its
reason, and a part's process dies with the render child when the deadline kills it.
"""

from __future__ import annotations

import dataclasses
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pikepdf
import pytest
from hypothesis import given
from hypothesis import strategies as st

from benchmarks.meetings import generated_meeting
from facilitator.export import child, html, parts
from facilitator.export.annex import AnnexOptions, build_annex
from tests.annex_support import REPO, PdfReadBack
from tests.test_publication import LOGO_SVG
from tests.test_validators import PROFILES, house_style, pdf_failures

# ---------------------------------------------------------------------------------------------
# Where an annex is cut, and into how many parts


@given(st.lists(st.integers(min_value=1, max_value=10_000), min_size=1, max_size=60), st.integers(1, 8))
def test_the_runs_cover_every_table_once_in_order(sizes, wanted):
    runs = html.split_evenly(sizes, wanted)
    assert len(runs) == min(wanted, len(sizes))
    assert [i for run in runs for i in run] == list(range(len(sizes)))
    assert all(len(run) > 0 for run in runs)


def test_equal_tables_are_cut_into_equal_runs():
    assert html.split_evenly([5] * 100, 2) == [range(0, 50), range(50, 100)]
    assert html.split_evenly([5] * 9, 3) == [range(0, 3), range(3, 6), range(6, 9)]


def test_a_long_table_gets_a_run_of_its_own_size():
    # the first table is as long as the other nine together: it is a part by itself
    assert html.split_evenly([9, 1, 1, 1, 1, 1, 1, 1, 1, 1], 2) == [range(0, 1), range(1, 10)]
    # a huge last table: the cut falls before it, not after it
    assert html.split_evenly([1, 1, 100], 2) == [range(0, 2), range(2, 3)]


def test_parts_are_planned_by_cores_and_tables(monkeypatch):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2, 3})
    assert parts.planned(parts.MIN_TABLES * 2 - 1, {}) == 1  # too few tables for two
    assert parts.planned(parts.MIN_TABLES * 2, {}) == 2
    assert parts.planned(100, {}) == 4  # one per core
    assert parts.planned(100, {parts.SETTING: "1"}) == 1  # the setting caps it
    assert parts.planned(100, {parts.SETTING: "2"}) == 2
    assert parts.planned(100, {parts.SETTING: "many"}) == 4  # not a number: ignored
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0})
    assert parts.planned(100, {}) == 1  # one core: no helper


def test_the_render_child_passes_the_setting_on(monkeypatch):
    monkeypatch.setenv(parts.SETTING, "1")
    assert child._child_env()[parts.SETTING] == "1"


# ---------------------------------------------------------------------------------------------
# The same document


TABLES = 2 * parts.MIN_TABLES + 1  # two parts, the second a table longer


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """The annex of a meeting in the house style (cover page, logo), whole and in two parts."""
    tmp = tmp_path_factory.mktemp("parts")
    data = dataclasses.replace(generated_meeting(TABLES), style=house_style(LOGO_SVG))
    annex = build_annex(data, None, AnnexOptions(include_feedback=True))
    files, progress = {}, []
    for count in (1, 2):
        job = {"format": "pdf", **html.pdf_job(annex, parts=count)}
        assert ("parts" in job) == (count > 1)
        files[count] = tmp / f"{count}.pdf"
        result = child.run(job, files[count], keep_spare=False, on_progress=progress.append)
        assert result.result["pages"] == len(pikepdf.open(files[count]).pages)
    assert result.result["parts"] == 2
    pages = [m["page"] for m in progress if "page" in m]
    return (files[1], files[2]), pages


def test_the_joined_annex_reads_the_same_page_by_page(rendered):
    (whole, joined), _ = rendered
    a, b = PdfReadBack(whole), PdfReadBack(joined)
    assert len(a.pages) == len(b.pages) > TABLES
    assert a.pages == b.pages
    total = len(a.pages)
    # the second part's pages: numbered on from the first's, the annex named in the margin
    second = next(i for i, text in enumerate(b.pages) if f"Tafel {parts.MIN_TABLES + 1}\n" in text)
    assert f"pagina {second + 1} van {total}" in b.pages[second]
    assert "Bijlage: terugkoppeling tafels" in b.pages[second]


def outline(pdf: pikepdf.Pdf) -> list[tuple[int, str, int, float]]:
    found = []
    with pdf.open_outline() as tree:

        def walk(items, depth):
            for item in items:
                target = item.destination
                found.append((depth, item.title, pdf.pages.index(pikepdf.Page(target[0])), float(target[3])))
                walk(item.children, depth + 1)

        walk(tree.root, 0)
    return found


def destinations(pdf: pikepdf.Pdf) -> list[tuple[str, int]]:
    names = pdf.Root.Names.Dests.Names
    return [(str(names[i]), pdf.pages.index(pikepdf.Page(names[i + 1][0]))) for i in range(0, len(names), 2)]


def structure(pdf: pikepdf.Pdf) -> tuple[list, list]:
    """The structure tree in order (type, page, text alternative; marked-content ids), and for each
    page what the parent tree maps its marked content to."""
    found: list = []

    def walk(element):
        if isinstance(element, pikepdf.Dictionary):
            where = pdf.pages.index(pikepdf.Page(element.Pg)) if "/Pg" in element else None
            found.append((str(element.S), where, str(element.get("/Alt", ""))))
            kids = element.get("/K")
            for kid in kids if isinstance(kids, pikepdf.Array) else [] if kids is None else [kids]:
                walk(kid)
        else:
            found.append(int(element))

    walk(pdf.Root.StructTreeRoot.K[0])
    nums = pdf.Root.StructTreeRoot.ParentTree.Nums
    tree = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
    by_page = [[str(e.S) for e in tree[int(p.obj.StructParents)]] for p in pdf.pages]
    return found, by_page


def test_the_joined_annex_has_the_same_outline_destinations_and_tags(rendered):
    (whole, joined), _ = rendered
    a, b = pikepdf.open(whole), pikepdf.open(joined)
    assert outline(a) == outline(b)
    assert [title for depth, title, *_ in outline(b) if depth == 1][-1] == f"Tafel {TABLES}"
    assert destinations(a) == destinations(b)
    assert structure(a) == structure(b)
    assert len(structure(b)[0]) > 1000
    assert b.Root.Metadata.get("/Filter") is None  # the XMP stays plain text, as archival.py writes it


@pytest.mark.parametrize("profile", PROFILES)
def test_the_joined_annex_passes_page_validation(rendered, profile):
    (_, joined), _ = rendered
    assert pdf_failures(joined, PROFILES[profile]) == []


def test_the_progress_counts_the_whole_annex(rendered):
    (_, joined), pages = rendered
    # the first part reports its pages twice over: about the whole annex's count at the end
    assert max(pages) >= len(pikepdf.open(joined).pages) - 2


def test_a_stream_whose_data_ends_in_cr_ends_with_cr_lf(tmp_path):
    """qpdf ends each stream with LF; the rewrite ends data that ends in CR with CR LF instead."""
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.pages[0].obj.Contents = pdf.make_stream(b"q Q\r")
    pdf.Root.Extra = pdf.make_stream(b"plain")
    plain = tmp_path / "plain.pdf"
    pdf.save(plain, object_stream_mode=pikepdf.ObjectStreamMode.disable, compress_streams=False)
    assert b"q Q\r\nendstream" in plain.read_bytes()  # the ambiguous end qpdf writes
    compacted = parts.compact(plain.read_bytes())
    assert b"q Q\r\r\nendstream" in compacted
    assert b"plain\nendstream" in compacted
    (tmp_path / "compact.pdf").write_bytes(compacted)
    again = pikepdf.open(tmp_path / "compact.pdf")
    assert again.pages[0].obj.Contents.read_raw_bytes() == b"q Q\r"
    assert again.Root.Extra.read_bytes() == b"plain"
    assert b"/Type /ObjStm" in compacted and b"/Type /XRef" in compacted


# ---------------------------------------------------------------------------------------------
# In this process: the page numbers and the join, on a small annex


def render_here(document: str, path: Path) -> dict:
    """What the render child does with one document (render.render_pdf's render_one)."""
    from weasyprint import HTML

    from facilitator.export.archival import PDF_OPTIONS, mark_archival, write_archival
    from facilitator.export.fetcher import ASSET_BASE, AnnexFetcher

    rendered = HTML(string=document, base_url=ASSET_BASE, url_fetcher=AnnexFetcher()).render(**PDF_OPTIONS)
    mark_archival(rendered)
    write_archival(rendered, path, PDF_OPTIONS)
    return {"pages": len(rendered.pages), "refused": []}


# WeasyPrint leaves its sRGB profile's file to the garbage collector: not ours to close
LEAVES_A_FILE = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """Four tables of the generated meeting: the whole annex, and its two parts rendered here."""
    tmp = tmp_path_factory.mktemp("small")
    annex = build_annex(generated_meeting(4), None, AnnexOptions(include_feedback=True))
    whole = html.annex_documents(annex, 1)
    first, second = html.annex_documents(annex, 2)
    total = render_here(whole[0], tmp / "whole.pdf")["pages"]
    asked = []

    def exchange(offset):
        def agreed(count):
            asked.append(count)
            return offset(), total

        return agreed

    with parts.numbering(exchange(lambda: 0)):
        render_here(first, tmp / "part0.pdf")
    with parts.numbering(exchange(lambda: asked[0])):
        render_here(second, tmp / "part1.pdf")
    pages = parts.join([tmp / "part0.pdf", tmp / "part1.pdf"], tmp / "joined.pdf")
    return tmp, asked, pages


@LEAVES_A_FILE
def test_the_parts_number_their_pages_from_their_offset_to_the_total(small):
    tmp, asked, pages = small
    first = PdfReadBack(tmp / "part0.pdf").pages
    second = PdfReadBack(tmp / "part1.pdf").pages
    assert asked == [len(first), len(second)]  # each asked once, with its own page count
    assert pages == len(first) + len(second)
    assert f"pagina 1 van {pages}" in first[0]
    assert f"pagina {len(first) + 1} van {pages}" in second[0]
    assert f"pagina {pages} van {pages}" in second[-1]


@LEAVES_A_FILE
def test_the_second_part_starts_with_its_tables_and_names_the_annex(small):
    tmp, _, _ = small
    second = PdfReadBack(tmp / "part1.pdf").pages
    assert second[0].lstrip().startswith("Bijlage: terugkoppeling tafels")  # the margin's title
    number = int(re.search(r"Tafel (\d+)\n", second[0]).group(1))  # the part's first table
    assert number > 1 and f"Tafel {number - 1}\n" in "".join(PdfReadBack(tmp / "part0.pdf").pages)
    assert "Vragen aan de tafels" not in "".join(second)  # the heading and questions are the first's
    assert "Raad, nr. 746" in second[0]  # the footer, as the first part's heading sets it


@LEAVES_A_FILE
def test_the_joined_small_annex_is_the_whole_one(small):
    tmp, _, pages = small
    whole, joined = pikepdf.open(tmp / "whole.pdf"), pikepdf.open(tmp / "joined.pdf")
    assert pages == len(whole.pages) == len(joined.pages)
    assert PdfReadBack(tmp / "whole.pdf").pages == PdfReadBack(tmp / "joined.pdf").pages
    assert outline(whole) == outline(joined)
    assert destinations(whole) == destinations(joined)
    assert structure(whole) == structure(joined)
    for profile in PROFILES.values():
        assert pdf_failures(tmp / "joined.pdf", profile) == []


# ---------------------------------------------------------------------------------------------
# The processes, as they fail


def run_script(body: str, tmp_path: Path, **kwargs) -> subprocess.Popen:
    """A fresh interpreter that renders with ``parts.render`` (a fork from pytest's would share
    its threads); ``render_one`` and the parts come from ``body``."""
    script = tmp_path / "script.py"
    script.write_text(
        "import sys, os, time, json\nfrom pathlib import Path\nfrom facilitator.export import parts\n"
        + textwrap.dedent(body)
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, str(script)], cwd=tmp_path, env=env, text=True, **kwargs)


def test_a_part_that_fails_fails_the_render_with_its_reason(tmp_path):
    proc = run_script(
        """
        def render_one(document, path):
            if document == "second":
                raise ValueError("the second part is broken")
            return {"pages": 1, "refused": []}

        try:
            parts.render(["first", "second"], Path("out.pdf"), render_one)
        except RuntimeError as exc:
            print("failed:", exc)
        print("left:", sorted(p.name for p in Path(".").iterdir() if p.name.startswith("out")))
        """,
        tmp_path,
        stdout=subprocess.PIPE,
    )
    out, _ = proc.communicate(timeout=60)
    assert "failed: ValueError: the second part is broken" in out
    assert "left: []" in out  # no part's file is left behind


def test_a_part_dies_with_the_render_child(tmp_path):
    proc = run_script(
        """
        def render_one(document, path):
            if document == "second":
                Path("helper.pid").write_text(str(os.getpid()))
                time.sleep(120)
            time.sleep(120)

        parts.render(["first", "second"], Path("out.pdf"), render_one)
        """,
        tmp_path,
    )
    pid_file = tmp_path / "helper.pid"
    deadline = time.monotonic() + 30
    while not pid_file.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    helper = int(pid_file.read_text())
    assert alive(helper)
    proc.send_signal(signal.SIGKILL)  # as child.py does at the deadline
    proc.wait(timeout=10)
    deadline = time.monotonic() + 10
    while alive(helper) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(helper)


def alive(pid: int) -> bool:
    """Running, not ended (a process whose parent is gone may wait as a zombie to be reaped)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def test_the_render_child_gives_way_to_the_server():
    """The render child (and the parts it forks) runs at a lower priority than the server."""
    from facilitator.export import render

    child.prestart()
    try:
        with child._spare_lock:
            assert child._spare is not None
            pid = child._spare[1].pid
        deadline, nice = time.monotonic() + 30, None
        while time.monotonic() < deadline:
            nice = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[16])
            if nice == render.NICE:
                break
            time.sleep(0.05)
        assert nice == render.NICE == 10
        assert os.nice(0) < render.NICE  # this process, as the server, is not lowered
    finally:
        child._retire_spare()
